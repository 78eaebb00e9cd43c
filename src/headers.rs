//! Extra headers sent with every call to the cluster's client port: gRPC metadata, as
//! Python's `ray.init(..., _metadata=[(key, value), ...])` sends them. An ingress or an
//! authentication proxy in front of port 10001 may need them (ray-project/ray#22945).
//!
//! Checked when the client connects, so a bad name fails `connect` with a clear error
//! rather than a call later. Values are often credentials: `Debug` shows names only,
//! and they never appear in errors.

use std::fmt;

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};

use crate::error::{Error, Result};

/// Headers the protocol itself sets on every call (the client id, the reconnect flag,
/// the idempotency ids of KV writes), which a caller's header must not replace.
const PROTOCOL_HEADERS: &[&str] = &["client_id", "reconnecting", "thread_id", "req_id"];

/// Headers HTTP/2 and gRPC own.
const TRANSPORT_HEADERS: &[&str] = &["te", "content-type", "user-agent", "host", "connection"];

/// Names and values of extra headers, in the order given; a name may repeat (each
/// value is sent, as Python sends every pair of its list).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers::default()
    }

    /// Adds one header (checked at connect).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// The headers as (name, value) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether one of them is `authorization` (which then stands in for a token).
    pub(crate) fn has_authorization(&self) -> bool {
        self.iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    }

    /// The headers as gRPC metadata, or an error naming the first bad one.
    pub(crate) fn to_metadata(&self) -> Result<Metadata> {
        let mut entries = Vec::with_capacity(self.0.len());
        for (name, value) in self.iter() {
            let lower = name.to_ascii_lowercase();
            let refuse = |why: &str| Err(Error::invalid(format!("header {name:?}: {why}")));
            if lower.is_empty() {
                return refuse("the name is empty");
            }
            if PROTOCOL_HEADERS.contains(&lower.as_str()) {
                return refuse("the Ray Client protocol sets this header itself");
            }
            if TRANSPORT_HEADERS.contains(&lower.as_str())
                || lower.starts_with("grpc-")
                || lower.starts_with(':')
            {
                return refuse("HTTP/2 and gRPC set this header themselves");
            }
            if lower.ends_with("-bin") {
                return refuse("binary (-bin) headers are not supported; send text");
            }
            let Ok(key) = AsciiMetadataKey::from_bytes(lower.as_bytes()) else {
                return refuse(
                    "a name may only hold letters, digits and the characters - _ . \
                     (gRPC metadata keys)",
                );
            };
            let Ok(mut value) = AsciiMetadataValue::try_from(value) else {
                return refuse("the value may only hold printable ASCII characters");
            };
            value.set_sensitive(true);
            entries.push((key, value));
        }
        Ok(Metadata(entries))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, _)| format!("{n}: ***")))
            .finish()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Headers(
            iter.into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        )
    }
}

/// Checked headers, ready to go on every request (`Debug` shows names only).
#[derive(Clone, Default)]
pub(crate) struct Metadata(Vec<(AsciiMetadataKey, AsciiMetadataValue)>);

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

impl Metadata {
    pub(crate) fn add_to(&self, md: &mut MetadataMap) {
        for (k, v) in &self.0 {
            md.append(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, value: &str) -> Result<Metadata> {
        Headers::from_iter([(name, value)]).to_metadata()
    }

    #[test]
    fn good_headers_become_lowercase_metadata_in_order() {
        let h: Headers = [
            ("X-Team", "a"),
            ("x-team", "b"),
            ("authorization", "Bearer t"),
        ]
        .into_iter()
        .collect();
        assert!(h.has_authorization());
        let mut md = MetadataMap::new();
        h.to_metadata().unwrap().add_to(&mut md);
        let team: Vec<_> = md
            .get_all("x-team")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(team, ["a", "b"]);
        assert_eq!(md.get("authorization").unwrap(), "Bearer t");
    }

    #[test]
    fn bad_headers_are_refused_by_name_without_their_value() {
        for (name, why) in [
            ("client_id", "protocol sets"),
            ("Reconnecting", "protocol sets"),
            ("content-type", "HTTP/2 and gRPC"),
            ("grpc-timeout", "HTTP/2 and gRPC"),
            (":path", "HTTP/2 and gRPC"),
            ("trace-bin", "binary"),
            ("bad name", "letters, digits"),
            ("", "empty"),
        ] {
            let e = check(name, "secret-value").expect_err(name);
            assert!(e.message().contains(why), "{name}: {e}");
            assert!(!e.message().contains("secret-value"), "{e}");
        }
        let e = check("x-a", "line\nbreak").unwrap_err();
        assert!(e.message().contains("printable ASCII"), "{e}");
    }

    #[test]
    fn debug_hides_values() {
        let h: Headers = [("authorization", "Bearer hunter2")].into_iter().collect();
        let shown = format!("{h:?}");
        assert!(
            shown.contains("authorization") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
