//! Validation of an integration's config against the kind catalog.
//!
//! Malformed values (a bad port, boolean, JSON object, base64, enum choice) are errors naming the
//! key; they stop a write. Missing required keys, unknown keys (with a did-you-mean), broken
//! group rules and the catalog's advisories (e.g. Snowflake's) are warnings, returned with every
//! read. Messages never contain the value of a secret key.
//!
//! Everything kind-specific comes from [`crate::catalog`]; this module only knows how to apply
//! the catalog's types and rules, so a new key or rule is an edit to `assets/catalog.toml`.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::kind::Kind;
use super::value::ValueView;
use crate::catalog::{self, Advisory, AdvisoryCode, GroupRule, KeySpec, KindSpec, ValueType};

/// A malformed value; stops a write. Display: `KEY: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct FieldError {
    /// The key as the user gave it.
    pub key: String,
    /// What is wrong and what was expected; echoes the value only for non-secret keys.
    pub message: String,
}

/// Matches the wire's `IntegrationWarningCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningCode {
    /// Any warning without a dedicated wire code.
    Unspecified,
    /// Snowflake without `SNOWFLAKE_UNLOAD_STAGE`.
    SnowflakeUnloadNotConfigured,
    /// Snowflake password login without a key pair.
    SnowflakePasswordAuthentication,
}

impl From<AdvisoryCode> for WarningCode {
    fn from(code: AdvisoryCode) -> Self {
        match code {
            AdvisoryCode::Unspecified => WarningCode::Unspecified,
            AdvisoryCode::SnowflakeUnloadNotConfigured => WarningCode::SnowflakeUnloadNotConfigured,
            AdvisoryCode::SnowflakePasswordAuthentication => {
                WarningCode::SnowflakePasswordAuthentication
            }
        }
    }
}

/// An advisory about a stored config; matches the wire's `IntegrationWarning`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The wire code.
    pub code: WarningCode,
    /// A short title, e.g. "Missing required keys".
    pub title: String,
    /// One sentence naming the keys.
    pub message: String,
    /// The keys the warning is about, so the form can highlight them.
    pub config_keys: Vec<String>,
}

/// Checks each given value's format against its key's type. Linked values are not type-checked
/// (the store holds the value). Keys are compared as given; aliases resolve to their key spec.
/// The empty string is always accepted (it is how a key is cleared), unknown keys and unmanaged
/// kinds are not checked. Every malformed value yields one error, sorted by key.
pub fn check_values<'a>(
    kind: Kind,
    entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Result<(), Vec<FieldError>> {
    let Some(spec) = catalog::kind_spec(kind) else {
        return Ok(());
    };
    let mut errors: Vec<FieldError> = entries
        .into_iter()
        .filter_map(|(key, value)| check_entry(spec, key, value))
        .collect();
    errors.sort_by(|a, b| a.key.cmp(&b.key));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The error for one entry, if its literal value does not fit its key's type.
fn check_entry(spec: &KindSpec, key: &str, value: ValueView<'_>) -> Option<FieldError> {
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
fn quote_shortened(value: &str) -> String {
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

/// The warnings for a whole stored config: missing required keys, unknown keys with did-you-mean,
/// group rules (one-of, exclusive, together, conditional-on) and kind advisories. Empty for
/// unmanaged kinds. Order is deterministic whatever the entries' order: missing required keys,
/// group rules and advisories in catalog order, unknown keys and alias notes sorted by key.
pub fn warnings<'a>(
    kind: Kind,
    entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Vec<ConfigWarning> {
    let Some(spec) = catalog::kind_spec(kind) else {
        return Vec::new();
    };
    let config = Config::new(spec, entries);
    let mut found = Vec::new();
    found.extend(missing_required(spec, &config));
    found.extend(
        spec.groups
            .iter()
            .filter_map(|rule| broken_rule(rule, &config)),
    );
    found.extend(unknown_keys(spec, &config));
    found.extend(alias_notes(spec, &config));
    found.extend(
        spec.advisories
            .iter()
            .filter_map(|advisory| advisory_warning(advisory, &config)),
    );
    found
}

/// A config seen through the catalog: which canonical keys are set, and which given names are
/// unknown or aliases.
struct Config<'a> {
    spec: &'static KindSpec,
    /// The entries by given name (the last one wins when a name repeats).
    given: BTreeMap<&'a str, ValueView<'a>>,
}

impl<'a> Config<'a> {
    fn new(
        spec: &'static KindSpec,
        entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
    ) -> Self {
        Self {
            spec,
            given: entries.into_iter().collect(),
        }
    }

    /// The entries given for a canonical key: under its own name first, then its aliases.
    fn values_of(&self, canonical: &str) -> Vec<ValueView<'a>> {
        let names: Vec<&str> = match self.spec.key(canonical) {
            Some(key) => key.names().collect(),
            None => vec![canonical],
        };
        names
            .into_iter()
            .filter_map(|name| self.given.get(name).copied())
            .collect()
    }

    /// A key is set when given (under its name or an alias) as a non-blank literal or as a link.
    fn is_set(&self, canonical: &str) -> bool {
        self.values_of(canonical)
            .into_iter()
            .any(|value| match value {
                ValueView::Literal(text) => !text.trim().is_empty(),
                ValueView::Linked(_) => true,
            })
    }

    /// Whether a boolean key is on: its literal value, else its catalog default. `None` when the
    /// value is linked (unknown here) or malformed.
    fn is_on(&self, canonical: &str) -> Option<bool> {
        let key = self.spec.key(canonical)?;
        let literal = self
            .values_of(canonical)
            .into_iter()
            .find_map(|value| match value {
                ValueView::Literal(text) if !text.trim().is_empty() => Some(Some(text)),
                ValueView::Literal(_) => None,
                ValueView::Linked(_) => Some(None),
            });
        match literal {
            Some(Some(text)) => key.parse_bool(text),
            Some(None) => None,
            None => key.default.as_deref().and_then(|text| key.parse_bool(text)),
        }
    }
}

/// One warning listing every required key that is not set.
fn missing_required(spec: &KindSpec, config: &Config<'_>) -> Option<ConfigWarning> {
    let missing: Vec<String> = spec
        .required_keys()
        .filter(|key| !config.is_set(&key.key))
        .map(|key| key.key.clone())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let (them, verb) = if missing.len() == 1 {
        ("it", "is")
    } else {
        ("them", "are")
    };
    Some(ConfigWarning {
        code: WarningCode::Unspecified,
        title: "Missing required keys".to_string(),
        message: format!(
            "{} {verb} not set; {} cannot connect without {them}.",
            and_list(&missing),
            spec.display_name
        ),
        config_keys: missing,
    })
}

/// The warning for a broken group rule, if it is broken.
fn broken_rule(rule: &GroupRule, config: &Config<'_>) -> Option<ConfigWarning> {
    let (title, main) = match rule {
        GroupRule::OneOf { options, .. } => broken_one_of(options, config)?,
        GroupRule::Exclusive { options, .. } => broken_exclusive(options, config)?,
        GroupRule::Together { keys, .. } => broken_together(keys, config)?,
        GroupRule::Conditional {
            when_truthy,
            require,
            ..
        } => broken_conditional(when_truthy, require, config)?,
    };
    let message = match rule.note() {
        "" => format!("{main}."),
        note => format!("{main}: {note}"),
    };
    Some(ConfigWarning {
        code: WarningCode::Unspecified,
        title: title.to_string(),
        message,
        config_keys: rule.keys().into_iter().map(str::to_string).collect(),
    })
}

/// True when any key of an option is set.
fn option_touched(option: &[String], config: &Config<'_>) -> bool {
    option.iter().any(|key| config.is_set(key))
}

/// `A`, or `(A and B)` for a multi-key option.
fn option_text(option: &[String]) -> String {
    match option {
        [single] => single.clone(),
        keys => format!("({})", and_list(keys)),
    }
}

/// The options joined with "or".
fn options_text(options: &[Vec<String>]) -> String {
    let texts: Vec<String> = options.iter().map(|option| option_text(option)).collect();
    texts.join(" or ")
}

fn broken_one_of(options: &[Vec<String>], config: &Config<'_>) -> Option<(&'static str, String)> {
    if options.iter().any(|option| option_touched(option, config)) {
        return None;
    }
    Some((
        "One of several keys needed",
        format!("Set {}", options_text(options)),
    ))
}

fn broken_exclusive(
    options: &[Vec<String>],
    config: &Config<'_>,
) -> Option<(&'static str, String)> {
    let touched: Vec<Vec<String>> = options
        .iter()
        .filter(|option| option_touched(option, config))
        .cloned()
        .collect();
    if touched.len() < 2 {
        return None;
    }
    Some((
        "Conflicting keys",
        format!("Use only one of {}", options_text(&touched)),
    ))
}

fn broken_together(keys: &[String], config: &Config<'_>) -> Option<(&'static str, String)> {
    let (set, unset): (Vec<String>, Vec<String>) =
        keys.iter().cloned().partition(|key| config.is_set(key));
    if set.is_empty() || unset.is_empty() {
        return None;
    }
    Some((
        "Incomplete key group",
        format!(
            "Set {} along with {}, or clear both",
            and_list(&unset),
            and_list(&set)
        ),
    ))
}

fn broken_conditional(
    trigger: &str,
    require: &[String],
    config: &Config<'_>,
) -> Option<(&'static str, String)> {
    if config.is_on(trigger) != Some(true) {
        return None;
    }
    let missing: Vec<String> = require
        .iter()
        .filter(|key| !config.is_set(key))
        .cloned()
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some((
        "Missing required keys",
        format!("Set {} because {trigger} is on", and_list(&missing)),
    ))
}

/// One warning per given name the kind does not know, with a did-you-mean when one is close.
fn unknown_keys(spec: &KindSpec, config: &Config<'_>) -> Vec<ConfigWarning> {
    config
        .given
        .keys()
        .filter(|name| spec.key(name).is_none())
        .map(|name| {
            let hint = match spec.suggest(name) {
                Some(known) => format!("did you mean {known}?"),
                None => "the engine ignores it.".to_string(),
            };
            ConfigWarning {
                code: WarningCode::Unspecified,
                title: "Unknown key".to_string(),
                message: format!("{name} is not a known {} key; {hint}", spec.display_name),
                config_keys: vec![name.to_string()],
            }
        })
        .collect()
}

/// One note per alias given: which name the engine reads, and whether both were given.
fn alias_notes(spec: &KindSpec, config: &Config<'_>) -> Vec<ConfigWarning> {
    config
        .given
        .keys()
        .filter_map(|name| {
            let key = spec.key(name).filter(|key| key.key != *name)?;
            let canonical = &key.key;
            let (title, message) = if config.given.contains_key(canonical.as_str()) {
                (
                    "Key set twice",
                    format!(
                        "{name} and {canonical} are both set; the engine reads {canonical} and ignores {name}."
                    ),
                )
            } else {
                (
                    "Alias key",
                    format!("{name} is another name for {canonical}; the engine reads {canonical}."),
                )
            };
            Some(ConfigWarning {
                code: WarningCode::Unspecified,
                title: title.to_string(),
                message,
                config_keys: vec![name.to_string(), canonical.clone()],
            })
        })
        .collect()
}

/// The advisory's warning when its conditions hold.
fn advisory_warning(advisory: &Advisory, config: &Config<'_>) -> Option<ConfigWarning> {
    let applies = advisory.when_set.iter().all(|key| config.is_set(key))
        && !advisory.when_unset.iter().any(|key| config.is_set(key));
    applies.then(|| ConfigWarning {
        code: advisory.code.into(),
        title: advisory.title.clone(),
        message: advisory.message.clone(),
        config_keys: advisory.keys().into_iter().map(str::to_string).collect(),
    })
}

/// `A`, `A and B`, `A, B and C`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Whether a key's value must be withheld from reads: the catalog's secret flag, or for keys the
/// catalog does not know, a name that looks like a credential (PASSWORD, SECRET, TOKEN, KEY, PWD,
/// CREDENTIALS...). Errs on the side of secrecy.
pub fn is_secret_key(kind: Kind, key: &str) -> bool {
    match catalog::kind_spec(kind).and_then(|spec| spec.key(key)) {
        Some(key_spec) => key_spec.secret,
        None => looks_secret(key),
    }
}

/// Name fragments that mark a credential anywhere in a key name.
const SECRET_FRAGMENTS: [&str; 11] = [
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "PRIVATE",
    "CREDENTIAL",
    "APIKEY",
    "API_KEY",
    "SIGNATURE",
    "CONNECTION_STRING",
];

/// Whole name parts (between `_`, `-` or `.`) that mark a credential.
const SECRET_PARTS: [&str; 8] = ["KEY", "KEYS", "PWD", "PW", "PASS", "AUTH", "SAS", "DSN"];

/// The heuristic for keys the catalog does not know.
fn looks_secret(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SECRET_FRAGMENTS
        .iter()
        .any(|fragment| upper.contains(fragment))
        || upper
            .split(['_', '-', '.'])
            .any(|part| SECRET_PARTS.contains(&part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, ValueView<'static>)> {
        pairs
            .iter()
            .map(|(key, value)| (*key, ValueView::Literal(value)))
            .collect()
    }

    fn errors(kind: Kind, pairs: &[(&'static str, &'static str)]) -> Vec<FieldError> {
        check_values(kind, lit(pairs)).err().unwrap_or_default()
    }

    fn accepts(kind: Kind, key: &'static str, value: &'static str) {
        assert_eq!(errors(kind, &[(key, value)]), vec![], "{key}={value:?}");
    }

    fn rejects(kind: Kind, key: &'static str, value: &'static str) -> String {
        let found = errors(kind, &[(key, value)]);
        assert_eq!(found.len(), 1, "{key}={value:?} should be rejected");
        found[0].to_string()
    }

    fn titles(found: &[ConfigWarning]) -> Vec<&str> {
        found.iter().map(|warning| warning.title.as_str()).collect()
    }

    #[test]
    fn ports() {
        for value in ["1", "5432", "65535", " 5432 "] {
            accepts(Kind::Postgresql, "PGPORT", value);
        }
        for value in ["0", "65536", "-1", "+5432", "abc", "54 32", "5432.0"] {
            rejects(Kind::Postgresql, "PGPORT", value);
        }
        assert_eq!(
            rejects(Kind::Postgresql, "PGPORT", "abc"),
            "PGPORT: \"abc\" is not a port; expected a whole number from 1 to 65535"
        );
    }

    #[test]
    fn integers() {
        let key = "CLICKHOUSE_PARQUET_ROW_GROUP_SIZE";
        for value in ["0", "1000000", "-5", "+7"] {
            accepts(Kind::Clickhouse, key, value);
        }
        for value in ["1e6", "1,000", "ten", "-", "99999999999999999999"] {
            rejects(Kind::Clickhouse, key, value);
        }
    }

    #[test]
    fn booleans() {
        for value in [
            "1", "true", "TRUE", "yes", "t", "y", "0", "false", "No", "f", "n",
        ] {
            accepts(Kind::Postgresql, "PG_AWS_IAM_AUTH", value);
        }
        let message = rejects(Kind::Postgresql, "PG_AWS_IAM_AUTH", "maybe");
        assert!(message.contains("\"maybe\" is not a boolean"), "{message}");
        assert!(message.contains("1, true, yes, t, y (on)"), "{message}");
        accepts(Kind::Kafka, "KAFKA_MSK_IAM_AUTH", "yes");
        let message = rejects(Kind::Kafka, "KAFKA_MSK_IAM_AUTH", "t");
        assert!(message.contains("true, 1, yes (on)"), "{message}");
    }

    #[test]
    fn enums_are_exact_with_a_case_hint() {
        accepts(Kind::Kafka, "KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        accepts(Kind::Kafka, "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        accepts(Kind::Kinesis, "KINESIS_DLQ_FORMAT", "json_envelope");
        let message = rejects(Kind::Kafka, "KAFKA_SECURITY_PROTOCOL", "sasl_ssl");
        assert!(message.contains("did you mean SASL_SSL?"), "{message}");
        let message = rejects(Kind::Kafka, "KAFKA_SASL_MECHANISM", "KERBEROS");
        assert!(
            message.contains(
                "expected one of PLAIN, GSSAPI, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER"
            ),
            "{message}"
        );
        rejects(Kind::Kinesis, "KINESIS_DLQ_FORMAT", "xml");
    }

    #[test]
    fn json_objects() {
        accepts(Kind::Mysql, "ENGINE_ARGUMENTS", r#"{"pool_size": 5}"#);
        accepts(Kind::Kafka, "KAFKA_ADDITIONAL_KAFKA_ARGS", "{}");
        for value in ["[1]", "5", "\"x\"", "{", "pool_size=5"] {
            rejects(Kind::Mysql, "ENGINE_ARGUMENTS", value);
        }
        let message = rejects(Kind::Mysql, "ENGINE_ARGUMENTS", "[1]");
        assert!(message.contains("is not a JSON object"), "{message}");
    }

    #[test]
    fn base64_in_either_alphabet_with_optional_padding() {
        let key = "BQ_CREDENTIALS_BASE64";
        for value in [
            "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=",
            "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0",
            "-_-_",
            "+/+/",
            "YWJj\nZGVm\n",
        ] {
            accepts(Kind::Bigquery, key, value);
        }
        for value in ["not base64!", "abc$", "a"] {
            rejects(Kind::Bigquery, key, value);
        }
    }

    #[test]
    fn text_takes_anything_and_empty_clears() {
        accepts(Kind::Postgresql, "PGHOST", "any thing at all {");
        for key in ["PGPORT", "PG_AWS_IAM_AUTH", "ENGINE_ARGUMENTS"] {
            accepts(Kind::Postgresql, key, "");
        }
    }

    #[test]
    fn secret_values_are_never_echoed() {
        let message = rejects(Kind::Snowflake, "SNOWFLAKE_PRIVATE_KEY_B64", "hunter2!!");
        assert!(
            message.starts_with("SNOWFLAKE_PRIVATE_KEY_B64: not valid base64"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        let message = rejects(
            Kind::Pubsub,
            "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64",
            "s3cr3t%%",
        );
        assert!(!message.contains("s3cr3t"), "{message}");
    }

    #[test]
    fn linked_values_unknown_keys_and_unmanaged_kinds_are_not_checked() {
        let linked = vec![("PGPORT", ValueView::Linked("not-a-port"))];
        assert_eq!(check_values(Kind::Postgresql, linked), Ok(()));
        accepts(Kind::Postgresql, "MY_CUSTOM", "whatever");
        accepts(Kind::Aws, "PGPORT", "abc");
        assert!(warnings(Kind::Openai, lit(&[("ANYTHING", "x")])).is_empty());
    }

    #[test]
    fn all_errors_are_collected_and_aliases_are_checked() {
        let found = errors(
            Kind::Postgresql,
            &[
                ("PGPORT", "x"),
                ("PG_AWS_IAM_AUTH", "maybe"),
                ("ENGINE_ARGUMENTS", "[]"),
            ],
        );
        let keys: Vec<&str> = found.iter().map(|error| error.key.as_str()).collect();
        assert_eq!(keys, ["ENGINE_ARGUMENTS", "PGPORT", "PG_AWS_IAM_AUTH"]);
        let snowflake = errors(Kind::Snowflake, &[("SNOWFLAKE_ACCOUNT", "ok")]);
        assert!(snowflake.is_empty());
    }

    #[test]
    fn catalog_defaults_pass_their_own_checks() {
        for spec in catalog::kind_specs() {
            let defaults: Vec<(&str, ValueView<'_>)> = spec
                .keys
                .iter()
                .filter_map(|key| {
                    Some((
                        key.key.as_str(),
                        ValueView::Literal(key.default.as_deref()?),
                    ))
                })
                .collect();
            assert_eq!(check_values(spec.kind, defaults), Ok(()), "{:?}", spec.kind);
        }
    }

    #[test]
    fn the_product_documents_examples_are_clean() {
        let bigquery = lit(&[
            ("BQ_PROJECT", "my-gcp-project"),
            ("BQ_DATASET", "my_dataset"),
            (
                "BQ_CREDENTIALS_BASE64",
                "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=",
            ),
        ]);
        let snowflake = lit(&[
            ("SNOWFLAKE_USER", "admin"),
            ("SNOWFLAKE_PASSWORD", "secret"),
            ("SNOWFLAKE_ACCOUNT", "xy12345.us-east-1"),
            ("SNOWFLAKE_DATABASE", "PROD_DB"),
            ("SNOWFLAKE_WAREHOUSE", "COMPUTE_WH"),
            ("SNOWFLAKE_SCHEMA", "PUBLIC"),
            ("SNOWFLAKE_ROLE", "ANALYST_ROLE"),
        ]);
        let postgres = lit(&[
            ("PGHOST", "db.example.com"),
            ("PGPORT", "5432"),
            ("PGDATABASE", "mydb"),
            ("PGUSER", "admin"),
            ("PGPASSWORD", "secret"),
        ]);
        let mut linked_snowflake = snowflake.clone();
        linked_snowflake.retain(|(key, _)| *key != "SNOWFLAKE_PASSWORD");
        linked_snowflake.push((
            "SNOWFLAKE_PRIVATE_KEY_B64",
            ValueView::Linked("snowflake-prod-key"),
        ));
        for (kind, config) in [
            (Kind::Bigquery, bigquery),
            (Kind::Snowflake, snowflake),
            (Kind::Postgresql, postgres),
            (Kind::Snowflake, linked_snowflake),
        ] {
            assert_eq!(check_values(kind, config.clone()), Ok(()), "{kind:?}");
            let found = warnings(kind, config);
            let noisy: Vec<&ConfigWarning> = found
                .iter()
                .filter(|w| {
                    matches!(
                        w.title.as_str(),
                        "Missing required keys" | "Unknown key" | "One of several keys needed"
                    )
                })
                .collect();
            assert!(noisy.is_empty(), "{kind:?}: {noisy:?}");
        }
    }

    #[test]
    fn missing_required_keys_are_one_warning() {
        let found = warnings(Kind::Postgresql, lit(&[("PGHOST", "h"), ("PGUSER", " ")]));
        assert_eq!(titles(&found), ["Missing required keys"]);
        assert_eq!(found[0].config_keys, ["PGPORT", "PGDATABASE", "PGUSER"]);
        assert_eq!(
            found[0].message,
            "PGPORT, PGDATABASE and PGUSER are not set; PostgreSQL cannot connect without them."
        );
        let linked = vec![
            ("PGHOST", ValueView::Literal("h")),
            ("PGPORT", ValueView::Literal("5432")),
            ("PGDATABASE", ValueView::Linked("db-name")),
            ("PGUSER", ValueView::Linked("db-user")),
        ];
        assert!(warnings(Kind::Postgresql, linked).is_empty());
    }

    #[test]
    fn unknown_keys_get_a_did_you_mean() {
        let found = warnings(
            Kind::Trino,
            lit(&[
                ("TRINO_HOST", "h"),
                ("TRINO_CATALOG", "c"),
                ("TRINO_USER", "u"),
                ("TRINO_HOTS", "x"),
                ("ZZZ", "y"),
            ]),
        );
        assert_eq!(titles(&found), ["Unknown key", "Unknown key"]);
        assert_eq!(
            found[0].message,
            "TRINO_HOTS is not a known Trino key; did you mean TRINO_HOST?"
        );
        assert_eq!(found[0].config_keys, ["TRINO_HOTS"]);
        assert_eq!(
            found[1].message,
            "ZZZ is not a known Trino key; the engine ignores it."
        );
        let pg = warnings(Kind::Postgresql, lit(&[("PGHOTS", "x")]));
        assert!(
            pg.iter()
                .any(|w| w.message.contains("did you mean PGHOST?"))
        );
    }

    #[test]
    fn one_of_rules() {
        let base = [
            ("SNOWFLAKE_ACCOUNT_ID", "a"),
            ("SNOWFLAKE_USER", "u"),
            ("SNOWFLAKE_UNLOAD_STAGE", "s"),
        ];
        let found = warnings(Kind::Snowflake, lit(&base));
        assert_eq!(titles(&found), ["One of several keys needed"]);
        assert_eq!(
            found[0].config_keys,
            ["SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_B64"]
        );
        assert!(
            found[0]
                .message
                .starts_with("Set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_B64: ")
        );

        let databricks = [("DATABRICKS_HOST", "h"), ("DATABRICKS_HTTP_PATH", "p")];
        let found = warnings(Kind::Databricks, lit(&databricks));
        assert!(found[0].message.starts_with(
            "Set DATABRICKS_TOKEN or (DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)"
        ));
        let mut with_token = databricks.to_vec();
        with_token.push(("DATABRICKS_TOKEN", "t"));
        assert!(warnings(Kind::Databricks, lit(&with_token)).is_empty());

        let found = warnings(Kind::Kinesis, lit(&[("KINESIS_REGION_NAME", "r")]));
        assert_eq!(titles(&found), ["One of several keys needed"]);
        let ok = warnings(
            Kind::Kinesis,
            lit(&[("KINESIS_REGION_NAME", "r"), ("KINESIS_STREAM_ARN", "arn")]),
        );
        assert!(ok.is_empty());
    }

    #[test]
    fn exclusive_and_together_rules() {
        let found = warnings(
            Kind::Dynamodb,
            lit(&[
                ("DYNAMODB_AWS_ROLE_ARN_OVERRIDE", "arn"),
                ("DYNAMODB_AWS_CLIENT_ID_OVERRIDE", "id"),
            ]),
        );
        assert_eq!(titles(&found), ["Incomplete key group", "Conflicting keys"]);
        assert_eq!(
            found[0].message,
            "Set DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE along with DYNAMODB_AWS_CLIENT_ID_OVERRIDE, or clear both: The SDK rejects one override without the other."
        );
        assert_eq!(found[1].config_keys.len(), 3);
        assert!(found[1].message.starts_with(
            "Use only one of DYNAMODB_AWS_ROLE_ARN_OVERRIDE or (DYNAMODB_AWS_CLIENT_ID_OVERRIDE and DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE): "
        ));
        assert!(
            warnings(
                Kind::Dynamodb,
                lit(&[("DYNAMODB_AWS_ROLE_ARN_OVERRIDE", "arn")])
            )
            .is_empty()
        );

        let athena = warnings(
            Kind::Athena,
            lit(&[
                ("ATHENA_AWS_REGION", "r"),
                ("ATHENA_S3_STAGING_DIR", "s3://b"),
                ("ATHENA_AWS_ACCESS_KEY_SECRET", "x"),
            ]),
        );
        assert_eq!(titles(&athena), ["Incomplete key group"]);
        let mssql = warnings(
            Kind::Mssql,
            lit(&[
                ("MSSQL_HOST", "h"),
                ("MSSQL_DATABASE", "d"),
                ("MSSQL_USER", "u"),
            ]),
        );
        assert_eq!(mssql[0].config_keys, ["MSSQL_USER", "MSSQL_PWD"]);
    }

    #[test]
    fn conditional_rules() {
        let base = [
            ("PGHOST", "h"),
            ("PGPORT", "5432"),
            ("PGDATABASE", "d"),
            ("PGUSER", "u"),
        ];
        let mut on = base.to_vec();
        on.push(("PG_AWS_IAM_AUTH", "Yes"));
        let found = warnings(Kind::Postgresql, lit(&on));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].config_keys, ["PG_AWS_IAM_AUTH", "PG_AWS_REGION"]);
        assert!(
            found[0]
                .message
                .starts_with("Set PG_AWS_REGION because PG_AWS_IAM_AUTH is on")
        );
        let mut off = base.to_vec();
        off.push(("PG_AWS_IAM_AUTH", "false"));
        assert!(warnings(Kind::Postgresql, lit(&off)).is_empty());
        assert!(
            warnings(Kind::Postgresql, lit(&base)).is_empty(),
            "default is off"
        );

        let kafka = [("KAFKA_BOOTSTRAP_SERVER", "b:9092"), ("KAFKA_TOPIC", "t")];
        let mut msk = kafka.to_vec();
        msk.push(("KAFKA_MSK_IAM_AUTH", "true"));
        assert_eq!(
            warnings(Kind::Kafka, lit(&msk))[0].config_keys,
            ["KAFKA_MSK_IAM_AUTH", "KAFKA_AWS_REGION"]
        );
        let mut not_msk = kafka.to_vec();
        not_msk.push(("KAFKA_MSK_IAM_AUTH", "t"));
        assert!(
            warnings(Kind::Kafka, lit(&not_msk)).is_empty(),
            "t is not on for MSK"
        );
    }

    #[test]
    fn aliases_count_for_their_key_and_are_noted() {
        let found = warnings(
            Kind::Snowflake,
            lit(&[
                ("SNOWFLAKE_ACCOUNT", "a"),
                ("SNOWFLAKE_USER", "u"),
                ("SNOWFLAKE_PRIVATE_KEY_B64", "YWJj"),
                ("SNOWFLAKE_UNLOAD_STAGE", "s"),
                ("SNOWSQL_SCHEMA", "PUBLIC"),
                ("SNOWFLAKE_SCHEMA", "PUBLIC"),
            ]),
        );
        assert_eq!(titles(&found), ["Alias key", "Key set twice"]);
        assert_eq!(
            found[0].message,
            "SNOWFLAKE_ACCOUNT is another name for SNOWFLAKE_ACCOUNT_ID; the engine reads SNOWFLAKE_ACCOUNT_ID."
        );
        assert_eq!(
            found[0].config_keys,
            ["SNOWFLAKE_ACCOUNT", "SNOWFLAKE_ACCOUNT_ID"]
        );
        assert!(
            found[1]
                .message
                .contains("the engine reads SNOWFLAKE_SCHEMA and ignores SNOWSQL_SCHEMA")
        );
        let kafka = warnings(
            Kind::Kafka,
            lit(&[
                ("KAFKA_BOOTSTRAP_SERVER", "b"),
                ("KAFKA_TOPIC", "t"),
                ("KAFKA_DLQ_TOPIC", "dlq"),
            ]),
        );
        assert_eq!(titles(&kafka), ["Alias key"]);
    }

    #[test]
    fn snowflake_advisories_carry_their_wire_codes() {
        let found = warnings(
            Kind::Snowflake,
            lit(&[
                ("SNOWFLAKE_ACCOUNT_ID", "a"),
                ("SNOWFLAKE_USER", "u"),
                ("SNOWFLAKE_PASSWORD", "p"),
            ]),
        );
        let codes: Vec<WarningCode> = found.iter().map(|w| w.code).collect();
        assert_eq!(
            codes,
            [
                WarningCode::SnowflakeUnloadNotConfigured,
                WarningCode::SnowflakePasswordAuthentication
            ]
        );
        assert_eq!(found[0].config_keys, ["SNOWFLAKE_UNLOAD_STAGE"]);
        let keypair = warnings(
            Kind::Snowflake,
            lit(&[
                ("SNOWFLAKE_ACCOUNT_ID", "a"),
                ("SNOWFLAKE_USER", "u"),
                ("SNOWFLAKE_PASSWORD", "p"),
                ("SNOWFLAKE_PRIVATE_KEY_B64", "YWJj"),
                ("SNOWFLAKE_UNLOAD_STAGE", "s"),
            ]),
        );
        assert!(keypair.is_empty(), "{keypair:?}");
    }

    #[test]
    fn warnings_do_not_depend_on_entry_order() {
        let mut entries = lit(&[
            ("B_UNKNOWN", "1"),
            ("PGHOST", "h"),
            ("A_UNKNOWN", "2"),
            ("PG_AWS_IAM_AUTH", "1"),
        ]);
        let forward = warnings(Kind::Postgresql, entries.clone());
        entries.reverse();
        assert_eq!(warnings(Kind::Postgresql, entries), forward);
        assert_eq!(
            forward.last().map(|w| w.config_keys.clone()),
            Some(vec!["B_UNKNOWN".to_string()])
        );
    }

    #[test]
    fn secret_keys() {
        assert!(is_secret_key(Kind::Postgresql, "PGPASSWORD"));
        assert!(!is_secret_key(Kind::Postgresql, "PGHOST"));
        assert!(
            !is_secret_key(Kind::Athena, "ATHENA_AWS_ACCESS_KEY_ID"),
            "catalog wins"
        );
        assert!(is_secret_key(Kind::Kafka, "KAFKA_SASL_PASSWORD"));
        assert!(!is_secret_key(Kind::Snowflake, "SNOWFLAKE_ACCOUNT"));
        for key in [
            "MY_PASSWORD",
            "DB_PWD",
            "CLIENT_SECRET",
            "GITHUB_TOKEN",
            "PRIVATE_KEY_PEM",
            "GCP_CREDENTIALS",
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "SSH_KEY",
            "STORAGE_SAS",
        ] {
            assert!(is_secret_key(Kind::Postgresql, key), "{key}");
            assert!(is_secret_key(Kind::Openai, key), "{key}");
        }
        for key in ["PGHOST_EXTRA", "REGION", "MONKEY_COUNT", "TOKENIZER_NAME_X"] {
            let expected = key.contains("TOKEN");
            assert_eq!(is_secret_key(Kind::Aws, key), expected, "{key}");
        }
    }
}
