//! A symbolic pickle decoder: reads every opcode of protocols 0-5 and builds [`Value`]s,
//! never importing or executing anything.
//!
//! Pickle is a small stack machine whose objects can be shared (memo) and mutated after
//! they were shared (`APPENDS` after `MEMOIZE`, `BUILD`). The decoder therefore runs the
//! machine over an arena of nodes addressed by index, and only at `STOP` turns the result
//! into a tree of values. Hostile input is bounded: the arena grows at most one node per
//! input byte, memo indices go to a map (no allocation sized by an index), what the
//! machine copies while running (call arguments, persistent ids) and the final tree are
//! limited in size (a memo DAG cannot expand without bound, and a shared long string
//! counts by its length), the tree is limited in depth and built without recursion, and
//! decimal integer text is limited to CPython's 4300 digits.

use std::collections::HashMap;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::value::{Construct, Global, Value};

mod literals;
mod tree;

use literals::{
    fix_py2_global, long_from_le, parse_int_text, py2_str, python_string_literal,
    raw_unicode_escape,
};

/// Bounds that keep hostile input from exhausting the stack or memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest nesting of containers in the result.
    pub max_depth: usize,
    /// Most values in the result, on top of one per input byte. Shared memo entries
    /// count once per place they appear; a `str`, int or global name counts one more
    /// per 32 bytes its copy takes. The same bound applies separately to what the
    /// machine copies while running (call arguments, persistent ids).
    pub max_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 512,
            max_values: 1 << 20,
        }
    }
}

type Id = u32;

/// Ids with this bit set are not arena indices: they carry a small int, None, True or
/// False inline, so the commonest scalars (a list of a million ints, say) cost no node.
const INLINE: Id = 1 << 31;
const INLINE_NONE: Id = INLINE;
const INLINE_TRUE: Id = INLINE + 1;
const INLINE_FALSE: Id = INLINE + 2;
const INLINE_INT_BASE: Id = INLINE + 3;
/// Ints in `-INLINE_INT_BIAS..INLINE_INT_BIAS` are inline.
const INLINE_INT_BIAS: i64 = 1 << 29;

fn inline_id(v: &Value) -> Option<Id> {
    match v {
        Value::None => Some(INLINE_NONE),
        Value::Bool(true) => Some(INLINE_TRUE),
        Value::Bool(false) => Some(INLINE_FALSE),
        Value::Int(i) if (-INLINE_INT_BIAS..INLINE_INT_BIAS).contains(i) => {
            Some(INLINE_INT_BASE + (i + INLINE_INT_BIAS) as Id)
        }
        _ => None,
    }
}

fn inline_value(id: Id) -> Value {
    match id {
        INLINE_NONE => Value::None,
        INLINE_TRUE => Value::Bool(true),
        INLINE_FALSE => Value::Bool(false),
        _ => Value::Int((id - INLINE_INT_BASE) as i64 - INLINE_INT_BIAS),
    }
}

fn is_inline(id: Id) -> bool {
    id & INLINE != 0
}

#[derive(Debug)]
enum Node {
    Leaf(Value),
    List(Vec<Id>),
    Tuple(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    Object(Obj),
}

#[derive(Debug)]
struct Obj {
    callable: Id,
    construct: Construct,
    args: Vec<Id>,
    kwargs: Option<Id>,
    list_items: Vec<Id>,
    dict_items: Vec<(Id, Id)>,
    state: Option<Id>,
}

/// Resolves a persistent id (the pid value of `PERSID`/`BINPERSID`) into a value.
pub type PersistentLoad<'a> = dyn FnMut(Value) -> Result<Value> + 'a;

/// Decodes one pickle. `persistent_load` turns persistent ids into values (object refs);
/// pass [`reject_persistent`] when none are expected.
pub fn decode(
    data: &Bytes,
    limits: &Limits,
    persistent_load: &mut PersistentLoad,
) -> Result<Value> {
    let mut machine = Machine {
        src: data,
        pos: 0,
        nodes: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        persistent_load,
        limits,
        work: limits.max_values.saturating_add(data.len()),
    };
    let root = machine.run()?;
    let mut budget = limits.max_values.saturating_add(data.len());
    machine.to_value(root, &mut budget)
}

/// A persistent-id handler that refuses every persistent id.
pub fn reject_persistent(_pid: Value) -> Result<Value> {
    Err(Error::pickle(
        "pickle contains a persistent id, which is not allowed here",
    ))
}

struct Machine<'a, 'b> {
    src: &'a Bytes,
    pos: usize,
    nodes: Vec<Node>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: HashMap<u32, Id>,
    persistent_load: &'a mut PersistentLoad<'b>,
    limits: &'a Limits,
    /// What the machine may still copy while it runs (in values, as `Limits::max_values`):
    /// without it, one shared argument used by many calls is copied by each.
    work: usize,
}

fn err(msg: impl Into<String>) -> Error {
    Error::pickle(msg)
}

fn too_many_values() -> Error {
    err("pickle expands to more values than the configured limit")
}

/// What one copy of `v` costs in values: one per value, plus one per 32 bytes of text or
/// digits the copy duplicates (`bytes`, `bytearray` and arrays share their buffer).
fn weight(v: &Value) -> usize {
    const UNIT: usize = 32;
    let own = |v: &Value| match v {
        Value::Str(s) => 1 + s.len() / UNIT,
        Value::BigInt(i) => 1 + (i.bits() / 8) as usize / UNIT,
        Value::Global(g) => 1 + (g.module.len() + g.qualname.len()) / UNIT,
        _ => 1,
    };
    let containers = |v: &Value| {
        matches!(
            v,
            Value::List(_)
                | Value::Tuple(_)
                | Value::Set(_)
                | Value::FrozenSet(_)
                | Value::Dict(_)
                | Value::Object(_)
        )
    };
    if !containers(v) {
        return own(v);
    }
    // Leaves that are containers come from persistent_load (a pid kept as a value, say);
    // walked without recursion.
    let mut total = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total = total.saturating_add(own(v));
        match v {
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => stack.extend(items),
            Value::Dict(pairs) => pairs.iter().for_each(|(k, x)| stack.extend([k, x])),
            Value::Object(o) => {
                stack.push(&o.callable);
                stack.extend(&o.args);
                o.kwargs.iter().for_each(|(k, x)| stack.extend([k, x]));
                stack.extend(&o.list_items);
                o.dict_items.iter().for_each(|(k, x)| stack.extend([k, x]));
                stack.extend(&o.state);
            }
            _ => {}
        }
    }
    total
}

impl Machine<'_, '_> {
    // ---- input -------------------------------------------------------------------------

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.src.len())
            .ok_or_else(|| {
                err(format!(
                    "truncated pickle: wanted {n} bytes at offset {}",
                    self.pos
                ))
            })?;
        let s = &self.src[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// Like `take`, but returns a zero-copy slice of the input buffer.
    fn take_bytes(&mut self, n: usize) -> Result<Bytes> {
        let start = self.pos;
        self.take(n)?;
        Ok(self.src.slice(start..start + n))
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }

    fn len_u64(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| err("length does not fit in memory"))
    }

    /// The length that comes before the data of the counted opcode `op`: one byte for the
    /// short forms (LONG1, SHORT_BINSTRING, SHORT_BINUNICODE, SHORT_BINBYTES), four for the
    /// plain ones (LONG4, BINSTRING, BINUNICODE, BINBYTES), eight for protocol 4's
    /// (BINUNICODE8, BINBYTES8, BYTEARRAY8). Read by opcode so that the short, plain and
    /// 8-byte forms of one kind of data share one arm of `run`.
    fn count(&mut self, op: u8) -> Result<usize> {
        match op {
            0x8a | b'U' | 0x8c | b'C' => Ok(self.u8()? as usize),
            0x8b | b'T' | b'X' | b'B' => Ok(self.u32()? as usize),
            // 0x8d, 0x8e, 0x96: `run` calls this for counted opcodes only.
            _ => self.len_u64(),
        }
    }

    /// A text line (protocol 0), without its newline.
    fn line(&mut self) -> Result<&[u8]> {
        let rest = &self.src[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| err("truncated pickle: unterminated text line"))?;
        let start = self.pos;
        self.pos += n + 1;
        Ok(&self.src[start..start + n])
    }

    fn line_str(&mut self) -> Result<String> {
        let l = self.line()?;
        std::str::from_utf8(l)
            .map(str::to_owned)
            .map_err(|_| err("text line is not UTF-8"))
    }

    fn utf8(&mut self, n: usize) -> Result<String> {
        let b = self.take(n)?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|e| err(format!("invalid UTF-8 in string: {e}")))
    }

    // ---- stack -------------------------------------------------------------------------

    fn node(&mut self, n: Node) -> Id {
        self.nodes.push(n);
        (self.nodes.len() - 1) as Id
    }

    fn push(&mut self, n: Node) {
        let id = self.node(n);
        self.stack.push(id);
    }

    fn push_leaf(&mut self, v: Value) {
        match inline_id(&v) {
            Some(id) => self.stack.push(id),
            None => self.push(Node::Leaf(v)),
        }
    }

    /// The arena node of `id`; `None` for inline scalars.
    fn get(&self, id: Id) -> Option<&Node> {
        (!is_inline(id)).then(|| &self.nodes[id as usize])
    }

    fn get_mut(&mut self, id: Id) -> Option<&mut Node> {
        (!is_inline(id)).then(|| &mut self.nodes[id as usize])
    }

    fn pop(&mut self) -> Result<Id> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(err("stack underflow"));
        }
        Ok(self.stack.pop().unwrap())
    }

    fn top(&self) -> Result<Id> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(err("stack underflow"));
        }
        Ok(*self.stack.last().unwrap())
    }

    fn pop_mark(&mut self) -> Result<Vec<Id>> {
        let m = self
            .marks
            .pop()
            .ok_or_else(|| err("MARK expected but not found"))?;
        Ok(self.stack.split_off(m))
    }

    /// The value of a leaf node (not of an inline scalar: callers look for strings,
    /// bytes and globals).
    fn leaf(&self, id: Id) -> Option<&Value> {
        match self.get(id) {
            Some(Node::Leaf(v)) => Some(v),
            _ => None,
        }
    }

    fn memo_put(&mut self, idx: u32) -> Result<()> {
        let top = self.top()?;
        self.memo.insert(idx, top);
        Ok(())
    }

    /// The memo index the binary memo opcode `op` names: one byte for BINPUT and BINGET,
    /// four for LONG_BINPUT and LONG_BINGET; MEMOIZE names the next free one. Read by
    /// opcode so that the puts share one arm of `run`, and the gets another.
    fn memo_index(&mut self, op: u8) -> Result<u32> {
        match op {
            b'q' | b'h' => Ok(self.u8()? as u32),
            b'r' | b'j' => self.u32(),
            // 0x94: `run` calls this for the opcodes above and MEMOIZE only.
            _ => u32::try_from(self.memo.len()).map_err(|_| err("memo too large")),
        }
    }

    fn memo_get(&mut self, idx: u32) -> Result<()> {
        let id = *self
            .memo
            .get(&idx)
            .ok_or_else(|| err(format!("memo key {idx} not found")))?;
        self.stack.push(id);
        Ok(())
    }

    /// Spends from the work budget.
    fn spend(&mut self, n: usize) -> Result<()> {
        self.work = self.work.checked_sub(n).ok_or_else(too_many_values)?;
        Ok(())
    }

    fn tuple_items(&mut self, id: Id) -> Result<Vec<Id>> {
        let n = match self.get(id) {
            Some(Node::Tuple(v)) => v.len(),
            _ => return Err(err("expected a tuple of arguments")),
        };
        // The same (memoized) tuple can be the arguments of any number of calls.
        self.spend(n)?;
        match self.get(id) {
            Some(Node::Tuple(v)) => Ok(v.clone()),
            _ => unreachable!(),
        }
    }

    // ---- the machine -------------------------------------------------------------------

    fn run(&mut self) -> Result<Id> {
        loop {
            if self.nodes.len() >= INLINE as usize {
                return Err(err("pickle has more objects than ids (2^31)"));
            }
            let op = self.u8()?;
            match op {
                b'.' => {
                    // STOP
                    let id = self.pop()?;
                    return Ok(id);
                }
                0x80 => {
                    let proto = self.u8()?;
                    if proto > 5 {
                        return Err(err(format!("unsupported pickle protocol {proto}")));
                    }
                }
                0x95 => {
                    // FRAME: only a hint for buffered readers.
                    self.u64()?;
                }
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    // POP: pops the top item, or a mark if nothing is above it.
                    let floor = self.marks.last().copied();
                    if floor == Some(self.stack.len()) {
                        self.marks.pop();
                    } else {
                        let popped = self.pop()?;
                        self.apply_setstate(popped);
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let t = self.top()?;
                    self.stack.push(t);
                }
                // ---- scalars
                b'N' => self.push_leaf(Value::None),
                0x88 => self.push_leaf(Value::Bool(true)),
                0x89 => self.push_leaf(Value::Bool(false)),
                b'J' => {
                    let v = i32::from_le_bytes(self.take(4)?.try_into().unwrap());
                    self.push_leaf(Value::Int(v as i64))
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push_leaf(Value::Int(v as i64))
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push_leaf(Value::Int(v as i64))
                }
                // LONG1, LONG4
                0x8a | 0x8b => {
                    let n = self.count(op)?;
                    let v = long_from_le(self.take(n)?);
                    self.push_leaf(v)
                }
                b'I' => {
                    let l = self.line_str()?;
                    let v = match l.as_str() {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        s => parse_int_text(s)?,
                    };
                    self.push_leaf(v)
                }
                b'L' => {
                    let l = self.line_str()?;
                    let v = parse_int_text(l.strip_suffix('L').unwrap_or(&l))?;
                    self.push_leaf(v)
                }
                b'F' => {
                    let l = self.line_str()?;
                    let f: f64 = l
                        .trim()
                        .parse()
                        .map_err(|_| err(format!("bad float text {l:?}")))?;
                    self.push_leaf(Value::Float(f))
                }
                b'G' => {
                    let f = f64::from_be_bytes(self.take(8)?.try_into().unwrap());
                    self.push_leaf(Value::Float(f))
                }
                // ---- strings and bytes
                // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
                0x8c | b'X' | 0x8d => {
                    let n = self.count(op)?;
                    let s = self.utf8(n)?;
                    self.push_leaf(Value::Str(s))
                }
                b'V' => {
                    let l = self.line()?.to_vec();
                    let s = raw_unicode_escape(&l)?;
                    self.push_leaf(Value::Str(s))
                }
                b'S' => {
                    let l = self.line()?.to_vec();
                    let raw = python_string_literal(&l)?;
                    self.push_leaf(py2_str(raw))
                }
                // BINSTRING, SHORT_BINSTRING (Python 2 str)
                b'T' | b'U' => {
                    let n = self.count(op)?;
                    let raw = self.take(n)?.to_vec();
                    self.push_leaf(py2_str(raw))
                }
                // SHORT_BINBYTES, BINBYTES, BINBYTES8
                b'C' | b'B' | 0x8e => {
                    let n = self.count(op)?;
                    let b = self.take_bytes(n)?;
                    self.push_leaf(Value::Bytes(b))
                }
                // BYTEARRAY8
                0x96 => {
                    let n = self.count(op)?;
                    let b = self.take_bytes(n)?;
                    self.push_leaf(Value::ByteArray(b))
                }
                0x97 | 0x98 => {
                    return Err(err(
                        "out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER) are not supported",
                    ))
                }
                // ---- containers
                b')' => self.push(Node::Tuple(Vec::new())),
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Node::Tuple(items))
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.push(Node::Tuple(items))
                }
                b']' => self.push(Node::List(Vec::new())),
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Node::List(items))
                }
                b'}' => self.push(Node::Dict(Vec::new())),
                b'd' => {
                    let items = self.pop_mark()?;
                    let pairs = pairs(items)?;
                    self.push(Node::Dict(pairs))
                }
                0x8f => self.push(Node::Set(Vec::new())),
                0x91 => {
                    let items = self.pop_mark()?;
                    self.push(Node::FrozenSet(items))
                }
                b'a' => {
                    let item = self.pop()?;
                    let target = self.top()?;
                    self.extend_list(target, vec![item])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.extend_list(target, items)?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let target = self.top()?;
                    self.extend_dict(target, vec![(k, v)])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.extend_dict(target, pairs(items)?)?;
                }
                0x90 => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    match self.get_mut(target) {
                        Some(Node::Set(v)) => v.extend(items),
                        _ => return Err(err("ADDITEMS on something that is not a set")),
                    }
                }
                // ---- memo
                b'p' => {
                    let l = self.line_str()?;
                    let idx = l.parse().map_err(|_| err("bad PUT index"))?;
                    self.memo_put(idx)?
                }
                // BINPUT, LONG_BINPUT, MEMOIZE
                b'q' | b'r' | 0x94 => {
                    let idx = self.memo_index(op)?;
                    self.memo_put(idx)?
                }
                b'g' => {
                    let l = self.line_str()?;
                    let idx = l.parse().map_err(|_| err("bad GET index"))?;
                    self.memo_get(idx)?
                }
                // BINGET, LONG_BINGET
                b'h' | b'j' => {
                    let idx = self.memo_index(op)?;
                    self.memo_get(idx)?
                }
                // ---- globals and objects
                b'c' => {
                    let module = self.line_str()?;
                    let name = self.line_str()?;
                    self.push_leaf(Value::from(fix_py2_global(module, name)))
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let len = match (self.leaf(module), self.leaf(name)) {
                        (Some(Value::Str(m)), Some(Value::Str(n))) => m.len() + n.len(),
                        _ => return Err(err("STACK_GLOBAL needs two strings")),
                    };
                    // The strings may be memoized and named by any number of globals.
                    self.spend(1 + len / 32)?;
                    let (Some(Value::Str(m)), Some(Value::Str(n))) =
                        (self.leaf(module), self.leaf(name))
                    else {
                        unreachable!()
                    };
                    let g = Global::new(m.clone(), n.clone());
                    self.push_leaf(Value::from(g))
                }
                0x82..=0x84 => {
                    return Err(err(
                        "extension registry codes (EXT1/EXT2/EXT4) are not supported",
                    ))
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let args = self.tuple_items(args)?;
                    let n = self.reduce(callable, Construct::Call, args, None)?;
                    self.push(n)
                }
                0x81 => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.tuple_items(args)?;
                    self.push(object(cls, Construct::New, args, None))
                }
                0x92 => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let args = self.tuple_items(args)?;
                    self.push(object(cls, Construct::NewWithKwargs, args, Some(kwargs)))
                }
                b'i' => {
                    let module = self.line_str()?;
                    let name = self.line_str()?;
                    let args = self.pop_mark()?;
                    let cls = self.node(Node::Leaf(Value::from(fix_py2_global(module, name))));
                    self.push(object(cls, Construct::Call, args, None))
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return Err(err("OBJ without a class"));
                    }
                    let cls = items.remove(0);
                    self.push(object(cls, Construct::Call, items, None))
                }
                b'b' => {
                    let state = self.pop()?;
                    let target = self.top()?;
                    match self.get_mut(target) {
                        Some(Node::Object(o)) => o.state = Some(state),
                        _ => return Err(err("BUILD on something that is not an object")),
                    }
                }
                b'P' => {
                    let pid = self.line_str()?;
                    let v = (self.persistent_load)(Value::Str(pid))?;
                    self.push_leaf(v)
                }
                b'Q' => {
                    let pid = self.pop()?;
                    // From the work budget: a memoized pid can be loaded any number of times.
                    let mut budget = self.work;
                    let pid = self.to_value(pid, &mut budget)?;
                    self.work = budget;
                    let v = (self.persistent_load)(pid)?;
                    self.push_leaf(v)
                }
                other => {
                    return Err(err(format!(
                        "unknown opcode 0x{other:02x} at offset {}",
                        self.pos - 1
                    )))
                }
            }
        }
    }

    /// cloudpickle rebuilds classes and functions as skeletons and fills them in with
    /// `_class_setstate(obj, state)` / `_function_setstate(obj, state)` calls whose results
    /// are popped. Recording that state on the skeleton keeps what the call would have set
    /// (methods, closures, docstrings) reachable from the result, as after a real load.
    fn apply_setstate(&mut self, popped: Id) {
        let Some(Node::Object(call)) = self.get(popped) else {
            return;
        };
        let is_setstate = matches!(
            self.leaf(call.callable),
            Some(Value::Global(g)) if g.qualname == "_class_setstate" || g.qualname == "_function_setstate"
        );
        if !is_setstate || call.construct != Construct::Call || call.args.len() != 2 {
            return;
        }
        let (target, state) = (call.args[0], call.args[1]);
        if let Some(Node::Object(o)) = self.get_mut(target) {
            if o.state.is_none() {
                o.state = Some(state);
            }
        }
    }

    fn extend_list(&mut self, target: Id, items: Vec<Id>) -> Result<()> {
        match self.get_mut(target) {
            Some(Node::List(v)) => v.extend(items),
            Some(Node::Object(o)) => o.list_items.extend(items),
            _ => return Err(err("APPEND on something that is not a list")),
        }
        Ok(())
    }

    fn extend_dict(&mut self, target: Id, items: Vec<(Id, Id)>) -> Result<()> {
        match self.get_mut(target) {
            Some(Node::Dict(v)) => v.extend(items),
            Some(Node::Object(o)) => o.dict_items.extend(items),
            _ => return Err(err("SETITEM on something that is not a dict")),
        }
        Ok(())
    }

    /// `callable(*args)`: a few builtins that rebuild plain values in older protocols
    /// become those values; everything else stays a symbolic object.
    fn reduce(
        &mut self,
        callable: Id,
        construct: Construct,
        args: Vec<Id>,
        kwargs: Option<Id>,
    ) -> Result<Node> {
        if let Some(Value::Global(g)) = self.leaf(callable) {
            if let Some(n) = self.builtin_value(g, &args) {
                // A copy of (memoized) arguments, which any number of calls can make.
                self.spend(match &n {
                    // Fresh bytes from latin-1 text (or a shared buffer, charged alike).
                    Node::Leaf(Value::Bytes(b) | Value::ByteArray(b)) => 1 + b.len() / 32,
                    Node::Leaf(v) => weight(v),
                    Node::Set(v) | Node::FrozenSet(v) => v.len(),
                    _ => 1,
                })?;
                return Ok(n);
            }
        }
        Ok(object(callable, construct, args, kwargs))
    }

    fn builtin_value(&self, g: &Global, args: &[Id]) -> Option<Node> {
        let leaf = |i: usize| args.get(i).and_then(|&a| self.leaf(a));
        match (g.module.as_str(), g.qualname.as_str(), args.len()) {
            ("builtins", "set", 0) => Some(Node::Set(Vec::new())),
            ("builtins", "frozenset", 0) => Some(Node::FrozenSet(Vec::new())),
            ("builtins", "set" | "frozenset", 1) => {
                let items = match self.get(args[0]) {
                    Some(Node::List(v) | Node::Tuple(v)) => v.clone(),
                    _ => return None,
                };
                Some(if g.qualname == "set" {
                    Node::Set(items)
                } else {
                    Node::FrozenSet(items)
                })
            }
            ("builtins", "bytes", 0) => Some(Node::Leaf(Value::Bytes(Bytes::new()))),
            ("builtins", "bytearray", 0) => Some(Node::Leaf(Value::ByteArray(Bytes::new()))),
            ("builtins", "bytearray", 1) => match leaf(0) {
                Some(Value::Bytes(b)) => Some(Node::Leaf(Value::ByteArray(b.clone()))),
                _ => None,
            },
            // Protocols 0-2 write bytes/bytearray as latin-1 text plus an encoding.
            ("_codecs", "encode", 2) | ("builtins", "bytearray", 2) => match (leaf(0), leaf(1)) {
                (Some(Value::Str(s)), Some(Value::Str(enc)))
                    if enc == "latin1" || enc == "latin-1" =>
                {
                    let raw: Option<Vec<u8>> =
                        s.chars().map(|c| u8::try_from(c as u32).ok()).collect();
                    let raw = raw?;
                    Some(Node::Leaf(if g.qualname == "encode" {
                        Value::Bytes(raw.into())
                    } else {
                        Value::ByteArray(raw.into())
                    }))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

fn object(callable: Id, construct: Construct, args: Vec<Id>, kwargs: Option<Id>) -> Node {
    Node::Object(Obj {
        callable,
        construct,
        args,
        kwargs,
        list_items: Vec::new(),
        dict_items: Vec::new(),
        state: None,
    })
}

fn pairs(items: Vec<Id>) -> Result<Vec<(Id, Id)>> {
    if items.len() % 2 != 0 {
        return Err(err("odd number of items for a dict"));
    }
    Ok(items.chunks_exact(2).map(|c| (c[0], c[1])).collect())
}
