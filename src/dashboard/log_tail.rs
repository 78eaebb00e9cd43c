//! Following a job's log: the dashboard's `/api/jobs/<id>/logs/tail` websocket, which
//! sends the log from its start as text messages and closes when the job is over.
//!
//! A task on the I/O thread reads the websocket into a bounded queue; the caller takes
//! chunks from it, blocking ([`Iterator`]) or awaiting ([`LogTail::recv`]). While the
//! queue is full the task stops reading, so a slow reader holds at most
//! [`QUEUED_CHUNKS`] chunks and the rest waits in the socket. Dropping the tail closes
//! the websocket (the job goes on).
//!
//! A stream that breaks before the job ended (the dashboard restarted, a proxy dropped
//! it) is opened again for as long as one dashboard request may take
//! ([`DashboardOptions::timeout`](super::DashboardOptions::timeout)); the log comes
//! from its start again, and what was already delivered is skipped.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

use super::Dashboard;
use crate::error::{Error, ErrorKind, Result};
use crate::runtime;

/// Chunks read ahead of the caller at most.
pub const QUEUED_CHUNKS: usize = 64;

/// The pause between attempts to open a broken log again.
const REOPEN_PAUSE: Duration = Duration::from_secs(1);

/// A job's log as it is written. Iterate it (each item a chunk of text, usually whole
/// lines) until it ends with the job; an error item ends it early (the dashboard went
/// away). `Send`, not shared: one reader.
pub struct LogTail {
    chunks: mpsc::Receiver<Result<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LogTail {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LogTail {
    pub(super) fn open(dashboard: &Dashboard, path: &str) -> Result<LogTail> {
        let inner = &dashboard.inner;
        let socket = Socket {
            url: format!("{}{path}", inner.url.replacen("http", "ws", 1)),
            base: inner.url.clone(),
            headers: inner.headers.clone(),
            tls: inner.tls.clone(),
            timeout: inner.timeout,
        };
        let first = {
            let socket = socket.clone();
            runtime::block_on(async move { socket.connect().await })?
        };
        let (tx, chunks) = mpsc::channel(QUEUED_CHUNKS);
        let task = runtime::spawn(socket.follow(first, tx));
        Ok(LogTail { chunks, task })
    }

    /// The next chunk, awaited; `None` once the log ended.
    pub async fn recv(&mut self) -> Option<Result<String>> {
        self.chunks.recv().await
    }
}

impl Iterator for LogTail {
    type Item = Result<String>;

    /// The next chunk, blocking; `None` once the log ended. Works from any thread but
    /// the library's I/O thread, also one running another async executor (tokio's own
    /// `blocking_recv` would panic there), as every blocking call of this library does.
    fn next(&mut self) -> Option<Result<String>> {
        if runtime::on_runtime_thread() {
            return Some(Err(Error::invalid(
                "a job's log was read, blocking, on the client's I/O thread; use recv().await",
            )));
        }
        futures::executor::block_on(self.chunks.recv())
    }
}

/// Where a job's log is followed; opened again after a dashboard restart.
#[derive(Clone)]
struct Socket {
    url: String,
    /// The dashboard's base URL, for errors.
    base: String,
    headers: reqwest::header::HeaderMap,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// How long one opening may take, and how long a lost log is tried again.
    timeout: Duration,
}

type WebSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Socket {
    async fn connect(&self) -> Result<WebSocket> {
        let mut request = self
            .url
            .as_str()
            .into_client_request()
            .map_err(|e| Error::invalid(format!("the log address {}: {e}", self.url)))?;
        for (name, value) in &self.headers {
            request.headers_mut().append(name.clone(), value.clone());
        }
        let connector = self.tls.clone().map(Connector::Rustls);
        let connect =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, connector);
        match tokio::time::timeout(self.timeout, connect).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(e)) => Err(Error::new(
                ErrorKind::ConnectionFailed,
                format!("could not follow the job's log at {}: {e}", self.base),
            )),
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "the Ray dashboard at {} did not open the job's log in time",
                    self.base
                ),
            )),
        }
    }

    /// Reads the log into `tx` until it ends. When the stream breaks before that (the
    /// dashboard restarted), opens it again for up to `timeout`: each opening sends the
    /// log from its start, so the bytes already delivered are skipped and the reader sees
    /// every byte once, in order.
    async fn follow(self, mut socket: WebSocket, tx: mpsc::Sender<Result<String>>) {
        let mut delivered = 0usize;
        loop {
            // Bytes of this opening's stream so far.
            let mut seen = 0usize;
            let broken = loop {
                let text = match socket.next().await {
                    Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(data))) => data.to_vec(),
                    Some(Ok(Message::Close(Some(frame)))) if frame.code != CloseCode::Normal => {
                        break format!("closed with {}", frame.code)
                    }
                    Some(Ok(Message::Close(_))) | None => return,
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => break e.to_string(),
                };
                let skip = delivered.saturating_sub(seen).min(text.len());
                seen += text.len();
                if skip == text.len() {
                    continue;
                }
                delivered = seen;
                let fresh = String::from_utf8_lossy(&text[skip..]).into_owned();
                if tx.send(Ok(fresh)).await.is_err() {
                    return;
                }
            };
            match self.reopen(&tx).await {
                Some(again) => socket = again,
                None => {
                    let why = format!(
                        "{broken} (and it did not open again within {} s)",
                        self.timeout.as_secs()
                    );
                    let _ = tx.send(Err(lost(&self.base, &why))).await;
                    return;
                }
            }
        }
    }

    /// A new opening once the dashboard answers again, within `timeout`; `None` when it
    /// does not, or when the reader went away meanwhile.
    async fn reopen(&self, tx: &mpsc::Sender<Result<String>>) -> Option<WebSocket> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        while tokio::time::Instant::now() < deadline && !tx.is_closed() {
            tokio::time::sleep(REOPEN_PAUSE).await;
            if let Ok(socket) = self.connect().await {
                return Some(socket);
            }
        }
        None
    }
}

fn lost(base: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::ConnectionLost,
        format!("following the job's log at {base} stopped before the job ended: {why}"),
    )
}

/// The TLS settings of the websocket to an `https` dashboard: the CA file's certificates
/// (`roots`) when one was given, else the system's; or none checked at all (`insecure`).
pub(super) fn websocket_tls(
    roots: rustls::RootCertStore,
    custom_ca: bool,
    insecure: bool,
) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = roots;
        if !custom_ca {
            for cert in rustls_native_certs::load_native_certs().certs {
                roots.add(cert).ok();
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Arc::new(config)
}

/// Python's `verify=False`: any certificate, but still a valid signature with it.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
