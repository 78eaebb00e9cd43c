//! Fuzzes the pickle decoder with arbitrary bytes: it must return Ok or Err, never panic,
//! hang or allocate without bound. Decoded values are re-encoded to exercise the encoder
//! on whatever the decoder accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ray_client::pickle::{decode, encode, Limits};

fuzz_target!(|data: &[u8]| {
    let data = bytes::Bytes::copy_from_slice(data);
    let limits = Limits::default();
    let mut keep_pid = |pid| Ok(pid);
    if let Ok(value) = decode(&data, &limits, &mut keep_pid) {
        let _ = encode(&value);
    }
});
