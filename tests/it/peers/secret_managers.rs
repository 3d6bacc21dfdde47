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
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const TEST_KEY_PEM: &str = include_str!("../../fixtures/TEST-ONLY-service-account-key.pem");
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

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body")
}

impl SecretManagerPeer {
    pub async fn start(flavor: Flavor) -> Self {
        let key_pair = RsaKeyPair::from_pkcs8(&pem_der(TEST_KEY_PEM)).expect("test key");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(State {
            flavor,
            port,
            public_key: key_pair.public_key().as_ref().to_vec(),
            secrets: Mutex::new(HashMap::new()),
        });
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
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

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

fn google_error(code: u16, status: &str, message: &str) -> Response<Full<Bytes>> {
    reply(
        code,
        json!({"error": {"code": code, "message": message, "status": status}}),
    )
}

fn azure_error(code: u16, error: &str, message: &str) -> Response<Full<Bytes>> {
    reply(code, json!({"error": {"code": error, "message": message}}))
}

fn form_field(form: &str, name: &str) -> String {
    form.split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .to_string()
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
                reply(
                    200,
                    json!({"token_type": "Bearer", "expires_in": 3599, "access_token": ACCESS_TOKEN}),
                )
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
    let invalid = |description: &str| {
        reply(
            400,
            json!({"error": "invalid_grant", "error_description": description}),
        )
    };
    if form_field(form, "grant_type") != "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" {
        return reply(400, json!({"error": "unsupported_grant_type"}));
    }
    let assertion = form_field(form, "assertion");
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return invalid("Invalid JWT.");
    }
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_default()
    };
    let signed = format!("{}.{}", parts[0], parts[1]);
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &state.public_key)
        .verify(signed.as_bytes(), &decode(parts[2]))
        .is_err()
    {
        return invalid("Invalid JWT Signature.");
    }
    let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap_or(Value::Null);
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap_or(0),
        claims["exp"].as_u64().unwrap_or(0),
    );
    if claims["aud"] != format!("http://127.0.0.1:{}/token", state.port).as_str()
        || claims["iss"] != CLIENT_EMAIL
        || claims["scope"].as_str().is_none()
        || exp <= iat
        || exp - iat > 3600
    {
        return invalid("Invalid JWT claims.");
    }
    reply(
        200,
        json!({"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}),
    )
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
