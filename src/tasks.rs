//! Remote functions: a Python function on the cluster, named by module and qualified
//! name or built from Python source text, called with positional and keyword arguments
//! and options.
//!
//! A call puts the function once (cached per client, like Python's remote function
//! caches its payload ref), then schedules a `ClientTask` whose data is the pickled
//! `(args, kwargs)` pair. Scheduling is pipelined: the call returns refs at once and the
//! ids follow when the server's ticket arrives.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::FutureExt;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::object_ref::{ObjectRef, SizeHint};
use crate::options::Options;
use crate::pickle::Encoder;
use crate::proto::{
    client_task::RemoteExecType, data_request, data_response, ClientTask, DataResponse, TaskOptions,
};
use crate::remote_error;
use crate::runtime;
use crate::value::{Global, Value};

/// Python code the cluster runs: a module-level name, or a definition in source text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Code {
    Global(Global),
    /// `source` defines `name` when executed in an empty namespace.
    Source {
        source: String,
        name: String,
    },
}

impl Code {
    pub(crate) fn global(module: impl Into<String>, qualname: impl Into<String>) -> Result<Code> {
        let g = Global::new(module, qualname);
        if g.module.is_empty() || g.qualname.is_empty() {
            return Err(Error::invalid("a module and a name are needed"));
        }
        Ok(Code::Global(g))
    }

    pub(crate) fn source(source: impl Into<String>, name: impl Into<String>) -> Result<Code> {
        let (source, name) = (source.into(), name.into());
        if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_alphanumeric()) {
            return Err(Error::invalid(format!(
                "{name:?} is not a Python identifier"
            )));
        }
        Ok(Code::Source { source, name })
    }

    /// The name a user wrote: `module.qualname`, or the name defined by the source.
    pub(crate) fn full_name(&self) -> String {
        match self {
            Code::Global(g) => format!("{}.{}", g.module, g.qualname),
            Code::Source { name, .. } => name.clone(),
        }
    }

    /// The last part of the name, which Ray shows as the task or class name.
    pub(crate) fn short_name(&self) -> &str {
        match self {
            Code::Global(g) => g.qualname.rsplit('.').next().unwrap_or_default(),
            Code::Source { name, .. } => name,
        }
    }

    /// The pickle whose value is the function or class. Source is turned into a value
    /// on the server by `exec(source, d); d[name]`, so Ray ships it to workers by value.
    pub(crate) fn pickle(&self) -> Result<Bytes> {
        match self {
            Code::Global(g) => Ok(crate::pickle::encode(&Value::from(g.clone()))?.into()),
            Code::Source { source, name } => {
                let mut e = Encoder::with_capacity(source.len() + 128);
                e.proto();
                e.global(&Global::new("builtins", "exec"));
                e.mark();
                e.str(source);
                e.op(b'}'); // the namespace dict...
                e.op(0x94); // ...memoized as 0
                e.op(b't');
                e.op(b'R');
                e.op(b'0'); // exec's None
                e.global(&Global::new("_operator", "getitem"));
                e.mark();
                e.op(b'h');
                e.op(0);
                e.str(name);
                e.op(b't');
                e.op(b'R');
                e.stop();
                Ok(e.finish().into())
            }
        }
    }
}

/// Python code on the cluster with the options it runs with: a remote function
/// ([`RemoteFunction`]) or an actor class ([`ActorClass`](crate::ActorClass)), as `K`
/// says.
#[derive(Clone, PartialEq)]
pub struct Remote<K: RemoteKind> {
    pub(crate) code: Code,
    pub(crate) options: Options,
    kind: PhantomData<K>,
}

/// What a [`Remote`] is on the cluster: a function or an actor class.
pub trait RemoteKind: Clone + PartialEq {
    /// The name of the Rust type, for `Debug`.
    const TYPE_NAME: &'static str;
}

/// [`Remote`] code that is a function.
#[derive(Clone, PartialEq)]
pub enum Function {}

impl RemoteKind for Function {
    const TYPE_NAME: &'static str = "RemoteFunction";
}

/// A Python function on the cluster, with the options its calls use.
pub type RemoteFunction = Remote<Function>;

impl<K: RemoteKind> Remote<K> {
    fn with_code(code: Code) -> Self {
        Remote {
            code,
            options: Options::new(),
            kind: PhantomData,
        }
    }

    /// The function or class `qualname` (dotted for nested names) in `module`, which
    /// must be importable on the cluster.
    pub fn new(module: impl Into<String>, qualname: impl Into<String>) -> Result<Self> {
        Ok(Self::with_code(Code::global(module, qualname)?))
    }

    /// The function or class `name` defined by Python `source` (a `def` or `class`, with
    /// any imports it needs inside). The cluster receives it by value.
    pub fn from_source(source: impl Into<String>, name: impl Into<String>) -> Result<Self> {
        Ok(Self::with_code(Code::source(source, name)?))
    }

    /// The same function or class with these options (`.options(...)` in Python): a
    /// function's calls use them, an actor class's actors are created with them.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The name Ray shows for the task or actor class.
    pub fn name(&self) -> &str {
        self.code.short_name()
    }
}

impl<K: RemoteKind> fmt::Debug for Remote<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(K::TYPE_NAME)
            .field("code", &self.code)
            .field("options", &self.options)
            .finish()
    }
}

/// Arguments of a call: positional values and keyword values.
pub type Kwargs = Vec<(String, Value)>;

impl Client {
    /// Calls `function(*args, **kwargs)` on the cluster and returns the ref of its result
    /// without waiting for the task to be scheduled. Refs among the arguments (top level
    /// or nested) are resolved by Ray before the function runs. With a `num_returns`
    /// option other than 1, use [`call_n`](Self::call_n).
    pub fn call(
        &self,
        function: &RemoteFunction,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<ObjectRef> {
        let n = function.options.num_returns_or_default()?;
        if n != 1 {
            return Err(Error::invalid(format!(
                "this function returns {n} refs (num_returns); use call_n"
            )));
        }
        Ok(self
            .call_n(function, args, kwargs)?
            .pop()
            .expect("one return"))
    }

    /// Like [`call`](Self::call) for any `num_returns`: one ref per return value.
    pub fn call_n(
        &self,
        function: &RemoteFunction,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<Vec<ObjectRef>> {
        self.schedule_remote(function, RemoteExecType::Function, args, kwargs)
    }

    /// Puts `remote`'s code (once per client) and schedules it with its options: `kind`
    /// says whether the task calls the function or creates an actor of the class.
    pub(crate) fn schedule_remote<K: RemoteKind>(
        &self,
        remote: &Remote<K>,
        kind: RemoteExecType,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<Vec<ObjectRef>> {
        // Options only a declaration takes go with the code; the server registers a class
        // or function once per code ref, with the options of its first use, so each set of
        // them has a code ref of its own.
        let (declared, options) = remote.options.split_declared();
        let payload = self.payload(&remote.code, &declared)?;
        if kind == RemoteExecType::Actor && remote.options.get("num_returns").is_some() {
            return Err(Error::invalid("num_returns is not an actor option"));
        }
        self.schedule(Schedule {
            kind,
            name: remote.code.short_name().to_owned(),
            payload_id: payload.id_blocking()?,
            args,
            kwargs,
            options: &options,
            declared: &declared,
            namespace: String::new(),
        })
    }

    /// Encodes and queues a task; returns one pending ref per expected return value.
    pub(crate) fn schedule(&self, s: Schedule<'_>) -> Result<Vec<ObjectRef>> {
        let num_returns = s.options.num_returns_or_default()?;
        let capabilities = &self.inner.capabilities;
        if s.options.get("label_selector").is_some() && !capabilities.label_selectors {
            return Err(capabilities.unsupported("the label_selector option", "2.50"));
        }
        let kwargs = s
            .kwargs
            .into_iter()
            .map(|(k, v)| (Value::Str(k), v))
            .collect();
        let data = self
            .encode_for_server(&Value::Tuple(vec![
                Value::Tuple(s.args),
                Value::Dict(kwargs),
            ]))?
            .segments;
        let task_options = self.prepared_options(s.options)?;
        let pickled = |o: &Options| -> Result<Option<TaskOptions>> {
            Ok(match o.to_value() {
                Some(v) => Some(TaskOptions {
                    pickled_options: self.encode_for_server(&v)?.segments.concat().into(),
                }),
                None => None,
            })
        };
        let options = pickled(&task_options)?;
        let baseline_options = pickled(s.declared)?;
        let sizes = SizeHint::Returned(self.inner.return_sizes(&s.payload_id, &s.name));
        let task = ClientTask {
            r#type: s.kind as i32,
            name: s.name.clone(),
            payload_id: s.payload_id,
            client_id: self.client_id().to_owned(),
            options,
            baseline_options,
            namespace: s.namespace,
            ..Default::default()
        };
        let ticket = self
            .inner
            .datapath
            .send_with(data_request::Type::Task(task), Some(data));
        let what = match s.kind {
            RemoteExecType::Actor => format!("creating actor {}", s.name),
            RemoteExecType::NamedActor => format!("looking up actor {:?}", s.name),
            _ => format!("calling {}", s.name),
        };
        let ticket = async move { ticket_return_ids(ticket.await?, &what).map(Arc::new) }
            .boxed()
            .shared();
        let refs: Vec<ObjectRef> = (0..num_returns)
            .map(|i| {
                let ticket = ticket.clone();
                ObjectRef::pending(
                    &self.inner,
                    async move { return_id(&ticket.await?, i) }.boxed(),
                    sizes.clone(),
                )
            })
            .collect();
        // Register the ids as soon as the ticket comes, so an id that comes back nested in
        // another value maps to these same handles.
        let weak: Vec<_> = refs.iter().map(ObjectRef::downgrade).collect();
        let client = Arc::downgrade(&self.inner);
        runtime::spawn(async move {
            if let (Ok(ids), Some(client)) = (ticket.await, client.upgrade()) {
                for (w, id) in weak.into_iter().zip(ids.iter()) {
                    client.register(id.clone(), w);
                }
            }
        });
        Ok(refs)
    }

    /// `options` as they are sent: a runtime_env with local paths names uploaded packages
    /// instead (uploading them first).
    pub(crate) fn prepared_options<'a>(&self, options: &'a Options) -> Result<Cow<'a, Options>> {
        Ok(match options.get("runtime_env") {
            Some(env) => {
                let env = crate::runtime_env::prepare_blocking(self, env)?;
                Cow::Owned(options.clone().runtime_env(env))
            }
            None => Cow::Borrowed(options),
        })
    }

    /// The ref of the pickled function or class, put once per client and set of
    /// `declared` options.
    pub(crate) fn payload(&self, code: &Code, declared: &Options) -> Result<ObjectRef> {
        let key = (code.clone(), declared.to_value().map(|v| v.repr()));
        if let Some(r) = self.inner.payloads.lock().unwrap().get(&key) {
            return Ok(r.clone());
        }
        // The server unpickles the reference here, so a module or name it cannot find
        // fails this put: say which function or class the user asked for.
        let put = self.put_pickled(vec![code.pickle()?], false);
        let r = runtime::block_on(put).map_err(|e| match e.remote() {
            Some(_) => e.context(format!("looking up {} on the cluster", code.full_name())),
            None => e,
        })?;
        self.inner.payloads.lock().unwrap().insert(key, r.clone());
        Ok(r)
    }
}

/// The ids of a task's returns (or the actor id) from the server's ticket; `what` says
/// what the user did (`calling incr`).
pub(crate) fn ticket_return_ids(reply: DataResponse, what: &str) -> Result<Vec<Bytes>> {
    match reply.r#type {
        Some(data_response::Type::TaskTicket(t)) if t.valid => Ok(t.return_ids),
        Some(data_response::Type::TaskTicket(t)) => Err(remote_error::from_pickle(&t.error, what)),
        _ => Err(Error::protocol("schedule got an unexpected reply")),
    }
}

/// Return `i` of a ticket: the server may send fewer ids than the call expects.
pub(crate) fn return_id(ids: &[Bytes], i: usize) -> Result<Bytes> {
    ids.get(i).cloned().ok_or_else(|| {
        Error::protocol(format!(
            "the server returned {} ids, expected at least {}",
            ids.len(),
            i.saturating_add(1)
        ))
    })
}

/// One task to schedule.
pub(crate) struct Schedule<'a> {
    pub kind: RemoteExecType,
    pub name: String,
    pub payload_id: Bytes,
    pub args: Vec<Value>,
    pub kwargs: Kwargs,
    pub options: &'a Options,
    /// Options only a declaration takes (see [`Options::split_declared`]).
    pub declared: &'a Options,
    pub namespace: String,
}
