//! AWS error answers: the error type and message read from the JSON body, the
//! `x-amzn-ErrorType` header or an XML body, and turned into the stage they belong to.

use serde_json::Value;

use super::spec::Spec;
use crate::probe::transport::http::{Reply, one_line};
use crate::probe::{Stage, StageError};

/// An AWS error answer: its type (without the namespace) and message.
#[derive(Debug, PartialEq, Eq)]
pub struct AwsError {
    pub code: String,
    pub message: String,
}

/// Reads the error type from `__type` (or `code`, or the `x-amzn-ErrorType` header) and the
/// message from `message` / `Message`.
pub fn parse_error(reply: &Reply) -> AwsError {
    let body = reply.json().unwrap_or(Value::Null);
    let header = reply
        .headers
        .get("x-amzn-errortype")
        .and_then(|value| value.to_str().ok())
        .map(|text| text.split(':').next().unwrap_or(text).to_string());
    let text = String::from_utf8_lossy(&reply.body);
    let raw = body
        .get("__type")
        .or_else(|| body.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(header)
        .or_else(|| xml_element(&text, "Code"))
        .unwrap_or_else(|| format!("HTTP {}", reply.status));
    let code = one_line(raw.rsplit('#').next().unwrap_or(&raw), 80);
    let message = body
        .get("message")
        .or_else(|| body.get("Message"))
        .and_then(Value::as_str)
        .map(|text| one_line(text, 200))
        .or_else(|| xml_element(&text, "Message").map(|text| one_line(&text, 200)))
        .unwrap_or_else(|| {
            if body.is_null() {
                reply.body_line()
            } else {
                String::new()
            }
        });
    AwsError { code, message }
}

/// The text of the first `<name>…</name>` in an XML error answer (the query protocol's form,
/// which some front ends use even for JSON services).
fn xml_element(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(text[start..end].trim().to_string()).filter(|inner| !inner.is_empty())
}

/// Error types that mean the request was not accepted as signed by a known key.
fn is_authentication_error(code: &str) -> bool {
    matches!(
        code,
        "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "IncompleteSignatureException"
            | "MissingAuthenticationToken"
            | "MissingAuthenticationTokenException"
            | "InvalidClientTokenId"
            | "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "AuthFailure"
    )
}

/// An AWS error as a stage error: authentication types fail `authenticate` with a hint at the
/// keys, anything else (missing resource, access denied, bad request) fails `query`.
pub(super) fn stage_error(spec: &Spec, operation: &str, error: &AwsError) -> StageError {
    let text = if error.message.is_empty() {
        error.code.clone()
    } else {
        format!("{}: {}", error.code, error.message)
    };
    if is_authentication_error(&error.code) {
        let check = if error.code.contains("Signature") {
            // The key ID was found; the secret did not produce its signature.
            format!("check {}", spec.secret_access_key)
        } else {
            format!(
                "check {} and {}",
                spec.access_key_id, spec.secret_access_key
            )
        };
        StageError::new(Stage::Authenticate, format!("{text} ({check})"))
    } else if error.code.starts_with("AccessDenied") {
        StageError::new(
            Stage::Query,
            format!(
                "{text} (the key is valid but may not call {}:{operation})",
                spec.service
            ),
        )
    } else {
        StageError::new(Stage::Query, format!("{operation}: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::kinds::aws::spec::{ATHENA, DYNAMODB, KINESIS};

    fn reply(status: u16, body: &str, error_type: Option<&str>) -> Reply {
        let mut headers = http::HeaderMap::new();
        if let Some(error_type) = error_type {
            headers.insert("x-amzn-ErrorType", error_type.parse().unwrap());
        }
        Reply {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn error_types_lose_their_namespace_and_pick_their_stage() {
        let error = parse_error(&reply(
            400,
            r#"{"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","message":"Stream orders under account 1 not found."}"#,
            None,
        ));
        assert_eq!(error.code, "ResourceNotFoundException");
        let failure = stage_error(KINESIS, "DescribeStreamSummary", &error);
        assert_eq!(failure.stage, Stage::Query);
        assert_eq!(
            failure.reason,
            "DescribeStreamSummary: ResourceNotFoundException: Stream orders under account 1 not found."
        );
        let error = parse_error(&reply(
            400,
            r#"{"__type":"UnrecognizedClientException","Message":"The security token included in the request is invalid."}"#,
            None,
        ));
        let failure = stage_error(DYNAMODB, "ListTables", &error);
        assert_eq!(failure.stage, Stage::Authenticate);
        assert!(failure.reason.ends_with(
            "(check DYNAMODB_AWS_CLIENT_ID_OVERRIDE and DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE)"
        ));
        let signature = AwsError {
            code: "InvalidSignatureException".into(),
            message: String::new(),
        };
        assert_eq!(
            stage_error(KINESIS, "DescribeStreamSummary", &signature).reason,
            "InvalidSignatureException (check KINESIS_AWS_SECRET_ACCESS_KEY)"
        );
        let denied = parse_error(&reply(400, r#"{"__type":"AccessDeniedException"}"#, None));
        let failure = stage_error(ATHENA, "GetWorkGroup", &denied);
        assert_eq!(failure.stage, Stage::Query);
        assert!(
            failure.reason.contains("athena:GetWorkGroup"),
            "{}",
            failure.reason
        );
    }

    #[test]
    fn error_type_falls_back_to_the_header_then_the_status() {
        let error = parse_error(&reply(
            403,
            "",
            Some("InvalidSignatureException:http://internal.amazon.com/"),
        ));
        assert_eq!(error.code, "InvalidSignatureException");
        let error = parse_error(&reply(
            403,
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>\
             <Message>The request signature we calculated does not match.</Message>\
             </Error></ErrorResponse>",
            None,
        ));
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert_eq!(
            error.message,
            "The request signature we calculated does not match."
        );
        let error = parse_error(&reply(502, "<html>bad gateway</html>", None));
        assert_eq!(
            error,
            AwsError {
                code: "HTTP 502".into(),
                message: "HTTP 502 (24 bytes)".into()
            }
        );
    }
}
