//! The cluster's internal key-value store (`ray.experimental.internal_kv`), over the
//! unary KV calls. Keys and values are bytes; every call takes an optional namespace.

use std::future::Future;

use bytes::Bytes;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

use crate::client::Client;
use crate::error::Result;
use crate::proto::raylet_driver_client::RayletDriverClient;
use crate::proto::{
    KvDelRequest, KvDelResponse, KvExistsRequest, KvGetRequest, KvListRequest, KvPutRequest,
};

fn ns(namespace: Option<&str>) -> Option<Bytes> {
    namespace.map(|n| Bytes::copy_from_slice(n.as_bytes()))
}

impl Client {
    /// One KV call: `send` sends `req` (again on a retry) with this client's metadata.
    fn kv_call<Req, T, F>(
        &self,
        call: &'static str,
        idempotent: bool,
        req: Req,
        send: impl Fn(RayletDriverClient<Channel>, Request<Req>) -> F + Send + 'static,
    ) -> Result<T>
    where
        Req: Clone + Send + 'static,
        F: Future<Output = std::result::Result<Response<T>, Status>> + Send,
        T: Send + 'static,
    {
        self.driver_call(call, idempotent, move |stub, meta| {
            send(stub, meta.request(req.clone()))
        })
    }

    /// The value stored under `key`, or `None`.
    pub fn kv_get(&self, key: &[u8], namespace: Option<&str>) -> Result<Option<Bytes>> {
        let req = KvGetRequest {
            key: Bytes::copy_from_slice(key),
            namespace: ns(namespace),
        };
        let reply = self.kv_call("kv get", false, req, |mut s, req| async move {
            s.kv_get(req).await
        })?;
        Ok(reply.value)
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
        let reply = self.kv_call("kv put", true, req, |mut s, req| async move {
            s.kv_put(req).await
        })?;
        Ok(reply.already_exists)
    }

    /// Deletes `key`, or with `by_prefix` every key starting with it. Returns how many
    /// keys were deleted.
    pub fn kv_del(&self, key: &[u8], by_prefix: bool, namespace: Option<&str>) -> Result<usize> {
        let req = KvDelRequest {
            key: Bytes::copy_from_slice(key),
            del_by_prefix: by_prefix,
            namespace: ns(namespace),
        };
        let reply = self.kv_call("kv delete", true, req, |mut s, req| async move {
            s.kv_del(req).await
        })?;
        Ok(deleted_count(&reply))
    }

    /// Every key starting with `prefix`.
    pub fn kv_list(&self, prefix: &[u8], namespace: Option<&str>) -> Result<Vec<Bytes>> {
        let req = KvListRequest {
            prefix: Bytes::copy_from_slice(prefix),
            namespace: ns(namespace),
        };
        let reply = self.kv_call("kv list", false, req, |mut s, req| async move {
            s.kv_list(req).await
        })?;
        Ok(reply.keys)
    }

    /// Whether `key` exists.
    pub fn kv_exists(&self, key: &[u8], namespace: Option<&str>) -> Result<bool> {
        let req = KvExistsRequest {
            key: Bytes::copy_from_slice(key),
            namespace: ns(namespace),
        };
        let reply = self.kv_call("kv exists", false, req, |mut s, req| async move {
            s.kv_exists(req).await
        })?;
        Ok(reply.exists)
    }
}

/// How many keys a delete reply says went; a negative count (a broken server) is none.
pub(crate) fn deleted_count(reply: &KvDelResponse) -> usize {
    usize::try_from(reply.deleted_num).unwrap_or(0)
}
