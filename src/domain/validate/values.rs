//! Per-type checks of a literal value (port, integer, boolean, enum, JSON object, base64), so a
//! malformed value is refused at write time with a message that never echoes a secret.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::FieldError;
use crate::catalog::{KeySpec, KindSpec, ValueType};
use crate::domain::value::ValueView;

/// The error for one entry, if its literal value does not fit its key's type.
pub(super) fn check_entry(spec: &KindSpec, key: &str, value: ValueView<'_>) -> Option<FieldError> {
    let ValueView::Literal(text) = value else {
        return None;
    };
    if text.is_empty() {
        return None;
    }
    let key_spec = spec.key(key)?;
    let problem = check_literal(key_spec, text).err()?;
    Some(FieldError {
        key: key.to_string(),
        message: problem.message(text, key_spec.secret),
    })
}

/// Why a value does not fit its type, without the value itself (the caller decides whether it
/// may be echoed).
#[derive(Debug)]
struct Problem {
    /// What the value is not, e.g. "a port" (completes "... is not {what}").
    what: &'static str,
    /// What was expected, e.g. "expected a whole number from 1 to 65535".
    expected: String,
    /// A parser's detail; shown only for non-secret keys because it may quote the value.
    detail: Option<String>,
}

impl Problem {
    fn new(what: &'static str, expected: impl Into<String>) -> Self {
        Self {
            what,
            expected: expected.into(),
            detail: None,
        }
    }

    /// The message: echoes the value (shortened) and the parser's detail only for non-secret keys.
    fn message(&self, value: &str, secret: bool) -> String {
        if secret {
            return format!("not {}; {}", self.what, self.expected);
        }
        let detail = self
            .detail
            .as_ref()
            .map(|detail| format!(" ({detail})"))
            .unwrap_or_default();
        format!(
            "{} is not {}; {}{detail}",
            quote_shortened(value),
            self.what,
            self.expected
        )
    }
}

/// The longest value echoed in a message, in characters.
const ECHO_LIMIT: usize = 60;

/// A value quoted for a message, cut to [`ECHO_LIMIT`] characters so a pasted blob stays readable.
pub(crate) fn quote_shortened(value: &str) -> String {
    if value.chars().count() <= ECHO_LIMIT {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(ECHO_LIMIT).collect();
    format!("{head:?}…")
}

/// Checks a non-empty literal against its key's type.
fn check_literal(key: &KeySpec, value: &str) -> Result<(), Problem> {
    match key.value_type {
        ValueType::Text | ValueType::Multiline => Ok(()),
        ValueType::Port => check_port(value),
        ValueType::Integer => check_integer(value),
        ValueType::Boolean => check_boolean(key, value),
        ValueType::Enum => check_choice(key, value),
        ValueType::JsonObject => check_json_object(value),
        ValueType::Base64 => check_base64(value),
    }
}

/// A port: a whole number from 1 to 65535 (surrounding spaces tolerated, as the SDK's `int()`).
fn check_port(value: &str) -> Result<(), Problem> {
    let digits = value.trim();
    let port = digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse::<u32>().ok())
        .flatten();
    match port {
        Some(1..=65535) => Ok(()),
        _ => Err(Problem::new(
            "a port",
            "expected a whole number from 1 to 65535",
        )),
    }
}

/// A whole number, optionally signed (surrounding spaces tolerated, as the SDK's `int()`).
fn check_integer(value: &str) -> Result<(), Problem> {
    let trimmed = value.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    let parses = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && trimmed.parse::<i64>().is_ok();
    if parses {
        Ok(())
    } else {
        Err(Problem::new(
            "a whole number",
            "expected digits such as 1000",
        ))
    }
}

/// A boolean: one of the key's truthy or falsy words, any case.
fn check_boolean(key: &KeySpec, value: &str) -> Result<(), Problem> {
    if key.parse_bool(value).is_some() {
        return Ok(());
    }
    let falsy: Vec<&str> = key
        .falsy
        .iter()
        .filter(|word| !word.is_empty())
        .map(String::as_str)
        .collect();
    Err(Problem::new(
        "a boolean",
        format!(
            "expected {} (on) or {} (off)",
            key.truthy.join(", "),
            falsy.join(", ")
        ),
    ))
}

/// An enum: one of the key's choices, spelled exactly (the engine compares exactly); a value
/// that differs only in case gets a did-you-mean.
fn check_choice(key: &KeySpec, value: &str) -> Result<(), Problem> {
    if key.choices.iter().any(|choice| choice == value) {
        return Ok(());
    }
    let mut expected = format!("expected one of {}", key.choices.join(", "));
    if let Some(choice) = key
        .choices
        .iter()
        .find(|choice| choice.eq_ignore_ascii_case(value))
    {
        expected.push_str(&format!(
            " (choices are case-sensitive: did you mean {choice}?)"
        ));
    }
    Err(Problem::new("a valid choice", expected))
}

/// A JSON object, as the SDK's `json.loads` must return for engine arguments.
fn check_json_object(value: &str) -> Result<(), Problem> {
    const EXPECTED: &str = "expected a JSON object such as {\"pool_size\": 5}";
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(parsed) if parsed.is_object() => Ok(()),
        Ok(_) => Err(Problem::new("a JSON object", EXPECTED)),
        Err(error) => Err(Problem {
            detail: Some(error.to_string()),
            ..Problem::new("valid JSON", EXPECTED)
        }),
    }
}

/// Decoding settings as lenient as Python's `b64decode`: padding optional, trailing bits allowed.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
/// Standard alphabet (`+/`), lenient.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
/// URL-safe alphabet (`-_`), lenient.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Base64 in the standard or URL-safe alphabet, padding optional; line breaks and spaces (as
/// `base64` wraps its output) are ignored.
fn check_base64(value: &str) -> Result<(), Problem> {
    let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let decodes =
        STANDARD_LENIENT.decode(&compact).is_ok() || URL_SAFE_LENIENT.decode(&compact).is_ok();
    if decodes {
        Ok(())
    } else {
        Err(Problem::new(
            "valid base64",
            "expected standard or URL-safe base64 text",
        ))
    }
}
