//! The small text helpers the HTTP checks share: booleans in config values, query encoding,
//! Basic credentials, the stage of an error status, and one-line summaries of answers.

use base64::Engine as _;

use crate::probe::Stage;

/// Whether a boolean config value is true (`1`, `true`, `yes`, `t`, `y`, any case).
pub fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "t" | "y"
    )
}

/// Percent-encodes `text` for a query string (everything but RFC 3986 unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `Basic base64(user:password)`.
pub fn basic_auth(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The stage an HTTP error status belongs to: credentials for 401/403/407, the query otherwise.
pub fn status_stage(status: u16) -> Stage {
    match status {
        401 | 403 | 407 => Stage::Authenticate,
        _ => Stage::Query,
    }
}

/// The path and query of a URL (`https://h/v1/statement/x?y` → `/v1/statement/x?y`); a value
/// that is already a path is returned as is.
pub fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(index) => rest[index..].to_string(),
            None => "/".to_string(),
        },
        None => url.to_string(),
    }
}

/// What a check may say about a body it has no status or content type for: the documented
/// error message, else only its length (see [`crate::probe::transport::error_body`]).
pub fn snippet(body: &[u8]) -> String {
    crate::probe::transport::error_body::describe(None, None, body)
}

/// `text` with control characters and whitespace runs made one space, cut to `limit` characters.
pub fn one_line(text: &str, limit: usize) -> String {
    crate::probe::transport::error_body::clean(text, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_and_helpers() {
        assert_eq!(encode("SELECT 1"), "SELECT%201");
        assert_eq!(encode("a-b_c.d~é"), "a-b_c.d~%C3%A9");
        assert_eq!(
            basic_auth("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(truthy(" Yes") && truthy("t") && !truthy("false") && !truthy("0"));
        assert_eq!(
            path_of("http://h:1/v1/statement/q/1?x=2"),
            "/v1/statement/q/1?x=2"
        );
        assert_eq!(path_of("https://h"), "/");
        assert_eq!(path_of("/a"), "/a");
        assert_eq!(
            snippet(b"\n  first line\nsecond"),
            "an answer of 20 bytes in no known format"
        );
        assert_eq!(snippet(br#"{"message": "first line"}"#), "first line");
        assert_eq!(status_stage(401), Stage::Authenticate);
        assert_eq!(status_stage(404), Stage::Query);
    }

    #[test]
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
