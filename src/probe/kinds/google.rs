//! Checks for the Google kinds (BigQuery, Spanner, Pub/Sub) over their REST APIs: sign in with
//! the kind's base64 service-account key (see `google_auth`), then one cheap read of what the
//! config names: the BigQuery dataset, a `SELECT 1` in a Spanner session, the Pub/Sub
//! subscription.
//!
//! Endpoints: `SPANNER_EMULATOR_HOST`, and the standard `BIGQUERY_EMULATOR_HOST` /
//! `PUBSUB_EMULATOR_HOST` given as config keys, replace the API host (`host:port` means plain
//! HTTP; Spanner's must be the emulator's REST port, 9020 by default). Against an emulator the
//! key is optional: without one the check reads unauthenticated, as Google's clients do; with
//! one it signs in at the key's `token_uri` as usual. Pub/Sub offers no preview: a pull leases
//! messages away from the live subscribers and counts toward dead-lettering, so it is not a
//! read that leaves the subscription as it was.

use serde_json::{Value, json};

use crate::probe::auth::google::{
    self as google_auth, SCOPE, ServiceAccount, parse_service_account,
};
use crate::probe::config::{required, value};
use crate::probe::transport::http::{Call, Client as HttpClient, Endpoint, Reply, one_line};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

/// What differs between the Google kinds.
struct Spec {
    host: &'static str,
    emulator_key: &'static str,
    credentials_key: &'static str,
    /// Where else the engine may find credentials, which the test does not read.
    other_credentials: &'static str,
    /// The permission a 403 most likely lacks.
    permission: &'static str,
}

const BIGQUERY: &Spec = &Spec {
    host: "bigquery.googleapis.com",
    emulator_key: "BIGQUERY_EMULATOR_HOST",
    credentials_key: "BQ_CREDENTIALS_BASE64",
    other_credentials: "BQ_CREDENTIALS_PATH and the GCP integration's credentials",
    permission: "bigquery.datasets.get",
};

const SPANNER: &Spec = &Spec {
    host: "spanner.googleapis.com",
    emulator_key: "SPANNER_EMULATOR_HOST",
    credentials_key: "SPANNER_CREDENTIALS_BASE64",
    other_credentials: "the GCP integration's credentials",
    permission: "spanner.databases.select",
};

const PUBSUB: &Spec = &Spec {
    host: "pubsub.googleapis.com",
    emulator_key: "PUBSUB_EMULATOR_HOST",
    credentials_key: "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64",
    other_credentials: "application default credentials",
    permission: "pubsub.subscriptions.get",
};

/// BigQuery: `GET /bigquery/v2/projects/{project}/datasets/{dataset}`.
pub async fn bigquery(config: &ResolvedConfig, progress: &Progress) -> Result<Passed, StageError> {
    let project = required(config, "BQ_PROJECT")?;
    let dataset = required(config, "BQ_DATASET")?;
    let mut session = Session::open(BIGQUERY, config, progress).await?;
    let path = format!(
        "/bigquery/v2/projects/{}/datasets/{}",
        segment(project),
        segment(dataset)
    );
    let answer = session.read(http::Method::GET, &path, None).await?;
    let location = answer
        .get("location")
        .and_then(Value::as_str)
        .map(|location| format!(" in {location}"))
        .unwrap_or_default();
    Ok(Passed::from(format!(
        "{}; BigQuery dataset {project}:{dataset} found{location}",
        session.signed_in()
    )))
}

/// Spanner: create a session on the database, `SELECT 1` in it, delete the session.
pub async fn spanner(config: &ResolvedConfig, progress: &Progress) -> Result<Passed, StageError> {
    let project = required(config, "SPANNER_PROJECT")?;
    let instance = required(config, "SPANNER_INSTANCE")?;
    let database = required(config, "SPANNER_DATABASE")?;
    let mut session = Session::open(SPANNER, config, progress).await?;
    let database_path = format!(
        "/v1/projects/{}/instances/{}/databases/{}",
        segment(project),
        segment(instance),
        segment(database)
    );
    let created = session
        .read(
            http::Method::POST,
            &format!("{database_path}/sessions"),
            Some(json!({})),
        )
        .await?;
    let name = created
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| name.starts_with("projects/"))
        .ok_or_else(|| StageError::new(Stage::Query, "Spanner created a session without a name"))?
        .to_string();
    let result = session
        .read(
            http::Method::POST,
            &format!("/v1/{name}:executeSql"),
            Some(json!({ "sql": "SELECT 1" })),
        )
        .await;
    // Best effort: an abandoned session expires by itself after an hour idle.
    let _ = session
        .read(http::Method::DELETE, &format!("/v1/{name}"), None)
        .await;
    let rows = result?;
    let one = rows.pointer("/rows/0/0").and_then(Value::as_str);
    if one != Some("1") {
        return Err(StageError::new(
            Stage::Query,
            format!(
                "SELECT 1 answered {}",
                one_line(&rows.get("rows").unwrap_or(&Value::Null).to_string(), 100)
            ),
        ));
    }
    Ok(Passed::from(format!(
        "{}; Spanner database {project}/{instance}/{database}: SELECT 1 ok",
        session.signed_in()
    )))
}

/// Pub/Sub: `GET /v1/projects/{project}/subscriptions/{subscription}`.
pub async fn pubsub(
    config: &ResolvedConfig,
    progress: &Progress,
    include_preview: bool,
) -> Result<Passed, StageError> {
    let project = required(config, "PUBSUB_PROJECT_ID")?;
    let subscription = required(config, "PUBSUB_SUBSCRIPTION_ID")?;
    let mut session = Session::open(PUBSUB, config, progress).await?;
    let path = format!(
        "/v1/projects/{}/subscriptions/{}",
        segment(project),
        segment(subscription)
    );
    let answer = session.read(http::Method::GET, &path, None).await?;
    let topic = answer
        .get("topic")
        .and_then(Value::as_str)
        .map(|topic| format!(" on {topic}"))
        .unwrap_or_default();
    let mut summary = format!(
        "{}; Pub/Sub subscription {project}/{subscription} found{topic}",
        session.signed_in()
    );
    if include_preview {
        summary.push_str(
            "; no preview for Pub/Sub: a pull would lease messages away from the subscribers \
             and count toward dead-lettering",
        );
    }
    Ok(Passed::from(summary))
}

/// A path segment, percent-encoded (`:` kept, for domain-scoped projects).
fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// The API endpoint: the emulator key's address, or `https://{host}`.
fn endpoint(spec: &Spec, config: &ResolvedConfig) -> Result<(Endpoint, bool), StageError> {
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

/// A Google API error as a stage error: 401 is authenticate, anything else query.
pub fn api_error(reply: &Reply, permission: &str) -> StageError {
    let json = reply.json().unwrap_or(Value::Null);
    let error = json.get("error");
    let status = error
        .and_then(|error| error.get("status"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("HTTP {}", reply.status), str::to_string);
    let message = error
        .and_then(|error| error.get("message"))
        .and_then(Value::as_str)
        .map(|message| one_line(message, 200));
    let text = match message {
        Some(message) if !message.is_empty() => format!("{status}: {message}"),
        // Not Google's error format: status, content type and length only.
        _ if error.is_none() => reply.body_line(),
        _ => status,
    };
    match reply.status {
        401 => StageError::new(
            Stage::Authenticate,
            format!("the access token was refused: {text}"),
        ),
        403 => StageError::new(
            Stage::Query,
            format!("{text} (the account may lack {permission})"),
        ),
        _ => StageError::new(Stage::Query, text),
    }
}

/// A connection to the API with the access token (none against an emulator without a key).
struct Session {
    spec: &'static Spec,
    connection: HttpClient,
    endpoint: Endpoint,
    token: Option<String>,
    account: Option<String>,
}

impl Session {
    /// Resolve, connect and TLS to the API; then authenticate at the token endpoint.
    async fn open(
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
    fn signed_in(&self) -> String {
        match &self.account {
            Some(account) => format!("signed in as {account} at {}", self.endpoint.describe()),
            None => format!(
                "emulator at {} (no key, so no sign-in)",
                self.endpoint.describe()
            ),
        }
    }

    /// One API call whose success answer is returned as JSON.
    async fn read(
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

/// BigQuery's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_bigquery(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { bigquery(input.config, input.progress).await })
}

/// Spanner's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_spanner(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { spanner(input.config, input.progress).await })
}

/// Pub/Sub's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_pubsub(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { pubsub(input.config, input.progress, input.include_preview).await })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Secret;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: http::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn api_errors_pick_their_stage() {
        let missing = api_error(
            &reply(
                404,
                r#"{"error":{"code":404,"message":"Not found: Dataset demo:missing","status":"NOT_FOUND"}}"#,
            ),
            BIGQUERY.permission,
        );
        assert_eq!(missing.stage, Stage::Query);
        assert_eq!(missing.reason, "NOT_FOUND: Not found: Dataset demo:missing");
        let refused = api_error(
            &reply(
                401,
                r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#,
            ),
            PUBSUB.permission,
        );
        assert_eq!(refused.stage, Stage::Authenticate);
        let denied = api_error(
            &reply(
                403,
                r#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#,
            ),
            SPANNER.permission,
        );
        assert_eq!(
            denied.reason,
            "PERMISSION_DENIED: denied (the account may lack spanner.databases.select)"
        );
        assert_eq!(
            api_error(&reply(502, "bad\ngateway"), "p").reason,
            "HTTP 502 (11 bytes)"
        );
    }

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
    fn segments_are_encoded_but_keep_domain_scoped_projects() {
        assert_eq!(segment("example.com:proj"), "example.com:proj");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn missing_credentials_name_the_key() {
        let error = missing_credentials(BIGQUERY);
        assert_eq!(error.stage, Stage::Authenticate);
        assert!(error.reason.starts_with("BQ_CREDENTIALS_BASE64 is not set"));
    }
}
