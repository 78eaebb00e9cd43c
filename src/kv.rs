//! The cluster's internal key-value store (`ray.experimental.internal_kv`), over the
//! unary KV calls. Keys and values are bytes; every call takes an optional namespace.

use bytes::Bytes;

use crate::client::Client;
use crate::error::Result;
use crate::proto::{
    KvDelRequest, KvDelResponse, KvExistsRequest, KvGetRequest, KvListRequest, KvPutRequest,
};

fn ns(namespace: Option<&str>) -> Option<Bytes> {
    namespace.map(|n| Bytes::copy_from_slice(n.as_bytes()))
}

impl Client {
    /// The value stored under `key`, or `None`.
    pub fn kv_get(&self, key: &[u8], namespace: Option<&str>) -> Result<Option<Bytes>> {
        let req = KvGetRequest {
            key: Bytes::copy_from_slice(key),
            namespace: ns(namespace),
        };
        Ok(self
            .driver_call("kv get", false, move |mut s, c| {
                let req = c.request(req.clone());
                async move { s.kv_get(req).await }
            })?
            .value)
    }

    /// Stores `value` under `key`. With `overwrite == false` an existing value is kept.
    /// Returns whether the key already existed.
    pub fn kv_put(
        &self,
        key: &[u8],
        value: &[u8],
        overwrite: bool,
        namespace: Option<&str>,
    ) -> Result<bool> {
        let req = KvPutRequest {
            key: Bytes::copy_from_slice(key),
            value: Bytes::copy_from_slice(value),
            overwrite,
            namespace: ns(namespace),
        };
        Ok(self
            .driver_call("kv put", true, move |mut s, c| {
                let req = c.request(req.clone());
                async move { s.kv_put(req).await }
            })?
            .already_exists)
    }

    /// Deletes `key`, or with `by_prefix` every key starting with it. Returns how many
    /// keys were deleted.
    pub fn kv_del(&self, key: &[u8], by_prefix: bool, namespace: Option<&str>) -> Result<usize> {
        let req = KvDelRequest {
            key: Bytes::copy_from_slice(key),
            del_by_prefix: by_prefix,
            namespace: ns(namespace),
        };
        let reply = self.driver_call("kv delete", true, move |mut s, c| {
            let req = c.request(req.clone());
            async move { s.kv_del(req).await }
        })?;
        Ok(deleted_count(&reply))
    }

    /// Every key starting with `prefix`.
    pub fn kv_list(&self, prefix: &[u8], namespace: Option<&str>) -> Result<Vec<Bytes>> {
        let req = KvListRequest {
            prefix: Bytes::copy_from_slice(prefix),
            namespace: ns(namespace),
        };
        Ok(self
            .driver_call("kv list", false, move |mut s, c| {
                let req = c.request(req.clone());
                async move { s.kv_list(req).await }
            })?
            .keys)
    }

    /// Whether `key` exists.
    pub fn kv_exists(&self, key: &[u8], namespace: Option<&str>) -> Result<bool> {
        let req = KvExistsRequest {
            key: Bytes::copy_from_slice(key),
            namespace: ns(namespace),
        };
        Ok(self
            .driver_call("kv exists", false, move |mut s, c| {
                let req = c.request(req.clone());
                async move { s.kv_exists(req).await }
            })?
            .exists)
    }
}

/// How many keys a delete reply says went; a negative count (a broken server) is none.
pub(crate) fn deleted_count(reply: &KvDelResponse) -> usize {
    usize::try_from(reply.deleted_num).unwrap_or(0)
}
