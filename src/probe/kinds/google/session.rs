//! A connection to a Google API: the endpoint (the emulator key's address, or the API host),
//! sign-in with the kind's service-account key (optional against an emulator), and calls whose
//! success answers come back as JSON and whose errors come back in their stage.

use serde_json::Value;

use super::Spec;
use super::api_error::api_error;
use crate::probe::auth::google::{
    self as google_auth, SCOPE, ServiceAccount, parse_service_account,
};
use crate::probe::config::value;
use crate::probe::transport::http::{Call, Client as HttpClient, Endpoint};
use crate::probe::{Progress, ResolvedConfig, Stage, StageError};

/// The API endpoint: the emulator key's address, or `https://{host}`.
pub(super) fn endpoint(
    spec: &Spec,
    config: &ResolvedConfig,
) -> Result<(Endpoint, bool), StageError> {
    match value(config, spec.emulator_key) {
        Some(address) => Ok((Endpoint::parse_emulator(address, spec.emulator_key)?, true)),
        None => Ok((Endpoint::https(spec.host), false)),
    }
}

/// Why there is no key to sign in with.
fn missing_credentials(spec: &Spec) -> StageError {
    StageError::new(
        Stage::Authenticate,
        format!(
            "{} is not set; the test signs in only with a base64 service-account key ({} are \
             not read by the test)",
            spec.credentials_key, spec.other_credentials
        ),
    )
}

/// A connection to the API with the access token (none against an emulator without a key).
pub(super) struct Session {
    spec: &'static Spec,
    connection: HttpClient,
    endpoint: Endpoint,
    token: Option<String>,
    account: Option<String>,
}

impl Session {
    /// Resolve, connect and TLS to the API; then authenticate at the token endpoint.
    pub(super) async fn open(
        spec: &'static Spec,
        config: &ResolvedConfig,
        progress: &Progress,
    ) -> Result<Self, StageError> {
        let (endpoint, emulator) = endpoint(spec, config)?;
        let account: Option<Result<ServiceAccount, StageError>> =
            value(config, spec.credentials_key)
                .map(|text| parse_service_account(text, spec.credentials_key));
        let connection = HttpClient::open(&endpoint, progress).await?;
        progress.enter(Stage::Authenticate);
        let (token, account) = match account {
            Some(account) => {
                let account = account?;
                let token = google_auth::access_token(&account, SCOPE).await?;
                (Some(token), Some(account.client_email))
            }
            None if emulator => (None, None),
            None => return Err(missing_credentials(spec)),
        };
        progress.enter(Stage::Query);
        Ok(Self {
            spec,
            connection,
            endpoint,
            token,
            account,
        })
    }

    /// `signed in as … at …` or `no sign-in (emulator at …)`.
    pub(super) fn signed_in(&self) -> String {
        match &self.account {
            Some(account) => format!("signed in as {account} at {}", self.endpoint.describe()),
            None => format!(
                "emulator at {} (no key, so no sign-in)",
                self.endpoint.describe()
            ),
        }
    }

    /// One API call whose success answer is returned as JSON.
    pub(super) async fn read(
        &mut self,
        method: http::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, StageError> {
        let mut headers = Vec::new();
        if let Some(token) = &self.token {
            headers.push(("authorization".to_string(), format!("Bearer {token}")));
        }
        if body.is_some() {
            headers.push(("content-type".to_string(), "application/json".to_string()));
        }
        let request = Call {
            method,
            path: self.endpoint.path(path),
            headers,
            body: body
                .map(|body| body.to_string().into_bytes())
                .unwrap_or_default(),
        };
        let reply = self.connection.call(request, Stage::Query).await?;
        if reply.is_success() {
            return Ok(reply.json().unwrap_or(Value::Null));
        }
        let mut error = api_error(&reply, self.spec.permission);
        if error.stage == Stage::Authenticate && self.token.is_none() {
            error.reason = format!(
                "{} (no key was sent: set {})",
                error.reason, self.spec.credentials_key
            );
        }
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Secret;
    use crate::probe::kinds::google::{BIGQUERY, PUBSUB, SPANNER};

    #[test]
    fn emulator_keys_replace_the_endpoint() {
        let config = ResolvedConfig::from([(
            "SPANNER_EMULATOR_HOST".to_string(),
            Secret::new("127.0.0.1:9020"),
        )]);
        let (spanner, emulator) = endpoint(SPANNER, &config).unwrap();
        assert!(emulator);
        assert_eq!(spanner.describe(), "http://127.0.0.1:9020");
        let (pubsub, emulator) = endpoint(PUBSUB, &ResolvedConfig::new()).unwrap();
        assert!(!emulator);
        assert_eq!(pubsub.describe(), "https://pubsub.googleapis.com");
    }

    #[test]
    fn missing_credentials_name_the_key() {
        let error = missing_credentials(BIGQUERY);
        assert_eq!(error.stage, Stage::Authenticate);
        assert!(error.reason.starts_with("BQ_CREDENTIALS_BASE64 is not set"));
    }
}
