//! Fuzzes every reader of server replies (Datapath replies, GetObject chunk streams, wait,
//! cluster info, KV, logs, and the pickles inside replies): whatever a hostile or broken
//! server sends, the client must answer with an error, never panic, overflow, hang or
//! allocate without bound. See ray_client::__fuzz::reply for the input format and
//! make_reply_corpus.py for the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ray_client::__fuzz::reply(data);
});
