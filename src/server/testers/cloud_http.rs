//! The HTTP(S) plumbing of the cloud-API checks (AWS and Google): an endpoint parsed from a
//! config key, one HTTP/1.1 connection opened through the shared resolve and connect stages and a
//! TLS stage (through `tls`, which tells failures in one line: "certificate not trusted:
//! self-signed").

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::net::{connect, resolve};
use super::tls::{self, Verify, Wording};
use super::{Progress, Stage, StageError};

/// The most of a response body a check reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Where a check sends its requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// A path prefix from the URL, without a trailing `/` (usually empty).
    pub base_path: String,
}

impl Endpoint {
    /// `https://{host}` on 443.
    pub fn https(host: &str) -> Self {
        Self {
            tls: true,
            host: host.to_string(),
            port: 443,
            base_path: String::new(),
        }
    }

    /// An `http://` or `https://` URL from `key`.
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

    /// An emulator address from `key`: `host:port`, or a URL (plain HTTP unless it says https).
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
        let (host, port) = split_host_port(authority, key)?;
        if host.is_empty() {
            return Err(resolve_error(key, "has no host"));
        }
        let path = path.split('?').next().unwrap_or_default();
        Ok(Self {
            tls,
            host: host.to_string(),
            port: port.unwrap_or(default_port),
            base_path: path.trim_end_matches('/').to_string(),
        })
    }

    /// The `Host` header: the host, with the port unless it is the scheme's default.
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

    /// `https://host[:port]`, for messages.
    pub fn display(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority(), self.base_path)
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

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port<'a>(
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

/// One request: method, path (with query), headers besides `host`, body.
pub struct Request {
    pub method: http::Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A response: status, headers, body (at most 4 MiB).
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as one short line, for messages.
    pub fn body_line(&self) -> String {
        one_line(&String::from_utf8_lossy(&self.body), 200)
    }
}

/// `text` with runs of whitespace made one space, cut to `limit` characters.
pub fn one_line(text: &str, limit: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > limit {
        let cut: String = line.chars().take(limit).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// An open HTTP/1.1 connection (keep-alive) to one endpoint; reopened when the server closed it
/// between two requests.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    endpoint: Endpoint,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Resolves, connects and (for https) shakes hands with `endpoint`, each as its stage in
/// `progress`. Pass a fresh `Progress` for a second connection that is part of a later stage.
pub async fn open(endpoint: &Endpoint, progress: &Progress) -> Result<Connection, StageError> {
    let addresses = resolve(&endpoint.host, endpoint.port, progress).await?;
    let stream = connect(&addresses, progress).await?;
    if !endpoint.tls {
        return http1(stream, endpoint).await;
    }
    progress.enter(Stage::Tls);
    let config = tls::client_config(Verify::Full, None)?;
    let tls = tls::handshake(stream, &endpoint.host, config, Wording::Cloud).await?;
    http1(tls, endpoint).await
}

async fn http1<T>(io: T, endpoint: &Endpoint) -> Result<Connection, StageError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|error| StageError::new(Stage::Connect, format!("HTTP handshake: {error}")))?;
    let task = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Connection {
        sender,
        endpoint: endpoint.clone(),
        task,
    })
}

impl Connection {
    /// Sends `request`; a transport failure is reported as `stage`.
    pub async fn send(&mut self, request: Request, stage: Stage) -> Result<Reply, StageError> {
        let failed = |what: String| StageError::new(stage, what);
        if self.sender.ready().await.is_err() {
            let endpoint = self.endpoint.clone();
            let reopened = Box::pin(open(&endpoint, &Progress::default()))
                .await
                .map_err(|error| StageError::new(stage, error.reason))?;
            *self = reopened;
        }
        let mut builder = http::Request::builder()
            .method(request.method)
            .uri(request.path)
            .header(http::header::HOST, self.endpoint.authority())
            .header(http::header::USER_AGENT, "sourcedeck-test");
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let outgoing = builder
            .body(Full::new(Bytes::from(request.body)))
            .map_err(|error| failed(format!("could not build the request: {error}")))?;
        self.sender
            .ready()
            .await
            .map_err(|error| failed(transport_error(&error)))?;
        let response = self
            .sender
            .send_request(outgoing)
            .await
            .map_err(|error| failed(transport_error(&error)))?;
        let status = response.status().as_u16();
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, BODY_LIMIT)
            .collect()
            .await
            .map_err(|error| failed(format!("reading the response body: {error}")))?
            .to_bytes()
            .to_vec();
        Ok(Reply {
            status,
            headers: parts.headers,
            body,
        })
    }
}

fn transport_error(error: &hyper::Error) -> String {
    if error.is_incomplete_message() || error.is_closed() || error.is_canceled() {
        "the server closed the connection without an HTTP answer".into()
    } else if error.is_parse() {
        format!("the server did not answer in HTTP/1.1 ({error})")
    } else {
        format!("HTTP exchange failed: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_emulator_addresses_parse() {
        let url = Endpoint::parse_url("http://127.0.0.1:4566/", "K").unwrap();
        assert_eq!(
            url,
            Endpoint {
                tls: false,
                host: "127.0.0.1".into(),
                port: 4566,
                base_path: String::new()
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
                .display(),
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
