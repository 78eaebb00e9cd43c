//! Actors: create from a class (by reference or source) with options, call methods, get
//! named actors, kill, and list named actors.
//!
//! An [`ActorHandle`] shares the machinery of object refs (the id may still be on its
//! way, one handle per id, released on the server when the last clone goes); the server
//! keeps detached actors alive regardless.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
pub use crate::object_ref::ActorHandle;
use crate::object_ref::ObjectRef;
use crate::options::Options;
use crate::proto::{
    client_task::RemoteExecType, data_request, data_response, terminate_request,
    ClientListNamedActorsRequest, DataResponse, TerminateRequest,
};
use crate::runtime;
use crate::tasks::{Kwargs, Remote, RemoteKind, Schedule};
use crate::value::Value;

/// [`Remote`] code that is an actor class.
#[derive(Clone, PartialEq)]
pub enum Class {}

impl RemoteKind for Class {
    const TYPE_NAME: &'static str = "ActorClass";
}

/// A Python class on the cluster to create actors from, with the options they get
/// (`name`, `namespace`, `lifetime`, ...).
pub type ActorClass = Remote<Class>;

/// A named actor as listed by [`Client::list_named_actors`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedActor {
    pub name: String,
    pub namespace: String,
}

impl Client {
    /// Creates an actor: `Class(*args, **kwargs)` on the cluster. Returns at once; the
    /// creation is pipelined like a task, and a failure shows on the first use.
    pub fn create_actor(
        &self,
        class: &ActorClass,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<ActorHandle> {
        if matches!(class.options.get("get_if_exists"), Some(Value::Bool(true))) {
            return self.get_or_create_actor(class, args, kwargs);
        }
        let mut refs = self.schedule_remote(class, RemoteExecType::Actor, args, kwargs)?;
        Ok(ActorHandle {
            handle: refs.pop().expect("one actor id"),
        })
    }

    /// `get_if_exists`, done on the client as Python's `ActorClass._remote` does: look the
    /// name up first and create only when it is free. Sent to the server as an option,
    /// the server would replace the creator's handle of an existing actor with a looked-up
    /// one, and Ray then kills the actor (its owner holds no handle any more).
    fn get_or_create_actor(
        &self,
        class: &ActorClass,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<ActorHandle> {
        let name = match class.options.get("name") {
            Some(Value::Str(n)) if !n.is_empty() => n.clone(),
            _ => return Err(Error::invalid("get_if_exists needs the name option")),
        };
        let namespace = match class.options.get("namespace") {
            Some(Value::Str(n)) => Some(n.clone()),
            _ => None,
        };
        match self.get_actor(&name, namespace.as_deref()) {
            Ok(existing) => return Ok(existing),
            Err(e) if e.kind() == ErrorKind::InvalidArgument => {}
            Err(e) => return Err(e),
        }
        let create = class
            .clone()
            .with_options(class.options.clone().set("get_if_exists", false));
        let created = self.create_actor(&create, args, kwargs)?;
        match created.handle.id_blocking() {
            Ok(_) => Ok(created),
            // Someone created it between the lookup and the creation: use theirs.
            Err(e) => self.get_actor(&name, namespace.as_deref()).map_err(|_| e),
        }
    }

    /// Calls `actor.method(*args, **kwargs)`; returns the ref of its result at once.
    pub fn call_method(
        &self,
        actor: &ActorHandle,
        method: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<ObjectRef> {
        let mut refs = self.call_method_with(actor, method, args, kwargs, &Options::new())?;
        Ok(refs.pop().expect("one return"))
    }

    /// Calls a method with options (`num_returns` and friends); one ref per return value.
    pub fn call_method_with(
        &self,
        actor: &ActorHandle,
        method: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
        options: &Options,
    ) -> Result<Vec<ObjectRef>> {
        self.check_method(actor, method)?;
        self.schedule(Schedule {
            kind: RemoteExecType::Method,
            name: method.to_owned(),
            payload_id: actor.handle.id_blocking()?,
            args,
            kwargs,
            options,
            declared: &Options::new(),
            namespace: String::new(),
        })
    }

    /// Checks that `actor` is this client's and `method` names a method.
    pub(crate) fn check_method(&self, actor: &ActorHandle, method: &str) -> Result<()> {
        self.check_ref(&actor.handle)?;
        match method.is_empty() {
            true => Err(Error::invalid("a method name is needed")),
            false => Ok(()),
        }
    }

    /// The named actor `name` in `namespace` (`None`: this client's namespace).
    pub fn get_actor(&self, name: &str, namespace: Option<&str>) -> Result<ActorHandle> {
        if name.is_empty() {
            return Err(Error::invalid("an actor name is needed"));
        }
        let mut refs = self.schedule(Schedule {
            kind: RemoteExecType::NamedActor,
            name: name.to_owned(),
            payload_id: Default::default(),
            args: vec![],
            kwargs: vec![],
            options: &Options::new(),
            declared: &Options::new(),
            namespace: namespace.unwrap_or_default().to_owned(),
        })?;
        let handle = refs.pop().expect("one actor id");
        // Looking up is cheap and callers expect "not found" here, not on first use.
        handle.id_blocking().map_err(|e| {
            if e.kind() == ErrorKind::ServerError {
                Error::with_remote(
                    ErrorKind::InvalidArgument,
                    format!("no actor named {name:?}: {}", e.message()),
                    e.remote().cloned().unwrap_or_default(),
                )
            } else {
                e
            }
        })?;
        Ok(ActorHandle { handle })
    }

    /// Kills an actor (`ray.kill`); with `no_restart == false` it may be restarted if it
    /// has restarts left.
    pub fn kill_actor(&self, actor: &ActorHandle, no_restart: bool) -> Result<()> {
        self.check_ref(&actor.handle)?;
        let id = actor.handle.id_blocking()?;
        self.terminate(terminate_request::TerminateType::Actor(
            terminate_request::ActorTerminate { id, no_restart },
        ))
    }

    /// Cancels the task that produces `r` (`ray.cancel`); a get of `r` then fails with
    /// [`ErrorKind::TaskCancelled`](crate::ErrorKind::TaskCancelled). As in Python, a
    /// non-`force` cancel interrupts the task at its next Python bytecode: a task blocked
    /// in one long C call (`time.sleep(60)`) runs on until that call returns; `force`
    /// kills its worker at once.
    pub fn cancel(&self, r: &ObjectRef, force: bool, recursive: bool) -> Result<()> {
        self.check_ref(r)?;
        let id = r.id_blocking()?;
        self.terminate(terminate_request::TerminateType::TaskObject(
            terminate_request::TaskObjectTerminate {
                id,
                force,
                recursive,
            },
        ))?;
        if force {
            r.mark_force_cancelled();
        }
        Ok(())
    }

    fn terminate(&self, what: terminate_request::TerminateType) -> Result<()> {
        self.check_open()?;
        let reply = self
            .inner
            .datapath
            .send(data_request::Type::Terminate(TerminateRequest {
                client_id: self.client_id().to_owned(),
                terminate_type: Some(what),
            }));
        runtime::block_on(async move { terminate_reply(reply.await?) })
    }

    /// Named actors in this client's namespace, or in every namespace.
    pub fn list_named_actors(&self, all_namespaces: bool) -> Result<Vec<NamedActor>> {
        self.check_open()?;
        let reply = self
            .inner
            .datapath
            .send(data_request::Type::ListNamedActors(
                ClientListNamedActorsRequest { all_namespaces },
            ));
        let json = runtime::block_on(async move { list_named_actors_reply(reply.await?) })?;
        // Without all_namespaces the server lists bare names of this job's namespace.
        named_actors(&json, || match (all_namespaces, self.namespace()) {
            (true, _) => Ok(String::new()),
            (false, Some(ns)) => Ok(ns.to_owned()),
            (false, None) => Ok(self.runtime_context()?.namespace),
        })
    }
}

/// Whether a terminate (kill or cancel) reply says it worked.
pub(crate) fn terminate_reply(reply: DataResponse) -> Result<()> {
    match reply.r#type {
        Some(data_response::Type::Terminate(t)) if t.ok => Ok(()),
        Some(data_response::Type::Terminate(_)) => Err(Error::new(
            ErrorKind::ServerError,
            "the server could not terminate it",
        )),
        _ => Err(Error::protocol("terminate got an unexpected reply")),
    }
}

/// The JSON text of a list_named_actors reply.
pub(crate) fn list_named_actors_reply(reply: DataResponse) -> Result<String> {
    match reply.r#type {
        Some(data_response::Type::ListNamedActors(l)) => Ok(l.actors_json),
        _ => Err(Error::protocol("list_named_actors got an unexpected reply")),
    }
}

/// Reads the server's list of named actors. `own_namespace` names the namespace of bare
/// names; it is asked for only once the JSON parsed (it may cost a server call).
pub(crate) fn named_actors(
    json: &str,
    own_namespace: impl FnOnce() -> Result<String>,
) -> Result<Vec<NamedActor>> {
    let parsed: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| Error::protocol(format!("list_named_actors sent bad JSON: {e}")))?;
    let items = parsed.as_array().cloned().unwrap_or_default();
    let own_namespace = own_namespace()?;
    Ok(items
        .into_iter()
        .filter_map(|item| match item {
            // all_namespaces=True gives {"name", "namespace"} objects, otherwise names.
            serde_json::Value::String(name) => Some(NamedActor {
                name,
                namespace: own_namespace.clone(),
            }),
            serde_json::Value::Object(m) => Some(NamedActor {
                name: m.get("name")?.as_str()?.to_owned(),
                namespace: m
                    .get("namespace")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            }),
            _ => None,
        })
        .collect())
}
