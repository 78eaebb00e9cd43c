//! Runs arbitrary bytes through every reader of server replies, without a server or a
//! client, for the `protobuf_replies` fuzz target and its smoke test. A hostile or broken
//! server must only ever cause an `Error`: any panic, overflow, absurd allocation or hang
//! here is a bug.
//!
//! Input: the first byte picks the reply kind ([`ReplyKind`], modulo their number); the
//! rest is that message's protobuf encoding; for a `GetObject` stream a piece-size byte
//! then the gRPC-framed body (see [`ReplyKind::GetStream`]); for a Datapath stream the
//! replies length-delimited (see [`ReplyKind::DataStream`]); for the pickle kinds a raw
//! pickle.

use bytes::{Buf, Bytes};
use prost::Message;

use crate::client::{persistent_ref, RefKind};
use crate::error::Result;
use crate::pickle::{self, Limits};
use crate::proto::{
    ClientPinRuntimeEnvUriResponse, ClusterInfoResponse, DataResponse, KvDelResponse,
    KvExistsResponse, KvGetResponse, KvListResponse, KvPutResponse, LogData, WaitResponse,
};
use crate::value::Value;

/// What the first input byte selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReplyKind {
    /// A Datapath `DataResponse`: init, connection_info, put, task_ticket, terminate,
    /// list_named_actors, ...
    Data = 0,
    /// The body of one `GetObject` reply as it arrives, then the value it carries: a
    /// first byte choosing the size of the pieces the body is fed in (that byte + 1), then
    /// gRPC messages (a flag byte, a big-endian u32 length, a `GetResponse`).
    GetStream = 1,
    Wait = 2,
    ClusterInfo = 3,
    /// Every KV reply (and the runtime_env pin reply) read from the same bytes.
    Kv = 4,
    Log = 5,
    /// A pickled exception as put, get and ticket replies carry it.
    ErrorPickle = 6,
    /// A get's pickled list of values (also placement group replies).
    ValuePickle = 7,
    /// A stream of length-delimited `DataResponse`s through the Datapath's matching of
    /// replies to requests by id (the second byte: how many requests are in flight), each
    /// answered one then read as in `Data`.
    DataStream = 8,
}

/// Number of [`ReplyKind`]s.
pub const REPLY_KINDS: u8 = 9;

impl ReplyKind {
    pub fn from_byte(b: u8) -> ReplyKind {
        match b % REPLY_KINDS {
            0 => ReplyKind::Data,
            1 => ReplyKind::GetStream,
            2 => ReplyKind::Wait,
            3 => ReplyKind::ClusterInfo,
            4 => ReplyKind::Kv,
            5 => ReplyKind::Log,
            6 => ReplyKind::ErrorPickle,
            7 => ReplyKind::ValuePickle,
            _ => ReplyKind::DataStream,
        }
    }
}

/// Feeds `data` to the reply readers; results are dropped, only panics matter.
pub fn reply(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let rest = Bytes::copy_from_slice(rest);
    match ReplyKind::from_byte(kind) {
        ReplyKind::Data => {
            if let Ok(resp) = DataResponse::decode(rest) {
                data_response(resp);
            }
        }
        ReplyKind::GetStream => get_stream(rest),
        ReplyKind::DataStream => {
            let Some((&issued, frames)) = rest.split_first() else {
                return;
            };
            let mut frames = Bytes::copy_from_slice(frames);
            let replies = std::iter::from_fn(move || {
                frames
                    .has_remaining()
                    .then(|| DataResponse::decode_length_delimited(&mut frames).ok())
                    .flatten()
            });
            crate::datapath::dispatch_replies(issued, replies, data_response);
        }
        ReplyKind::Wait => {
            if let Ok(resp) = WaitResponse::decode(rest) {
                wait(&resp);
            }
        }
        ReplyKind::ClusterInfo => {
            if let Ok(resp) = ClusterInfoResponse::decode(rest) {
                cluster_info(resp);
            }
        }
        ReplyKind::Kv => kv(rest),
        ReplyKind::Log => {
            if let Ok(data) = LogData::decode(rest) {
                let record = crate::logs::LogRecord::from(data);
                let _ = (record.is_stdout(), record.is_stderr());
            }
        }
        ReplyKind::ErrorPickle => {
            let _ = crate::remote_error::from_pickle(&rest, "fuzz");
        }
        ReplyKind::ValuePickle => values(&rest),
    }
}

/// Every Datapath reply reader, as the request that expects each reply kind runs it.
fn data_response(resp: DataResponse) {
    let _ = crate::client::init_reply(resp.clone(), &"fuzz:10001");
    if let Ok(info) = crate::client::server_info(resp.clone()) {
        // The version text is the server's: the policy must read any of it.
        let caps = crate::capabilities::Capabilities::for_version(&info.ray_version);
        let _ = caps.check_support(&"fuzz:10001", false, &crate::logs::LogHandler::Off);
    }
    let _ = crate::objects::put_reply(resp.clone());
    if let Ok(ids) = crate::tasks::ticket_return_ids(resp.clone(), "fuzz") {
        for i in 0..4 {
            let _ = crate::tasks::return_id(&ids, i);
        }
    }
    let _ = crate::actors::terminate_reply(resp.clone());
    if let Ok(json) = crate::actors::list_named_actors_reply(resp) {
        let _ = crate::actors::named_actors(&json, || Ok("fuzz-namespace".to_owned()));
    }
}

/// One `GetObject` reply body, parsed as `get_reply::call` parses it, fed in pieces of
/// the size the first byte chooses; then the value as `get_many` decodes it.
fn get_stream(input: Bytes) {
    let Some((&step, body)) = input.split_first() else {
        return;
    };
    let mut chunks = crate::get_reply::Chunks::default();
    let mut parser = crate::get_reply::ReplyParser::default();
    for piece in body.chunks(usize::from(step) + 1) {
        match parser.feed(piece, &mut chunks) {
            Ok(true) => break,
            Ok(false) => {}
            Err(_) => return,
        }
    }
    match chunks.finish() {
        Ok(Ok(data)) => values(&data),
        // A refusal is read as the object layer reads it.
        Ok(Err(exception)) => drop(crate::remote_error::from_pickle(&exception, "fuzz")),
        Err(_) => {}
    }
}

/// Persistent ids as a client reads them, with the id bytes standing in for the handle
/// (making a real handle needs a connected client; that part reads nothing).
fn load_without_client(pid: Value) -> Result<Value> {
    let (kind, id) = persistent_ref(&pid)?;
    Ok(match kind {
        RefKind::Object => Value::Bytes(id),
        RefKind::Actor => Value::Tuple(vec![Value::Bytes(id)]),
    })
}

/// A get reply's pickle, and what the callers of get read from it.
fn values(data: &Bytes) {
    let Ok(value) = pickle::decode(data, &Limits::default(), &mut load_without_client) else {
        return;
    };
    let n = match &value {
        Value::List(items) => items.len(),
        _ => 1,
    };
    let Ok(mut values) = crate::objects::values_of(value, n) else {
        return;
    };
    if let Some(v) = values.pop() {
        let _ = crate::placement_group::placement_group_of(v.clone());
        let _ = crate::placement_group::wait_result(v.clone());
        let _ = crate::remote_error::describe(&v);
    }
}

fn wait(resp: &WaitResponse) {
    // Ids the reply names, and some it does not: all must land on one side.
    let items = resp
        .ready_object_ids
        .iter()
        .cloned()
        .chain([Bytes::new(), Bytes::from_static(&[0; 28])])
        .enumerate();
    let _ = crate::objects::split_ready(resp, items);
}

fn cluster_info(resp: ClusterInfoResponse) {
    let _ = crate::cluster::resource_table(resp.clone());
    let _ = crate::cluster::runtime_context(resp.clone());
    if let Ok(json) = crate::cluster::cluster_json(resp) {
        let _ = crate::cluster::dashboard_url(&json);
        let _ = crate::cluster::is_initialized(json.clone());
        let _ = crate::cluster::nodes(json);
    }
}

/// The KV readers take single fields; what can break is decoding the messages.
fn kv(data: Bytes) {
    let _ = KvGetResponse::decode(data.clone()).map(|r| r.value);
    let _ = KvPutResponse::decode(data.clone()).map(|r| r.already_exists);
    let _ = KvDelResponse::decode(data.clone()).map(|r| crate::kv::deleted_count(&r));
    let _ = KvListResponse::decode(data.clone()).map(|r| r.keys);
    let _ = KvExistsResponse::decode(data.clone()).map(|r| r.exists);
    let _ = ClientPinRuntimeEnvUriResponse::decode(data);
}
