//! What differs between the Ray releases this client talks to, in one place: the
//! support policy (which versions connect, with or without a warning, and which are
//! refused) and a [`Capabilities`] record per server version, chosen at connect from the
//! version the server reports. Code that behaves differently on some releases reads a
//! field of the record; nothing else compares version numbers.
//!
//! The facts below were read from the `ray` wheels on PyPI (the compiled
//! `ray_client_pb2` descriptors, `ray/exceptions.py`, `ray/_private/authentication/`) of
//! every release from 2.8 to 2.60, and checked on real clusters (docs/MATRIX.md).

use std::fmt;

use crate::error::{Error, ErrorKind, Result};
use crate::logs::{LogHandler, LogRecord};

/// The oldest Ray release this client supports (`major.minor`, any patch).
pub const OLDEST_SUPPORTED_RAY: RayVersion = RayVersion::new(2, 9, 0);
/// The newest Ray release this client was tested against (`major.minor`, any patch).
/// Newer 2.x releases connect with a warning.
pub const NEWEST_TESTED_RAY: RayVersion = RayVersion::new(2, 60, 0);

/// A Ray release number, `major.minor.patch`; pre-release and development suffixes
/// (`2.61.0rc1`, `3.0.0.dev0`) are read as their release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RayVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl RayVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        RayVersion {
            major,
            minor,
            patch,
        }
    }

    /// Reads `2.9.3`, `2.60`, `2.61.0rc1` or `3.0.0.dev0`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '.');
        let number = |s: &str| -> Option<u32> {
            let digits: &str = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
            digits.parse().ok()
        };
        let major: u32 = parts.next()?.parse().ok()?;
        let minor = number(parts.next()?)?;
        // `2.61rc1` has no patch number; `2.9.3` and `2.9.3.post1` have one.
        let patch = parts.next().and_then(number).unwrap_or(0);
        Some(RayVersion::new(major, minor, patch))
    }

    /// Whether this is the release `major.minor` or a later one (any patch).
    fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl fmt::Display for RayVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Where a server's Ray release stands in the support policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Within the supported range ([`OLDEST_SUPPORTED_RAY`] to [`NEWEST_TESTED_RAY`]).
    Supported,
    /// A newer 2.x than any tested: connected, with a warning on the log handler. A
    /// release the client has never seen works as long as the protocol did not change,
    /// which it rarely does within 2.x.
    Untested,
    /// Known not to work (older than [`OLDEST_SUPPORTED_RAY`], another major release,
    /// or a version that cannot be read): connect refuses it with
    /// [`ErrorKind::VersionMismatch`] unless the version check is overridden. The text
    /// says why.
    Refused(String),
}

/// How a task's exception comes pickled: Ray wraps the user's exception (say
/// `json.JSONDecodeError`) in a class made on the fly, `RayTaskError(JSONDecodeError)`,
/// that derives from both, and its pickle changed twice. The error decoder reads every
/// form by its shape (an error may be decoded where no record is at hand, and a shape is
/// unambiguous), so this field documents what a release sends and lets the tests check
/// that every form reads the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskErrorForm {
    /// Ray 2.9: the class carries no module (its name reads `RayTaskError(X)`), and its
    /// arguments are those the user's exception pickles with (`JSONDecodeError`: message,
    /// document, position), not the exception itself.
    UnqualifiedClassCauseArguments,
    /// Ray 2.10 to 2.47: `ray.exceptions.RayTaskError(X)`, the arguments still those of
    /// the user's exception.
    CauseArguments,
    /// Ray 2.48 and later: the class's only argument is the user's exception (its
    /// `__reduce__` says so), which the decoder reads the message of.
    Cause,
}

/// What one Ray release's client server does and sends, where releases differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The version the server reported (`ServerInfo::ray_version`).
    pub ray_version: String,
    /// That version read as a number, when it could be read.
    pub version: Option<RayVersion>,
    pub support: Support,
    /// `ConnectionInfoResponse.protocol_version` (field 5) exists: Ray up to 2.46
    /// (filled, `"2023-06-27"`, by 2.9 only). Nothing depends on it, so this client's
    /// proto leaves the field out and every release's reply reads the same.
    pub connection_info_protocol_version: bool,
    /// `GetRequest` still has the single `id` (field 1) beside `ids`: Ray up to 2.46.
    /// This client sends `ids` only, which every release reads.
    pub get_request_single_id: bool,
    /// `PutRequest.owner_id` (field 6) exists: Ray up to 2.55. This client never names
    /// an owner (a put is owned by the client's server, as a Python `ray.put` without
    /// `_owner`), so puts are the same message everywhere.
    pub put_owner_id: bool,
    /// The runtime context reply carries `session_name` (field 7): Ray 2.54 and later.
    /// Before, [`Client::runtime_context`](crate::Client::runtime_context) reads the
    /// session name from the cluster's KV store (key `session_name`, namespace
    /// `session`), where every release keeps it.
    pub runtime_context_session_name: bool,
    /// The runtime context reply carries `worker_id` (field 8): Ray 2.56 and later
    /// (this client does not report it).
    pub runtime_context_worker_id: bool,
    /// How a task's exception is pickled (see [`TaskErrorForm`]).
    pub task_error_form: TaskErrorForm,
    /// The class of the error for a call on a dead actor: `ActorDiedError` from Ray
    /// 2.11, `RayActorError` before (its base class since). Both read as
    /// [`ErrorKind::ActorDied`].
    pub actor_died_error: &'static str,
    /// Token authentication (`RAY_AUTH_MODE=token`): Ray 2.52 and later. Older clusters
    /// do not check tokens; asking for one there is refused with "not supported by Ray
    /// X.Y.Z" at connect.
    pub token_auth: bool,
    /// The nodes restore the file modes a `working_dir` / `py_modules` package records
    /// (an executable script stays executable): Ray 2.53 and later. This client records
    /// them in every package it uploads; older releases unpack with plain `extractall`,
    /// which drops them.
    pub working_dir_file_modes: bool,
    /// The server takes a chunked put or task replayed after a reconnect whose last
    /// chunk it had already read: Ray 2.60 and later. Before, the replayed chunks wedge
    /// the server's chunk collector and the next put ends the session ("Expected to
    /// receive a chunk from request with id ..."; Python's client meets the same). So,
    /// with reconnection on, this client sends every put and task to those releases as
    /// one message (up to gRPC's 2 GiB; larger ones still in chunks), which the
    /// server's replay cache answers like any other request. The cost: the data is
    /// copied together once, and a cut during it resends all of it.
    pub replays_chunked_requests: bool,
    /// Ray's generator back-pressure (`_generator_backpressure_num_objects`) works for an
    /// async actor's generator methods: Ray 2.60 (2.9 to 2.55 refuse it with a
    /// ValueError when the method starts). Before, an item stream of such a method runs
    /// without it: the generator is not paused while its items wait unread on the cluster
    /// (the client and its actor there still hold at most two buffers).
    pub async_actor_generator_backpressure: bool,
    /// Cancelling a running generator method of an actor (`ray.cancel`, or its caller
    /// ending) stops it: Ray 2.60 (2.9 to 2.55 let a sync actor's generator method run
    /// on, and on 2.20 a cancelled one's stream delivers nothing more). Dropping an item
    /// stream of such a method therefore stops it from 2.60 only; before, the client's
    /// actor on the cluster sends no cancel and reads the generator to its end, dropping
    /// the items, as a Python driver's dropped generator runs on. A generator function's
    /// task is stopped on every release.
    pub stops_actor_generators: bool,
    /// `placement_group(_soft_target_node_id=...)`: Ray 2.10 and later.
    pub placement_group_soft_target: bool,
    /// Label selectors: `placement_group(bundle_label_selector=...)` and the task and
    /// actor option `label_selector`: Ray 2.50 (the first release tested that has them;
    /// 2.45 has not). Before, both are refused with "not supported by Ray X.Y.Z".
    pub label_selectors: bool,
    /// `ray.init(logging_config=...)` (`ray.LoggingConfig` on the job config): Ray 2.30
    /// and later (the release after 2.24).
    pub logging_config: bool,
    /// `LoggingConfig(encoding="JSON")` and `LoggingConfig(additional_log_standard_attrs=
    /// ...)`: Ray 2.43 and later (2.30 to 2.42 format records as TEXT only).
    pub logging_config_json: bool,
}

impl Capabilities {
    /// The record for a server that reports `ray_version`. A version outside the
    /// supported range gets the record of the nearest supported release (so the
    /// override can still connect to it).
    pub fn for_version(ray_version: &str) -> Capabilities {
        let version = RayVersion::parse(ray_version);
        let support = support(ray_version, version);
        // Which facts apply: the version itself, clamped into the range the facts were
        // read for.
        let v = match version {
            Some(v) if v < OLDEST_SUPPORTED_RAY => OLDEST_SUPPORTED_RAY,
            Some(v) if v.major > NEWEST_TESTED_RAY.major => NEWEST_TESTED_RAY,
            Some(v) => v,
            None => NEWEST_TESTED_RAY,
        };
        Capabilities {
            ray_version: ray_version.to_owned(),
            version,
            support,
            connection_info_protocol_version: !v.at_least(2, 47),
            get_request_single_id: !v.at_least(2, 47),
            put_owner_id: !v.at_least(2, 56),
            runtime_context_session_name: v.at_least(2, 54),
            runtime_context_worker_id: v.at_least(2, 56),
            task_error_form: if v.at_least(2, 48) {
                TaskErrorForm::Cause
            } else if v.at_least(2, 10) {
                TaskErrorForm::CauseArguments
            } else {
                TaskErrorForm::UnqualifiedClassCauseArguments
            },
            actor_died_error: if v.at_least(2, 11) {
                "ActorDiedError"
            } else {
                "RayActorError"
            },
            token_auth: v.at_least(2, 52),
            working_dir_file_modes: v.at_least(2, 53),
            replays_chunked_requests: v.at_least(2, 60),
            async_actor_generator_backpressure: v.at_least(2, 60),
            stops_actor_generators: v.at_least(2, 60),
            placement_group_soft_target: v.at_least(2, 10),
            label_selectors: v.at_least(2, 50),
            logging_config: v.at_least(2, 30),
            logging_config_json: v.at_least(2, 43),
        }
    }

    /// The error for a feature this server's release lacks: "`what` is not supported by
    /// Ray X.Y.Z (it came with Ray `since`)".
    pub fn unsupported(&self, what: &str, since: &str) -> Error {
        Error::new(
            ErrorKind::VersionMismatch,
            format!(
                "{what} is not supported by Ray {} (it came with Ray {since})",
                self.ray_version
            ),
        )
    }

    /// Token authentication asked for (`demanded`: the `auth_token` option, or
    /// `RAY_AUTH_MODE=token`) on a release that has none: refused, since such a cluster
    /// checks no token and the connection would not be what the caller asked for. A
    /// token found only in `RAY_AUTH_TOKEN` or `~/.ray/auth_token` (kept there for
    /// other clusters) is no demand.
    pub(crate) fn check_token_auth(&self, demanded: bool) -> Result<()> {
        match demanded && !self.token_auth {
            true => Err(self.unsupported(
                "token authentication (the auth_token option or RAY_AUTH_MODE=token)",
                "2.52",
            )),
            false => Ok(()),
        }
    }

    /// Applies the support policy at connect: `Ok` for a supported or newer release (a
    /// newer one with a warning to `logs`), the refusal otherwise unless `ignore`
    /// (`ignore_version_mismatch` / `RAY_IGNORE_VERSION_MISMATCH`) overrides it, with a
    /// warning then.
    pub(crate) fn check_support(
        &self,
        address: &dyn fmt::Display,
        ignore: bool,
        logs: &LogHandler,
    ) -> Result<()> {
        match &self.support {
            Support::Supported => Ok(()),
            Support::Untested => {
                warn(
                    logs,
                    &format!(
                        "the cluster at {address} runs Ray {}, newer than the newest release \
                         this client was tested with ({}); connecting anyway (supported: {})",
                        self.ray_version,
                        tested_range_newest(),
                        supported_range()
                    ),
                );
                Ok(())
            }
            Support::Refused(why) if ignore => {
                warn(
                    logs,
                    &format!(
                        "the cluster at {address} runs Ray {}: {why}; connecting anyway, as \
                         the version check is overridden",
                        self.ray_version
                    ),
                );
                Ok(())
            }
            Support::Refused(why) => Err(Error::new(
                ErrorKind::VersionMismatch,
                format!(
                    "the cluster at {address} runs Ray {}: {why}. This client supports Ray {} \
                     (newer 2.x releases connect with a warning); set \
                     RAY_IGNORE_VERSION_MISMATCH=1 (or the ignore_version_mismatch option) \
                     to connect anyway",
                    self.ray_version,
                    supported_range()
                ),
            )),
        }
    }
}

/// "2.9 to 2.60": the supported releases, for messages.
pub fn supported_range() -> String {
    format!(
        "{}.{} to {}",
        OLDEST_SUPPORTED_RAY.major,
        OLDEST_SUPPORTED_RAY.minor,
        tested_range_newest()
    )
}

fn tested_range_newest() -> String {
    format!("{}.{}", NEWEST_TESTED_RAY.major, NEWEST_TESTED_RAY.minor)
}

fn support(text: &str, version: Option<RayVersion>) -> Support {
    let Some(v) = version else {
        return Support::Refused(format!("its version {text:?} cannot be read"));
    };
    if v.major != OLDEST_SUPPORTED_RAY.major {
        return Support::Refused(format!(
            "Ray {} is another major release, whose protocol this client does not know",
            v.major
        ));
    }
    if !v.at_least(OLDEST_SUPPORTED_RAY.major, OLDEST_SUPPORTED_RAY.minor) {
        return Support::Refused(format!(
            "releases before {}.{} are not supported",
            OLDEST_SUPPORTED_RAY.major, OLDEST_SUPPORTED_RAY.minor
        ));
    }
    if v.at_least(NEWEST_TESTED_RAY.major, NEWEST_TESTED_RAY.minor + 1) {
        return Support::Untested;
    }
    Support::Supported
}

/// A warning of this client's own: a diagnostic (target `ray_client::version`, printed
/// to stderr by default, see [`crate::diagnostics`]), and for a program that handles
/// logs itself a record of the logger `ray_client` at `WARNING` level given to its log
/// callback (the C ABI's included) as before.
pub(crate) fn warn(logs: &LogHandler, text: &str) {
    const WARNING: i32 = 30;
    crate::diagnostics::diag!(WARN, "version", "{text}");
    if let LogHandler::Callback(f) = logs {
        f(&LogRecord {
            message: format!("{text}\n"),
            level: WARNING,
            name: "ray_client".to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn versions_parse_as_releases() {
        let v = |s| RayVersion::parse(s);
        assert_eq!(v("2.9.3"), Some(RayVersion::new(2, 9, 3)));
        assert_eq!(v("2.60.0"), Some(RayVersion::new(2, 60, 0)));
        assert_eq!(v(" 2.60 "), Some(RayVersion::new(2, 60, 0)));
        assert_eq!(v("2.61.0rc1"), Some(RayVersion::new(2, 61, 0)));
        assert_eq!(v("2.61rc1"), Some(RayVersion::new(2, 61, 0)));
        assert_eq!(v("3.0.0.dev0"), Some(RayVersion::new(3, 0, 0)));
        assert_eq!(v("2.9.3.post1"), Some(RayVersion::new(2, 9, 3)));
        for bad in ["", "2", "two.nine", "2.x", ".9.3", "-2.9"] {
            assert_eq!(v(bad), None, "{bad:?}");
        }
        assert!(RayVersion::new(2, 10, 0) > RayVersion::new(2, 9, 3));
        assert_eq!(RayVersion::new(2, 9, 3).to_string(), "2.9.3");
    }

    #[test]
    fn the_support_policy() {
        let s = |v: &str| Capabilities::for_version(v).support;
        for supported in [
            "2.9.0", "2.9.3", "2.10.0", "2.30.0", "2.59.0", "2.60.0", "2.60.7",
        ] {
            assert_eq!(s(supported), Support::Supported, "{supported}");
        }
        for newer in ["2.61.0", "2.61.0rc1", "2.99.1"] {
            assert_eq!(s(newer), Support::Untested, "{newer}");
        }
        for refused in [
            "2.8.1",
            "2.0.0",
            "1.13.0",
            "3.0.0",
            "3.0.0.dev0",
            "",
            "nightly",
        ] {
            assert!(matches!(s(refused), Support::Refused(_)), "{refused}");
        }
    }

    #[test]
    fn the_record_follows_the_releases() {
        let c = Capabilities::for_version;
        let (old, mid, new) = (c("2.9.3"), c("2.30.0"), c("2.60.0"));
        assert!(old.connection_info_protocol_version && mid.connection_info_protocol_version);
        assert!(!new.connection_info_protocol_version);
        assert!(old.put_owner_id && c("2.55.1").put_owner_id && !c("2.56.0").put_owner_id);
        assert!(!c("2.53.0").runtime_context_session_name);
        assert!(c("2.54.0").runtime_context_session_name);
        assert!(!c("2.55.1").runtime_context_worker_id && new.runtime_context_worker_id);
        assert_eq!(
            old.task_error_form,
            TaskErrorForm::UnqualifiedClassCauseArguments
        );
        assert_eq!(mid.task_error_form, TaskErrorForm::CauseArguments);
        assert_eq!(new.task_error_form, TaskErrorForm::Cause);
        assert_eq!(c("2.10.0").actor_died_error, "RayActorError");
        assert_eq!(c("2.11.0").actor_died_error, "ActorDiedError");
        assert!(!c("2.51.2").token_auth && c("2.52.0").token_auth);
        assert!(!c("2.52.1").working_dir_file_modes && c("2.53.0").working_dir_file_modes);
        assert!(!c("2.59.0").replays_chunked_requests && new.replays_chunked_requests);
        // Outside the range: the nearest release's facts.
        assert_eq!(c("2.8.1").task_error_form, old.task_error_form);
        assert!(c("3.0.0").token_auth && c("2.61.0").token_auth);
        assert!(c("garbled").token_auth);
    }

    fn collect() -> (LogHandler, Arc<Mutex<Vec<LogRecord>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let handler = LogHandler::Callback(Arc::new(move |r: &LogRecord| {
            s.lock().unwrap().push(r.clone())
        }));
        (handler, seen)
    }

    #[test]
    fn newer_releases_warn_on_the_log_handler_and_older_ones_are_refused() {
        let (logs, seen) = collect();
        let address = "ray://h:10001";
        Capabilities::for_version("2.60.0")
            .check_support(&address, false, &logs)
            .unwrap();
        assert!(seen.lock().unwrap().is_empty());

        Capabilities::for_version("2.61.0")
            .check_support(&address, false, &logs)
            .unwrap();
        let records = seen.lock().unwrap().clone();
        assert_eq!(records.len(), 1);
        assert_eq!(
            (records[0].level, records[0].name.as_str()),
            (30, "ray_client")
        );
        assert!(records[0].message.contains("Ray 2.61.0"), "{records:?}");
        assert!(records[0].message.contains("2.9 to 2.60"), "{records:?}");

        for refused in ["2.8.1", "3.0.0"] {
            let caps = Capabilities::for_version(refused);
            let err = caps.check_support(&address, false, &logs).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::VersionMismatch);
            for part in [
                refused,
                "2.9 to 2.60",
                "RAY_IGNORE_VERSION_MISMATCH",
                address,
            ] {
                assert!(err.message().contains(part), "{part}: {err}");
            }
            // The override connects, and says so.
            seen.lock().unwrap().clear();
            caps.check_support(&address, true, &logs).unwrap();
            assert_eq!(seen.lock().unwrap().len(), 1);
        }
        // Switched-off logs: no warning anywhere, and no failure either.
        Capabilities::for_version("2.61.0")
            .check_support(&address, false, &LogHandler::Off)
            .unwrap();
    }

    #[test]
    fn token_auth_asked_of_a_release_without_it_is_not_supported() {
        let old = Capabilities::for_version("2.51.2");
        let err = old.check_token_auth(true).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::VersionMismatch);
        assert!(
            err.message()
                .contains("is not supported by Ray 2.51.2 (it came with Ray 2.52)"),
            "{err}"
        );
        old.check_token_auth(false).unwrap();
        Capabilities::for_version("2.52.0")
            .check_token_auth(true)
            .unwrap();
    }
}
