//! Databricks check over the SQL Statement Execution API: `POST /api/2.0/sql/statements` with
//! `SELECT 1` on the warehouse named by `DATABRICKS_HTTP_PATH` (`/sql/1.0/warehouses/<id>`),
//! polling `GET /api/2.0/sql/statements/<id>` while it is PENDING or RUNNING. It logs in with
//! OAuth machine-to-machine credentials (`POST /oidc/v1/token`, client credentials, scope
//! `all-apis`) when both `DATABRICKS_CLIENT_ID` and `DATABRICKS_CLIENT_SECRET` are set (they win
//! over a token, as in the engine), else with `DATABRICKS_TOKEN` as a bearer token.
//!
//! The workspace is reached over HTTPS on `DATABRICKS_PORT` (443 by default); a
//! `DATABRICKS_HOST` with a scheme (`http://127.0.0.1:PORT`) is used as given, which is how
//! tests point the check at a loopback peer.

use std::time::Duration;

use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::probe::config::{port, required, value};
use crate::probe::transport::http::{Client, basic_auth, one_line, parse_host, snippet};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

/// Pause between polls of a statement that is still running.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// How the check logs in.
#[derive(Debug, PartialEq, Eq)]
enum Login<'a> {
    Token(&'a str),
    OAuth { client_id: &'a str, secret: &'a str },
}

pub async fn check(config: &ResolvedConfig, progress: &Progress) -> Result<String, StageError> {
    let host = parse_host("DATABRICKS_HOST", required(config, "DATABRICKS_HOST")?)?;
    let endpoint = host.endpoint(true, port(config, "DATABRICKS_PORT", 443)?);
    let warehouse = warehouse_id(required(config, "DATABRICKS_HTTP_PATH")?)?;
    let login = login(config)?;
    let schema = value(config, "DATABRICKS_DATABASE");
    let mut client = Client::open(&endpoint, progress).await?;
    progress.enter(Stage::Authenticate);
    let (token, how) = match login {
        Login::Token(token) => {
            client.hide(token);
            (token.to_string(), "an access token".to_string())
        }
        Login::OAuth { client_id, secret } => (
            oauth_token(&mut client, client_id, secret).await?,
            format!("OAuth client {client_id}"),
        ),
    };
    let bearer = format!("Bearer {token}");
    let mut body = json!({
        "warehouse_id": warehouse,
        "statement": "SELECT 1",
        "wait_timeout": "5s",
        "on_wait_timeout": "CONTINUE",
        "format": "JSON_ARRAY",
        "disposition": "INLINE",
    });
    if let Some(schema) = schema {
        body["schema"] = json!(schema);
    }
    let request = client
        .request(Method::POST, "/api/2.0/sql/statements")
        .header(AUTHORIZATION, &bearer)
        .header(CONTENT_TYPE, "application/json");
    let reply = client
        .send(request, body.to_string(), Stage::Authenticate)
        .await?;
    let mut status = statement_status(reply.status, &reply.body, &how)?;
    progress.enter(Stage::Query);
    while let Statement::Running(id) = status {
        tokio::time::sleep(POLL_INTERVAL).await;
        let request = client
            .request(Method::GET, &format!("/api/2.0/sql/statements/{id}"))
            .header(AUTHORIZATION, &bearer);
        let reply = client.send(request, Vec::new(), Stage::Query).await?;
        status = statement_status(reply.status, &reply.body, &how)?;
    }
    let schema = schema
        .map(|schema| format!(", schema {schema:?}"))
        .unwrap_or_default();
    Ok(format!(
        "connected to {} with {how}, warehouse {warehouse}{schema}; SELECT 1 ok",
        endpoint.describe()
    ))
}

/// The warehouse id out of `/sql/1.0/warehouses/<id>` (or the older `/sql/1.0/endpoints/<id>`).
fn warehouse_id(path: &str) -> Result<&str, StageError> {
    let trimmed = path.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_prefix('/').unwrap_or(trimmed);
    let id = trimmed
        .strip_prefix("sql/1.0/warehouses/")
        .or_else(|| trimmed.strip_prefix("sql/1.0/endpoints/"))
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()));
    id.ok_or_else(|| {
        StageError::new(
            Stage::Resolve,
            format!(
                "DATABRICKS_HTTP_PATH {path:?} is not a SQL warehouse path; expected /sql/1.0/warehouses/<id> (the check runs on a SQL warehouse, not a cluster)"
            ),
        )
    })
}

/// OAuth when both client keys are set, else the token; a half-set pair names the missing key.
fn login(config: &ResolvedConfig) -> Result<Login<'_>, StageError> {
    let client_id = value(config, "DATABRICKS_CLIENT_ID");
    let secret = value(config, "DATABRICKS_CLIENT_SECRET");
    let token = value(config, "DATABRICKS_TOKEN");
    match (client_id, secret, token) {
        (Some(client_id), Some(secret), _) => Ok(Login::OAuth { client_id, secret }),
        (_, _, Some(token)) => Ok(Login::Token(token)),
        (Some(_), None, None) => Err(StageError::new(
            Stage::Resolve,
            "DATABRICKS_CLIENT_SECRET is not set; OAuth needs it with DATABRICKS_CLIENT_ID",
        )),
        (None, Some(_), None) => Err(StageError::new(
            Stage::Resolve,
            "DATABRICKS_CLIENT_ID is not set; OAuth needs it with DATABRICKS_CLIENT_SECRET",
        )),
        (None, None, None) => Err(StageError::new(
            Stage::Resolve,
            "no credentials: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
        )),
    }
}

/// Trades the client id and secret for an access token at the workspace's OIDC endpoint.
async fn oauth_token(
    client: &mut Client,
    client_id: &str,
    secret: &str,
) -> Result<String, StageError> {
    let header = basic_auth(client_id, secret);
    client.hide(secret);
    client.hide(header.trim_start_matches("Basic "));
    let request = client
        .request(Method::POST, "/oidc/v1/token")
        .header(AUTHORIZATION, &header)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    let reply = client
        .send(
            request,
            "grant_type=client_credentials&scope=all-apis",
            Stage::Authenticate,
        )
        .await?;
    let token = read_token(reply.status, &reply.body, client_id)?;
    client.hide(&token);
    Ok(token)
}

fn read_token(status: u16, body: &[u8], client_id: &str) -> Result<String, StageError> {
    let document: Option<Value> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status)
        && let Some(token) = document
            .as_ref()
            .and_then(|doc| doc.get("access_token"))
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
    {
        return Ok(token.to_string());
    }
    let text = |key: &str| {
        document
            .as_ref()
            .and_then(|doc| doc.get(key))
            .and_then(Value::as_str)
    };
    let why = match (text("error"), text("error_description")) {
        (Some(error), Some(description)) => one_line(&format!("{error}: {description}"), 200),
        (Some(error), None) => one_line(error, 200),
        _ if (200..300).contains(&status) => "the answer has no access_token".to_string(),
        _ => snippet(body),
    };
    Err(StageError::new(
        Stage::Authenticate,
        format!("OAuth login of client {client_id} failed (HTTP {status}): {why}"),
    ))
}

/// Where a statement stands after an answer of the API.
#[derive(Debug, PartialEq, Eq)]
enum Statement {
    Running(String),
    Succeeded,
}

/// Reads an answer of the statements API: HTTP errors and FAILED/CANCELED/CLOSED statements
/// become one line in their stage.
fn statement_status(status: u16, body: &[u8], how: &str) -> Result<Statement, StageError> {
    let document: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) {
        return Err(http_error(status, document.as_ref(), body, how));
    }
    let document = document.ok_or_else(|| {
        StageError::new(
            Stage::Query,
            format!("the answer is not JSON: {}", snippet(body)),
        )
    })?;
    let state = document
        .pointer("/status/state")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN");
    match state {
        "SUCCEEDED" => match document.pointer("/result/data_array") {
            None => Ok(Statement::Succeeded),
            Some(rows) if *rows == json!([["1"]]) || *rows == json!([[1]]) => {
                Ok(Statement::Succeeded)
            }
            Some(rows) => Err(StageError::new(
                Stage::Query,
                format!("unexpected answer to SELECT 1: {rows}"),
            )),
        },
        "PENDING" | "RUNNING" => document
            .get("statement_id")
            .and_then(Value::as_str)
            .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .map(|id| Statement::Running(id.to_string()))
            .ok_or_else(|| {
                StageError::new(Stage::Query, "a running statement came back without an id")
            }),
        "FAILED" => {
            let code = document
                .pointer("/status/error/error_code")
                .and_then(Value::as_str);
            let message = document
                .pointer("/status/error/message")
                .and_then(Value::as_str)
                .unwrap_or("the statement failed");
            Err(StageError::new(Stage::Query, with_code(message, code)))
        }
        other => Err(StageError::new(
            Stage::Query,
            format!("the statement ended as {other}"),
        )),
    }
}

/// An HTTP error of the API (`{"error_code": ..., "message": ...}`) as one line.
fn http_error(status: u16, document: Option<&Value>, body: &[u8], how: &str) -> StageError {
    let text = |key: &str| {
        document
            .and_then(|doc| doc.get(key))
            .and_then(Value::as_str)
    };
    let detail = match text("message") {
        Some(message) => with_code(message, text("error_code")),
        None => snippet(body),
    };
    match status {
        401 => StageError::new(
            Stage::Authenticate,
            format!("the workspace rejected {how} (HTTP 401): {detail}"),
        ),
        403 => StageError::new(
            Stage::Authenticate,
            format!("not allowed with {how} (HTTP 403): {detail}"),
        ),
        _ => StageError::new(Stage::Query, format!("HTTP {status}: {detail}")),
    }
}

/// `message (CODE)`, first line only.
fn with_code(message: &str, code: Option<&str>) -> String {
    let line = one_line(message.lines().next().unwrap_or(message), 200);
    let code = code.map(|code| one_line(code, 60));
    match code {
        Some(code) if !line.contains(&code) => format!("{line} ({code})"),
        _ => line,
    }
}

/// Databricks's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

    #[test]
    fn warehouse_ids_come_from_the_http_path() {
        assert_eq!(
            warehouse_id("/sql/1.0/warehouses/abc123").unwrap(),
            "abc123"
        );
        assert_eq!(warehouse_id("sql/1.0/endpoints/9f8e/").unwrap(), "9f8e");
        let error = warehouse_id("sql/protocolv1/o/123/0123-456-abc").unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert!(error.reason.contains("not a SQL warehouse path"));
        assert!(warehouse_id("/sql/1.0/warehouses/").is_err());
    }

    #[test]
    fn oauth_wins_over_a_token_and_half_pairs_name_the_missing_key() {
        let both = config(&[
            ("DATABRICKS_TOKEN", "dapi1"),
            ("DATABRICKS_CLIENT_ID", "id"),
            ("DATABRICKS_CLIENT_SECRET", "s"),
        ]);
        assert_eq!(
            login(&both).unwrap(),
            Login::OAuth {
                client_id: "id",
                secret: "s"
            }
        );
        let token = config(&[
            ("DATABRICKS_TOKEN", "dapi1"),
            ("DATABRICKS_CLIENT_ID", "id"),
        ]);
        assert_eq!(login(&token).unwrap(), Login::Token("dapi1"));
        let half = config(&[("DATABRICKS_CLIENT_ID", "id")]);
        assert!(
            login(&half)
                .unwrap_err()
                .reason
                .starts_with("DATABRICKS_CLIENT_SECRET is not set")
        );
        assert!(
            login(&config(&[]))
                .unwrap_err()
                .reason
                .contains("DATABRICKS_TOKEN")
        );
    }

    #[test]
    fn token_answers_are_read() {
        assert_eq!(
            read_token(
                200,
                br#"{"access_token":"eyJ","token_type":"Bearer"}"#,
                "id"
            )
            .unwrap(),
            "eyJ"
        );
        let error = read_token(
            401,
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            "sp-1",
        )
        .unwrap_err();
        assert_eq!(error.stage, Stage::Authenticate);
        assert_eq!(
            error.reason,
            "OAuth login of client sp-1 failed (HTTP 401): invalid_client: Client authentication failed"
        );
    }

    #[test]
    fn statement_answers_are_read() {
        let done = br#"{"statement_id":"01ef","status":{"state":"SUCCEEDED"},"result":{"data_array":[["1"]]}}"#;
        assert_eq!(
            statement_status(200, done, "t").unwrap(),
            Statement::Succeeded
        );
        let running = br#"{"statement_id":"01ef-aa","status":{"state":"PENDING"}}"#;
        assert_eq!(
            statement_status(200, running, "t").unwrap(),
            Statement::Running("01ef-aa".into())
        );
        let failed = br#"{"statement_id":"x","status":{"state":"FAILED","error":{"error_code":"BAD_REQUEST","message":"[SCHEMA_NOT_FOUND] The schema `nope` cannot be found.\nSQLSTATE: 42704"}}}"#;
        let error = statement_status(200, failed, "t").unwrap_err();
        assert_eq!(error.stage, Stage::Query);
        assert_eq!(
            error.reason,
            "[SCHEMA_NOT_FOUND] The schema `nope` cannot be found. (BAD_REQUEST)"
        );
    }

    #[test]
    fn http_errors_name_the_stage() {
        let error = statement_status(
            401,
            br#"{"error_code":"401","message":"Credential was not sent or was of an unsupported type for this API."}"#,
            "an access token",
        )
        .unwrap_err();
        assert_eq!(error.stage, Stage::Authenticate);
        assert!(
            error
                .reason
                .starts_with("the workspace rejected an access token (HTTP 401)")
        );
        let missing = statement_status(
            404,
            br#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Warehouse abc does not exist."}"#,
            "t",
        )
        .unwrap_err();
        assert_eq!(missing.stage, Stage::Query);
        assert_eq!(
            missing.reason,
            "HTTP 404: Warehouse abc does not exist. (RESOURCE_DOES_NOT_EXIST)"
        );
    }
}
