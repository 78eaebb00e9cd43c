//! The library's own diagnostics (src/diagnostics.rs): a connection that breaks and
//! recovers is said (WARN, then INFO), each connect's steps at DEBUG, never a token; the
//! events reach a handler and a tracing subscriber alike.
mod common;

use std::sync::{Arc, Mutex, MutexGuard};

use common::proxy::FaultProxy;
use ray_client::diagnostics::{self, Diagnostic, Level};
use ray_client::{Client, Value};

/// What the handler received: (level, target, message).
type Seen = Arc<Mutex<Vec<(Level, String, String)>>>;

/// The diagnostics sink is process-wide: one test at a time sets it.
static SINK: Mutex<()> = Mutex::new(());

fn collect(max: Level) -> (MutexGuard<'static, ()>, Seen) {
    let guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    let seen: Seen = Arc::default();
    let s = seen.clone();
    diagnostics::set_handler(
        Some(Arc::new(move |d: &Diagnostic<'_>| {
            s.lock()
                .unwrap()
                .push((d.level, d.target.to_owned(), d.message.to_owned()));
        })),
        Some(max),
    );
    (guard, seen)
}

fn has(seen: &Seen, level: Level, target: &str, needles: &[&str]) -> bool {
    seen.lock()
        .unwrap()
        .iter()
        .any(|(l, t, m)| *l == level && t == target && needles.iter().all(|n| m.contains(n)))
}

#[test]
fn a_broken_connection_is_said_and_so_is_its_recovery() {
    let (_guard, seen) = collect(Level::Info);
    let proxy = FaultProxy::start(&common::cluster().address);
    let mut options = common::options().reconnect_grace_period(std::time::Duration::from_secs(30));
    options.address = Some(proxy.address());
    let client = Client::connect_with(options).unwrap();
    let at = proxy.address().trim_start_matches("ray://").to_owned();
    assert!(proxy.cut_all() > 0);
    // The next call waits for the reconnection and succeeds.
    let r = client.put(Value::from(7)).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(7));
    // Said as Python's client logs it: the break (a warning) and the recovery.
    let broke = &["connection to", &at, "broke", "reconnecting"];
    assert!(
        has(&seen, Level::Warn, "ray_client::connection", broke),
        "{seen:?}"
    );
    while !has(
        &seen,
        Level::Info,
        "ray_client::connection",
        &["reconnected to", &at],
    ) {
        // The INFO comes from the I/O thread as the stream reopens, which the put's reply
        // may beat by a moment; no time limit.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // At INFO, no DEBUG detail.
    assert!(!seen
        .lock()
        .unwrap()
        .iter()
        .any(|(l, _, _)| *l > Level::Info));
    drop(client);
    diagnostics::set_handler(None, Some(Level::Warn));
}

#[test]
fn each_connects_steps_at_debug_and_never_the_token() {
    let (_guard, seen) = collect(Level::Trace);
    let token = format!("rc-secret-token-{}", std::process::id());
    let client = Client::connect_with(
        common::options()
            .header("x-rc-test", token.clone())
            .job_metadata("note", "diagnostics"),
    )
    .unwrap();
    let id = client.client_id().to_owned();
    let address = common::cluster()
        .address
        .trim_start_matches("ray://")
        .to_owned();
    let connecting = ["connecting to", &address, &id, "1 header(s)"];
    assert!(
        has(&seen, Level::Debug, "ray_client::connect", &connecting),
        "{seen:?}"
    );
    let version = client.server_info().ray_version.clone();
    let connected = ["connected to", &address, &id, "Ray", &version];
    assert!(
        has(&seen, Level::Debug, "ray_client::connect", &connected),
        "{seen:?}"
    );
    // A working_dir upload (or its reuse) is detail too.
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|(l, t, _)| *l == Level::Debug && t == "ray_client::runtime_env"),
        "{seen:?}"
    );
    // A header's value is never shown (nor a token: the security tests check that).
    assert!(!seen
        .lock()
        .unwrap()
        .iter()
        .any(|(_, _, m)| m.contains(&token)));
    drop(client);
    // Off: nothing more arrives.
    diagnostics::set_handler(None, None);
    let before = seen.lock().unwrap().len();
    Client::connect_with(common::options()).unwrap();
    assert_eq!(seen.lock().unwrap().len(), before);
    assert_eq!(diagnostics::max_level(), None);
    diagnostics::set_handler(None, Some(Level::Warn));
}

/// A minimal tracing subscriber keeping the events' targets and messages.
struct Events(Mutex<Vec<(String, String)>>);

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let target = event.metadata().target();
        if target.starts_with("ray_client::") {
            let mut m = Message(String::new());
            event.record(&mut m);
            self.0.lock().unwrap().push((target.to_owned(), m.0));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn the_same_events_reach_a_tracing_subscriber() {
    let _guard = SINK.lock().unwrap_or_else(|e| e.into_inner());
    static EVENTS: std::sync::OnceLock<&'static Events> = std::sync::OnceLock::new();
    let events = *EVENTS.get_or_init(|| {
        let e: &'static Events = Box::leak(Box::new(Events(Mutex::new(Vec::new()))));
        tracing::subscriber::set_global_default(TracingRef(e)).unwrap();
        e
    });
    let client = Client::connect_with(common::options()).unwrap();
    let id = client.client_id().to_owned();
    let got = events.0.lock().unwrap().clone();
    assert!(
        got.iter().any(|(t, m)| t == "ray_client::connect"
            && m.contains("connected to")
            && m.contains(&id)),
        "{got:?}"
    );
}

/// `set_global_default` takes the subscriber by value; this one is shared with the test.
struct TracingRef(&'static Events);

impl tracing::Subscriber for TracingRef {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        self.0.enabled(m)
    }
    fn new_span(&self, a: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.0.new_span(a)
    }
    fn record(&self, s: &tracing::span::Id, r: &tracing::span::Record<'_>) {
        self.0.record(s, r)
    }
    fn record_follows_from(&self, s: &tracing::span::Id, f: &tracing::span::Id) {
        self.0.record_follows_from(s, f)
    }
    fn event(&self, e: &tracing::Event<'_>) {
        self.0.event(e)
    }
    fn enter(&self, s: &tracing::span::Id) {
        self.0.enter(s)
    }
    fn exit(&self, s: &tracing::span::Id) {
        self.0.exit(s)
    }
}
