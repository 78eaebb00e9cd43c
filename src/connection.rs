//! The gRPC channel to one Ray client server, the per-client metadata every call carries,
//! and the "is anybody there" handshake that precedes the Datapath stream.

use std::time::{Duration, Instant};

use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use tonic::transport::{Channel, Endpoint};
use tonic::Request;

use crate::address::Address;
use crate::error::{Error, ErrorKind, Result};
use crate::proto::raylet_data_streamer_client::RayletDataStreamerClient;
use crate::proto::raylet_driver_client::RayletDriverClient;
use crate::proto::{cluster_info_type, ClusterInfoRequest};

/// Python's GRPC_MAX_MESSAGE_SIZE: 2 GiB - 1 in both directions.
pub const MAX_MESSAGE_SIZE: usize = (2 * 1024 * 1024 * 1024) - 1;

/// Python's keepalive: a ping every 30 s, even without calls, and a long timeout so a slow
/// link does not kill the connection.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(600);

/// One channel to one server, tagged with this client's id.
#[derive(Clone)]
pub(crate) struct Connection {
    address: Address,
    client_id: String,
    channel: Channel,
}

impl Connection {
    /// Dials `address` and pings the server until it answers or `timeout` passes.
    pub(crate) async fn open(
        address: Address,
        client_id: String,
        timeout: Duration,
    ) -> Result<Self> {
        let start = Instant::now();
        let endpoint = Endpoint::from_shared(address.uri())
            .map_err(|e| Error::invalid(format!("bad cluster address {address}: {e}")))?
            .tcp_nodelay(true)
            .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
            .keep_alive_timeout(KEEPALIVE_TIMEOUT)
            .keep_alive_while_idle(true)
            // Large windows keep multi-MiB chunks flowing without waiting for updates.
            .initial_stream_window_size(Some(16 * 1024 * 1024))
            .initial_connection_window_size(Some(64 * 1024 * 1024));
        let mut delay = Duration::from_millis(100);
        loop {
            let remaining = timeout.saturating_sub(start.elapsed());
            let attempt = async {
                let channel = endpoint
                    .clone()
                    .connect_timeout(remaining.max(Duration::from_millis(1)))
                    .connect()
                    .await
                    .map_err(|e| describe_transport_error(&e))?;
                let conn = Connection {
                    address: address.clone(),
                    client_id: client_id.clone(),
                    channel,
                };
                conn.ping().await?;
                Ok::<_, String>(conn)
            };
            let last_error = match tokio::time::timeout(remaining, attempt).await {
                Ok(Ok(conn)) => return Ok(conn),
                Ok(Err(e)) => e,
                Err(_) => "timed out".to_owned(),
            };
            let elapsed = start.elapsed();
            if elapsed + delay >= timeout {
                return Err(Error::new(
                    ErrorKind::ConnectionFailed,
                    format!(
                        "could not reach the Ray client server at {address} within {:.1} s: {last_error}",
                        timeout.as_secs_f64()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    async fn ping(&self) -> std::result::Result<(), String> {
        let req = self.request(ClusterInfoRequest {
            r#type: cluster_info_type::TypeEnum::Ping as i32,
        });
        self.driver_stub()
            .cluster_info(req)
            .await
            .map(|_| ())
            .map_err(|s| format!("ping failed: {} ({:?})", s.message(), s.code()))
    }

    pub(crate) fn address(&self) -> &Address {
        &self.address
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A request carrying this client's metadata.
    pub(crate) fn request<T>(&self, msg: T) -> Request<T> {
        let mut req = Request::new(msg);
        self.add_metadata(req.metadata_mut());
        req
    }

    /// A Datapath request: the client metadata plus `reconnecting`.
    pub(crate) fn request_with<T>(&self, msg: T, reconnecting: bool) -> Request<T> {
        let mut req = self.request(msg);
        req.metadata_mut().insert(
            "reconnecting",
            AsciiMetadataValue::from_static(if reconnecting { "True" } else { "False" }),
        );
        req
    }

    fn add_metadata(&self, md: &mut MetadataMap) {
        // The client id is 32 hex characters, always valid ASCII metadata.
        md.insert(
            "client_id",
            AsciiMetadataValue::try_from(self.client_id.as_str()).expect("hex client id"),
        );
    }

    pub(crate) fn channel(&self) -> Channel {
        self.channel.clone()
    }

    pub(crate) fn driver_stub(&self) -> RayletDriverClient<Channel> {
        RayletDriverClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    pub(crate) fn data_stub(&self) -> RayletDataStreamerClient<Channel> {
        RayletDataStreamerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }
}

/// tonic's transport errors hide the useful part (connection refused, DNS) in sources.
fn describe_transport_error(e: &tonic::transport::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Maps a failed unary call to an error naming the call and the address.
pub(crate) fn status_error(call: &str, address: &Address, status: &tonic::Status) -> Error {
    use tonic::Code;
    let kind = match status.code() {
        Code::Unavailable | Code::Cancelled | Code::Aborted => ErrorKind::ConnectionLost,
        Code::DeadlineExceeded => ErrorKind::Timeout,
        Code::InvalidArgument | Code::NotFound => ErrorKind::InvalidArgument,
        _ => ErrorKind::ServerError,
    };
    Error::new(
        kind,
        format!(
            "{call} to {address} failed: {} ({:?})",
            status.message(),
            status.code()
        ),
    )
}
