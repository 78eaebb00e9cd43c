//! A fault-injecting TCP proxy for the reliability tests: it sits between a client and
//! the real Ray client server and, on command, cuts every live connection, refuses new
//! ones (a network partition), drops connections that stay silent for too long (like
//! a NAT or load balancer with an idle timeout), or slows what clients send (a slow
//! uplink).
//!
//! Plain threads and blocking sockets: it must keep working while the library's own
//! runtime is the thing under test.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

struct Link {
    client: TcpStream,
    server: TcpStream,
    /// Milliseconds since the proxy started, of the last byte moved either way.
    last_activity: Arc<AtomicU64>,
}

impl Link {
    fn cut(&self) {
        self.client.shutdown(Shutdown::Both).ok();
        self.server.shutdown(Shutdown::Both).ok();
    }
}

struct State {
    upstream: Mutex<SocketAddr>,
    started: Instant,
    links: Mutex<HashMap<u64, Link>>,
    next_link: AtomicU64,
    refusing: AtomicBool,
    idle_timeout_ms: AtomicU64,
    /// Bytes per second a connection may carry from the client (0: no limit).
    upload_rate: AtomicU64,
    /// Bytes moved from clients to the server, over every connection.
    uploaded: AtomicU64,
    cuts: AtomicUsize,
    idle_cuts: AtomicUsize,
    accepted: AtomicUsize,
    stopped: AtomicBool,
}

impl State {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// A running proxy; stops (and cuts everything) when dropped.
pub struct FaultProxy {
    state: Arc<State>,
    listen: SocketAddr,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port`, or a
    /// `ray://host:port` address).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_start_matches("ray://");
        let upstream: SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(upstream)
            .expect("resolving the proxy upstream")
            .next()
            .expect("an upstream address");
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let listen = listener.local_addr().unwrap();
        let state = Arc::new(State {
            upstream: Mutex::new(upstream),
            started: Instant::now(),
            links: Mutex::new(HashMap::new()),
            next_link: AtomicU64::new(0),
            refusing: AtomicBool::new(false),
            idle_timeout_ms: AtomicU64::new(0),
            upload_rate: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
            cuts: AtomicUsize::new(0),
            idle_cuts: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
        });
        let s = state.clone();
        thread::spawn(move || accept_loop(listener, s));
        let s = state.clone();
        thread::spawn(move || idle_reaper(s));
        FaultProxy { state, listen }
    }

    /// The address clients should dial: `ray://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("ray://{}", self.listen)
    }

    /// Cuts every live connection at once (both sides see the stream end). Returns how
    /// many were cut.
    pub fn cut_all(&self) -> usize {
        let links: Vec<Link> = self
            .state
            .links
            .lock()
            .unwrap()
            .drain()
            .map(|(_, l)| l)
            .collect();
        for l in &links {
            l.cut();
        }
        if !links.is_empty() {
            self.state.cuts.fetch_add(1, Ordering::SeqCst);
        }
        links.len()
    }

    /// While refusing, new connections are accepted and closed at once, as if the
    /// server were unreachable.
    pub fn set_refusing(&self, refusing: bool) {
        self.state.refusing.store(refusing, Ordering::SeqCst);
    }

    /// New connections go to `upstream` from now on (a restarted head node looks like
    /// this to a client: same address, a server that never heard of it).
    pub fn set_upstream(&self, upstream: &str) {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(upstream.trim_start_matches("ray://"))
            .expect("resolving the proxy upstream")
            .next()
            .expect("an upstream address");
        *self.state.upstream.lock().unwrap() = addr;
    }

    /// Connections with no byte moved in either direction for `timeout` are cut.
    pub fn set_idle_timeout(&self, timeout: Option<Duration>) {
        self.state.idle_timeout_ms.store(
            timeout.map_or(0, |t| t.as_millis() as u64),
            Ordering::SeqCst,
        );
    }

    /// Each connection carries at most `bytes_per_second` from the client to the server
    /// from now on (None: as fast as it goes).
    pub fn set_upload_rate(&self, bytes_per_second: Option<u64>) {
        self.state
            .upload_rate
            .store(bytes_per_second.unwrap_or(0), Ordering::SeqCst);
    }

    /// Bytes moved from clients to the server so far, over every connection.
    pub fn uploaded(&self) -> u64 {
        self.state.uploaded.load(Ordering::SeqCst)
    }

    /// How many times `cut_all` cut at least one connection.
    pub fn cuts(&self) -> usize {
        self.state.cuts.load(Ordering::SeqCst)
    }

    /// How many connections the idle timeout cut.
    pub fn idle_cuts(&self) -> usize {
        self.state.idle_cuts.load(Ordering::SeqCst)
    }

    /// How many connections were accepted and forwarded.
    pub fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Connections open right now.
    pub fn live(&self) -> usize {
        self.state.links.lock().unwrap().len()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stopped.store(true, Ordering::SeqCst);
        self.cut_all();
        // Wake the accept loop so it sees `stopped`.
        TcpStream::connect(self.listen).ok();
    }
}

fn accept_loop(listener: TcpListener, state: Arc<State>) {
    for conn in listener.incoming() {
        if state.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = conn else { continue };
        if state.refusing.load(Ordering::SeqCst) {
            client.shutdown(Shutdown::Both).ok();
            continue;
        }
        let upstream = *state.upstream.lock().unwrap();
        let Ok(server) = TcpStream::connect(upstream) else {
            client.shutdown(Shutdown::Both).ok();
            continue;
        };
        client.set_nodelay(true).ok();
        server.set_nodelay(true).ok();
        state.accepted.fetch_add(1, Ordering::SeqCst);
        let id = state.next_link.fetch_add(1, Ordering::SeqCst);
        let last_activity = Arc::new(AtomicU64::new(state.now_ms()));
        let link = Link {
            client: client.try_clone().unwrap(),
            server: server.try_clone().unwrap(),
            last_activity: last_activity.clone(),
        };
        state.links.lock().unwrap().insert(id, link);
        for (from, to, upload) in [
            (
                client.try_clone().unwrap(),
                server.try_clone().unwrap(),
                true,
            ),
            (server, client, false),
        ] {
            let state = state.clone();
            let last_activity = last_activity.clone();
            thread::spawn(move || pump(from, to, upload, &state, id, &last_activity));
        }
    }
}

/// Copies one direction until either side ends, then ends the whole link. The upload
/// direction keeps under the upload rate: after each read it sleeps as long as those
/// bytes take at that rate.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    upload: bool,
    state: &State,
    id: u64,
    last: &AtomicU64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                last.store(state.now_ms(), Ordering::Relaxed);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                if upload {
                    state.uploaded.fetch_add(n as u64, Ordering::SeqCst);
                }
                let rate = state.upload_rate.load(Ordering::Relaxed);
                if upload && rate > 0 {
                    thread::sleep(Duration::from_secs_f64(n as f64 / rate as f64));
                }
            }
        }
    }
    if let Some(link) = state.links.lock().unwrap().remove(&id) {
        link.cut();
    }
    from.shutdown(Shutdown::Both).ok();
    to.shutdown(Shutdown::Both).ok();
}

fn idle_reaper(state: Arc<State>) {
    while !state.stopped.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
        let timeout = state.idle_timeout_ms.load(Ordering::SeqCst);
        if timeout == 0 {
            continue;
        }
        let now = state.now_ms();
        let mut links = state.links.lock().unwrap();
        let idle: Vec<u64> = links
            .iter()
            .filter(|(_, l)| now.saturating_sub(l.last_activity.load(Ordering::Relaxed)) > timeout)
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            if let Some(l) = links.remove(&id) {
                l.cut();
                state.idle_cuts.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}
