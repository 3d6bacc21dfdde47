//! Google's API error answers (`{"error": {"status", "message"}}`) as stage errors: 401 is
//! `authenticate`, a 403 names the permission the account most likely lacks, anything else is
//! `query`; a body not in Google's format is described, never quoted.

use serde_json::Value;

use crate::probe::transport::http::{Reply, one_line};
use crate::probe::{Stage, StageError};

/// A Google API error as a stage error: 401 is authenticate, anything else query.
pub(super) fn api_error(reply: &Reply, permission: &str) -> StageError {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::kinds::google::{BIGQUERY, PUBSUB, SPANNER};

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
}
