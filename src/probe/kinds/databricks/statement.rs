//! The answers of the SQL Statement Execution API: a statement still running (its id, to poll),
//! `SELECT 1` answered, or one line in its stage for HTTP errors and FAILED, CANCELED or CLOSED
//! statements.

use serde_json::{Value, json};

use crate::probe::transport::http::{one_line, snippet};
use crate::probe::{Stage, StageError};
/// Where a statement stands after an answer of the API.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Statement {
    Running(String),
    Succeeded,
}

/// Reads an answer of the statements API: HTTP errors and FAILED/CANCELED/CLOSED statements
/// become one line in their stage.
pub(super) fn statement_status(
    status: u16,
    body: &[u8],
    how: &str,
) -> Result<Statement, StageError> {
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
pub(super) fn http_error(
    status: u16,
    document: Option<&Value>,
    body: &[u8],
    how: &str,
) -> StageError {
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
pub(super) fn with_code(message: &str, code: Option<&str>) -> String {
    let line = one_line(message.lines().next().unwrap_or(message), 200);
    let code = code.map(|code| one_line(code, 60));
    match code {
        Some(code) if !line.contains(&code) => format!("{line} ({code})"),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
