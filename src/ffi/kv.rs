//! The cluster's internal key-value store.

use std::ffi::{c_char, c_int};
use std::sync::Arc;

use super::*;
use crate::value::Value;
use crate::Client;

/// The arguments most KV functions start with, checked in this order: the client, the
/// key (`what`: the key or prefix) and the namespace (NULL: none).
unsafe fn kv_args<'a>(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    what: &str,
    namespace: *const c_char,
) -> R<(Client, &'a [u8], Option<&'a str>)> {
    let c = client_of(client)?;
    let key = slice(key, key_len, what)?;
    Ok((c, key, opt_str(namespace, "namespace")?))
}

/// ---- Internal KV (src/ffi/kv.rs) ----
///
/// The value stored under `key` (`key_len` bytes) in `namespace` (NULL: none). When the
/// key exists, `*found` is 1 and `*value` / `*value_len` hold a copy the caller frees
/// with `ray_client_bytes_free`; otherwise `*found` is 0 and `*value` NULL.
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_get(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    namespace: *const c_char,
    value: *mut *mut u8,
    value_len: *mut usize,
    found: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let (c, key, ns) = kv_args(client, key, key_len, "key", namespace)?;
        let value = out_handle(value, "value")?;
        let value_len = out_val(value_len, "value_len", 0)?;
        let found = out_val(found, "found", 0)?;
        if let Some(v) = c.kv_get(key, ns)? {
            *value_len = v.len();
            *value = give_bytes(&v);
            *found = 1;
        }
        Ok(())
    })
}

/// Stores `value` under `key` in `namespace` (NULL: none). With `overwrite == 0` an
/// existing value is kept. `*already_existed` (may be NULL) tells whether the key was
/// there before.
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_put(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    overwrite: c_int,
    namespace: *const c_char,
    already_existed: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let c = client_of(client)?;
        let key = slice(key, key_len, "key")?;
        let value = slice(value, value_len, "value")?;
        let ns = opt_str(namespace, "namespace")?;
        let existed = opt_out(already_existed, "already_existed", 0)?;
        let e = c.kv_put(key, value, overwrite != 0, ns)?;
        if let Some(o) = existed {
            *o = c_int::from(e);
        }
        Ok(())
    })
}

/// Deletes `key`, or with `by_prefix != 0` every key starting with it. `*deleted` (may
/// be NULL) is how many keys went.
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_del(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    by_prefix: c_int,
    namespace: *const c_char,
    deleted: *mut usize,
) -> ray_client_status {
    guard(|| {
        let (c, key, ns) = kv_args(client, key, key_len, "key", namespace)?;
        let deleted = opt_out(deleted, "deleted", 0)?;
        let n = c.kv_del(key, by_prefix != 0, ns)?;
        if let Some(o) = deleted {
            *o = n;
        }
        Ok(())
    })
}

/// Whether `key` exists (`*exists` 1 or 0).
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_exists(
    client: *const ray_client_client,
    key: *const u8,
    key_len: usize,
    namespace: *const c_char,
    exists: *mut c_int,
) -> ray_client_status {
    guard(|| {
        let (c, key, ns) = kv_args(client, key, key_len, "key", namespace)?;
        let exists = out_val(exists, "exists", 0)?;
        *exists = c_int::from(c.kv_exists(key, ns)?);
        Ok(())
    })
}

/// Every key starting with `prefix`, as a list value of bytes values. The caller frees
/// `*out` with `ray_client_value_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_kv_list(
    client: *const ray_client_client,
    prefix: *const u8,
    prefix_len: usize,
    namespace: *const c_char,
    out: *mut *mut ray_client_value,
) -> ray_client_status {
    guard(|| {
        let (c, prefix, ns) = kv_args(client, prefix, prefix_len, "prefix", namespace)?;
        fill_handle(out, || {
            let keys = c.kv_list(prefix, ns)?;
            Ok(Arc::new(Value::List(
                keys.into_iter().map(Value::Bytes).collect(),
            )))
        })
    })
}
