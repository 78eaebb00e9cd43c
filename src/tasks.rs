//! Remote functions: a Python function on the cluster, named by module and qualified
//! name, called with positional and keyword arguments.
//!
//! A call puts the function once (cached per client, like Python's remote function
//! caches its payload ref), then schedules a `ClientTask` whose data is the pickled
//! `(args, kwargs)` pair. Scheduling is pipelined: the call returns refs at once and the
//! ids follow when the server's ticket arrives.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::FutureExt;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::objects::ObjectRef;
use crate::proto::{client_task, data_request, data_response, ClientTask};
use crate::remote_error;
use crate::runtime;
use crate::value::{Global, Value};

/// A Python function on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFunction {
    global: Global,
}

impl RemoteFunction {
    /// The function `qualname` (dotted for nested names) in `module`, which must be
    /// importable on the cluster.
    pub fn new(module: impl Into<String>, qualname: impl Into<String>) -> Result<Self> {
        let global = Global::new(module, qualname);
        if global.module.is_empty() || global.qualname.is_empty() {
            return Err(Error::invalid(
                "a remote function needs a module and a name",
            ));
        }
        Ok(RemoteFunction { global })
    }

    pub fn module(&self) -> &str {
        &self.global.module
    }

    pub fn qualname(&self) -> &str {
        &self.global.qualname
    }

    /// The last part of the qualified name, which Ray shows as the task name.
    fn short_name(&self) -> &str {
        self.global.qualname.rsplit('.').next().unwrap_or_default()
    }
}

impl Client {
    /// Calls `function(*args, **kwargs)` on the cluster and returns the ref of its result
    /// without waiting for the task to be scheduled. Refs among the arguments (top level
    /// or nested) are resolved by Ray before the function runs.
    pub fn call(
        &self,
        function: &RemoteFunction,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<ObjectRef> {
        let mut refs = self.submit(function, args, kwargs, 1)?;
        Ok(refs.pop().expect("one return"))
    }

    fn submit(
        &self,
        function: &RemoteFunction,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        num_returns: usize,
    ) -> Result<Vec<ObjectRef>> {
        let payload = self.function_payload(function)?;
        let kwargs = kwargs
            .into_iter()
            .map(|(k, v)| (Value::Str(k), v))
            .collect();
        let data =
            self.encode_for_server(&Value::Tuple(vec![Value::Tuple(args), Value::Dict(kwargs)]))?;
        let task = ClientTask {
            r#type: client_task::RemoteExecType::Function as i32,
            name: function.short_name().to_owned(),
            payload_id: payload.id_blocking()?,
            client_id: self.client_id().to_owned(),
            data,
            ..Default::default()
        };
        Ok(self.schedule(task, num_returns))
    }

    /// Queues a task and returns one pending ref per expected return value.
    fn schedule(&self, task: ClientTask, num_returns: usize) -> Vec<ObjectRef> {
        let name = task.name.clone();
        let ticket = self.inner.datapath.send(data_request::Type::Task(task));
        let ticket = async move {
            let reply = ticket.await?;
            match reply.r#type {
                Some(data_response::Type::TaskTicket(t)) if t.valid => Ok(Arc::new(t.return_ids)),
                Some(data_response::Type::TaskTicket(t)) => Err(remote_error::from_pickle(
                    &t.error,
                    &format!("scheduling {name}"),
                )),
                _ => Err(Error::protocol("schedule got an unexpected reply")),
            }
        }
        .boxed()
        .shared();
        let refs: Vec<ObjectRef> = (0..num_returns)
            .map(|i| {
                let ticket = ticket.clone();
                ObjectRef::pending(
                    &self.inner,
                    async move {
                        let ids: Arc<Vec<Bytes>> = ticket.await?;
                        ids.get(i).cloned().ok_or_else(|| {
                            Error::protocol(format!(
                                "the task returned {} refs, expected at least {}",
                                ids.len(),
                                i + 1
                            ))
                        })
                    }
                    .boxed(),
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
        refs
    }

    /// The ref of the pickled function, put once per client.
    fn function_payload(&self, function: &RemoteFunction) -> Result<ObjectRef> {
        if let Some(r) = self.inner.functions.lock().unwrap().get(&function.global) {
            return Ok(r.clone());
        }
        let r = self.put(Value::Global(function.global.clone()))?;
        self.inner
            .functions
            .lock()
            .unwrap()
            .insert(function.global.clone(), r.clone());
        Ok(r)
    }
}
