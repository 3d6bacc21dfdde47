//! The kind catalog: each kind's keys, labels, help, types, defaults and group rules, loaded at
//! compile time from `assets/catalog.toml` so the form, the validator, the CLI and the testers
//! read one source of truth.
//!
//! The facts are data, not match arms: adding a key or fixing a default is an edit to the asset.
//! The asset is compiled in with `include_str!` and parsed once on first use. A malformed asset is
//! a programming error; the tests in this module parse it and check its integrity, so the
//! `expect` in the loader cannot reach a user.
//!
//! The catalog is the bottom of the kind knowledge: it holds the kinds themselves ([`Kind`]) and
//! each kind's keys, and imports nothing from `domain`. The domain's rules (validation) read the
//! catalog, never the other way round; `domain::Kind` is a re-export of [`kind::Kind`].

pub mod kind;

use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};

pub use kind::{Kind, UnknownKind};

/// The compiled-in catalog text.
const CATALOG_TOML: &str = include_str!("../../assets/catalog.toml");

/// The whole catalog as parsed from the asset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    /// The SDK's boolean words, shared by every boolean key without its own `truthy` list.
    booleans: BooleanWords,
    /// One entry per managed kind.
    kinds: Vec<KindSpec>,
}

/// The words the SDK reads as on and off.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BooleanWords {
    truthy: Vec<String>,
    falsy: Vec<String>,
}

/// Everything the product knows about one managed kind's config: which keys exist, how to ask
/// for them, how to check them, and which combinations make a working connection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// The kind this spec describes (the asset names it by its SDK name, e.g. `POSTGRESQL`).
    #[serde(deserialize_with = "kind_by_sdk_name")]
    pub kind: Kind,
    /// The name people read, as in the SDK docs (matches [`Kind::display_name`]).
    pub display_name: String,
    /// One line about how the kind connects, for the form's header; may be empty.
    #[serde(default)]
    pub summary: String,
    /// The keys in form order: connection essentials first, advanced tuning last.
    pub keys: Vec<KeySpec>,
    /// Rules across keys (one-of, exclusive, together, conditional); broken rules are warnings.
    #[serde(default)]
    pub groups: Vec<GroupRule>,
    /// Warnings about configs that work but are weak (e.g. Snowflake password login).
    #[serde(default)]
    pub advisories: Vec<Advisory>,
}

/// One config key: how the form asks for it, how the validator checks it, whether it is a secret.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// The canonical key name, the one the engine reads (an environment-variable name).
    pub key: String,
    /// A short human label for the form.
    pub label: String,
    /// One helpful sentence: what the value is and what happens when it is unset.
    pub help: String,
    /// Needed for a working connection; missing required keys are warnings.
    #[serde(default)]
    pub required: bool,
    /// A credential: never echoed, never returned by reads, masked in the form.
    #[serde(default)]
    pub secret: bool,
    /// The value's format, checked before a write.
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// What the engine uses when the key is unset; shown as a placeholder, never stored.
    #[serde(default)]
    pub default: Option<String>,
    /// The accepted values of an enum key, in display order; empty for other types.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Other names accepted for this key (docs or Terraform spellings); the engine reads `key`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A form hint: tuning or rarely needed keys the form may tuck away.
    #[serde(default)]
    pub advanced: bool,
    /// For booleans, the words read as on (lower case); filled from the catalog's shared list
    /// when the asset gives none. Empty for other types.
    #[serde(default)]
    pub truthy: Vec<String>,
    /// For booleans, the words read as off (lower case); anything in neither list is malformed.
    #[serde(default)]
    pub falsy: Vec<String>,
}

/// A value's format: what the validator checks and which input widget the form shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Free text.
    Text,
    /// A TCP port, 1 to 65535.
    Port,
    /// A whole number.
    Integer,
    /// One of the key's truthy or falsy words.
    Boolean,
    /// One of the key's `choices`, spelled exactly.
    Enum,
    /// A JSON object, e.g. SQLAlchemy engine arguments.
    JsonObject,
    /// Base64 (standard or URL-safe, padding optional), e.g. a service-account key.
    Base64,
    /// Free text over several lines (PEM or JSON blobs).
    Multiline,
}

impl ValueType {
    /// The name used in the catalog file and in JSON output (`json_object`, `port`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Port => "port",
            ValueType::Integer => "integer",
            ValueType::Boolean => "boolean",
            ValueType::Enum => "enum",
            ValueType::JsonObject => "json_object",
            ValueType::Base64 => "base64",
            ValueType::Multiline => "multiline",
        }
    }
}

/// A rule across several keys of a kind. Broken rules are warnings, not errors, because a config
/// is often saved half-done and completed later.
#[derive(Debug, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum GroupRule {
    /// At least one option must be set, e.g. Snowflake's password or private key. An option is a
    /// list of keys (e.g. Databricks' client ID and secret); it counts once any of its keys is
    /// set (completing a partial option is a [`GroupRule::Together`] rule's job).
    OneOf {
        /// The alternatives.
        options: Vec<Vec<String>>,
        /// Why the rule exists, one sentence.
        #[serde(default)]
        note: String,
    },
    /// At most one option may be set, e.g. DynamoDB's role ARN vs explicit keys.
    Exclusive {
        /// The alternatives that must not be combined.
        options: Vec<Vec<String>>,
        /// Why the rule exists, one sentence.
        #[serde(default)]
        note: String,
    },
    /// All or none of the keys, e.g. an access key ID and its secret.
    Together {
        /// The keys that go together.
        keys: Vec<String>,
        /// Why the rule exists, one sentence.
        #[serde(default)]
        note: String,
    },
    /// Keys required only when a boolean key is on, e.g. PG_AWS_REGION with PG_AWS_IAM_AUTH.
    Conditional {
        /// The boolean key that switches the requirement on.
        when_truthy: String,
        /// The keys then required.
        require: Vec<String>,
        /// Why the rule exists, one sentence.
        #[serde(default)]
        note: String,
    },
}

impl GroupRule {
    /// Every key the rule mentions, in rule order without repeats: the `config_keys` of its
    /// warning and what the form highlights.
    pub fn keys(&self) -> Vec<&str> {
        let all: Vec<&str> = match self {
            GroupRule::OneOf { options, .. } | GroupRule::Exclusive { options, .. } => {
                options.iter().flatten().map(String::as_str).collect()
            }
            GroupRule::Together { keys, .. } => keys.iter().map(String::as_str).collect(),
            GroupRule::Conditional {
                when_truthy,
                require,
                ..
            } => std::iter::once(when_truthy.as_str())
                .chain(require.iter().map(String::as_str))
                .collect(),
        };
        let mut unique: Vec<&str> = Vec::with_capacity(all.len());
        for key in all {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        unique
    }

    /// Why the rule exists; may be empty.
    pub fn note(&self) -> &str {
        match self {
            GroupRule::OneOf { note, .. }
            | GroupRule::Exclusive { note, .. }
            | GroupRule::Together { note, .. }
            | GroupRule::Conditional { note, .. } => note,
        }
    }
}

/// A warning about a config that is valid but weak, raised when every `when_set` key is set and
/// every `when_unset` key is not. Data so that a new advisory needs no code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    /// The wire warning code; `UNSPECIFIED` unless the wire has a dedicated one.
    #[serde(default)]
    pub code: AdvisoryCode,
    /// Keys that must all be set for the advisory to apply.
    #[serde(default)]
    pub when_set: Vec<String>,
    /// Keys that must all be unset for the advisory to apply.
    #[serde(default)]
    pub when_unset: Vec<String>,
    /// A short title.
    pub title: String,
    /// One sentence naming the keys.
    pub message: String,
}

impl Advisory {
    /// The keys the advisory is about: `when_set` then `when_unset`.
    pub fn keys(&self) -> Vec<&str> {
        self.when_set
            .iter()
            .chain(&self.when_unset)
            .map(String::as_str)
            .collect()
    }
}

/// The wire's warning codes an advisory can carry (`IntegrationWarningCode` without its prefix).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdvisoryCode {
    /// No dedicated code.
    #[default]
    Unspecified,
    /// Snowflake without an unload stage.
    SnowflakeUnloadNotConfigured,
    /// Snowflake logging in with a password and no key pair.
    SnowflakePasswordAuthentication,
}

impl KindSpec {
    /// The spec of a key given by its canonical name or one of its aliases.
    pub fn key(&self, name: &str) -> Option<&KeySpec> {
        self.keys.iter().find(|spec| spec.answers_to(name))
    }

    /// The required keys, in form order.
    pub fn required_keys(&self) -> impl Iterator<Item = &KeySpec> {
        self.keys.iter().filter(|spec| spec.required)
    }

    /// Every accepted name (canonical keys and aliases), in form order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().flat_map(KeySpec::names)
    }

    /// The accepted name closest to a key this kind does not know, for a did-you-mean: a name
    /// differing only in case, a name the unknown key ends with (an integration-prefixed
    /// `MY_DB_PGHOST`), or a name within a small edit distance (`PGHOTS` → `PGHOST`).
    pub fn suggest(&self, unknown: &str) -> Option<&str> {
        let upper = unknown.to_ascii_uppercase();
        if let Some(name) = self.names().find(|name| *name == upper) {
            return Some(name);
        }
        if let Some(name) = self
            .names()
            .filter(|name| upper.ends_with(&format!("_{name}")))
            .max_by_key(|name| name.len())
        {
            return Some(name);
        }
        self.names()
            .map(|name| (strsim::damerau_levenshtein(&upper, name), name))
            .filter(|(distance, name)| *distance <= typo_budget(name))
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, name)| name)
    }
}

/// How many edits still count as a typo of `name`: one for short names, up to three for long.
fn typo_budget(name: &str) -> usize {
    (name.len() / 4).clamp(1, 3)
}

impl KeySpec {
    /// True when `name` is this key's canonical name or one of its aliases (exact spelling:
    /// keys are environment-variable names).
    pub fn answers_to(&self, name: &str) -> bool {
        self.key == name || self.aliases.iter().any(|alias| alias == name)
    }

    /// The canonical name followed by the aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// Reads a boolean value as the engine does (case-insensitive); `None` when the value is in
    /// neither word list, which the engine would silently read as off.
    pub fn parse_bool(&self, value: &str) -> Option<bool> {
        let lower = value.to_ascii_lowercase();
        if self.truthy.contains(&lower) {
            Some(true)
        } else if self.falsy.contains(&lower) {
            Some(false)
        } else {
            None
        }
    }
}

/// The spec of a managed kind; `None` for kinds the product shows but does not manage (AWS, GCP,
/// Cohere, OpenAI, Hugging Face), whose configs are free-form.
pub fn kind_spec(kind: Kind) -> Option<&'static KindSpec> {
    catalog().kinds.iter().find(|spec| spec.kind == kind)
}

/// Every managed kind's spec, in the asset's order (alphabetical by SDK name).
pub fn kind_specs() -> &'static [KindSpec] {
    &catalog().kinds
}

/// The parsed catalog, loaded on first use.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        parse(CATALOG_TOML).expect(
            "assets/catalog.toml is compiled in and checked by catalog::tests; fix the asset",
        )
    })
}

/// Parses catalog text and fills each boolean key's word lists from the shared ones.
fn parse(text: &str) -> Result<Catalog, toml::de::Error> {
    let mut catalog: Catalog = toml::from_str(text)?;
    let words = &catalog.booleans;
    for key in catalog
        .kinds
        .iter_mut()
        .flat_map(|kind| kind.keys.iter_mut())
    {
        if key.value_type != ValueType::Boolean {
            continue;
        }
        if key.truthy.is_empty() {
            key.truthy.clone_from(&words.truthy);
        }
        if key.falsy.is_empty() {
            key.falsy.clone_from(&words.falsy);
        }
        key.truthy
            .iter_mut()
            .for_each(|word| word.make_ascii_lowercase());
        key.falsy
            .iter_mut()
            .for_each(|word| word.make_ascii_lowercase());
    }
    Ok(catalog)
}

/// Reads a kind from its exact SDK name (`POSTGRESQL`), so the asset has one spelling per kind.
fn kind_by_sdk_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Kind, D::Error> {
    let name = String::deserialize(deserializer)?;
    Kind::ALL
        .into_iter()
        .find(|kind| kind.sdk_name() == name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown SDK kind name {name:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Everything wrong with a catalog that still parses; empty when it is sound.
    fn integrity_problems(catalog: &Catalog) -> Vec<String> {
        let mut problems = Vec::new();
        for spec in &catalog.kinds {
            problems.extend(
                kind_problems(spec)
                    .into_iter()
                    .map(|p| format!("{:?}: {p}", spec.kind)),
            );
        }
        problems
    }

    fn kind_problems(spec: &KindSpec) -> Vec<String> {
        let mut problems = Vec::new();
        if spec.display_name != spec.kind.display_name() {
            problems.push(format!(
                "display name {:?} differs from Kind",
                spec.display_name
            ));
        }
        let mut seen = BTreeSet::new();
        for name in spec.names() {
            if !seen.insert(name) {
                problems.push(format!("name {name} appears twice"));
            }
        }
        for key in &spec.keys {
            problems.extend(
                key_problems(key)
                    .into_iter()
                    .map(|p| format!("{}: {p}", key.key)),
            );
        }
        let canonical = |name: &str| spec.keys.iter().any(|key| key.key == name);
        let rule_keys = spec.groups.iter().flat_map(GroupRule::keys);
        let advisory_keys = spec.advisories.iter().flat_map(Advisory::keys);
        for name in rule_keys.chain(advisory_keys) {
            if !canonical(name) {
                problems.push(format!("rule names {name}, which is not a canonical key"));
            }
        }
        for rule in &spec.groups {
            if let GroupRule::Conditional { when_truthy, .. } = rule {
                let is_boolean = spec
                    .key(when_truthy)
                    .is_some_and(|key| key.value_type == ValueType::Boolean);
                if !is_boolean {
                    problems.push(format!(
                        "conditional trigger {when_truthy} is not a boolean"
                    ));
                }
            }
        }
        problems
    }

    fn key_problems(key: &KeySpec) -> Vec<String> {
        let mut problems = Vec::new();
        if key.label.trim().is_empty() || key.help.trim().is_empty() {
            problems.push("label and help must not be empty".to_string());
        }
        let is_enum = key.value_type == ValueType::Enum;
        if is_enum == key.choices.is_empty() {
            problems.push("choices belong to enum keys, and every enum has some".to_string());
        }
        let is_boolean = key.value_type == ValueType::Boolean;
        let has_words = !key.truthy.is_empty() || !key.falsy.is_empty();
        if has_words && !is_boolean {
            problems.push("truthy/falsy belong to boolean keys".to_string());
        }
        if key.truthy.iter().any(|word| key.falsy.contains(word)) {
            problems.push("a word is both truthy and falsy".to_string());
        }
        if key.key.trim().is_empty() || key.key != key.key.to_ascii_uppercase() {
            problems.push("key names are upper-case environment-variable names".to_string());
        }
        problems
    }

    #[test]
    fn the_asset_parses_and_is_sound() {
        let catalog = parse(CATALOG_TOML).expect("catalog.toml parses");
        assert_eq!(integrity_problems(&catalog), Vec::<String>::new());
    }

    /// A key with a default works when unset, so calling it required made the form show the
    /// default as a placeholder, pass the draft test with it, and then refuse to save.
    #[test]
    fn no_key_is_both_required_and_defaulted() {
        let catalog = parse(CATALOG_TOML).expect("catalog.toml parses");
        let both: Vec<String> = catalog
            .kinds
            .iter()
            .flat_map(|spec| {
                spec.keys
                    .iter()
                    .filter(|key| key.required && key.default.is_some())
                    .map(move |key| format!("{:?}.{}", spec.kind, key.key))
            })
            .collect();
        assert_eq!(both, Vec::<String>::new());
    }

    #[test]
    fn the_asset_covers_exactly_the_managed_kinds_once() {
        let kinds: Vec<Kind> = kind_specs().iter().map(|spec| spec.kind).collect();
        let unique: BTreeSet<Kind> = kinds.iter().copied().collect();
        assert_eq!(kinds.len(), unique.len(), "a kind appears twice");
        assert_eq!(unique, Kind::MANAGED.into_iter().collect::<BTreeSet<_>>());
        for kind in Kind::ALL {
            assert_eq!(kind_spec(kind).is_some(), kind.is_managed(), "{kind:?}");
        }
    }

    #[test]
    fn malformed_catalogs_are_rejected_at_parse_time() {
        let base = "[booleans]\ntruthy = [\"1\"]\nfalsy = [\"0\"]\n";
        let unknown_kind =
            format!("{base}[[kinds]]\nkind = \"NOPE\"\ndisplay_name = \"x\"\nkeys = []\n");
        assert!(parse(&unknown_kind).is_err());
        let typo = format!(
            "{base}[[kinds]]\nkind = \"MYSQL\"\ndisplay_name = \"MySQL\"\n[[kinds.keys]]\nkey = \"A\"\nlabel = \"A\"\nhelp = \"h\"\ntype = \"text\"\nrequried = true\n"
        );
        assert!(parse(&typo).is_err());
        let bad_type = typo
            .replace("requried = true\n", "")
            .replace("\"text\"", "\"float\"");
        assert!(parse(&bad_type).is_err());
        let bad_rule = format!(
            "{base}[[kinds]]\nkind = \"MYSQL\"\ndisplay_name = \"MySQL\"\nkeys = []\n[[kinds.groups]]\nrule = \"any_of\"\nkeys = []\n"
        );
        assert!(parse(&bad_rule).is_err());
    }

    #[test]
    fn keys_resolve_through_aliases() {
        let snowflake = kind_spec(Kind::Snowflake).unwrap();
        assert_eq!(
            snowflake.key("SNOWFLAKE_ACCOUNT").unwrap().key,
            "SNOWFLAKE_ACCOUNT_ID"
        );
        assert_eq!(
            snowflake.key("SNOWFLAKE_ACCOUNT_ID").unwrap().key,
            "SNOWFLAKE_ACCOUNT_ID"
        );
        assert_eq!(
            snowflake.key("SNOWSQL_SCHEMA").unwrap().key,
            "SNOWFLAKE_SCHEMA"
        );
        let kafka = kind_spec(Kind::Kafka).unwrap();
        assert_eq!(
            kafka.key("KAFKA_DLQ_TOPIC").unwrap().key,
            "KAFKA_DEAD_LETTER_QUEUE_TOPIC"
        );
        assert!(kafka.key("kafka_topic").is_none(), "keys are exact");
        assert!(
            kafka.key("ENGINE_ARGUMENTS").is_none(),
            "streams have no engine"
        );
    }

    #[test]
    fn facts_from_the_reference_are_encoded() {
        let pg = kind_spec(Kind::Postgresql).unwrap();
        let port = pg.key("PGPORT").unwrap();
        assert_eq!(
            (port.value_type, port.default.as_deref()),
            (ValueType::Port, Some("5432"))
        );
        assert!(pg.key("PGPASSWORD").unwrap().secret);
        let kafka = kind_spec(Kind::Kafka).unwrap();
        let protocol = kafka.key("KAFKA_SECURITY_PROTOCOL").unwrap();
        assert_eq!(protocol.default.as_deref(), Some("PLAINTEXT"));
        assert_eq!(protocol.choices.len(), 4);
        let msk = kafka.key("KAFKA_MSK_IAM_AUTH").unwrap();
        assert_eq!(msk.parse_bool("YES"), Some(true));
        assert_eq!(msk.parse_bool("t"), None, "MSK reads only true/1/yes");
        let iam = pg.key("PG_AWS_IAM_AUTH").unwrap();
        assert_eq!(iam.parse_bool("T"), Some(true));
        assert_eq!(iam.parse_bool(""), Some(false));
        assert_eq!(iam.parse_bool("maybe"), None);
        for spec in kind_specs() {
            let has_engine_args = spec.key("ENGINE_ARGUMENTS").is_some();
            let is_stream = matches!(spec.kind, Kind::Kafka | Kind::Kinesis | Kind::Pubsub);
            assert_eq!(has_engine_args, !is_stream, "{:?}", spec.kind);
        }
        let spanner = kind_spec(Kind::Spanner).unwrap();
        assert!(spanner.key("SPANNER_ENGINE_ARGUMENTS").is_some());
    }

    #[test]
    fn group_rules_list_their_keys_once() {
        let databricks = kind_spec(Kind::Databricks).unwrap();
        let one_of = databricks
            .groups
            .iter()
            .find(|rule| matches!(rule, GroupRule::OneOf { .. }))
            .unwrap();
        assert_eq!(
            one_of.keys(),
            [
                "DATABRICKS_TOKEN",
                "DATABRICKS_CLIENT_ID",
                "DATABRICKS_CLIENT_SECRET"
            ]
        );
        assert!(!one_of.note().is_empty());
    }

    #[test]
    fn suggestions_catch_typos_case_and_prefixes() {
        let pg = kind_spec(Kind::Postgresql).unwrap();
        assert_eq!(pg.suggest("PGHOTS"), Some("PGHOST"));
        assert_eq!(pg.suggest("pghost"), Some("PGHOST"));
        assert_eq!(pg.suggest("MY_DB_PGPASSWORD"), Some("PGPASSWORD"));
        assert_eq!(pg.suggest("COMPLETELY_DIFFERENT"), None);
        let snowflake = kind_spec(Kind::Snowflake).unwrap();
        assert_eq!(
            snowflake.suggest("SNOWFLAKE_ACOUNT"),
            Some("SNOWFLAKE_ACCOUNT")
        );
    }
}
