//! Loopback stand-ins for GCP Secret Manager and Azure Key Vault, answering as the real APIs
//! document: GCP's `POST /token` verifies the service-account JWT's RS256 signature (with the
//! public half of the test key), `aud`, `iss` and lifetime, then
//! `GET /v1/projects/P/secrets/S/versions/latest:access` answers `payload.data` in base64 and
//! errors in Google's `{"error": {code, message, status}}` shape. Azure's
//! `POST /{tenant}/oauth2/v2.0/token` checks the client-credentials form, then
//! `GET /secrets/S?api-version=7.4` demands that bearer token and answers `{"value": ...}` or
//! Key Vault's `{"error": {code, message}}`. Secrets are set by the test; a name starting with
//! `forbidden` is refused as the real stores refuse a caller without permission. Aborted on drop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::json;
use tokio::net::TcpListener;

pub use super::google_oauth::TEST_KEY_PEM;
use super::google_oauth::{
    Grant, form_field, google_error, refuse_jwt_grant, reply, serve, test_public_key, token_reply,
};
pub const GCP_PROJECT: &str = "demo-project";
pub const CLIENT_EMAIL: &str = "resolver@demo-project.iam.gserviceaccount.com";
pub const AZURE_TENANT: &str = "0f1e2d3c-tenant";
pub const AZURE_CLIENT_ID: &str = "c0ffee00-client";
pub const AZURE_CLIENT_SECRET: &str = "azure-client-secret-Qv71";
/// The access token either peer issues; must never appear in a message.
pub const ACCESS_TOKEN: &str = "peer-access-token-Hh42Zx";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Gcp,
    Azure,
}

struct State {
    flavor: Flavor,
    port: u16,
    public_key: Vec<u8>,
    secrets: Mutex<HashMap<String, String>>,
}

pub struct SecretManagerPeer {
    pub port: u16,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SecretManagerPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SecretManagerPeer {
    pub async fn start(flavor: Flavor) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(State {
            flavor,
            port,
            public_key: test_public_key(),
            secrets: Mutex::new(HashMap::new()),
        });
        let task = serve(listener, state.clone(), |state, request| async move {
            answer(&state, request).await
        });
        Self { port, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A service-account key file's JSON whose token endpoint is this peer.
    pub fn service_account_json(&self) -> String {
        json!({
            "type": "service_account",
            "project_id": GCP_PROJECT,
            "private_key_id": "test-key-1",
            "private_key": TEST_KEY_PEM,
            "client_email": CLIENT_EMAIL,
            "client_id": "1",
            "token_uri": format!("{}/token", self.url()),
        })
        .to_string()
    }

    /// Adds a new latest version of `name`.
    pub fn set(&self, name: &str, value: &str) {
        self.state
            .secrets
            .lock()
            .unwrap()
            .insert(name.into(), value.into());
    }

    pub fn delete(&self, name: &str) {
        self.state.secrets.lock().unwrap().remove(name);
    }
}

fn azure_error(code: u16, error: &str, message: &str) -> Response<Full<Bytes>> {
    reply(code, json!({"error": {"code": error, "message": message}}))
}

async fn answer(state: &State, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let bearer = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {ACCESS_TOKEN}"));
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let form = String::from_utf8_lossy(&body).to_string();
    match state.flavor {
        Flavor::Gcp if method == hyper::Method::POST && path == "/token" => gcp_token(state, &form),
        Flavor::Gcp if !bearer => google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        ),
        Flavor::Gcp => gcp_api(state, &path),
        Flavor::Azure
            if method == hyper::Method::POST
                && path == format!("/{AZURE_TENANT}/oauth2/v2.0/token") =>
        {
            if form_field(&form, "grant_type") == "client_credentials"
                && form_field(&form, "client_id") == AZURE_CLIENT_ID
                && form_field(&form, "client_secret") == AZURE_CLIENT_SECRET
                && form_field(&form, "scope") == "https%3A%2F%2Fvault.azure.net%2F.default"
            {
                token_reply(ACCESS_TOKEN)
            } else {
                reply(
                    401,
                    json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}),
                )
            }
        }
        Flavor::Azure if !bearer => azure_error(
            401,
            "Unauthorized",
            "AKV10000: Request is missing a Bearer or PoP token.",
        ),
        Flavor::Azure => azure_api(state, &path, &query),
    }
}

/// The JWT bearer grant: the assertion must verify with the trusted key.
fn gcp_token(state: &State, form: &str) -> Response<Full<Bytes>> {
    let audience = format!("http://127.0.0.1:{}/token", state.port);
    let grant = Grant {
        public_key: &state.public_key,
        audience: &audience,
        issuer: CLIENT_EMAIL,
    };
    refuse_jwt_grant(&grant, form).unwrap_or_else(|| token_reply(ACCESS_TOKEN))
}

fn gcp_api(state: &State, path: &str) -> Response<Full<Bytes>> {
    let prefix = format!("/v1/projects/{GCP_PROJECT}/secrets/");
    let Some(name) = path
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix("/versions/latest:access"))
    else {
        return google_error(404, "NOT_FOUND", "Requested entity was not found.");
    };
    if name.starts_with("forbidden") {
        let message = format!(
            "Permission 'secretmanager.versions.access' denied for resource 'projects/{GCP_PROJECT}/secrets/{name}/versions/latest' (or it may not exist)."
        );
        return google_error(403, "PERMISSION_DENIED", &message);
    }
    match state.secrets.lock().unwrap().get(name) {
        Some(value) => reply(
            200,
            json!({
                "name": format!("projects/123456789/secrets/{name}/versions/1"),
                "payload": {"data": base64::engine::general_purpose::STANDARD.encode(value)},
            }),
        ),
        None => google_error(
            404,
            "NOT_FOUND",
            &format!("Secret [projects/123456789/secrets/{name}] not found or has no versions."),
        ),
    }
}

fn azure_api(state: &State, path: &str, query: &str) -> Response<Full<Bytes>> {
    if query != "api-version=7.4" {
        return azure_error(
            400,
            "BadParameter",
            "The specified version of the API is not supported.",
        );
    }
    let Some(name) = path
        .strip_prefix("/secrets/")
        .filter(|name| !name.contains('/'))
    else {
        return azure_error(404, "NotFound", "Not found");
    };
    if name.starts_with("forbidden") {
        return reply(
            403,
            json!({"error": {"code": "Forbidden", "message": format!("The user, group or application 'appid={AZURE_CLIENT_ID}' does not have secrets get permission on key vault 'demo-vault'."), "innererror": {"code": "AccessDenied"}}}),
        );
    }
    match state.secrets.lock().unwrap().get(name) {
        Some(value) => reply(
            200,
            json!({
                "value": value,
                "id": format!("https://demo-vault.vault.azure.net/secrets/{name}/0123456789abcdef0123456789abcdef"),
                "attributes": {"enabled": true},
            }),
        ),
        None => azure_error(
            404,
            "SecretNotFound",
            &format!("A secret with (name/id) {name} was not found in this key vault."),
        ),
    }
}
