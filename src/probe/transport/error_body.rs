//! What an HTTP check may say about a response body: the service's documented error message,
//! parsed from one of the error formats the checked services use, bounded in length and stripped of
//! control characters; a body in no known format is described only by its status, content type
//! and length (`HTTP 502 (text/html, 1,234 bytes)`), never quoted, so a check pointed at an
//! arbitrary server cannot be used to read that server's pages.

use serde_json::Value;

/// The longest message quoted from a documented error format, in characters.
pub const MESSAGE_LIMIT: usize = 200;

/// `text` with control characters and runs of whitespace made one space, cut to `limit`
/// characters (an ellipsis marks a cut).
pub fn clean(text: &str, limit: usize) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !is_invisible_format(*c))
        .collect();
    let line = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > limit {
        let cut: String = line.chars().take(limit).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// Bidirectional overrides and zero-width characters, which could disguise a message.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// A body as a check reports it: the documented error message when the body has one, else
/// [`opaque`].
pub fn describe(status: Option<u16>, content_type: Option<&str>, body: &[u8]) -> String {
    documented_message(body).unwrap_or_else(|| opaque(status, content_type, body.len()))
}

/// A body in no known format: `HTTP 502 (text/html, 1,234 bytes)`; without a status,
/// `an answer of 1,234 bytes (text/html)`.
pub fn opaque(status: Option<u16>, content_type: Option<&str>, length: usize) -> String {
    let length = format!("{} bytes", thousands(length));
    let media = content_type
        .map(|value| value.split(';').next().unwrap_or(value).trim())
        .filter(|media| {
            !media.is_empty()
                && media.len() <= 100
                && media
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/+.-_".contains(c))
        });
    match (status, media) {
        (Some(status), Some(media)) => format!("HTTP {status} ({media}, {length})"),
        (Some(status), None) => format!("HTTP {status} ({length})"),
        (None, Some(media)) => format!("an answer of {length} ({media}) in no known format"),
        (None, None) => format!("an answer of {length} in no known format"),
    }
}

/// `1234567` → `1,234,567`.
fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The message of a documented error format, cleaned and bounded: JSON `error.message` (Trino,
/// Google; with `error.status` or `error.errorName`), `message` with `error_code`/`code`
/// (Databricks, Snowflake), `__type` with `message` (AWS JSON), `error` with
/// `error_description` (OAuth), XML `<Code>`/`<Message>` (AWS), and ClickHouse's
/// `Code: N. DB::Exception: ...` text.
pub fn documented_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let message = match serde_json::from_slice::<Value>(body) {
        Ok(document) => json_message(&document),
        Err(_) => xml_message(&text).or_else(|| clickhouse_message(&text)),
    }?;
    let message = clean(&message, MESSAGE_LIMIT);
    (!message.is_empty()).then_some(message)
}

fn json_message(document: &Value) -> Option<String> {
    let text =
        |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let with = |message: String, code: Option<String>| match code {
        Some(code) if !code.is_empty() => format!("{message} ({code})"),
        _ => message,
    };
    if let Some(error) = document.get("error").filter(|error| error.is_object())
        && let Some(message) = text(error, "message")
    {
        let code = text(error, "status").or_else(|| text(error, "errorName"));
        return Some(with(message, code));
    }
    if let Some(error) = text(document, "error") {
        return Some(match text(document, "error_description") {
            Some(description) => format!("{error}: {description}"),
            None => error,
        });
    }
    let message = text(document, "message").or_else(|| text(document, "Message"));
    let code = text(document, "__type")
        .map(|kind| kind.rsplit('#').next().unwrap_or(&kind).to_string())
        .or_else(|| text(document, "error_code"))
        .or_else(|| {
            document.get("code").map(|code| match code {
                Value::String(code) => code.clone(),
                other => other.to_string(),
            })
        });
    match (message, code) {
        (Some(message), Some(code)) => Some(format!("{code}: {message}")),
        (Some(message), None) => Some(message),
        (None, Some(code)) if document.get("__type").is_some() => Some(code),
        _ => None,
    }
}

fn xml_message(text: &str) -> Option<String> {
    let element = |name: &str| {
        let start = text.find(&format!("<{name}>"))? + name.len() + 2;
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_string())
    };
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(code), None) => Some(code),
        (None, Some(message)) => Some(message),
        (None, None) => None,
    }
}

/// `Code: 81. DB::Exception: Database x does not exist. (UNKNOWN_DATABASE) (version ...)`.
fn clickhouse_message(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    let rest = line.strip_prefix("Code:")?;
    let code: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if code.is_empty() {
        return None;
    }
    let message = match line.split_once("DB::Exception: ") {
        Some((_, message)) => message,
        None => rest.split_once(". ").map_or(rest, |(_, message)| message),
    };
    let message = [" (version ", ", e.what() = ", ", Stack trace"]
        .iter()
        .fold(message, |message, cut| {
            message.split(cut).next().unwrap_or(message)
        });
    Some(format!("Code {code}: {}", message.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_bodies_are_described_not_quoted() {
        let body = b"<html><body>secret-marker-123</body></html>";
        let text = describe(Some(502), Some("text/html; charset=utf-8"), body);
        assert_eq!(text, "HTTP 502 (text/html, 43 bytes)");
        assert_eq!(opaque(Some(500), None, 1234), "HTTP 500 (1,234 bytes)");
        assert_eq!(
            opaque(None, Some("evil\u{1b}[31m"), 1_234_567),
            "an answer of 1,234,567 bytes in no known format"
        );
        assert!(!describe(None, None, b"{\"other\": \"marker-9\"}").contains("marker-9"));
    }

    #[test]
    fn documented_formats_show_their_message() {
        let google =
            br#"{"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}"#;
        assert_eq!(
            documented_message(google).unwrap(),
            "denied (PERMISSION_DENIED)"
        );
        let trino = br#"{"error": {"message": "no catalog", "errorName": "CATALOG_NOT_FOUND"}}"#;
        assert_eq!(
            documented_message(trino).unwrap(),
            "no catalog (CATALOG_NOT_FOUND)"
        );
        let databricks = br#"{"error_code": "NOT_FOUND", "message": "no warehouse"}"#;
        assert_eq!(
            documented_message(databricks).unwrap(),
            "NOT_FOUND: no warehouse"
        );
        let snowflake = br#"{"code": "390100", "message": "Incorrect username", "success": false}"#;
        assert_eq!(
            documented_message(snowflake).unwrap(),
            "390100: Incorrect username"
        );
        let aws = br#"{"__type": "com.amazon#AccessDenied", "message": "no"}"#;
        assert_eq!(documented_message(aws).unwrap(), "AccessDenied: no");
        let xml = b"<Error><Code>SignatureDoesNotMatch</Code><Message>bad sig</Message></Error>";
        assert_eq!(
            documented_message(xml).unwrap(),
            "SignatureDoesNotMatch: bad sig"
        );
        let clickhouse = b"Code: 81. DB::Exception: Database x does not exist. (UNKNOWN_DATABASE) (version 24.1)\n";
        assert_eq!(
            documented_message(clickhouse).unwrap(),
            "Code 81: Database x does not exist. (UNKNOWN_DATABASE)"
        );
    }

    #[test]
    fn messages_lose_control_characters_and_are_bounded() {
        let body = format!(r#"{{"message": "a\u001b[2J\nb\u202e{}"}}"#, "x".repeat(500));
        let message = documented_message(body.as_bytes()).unwrap();
        assert!(message.starts_with("a [2J b"), "{message}");
        assert!(!message.chars().any(|c| c.is_control() || c == '\u{202e}'));
        assert!(message.chars().count() <= MESSAGE_LIMIT + 1);
    }
}
