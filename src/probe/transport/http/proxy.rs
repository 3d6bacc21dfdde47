//! HTTP proxies as curl reads them from the environment, so checks work where the only way out is
//! a proxy: `https_proxy`/`HTTPS_PROXY` for https targets, `http_proxy`/`HTTP_PROXY` for http
//! targets, `all_proxy`/`ALL_PROXY` for either when the specific one is unset (lowercase wins),
//! and `no_proxy`/`NO_PROXY` for the targets reached directly. Exists apart from the client so
//! the rules are pure and tested on their own; `serve` reads them once at start
//! ([`ProxySettings::from_lookup`]) and runs each check under them ([`scoped`]).
//!
//! A proxy is `[http://][user[:password]@]host[:port]` (port 1080 when left out, as in curl); its
//! credentials are percent-decoded, sent as `Proxy-Authorization: Basic`, and never shown:
//! [`Proxy::describe`] and `Debug` give `http://host:port` only. `NO_PROXY` is a list separated
//! by commas or blanks of `*` (every target), host names (matching the name and its subdomains;
//! a leading dot is ignored), IP addresses and CIDR ranges (matching IP-literal targets).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine as _;

use crate::domain::Secret;
use crate::probe::egress::Cidr;

/// The port of a proxy URL without one (curl's default).
const DEFAULT_PROXY_PORT: u16 = 1080;

/// One proxy server.
#[derive(Clone)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// `Basic base64(user:password)`, when the URL had credentials.
    authorization: Option<Secret>,
}

impl Proxy {
    /// Reads a proxy URL from `variable`; the error names the variable, never the value (it may
    /// hold a password).
    pub fn parse(text: &str, variable: &str) -> Result<Self, String> {
        let text = text.trim();
        let rest = match text.split_once("://") {
            None => text,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                let scheme: String = scheme.chars().take(10).collect();
                return Err(format!(
                    "{variable} uses scheme {scheme:?}; only http:// proxies are supported"
                ));
            }
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let (host, port) = split_host_port(host_port)
            .ok_or_else(|| format!("{variable} has a port that is not a number from 1 to 65535"))?;
        if host.is_empty() {
            return Err(format!("{variable} names no proxy host"));
        }
        let authorization = userinfo.map(|userinfo| {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let pair = format!("{}:{}", percent_decode(user), percent_decode(password));
            Secret::new(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ))
        });
        Ok(Self {
            host: host.to_string(),
            port: port.unwrap_or(DEFAULT_PROXY_PORT),
            authorization,
        })
    }

    /// `http://host:port`, for messages: never the credentials.
    pub fn describe(&self) -> String {
        format!("http://{}", host_port(&self.host, self.port))
    }

    /// The `Proxy-Authorization` value, when the proxy URL carried credentials.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_ref().map(Secret::expose)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// `host:port`, an IPv6 host in brackets.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; `None` for a bad port.
fn split_host_port(text: &str) -> Option<(&str, Option<u16>)> {
    let parse = |port: &str| port.parse::<u16>().ok().filter(|port| *port > 0);
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(parse(port)?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match text.rsplit_once(':') {
        Some((host, port)) => Some((host, Some(parse(port)?))),
        None => Some((text, None)),
    }
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One `NO_PROXY` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bypass {
    Everything,
    /// A host name, lowercase, without leading or trailing dots.
    Domain(String),
    Range(Cidr),
}

impl Bypass {
    fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim();
        if entry == "*" {
            return Some(Self::Everything);
        }
        let bare = entry.trim_start_matches('[').replace(']', "");
        if let Ok(range) = bare.parse::<Cidr>() {
            return Some(Self::Range(range));
        }
        let name = entry.trim_matches('.').to_ascii_lowercase();
        (!name.is_empty()).then_some(Self::Domain(name))
    }

    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Everything => true,
            Self::Range(range) => host.parse::<IpAddr>().is_ok_and(|ip| range.contains(ip)),
            Self::Domain(name) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                host == *name
                    || host
                        .strip_suffix(name.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            }
        }
    }
}

/// The proxies of a server, and the targets reached without one.
#[derive(Clone, Debug, Default)]
pub struct ProxySettings {
    http: Option<Proxy>,
    https: Option<Proxy>,
    bypass: Vec<Bypass>,
}

impl ProxySettings {
    /// The settings from variables looked up by name (curl's names, lowercase first); `Err`
    /// names the variable whose proxy URL cannot be used.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                lookup(name)
                    .filter(|value| !value.trim().is_empty())
                    .map(|value| (*name, value))
            })
        };
        let proxy = |names: &[&'static str]| {
            first(names)
                .map(|(name, value)| Proxy::parse(&value, name))
                .transpose()
        };
        let all = ["all_proxy", "ALL_PROXY"];
        let http = match proxy(&["http_proxy", "HTTP_PROXY"])? {
            Some(proxy) => Some(proxy),
            None => proxy(&all)?,
        };
        let https = match proxy(&["https_proxy", "HTTPS_PROXY"])? {
            Some(proxy) => Some(proxy),
            None => proxy(&all)?,
        };
        let bypass = first(&["no_proxy", "NO_PROXY"])
            .map(|(_, list)| {
                list.split([',', ' ', '\t'])
                    .filter_map(Bypass::parse)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            http,
            https,
            bypass,
        })
    }

    /// The proxy for a request to `host` (`tls` for https), or `None` to go direct.
    pub fn for_target(&self, tls: bool, host: &str) -> Option<&Proxy> {
        let proxy = if tls { &self.https } else { &self.http };
        let proxy = proxy.as_ref()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        (!self.bypass.iter().any(|bypass| bypass.matches(host))).then_some(proxy)
    }
}

tokio::task_local! {
    /// The proxies of the check running on this task; `serve` sets them.
    static SETTINGS: Arc<ProxySettings>;
}

/// Runs `future` (a check, a secret lookup) under `settings`.
pub async fn scoped<F: std::future::Future>(settings: Arc<ProxySettings>, future: F) -> F::Output {
    SETTINGS.scope(settings, future).await
}

/// The proxies of the running check; none outside a scope (a check's unit test).
pub fn current() -> Arc<ProxySettings> {
    SETTINGS
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::new(ProxySettings::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> ProxySettings {
        ProxySettings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
        .unwrap()
    }

    fn target(settings: &ProxySettings, tls: bool, host: &str) -> Option<String> {
        settings.for_target(tls, host).map(Proxy::describe)
    }

    #[test]
    fn each_scheme_takes_its_own_variable_lowercase_first_then_all_proxy() {
        let both = settings(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "lower:2"),
            ("HTTP_PROXY", "plain.example:3"),
        ]);
        assert_eq!(target(&both, true, "h").as_deref(), Some("http://lower:2"));
        assert_eq!(
            target(&both, false, "h").as_deref(),
            Some("http://plain.example:3")
        );
        let all = settings(&[("ALL_PROXY", "[::1]"), ("http_proxy", " ")]);
        assert_eq!(
            target(&all, true, "h").as_deref(),
            Some("http://[::1]:1080")
        );
        assert_eq!(
            target(&all, false, "h").as_deref(),
            Some("http://[::1]:1080")
        );
        assert!(target(&settings(&[]), true, "h").is_none());
    }

    #[test]
    fn no_proxy_matches_like_curl() {
        let proxied = settings(&[
            ("HTTPS_PROXY", "p:8080"),
            (
                "NO_PROXY",
                "internal.example, .corp.example 10.0.0.0/8,127.0.0.1,[::1]",
            ),
        ]);
        for direct in [
            "internal.example",
            "db.internal.example",
            "corp.example",
            "A.Corp.Example.",
            "10.1.2.3",
            "127.0.0.1",
            "::1",
            "[::1]",
        ] {
            assert!(target(&proxied, true, direct).is_none(), "{direct}");
        }
        for via_proxy in ["notinternal.example", "example", "11.0.0.1", "127.0.0.2"] {
            assert!(target(&proxied, true, via_proxy).is_some(), "{via_proxy}");
        }
        let star = settings(&[("https_proxy", "p"), ("no_proxy", "*")]);
        assert!(target(&star, true, "anything.example").is_none());
        // The lowercase list wins, as in curl.
        let lower = settings(&[("https_proxy", "p"), ("no_proxy", "a"), ("NO_PROXY", "*")]);
        assert!(target(&lower, true, "b").is_some());
    }

    #[test]
    fn credentials_are_decoded_sent_as_basic_and_never_shown() {
        let proxy = Proxy::parse("HTTP://us%40er:p%3Ass-Zq81@proxy.example:3128/", "V").unwrap();
        assert_eq!(proxy.describe(), "http://proxy.example:3128");
        assert_eq!(format!("{proxy:?}"), "http://proxy.example:3128");
        let expected = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss-Zq81");
        assert_eq!(
            proxy.authorization(),
            Some(format!("Basic {expected}").as_str())
        );
        let shown = format!("{:?}", settings(&[("https_proxy", "u:pw-Zq81@p:1")]));
        assert!(!shown.contains("pw-Zq81"), "{shown}");
    }

    #[test]
    fn unusable_proxy_urls_name_the_variable_not_the_value() {
        let error = Proxy::parse("https://u:pw-Zq81@p:1", "HTTPS_PROXY").unwrap_err();
        assert!(
            error.starts_with("HTTPS_PROXY uses scheme \"https\""),
            "{error}"
        );
        let error = Proxy::parse("u:pw-Zq81@p:99999", "HTTP_PROXY").unwrap_err();
        assert!(
            error.contains("HTTP_PROXY") && !error.contains("pw-Zq81"),
            "{error}"
        );
        assert!(Proxy::parse("http://:80", "V").is_err());
        assert!(
            ProxySettings::from_lookup(|name| (name == "ALL_PROXY").then(|| "socks5://p".into()))
                .is_err()
        );
    }
}
