//! The one HTTP/1.1 client of the checks, for the cloud APIs (AWS, Google) and for the kinds
//! that speak HTTP (ClickHouse, Trino, Databricks, Snowflake). It exists so each check goes
//! through real, separately timed stages: resolve and connect (from `tcp`), a TLS handshake
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
//!
//! Under `HTTPS_PROXY`/`HTTP_PROXY` ([`proxy`]) the connection goes to the proxy: a CONNECT
//! tunnel for https targets (TLS to the target inside it, [`tunnel`]), absolute-form requests
//! for http targets.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_rustls::rustls::ClientConfig;

mod endpoint;
pub mod proxy;
mod redact;
mod text;
mod tunnel;

pub use endpoint::{Endpoint, HostSpec, parse_host};
pub use text::{basic_auth, encode, one_line, path_of, snippet, status_stage, truthy};

use proxy::Proxy;
use redact::redact;

use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{Progress, Stage, StageError};

/// The most of a response body a check reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

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
        crate::probe::transport::error_body::describe(
            Some(self.status),
            self.header("content-type"),
            &self.body,
        )
    }
}

/// How a client's connection reaches its endpoint.
#[derive(Clone, Debug)]
enum Route {
    Direct,
    /// An https target through a CONNECT tunnel, TLS to the target inside it.
    Tunnel(Proxy),
    /// An http target through a proxy taking absolute-form requests.
    Forward(Proxy),
}

impl Route {
    /// The route to `endpoint` under the running check's proxy settings.
    fn to(endpoint: &Endpoint) -> Self {
        match proxy::current().for_target(endpoint.tls, &endpoint.host) {
            None => Self::Direct,
            Some(proxy) if endpoint.tls => Self::Tunnel(proxy.clone()),
            Some(proxy) => Self::Forward(proxy.clone()),
        }
    }

    fn proxy(&self) -> Option<&Proxy> {
        match self {
            Self::Direct => None,
            Self::Tunnel(proxy) | Self::Forward(proxy) => Some(proxy),
        }
    }
}

/// An open HTTP/1.1 connection to an endpoint, directly or through a proxy ([`proxy`]);
/// reopened (without new stages) when the server closes it between requests.
pub struct Client {
    endpoint: Endpoint,
    route: Route,
    /// The addresses of the endpoint, or of the proxy when there is one.
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
    /// Resolves, connects and (for https) completes the TLS handshake, each as its stage. Under
    /// a proxy, resolve and connect are the proxy's (failures name it) and TLS is the target's.
    pub async fn open(endpoint: &Endpoint, progress: &Progress) -> Result<Self, StageError> {
        let route = Route::to(endpoint);
        let addresses = match route.proxy() {
            None => resolve(&endpoint.host, endpoint.port, progress).await?,
            Some(proxy) => {
                allowed_behind_proxy(endpoint)?;
                resolve(&proxy.host, proxy.port, progress)
                    .await
                    .map_err(|error| naming(proxy, error))?
            }
        };
        let tcp = connect(&addresses, progress)
            .await
            .map_err(|error| match route.proxy() {
                Some(proxy) => naming(proxy, error),
                None => error,
            })?;
        let (sender, task) = handshake(endpoint, &route, tcp, progress).await?;
        let mut client = Self {
            endpoint: endpoint.clone(),
            route,
            addresses,
            sender,
            task,
            secrets: Vec::new(),
        };
        if let Some(authorization) = client.route.proxy().and_then(Proxy::authorization) {
            let authorization = authorization.to_string();
            client.hide(&authorization);
        }
        Ok(client)
    }

    /// Blanks `secret` (a password, token, signed assertion or header value built from one) out
    /// of every later answer, so an error that echoes it, even cut short to one line, cannot
    /// show it or a piece of it.
    pub fn hide(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|known| known == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    /// A request to `path` (with its query) carrying Host and User-Agent; through a forwarding
    /// proxy, in absolute form with the proxy's credentials.
    pub fn request(&self, method: Method, path: &str) -> hyper::http::request::Builder {
        let user_agent = concat!("sourcedeck/", env!("CARGO_PKG_VERSION"));
        let builder = Request::builder().method(method);
        let builder = match &self.route {
            Route::Forward(proxy) => {
                let uri = format!(
                    "{}://{}{path}",
                    self.endpoint.scheme(),
                    self.endpoint.authority()
                );
                match proxy.authorization() {
                    Some(authorization) => builder
                        .uri(uri)
                        .header(hyper::header::PROXY_AUTHORIZATION, authorization),
                    None => builder.uri(uri),
                }
            }
            Route::Direct | Route::Tunnel(_) => builder.uri(path),
        };
        builder
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

    /// Sends a request and reads the whole answer; the error is one line for `stage`. A
    /// forwarding proxy's 407 fails the connect stage naming the proxy.
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
        if let (Route::Forward(proxy), 407) = (&self.route, status) {
            return Err(StageError::new(
                Stage::Connect,
                format!(
                    "proxy {} refused the request to {}: it answered 407 (its credentials are missing or refused)",
                    proxy.describe(),
                    self.endpoint.describe()
                ),
            ));
        }
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
        let (sender, task) = handshake(&self.endpoint, &self.route, tcp, &quiet)
            .await
            .map_err(|error| StageError::new(stage, error.reason))?;
        self.task.abort();
        self.sender = sender;
        self.task = task;
        Ok(())
    }
}

/// `error` of reaching `proxy`, saying it was the proxy.
fn naming(proxy: &Proxy, error: StageError) -> StageError {
    StageError::new(
        error.stage,
        format!("proxy {}: {}", proxy.describe(), error.reason),
    )
}

/// A target named by IP address must pass the egress policy even when a proxy dials it, so a
/// proxy cannot carry a check to a denied range (cloud metadata); a named target is resolved by
/// the proxy, which bounds it.
fn allowed_behind_proxy(endpoint: &Endpoint) -> Result<(), StageError> {
    let Ok(address) = endpoint.host.parse::<std::net::IpAddr>() else {
        return Ok(());
    };
    crate::probe::egress::current()
        .check(address)
        .map_err(|rule| StageError::new(Stage::Connect, format!("{address} {rule}")))
}

type Handshake = (SendRequest<Full<Bytes>>, JoinHandle<()>);

async fn handshake(
    endpoint: &Endpoint,
    route: &Route,
    mut tcp: tokio::net::TcpStream,
    progress: &Progress,
) -> Result<Handshake, StageError> {
    if let Route::Tunnel(proxy) = route {
        tunnel::open(&mut tcp, proxy, &endpoint.host, endpoint.port).await?;
    }
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
