//! Where a check's HTTP requests go, from a config key: a cloud API's URL or emulator address
//! ([`Endpoint::parse_url`], [`Endpoint::parse_emulator`]), or an HTTP kind's host key, a bare
//! host or a URL used as given ([`parse_host`]). Parsing errors are the resolve stage, naming
//! the key and never echoing credentials.

use crate::probe::{Stage, StageError};

/// Where a check sends its requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// The user part of a URL (`https://account@host`), when one was given.
    pub user: Option<String>,
    /// A path prefix from the URL, without a trailing `/` (usually empty).
    pub base_path: String,
}

impl Endpoint {
    /// `https://{host}` on 443, for a cloud API.
    pub fn https(host: &str) -> Self {
        Self {
            tls: true,
            host: host.to_string(),
            port: 443,
            user: None,
            base_path: String::new(),
        }
    }

    /// A cloud API's `http://` or `https://` URL from `key`.
    pub fn parse_url(text: &str, key: &str) -> Result<Self, StageError> {
        let (tls, rest) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(text, "http://") {
            (false, rest)
        } else {
            return Err(resolve_error(
                key,
                "is not a URL; expected http://host:port or https://host",
            ));
        };
        Self::parse_authority(rest, tls, key)
    }

    /// A cloud API emulator's address from `key`: `host:port`, or a URL (plain HTTP unless it
    /// says https).
    pub fn parse_emulator(text: &str, key: &str) -> Result<Self, StageError> {
        if text.contains("://") {
            Self::parse_url(text, key)
        } else {
            Self::parse_authority(text, false, key)
        }
    }

    fn parse_authority(rest: &str, tls: bool, key: &str) -> Result<Self, StageError> {
        let (authority, path) = match rest.find(['/', '?']) {
            Some(index) => rest.split_at(index),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(resolve_error(key, "must not contain user:password@"));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = split_url_host_port(authority, key)?;
        if host.is_empty() {
            return Err(resolve_error(key, "has no host"));
        }
        let path = path.split('?').next().unwrap_or_default();
        Ok(Self {
            tls,
            host: host.to_string(),
            port: port.unwrap_or(default_port),
            user: None,
            base_path: path.trim_end_matches('/').to_string(),
        })
    }

    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// The `Host` header: the host (IPv6 in brackets) and the port, left out when it is the
    /// scheme's default (as browsers and the cloud SDKs send it, and as SigV4 signs it).
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.tls { 443 } else { 80 };
        if self.port == default_port {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `https://host[:port][/base]`, for summaries and messages.
    pub fn describe(&self) -> String {
        format!("{}://{}{}", self.scheme(), self.authority(), self.base_path)
    }

    /// `base_path` + `path`.
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn resolve_error(key: &str, what: &str) -> StageError {
    StageError::new(Stage::Resolve, format!("{key} {what}"))
}

/// A cloud URL's `host`, `host:port`, `[v6]`, `[v6]:port`; anything else after the host is a bad
/// port.
fn split_url_host_port<'a>(
    authority: &'a str,
    key: &str,
) -> Result<(&'a str, Option<u16>), StageError> {
    let bad_port = || resolve_error(key, "has a port that is not a number from 1 to 65535");
    let parse_port = |text: &str| {
        text.parse::<u16>()
            .ok()
            .filter(|port| *port > 0)
            .ok_or_else(bad_port)
    };
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| resolve_error(key, "has an unclosed [ in its host"))?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(parse_port(port)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(bad_port()),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((host, Some(parse_port(port)?))),
        None => Ok((authority, None)),
    }
}

/// A host key's value: a bare host has neither scheme nor port; a URL's scheme decides TLS and
/// its port (when it has one) wins over the kind's port key.
#[derive(Debug, PartialEq, Eq)]
pub struct HostSpec {
    pub tls: Option<bool>,
    pub host: String,
    pub port: Option<u16>,
    /// The user part of a URL (`https://account@host`), when one was given.
    pub user: Option<String>,
}

impl HostSpec {
    /// The endpoint, with `tls` and `port` deciding what the value left open.
    pub fn endpoint(&self, tls: bool, port: u16) -> Endpoint {
        Endpoint {
            tls: self.tls.unwrap_or(tls),
            host: self.host.clone(),
            port: self.port.unwrap_or(port),
            user: self.user.clone(),
            base_path: String::new(),
        }
    }
}

/// Reads a host key's value; a URL with another scheme than http/https, or a bad port in it,
/// fails as the resolve stage naming the key.
pub fn parse_host(key: &str, value: &str) -> Result<HostSpec, StageError> {
    let Some((scheme, rest)) = value.split_once("://") else {
        return Ok(HostSpec {
            tls: None,
            host: value.to_string(),
            port: None,
            user: None,
        });
    };
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        other => {
            return Err(StageError::new(
                Stage::Resolve,
                format!("{key} has scheme {other:?}; expected http:// or https:// or a bare host"),
            ));
        }
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user, host_port)) => (Some(user.to_string()), host_port),
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port);
    let port = match port {
        None => None,
        Some(text) => Some(text.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
            StageError::new(
                Stage::Resolve,
                format!("{key} has port {text:?}; expected a whole number from 1 to 65535"),
            )
        })?),
    };
    if host.is_empty() {
        return Err(StageError::new(
            Stage::Resolve,
            format!("{key} names no host"),
        ));
    }
    Ok(HostSpec {
        tls: Some(tls),
        host: host.to_string(),
        port,
        user: user.filter(|u| !u.is_empty()),
    })
}

/// `host:port`, `[v6]:port`, `host` or `[v6]` into the host and the port text.
fn split_host_port(text: &str) -> (&str, Option<&str>) {
    if let Some(bracketed) = text.strip_prefix('[') {
        return match bracketed.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':')),
            None => (bracketed, None),
        };
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_hosts_stay_bare_and_urls_are_used_as_given() {
        let bare = parse_host("K", "db.example.com").unwrap();
        assert_eq!(
            bare.endpoint(true, 8443),
            Endpoint {
                tls: true,
                host: "db.example.com".into(),
                port: 8443,
                user: None,
                base_path: String::new(),
            }
        );
        let url = parse_host("K", "http://127.0.0.1:8123/ignored").unwrap();
        assert_eq!(
            url.endpoint(true, 8443),
            Endpoint {
                tls: false,
                host: "127.0.0.1".into(),
                port: 8123,
                user: None,
                base_path: String::new(),
            }
        );
        let v6 = parse_host("K", "HTTPS://acct@[::1]").unwrap();
        assert_eq!(
            v6,
            HostSpec {
                tls: Some(true),
                host: "::1".into(),
                port: None,
                user: Some("acct".into())
            }
        );
        let error = parse_host("K", "ftp://x").unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert!(error.reason.starts_with("K has scheme \"ftp\""));
        assert!(parse_host("K", "http://h:99999").is_err());
        assert!(parse_host("K", "http://:80").is_err());
    }

    #[test]
    fn authority_brackets_ipv6() {
        let endpoint = Endpoint {
            tls: true,
            host: "::1".into(),
            port: 8443,
            user: None,
            base_path: String::new(),
        };
        assert_eq!(endpoint.describe(), "https://[::1]:8443");
    }

    #[test]
    fn urls_and_emulator_addresses_parse() {
        let url = Endpoint::parse_url("http://127.0.0.1:4566/", "K").unwrap();
        assert_eq!(
            url,
            Endpoint {
                tls: false,
                host: "127.0.0.1".into(),
                port: 4566,
                user: None,
                base_path: String::new(),
            }
        );
        assert_eq!(url.authority(), "127.0.0.1:4566");
        let https = Endpoint::parse_url("HTTPS://dynamodb.eu-west-1.amazonaws.com", "K").unwrap();
        assert!(https.tls);
        assert_eq!(https.port, 443);
        assert_eq!(https.authority(), "dynamodb.eu-west-1.amazonaws.com");
        let v6 = Endpoint::parse_emulator("[::1]:8085", "K").unwrap();
        assert_eq!((v6.host.as_str(), v6.port, v6.tls), ("::1", 8085, false));
        assert_eq!(v6.authority(), "[::1]:8085");
        let prefixed = Endpoint::parse_url("https://proxy.example/aws/?x=1", "K").unwrap();
        assert_eq!(prefixed.path("/"), "/aws/");
        assert_eq!(
            Endpoint::parse_emulator("localhost:9020", "K")
                .unwrap()
                .describe(),
            "http://localhost:9020"
        );
    }

    #[test]
    fn bad_endpoints_name_the_key_and_never_echo_credentials() {
        let error = Endpoint::parse_url("localhost:1", "KINESIS_ENDPOINT_URL").unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert!(
            error
                .reason
                .starts_with("KINESIS_ENDPOINT_URL is not a URL")
        );
        let error = Endpoint::parse_url("http://user:hunter22@host", "K").unwrap_err();
        assert!(!error.reason.contains("hunter22"), "{}", error.reason);
        let error = Endpoint::parse_url("http://host:99999", "K").unwrap_err();
        assert!(error.reason.contains("port"), "{}", error.reason);
        assert!(Endpoint::parse_url("http://:80", "K").is_err());
    }
}
