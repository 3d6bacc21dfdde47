//! The `SELECT 1` of a Snowflake check (`POST /queries/v1/query-request` with the session
//! token), polling the result URL while Snowflake says the query is in progress, and reading the
//! answer in JSON or, by its row count, in Arrow.

use std::time::Duration;

use hyper::Method;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use super::api::{api_error, now_seconds, request_id};
use crate::probe::transport::http::{Client, path_of, snippet};
use crate::probe::{Stage, StageError};
/// Pause between polls of a query that is still running.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Codes of a query still in progress.
const IN_PROGRESS: &[&str] = &["333333", "333334"];

/// Runs `SELECT 1` with the session token, polling while Snowflake says it is in progress.
pub(super) async fn select_one(
    client: &mut Client,
    token: &str,
    has_warehouse: bool,
) -> Result<(), StageError> {
    let authorization = format!("Snowflake Token=\"{token}\"");
    let body = json!({
        "sqlText": "SELECT 1",
        "asyncExec": false,
        "sequenceId": 1,
        "querySubmissionTime": now_seconds() * 1000,
    });
    let request = client
        .request(
            Method::POST,
            &format!("/queries/v1/query-request?requestId={}", request_id()),
        )
        .header(AUTHORIZATION, &authorization)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/snowflake");
    let mut reply = client.send(request, body.to_string(), Stage::Query).await?;
    loop {
        match read_query(reply.status, &reply.body, has_warehouse)? {
            QueryState::Done => return Ok(()),
            QueryState::Pending(url) => {
                tokio::time::sleep(POLL_INTERVAL).await;
                let request = client
                    .request(Method::GET, &path_of(&url))
                    .header(AUTHORIZATION, &authorization)
                    .header(ACCEPT, "application/snowflake");
                reply = client.send(request, Vec::new(), Stage::Query).await?;
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum QueryState {
    Done,
    Pending(String),
}

pub(super) fn read_query(
    status: u16,
    body: &[u8],
    has_warehouse: bool,
) -> Result<QueryState, StageError> {
    let document: Option<Value> = serde_json::from_slice(body).ok();
    let Some(document) = document.filter(|_| (200..300).contains(&status)) else {
        let stage = if status == 401 || status == 403 {
            Stage::Authenticate
        } else {
            Stage::Query
        };
        return Err(StageError::new(
            stage,
            format!("HTTP {status} from the query endpoint: {}", snippet(body)),
        ));
    };
    let code = document.get("code").and_then(Value::as_str);
    if let Some(url) = document
        .pointer("/data/getResultUrl")
        .and_then(Value::as_str)
        .filter(|_| code.is_some_and(|code| IN_PROGRESS.contains(&code)))
    {
        return Ok(QueryState::Pending(url.to_string()));
    }
    if document.get("success").and_then(Value::as_bool) != Some(true) {
        let mut reason = api_error(&document, "the query failed");
        if code == Some("000606") && !has_warehouse {
            reason.push_str("; set SNOWFLAKE_WAREHOUSE");
        }
        return Err(StageError::new(Stage::Query, reason));
    }
    // JSON results carry `rowset`; Arrow results (`rowsetBase64`) are not decoded here, so
    // they count by `total`.
    let total = document.pointer("/data/total").and_then(Value::as_u64);
    match document.pointer("/data/rowset") {
        Some(rows) if *rows == json!([["1"]]) || *rows == json!([[1]]) => Ok(QueryState::Done),
        Some(rows) if !rows.as_array().is_some_and(Vec::is_empty) => Err(StageError::new(
            Stage::Query,
            format!("unexpected answer to SELECT 1: {rows}"),
        )),
        _ if total == Some(1) => Ok(QueryState::Done),
        _ => Err(StageError::new(
            Stage::Query,
            "the answer to SELECT 1 has no rows",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_answers_are_read() {
        let done = br#"{"data":{"rowset":[["1"]],"queryId":"q"},"code":null,"success":true}"#;
        assert_eq!(read_query(200, done, true).unwrap(), QueryState::Done);
        let pending = br#"{"data":{"getResultUrl":"/queries/q/result","queryId":"q"},"code":"333334","success":true}"#;
        assert_eq!(
            read_query(200, pending, true).unwrap(),
            QueryState::Pending("/queries/q/result".into())
        );
        let no_warehouse = br#"{"data":null,"code":"000606","message":"No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n","success":false}"#;
        let error = read_query(200, no_warehouse, false).unwrap_err();
        assert_eq!(error.stage, Stage::Query);
        assert!(
            error
                .reason
                .ends_with("(code 000606); set SNOWFLAKE_WAREHOUSE")
        );
        assert_eq!(
            read_query(401, b"", true).unwrap_err().stage,
            Stage::Authenticate
        );
        let arrow = br#"{"data":{"rowtype":[{"name":"1"}],"total":1,"queryResultFormat":"arrow","rowsetBase64":"/////w=="},"success":true}"#;
        assert_eq!(read_query(200, arrow, true).unwrap(), QueryState::Done);
        let empty = br#"{"data":{"total":0,"rowsetBase64":""},"success":true}"#;
        assert!(read_query(200, empty, true).is_err());
    }
}
