//! Object refs and actor handles as values: what a [`Value`](crate::Value) holds when a
//! task's arguments or results contain them. A ref knows its id (perhaps still on its
//! way: a task's return value is known only once the server's ticket arrives, so the id
//! is a shared future anyone may await) and its owner, the client it belongs to, only as
//! a [`RefOwner`]: this module, and the value model above it, do not depend on the
//! client. When the last handle to an id goes, the owner releases it on the server.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Weak};

use bytes::Bytes;
use futures::future::{BoxFuture, FutureExt, Shared};

use crate::error::{Error, Result};
use crate::hex::hex;
use crate::runtime;

/// An object id's size: the id of the task that made it (24 bytes) and an index (4).
const OBJECT_ID_SIZE: usize = 28;

/// The client a ref belongs to, as the ref sees it.
pub(crate) trait RefOwner: Send + Sync {
    /// The id of the owning client (32 hex characters), shared by all its refs.
    fn client_id(&self) -> &Arc<str>;
    /// The last live handle of `id` went; `dropped` identifies it (a newer handle of the
    /// same id may exist already).
    fn release(&self, id: Bytes, dropped: *const RefInner);
}

pub(crate) type IdFuture = Shared<BoxFuture<'static, Result<Bytes>>>;

/// An object's id: known when the ref is made (a put, a ref that came back inside a
/// value), or the server's ticket still on its way (a task's return). Known ids take no
/// future: a client holding many refs pays for the id alone.
enum RefId {
    Known(Bytes),
    Coming(IdFuture),
}

impl RefId {
    /// The id, or why there is none, once known (never waits).
    fn peek(&self) -> Option<Result<&Bytes>> {
        match self {
            RefId::Known(id) => Some(Ok(id)),
            RefId::Coming(f) => f.peek().map(|r| r.as_ref().map_err(Error::clone)),
        }
    }
}

/// A reference to an object in the cluster. Clones share one handle; the server's
/// reference is released when the last clone is dropped.
#[derive(Clone)]
pub struct ObjectRef(Arc<RefInner>);

pub(crate) struct RefInner {
    // `pub(crate)` for the object calls (src/objects.rs), which read the size hint.
    owner: Weak<dyn RefOwner>,
    client_id: Arc<str>,
    id: RefId,
    pub(crate) size: SizeHint,
    /// Set by `cancel(force = true)` on this ref (see [`ObjectRef::was_force_cancelled`]).
    force_cancelled: AtomicBool,
}

/// What the client knows of an object's size before getting it. It decides how a get of
/// that one object travels (see `Client::fetch`): a small object as an asynchronous get
/// on the Datapath, the server's cheap path; a large or unknown one through a `GetObject`
/// call, which streams it into its buffer with one copy and without holding up the
/// Datapath (an asynchronous get makes the server queue every chunk at once: a 512 MiB
/// get took 25% longer and 50% more server CPU that way).
#[derive(Clone, Default)]
pub(crate) enum SizeHint {
    /// Nothing known (a ref that came back inside a value).
    #[default]
    Unknown,
    /// Put by this client: the size of its pickle, and whether the value held refs or
    /// actor handles.
    Put { size: usize, holds_refs: bool },
    /// The return of a task or actor method: what gets of the same function's (or
    /// method's) earlier returns showed.
    Returned(Arc<ReturnSizes>),
}

/// The size seen last of one function's or actor method's returns: 0 (none fetched yet),
/// [`SIZE_SMALL`] or [`SIZE_LARGE`].
#[derive(Default)]
pub(crate) struct ReturnSizes(pub(crate) AtomicU8);

pub(crate) const SIZE_SMALL: u8 = 1;
pub(crate) const SIZE_LARGE: u8 = 2;

impl ObjectRef {
    pub(crate) fn resolved(
        owner: &Arc<impl RefOwner + 'static>,
        id: Bytes,
        size: SizeHint,
    ) -> ObjectRef {
        ObjectRef::from_parts(owner, RefId::Known(id), size)
    }

    pub(crate) fn pending(
        owner: &Arc<impl RefOwner + 'static>,
        id: BoxFuture<'static, Result<Bytes>>,
        size: SizeHint,
    ) -> ObjectRef {
        ObjectRef::from_parts(owner, RefId::Coming(id.shared()), size)
    }

    fn from_parts(owner: &Arc<impl RefOwner + 'static>, id: RefId, size: SizeHint) -> ObjectRef {
        let weak: Weak<dyn RefOwner> = Arc::downgrade(owner) as Weak<dyn RefOwner>;
        ObjectRef(Arc::new(RefInner {
            owner: weak,
            client_id: owner.client_id().clone(),
            id,
            size,
            force_cancelled: AtomicBool::new(false),
        }))
    }

    /// Records that the task producing this ref was cancelled with `force`: the worker it
    /// ran in was ended on purpose, so a report of that worker's crash means the cancel.
    pub(crate) fn mark_force_cancelled(&self) {
        self.0.force_cancelled.store(true, Ordering::Relaxed);
    }

    pub(crate) fn was_force_cancelled(&self) -> bool {
        self.0.force_cancelled.load(Ordering::Relaxed)
    }

    pub(crate) fn from_inner(inner: Arc<RefInner>) -> ObjectRef {
        ObjectRef(inner)
    }

    pub(crate) fn downgrade(&self) -> Weak<RefInner> {
        Arc::downgrade(&self.0)
    }

    /// The id, if it is known already.
    pub fn resolved_id(&self) -> Option<Bytes> {
        match self.0.id.peek() {
            Some(Ok(id)) => Some(id.clone()),
            _ => None,
        }
    }

    /// The object id, waiting for the server's ticket if needed. Fails if the task that
    /// produces this object could not be scheduled.
    pub async fn id(&self) -> Result<Bytes> {
        match &self.0.id {
            RefId::Known(id) => Ok(id.clone()),
            RefId::Coming(f) => f.clone().await,
        }
    }

    /// Blocking [`id`](Self::id).
    pub fn id_blocking(&self) -> Result<Bytes> {
        match &self.0.id {
            RefId::Known(id) => Ok(id.clone()),
            RefId::Coming(f) => match f.peek() {
                Some(id) => id.clone(),
                None => runtime::block_on(f.clone()),
            },
        }
    }

    /// Hex form of the id (waits for it).
    pub fn hex(&self) -> Result<String> {
        Ok(hex(&self.id_blocking()?))
    }

    /// Hex id of the task that made this object (Python's `ObjectRef.task_id()`; for a
    /// put, the driver's task): the first 24 of the object id's 28 bytes (waits for the
    /// id, as [`hex`](Self::hex)).
    pub fn task_id(&self) -> Result<String> {
        let id = self.id_blocking()?;
        if id.len() != OBJECT_ID_SIZE {
            return Err(Error::protocol(format!(
                "an object id of {} bytes, not {OBJECT_ID_SIZE}",
                id.len()
            )));
        }
        Ok(hex(&id[..OBJECT_ID_SIZE - 4]))
    }

    /// Hex form of the id when the server has given it already (never waits).
    pub(crate) fn hex_if_known(&self) -> Option<String> {
        match self.0.id.peek() {
            Some(Ok(id)) => Some(hex(id)),
            _ => None,
        }
    }

    /// The id of the client that owns this ref.
    pub fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// Whether `owner` (the address of a client's shared state) owns this ref.
    pub(crate) fn owned_by(&self, owner: *const ()) -> bool {
        Weak::as_ptr(&self.0.owner).cast::<()>() == owner
    }

    /// What the client knows of the object's size.
    pub(crate) fn size(&self) -> &SizeHint {
        &self.0.size
    }
}

impl PartialEq for ObjectRef {
    /// Same client and same object id (refs whose id is not known yet are equal only to
    /// their own clones).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.client_id == other.0.client_id
                && matches!((self.resolved_id(), other.resolved_id()), (Some(a), Some(b)) if a == b))
    }
}

impl std::fmt::Debug for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.resolved_id() {
            Some(id) => write!(f, "ObjectRef({})", hex(&id)),
            None => write!(f, "ObjectRef(<pending>)"),
        }
    }
}

impl Drop for RefInner {
    fn drop(&mut self) {
        let Some(client) = self.owner.upgrade() else {
            return;
        };
        let me = self as *const RefInner;
        let coming = match &self.id {
            RefId::Known(id) => return client.release(id.clone(), me),
            RefId::Coming(f) => match f.peek() {
                Some(Ok(id)) => return client.release(id.clone(), me),
                Some(Err(_)) => return,
                None => f.clone(),
            },
        };
        // The id is still coming: release it once it is known. Raw pointers are not
        // Send; the address only serves as an identity check.
        let me = me as usize;
        let client = Arc::downgrade(&client);
        runtime::spawn(async move {
            if let (Ok(id), Some(client)) = (coming.await, client.upgrade()) {
                client.release(id, me as *const RefInner);
            }
        });
    }
}

/// A handle to an actor. Clones share one handle.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorHandle {
    pub(crate) handle: ObjectRef,
}

impl ActorHandle {
    /// The actor id (waits for the server's ticket when the actor was just created).
    pub fn id_blocking(&self) -> Result<bytes::Bytes> {
        self.handle.id_blocking()
    }

    /// Hex form of the actor id.
    pub fn hex(&self) -> Result<String> {
        self.handle.hex()
    }

    pub fn client_id(&self) -> &str {
        self.handle.client_id()
    }

    pub(crate) fn resolved_id(&self) -> Option<bytes::Bytes> {
        self.handle.resolved_id()
    }
}
