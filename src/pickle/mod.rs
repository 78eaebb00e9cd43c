//! The pickle codec: every byte that crosses the Ray Client protocol is a Python pickle.
//!
//! [`encode`] writes protocol 5 pickles of [`Value`]s; [`decode`] reads any protocol 0-5
//! pickle symbolically. Nothing is ever executed on this side.

mod decode;
mod encode;
mod numpy;

pub use decode::{decode, reject_persistent, Limits, PersistentLoad};
pub use encode::{encode, encode_segments, Encoder, MAX_ENCODE_DEPTH, SPLICE_MIN};

use bytes::Bytes;

use crate::value::{Global, Value};

/// A Ray client persistent id: `PickleStub(type, client_id, ref_id, name, baseline_options)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickleStub {
    /// `"Object"` or `"Actor"`.
    pub kind: String,
    pub client_id: String,
    pub ref_id: Bytes,
}

impl PickleStub {
    /// Recognises the pid value the server writes for refs and actor handles.
    pub fn from_pid(pid: &Value) -> Option<PickleStub> {
        let Value::Object(o) = pid else { return None };
        let g = o.callable_global()?;
        if (g.module.as_str(), g.qualname.as_str()) != ("copyreg", "_reconstructor") {
            return None;
        }
        let [Value::Global(cls), Value::Global(_), Value::Tuple(fields)] = o.args.as_slice() else {
            return None;
        };
        if **cls != Global::new("ray.util.client.client_pickler", "PickleStub") {
            return None;
        }
        match fields.as_slice() {
            [Value::Str(kind), Value::Str(client_id), Value::Bytes(ref_id), ..] => {
                Some(PickleStub {
                    kind: kind.clone(),
                    client_id: client_id.clone(),
                    ref_id: ref_id.clone(),
                })
            }
            _ => None,
        }
    }
}
