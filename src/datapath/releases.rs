//! Releases of the server's references, held back to leave in batches (see
//! [`HeldReleases`]).

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::proto::{self, data_request};

/// Most object ids one release request carries (28 bytes each: a message of ~300 KiB).
pub(super) const MAX_IDS_PER_RELEASE: usize = 10_000;

/// Longest a release is held back.
pub(super) const RELEASE_DELAY: Duration = Duration::from_millis(20);

/// Releases held back to leave in batches. The server answers each release request on
/// its own, one after the other: a program dropping 5,000 refs at once made every later
/// request of the client wait 1.7 s, and a loop that drops one ref per round pays a
/// request per round (a tenth of a small put + get). So releases wait up to
/// [`RELEASE_DELAY`] (or until [`MAX_IDS_PER_RELEASE`] are held) and go as one request.
///
/// Holding a release back is safe as long as the server does not hand the same id to
/// this client again before the release arrives: it would then drop a ref the client
/// holds anew. Ids come back only in the values of gets and as a named actor's handle,
/// so the held releases are sent before any request that may bring refs back
/// ([`may_bring_back_refs`]; a get of an object this client put without refs inside
/// does not), and a `GetObject` call, on a stream of its own, first waits until the
/// server answered them ([`Datapath::settle_releases`](super::Datapath::settle_releases)). Puts and tasks get new ids, so
/// they may overtake a held release.
#[derive(Default)]
pub(super) struct HeldReleases {
    ids: Vec<Bytes>,
    /// When the oldest held release was queued.
    since: Option<Instant>,
}

impl HeldReleases {
    /// Holds `id`; returns a full batch to send now.
    pub(super) fn hold(&mut self, id: Bytes, now: Instant) -> Option<proto::ReleaseRequest> {
        self.since.get_or_insert(now);
        self.ids.push(id);
        (self.ids.len() >= MAX_IDS_PER_RELEASE)
            .then(|| self.take())
            .flatten()
    }

    /// When the held releases must go.
    pub(super) fn due(&self) -> Option<Instant> {
        self.since.map(|t| t + RELEASE_DELAY)
    }

    /// Everything held, as one request (None when nothing is).
    pub(super) fn take(&mut self) -> Option<proto::ReleaseRequest> {
        self.since = None;
        (!self.ids.is_empty()).then(|| proto::ReleaseRequest {
            ids: std::mem::take(&mut self.ids),
        })
    }
}

/// Whether the server's answer to `body` may hand this client an id it already had
/// (see [`HeldReleases`]). Only a get's value or a named actor's handle can; puts, tasks
/// and actor creations get new ids. Unknown kinds count as may.
pub(super) fn may_bring_back_refs(body: &data_request::Type) -> bool {
    use data_request::Type;
    match body {
        Type::Put(_) | Type::Release(_) | Type::Acknowledge(_) | Type::ConnectionInfo(_) => false,
        Type::Task(t) => t.r#type == proto::client_task::RemoteExecType::NamedActor as i32,
        _ => true,
    }
}
