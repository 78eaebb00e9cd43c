//! Cluster addresses: `ray://host:port`, `host:port` or `host`, with the Ray client port
//! 10001 when the port is omitted and `RAY_ADDRESS` when no address is given.

use crate::error::{Error, Result};

/// The Ray client server's default port.
pub const DEFAULT_PORT: u16 = 10001;

/// A parsed cluster address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

impl Address {
    /// Parses `address`; an empty address means `$RAY_ADDRESS`.
    pub fn resolve(address: Option<&str>) -> Result<Address> {
        match address.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Address::parse(a),
            None => match std::env::var("RAY_ADDRESS") {
                Ok(a) if !a.trim().is_empty() => Address::parse(a.trim()),
                _ => Err(Error::invalid(
                    "no cluster address given and RAY_ADDRESS is not set \
                     (expected ray://host:port)",
                )),
            },
        }
    }

    /// Parses `ray://host[:port]`, `host[:port]` or `[v6addr]:port`.
    pub fn parse(address: &str) -> Result<Address> {
        let bad = |why: &str| Error::invalid(format!("bad cluster address {address:?}: {why}"));
        let rest = match address.split_once("://") {
            Some(("ray", rest)) => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "unsupported scheme {scheme:?} (use ray://host:port)"
                )))
            }
            None => address,
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err(bad("no host"));
        }
        if rest.contains('/') || rest.contains('?') || rest.contains('@') {
            return Err(bad("expected only host and port"));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("junk after ']'")),
            };
            (h.to_owned(), port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h.to_owned(), Some(p)),
                Some(_) => return Err(bad("IPv6 addresses need brackets: [addr]:port")),
                None => (rest.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p != 0 => p,
                _ => return Err(bad(&format!("port {p:?} is not a number in 1..65535"))),
            },
        };
        Ok(Address { host, port })
    }

    /// `http://host:port`, the URI the gRPC channel dials.
    pub(crate) fn uri(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "ray://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "ray://{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let a = |s| Address::parse(s).unwrap();
        assert_eq!(
            a("ray://h:1"),
            Address {
                host: "h".into(),
                port: 1
            }
        );
        assert_eq!(
            a("ray://h"),
            Address {
                host: "h".into(),
                port: 10001
            }
        );
        assert_eq!(
            a("h:20"),
            Address {
                host: "h".into(),
                port: 20
            }
        );
        assert_eq!(
            a("10.0.0.1"),
            Address {
                host: "10.0.0.1".into(),
                port: 10001
            }
        );
        assert_eq!(
            a("[::1]:5"),
            Address {
                host: "::1".into(),
                port: 5
            }
        );
        assert_eq!(a("ray://h:7/").to_string(), "ray://h:7");
        for bad in [
            "",
            "http://h:1",
            "ray://",
            "h:x",
            "h:0",
            "h:70000",
            "::1:5",
            "ray://h:1/path",
        ] {
            let e = Address::parse(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad}");
        }
    }
}
