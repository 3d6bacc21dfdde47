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
//!
//! One module per idea: this one runs the check, `login` picks the credential and trades OAuth
//! client credentials for a token, `statement` reads the statements API's answers.

mod login;
mod statement;

use std::time::Duration;

use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::json;

use crate::probe::config::{port, required, value};
use crate::probe::transport::http::{Client, parse_host};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};
use login::{Login, login, oauth_token};
use statement::{Statement, statement_status};
/// Pause between polls of a statement that is still running.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

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

/// Databricks's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
