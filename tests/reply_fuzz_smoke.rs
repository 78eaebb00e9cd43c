//! Keeps every reply reader covered in ordinary test runs: the `protobuf_replies` fuzz
//! hook over typical replies, thousands of mutations of them and random inputs. Not a
//! substitute for fuzzing (fuzz/, `cargo +nightly fuzz run protobuf_replies`); the
//! regression inputs of crashes the fuzzer found live here too. No cluster needed.

use ray_client::__fuzz::{reply, ReplyKind, REPLY_KINDS};

// Hand-encoded protobuf, so this test needs no generated types.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_varint(field: u32, v: u64, out: &mut Vec<u8>) {
    varint(u64::from(field) << 3, out);
    varint(v, out);
}

fn field_bytes(field: u32, b: &[u8], out: &mut Vec<u8>) {
    varint((u64::from(field) << 3) | 2, out);
    varint(b.len() as u64, out);
    out.extend_from_slice(b);
}

fn input(kind: ReplyKind, body: &[u8]) -> Vec<u8> {
    let mut v = vec![kind as u8];
    v.extend_from_slice(body);
    v
}

/// A GetResponse: valid, data, error, chunk_id, total_chunks, total_size.
fn get_response(data: &[u8], chunk_id: u64, total_chunks: u64, total_size: u64) -> Vec<u8> {
    let mut m = Vec::new();
    field_varint(1, 1, &mut m);
    field_bytes(2, data, &mut m);
    field_varint(4, chunk_id, &mut m);
    field_varint(5, total_chunks, &mut m);
    field_varint(6, total_size, &mut m);
    m
}

/// A GetObject reply body as the GetStream kind takes it: the piece size (`step` + 1)
/// the body is fed in, then gRPC-framed messages.
fn get_body(step: u8, messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![step];
    for m in messages {
        out.push(0);
        out.extend_from_slice(&(m.len() as u32).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

fn frames(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        varint(m.len() as u64, &mut out);
        out.extend_from_slice(m);
    }
    out
}

/// `[21]` pickled at protocol 2, and a ref stub as the server writes it.
const LIST_21: &[u8] = b"\x80\x02]q\x00K\x15a.";

fn seeds() -> Vec<Vec<u8>> {
    let id = [7u8; 28];
    let mut seeds = Vec::new();
    // DataResponse { req_id: 1, task_ticket { valid, return_ids: [id] } }
    let mut ticket = Vec::new();
    field_varint(1, 1, &mut ticket);
    field_bytes(2, &id, &mut ticket);
    let mut data = Vec::new();
    field_varint(1, 1, &mut data);
    field_bytes(10, &ticket, &mut data);
    seeds.push(input(ReplyKind::Data, &data));
    // put { id, valid }
    let mut put = Vec::new();
    field_bytes(1, &id, &mut put);
    field_varint(2, 1, &mut put);
    let mut data = Vec::new();
    field_varint(1, 2, &mut data);
    field_bytes(3, &put, &mut data);
    seeds.push(input(ReplyKind::Data, &data));
    // list_named_actors { actors_json }
    let mut named = Vec::new();
    field_bytes(
        1,
        br#"["a", {"name": "b", "namespace": "n"}, 3]"#,
        &mut named,
    );
    let mut data = Vec::new();
    field_bytes(12, &named, &mut data);
    seeds.push(input(ReplyKind::Data, &data));
    // A Datapath reply stream against 5 requests in flight: out of order, an unknown id,
    // id 0, a duplicate, then the rest.
    let replies: Vec<Vec<u8>> = [3u64, 1, 9, 0, 3, 2, 5, 4]
        .iter()
        .map(|&id| {
            let mut r = Vec::new();
            field_varint(1, id, &mut r);
            field_bytes(10, &ticket, &mut r);
            r
        })
        .collect();
    let mut stream = vec![5u8];
    stream.extend_from_slice(&frames(&replies));
    seeds.push(input(ReplyKind::DataStream, &stream));
    // GetObject streams: one chunk, three chunks.
    seeds.push(input(
        ReplyKind::GetStream,
        &get_body(255, &[get_response(LIST_21, 0, 1, LIST_21.len() as u64)]),
    ));
    let parts: Vec<Vec<u8>> = LIST_21
        .chunks(3)
        .enumerate()
        .map(|(i, c)| get_response(c, i as u64, 3, LIST_21.len() as u64))
        .collect();
    seeds.push(input(ReplyKind::GetStream, &get_body(255, &parts)));
    seeds.push(input(ReplyKind::GetStream, &get_body(0, &parts)));
    // WaitResponse { valid, ready_object_ids: [id] }
    let mut wait = Vec::new();
    field_varint(1, 1, &mut wait);
    field_bytes(2, &id, &mut wait);
    seeds.push(input(ReplyKind::Wait, &wait));
    // ClusterInfoResponse { json } and { resource_table { "CPU": 2.0 } }
    let mut ci = Vec::new();
    field_bytes(2, br#"[{"NodeID": "ab", "Alive": true}]"#, &mut ci);
    seeds.push(input(ReplyKind::ClusterInfo, &ci));
    let mut entry = Vec::new();
    field_bytes(1, b"CPU", &mut entry);
    entry.push((2 << 3) | 1);
    entry.extend_from_slice(&2.0f64.to_le_bytes());
    let mut table = Vec::new();
    field_bytes(1, &entry, &mut table);
    let mut ci = Vec::new();
    field_bytes(3, &table, &mut ci);
    seeds.push(input(ReplyKind::ClusterInfo, &ci));
    let mut kv = Vec::new();
    field_varint(1, 3, &mut kv);
    seeds.push(input(ReplyKind::Kv, &kv));
    let mut log = Vec::new();
    field_bytes(1, b"(f pid=1) hi\n", &mut log);
    seeds.push(input(ReplyKind::Log, &log));
    // GetTimeoutError("late") pickled at protocol 2.
    seeds.push(input(
        ReplyKind::ErrorPickle,
        b"\x80\x02cray.exceptions\nGetTimeoutError\nq\x00X\x04\x00\x00\x00lateq\x01\x85q\x02Rq\x03.",
    ));
    seeds.push(input(ReplyKind::ValuePickle, LIST_21));
    seeds
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = [0, 0x7f, 0x80, 0xff][rng.below(4)];
            }
            2 if v.len() > 1 => {
                let i = 1 + rng.below(v.len() - 1);
                v.remove(i);
            }
            3 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
            4 => v.truncate(1 + rng.below(v.len())),
            _ => {
                // A huge varint somewhere: sizes, counts and ids of 2^63.
                let i = rng.below(v.len() + 1);
                v.splice(i..i, [0xff; 9].into_iter().chain([0x7f]));
            }
        }
    }
    v
}

#[test]
fn seeds_and_mutations_never_panic() {
    let seeds = seeds();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for seed in &seeds {
        reply(seed);
    }
    for _ in 0..4000 {
        let seed = &seeds[rng.below(seeds.len())];
        reply(&mutate(seed, &mut rng));
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..2000 {
        let len = rng.below(200);
        let mut v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if let Some(first) = v.first_mut() {
            *first %= REPLY_KINDS;
        }
        reply(&v);
    }
}

// Regressions: inputs that once crashed or misbehaved.

/// A GetObject stream announcing 2^62 bytes in 2^31-1 chunks once made get reserve the
/// announced size (capped only by chunk size x chunk count) and abort on allocation.
#[test]
fn absurd_announced_get_size_is_not_reserved() {
    let first = get_response(&[0u8; 4096], 0, i32::MAX as u64, 1 << 62);
    reply(&input(ReplyKind::GetStream, &get_body(255, &[first])));
}
