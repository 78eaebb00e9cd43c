//! Property tests of the pickle codec: thousands of random values must survive
//! encode -> decode in Rust, and encode -> CPython `pickle.loads` -> `pickle.dumps` ->
//! decode, unchanged. The generator is a seeded xorshift, so failures reproduce.
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use num_bigint::BigInt;
use ray_client::pickle::{decode, encode, reject_persistent, Limits};
use ray_client::Value;

struct Rng(common::XorShift);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n as usize) as u64
    }

    fn string(&mut self) -> String {
        const POOL: &[char] = &[
            'a', 'Z', ' ', '\n', '\\', '"', 'é', 'ß', '中', '😀', '\u{0}', '\u{7f}',
        ];
        let n = [0, 1, 5, 40, 300][self.below(5) as usize];
        (0..n)
            .map(|_| POOL[self.below(POOL.len() as u64) as usize])
            .collect()
    }

    fn int(&mut self) -> i64 {
        match self.below(6) {
            0 => self.below(256) as i64,
            1 => -(self.below(70000) as i64),
            2 => i64::MAX - self.below(3) as i64,
            3 => i64::MIN + self.below(3) as i64,
            _ => self.next() as i64,
        }
    }

    fn scalar(&mut self) -> Value {
        match self.below(9) {
            0 => Value::None,
            1 => Value::Bool(self.below(2) == 1),
            2 => Value::Int(self.int()),
            3 => {
                let digits: String = (0..1 + self.below(60))
                    .map(|_| char::from(b'0' + self.below(10) as u8))
                    .collect();
                let big = BigInt::parse_bytes(format!("9{digits}").as_bytes(), 10).unwrap();
                Value::from(if self.below(2) == 0 { big } else { -big })
            }
            4 => Value::Float(match self.below(5) {
                0 => f64::INFINITY,
                1 => -0.0,
                2 => 1e-310,
                _ => {
                    f64::from_bits(self.next() & !(0x7ff << 52)) * (self.below(1000) as f64 - 500.0)
                }
            }),
            5 => Value::Str(self.string()),
            6 => Value::bytes(
                (0..[0, 3, 255, 256, 1000][self.below(5) as usize])
                    .map(|_| self.next() as u8)
                    .collect::<Vec<u8>>(),
            ),
            7 => Value::ByteArray(
                (0..self.below(20))
                    .map(|_| self.next() as u8)
                    .collect::<Vec<u8>>()
                    .into(),
            ),
            _ => Value::global("collections", "OrderedDict"),
        }
    }

    /// A hashable key, unique within `seen`.
    fn key(&mut self, seen: &mut Vec<Value>) -> Value {
        loop {
            let k = match self.below(3) {
                0 => Value::Str(self.string()),
                1 => Value::Int(self.int()),
                _ => Value::Tuple(vec![Value::Int(self.int()), Value::Str(self.string())]),
            };
            // Python treats 1 == True and equal numbers as one key; ints and strings only
            // collide with themselves here.
            if !seen.contains(&k) {
                seen.push(k.clone());
                return k;
            }
        }
    }

    fn value(&mut self, depth: u32) -> Value {
        if depth == 0 || self.below(3) == 0 {
            return self.scalar();
        }
        let n = self.below(6);
        match self.below(6) {
            0 => Value::List((0..n).map(|_| self.value(depth - 1)).collect()),
            1 => Value::Tuple((0..n).map(|_| self.value(depth - 1)).collect()),
            2 | 3 => {
                let mut seen = Vec::new();
                Value::Dict(
                    (0..n)
                        .map(|_| (self.key(&mut seen), self.value(depth - 1)))
                        .collect(),
                )
            }
            4 => {
                let mut seen = Vec::new();
                Value::Set((0..n).map(|_| self.key(&mut seen)).collect())
            }
            _ => {
                let mut seen = Vec::new();
                Value::FrozenSet((0..n).map(|_| self.key(&mut seen)).collect())
            }
        }
    }
}

/// Sets compare in any order (CPython may reorder them).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) | (Value::FrozenSet(x), Value::FrozenSet(y)) => {
            x.len() == y.len() && x.iter().all(|e| y.iter().any(|f| same(e, f)))
        }
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(e, f)| same(e, f))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        }
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

#[test]
fn random_values_round_trip_in_rust() {
    let mut rng = Rng(common::XorShift(0x9e37_79b9_7f4a_7c15));
    for i in 0..5000 {
        let v = rng.value(4);
        let bytes = bytes::Bytes::from(encode(&v).unwrap());
        let back = decode(&bytes, &Limits::default(), &mut reject_persistent).unwrap();
        assert!(same(&v, &back), "case {i}: {v:?} came back as {back:?}");
    }
}

#[test]
fn random_values_round_trip_through_cpython() {
    let mut rng = Rng(common::XorShift(0x1234_5678_9abc_def1));
    let values: Vec<Value> = (0..1500).map(|_| rng.value(4)).collect();
    // One hex pickle per line in; CPython loads each and writes its own protocol 5 pickle.
    let script = "import sys, pickle\nfor line in sys.stdin:\n    print(pickle.dumps(pickle.loads(bytes.fromhex(line.strip())), protocol=5).hex())\n";
    let mut child = Command::new(common::python())
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for v in &values {
        input.push_str(
            &encode(v)
                .unwrap()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        );
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "CPython failed to load our pickles");
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), values.len());
    for (i, (v, line)) in values.iter().zip(lines).enumerate() {
        let raw: Vec<u8> = (0..line.len())
            .step_by(2)
            .map(|j| u8::from_str_radix(&line[j..j + 2], 16).unwrap())
            .collect();
        let back = decode(
            &bytes::Bytes::from(raw),
            &Limits::default(),
            &mut reject_persistent,
        )
        .unwrap();
        assert!(
            same(v, &back),
            "case {i}: {v:?} came back from CPython as {back:?}"
        );
    }
}

#[test]
fn segmented_encoding_is_the_same_pickle_without_copying_large_payloads() {
    use ray_client::pickle::{encode_segments, SPLICE_MIN};
    use ray_client::{DType, NdArray};
    let big = bytes::Bytes::from(vec![7u8; SPLICE_MIN * 3 + 5]);
    let floats = bytes::Bytes::from(vec![0u8; 8 * SPLICE_MIN]);
    let array = NdArray::new(DType::F64, vec![SPLICE_MIN], floats.clone()).unwrap();
    let mut rng = Rng(common::XorShift(0x5151_2323_4545_6767));
    // (value, how many of its payloads must be shared rather than copied)
    let cases = [
        (Value::Bytes(big.clone()), 1),
        (Value::ByteArray(big.clone()), 1),
        (Value::Bytes(big.slice(..SPLICE_MIN - 1)), 0),
        (
            Value::List(vec![
                rng.value(3),
                Value::Bytes(big.clone()),
                rng.value(3),
                Value::Tuple(vec![
                    Value::NdArray(Box::new(array)),
                    Value::Bytes(big.clone()),
                ]),
                rng.value(3),
            ]),
            3,
        ),
        (rng.value(4), 0),
    ];
    for (i, (v, shared)) in cases.iter().enumerate() {
        let whole = encode(v).unwrap();
        let segments = encode_segments(v).unwrap();
        assert_eq!(segments.concat(), whole, "case {i}");
        // Every payload of SPLICE_MIN bytes or more is the caller's buffer itself.
        let zero_copy = segments
            .iter()
            .filter(|s| {
                (s.as_ptr(), s.len()) == (big.as_ptr(), big.len())
                    || (s.as_ptr(), s.len()) == (floats.as_ptr(), floats.len())
            })
            .count();
        assert_eq!(zero_copy, *shared, "case {i}: large payloads shared");
    }
}
