//! Pickle encoder: writes protocol 5 pickles that CPython 3.8+ loads to the expected
//! Python values. Object refs become the persistent ids the Ray client server expects.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::value::{Construct, Global, PyObject, Value};

/// Deepest nesting the encoder accepts; deeper values could not be unpickled by CPython
/// anyway (its recursion limit is 1000).
pub const MAX_ENCODE_DEPTH: usize = 900;

// CPython batches APPENDS/SETITEMS the same way.
const BATCH: usize = 1000;

/// Encodes a value as one pickle.
pub fn encode(value: &Value) -> Result<Vec<u8>> {
    let mut enc = Encoder::with_capacity(estimate_size(value, 0));
    enc.proto();
    enc.value(value, 0)?;
    enc.stop();
    Ok(enc.finish())
}

/// Binary payloads at least this large are not copied by [`encode_segments`]: the pickle
/// refers to the value's own buffer.
pub const SPLICE_MIN: usize = 64 * 1024;

/// Encodes a value as one pickle made of segments to be sent one after the other: the
/// pickle's own bytes, and, as segments of their own, the buffers of large `bytes`,
/// `bytearray` and numpy values (shared, not copied). Concatenated, the segments are
/// exactly what [`encode`] returns. This is what puts and task arguments send, so a
/// large value is never copied into a pickle.
pub fn encode_segments(value: &Value) -> Result<Vec<Bytes>> {
    let mut enc = Encoder::with_capacity(estimate(value, 0, SPLICE_MIN));
    enc.segments = Some(Vec::new());
    enc.proto();
    enc.value(value, 0)?;
    enc.stop();
    Ok(enc.finish_segments())
}

/// Rough size of the pickle of `value`, so large byte strings are written into a buffer
/// allocated once. Stops at the depth `Encoder::value` refuses, so that a value nested
/// too deeply is an error there rather than a stack overflow here.
fn estimate_size(value: &Value, depth: usize) -> usize {
    estimate(value, depth, usize::MAX)
}

/// [`estimate_size`], counting binary payloads of `spliced` bytes or more as nothing
/// (they are not copied into the buffer).
fn estimate(value: &Value, depth: usize, spliced: usize) -> usize {
    if depth > MAX_ENCODE_DEPTH {
        return 16;
    }
    let d = depth + 1;
    let payload = |n: usize| if n >= spliced { 0 } else { n };
    match value {
        Value::Bytes(b) => payload(b.len()) + 16,
        Value::NdArray(a) => payload(a.data().len()) + 128,
        Value::ByteArray(b) => payload(b.len()) + 16,
        Value::Str(s) => s.len() + 16,
        Value::List(v) | Value::Tuple(v) | Value::Set(v) | Value::FrozenSet(v) => {
            v.iter().map(|x| estimate(x, d, spliced)).sum::<usize>() + 16
        }
        Value::Dict(p) => {
            p.iter()
                .map(|(k, v)| estimate(k, d, spliced) + estimate(v, d, spliced))
                .sum::<usize>()
                + 16
        }
        _ => 16,
    }
}

/// A low-level pickle writer, for the few pickles the client builds op by op.
pub struct Encoder {
    out: Vec<u8>,
    /// In segment mode ([`encode_segments`]): the finished segments before `out`.
    segments: Option<Vec<Bytes>>,
}

impl Encoder {
    pub fn with_capacity(n: usize) -> Self {
        Encoder {
            out: Vec::with_capacity(n + 4),
            segments: None,
        }
    }

    fn finish_segments(mut self) -> Vec<Bytes> {
        let mut segments = self.segments.take().unwrap_or_default();
        if !self.out.is_empty() {
            segments.push(Bytes::from(self.out));
        }
        segments
    }

    /// Appends a binary payload (an opcode's argument): in segment mode a large one
    /// becomes a segment of its own, sharing the caller's buffer.
    pub(crate) fn payload(&mut self, b: &Bytes) {
        match &mut self.segments {
            Some(segments) if b.len() >= SPLICE_MIN => {
                // The opcodes written since the last payload: a small copy, and the
                // buffer is reused (handing it over whole would keep its full capacity
                // alive once per payload).
                if !self.out.is_empty() {
                    segments.push(Bytes::copy_from_slice(&self.out));
                    self.out.clear();
                }
                segments.push(b.clone());
            }
            _ => self.out.extend_from_slice(b),
        }
    }

    pub fn proto(&mut self) {
        self.out.extend_from_slice(&[0x80, 5]);
    }

    pub fn stop(&mut self) {
        self.out.push(b'.');
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    pub fn op(&mut self, op: u8) {
        self.out.push(op);
    }

    /// Appends bytes as they are (an opcode's argument).
    pub fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    pub fn mark(&mut self) {
        self.out.push(b'(');
    }

    pub fn str(&mut self, s: &str) {
        let b = s.as_bytes();
        if b.len() < 256 {
            self.out.push(0x8c);
            self.out.push(b.len() as u8);
        } else if let Ok(n) = u32::try_from(b.len()) {
            self.out.push(b'X');
            self.out.extend_from_slice(&n.to_le_bytes());
        } else {
            self.out.push(0x8d);
            self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        }
        self.out.extend_from_slice(b);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.bytes_header(b.len());
        self.out.extend_from_slice(b);
    }

    /// SHORT_BINBYTES / BINBYTES / BINBYTES8 with the length; the data follows.
    fn bytes_header(&mut self, len: usize) {
        if len < 256 {
            self.out.push(b'C');
            self.out.push(len as u8);
        } else if let Ok(n) = u32::try_from(len) {
            self.out.push(b'B');
            self.out.extend_from_slice(&n.to_le_bytes());
        } else {
            self.out.push(0x8e);
            self.out.extend_from_slice(&(len as u64).to_le_bytes());
        }
    }

    pub fn int(&mut self, i: i64) {
        if (0..256).contains(&i) {
            self.out.push(b'K');
            self.out.push(i as u8);
        } else if (0..65536).contains(&i) {
            self.out.push(b'M');
            self.out.extend_from_slice(&(i as u16).to_le_bytes());
        } else if let Ok(i) = i32::try_from(i) {
            self.out.push(b'J');
            self.out.extend_from_slice(&i.to_le_bytes());
        } else {
            self.long(&num_bigint::BigInt::from(i));
        }
    }

    pub fn long(&mut self, i: &num_bigint::BigInt) {
        let b = i.to_signed_bytes_le();
        if b.len() < 256 {
            self.out.push(0x8a);
            self.out.push(b.len() as u8);
        } else {
            self.out.push(0x8b);
            self.out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        }
        self.out.extend_from_slice(&b);
    }

    pub fn global(&mut self, g: &Global) {
        self.str(&g.module);
        self.str(&g.qualname);
        self.out.push(0x93);
    }

    /// Writes a complete value.
    pub fn value(&mut self, v: &Value, depth: usize) -> Result<()> {
        if depth > MAX_ENCODE_DEPTH {
            return Err(Error::invalid(format!(
                "value nests deeper than {MAX_ENCODE_DEPTH} levels"
            )));
        }
        let d = depth + 1;
        match v {
            Value::None => self.op(b'N'),
            Value::Bool(true) => self.op(0x88),
            Value::Bool(false) => self.op(0x89),
            Value::Int(i) => self.int(*i),
            Value::BigInt(i) => self.long(i),
            Value::Float(f) => {
                self.op(b'G');
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            Value::Str(s) => self.str(s),
            Value::Bytes(b) => {
                self.bytes_header(b.len());
                self.payload(b);
            }
            Value::ByteArray(b) => {
                self.op(0x96);
                self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
                self.payload(b);
            }
            Value::List(items) => {
                self.op(b']');
                self.batched(items, b'e', d)?;
            }
            Value::Tuple(items) => self.tuple(items, d)?,
            Value::Dict(pairs) => {
                self.op(b'}');
                self.batched_pairs(pairs, d)?;
            }
            Value::Set(items) => {
                self.op(0x8f);
                self.batched(items, 0x90, d)?;
            }
            Value::FrozenSet(items) => {
                self.mark();
                for x in items {
                    self.value(x, d)?;
                }
                self.op(0x91);
            }
            Value::ObjectRef(r) => {
                let id = r
                    .resolved_id()
                    .ok_or_else(|| Error::internal("object ref encoded before its id was known"))?;
                self.persistent_stub("Object", r.client_id(), &id);
            }
            Value::ActorHandle(a) => {
                let id = a.resolved_id().ok_or_else(|| {
                    Error::internal("actor handle encoded before its id was known")
                })?;
                self.persistent_stub("Actor", a.client_id(), &id);
            }
            Value::NdArray(a) => super::numpy::write_pickle(self, a),
            Value::Global(g) => self.global(g),
            Value::Object(o) => self.object(o, d)?,
        }
        Ok(())
    }

    fn tuple(&mut self, items: &[Value], d: usize) -> Result<()> {
        match items.len() {
            0 => self.op(b')'),
            1..=3 => {
                for x in items {
                    self.value(x, d)?;
                }
                self.op(0x84 + items.len() as u8);
            }
            _ => {
                self.mark();
                for x in items {
                    self.value(x, d)?;
                }
                self.op(b't');
            }
        }
        Ok(())
    }

    fn batched(&mut self, items: &[Value], op: u8, d: usize) -> Result<()> {
        for chunk in items.chunks(BATCH) {
            self.mark();
            for x in chunk {
                self.value(x, d)?;
            }
            self.op(op);
        }
        Ok(())
    }

    fn batched_pairs(&mut self, pairs: &[(Value, Value)], d: usize) -> Result<()> {
        for chunk in pairs.chunks(BATCH) {
            self.mark();
            for (k, v) in chunk {
                self.value(k, d)?;
                self.value(v, d)?;
            }
            self.op(b'u');
        }
        Ok(())
    }

    fn object(&mut self, o: &PyObject, d: usize) -> Result<()> {
        self.value(&o.callable, d)?;
        self.tuple(&o.args, d)?;
        match o.construct {
            Construct::Call => self.op(b'R'),
            Construct::New => self.op(0x81),
            Construct::NewWithKwargs => {
                self.op(b'}');
                self.batched_pairs(&o.kwargs, d)?;
                self.op(0x92);
            }
        }
        if !o.list_items.is_empty() {
            self.batched(&o.list_items, b'e', d)?;
        }
        if !o.dict_items.is_empty() {
            self.batched_pairs(&o.dict_items, d)?;
        }
        if let Some(state) = &o.state {
            self.value(state, d)?;
            self.op(b'b');
        }
        Ok(())
    }

    /// `copyreg._reconstructor(PickleStub, tuple, (kind, client_id, ref_id, None, None))`
    /// as a persistent id: how the Ray client server expects refs and actor handles.
    pub fn persistent_stub(&mut self, kind: &str, client_id: &str, id: &[u8]) {
        self.global(&Global::new("copyreg", "_reconstructor"));
        self.global(&Global::new("ray.util.client.client_pickler", "PickleStub"));
        self.global(&Global::new("builtins", "tuple"));
        self.mark();
        self.str(kind);
        self.str(client_id);
        self.bytes(id);
        self.op(b'N');
        self.op(b'N');
        self.op(b't');
        self.op(0x87);
        self.op(b'R');
        self.op(b'Q');
    }
}
