//! What the client asks of `ray.init` on its server, as Python's client sends it: the
//! pickled `JobConfig` (namespace, runtime_env, metadata, default actor lifetime and the
//! logging configuration of the job's workers) and the `ray.init` keyword arguments
//! (`ray_init_kwargs`: `logging_level`, `log_to_driver`).

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;

use crate::error::{Error, ErrorKind, Result};
use crate::pickle;
use crate::value::{PyObject, Value};

/// The logging configuration of the job's tasks and actors (Python's
/// `ray.LoggingConfig`, given to `ray.init(logging_config=...)`): how their Python
/// `logging` records are formatted and from which level they are kept. Ray 2.30 and
/// later; the JSON encoding and `additional_log_standard_attrs` Ray 2.43 and later (an
/// older cluster refuses the connect with "not supported by Ray X.Y.Z").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingConfig {
    /// `TEXT` (Ray's default) or `JSON` (one JSON object per record, with the task's
    /// and worker's ids).
    pub encoding: LogEncoding,
    /// The root logger's level in the workers: `DEBUG`, `INFO` (the default),
    /// `WARNING`, `ERROR` or `CRITICAL` (any case).
    pub log_level: String,
    /// Standard `logging.LogRecord` attributes added to each record (`name`,
    /// `funcName`, `lineno`, ...).
    pub additional_log_standard_attrs: Vec<String>,
}

/// How the workers format their logging records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogEncoding {
    #[default]
    Text,
    Json,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            encoding: LogEncoding::Text,
            log_level: "INFO".to_owned(),
            additional_log_standard_attrs: Vec::new(),
        }
    }
}

/// The level names Python's `logging` reads (`logging._nameToLevel`).
const LEVELS: &[&str] = &[
    "CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET",
];

/// Ray's `LOGRECORD_STANDARD_ATTRS` (the same from 2.43 to 2.60): what
/// `additional_log_standard_attrs` may name.
const STANDARD_ATTRS: &[&str] = &[
    "args",
    "asctime",
    "created",
    "exc_info",
    "exc_text",
    "filename",
    "funcName",
    "levelname",
    "levelno",
    "lineno",
    "message",
    "module",
    "msecs",
    "msg",
    "name",
    "pathname",
    "process",
    "processName",
    "relativeCreated",
    "stack_info",
    "thread",
    "threadName",
    "taskName",
];

impl LoggingConfig {
    /// Reads Python's dict form, as JSON: `{"encoding": "JSON", "log_level": "DEBUG",
    /// "additional_log_standard_attrs": ["name"]}` (every key optional).
    pub fn from_json(json: &str) -> Result<Self> {
        let bad = |why: String| Error::invalid(format!("logging_config: {why}"));
        let value = crate::json::from_json(json).map_err(|e| bad(format!("not JSON: {e}")))?;
        let Value::Dict(entries) = value else {
            return Err(bad("want a JSON object".to_owned()));
        };
        let mut config = LoggingConfig::default();
        for (key, value) in entries {
            let key = match key {
                Value::Str(k) => k,
                other => return Err(bad(format!("a key is not a string: {other:?}"))),
            };
            match (key.as_str(), value) {
                ("encoding", Value::Str(e)) => config.encoding = LogEncoding::parse(&e)?,
                ("log_level", Value::Str(l)) => config.log_level = l,
                ("additional_log_standard_attrs", Value::List(items)) => {
                    config.additional_log_standard_attrs = items
                        .into_iter()
                        .map(|v| match v {
                            Value::Str(s) => Ok(s),
                            other => Err(bad(format!("an attribute is not a string: {other:?}"))),
                        })
                        .collect::<Result<_>>()?;
                }
                ("encoding" | "log_level", other) => {
                    return Err(bad(format!("{key} must be a string, not {other:?}")))
                }
                ("additional_log_standard_attrs", other) => {
                    return Err(bad(format!(
                        "{key} must be a list of strings, not {other:?}"
                    )))
                }
                (other, _) => {
                    return Err(bad(format!(
                        "unknown key {other:?} (known: encoding, log_level, \
                         additional_log_standard_attrs)"
                    )))
                }
            }
        }
        config.check()?;
        Ok(config)
    }

    /// What Ray's `LoggingConfig.__post_init__` and `logging` would refuse on the
    /// cluster, refused here with a clear message instead of a traceback from the proxy.
    pub(crate) fn check(&self) -> Result<()> {
        if !LEVELS.contains(&self.log_level.to_ascii_uppercase().as_str()) {
            return Err(Error::invalid(format!(
                "logging_config: log_level {:?} is not a logging level (want DEBUG, INFO, \
                 WARNING, ERROR or CRITICAL)",
                self.log_level
            )));
        }
        for attr in &self.additional_log_standard_attrs {
            if !STANDARD_ATTRS.contains(&attr.as_str()) {
                return Err(Error::invalid(format!(
                    "logging_config: {attr:?} is not a standard logging attribute (valid: {})",
                    STANDARD_ATTRS.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// `ray._private.ray_logging.logging_config.LoggingConfig(encoding, log_level[,
    /// additional_log_standard_attrs])`, called (so the cluster validates it as Python's
    /// would), with the attributes only where there are some (releases before 2.43 take
    /// two arguments).
    fn to_python(&self) -> Value {
        let mut args = vec![
            Value::str(self.encoding.as_str()),
            Value::str(self.log_level.to_ascii_uppercase()),
        ];
        if !self.additional_log_standard_attrs.is_empty() {
            let attrs = self.additional_log_standard_attrs.iter().map(Value::str);
            args.push(Value::List(attrs.collect()));
        }
        Value::Object(Box::new(PyObject::call(
            Value::global("ray._private.ray_logging.logging_config", "LoggingConfig"),
            args,
        )))
    }

    /// The proxy's refusal of a job config with this logging configuration, explained:
    /// the proxy unpickles it before a server exists that reports the cluster's release,
    /// so a release without `LoggingConfig` (before 2.30), or without its JSON encoding or
    /// additional attributes (before 2.43), fails there with a Python traceback, which
    /// becomes a "not supported" error naming what and since when. Other errors pass.
    pub(crate) fn explain_refusal(&self, e: Error) -> Error {
        if e.kind() != ErrorKind::InitFailed {
            return e;
        }
        let said = e.message();
        let (what, since) = if said.contains("ray._private.ray_logging") {
            ("logging_config", "2.30")
        } else if said.contains("Invalid encoding type") {
            ("logging_config's JSON encoding", "2.43")
        } else if said.contains("LoggingConfig") || said.contains("positional argument") {
            ("logging_config's additional_log_standard_attrs", "2.43")
        } else {
            return e;
        };
        let last = said.trim_end().lines().last().unwrap_or_default().trim();
        Error::new(
            ErrorKind::VersionMismatch,
            format!(
                "{what} is not supported by the cluster's Ray release (it came with Ray \
                 {since}); the cluster said: {last}"
            ),
        )
    }
}

impl LogEncoding {
    fn parse(text: &str) -> Result<Self> {
        match text.to_ascii_uppercase().as_str() {
            "TEXT" => Ok(LogEncoding::Text),
            "JSON" => Ok(LogEncoding::Json),
            _ => Err(Error::invalid(format!(
                "logging_config: encoding {text:?} is not TEXT or JSON"
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            LogEncoding::Text => "TEXT",
            LogEncoding::Json => "JSON",
        }
    }
}

impl fmt::Display for LogEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parts of the connect options that make the job's configuration.
pub(crate) struct JobSettings<'a> {
    pub namespace: Option<&'a str>,
    /// The prepared environment (local paths replaced by URIs).
    pub runtime_env: Option<&'a Value>,
    pub metadata: &'a BTreeMap<String, String>,
    pub detached_actors: bool,
    pub logging_config: Option<&'a LoggingConfig>,
}

/// The pickled `JobConfig`, made by calling `JobConfig(...)` with its public parameters
/// (not its private attribute layout), its public `py_logging_config` attribute set as
/// `JobConfig.set_py_logging_config` sets it (pickle's BUILD), as Python's client puts
/// `ray.init(logging_config=...)` there. Empty when nothing needs configuring.
pub(crate) fn pickled(settings: &JobSettings<'_>) -> Result<Bytes> {
    if settings
        .runtime_env
        .is_some_and(|env| !matches!(env, Value::Dict(_)))
    {
        return Err(Error::invalid("runtime_env must be a dict"));
    }
    if settings.namespace.is_none()
        && settings.runtime_env.is_none()
        && settings.metadata.is_empty()
        && !settings.detached_actors
        && settings.logging_config.is_none()
    {
        return Ok(Bytes::new());
    }
    let metadata = (!settings.metadata.is_empty()).then(|| {
        let entries = settings.metadata.iter();
        Value::Dict(
            entries
                .map(|(k, v)| (Value::str(k), Value::str(v)))
                .collect(),
        )
    });
    let lifetime = if settings.detached_actors {
        "detached"
    } else {
        "non_detached"
    };
    // JobConfig's first seven parameters, in this order from Ray 2.9 to 2.60:
    // jvm_options, code_search_path, runtime_env, _client_job, metadata,
    // ray_namespace, default_actor_lifetime.
    let mut config = PyObject::call(
        Value::global("ray.job_config", "JobConfig"),
        vec![
            Value::None,
            Value::None,
            settings.runtime_env.cloned().unwrap_or(Value::None),
            Value::Bool(false),
            metadata.unwrap_or(Value::None),
            settings.namespace.map_or(Value::None, Value::str),
            Value::str(lifetime),
        ],
    );
    if let Some(logging) = settings.logging_config {
        config.state = Some(Value::Dict(vec![(
            Value::str("py_logging_config"),
            logging.to_python(),
        )]));
    }
    Ok(pickle::encode(&Value::Object(Box::new(config)))?.into())
}

/// `ray.init`'s keyword arguments for the server as JSON (`InitRequest.ray_init_kwargs`),
/// only those that differ from `ray.init`'s defaults, as Python's client passes them.
pub(crate) fn ray_init_kwargs(logging_level: Option<&str>, log_to_driver: bool) -> String {
    let mut kwargs = Vec::new();
    if let Some(level) = logging_level {
        kwargs.push((Value::str("logging_level"), Value::str(level)));
    }
    if !log_to_driver {
        kwargs.push((Value::str("log_to_driver"), Value::Bool(false)));
    }
    crate::json::to_json(&Value::Dict(kwargs)).unwrap_or_else(|_| "{}".to_owned())
}

/// `ray.init(logging_level=...)`: a level name (any case) or a number, as Python's
/// `logging` reads it; normalised to the upper-case name or the number.
pub(crate) fn check_logging_level(level: &str) -> Result<String> {
    let trimmed = level.trim();
    if trimmed.parse::<u32>().is_ok() {
        // ray.init passes a number through to logging.setLevel, which takes it as is; as
        // JSON it would arrive as a string, which setLevel refuses, so it is named.
        let n: u32 = trimmed.parse().unwrap_or(0);
        return match n {
            50 => Ok("CRITICAL".into()),
            40 => Ok("ERROR".into()),
            30 => Ok("WARNING".into()),
            20 => Ok("INFO".into()),
            10 => Ok("DEBUG".into()),
            0 => Ok("NOTSET".into()),
            _ => Err(Error::invalid(format!(
                "logging_level {level:?}: a number must be one of logging's levels (0, 10, \
                 20, 30, 40, 50)"
            ))),
        };
    }
    let upper = trimmed.to_ascii_uppercase();
    match LEVELS.contains(&upper.as_str()) {
        true => Ok(upper),
        false => Err(Error::invalid(format!(
            "logging_level {level:?} is not a logging level (want DEBUG, INFO, WARNING, \
             ERROR, CRITICAL or one of their numbers)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_config_reads_pythons_dict_form_and_refuses_what_ray_would() {
        let c = LoggingConfig::from_json(
            r#"{"encoding": "json", "log_level": "debug", "additional_log_standard_attrs": ["name"]}"#,
        )
        .unwrap();
        assert_eq!(c.encoding, LogEncoding::Json);
        assert_eq!(c.additional_log_standard_attrs, vec!["name".to_owned()]);
        assert_eq!(
            LoggingConfig::from_json("{}").unwrap(),
            LoggingConfig::default()
        );
        for (json, says) in [
            (r#"{"encoding": "XML"}"#, "not TEXT or JSON"),
            (r#"{"log_level": "LOUD"}"#, "not a logging level"),
            (
                r#"{"additional_log_standard_attrs": ["nope"]}"#,
                "not a standard",
            ),
            (r#"{"colour": 1}"#, "unknown key"),
            (r#"{"encoding": 1}"#, "must be a string"),
            ("[1]", "JSON object"),
            ("{", "not JSON"),
        ] {
            let e = LoggingConfig::from_json(json).unwrap_err();
            assert!(e.to_string().contains(says), "{json}: {e}");
        }
    }

    #[test]
    fn what_a_release_lacks_is_explained_from_the_proxys_traceback() {
        let config = LoggingConfig::default();
        let refused = |tail: &str| {
            let e = Error::new(
                ErrorKind::InitFailed,
                format!(
                    "the server at ray://h:1 refused the connection: Traceback (most recent \
                     call last):\n  File \"/x/ray/util/client/server/proxier.py\", line 600, in \
                     prepare_runtime_init_req\n    job_config = pickle.loads(req.job_config)\n{tail}\n"
                ),
            );
            config.explain_refusal(e)
        };
        // As Ray 2.9.3, 2.40.0 and 2.30.0 (Python 3.9 and 3.10 wording) refuse them.
        for (tail, what, since) in [
            (
                "ModuleNotFoundError: No module named 'ray._private.ray_logging.logging_config'; \
              'ray._private.ray_logging' is not a package",
                "logging_config is",
                "2.30",
            ),
            (
                "  File \"/x/ray/_private/ray_logging/logging_config.py\", line 88, in \
              __post_init__\n    raise ValueError(\nValueError: Invalid encoding type: JSON. \
              Valid encoding types are: ['TEXT']",
                "JSON encoding is",
                "2.43",
            ),
            (
                "TypeError: __init__() takes from 1 to 3 positional arguments but 4 were given",
                "additional_log_standard_attrs is",
                "2.43",
            ),
        ] {
            let e = refused(tail);
            assert_eq!(e.kind(), ErrorKind::VersionMismatch, "{e}");
            let said = e.to_string();
            assert!(
                said.contains(what) && said.contains(&format!("came with Ray {since}")),
                "{said}"
            );
            let last = tail.lines().last().unwrap().trim();
            assert!(said.ends_with(last), "{said}");
        }
        // Anything else passes unchanged.
        let other = Error::new(ErrorKind::InitFailed, "Starting Ray client server failed");
        assert_eq!(config.explain_refusal(other).kind(), ErrorKind::InitFailed);
    }

    #[test]
    fn ray_init_kwargs_carry_only_what_differs_from_the_defaults() {
        assert_eq!(ray_init_kwargs(None, true), "{}");
        let both = ray_init_kwargs(Some("DEBUG"), false);
        assert!(both.contains(r#""logging_level":"DEBUG""#), "{both}");
        assert!(both.contains(r#""log_to_driver":false"#), "{both}");
        assert_eq!(check_logging_level("warning").unwrap(), "WARNING");
        assert_eq!(check_logging_level("10").unwrap(), "DEBUG");
        assert!(check_logging_level("11").is_err());
        assert!(check_logging_level("shout").is_err());
    }
}
