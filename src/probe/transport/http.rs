//! The one HTTP/1.1 client of the checks, for the cloud APIs (AWS, Google) and for the kinds
//! that speak HTTP (ClickHouse, Trino, Databricks, Snowflake). It exists so each check goes
//! through real, separately timed stages: resolve and connect (from `net`), a TLS handshake
//! (from `tls`, so a bad certificate is reported as the TLS stage with a clean reason such as
//! "certificate not trusted: self-signed"), then HTTP/1.1 requests over that one connection,
//! reopened if the server closed it, with answers read up to a limit and scrubbed of every
//! credential the check sent ([`Client::hide`]).
//!
//! An endpoint comes from a config key in one of two ways. The HTTP kinds' host key may hold a
//! bare host name (`db.example.com`) or a URL with an explicit scheme (`http://127.0.0.1:8123`);
//! a URL is used as given (its scheme decides TLS, its port wins over the port key), which is how
//! tests point a check at a loopback peer without any global state ([`parse_host`]). The cloud
//! checks take an endpoint URL or an emulator address ([`Endpoint::parse_url`],
//! [`Endpoint::parse_emulator`]).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_rustls::rustls::ClientConfig;

use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{Progress, Stage, StageError};

/// The most of a response body a check reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

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

/// Whether a boolean config value is true (`1`, `true`, `yes`, `t`, `y`, any case).
pub fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "t" | "y"
    )
}

/// Percent-encodes `text` for a query string (everything but RFC 3986 unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `Basic base64(user:password)`.
pub fn basic_auth(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The stage an HTTP error status belongs to: credentials for 401/403/407, the query otherwise.
pub fn status_stage(status: u16) -> Stage {
    match status {
        401 | 403 | 407 => Stage::Authenticate,
        _ => Stage::Query,
    }
}

/// The path and query of a URL (`https://h/v1/statement/x?y` → `/v1/statement/x?y`); a value
/// that is already a path is returned as is.
pub fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(index) => rest[index..].to_string(),
            None => "/".to_string(),
        },
        None => url.to_string(),
    }
}

/// What a check may say about a body it has no status or content type for: the documented
/// error message, else only its length (see [`super::error_body`]).
pub fn snippet(body: &[u8]) -> String {
    super::error_body::describe(None, None, body)
}

/// `text` with control characters and whitespace runs made one space, cut to `limit` characters.
pub fn one_line(text: &str, limit: usize) -> String {
    super::error_body::clean(text, limit)
}

/// One request as a cloud check builds it: method, path (with query), headers besides `host`
/// and `user-agent`, body.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// An HTTP answer read in full (at most 4 MiB).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body as a check may report it: its documented error message, else only status,
    /// content type and length.
    pub fn body_line(&self) -> String {
        super::error_body::describe(Some(self.status), self.header("content-type"), &self.body)
    }
}

/// An open HTTP/1.1 connection to an endpoint; reopened (without new stages) when the server
/// closes it between requests.
pub struct Client {
    endpoint: Endpoint,
    addresses: Vec<SocketAddr>,
    sender: SendRequest<Full<Bytes>>,
    task: JoinHandle<()>,
    /// Values blanked out of every answer before anyone reads it (a server may echo them).
    secrets: Vec<String>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// Resolves, connects and (for https) completes the TLS handshake, each as its stage.
    pub async fn open(endpoint: &Endpoint, progress: &Progress) -> Result<Self, StageError> {
        let addresses = resolve(&endpoint.host, endpoint.port, progress).await?;
        let tcp = connect(&addresses, progress).await?;
        let (sender, task) = handshake(endpoint, tcp, progress).await?;
        Ok(Self {
            endpoint: endpoint.clone(),
            addresses,
            sender,
            task,
            secrets: Vec::new(),
        })
    }

    /// Blanks `secret` (a password, token, signed assertion or header value built from one) out
    /// of every later answer, so an error that echoes it, even cut short to one line, cannot
    /// show it or a piece of it.
    pub fn hide(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|known| known == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    /// A request to `path` (with its query) carrying Host and User-Agent.
    pub fn request(&self, method: Method, path: &str) -> hyper::http::request::Builder {
        let user_agent = concat!("sourcedeck/", env!("CARGO_PKG_VERSION"));
        Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, self.endpoint.authority())
            .header(hyper::header::USER_AGENT, user_agent)
    }

    /// Sends a cloud check's [`Call`] (see [`Client::send`]).
    pub async fn call(&mut self, call: Call, stage: Stage) -> Result<Reply, StageError> {
        let mut request = self.request(call.method, &call.path);
        for (name, value) in &call.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        self.send(request, call.body, stage).await
    }

    /// Sends a request and reads the whole answer; the error is one line for `stage`.
    pub async fn send(
        &mut self,
        request: hyper::http::request::Builder,
        body: impl Into<Bytes>,
        stage: Stage,
    ) -> Result<Reply, StageError> {
        let failed = |what: String| StageError::new(stage, what);
        let request = request
            .body(Full::new(body.into()))
            .map_err(|error| failed(format!("could not build the request: {error}")))?;
        if self.sender.ready().await.is_err() {
            self.reopen(stage).await?;
            self.sender
                .ready()
                .await
                .map_err(|error| failed(hyper_reason(&error)))?;
        }
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|error| failed(hyper_reason(&error)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = Limited::new(response.into_body(), BODY_LIMIT)
            .collect()
            .await
            .map_err(|error| failed(format!("could not read the answer: {error}")))?
            .to_bytes()
            .to_vec();
        let body = redact(body, &self.secrets);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    async fn reopen(&mut self, stage: Stage) -> Result<(), StageError> {
        let quiet = Progress::default();
        let tcp = connect(&self.addresses, &quiet)
            .await
            .map_err(|error| StageError::new(stage, error.reason))?;
        let (sender, task) = handshake(&self.endpoint, tcp, &quiet)
            .await
            .map_err(|error| StageError::new(stage, error.reason))?;
        self.task.abort();
        self.sender = sender;
        self.task = task;
        Ok(())
    }
}

/// `body` with every occurrence of each secret replaced by the redaction marker.
fn redact(mut body: Vec<u8>, secrets: &[String]) -> Vec<u8> {
    let marker = crate::domain::secret::REDACTED.as_bytes();
    for secret in secrets.iter().map(String::as_bytes) {
        if secret.is_empty() || body.len() < secret.len() {
            continue;
        }
        let mut out = Vec::with_capacity(body.len());
        let mut index = 0;
        while index < body.len() {
            if body[index..].starts_with(secret) {
                out.extend_from_slice(marker);
                index += secret.len();
            } else {
                out.push(body[index]);
                index += 1;
            }
        }
        body = out;
    }
    body
}

type Handshake = (SendRequest<Full<Bytes>>, JoinHandle<()>);

async fn handshake(
    endpoint: &Endpoint,
    tcp: tokio::net::TcpStream,
    progress: &Progress,
) -> Result<Handshake, StageError> {
    if !endpoint.tls {
        return http_handshake(tcp).await;
    }
    progress.enter(Stage::Tls);
    let config = tls_config()?;
    let stream = tls::handshake(tcp, &endpoint.host, config).await?;
    http_handshake(stream).await
}

async fn http_handshake<S>(stream: S) -> Result<Handshake, StageError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| StageError::new(Stage::Connect, hyper_reason(&error)))?;
    let task = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((sender, task))
}

/// A hyper error as one line a person can act on.
fn hyper_reason(error: &hyper::Error) -> String {
    if error.is_incomplete_message() || error.is_closed() || error.is_canceled() {
        "the server closed the connection without an HTTP answer".into()
    } else if error.is_parse() {
        "the server did not answer in HTTP/1.1".into()
    } else {
        match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        }
    }
}

/// The TLS client configuration (see `tls`), built once per process: it only reads the system's
/// certificates.
fn tls_config() -> Result<Arc<ClientConfig>, StageError> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| tls::client_config(Verify::Full, None).map_err(|error| error.reason))
        .clone()
        .map_err(|reason| StageError::new(Stage::Tls, reason))
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
    fn encoding_and_helpers() {
        assert_eq!(encode("SELECT 1"), "SELECT%201");
        assert_eq!(encode("a-b_c.d~é"), "a-b_c.d~%C3%A9");
        assert_eq!(
            basic_auth("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(truthy(" Yes") && truthy("t") && !truthy("false") && !truthy("0"));
        assert_eq!(
            path_of("http://h:1/v1/statement/q/1?x=2"),
            "/v1/statement/q/1?x=2"
        );
        assert_eq!(path_of("https://h"), "/");
        assert_eq!(path_of("/a"), "/a");
        assert_eq!(
            snippet(b"\n  first line\nsecond"),
            "an answer of 20 bytes in no known format"
        );
        assert_eq!(snippet(br#"{"message": "first line"}"#), "first line");
        assert_eq!(status_stage(401), Stage::Authenticate);
        assert_eq!(status_stage(404), Stage::Query);
    }

    #[test]
    fn answers_are_redacted_of_hidden_values() {
        let secrets = vec!["hunter22".to_string(), "tok".to_string()];
        assert_eq!(
            redact(b"bad hunter22, hunter22!hunter2".to_vec(), &secrets),
            b"bad [redacted], [redacted]!hunter2".to_vec()
        );
        assert_eq!(redact(b"x".to_vec(), &secrets), b"x".to_vec());
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

    #[test]
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
