//! GCP Secret Manager: `versions/latest:access` and `secrets` listing over REST, with an access
//! token from the service-account key file in `GOOGLE_APPLICATION_CREDENTIALS` (the JWT bearer
//! flow the Google checks use). Regional stores use `secretmanager.{region}.rep.googleapis.com`
//! and `locations/{region}` names; `CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER` (gcloud's own
//! override) replaces the endpoint, e.g. for a loopback stand-in.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;

use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

use super::{
    NamesPage, ResolveError, after_secrets, bearer_get, encode, endpoint_from, json_error,
    text_secret,
};
use crate::domain::Secret;
use crate::probe::auth::google as google_auth;
use crate::probe::transport::http::{Endpoint, Reply};
use crate::server::process_env::ProcessEnv;

/// How long an access token (valid an hour) is reused.
const TOKEN_REUSE: Duration = Duration::from_secs(30 * 60);
const CREDENTIALS_VARIABLE: &str = "GOOGLE_APPLICATION_CREDENTIALS";
const ENDPOINT_VARIABLE: &str = "CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER";

pub struct GcpSecrets {
    project: String,
    region: Option<String>,
    endpoint: Endpoint,
    /// The service-account key file ([`CREDENTIALS_VARIABLE`]), read when a token is needed.
    credentials_path: Option<String>,
    token: Mutex<Option<(Secret, Instant)>>,
}

impl GcpSecrets {
    pub fn from_env(project: &str, region: Option<&str>, env: &ProcessEnv) -> Result<Self, String> {
        let endpoint = match env.first(&[ENDPOINT_VARIABLE]) {
            Some(url) => endpoint_from(&url, ENDPOINT_VARIABLE)?,
            None => Endpoint::https(&match region {
                Some(region) => format!("secretmanager.{region}.rep.googleapis.com"),
                None => "secretmanager.googleapis.com".to_string(),
            }),
        };
        Ok(Self {
            project: project.to_string(),
            region: region.map(str::to_string),
            endpoint,
            credentials_path: env.first(&[CREDENTIALS_VARIABLE]),
            token: Mutex::new(None),
        })
    }

    /// `/v1/projects/P[/locations/R]/secrets`.
    fn secrets_path(&self) -> String {
        let location = self
            .region
            .as_ref()
            .map(|region| format!("/locations/{}", encode(region)))
            .unwrap_or_default();
        self.endpoint.path(&format!(
            "/v1/projects/{}{location}/secrets",
            encode(&self.project)
        ))
    }

    async fn access_token(&self) -> Result<Secret, ResolveError> {
        if let Ok(cached) = self.token.lock()
            && let Some((token, read)) = cached.as_ref()
            && read.elapsed() < TOKEN_REUSE
        {
            return Ok(token.clone());
        }
        let path = self.credentials_path.as_deref().ok_or_else(|| {
            ResolveError::Credentials(format!(
                "{CREDENTIALS_VARIABLE} is not set (the path of a service-account key file)"
            ))
        })?;
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|error| {
            ResolveError::Credentials(format!("{CREDENTIALS_VARIABLE} {path}: {error}"))
        })?);
        let encoded =
            Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(text.as_bytes()));
        let account = google_auth::parse_service_account(&encoded, CREDENTIALS_VARIABLE)
            .map_err(|error| ResolveError::Credentials(error.reason))?;
        let token = google_auth::access_token(&account, google_auth::SCOPE)
            .await
            .map(Secret::new)
            .map_err(|error| ResolveError::Credentials(error.reason))?;
        if let Ok(mut cached) = self.token.lock() {
            *cached = Some((token.clone(), Instant::now()));
        }
        Ok(token)
    }

    async fn get_json(&self, path: String, permission: &str) -> Result<Reply, ResolveError> {
        let token = self.access_token().await?;
        bearer_get(&self.endpoint, path, &token, |reply| {
            error_of(reply, permission)
        })
        .await
    }

    /// The payload of `versions/latest` of `name`, as UTF-8 text.
    pub async fn get(&self, name: &str) -> Result<Secret, ResolveError> {
        let path = format!(
            "{}/{}/versions/latest:access",
            self.secrets_path(),
            encode(name)
        );
        let mut reply = self.get_json(path, "secretmanager.versions.access").await?;
        let parsed: Result<Value, _> = serde_json::from_slice(&reply.body);
        reply.body.zeroize();
        let mut json = parsed.map_err(|_| {
            ResolveError::Other("the access call answered something that is not JSON".into())
        })?;
        let Some(Value::String(mut data)) = json.pointer_mut("/payload/data").map(Value::take)
        else {
            return Err(ResolveError::Other(
                "the access call answered without payload.data".into(),
            ));
        };
        let decoded = base64::engine::general_purpose::STANDARD.decode(data.trim());
        data.zeroize();
        let bytes =
            decoded.map_err(|_| ResolveError::Other("payload.data is not base64".into()))?;
        text_secret(bytes, "the secret's payload")
    }

    /// One page of `secrets` (names only).
    pub async fn list(&self, token: Option<&str>, size: u32) -> Result<NamesPage, ResolveError> {
        let mut path = format!("{}?pageSize={size}", self.secrets_path());
        if let Some(token) = token {
            path.push_str(&format!("&pageToken={}", encode(token)));
        }
        let reply = self.get_json(path, "secretmanager.secrets.list").await?;
        let json = reply.json().unwrap_or(Value::Null);
        Ok(NamesPage::from_listing(
            &json,
            ["secrets", "name", "nextPageToken"],
            after_secrets,
        ))
    }
}

/// Google's JSON error (`error.status`, `error.message`) as a [`ResolveError`].
pub fn error_of(reply: &Reply, permission: &str) -> ResolveError {
    let (status, message) = json_error(reply, "/error/status");
    match status.as_str() {
        "NOT_FOUND" => ResolveError::NotFound,
        "PERMISSION_DENIED" => ResolveError::AccessDenied {
            action: permission.to_string(),
            detail: message,
        },
        "RESOURCE_EXHAUSTED" => ResolveError::Throttled,
        "UNAUTHENTICATED" => ResolveError::Credentials(format!("{status}: {message}")),
        _ => ResolveError::Other(format!("{status}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_errors_are_classified() {
        let reply = crate::server::linked_secrets::test_reply;
        let denied = reply(
            403,
            r#"{"error":{"code":403,"message":"Permission 'secretmanager.versions.access' denied","status":"PERMISSION_DENIED"}}"#,
        );
        assert!(matches!(
            error_of(&denied, "secretmanager.versions.access"),
            ResolveError::AccessDenied { .. }
        ));
        let missing = reply(
            404,
            r#"{"error":{"code":404,"message":"Secret [x] not found","status":"NOT_FOUND"}}"#,
        );
        assert_eq!(error_of(&missing, "p"), ResolveError::NotFound);
        let busy = reply(
            429,
            r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#,
        );
        assert_eq!(error_of(&busy, "p"), ResolveError::Throttled);
    }

    #[test]
    fn regional_stores_use_the_regional_endpoint_and_names() {
        let store =
            GcpSecrets::from_env("demo", Some("europe-west1"), &ProcessEnv::default()).unwrap();
        assert_eq!(
            store.endpoint,
            Endpoint::https("secretmanager.europe-west1.rep.googleapis.com")
        );
        assert_eq!(
            store.secrets_path(),
            "/v1/projects/demo/locations/europe-west1/secrets"
        );
    }
}
