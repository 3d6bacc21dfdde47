//! A loopback stand-in for Google's token endpoint and the three read APIs the Google checks
//! call, over HTTP/1.1: `POST /token` verifies the JWT bearer assertion's RS256 signature with
//! the public half of the test key (and its `aud`, `iss`, `exp`), then the API paths demand the
//! token it issued. Answers use Google's JSON error shape. Aborted on drop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::json;
use tokio::net::TcpListener;

pub use super::google_oauth::TEST_KEY_PEM;
use super::google_oauth::{
    Grant, google_error, refuse_jwt_grant, reply, serve, test_public_key, token_reply,
};
pub const CLIENT_EMAIL: &str = "checker@demo-project.iam.gserviceaccount.com";
pub const PROJECT: &str = "demo-project";
pub const DATASET: &str = "analytics";
pub const INSTANCE: &str = "main";
pub const DATABASE: &str = "orders";
pub const SUBSCRIPTION: &str = "events-sub";
/// The access token the peer issues; must never appear in a message.
pub const ACCESS_TOKEN: &str = "ya29.test-access-token-Jx81Qa";

struct State {
    public_key: Vec<u8>,
    token_uri: String,
    require_auth: bool,
    /// Token requests whose JWT verified.
    issued: AtomicUsize,
}

pub struct GooglePeer {
    pub port: u16,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GooglePeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A service-account JSON for `private_key_pem` with its token endpoint at `token_uri`, base64.
pub fn credentials_b64(private_key_pem: &str, token_uri: &str) -> String {
    let json = json!({
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "test-key-1",
        "private_key": private_key_pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "1",
        "token_uri": token_uri,
    });
    base64::engine::general_purpose::STANDARD.encode(json.to_string())
}

impl GooglePeer {
    /// A peer that trusts the test key; with `require_auth` false, API calls need no token (as
    /// an emulator).
    pub async fn start(require_auth: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(State {
            public_key: test_public_key(),
            token_uri: format!("http://127.0.0.1:{port}/token"),
            require_auth,
            issued: AtomicUsize::new(0),
        });
        let task = serve(listener, state.clone(), |state, request| async move {
            answer(&state, request).await
        });
        Self { port, state, task }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn token_uri(&self) -> String {
        self.state.token_uri.clone()
    }

    /// How many tokens the peer issued for a verified JWT.
    pub fn tokens_issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }
}

async fn answer(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let body = request
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes().to_vec())
        .unwrap_or_default();
    if method == hyper::Method::POST && path == "/token" {
        return token(state, &body);
    }
    let authorized = authorization.as_deref() == Some(&format!("Bearer {ACCESS_TOKEN}"));
    if state.require_auth && !authorized {
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    }
    api(&method, &path)
}

/// The JWT bearer grant: the assertion must verify with the trusted key.
fn token(state: &State, body: &[u8]) -> Response<Full<Bytes>> {
    let grant = Grant {
        public_key: &state.public_key,
        audience: &state.token_uri,
        issuer: CLIENT_EMAIL,
    };
    if let Some(refused) = refuse_jwt_grant(&grant, &String::from_utf8_lossy(body)) {
        return refused;
    }
    state.issued.fetch_add(1, Ordering::SeqCst);
    token_reply(ACCESS_TOKEN)
}

/// The read APIs: one dataset, one database (sessions + executeSql), one subscription.
fn api(method: &hyper::Method, path: &str) -> Response<Full<Bytes>> {
    let dataset_prefix = format!("/bigquery/v2/projects/{PROJECT}/datasets/");
    let database_prefix = format!("/v1/projects/{PROJECT}/instances/{INSTANCE}/databases/");
    let subscription_prefix = format!("/v1/projects/{PROJECT}/subscriptions/");
    if let Some(dataset) = path.strip_prefix(&dataset_prefix) {
        return if dataset == DATASET && method == hyper::Method::GET {
            reply(
                200,
                json!({
                    "kind": "bigquery#dataset",
                    "id": format!("{PROJECT}:{DATASET}"),
                    "datasetReference": {"projectId": PROJECT, "datasetId": DATASET},
                    "location": "US",
                }),
            )
        } else {
            google_error(
                404,
                "NOT_FOUND",
                &format!("Not found: Dataset {PROJECT}:{dataset}"),
            )
        };
    }
    if let Some(rest) = path.strip_prefix(&database_prefix) {
        let (database, action) = rest.split_once('/').unwrap_or((rest, ""));
        if database != DATABASE {
            return google_error(
                404,
                "NOT_FOUND",
                &format!(
                    "Database not found: projects/{PROJECT}/instances/{INSTANCE}/databases/{database}"
                ),
            );
        }
        let session =
            format!("projects/{PROJECT}/instances/{INSTANCE}/databases/{DATABASE}/sessions/s1");
        return match (method.as_str(), action) {
            ("POST", "sessions") => reply(200, json!({"name": session})),
            ("POST", "sessions/s1:executeSql") => reply(
                200,
                json!({
                    "metadata": {"rowType": {"fields": [{"type": {"code": "INT64"}}]}},
                    "rows": [["1"]],
                }),
            ),
            ("DELETE", "sessions/s1") => reply(200, json!({})),
            _ => google_error(404, "NOT_FOUND", "Session not found"),
        };
    }
    if let Some(subscription) = path.strip_prefix(&subscription_prefix) {
        return if subscription == SUBSCRIPTION && method == hyper::Method::GET {
            reply(
                200,
                json!({
                    "name": format!("projects/{PROJECT}/subscriptions/{SUBSCRIPTION}"),
                    "topic": format!("projects/{PROJECT}/topics/events"),
                    "ackDeadlineSeconds": 10,
                }),
            )
        } else {
            google_error(
                404,
                "NOT_FOUND",
                &format!("Resource not found (resource={subscription})."),
            )
        };
    }
    google_error(404, "NOT_FOUND", &format!("no route for {method} {path}"))
}
