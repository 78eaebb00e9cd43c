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
        match self.cluster_info(kind)?.response_type {
            Some(cluster_info_response::ResponseType::ResourceTable(t)) => {
                Ok(t.table.into_iter().collect())
            }
            _ => Err(Error::protocol("cluster info reply has no resource table")),
        }
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
}

impl Client {
    /// The job's runtime context (job id, namespace, runtime env, ...).
    pub fn runtime_context(&self) -> Result<RuntimeContext> {
        match self.cluster_info(TypeEnum::RuntimeContext)?.response_type {
            Some(cluster_info_response::ResponseType::RuntimeContext(c)) => Ok(RuntimeContext {
                job_id: crate::objects::hex(&c.job_id),
                node_id: crate::objects::hex(&c.node_id),
                namespace: c.namespace,
                runtime_env: c.runtime_env,
                gcs_address: c.gcs_address,
                session_name: c.session_name,
            }),
            _ => Err(Error::protocol("cluster info reply has no runtime context")),
        }
    }
}

impl Client {
    fn cluster_json(&self, kind: TypeEnum) -> Result<Value> {
        match self.cluster_info(kind)?.response_type {
            Some(cluster_info_response::ResponseType::Json(text)) => crate::json::from_json(&text)
                .map_err(|e| Error::protocol(format!("cluster info sent bad JSON: {e}"))),
            _ => Err(Error::protocol("cluster info reply has no JSON")),
        }
    }

    /// The cluster's nodes (`ray.nodes()`): one dict per node with `NodeID`, `Alive`,
    /// `NodeManagerAddress`, `Resources`, `Labels`, ...
    pub fn nodes(&self) -> Result<Vec<Value>> {
        match self.cluster_json(TypeEnum::Nodes)? {
            Value::List(nodes) => Ok(nodes),
            other => Err(Error::protocol(format!(
                "nodes reply is {}",
                other.type_name()
            ))),
        }
    }

    /// Whether Ray is initialized on the client's server (`ray.is_initialized()`).
    pub fn is_initialized(&self) -> Result<bool> {
        match self.cluster_json(TypeEnum::IsInitialized)? {
            Value::Bool(b) => Ok(b),
            other => Err(Error::protocol(format!(
                "is_initialized reply is {other:?}"
            ))),
        }
    }

    /// The dashboard's URL (empty when the cluster runs without a dashboard).
    pub fn dashboard_url(&self) -> Result<String> {
        let v = self.cluster_json(TypeEnum::DashboardUrl)?;
        Ok(v.get_str("dashboard_url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// Asks the server whether it is there.
    pub fn ping(&self) -> Result<()> {
        self.cluster_json(TypeEnum::Ping).map(|_| ())
    }
}
