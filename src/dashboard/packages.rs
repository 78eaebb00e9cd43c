//! A job's local `working_dir` and `py_modules`, uploaded through the dashboard's package
//! endpoint as Python's `JobSubmissionClient` does (`_upload_working_dir_if_needed`):
//! the same zip and content-hash name as for the client port (src/runtime_env.rs), asked
//! for with `GET /api/packages/gcs/<name>` and sent with `PUT` only when missing.

use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde_json::Value as Json;

use super::jobs::{UploadProgress, UploadProgressFn};
use super::{check_status, Dashboard};
use crate::error::{Error, Result};
use crate::runtime_env::LocalPackages;

/// Piece size of an upload, so that progress is told as it goes.
const PIECE: usize = 1 << 20;

/// `env` with its local paths uploaded and replaced by their URIs.
pub(super) fn upload_local(
    dashboard: &Dashboard,
    env: &Json,
    progress: Option<UploadProgressFn>,
) -> Result<Json> {
    let value =
        crate::json::from_json(&env.to_string()).map_err(|e| e.context("a job's runtime_env"))?;
    let planned = LocalPackages::plan(&value)?;
    for package in &planned.packages {
        let path = package_path(&package.uri)?;
        let (status, body) =
            dashboard
                .inner
                .send(Method::GET, &path, &[], None, Some(dashboard.inner.timeout))?;
        match status {
            StatusCode::OK => continue,
            StatusCode::NOT_FOUND => {}
            _ => check_status(status, &body, &dashboard.inner.url, &path)?,
        }
        let data = Bytes::from(planned.build(package)?);
        let body = progress_body(
            data,
            package.uri.clone(),
            package.what.clone(),
            progress.clone(),
        );
        let body = Some((body, "application/octet-stream"));
        let (status, reply) = dashboard.inner.send(Method::PUT, &path, &[], body, None)?;
        check_status(status, &reply, &dashboard.inner.url, &path)
            .map_err(|e| e.context(format!("uploading {} as {}", package.what, package.uri)))?;
    }
    let text = crate::json::to_json(&planned.env)?;
    serde_json::from_str(&text)
        .map_err(|e| Error::internal(format!("re-reading a runtime_env: {e}")))
}

/// `/api/packages/<protocol>/<name>` for `gcs://<name>` (Python's `uri_to_http_components`).
fn package_path(uri: &str) -> Result<String> {
    let (protocol, name) = uri
        .split_once("://")
        .ok_or_else(|| Error::internal(format!("a package URI without a protocol: {uri}")))?;
    Ok(format!("/api/packages/{protocol}/{name}"))
}

/// The upload's body in pieces, telling `progress` after each.
fn progress_body(
    data: Bytes,
    uri: String,
    what: String,
    progress: Option<UploadProgressFn>,
) -> reqwest::Body {
    let Some(progress) = progress else {
        return reqwest::Body::from(data);
    };
    let total = data.len() as u64;
    let pieces: Vec<Bytes> = (0..data.len().max(1))
        .step_by(PIECE)
        .map(|at| data.slice(at..(at + PIECE).min(data.len())))
        .collect();
    let mut sent = 0u64;
    let stream = futures::stream::iter(pieces.into_iter().map(move |piece| {
        sent += piece.len() as u64;
        progress(&UploadProgress {
            uri: uri.clone(),
            what: what.clone(),
            sent,
            total,
        });
        Ok::<Bytes, std::io::Error>(piece)
    }));
    reqwest::Body::wrap_stream(stream)
}
