//! Cluster information over the unary `ClusterInfo` call.

use std::collections::BTreeMap;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::proto::{
    cluster_info_response, cluster_info_type::TypeEnum, ClusterInfoRequest, ClusterInfoResponse,
};
use crate::value::Value;

impl Client {
    /// Total resources of the cluster (`ray.cluster_resources()`), e.g. `CPU`, `memory`.
    pub fn cluster_resources(&self) -> Result<BTreeMap<String, f64>> {
        self.resource_table(TypeEnum::ClusterResources)
    }

    /// Resources not in use right now (`ray.available_resources()`).
    pub fn available_resources(&self) -> Result<BTreeMap<String, f64>> {
        self.resource_table(TypeEnum::AvailableResources)
    }

    fn resource_table(&self, kind: TypeEnum) -> Result<BTreeMap<String, f64>> {
        resource_table(self.cluster_info(kind)?)
    }

    pub(crate) fn cluster_info(&self, kind: TypeEnum) -> Result<ClusterInfoResponse> {
        self.driver_call("cluster info", false, move |mut stub, meta| {
            let req = meta.request(ClusterInfoRequest {
                r#type: kind as i32,
            });
            async move { stub.cluster_info(req).await }
        })
    }
}

/// What `ray.get_runtime_context()` says on the client's server process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeContext {
    /// Hex job id.
    pub job_id: String,
    /// Hex node id of the node that runs this client's server.
    pub node_id: String,
    pub namespace: String,
    /// The job's runtime environment as JSON text.
    pub runtime_env: String,
    pub gcs_address: String,
    pub session_name: String,
    /// Hex id of the worker (the driver of this client's server) whose context this is
    /// (Python's `get_worker_id()`); `None` from releases that do not send it (2.55 and
    /// earlier).
    pub worker_id: Option<String>,
}

impl Client {
    /// The job's runtime context (job id, namespace, runtime env, ...).
    pub fn runtime_context(&self) -> Result<RuntimeContext> {
        let mut context = runtime_context(self.cluster_info(TypeEnum::RuntimeContext)?)?;
        if !self.capabilities().runtime_context_session_name {
            // Releases before the reply carried it: where the cluster keeps it, as
            // Ray's own nodes read it at start.
            let name = self.kv_get(b"session_name", Some("session"))?;
            context.session_name = String::from_utf8_lossy(&name.unwrap_or_default()).into();
        }
        Ok(context)
    }
}

impl Client {
    fn cluster_json(&self, kind: TypeEnum) -> Result<Value> {
        cluster_json(self.cluster_info(kind)?)
    }

    /// The cluster's nodes (`ray.nodes()`): one dict per node with `NodeID`, `Alive`,
    /// `NodeManagerAddress`, `Resources`, `Labels`, ...
    pub fn nodes(&self) -> Result<Vec<Value>> {
        nodes(self.cluster_json(TypeEnum::Nodes)?)
    }

    /// The cluster's task timeline (`ray.timeline()`): Chrome tracing events (dicts with
    /// `cat`, `name`, `pid`, `tid`, `ts`, `dur`, `ph`, ...), for `chrome://tracing` or
    /// Perfetto once written out as a JSON array.
    pub fn timeline(&self) -> Result<Vec<Value>> {
        list_reply(self.cluster_json(TypeEnum::Timeline)?, "timeline")
    }

    /// Whether Ray is initialized on the client's server (`ray.is_initialized()`).
    pub fn is_initialized(&self) -> Result<bool> {
        is_initialized(self.cluster_json(TypeEnum::IsInitialized)?)
    }

    /// The dashboard's URL (empty when the cluster runs without a dashboard).
    pub fn dashboard_url(&self) -> Result<String> {
        Ok(dashboard_url(&self.cluster_json(TypeEnum::DashboardUrl)?))
    }

    /// Asks the server whether it is there.
    pub fn ping(&self) -> Result<()> {
        self.cluster_json(TypeEnum::Ping).map(|_| ())
    }
}

// The readers of ClusterInfo replies, apart from the calls so they can be checked
// against hostile replies without a server.

/// Resource name to amount, from a cluster or available resources reply.
pub(crate) fn resource_table(reply: ClusterInfoResponse) -> Result<BTreeMap<String, f64>> {
    match reply.response_type {
        Some(cluster_info_response::ResponseType::ResourceTable(t)) => {
            Ok(t.table.into_iter().collect())
        }
        _ => Err(Error::protocol("cluster info reply has no resource table")),
    }
}

pub(crate) fn runtime_context(reply: ClusterInfoResponse) -> Result<RuntimeContext> {
    match reply.response_type {
        Some(cluster_info_response::ResponseType::RuntimeContext(c)) => Ok(RuntimeContext {
            job_id: crate::hex::hex(&c.job_id),
            node_id: crate::hex::hex(&c.node_id),
            namespace: c.namespace,
            runtime_env: c.runtime_env,
            gcs_address: c.gcs_address,
            session_name: c.session_name,
            worker_id: (!c.worker_id.is_empty()).then(|| crate::hex::hex(&c.worker_id)),
        }),
        _ => Err(Error::protocol("cluster info reply has no runtime context")),
    }
}

/// The JSON value of a nodes, is_initialized, dashboard_url or ping reply.
pub(crate) fn cluster_json(reply: ClusterInfoResponse) -> Result<Value> {
    match reply.response_type {
        Some(cluster_info_response::ResponseType::Json(text)) => crate::json::from_json(&text)
            .map_err(|e| Error::protocol(format!("cluster info sent bad JSON: {e}"))),
        _ => Err(Error::protocol("cluster info reply has no JSON")),
    }
}

pub(crate) fn nodes(json: Value) -> Result<Vec<Value>> {
    list_reply(json, "nodes")
}

/// The list a `what` reply must be.
pub(crate) fn list_reply(json: Value, what: &str) -> Result<Vec<Value>> {
    match json {
        Value::List(items) => Ok(items),
        other => Err(Error::protocol(format!(
            "{what} reply is {}",
            other.type_name()
        ))),
    }
}

pub(crate) fn is_initialized(json: Value) -> Result<bool> {
    match json {
        Value::Bool(b) => Ok(b),
        other => Err(Error::protocol(format!(
            "is_initialized reply is {other:?}"
        ))),
    }
}

pub(crate) fn dashboard_url(json: &Value) -> String {
    json.get_str("dashboard_url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
