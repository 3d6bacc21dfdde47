//! What every call to Snowflake's REST API shares: the request ids it wants, the client's clock,
//! and the `message (code N)` line of a failed answer.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde_json::Value;

use crate::probe::transport::http::one_line;
pub(super) fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A random UUID (version 4), for the request ids the API wants.
pub(super) fn request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `message (code N)` of a failed API answer.
pub(super) fn api_error(document: &Value, fallback: &str) -> String {
    let message = document
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or(fallback);
    let message = one_line(message.lines().next().unwrap_or(message), 200);
    match document.get("code").and_then(Value::as_str) {
        Some(code) => format!("{message} (code {})", one_line(code, 40)),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_version_4_uuids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_ne!(id, request_id());
    }
}
