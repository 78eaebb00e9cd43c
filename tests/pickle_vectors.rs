//! The pickle codec against CPython's own `pickle`, with vectors made at test time.
//!
//! * Decode: `tests/python/pickle_vectors.py dump` pickles a table of Python values with
//!   every protocol 0-5; each pickle must decode to the `Value` this file expects.
//! * Encode: a table of `Value`s is encoded here, loaded by CPython and compared (types
//!   included) with the Python object of the same name; CPython's protocol 5 pickle of
//!   what it loaded must decode back to the original value.
//! * Hostile input: truncations, byte flips, deep nesting, memo DAGs and other inputs
//!   that try to make the decoder allocate or work far beyond their size. A counting
//!   allocator measures what decoding them costs.
//!
//! Needs only a Python with the standard library (found through `common::python()`), no
//! cluster.
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use bytes::Bytes;
use num_bigint::BigInt;
use ray_client::pickle::{decode, encode, reject_persistent, Limits};
use ray_client::{Construct, ErrorKind, PyObject, Value};

// ---- a counting allocator, to bound what hostile input makes the decoder allocate ------

struct CountingAlloc;

thread_local! {
    /// Bytes currently allocated by this thread (may go negative when another thread
    /// frees what this one allocated; only differences are used).
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// Bytes ever allocated by this thread.
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn track(delta: isize, fresh: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
    let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(fresh)));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the bookkeeping uses
// const-initialised thread locals without destructors, which never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(layout.size() as isize, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize), 0);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(
                new_size as isize - layout.size() as isize,
                new_size.saturating_sub(layout.size()),
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[derive(Debug)]
struct Usage {
    /// Most bytes live at once during the call, above what was live before it.
    peak: usize,
    /// Bytes allocated in all during the call.
    total: usize,
}

/// Runs `f` on this thread and reports what it allocated.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let start_total = TOTAL.with(Cell::get);
    let out = f();
    let peak = (PEAK.with(Cell::get) - start).max(0) as usize;
    let total = TOTAL.with(Cell::get) - start_total;
    (out, Usage { peak, total })
}

const MB: usize = 1 << 20;

// ---- helpers -----------------------------------------------------------------------------

fn script() -> PathBuf {
    common::repo().join("tests/python/pickle_vectors.py")
}

/// Runs the vector script; returns (success, stdout, stderr).
fn run_script(mode: &str, stdin: &[u8]) -> (bool, String, String) {
    let python = common::python();
    let mut child = Command::new(&python)
        .arg(script())
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    // Written from another thread: the script answers while it reads, and a full stdout
    // pipe must not block our writing.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child
        .wait_with_output()
        .expect("waiting for the vector script");
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut ok = out.status.success();
    // A script that stopped reading has failed; its stderr says why.
    if let Err(e) = writer.join().unwrap() {
        ok = false;
        stderr.push_str(&format!("\n(writing to the script failed: {e})"));
    }
    (ok, String::from_utf8(out.stdout).unwrap(), stderr)
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        write!(s, "{x:02x}").unwrap();
    }
    s
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn dec(data: &[u8]) -> ray_client::Result<Value> {
    decode(
        &Bytes::copy_from_slice(data),
        &Limits::default(),
        &mut reject_persistent,
    )
}

fn dec_with(data: &[u8], limits: &Limits) -> ray_client::Result<Value> {
    decode(
        &Bytes::copy_from_slice(data),
        limits,
        &mut reject_persistent,
    )
}

fn short(s: &str) -> String {
    if s.len() <= 400 {
        return s.to_owned();
    }
    let mut end = 400;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} chars)", &s[..end], s.len())
}

/// A canonical text of a value: equal texts mean equal values, with floats compared by
/// their exact value and sign (so -0.0 != 0.0 and NaN == NaN) and sets in any order.
fn canon(v: &Value) -> String {
    let mut s = String::new();
    write_canon(v, &mut s);
    s
}

fn write_seq(items: &[Value], open: &str, close: &str, out: &mut String) {
    out.push_str(open);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_canon(x, out);
    }
    out.push_str(close);
}

fn write_set(items: &[Value], open: &str, out: &mut String) {
    let mut parts: Vec<String> = items.iter().map(canon).collect();
    parts.sort();
    out.push_str(open);
    out.push_str(&parts.join(", "));
    out.push('}');
}

fn write_pairs(pairs: &[(Value, Value)], out: &mut String) {
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_canon(k, out);
        out.push_str(": ");
        write_canon(v, out);
    }
    out.push('}');
}

fn write_canon(v: &Value, out: &mut String) {
    match v {
        Value::Float(f) => write!(out, "Float({f:?})").unwrap(),
        Value::List(items) => write_seq(items, "List[", "]", out),
        Value::Tuple(items) => write_seq(items, "Tuple(", ")", out),
        Value::Set(items) => write_set(items, "Set{", out),
        Value::FrozenSet(items) => write_set(items, "FrozenSet{", out),
        Value::Dict(pairs) => {
            out.push_str("Dict");
            write_pairs(pairs, out)
        }
        Value::Object(o) => {
            out.push_str("Object(callable=");
            write_canon(&o.callable, out);
            write!(out, ", construct={:?}, args=", o.construct).unwrap();
            write_seq(&o.args, "(", ")", out);
            out.push_str(", kwargs=");
            write_pairs(&o.kwargs, out);
            out.push_str(", list_items=");
            write_seq(&o.list_items, "[", "]", out);
            out.push_str(", dict_items=");
            write_pairs(&o.dict_items, out);
            out.push_str(", state=");
            match &o.state {
                Some(s) => write_canon(s, out),
                None => out.push('-'),
            }
            out.push(')');
        }
        // Scalars, strings, bytes, globals, refs and arrays: Debug is exact.
        other => write!(out, "{other:?}").unwrap(),
    }
}

// ---- value constructors --------------------------------------------------------------

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn big(decimal: &str) -> Value {
    Value::from(decimal.parse::<BigInt>().unwrap())
}

fn pow2(n: u32) -> BigInt {
    BigInt::from(1) << n
}

fn s(x: &str) -> Value {
    Value::str(x)
}

fn b(x: &[u8]) -> Value {
    Value::bytes(x.to_vec())
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn tuple(items: Vec<Value>) -> Value {
    Value::Tuple(items)
}

fn dict(pairs: Vec<(Value, Value)>) -> Value {
    Value::Dict(pairs)
}

fn g(module: &str, qualname: &str) -> Value {
    Value::global(module, qualname)
}

fn obj(callable: Value, construct: Construct, args: Vec<Value>) -> PyObject {
    PyObject {
        callable,
        construct,
        args,
        kwargs: Vec::new(),
        list_items: Vec::new(),
        dict_items: Vec::new(),
        state: None,
    }
}

fn call(callable: Value, args: Vec<Value>) -> Value {
    Value::Object(Box::new(PyObject::call(callable, args)))
}

fn ints(r: std::ops::Range<i64>) -> Vec<Value> {
    r.map(Value::Int).collect()
}

fn fraction() -> Value {
    call(g("fractions", "Fraction"), vec![int(1), int(3)])
}

// ---- the decode direction --------------------------------------------------------------

type Expect = Box<dyn Fn(u8) -> Value>;

fn all(v: Value) -> Expect {
    Box::new(move |_| v.clone())
}

/// name -> the value CPython's pickle of that name (tests/python/pickle_vectors.py, DUMP)
/// must decode to, per protocol.
fn decode_table() -> Vec<(&'static str, Expect)> {
    let ellipsis = g("builtins", "Ellipsis");
    vec![
        ("none", all(Value::None)),
        ("true", all(Value::Bool(true))),
        ("false", all(Value::Bool(false))),
        ("int_0", all(int(0))),
        ("int_1", all(int(1))),
        ("int_255", all(int(255))),
        ("int_256", all(int(256))),
        ("int_65535", all(int(65535))),
        ("int_65536", all(int(65536))),
        ("int_neg1", all(int(-1))),
        ("int_neg256", all(int(-256))),
        ("int_i32_max", all(int(i32::MAX as i64))),
        ("int_i32_min", all(int(i32::MIN as i64))),
        ("int_2_31", all(int(1 << 31))),
        ("int_i64_max", all(int(i64::MAX))),
        ("int_i64_min", all(int(i64::MIN))),
        ("int_2_64", all(big("18446744073709551616"))),
        ("int_10_40", all(big(&format!("1{}", "0".repeat(40))))),
        ("int_neg_10_40", all(big(&format!("-1{}", "0".repeat(40))))),
        ("int_2_2100", all(Value::from(pow2(2100)))),
        ("float_0", all(Value::Float(0.0))),
        ("float_neg0", all(Value::Float(-0.0))),
        ("float_1_5", all(Value::Float(1.5))),
        ("float_neg_pi", all(Value::Float(-std::f64::consts::PI))),
        ("float_1e300", all(Value::Float(1e300))),
        ("float_denormal", all(Value::Float(5e-324))),
        ("float_inf", all(Value::Float(f64::INFINITY))),
        ("float_neg_inf", all(Value::Float(f64::NEG_INFINITY))),
        // Canonical texts compare NaN equal to NaN; the NaN test checks it separately.
        ("float_nan", all(Value::Float(f64::NAN))),
        ("str_empty", all(s(""))),
        ("str_ascii", all(s("hello world"))),
        ("str_latin1", all(s("h\u{e9}llo w\u{f6}rld"))),
        ("str_bmp", all(s("\u{2713} \u{4e2d}\u{6587}"))),
        ("str_emoji", all(s("\u{1f600}"))),
        ("str_escapes", all(s("a\nb\\c\rd\0e\x1af\tg'h\"i"))),
        ("str_backslash_u", all(s("a\\u0041\\U0001f600\\"))),
        ("str_300", all(Value::Str("x".repeat(299) + "\u{e9}"))),
        ("bytes_empty", all(b(b""))),
        ("bytes_small", all(b(b"\x00\x01\xff abc\n\\"))),
        ("bytes_300", {
            let mut v: Vec<u8> = (0..=255).collect();
            v.extend_from_slice(&[b'y'; 44]);
            all(Value::bytes(v))
        }),
        ("bytearray_empty", all(Value::ByteArray(Bytes::new()))),
        (
            "bytearray",
            all(Value::ByteArray(Bytes::from_static(b"\x00ab\xff"))),
        ),
        ("list_empty", all(list(vec![]))),
        (
            "list_nested",
            all(list(vec![
                int(1),
                list(vec![int(2), list(vec![int(3), list(vec![])])]),
                s("x"),
            ])),
        ),
        (
            "list_types",
            all(list(vec![
                Value::Bool(true),
                int(1),
                Value::Float(1.0),
                s("1"),
                b(b"1"),
                Value::None,
            ])),
        ),
        ("tuple_0", all(tuple(vec![]))),
        ("tuple_1", all(tuple(vec![int(1)]))),
        ("tuple_2", all(tuple(vec![int(1), s("two")]))),
        (
            "tuple_3",
            all(tuple(vec![int(1), s("two"), Value::Float(3.0)])),
        ),
        (
            "tuple_4",
            all(tuple(vec![
                int(1),
                s("two"),
                Value::Float(3.0),
                Value::None,
            ])),
        ),
        (
            "tuple_5",
            all(tuple(vec![
                int(1),
                s("two"),
                Value::Float(3.0),
                Value::None,
                tuple(vec![int(5)]),
            ])),
        ),
        ("dict_empty", all(dict(vec![]))),
        (
            "dict_str",
            all(dict(vec![
                (s("a"), int(1)),
                (s("b"), s("two")),
                (s("c"), list(vec![int(3)])),
            ])),
        ),
        (
            "dict_int",
            all(dict(vec![
                (int(1), s("a")),
                (int(-2), s("b")),
                (Value::from(pow2(70)), s("c")),
            ])),
        ),
        (
            "dict_tuple",
            all(dict(vec![
                (tuple(vec![int(1), int(2)]), s("x")),
                (tuple(vec![s("a")]), Value::None),
                (tuple(vec![]), int(0)),
            ])),
        ),
        ("set_empty", all(Value::Set(vec![]))),
        ("set_ints", all(Value::Set(ints(1..4)))),
        ("set_strs", all(Value::Set(vec![s("a"), s("b"), s("c")]))),
        ("frozenset_empty", all(Value::FrozenSet(vec![]))),
        ("frozenset_ints", all(Value::FrozenSet(ints(4..6)))),
        (
            "shared_sublist",
            all(list(vec![list(vec![int(1)]), list(vec![int(1)])])),
        ),
        // The inner occurrence of a container in itself decodes as Ellipsis.
        ("recursive_list", all(list(vec![ellipsis.clone()]))),
        ("recursive_dict", all(dict(vec![(s("self"), ellipsis)]))),
        ("list_2500", all(list(ints(0..2500)))),
        (
            "dict_1500",
            all(dict(
                (0..1500)
                    .map(|i| (int(i), Value::Str(i.to_string())))
                    .collect(),
            )),
        ),
        ("global_len", all(g("builtins", "len"))),
        ("global_class", all(g("fractions", "Fraction"))),
        ("fraction", all(fraction())),
        (
            "date",
            all(call(g("datetime", "date"), vec![b(b"\x07\xe8\x01\x02")])),
        ),
        (
            "timedelta",
            all(call(
                g("datetime", "timedelta"),
                vec![int(1), int(5), int(0)],
            )),
        ),
        ("ordereddict", {
            let mut o = obj(g("collections", "OrderedDict"), Construct::Call, vec![]);
            o.dict_items = vec![(s("a"), int(1)), (s("b"), int(2))];
            all(Value::Object(Box::new(o)))
        }),
        (
            "namespace",
            Box::new(|proto| {
                let state = Some(dict(vec![(s("a"), int(1))]));
                // Protocols 0-1 go through copyreg._reconstructor, 2+ through NEWOBJ.
                let mut o = if proto < 2 {
                    obj(
                        g("copyreg", "_reconstructor"),
                        Construct::Call,
                        vec![
                            g("argparse", "Namespace"),
                            g("builtins", "object"),
                            Value::None,
                        ],
                    )
                } else {
                    obj(g("argparse", "Namespace"), Construct::New, vec![])
                };
                o.state = state;
                Value::Object(Box::new(o))
            }),
        ),
        ("object_list", all(list(vec![fraction(), fraction()]))),
    ]
}

struct Vector {
    name: String,
    protocol: u8,
    data: Vec<u8>,
}

/// CPython's pickles of every value of the decode table, with every protocol.
fn cpython_vectors() -> &'static [Vector] {
    static VECTORS: OnceLock<Vec<Vector>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let (ok, out, err) = run_script("dump", b"");
        assert!(ok, "pickle_vectors.py dump failed:\n{err}");
        out.lines()
            .map(|line| {
                let j: serde_json::Value = serde_json::from_str(line).unwrap();
                Vector {
                    name: j["name"].as_str().unwrap().to_owned(),
                    protocol: j["protocol"].as_u64().unwrap() as u8,
                    data: unhex(j["hex"].as_str().unwrap()),
                }
            })
            .collect()
    })
}

#[test]
fn cpython_pickles_of_every_protocol_decode_to_the_expected_values() {
    let table = decode_table();
    let expected: BTreeMap<&str, &Expect> = table.iter().map(|(n, e)| (*n, e)).collect();
    assert_eq!(expected.len(), table.len(), "duplicate names in the table");
    let vectors = cpython_vectors();

    let mut failures = Vec::new();
    let mut seen: BTreeMap<&str, BTreeSet<u8>> = BTreeMap::new();
    for v in vectors {
        seen.entry(v.name.as_str()).or_default().insert(v.protocol);
        let Some(expect) = expected.get(v.name.as_str()) else {
            failures.push(format!("{}: no expected value in the Rust table", v.name));
            continue;
        };
        let want = canon(&expect(v.protocol));
        match dec(&v.data) {
            Ok(got) => {
                let got = canon(&got);
                if got != want {
                    failures.push(format!(
                        "{} protocol {}: decoded {}\n    expected {}\n    pickle {}",
                        v.name,
                        v.protocol,
                        short(&got),
                        short(&want),
                        short(&hex(&v.data))
                    ));
                }
            }
            Err(e) => failures.push(format!(
                "{} protocol {}: decode failed: {e}\n    pickle {}",
                v.name,
                v.protocol,
                short(&hex(&v.data))
            )),
        }
    }
    for name in expected.keys() {
        let protocols = seen.get(name).cloned().unwrap_or_default();
        if protocols != (0..=5).collect() {
            failures.push(format!(
                "{name}: CPython sent protocols {protocols:?}, not 0-5"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} CPython vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    println!("{} CPython vectors decoded as expected", vectors.len());
}

#[test]
fn cpython_nan_and_signed_zero_keep_their_identity() {
    let vectors = cpython_vectors();
    let mut checked = 0;
    for v in vectors {
        let got = dec(&v.data).unwrap_or_else(|e| panic!("{} {}: {e}", v.name, v.protocol));
        match v.name.as_str() {
            "float_nan" => {
                assert!(
                    matches!(got, Value::Float(f) if f.is_nan()),
                    "protocol {}: {got:?} is not NaN",
                    v.protocol
                );
                checked += 1;
            }
            "float_neg0" => {
                assert!(
                    matches!(got, Value::Float(f) if f == 0.0 && f.is_sign_negative()),
                    "protocol {}: {got:?} is not -0.0",
                    v.protocol
                );
                checked += 1;
            }
            "true" | "false" => {
                assert!(
                    matches!(got, Value::Bool(_)),
                    "protocol {}: {got:?} is not a bool",
                    v.protocol
                );
                checked += 1;
            }
            _ => {}
        }
    }
    assert_eq!(checked, 4 * 6);
}

// ---- the encode direction --------------------------------------------------------------

struct EncCase {
    name: &'static str,
    value: Value,
    /// What CPython's own pickle of the loaded object decodes to, when that is not
    /// `value` itself (CPython reduces some objects differently from how we built them).
    back: Option<Value>,
}

fn case(name: &'static str, value: Value) -> EncCase {
    EncCase {
        name,
        value,
        back: None,
    }
}

/// name -> a value to encode; tests/python/pickle_vectors.py's EXPECT holds the Python
/// object each must load as.
fn encode_table() -> Vec<EncCase> {
    let mut timedelta = obj(g("datetime", "timedelta"), Construct::NewWithKwargs, vec![]);
    timedelta.kwargs = vec![(s("days"), int(1)), (s("seconds"), int(5))];
    let mut namespace = obj(g("argparse", "Namespace"), Construct::New, vec![]);
    namespace.state = Some(dict(vec![
        (s("a"), int(1)),
        (s("b"), list(vec![int(1), int(2)])),
    ]));
    let mut deque = obj(g("collections", "deque"), Construct::Call, vec![]);
    deque.list_items = ints(1..4);
    let mut odict = obj(g("collections", "OrderedDict"), Construct::Call, vec![]);
    odict.dict_items = vec![(s("a"), int(1)), (s("b"), int(2))];
    let bytes_256: Vec<u8> = (0..=255).collect();
    let bytes_100000: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();

    vec![
        case("none", Value::None),
        case("true", Value::Bool(true)),
        case("false", Value::Bool(false)),
        case("int_0", int(0)),
        case("int_255", int(255)),
        case("int_256", int(256)),
        case("int_65535", int(65535)),
        case("int_65536", int(65536)),
        case("int_neg1", int(-1)),
        case("int_neg129", int(-129)),
        case("int_i32_max", int(i32::MAX as i64)),
        case("int_i32_min", int(i32::MIN as i64)),
        case("int_2_31", int(1 << 31)),
        case("int_neg_2_31_minus_1", int(-(1 << 31) - 1)),
        case("int_i64_max", int(i64::MAX)),
        case("int_i64_min", int(i64::MIN)),
        case("int_2_64", Value::from(pow2(64))),
        case("int_10_40", big(&format!("1{}", "0".repeat(40)))),
        case("int_neg_10_40", big(&format!("-1{}", "0".repeat(40)))),
        case("int_2_2100", Value::from(pow2(2100))),
        case("int_neg_2_2100", Value::from(-pow2(2100))),
        case("float_0", Value::Float(0.0)),
        case("float_neg0", Value::Float(-0.0)),
        case("float_1_5", Value::Float(1.5)),
        case("float_1e300", Value::Float(1e300)),
        case("float_denormal", Value::Float(5e-324)),
        case("float_inf", Value::Float(f64::INFINITY)),
        case("float_neg_inf", Value::Float(f64::NEG_INFINITY)),
        case("float_nan", Value::Float(f64::NAN)),
        case("str_empty", s("")),
        case("str_ascii", s("hello world")),
        case(
            "str_unicode",
            s("h\u{e9}llo \u{2713} \u{4e2d}\u{6587} \u{1f600}"),
        ),
        case("str_escapes", s("a\nb\\c\rd\0e\x1af")),
        case("str_255_bytes", Value::Str("x".repeat(255))),
        case("str_256_bytes", Value::Str("x".repeat(254) + "\u{e9}")),
        case("str_70000", Value::Str("ab".repeat(35_000))),
        case("bytes_empty", b(b"")),
        case("bytes_small", b(b"\x00\x01\xff abc")),
        case("bytes_255", b(&[b'z'; 255])),
        case("bytes_256", b(&bytes_256)),
        case("bytes_100000", b(&bytes_100000)),
        case("bytearray_empty", Value::ByteArray(Bytes::new())),
        case(
            "bytearray",
            Value::ByteArray(Bytes::from_static(b"\x00ab\xff")),
        ),
        case("list_empty", list(vec![])),
        case(
            "list_nested",
            list(vec![
                int(1),
                list(vec![int(2), list(vec![int(3), list(vec![])])]),
                s("x"),
            ]),
        ),
        case(
            "list_types",
            list(vec![
                Value::Bool(true),
                int(1),
                Value::Float(1.0),
                s("1"),
                b(b"1"),
                Value::None,
                Value::ByteArray(Bytes::from_static(b"1")),
            ]),
        ),
        case("list_999", list(ints(0..999))),
        case("list_1000", list(ints(0..1000))),
        case("list_1001", list(ints(0..1001))),
        case("list_2500", list(ints(0..2500))),
        case("tuple_0", tuple(vec![])),
        case("tuple_1", tuple(vec![int(1)])),
        case("tuple_2", tuple(vec![int(1), s("two")])),
        case("tuple_3", tuple(vec![int(1), s("two"), Value::Float(3.0)])),
        case(
            "tuple_4",
            tuple(vec![int(1), s("two"), Value::Float(3.0), Value::None]),
        ),
        case(
            "tuple_5",
            tuple(vec![
                int(1),
                s("two"),
                Value::Float(3.0),
                Value::None,
                tuple(vec![int(5)]),
            ]),
        ),
        case("dict_empty", dict(vec![])),
        case(
            "dict_str",
            dict(vec![
                (s("a"), int(1)),
                (s("b"), s("two")),
                (s("c"), list(vec![int(3)])),
            ]),
        ),
        case(
            "dict_int",
            dict(vec![
                (int(1), s("a")),
                (int(-2), s("b")),
                (Value::from(pow2(70)), s("c")),
            ]),
        ),
        case(
            "dict_tuple",
            dict(vec![
                (tuple(vec![int(1), int(2)]), s("x")),
                (tuple(vec![s("a")]), Value::None),
                (tuple(vec![]), int(0)),
            ]),
        ),
        case(
            "dict_2500",
            dict((0..2500).map(|i| (int(i), int(-i))).collect()),
        ),
        case("set_empty", Value::Set(vec![])),
        case("set_ints", Value::Set(ints(1..4))),
        case("set_2500", Value::Set(ints(0..2500))),
        case("frozenset_empty", Value::FrozenSet(vec![])),
        case("frozenset_ints", Value::FrozenSet(ints(4..6))),
        case("global_len", g("builtins", "len")),
        case("global_class", g("fractions", "Fraction")),
        case("fraction", fraction()),
        EncCase {
            name: "timedelta_kwargs",
            value: Value::Object(Box::new(timedelta)),
            back: Some(call(
                g("datetime", "timedelta"),
                vec![int(1), int(5), int(0)],
            )),
        },
        case("namespace_new_build", Value::Object(Box::new(namespace))),
        case("deque_list_items", Value::Object(Box::new(deque))),
        case("ordereddict_dict_items", Value::Object(Box::new(odict))),
        case(
            "nested_mix",
            dict(vec![
                (
                    s("k"),
                    list(vec![
                        fraction(),
                        tuple(vec![Value::None, b(b"x")]),
                        Value::Set(ints(1..3)),
                    ]),
                ),
                (s("t"), tuple(vec![g("builtins", "len")])),
            ]),
        ),
    ]
}

/// Our pickles of the encode table, by name.
fn rust_vectors() -> Vec<(&'static str, Vec<u8>)> {
    encode_table()
        .into_iter()
        .map(|c| {
            let data = encode(&c.value).unwrap_or_else(|e| panic!("encoding {}: {e}", c.name));
            (c.name, data)
        })
        .collect()
}

#[test]
fn rust_pickles_load_in_cpython_as_the_expected_objects_and_come_back() {
    let table = encode_table();
    let mut input = String::new();
    for c in &table {
        let data = encode(&c.value).unwrap_or_else(|e| panic!("encoding {}: {e}", c.name));
        // Our own decoder must read our own pickles too.
        let own = dec(&data).unwrap_or_else(|e| panic!("decoding our {}: {e}", c.name));
        assert_eq!(
            canon(&own),
            canon(&c.value),
            "{}: our decoder disagrees with our encoder",
            c.name
        );
        let line = serde_json::json!({"name": c.name, "hex": hex(&data)});
        writeln!(input, "{line}").unwrap();
    }

    let (ok, out, err) = run_script("check", input.as_bytes());
    let mut failures = Vec::new();
    let mut answered = BTreeSet::new();
    for line in out.lines() {
        let j: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("bad line from the script ({e}): {line}"));
        let name = j["name"].as_str().unwrap().to_owned();
        answered.insert(name.clone());
        if j["ok"] != serde_json::Value::Bool(true) {
            failures.push(format!(
                "{name}: CPython: {}",
                j["detail"].as_str().unwrap()
            ));
            continue;
        }
        // Round trip: CPython's protocol 5 pickle of what it loaded.
        let c = table.iter().find(|c| c.name == name).unwrap();
        let want = canon(c.back.as_ref().unwrap_or(&c.value));
        match dec(&unhex(j["hex"].as_str().unwrap())) {
            Ok(v) if canon(&v) == want => {}
            Ok(v) => failures.push(format!(
                "{name}: CPython's pickle of it decodes to {}\n    expected {}",
                short(&canon(&v)),
                short(&want)
            )),
            Err(e) => failures.push(format!("{name}: CPython's pickle of it: {e}")),
        }
    }
    for c in &table {
        if !answered.contains(c.name) {
            failures.push(format!("{}: no answer from the script", c.name));
        }
    }
    assert!(
        failures.is_empty() && ok,
        "script {}; {} failures:\n{}\n--- stderr:\n{err}",
        if ok { "succeeded" } else { "failed" },
        failures.len(),
        failures.join("\n")
    );
    println!(
        "{} values round-tripped Rust -> CPython -> Rust",
        table.len()
    );
}

#[test]
fn encoding_is_deterministic_and_uses_the_protocol_5_header() {
    for c in encode_table() {
        let a = encode(&c.value).unwrap();
        let b = encode(&c.value).unwrap();
        assert_eq!(a, b, "{}", c.name);
        assert_eq!(&a[..2], b"\x80\x05", "{}", c.name);
        assert_eq!(a.last(), Some(&b'.'), "{}", c.name);
    }
}

// ---- hostile input ---------------------------------------------------------------------

/// Every vector we have: CPython's of all protocols and ours.
fn all_vectors() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = cpython_vectors()
        .iter()
        .map(|v| {
            (
                format!("{} protocol {}", v.name, v.protocol),
                v.data.clone(),
            )
        })
        .collect();
    v.extend(
        rust_vectors()
            .into_iter()
            .map(|(n, d)| (format!("{n} (ours)"), d)),
    );
    v
}

/// Decodes with panics caught, so that one bad input is reported with its bytes.
fn decode_caught(data: &[u8], limits: &Limits) -> Result<ray_client::Result<Value>, String> {
    let data = Bytes::copy_from_slice(data);
    catch_unwind(AssertUnwindSafe(|| {
        decode(&data, limits, &mut reject_persistent)
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn every_truncated_prefix_is_an_error() {
    let limits = Limits::default();
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for (name, data) in all_vectors() {
        // Every prefix of vectors up to 2 KiB. Large ones are long runs of the same few
        // opcodes (batched list and dict items, long strings); of those, the first 1 KiB
        // of prefixes, the last 64 and every 499th in between, since every cut costs a
        // decode of the whole prefix.
        let n = data.len();
        let cuts: Vec<usize> = if n <= 2048 {
            (0..n).collect()
        } else {
            (0..1024)
                .chain((1024..n - 64).step_by(499))
                .chain(n - 64..n)
                .collect()
        };
        for cut in cuts {
            checked += 1;
            match decode_caught(&data[..cut], &limits) {
                Err(panic) => failures.push(format!("{name}: prefix {cut} panicked: {panic}")),
                Ok(Ok(v)) => failures.push(format!(
                    "{name}: prefix {cut} of {n} decoded to {}",
                    short(&canon(&v))
                )),
                Ok(Err(e)) if e.kind() != ErrorKind::Pickle => {
                    failures.push(format!("{name}: prefix {cut}: wrong error kind: {e}"))
                }
                Ok(Err(_)) => {}
            }
        }
        // The whole vector does decode: the prefixes failed for being prefixes.
        if let Err(e) = dec(&data) {
            failures.push(format!("{name}: the whole vector failed: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(50)].join("\n")
    );
    println!("{checked} truncated prefixes rejected");
}

#[test]
fn random_byte_flips_never_panic() {
    let vectors = all_vectors();
    let limits = Limits::default();
    let mut rng = common::XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0usize, 0usize);
    let mut panics = Vec::new();
    for i in 0..20_000 {
        let (name, data) = &vectors[rng.below(vectors.len())];
        let mut data = data.clone();
        let flips = 1 + rng.below(4);
        for _ in 0..flips {
            let at = rng.below(data.len());
            // A random non-zero mask, or (one time in four) a byte set to an opcode-ish
            // value that changes lengths and structure most.
            if rng.below(4) == 0 {
                const TRICKY: &[u8] = b"\x00\xff()t]ae}su.0h\x94\x93R\x81\x92bQ\x8e\x8d\x96";
                data[at] = TRICKY[rng.below(TRICKY.len())];
            } else {
                data[at] ^= 1 + rng.below(255) as u8;
            }
        }
        if rng.below(8) == 0 {
            let keep = rng.below(data.len() + 1);
            data.truncate(keep);
        }
        match decode_caught(&data, &limits) {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::Pickle, "case {i} ({name}): {e}");
                err += 1
            }
            Err(p) => panics.push(format!("case {i} ({name}): {p}: {}", short(&hex(&data)))),
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
    println!("20000 mutated pickles: {ok} decoded, {err} rejected, none panicked");
}

fn pickle(body: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 5];
    p.extend_from_slice(body);
    p.push(b'.');
    p
}

fn repeat(chunk: &[u8], n: usize) -> Vec<u8> {
    chunk.repeat(n)
}

fn assert_pickle_error(result: ray_client::Result<Value>, contains: &str, what: &str) {
    match result {
        Ok(v) => panic!("{what}: decoded to {}", short(&canon(&v))),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Pickle, "{what}: {e}");
            assert!(
                e.to_string().contains(contains),
                "{what}: error {e:?} does not mention {contains:?}"
            );
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    const N: usize = 100_000;
    let global_list = b"\x8c\x08builtins\x8c\x04list\x93\x94";
    let shapes: Vec<(&str, Vec<u8>)> = vec![
        // ]]]]...aaaa: each list appended into the one below it.
        (
            "lists",
            pickle(&[repeat(b"]", N), repeat(b"a", N - 1)].concat()),
        ),
        (
            "tuples",
            pickle(&[repeat(b"(", N), repeat(b"t", N)].concat()),
        ),
        (
            "tuple1s",
            pickle(&[b"N".to_vec(), repeat(b"\x85", N)].concat()),
        ),
        (
            "dicts",
            pickle(&[repeat(b"}K\x00", N - 1), b"}".to_vec(), repeat(b"s", N - 1)].concat()),
        ),
        (
            "frozensets",
            pickle(&[repeat(b"(", N), repeat(b"\x91", N)].concat()),
        ),
        (
            "protocol 0 lists",
            [repeat(b"(", N), repeat(b"l", N), b".".to_vec()].concat(),
        ),
        (
            "objects",
            pickle(
                &[
                    global_list.to_vec(),
                    repeat(b"h\x00", N),
                    b"N".to_vec(),
                    repeat(b"\x85R", N),
                ]
                .concat(),
            ),
        ),
        (
            "object states",
            pickle(
                &[
                    global_list.to_vec(),
                    repeat(b"h\x00)R", N),
                    repeat(b"b", N - 1),
                ]
                .concat(),
            ),
        ),
    ];
    for (what, data) in &shapes {
        let (result, usage) = measure(|| dec(data));
        assert_pickle_error(result, "deeper than the limit", what);
        assert!(usage.peak < 256 * MB, "{what}: {usage:?}");
    }
    // A smaller limit is honoured, and nesting within it decodes.
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    let nested = |n: usize| pickle(&[repeat(b"]", n), repeat(b"a", n - 1)].concat());
    assert_pickle_error(dec_with(&nested(12), &limits), "deeper than", "12 lists");
    let mut v = dec_with(&nested(10), &limits).expect("10 nested lists");
    for _ in 0..9 {
        let Value::List(mut items) = v else { panic!() };
        assert_eq!(items.len(), 1);
        v = items.pop().unwrap();
    }
    assert_eq!(v, Value::List(vec![]));
    // The default limit allows what Ray values nest to in practice.
    assert!(dec(&nested(400)).is_ok());
}

/// `leaf`, memoized, then `levels` lists that each hold the previous one twice:
/// 2**levels references to the leaf in a pickle of a few bytes per level.
fn doubling(leaf: &[u8], levels: u8) -> Vec<u8> {
    let mut p = vec![0x80, 5];
    p.extend_from_slice(leaf);
    p.push(0x94);
    for i in 0..levels {
        p.extend_from_slice(&[b']', b'(', b'h', i, b'h', i, b'e', 0x94]);
    }
    p.push(b'.');
    p
}

fn long_str(n: usize) -> Vec<u8> {
    let mut leaf = vec![b'X'];
    leaf.extend_from_slice(&(n as u32).to_le_bytes());
    leaf.extend(std::iter::repeat_n(b'a', n));
    leaf
}

#[test]
fn memo_dag_blowup_hits_the_values_limit() {
    let data = doubling(b"K\x01", 60);
    let (result, usage) = measure(|| dec(&data));
    assert_pickle_error(
        result,
        "more values than the configured limit",
        "60 doublings",
    );
    assert!(usage.peak < 256 * MB, "{usage:?}");

    let small = Limits {
        max_values: 1000,
        ..Limits::default()
    };
    let (result, usage) = measure(|| dec_with(&data, &small));
    assert_pickle_error(result, "more values than", "60 doublings, small limit");
    assert!(usage.peak < 4 * MB, "{usage:?}");

    // Within the limit, the DAG is expanded into a tree.
    let v = dec(&doubling(b"K\x01", 3)).unwrap();
    let l1 = list(vec![int(1), int(1)]);
    let l2 = list(vec![l1.clone(), l1]);
    assert_eq!(v, list(vec![l2.clone(), l2]));
}

#[test]
fn shared_long_strings_count_by_their_size() {
    // 16 KiB, referenced 2**40 times.
    let small = Limits {
        max_values: 1000,
        ..Limits::default()
    };
    let data = doubling(&long_str(16 << 10), 40);
    let (result, usage) = measure(|| dec_with(&data, &small));
    assert_pickle_error(result, "more values than", "shared 16 KiB string");
    assert!(
        usage.peak < 16 * MB,
        "shared 16 KiB string, small limit: {usage:?}"
    );

    // 1 KiB with the default limits.
    let data = doubling(&long_str(1 << 10), 40);
    let (result, usage) = measure(|| dec(&data));
    assert_pickle_error(result, "more values than", "shared 1 KiB string");
    assert!(usage.peak < 128 * MB, "shared 1 KiB string: {usage:?}");

    // Sharing that does not amplify much still decodes: 64 references to 16 KiB.
    let v = dec(&doubling(&long_str(16 << 10), 6)).expect("64 references");
    let mut count = 0;
    let mut stack = vec![&v];
    while let Some(x) = stack.pop() {
        match x {
            Value::List(items) => stack.extend(items),
            Value::Str(s) => {
                assert_eq!(s.len(), 16 << 10);
                count += 1
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(count, 64);
}

#[test]
fn persistent_ids_are_expanded_within_the_values_limit() {
    // A persistent id that is a DAG of 2**9 references, kept as the value (like
    // remote_error does), then referenced 2**30 times.
    let limits = Limits {
        max_values: 2000,
        ..Limits::default()
    };
    let mut data = doubling(b"K\x01", 9);
    data.pop(); // STOP
    data.extend_from_slice(b"Q\x94");
    for i in 10..40u8 {
        data.extend_from_slice(&[b']', b'(', b'h', i, b'h', i, b'e', 0x94]);
    }
    data.push(b'.');
    let mut keep = |pid: Value| Ok(pid);
    let bytes = Bytes::from(data);
    let (result, usage) = measure(|| decode(&bytes, &limits, &mut keep));
    assert_pickle_error(result, "more values than", "shared persistent id");
    assert!(usage.peak < 16 * MB, "{usage:?}");

    // The same 2**18-value persistent id loaded again and again: each load would build
    // it anew.
    let mut data = doubling(b"K\x01", 18);
    data.pop();
    data.extend_from_slice(&repeat(b"h\x12Q0", 20));
    data.extend_from_slice(b"N.");
    let mut loads = 0;
    let mut count = |_pid: Value| {
        loads += 1;
        Ok(Value::None)
    };
    let bytes = Bytes::from(data);
    let (result, usage) = measure(|| decode(&bytes, &Limits::default(), &mut count));
    assert_pickle_error(result, "more values than", "repeated persistent id");
    assert!(usage.total < 256 * MB, "after {loads} loads: {usage:?}");

    // Persistent ids are refused by reject_persistent.
    assert_pickle_error(
        dec(&pickle(b"K\x01Q")),
        "persistent id",
        "reject_persistent",
    );
}

#[test]
fn repeated_copies_of_a_shared_argument_are_bounded() {
    let memo_string = |n: usize| [long_str(n), b"\x94".to_vec()].concat();
    let memo_bytes = |n: usize| {
        let mut p = vec![b'B'];
        p.extend_from_slice(&(n as u32).to_le_bytes());
        p.extend(std::iter::repeat_n(b'b', n));
        p.push(0x94);
        p
    };
    let memo_global = |m: &str, q: &str| {
        let mut p = vec![0x8c, m.len() as u8];
        p.extend_from_slice(m.as_bytes());
        p.extend_from_slice(&[0x8c, q.len() as u8]);
        p.extend_from_slice(q.as_bytes());
        p.extend_from_slice(b"\x93\x94");
        p
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            // One 32768-item args tuple given to 4000 calls (memo 0: callable, 1: tuple).
            "REDUCE args",
            pickle(
                &[
                    memo_global("builtins", "list"),
                    b"(".to_vec(),
                    repeat(b"N", 32768),
                    b"t\x94".to_vec(),
                    repeat(b"h\x00h\x01R0", 4000),
                    b"N".to_vec(),
                ]
                .concat(),
            ),
        ),
        (
            // set(a 32768-item list) 4000 times.
            "set(list)",
            pickle(
                &[
                    memo_global("builtins", "set"),
                    b"](".to_vec(),
                    repeat(b"N", 32768),
                    b"e\x85\x94".to_vec(),
                    repeat(b"h\x00h\x01R0", 4000),
                    b"N".to_vec(),
                ]
                .concat(),
            ),
        ),
        (
            // bytearray(64 KiB of bytes) 8000 times.
            "bytearray(bytes)",
            pickle(
                &[
                    memo_global("builtins", "bytearray"),
                    memo_bytes(64 << 10),
                    b"\x85\x94".to_vec(),
                    repeat(b"h\x00h\x02R0", 8000),
                    b"N".to_vec(),
                ]
                .concat(),
            ),
        ),
        (
            // _codecs.encode(64 KiB str, 'latin1') 8000 times.
            "_codecs.encode(str)",
            pickle(
                &[
                    memo_global("_codecs", "encode"),
                    memo_string(64 << 10),
                    b"\x8c\x06latin1\x86\x94".to_vec(),
                    repeat(b"h\x00h\x02R0", 8000),
                    b"N".to_vec(),
                ]
                .concat(),
            ),
        ),
        (
            // A global named by a 64 KiB string, looked up 4000 times.
            "STACK_GLOBAL(str, str)",
            pickle(
                &[
                    memo_string(64 << 10),
                    repeat(b"h\x00h\x00\x930", 4000),
                    b"N".to_vec(),
                ]
                .concat(),
            ),
        ),
    ];
    for (what, data) in &cases {
        let (result, usage) = measure(|| dec(data));
        match result {
            Ok(v) => assert_eq!(v, Value::None, "{what}"),
            Err(e) => assert_eq!(e.kind(), ErrorKind::Pickle, "{what}: {e}"),
        }
        assert!(
            usage.peak < 100 * MB,
            "{what}: a {} KiB pickle made the decoder hold {} MiB",
            data.len() >> 10,
            usage.peak / MB
        );
    }
}

#[test]
fn huge_declared_lengths_are_truncation_errors() {
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for len in [u64::MAX, 1 << 62, 1 << 40, 1 << 32, 100] {
        for (op, name) in [
            (0x8e, "BINBYTES8"),
            (0x8d, "BINUNICODE8"),
            (0x96, "BYTEARRAY8"),
        ] {
            let mut p = vec![0x80, 5, op];
            p.extend_from_slice(&len.to_le_bytes());
            p.extend_from_slice(b"abc.");
            cases.push((format!("{name} of {len}"), p));
        }
    }
    for (op, name) in [
        (b'B', "BINBYTES"),
        (b'X', "BINUNICODE"),
        (0x8b, "LONG4"),
        (b'T', "BINSTRING"),
    ] {
        let mut p = vec![0x80, 5, op];
        p.extend_from_slice(&u32::MAX.to_le_bytes());
        p.extend_from_slice(b"abc.");
        cases.push((format!("{name} of 2**32-1"), p));
    }
    cases.push((
        "SHORT_BINBYTES of 255".into(),
        b"\x80\x05C\xffabc.".to_vec(),
    ));
    for (what, data) in &cases {
        let (result, usage) = measure(|| dec(data));
        assert_pickle_error(result, "truncated", what);
        assert!(usage.peak < MB, "{what}: {usage:?}");
    }
}

#[test]
fn int_text_is_limited_like_cpython() {
    // CPython refuses to convert decimal text of more than 4300 digits
    // (sys.int_info.default_max_str_digits), so its protocol 0-1 pickles never hold such
    // ints; converting them costs quadratic time.
    let digits = |n: usize| "7".repeat(n);
    for (op, suffix) in [(b'L', "L"), (b'I', "")] {
        let at_limit = format!("{}{}{suffix}\n.", op as char, digits(4300));
        assert_eq!(
            dec(at_limit.as_bytes()).unwrap(),
            big(&digits(4300)),
            "{} with 4300 digits",
            op as char
        );
        let negative = format!("{}-{}{suffix}\n.", op as char, digits(4300));
        assert_eq!(
            dec(negative.as_bytes()).unwrap(),
            big(&format!("-{}", digits(4300)))
        );
        for n in [4301, 1_000_000] {
            let text = format!("{}{}{suffix}\n.", op as char, digits(n));
            assert_pickle_error(dec(text.as_bytes()), "digits", &format!("{n} digits"));
        }
    }
    // The same answer from CPython itself.
    let (ok, _, err) = run_script("int-limit", b"");
    assert!(ok, "{err}");
}

#[test]
fn encode_refuses_values_nested_too_deeply() {
    fn nested(n: usize) -> Value {
        let mut v = Value::List(vec![]);
        for _ in 0..n {
            v = Value::List(vec![v]);
        }
        v
    }
    // Dropped level by level: the recursive drop of 100000 levels would overflow.
    fn unnest(mut v: Value) {
        while let Value::List(mut items) = v {
            match items.pop() {
                Some(inner) => v = inner,
                None => break,
            }
        }
    }
    let deep = nested(100_000);
    let result = encode(&deep);
    unnest(deep);
    let e = result.expect_err("100000 levels");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");

    let ok = nested(800);
    let data = encode(&ok).expect("800 levels");
    let limits = Limits {
        max_depth: 1000,
        ..Limits::default()
    };
    assert_eq!(dec_with(&data, &limits).unwrap(), ok);
}
