//! One config key in the form: what the server has (`Original`), what the user typed (a literal
//! and a reference, kept apart so toggling between them loses neither) and whether the key is
//! linked. What the form sends, checks and shows about a key is derived from this one place, so
//! the keep / set / clear rules cannot drift apart between the preview, the test and the save.

use crate::catalog::{KeySpec, ValueType};
use crate::domain::{ConfigValue, Secret};

/// What the server holds for the key when the form opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Original {
    /// Not set (always, for a new source).
    Absent,
    /// A literal the server shows (not a secret).
    Plain(String),
    /// A secret literal: the server never sends it, so the form never prefills it.
    SecretConfigured,
    /// A linked secret, by its stored (normalized) name.
    Linked(String),
}

/// The value a key would have after saving, as the checks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Draft<'a> {
    /// Nothing set (or a link with no reference typed yet).
    Unset,
    /// A configured secret left as it is; its value stays on the server.
    Kept,
    /// A literal (may be empty: that clears a key the server has).
    Literal(&'a str),
    /// A linked-secret reference as typed.
    Linked(&'a str),
}

/// One key of the form.
#[derive(Clone, Debug)]
pub struct Field {
    /// The key as it is sent (`PGHOST`, or a custom name).
    pub key: String,
    /// The catalog's entry; `None` for a custom key.
    pub spec: Option<&'static KeySpec>,
    /// Masked while typed and never echoed.
    pub secret: bool,
    /// The literal typed (or prefilled from a plain original).
    pub literal: Secret,
    /// The linked-secret reference typed (or the stored name of a linked original).
    pub reference: String,
    /// The value is a reference rather than a literal.
    pub linked: bool,
    pub original: Original,
    /// A configured secret is to be cleared (set to empty; the API cannot remove a key).
    pub clear: bool,
    /// The secret literal is shown on purpose; masked again when the cursor leaves the field.
    pub revealed: bool,
    /// What the server said about this key at the last save (an error, or a warning after it).
    pub server_message: Option<String>,
    /// Shown with the required keys: required, or an option of a one-of rule (Snowflake's
    /// password or private key), so what a working config needs is never behind the toggle.
    pub essential: bool,
}

impl Field {
    /// A field for `key` as the server has it.
    pub fn new(
        key: impl Into<String>,
        spec: Option<&'static KeySpec>,
        secret: bool,
        original: Original,
    ) -> Self {
        let (literal, reference, linked) = match &original {
            Original::Plain(value) => (Secret::new(value.clone()), String::new(), false),
            Original::Linked(name) => (Secret::default(), name.clone(), true),
            Original::Absent | Original::SecretConfigured => {
                (Secret::default(), String::new(), false)
            }
        };
        Self {
            key: key.into(),
            spec,
            secret,
            literal,
            reference,
            linked,
            original,
            clear: false,
            revealed: false,
            server_message: None,
            essential: spec.is_some_and(|spec| spec.required),
        }
    }

    /// The input the key needs; custom keys are free text.
    pub fn value_type(&self) -> ValueType {
        self.spec.map_or(ValueType::Text, |spec| spec.value_type)
    }

    /// The catalog's label, or the key itself for a custom key.
    pub fn label(&self) -> &str {
        self.spec
            .map_or(self.key.as_str(), |spec| spec.label.as_str())
    }

    pub fn is_required(&self) -> bool {
        self.spec.is_some_and(|spec| spec.required)
    }

    /// Behind the "optional keys" toggle: catalog keys that are not essential.
    pub fn is_optional(&self) -> bool {
        self.spec.is_some() && !self.essential
    }

    pub fn is_custom(&self) -> bool {
        self.spec.is_none()
    }

    /// Edited in the multi-line editor rather than inline.
    pub fn is_multiline(&self) -> bool {
        !self.linked
            && matches!(
                self.value_type(),
                ValueType::Multiline | ValueType::JsonObject
            )
    }

    /// Chosen with ← → or space (a boolean or enum literal; a linked one is a reference to type).
    pub fn is_choice(&self) -> bool {
        !self.linked && matches!(self.value_type(), ValueType::Boolean | ValueType::Enum)
    }

    /// How a file becomes this key's value, if one can: `Some(true)` base64-encoded (binary
    /// keys), `Some(false)` as text. Its type decides; a linked key is asked about separately.
    pub fn file_encoding(&self) -> Option<bool> {
        match self.value_type() {
            ValueType::Base64 => Some(true),
            ValueType::Multiline | ValueType::JsonObject | ValueType::Text => Some(false),
            _ => None,
        }
    }

    /// `^F` loads a file into it.
    pub fn accepts_file(&self) -> bool {
        !self.linked && self.file_encoding().is_some()
    }

    /// The value after saving, as the checks see it.
    pub fn draft(&self) -> Draft<'_> {
        if self.linked {
            let reference = self.reference.trim();
            return if reference.is_empty() {
                Draft::Unset
            } else {
                Draft::Linked(reference)
            };
        }
        let literal = self.literal.expose();
        match self.original {
            Original::SecretConfigured if self.clear => Draft::Literal(""),
            Original::SecretConfigured if literal.is_empty() => Draft::Kept,
            Original::Absent if literal.is_empty() => Draft::Unset,
            _ => Draft::Literal(literal),
        }
    }

    /// Whether the key will have a value after saving.
    pub fn is_set(&self) -> bool {
        match self.draft() {
            Draft::Unset => false,
            Draft::Kept | Draft::Linked(_) => true,
            Draft::Literal(text) => !text.trim().is_empty(),
        }
    }

    /// What saving sends for this key: `None` when it stays as the server has it.
    pub fn change(&self) -> Option<ConfigValue> {
        match (self.draft(), &self.original) {
            (Draft::Unset | Draft::Kept, _) => None,
            (Draft::Literal(text), Original::Plain(before)) if text == before => None,
            (Draft::Literal(text), _) => Some(ConfigValue::Literal(Secret::new(text))),
            (Draft::Linked(reference), Original::Linked(before)) if reference == before => None,
            (Draft::Linked(reference), _) => Some(ConfigValue::Linked(reference.to_string())),
        }
    }

    /// Whether the user changed anything about this key (including a link with no reference yet).
    pub fn is_touched(&self) -> bool {
        self.change().is_some() || (self.linked != matches!(self.original, Original::Linked(_)))
    }

    /// Puts the key back as the server has it ("keep"), or for a configured secret switches
    /// between keeping and clearing it. Returns what the key will now do, for the flash line.
    pub fn keep_or_clear(&mut self) -> &'static str {
        let restored = Field::new(
            self.key.clone(),
            self.spec,
            self.secret,
            self.original.clone(),
        );
        let clear = matches!(self.original, Original::SecretConfigured)
            && !self.clear
            && !self.linked
            && self.literal.is_empty();
        let server_message = self.server_message.take();
        *self = restored;
        self.server_message = server_message;
        if clear {
            self.clear = true;
            "will be cleared (set to empty: the API cannot remove a key)"
        } else {
            "kept as saved"
        }
    }

    /// Types `text` into whichever of the literal or the reference is active.
    pub fn type_text(&mut self, text: &str) {
        self.server_message = None;
        if self.linked {
            self.reference.push_str(text);
        } else {
            self.clear = false;
            self.literal.push_str(text);
        }
    }

    /// Deletes the last character of the active input.
    pub fn backspace(&mut self) {
        self.server_message = None;
        if self.linked {
            self.reference.pop();
        } else {
            self.literal.pop();
        }
    }

    /// Empties the active input.
    pub fn clear_input(&mut self) {
        self.server_message = None;
        if self.linked {
            self.reference.clear();
        } else {
            self.literal = Secret::default();
        }
    }

    /// Replaces the literal (a file loaded, the multi-line editor closed).
    pub fn set_literal(&mut self, value: Secret) {
        self.server_message = None;
        self.clear = false;
        self.literal = value;
    }

    /// Literal ⇄ linked secret; both inputs keep what was typed.
    pub fn toggle_linked(&mut self) {
        self.server_message = None;
        self.linked = !self.linked;
        self.revealed = false;
    }

    /// Booleans: unset → on → off → unset; enums: through the choices and back to unset.
    /// `forward` false goes the other way.
    pub fn cycle(&mut self, forward: bool) {
        let Some(spec) = self.spec else { return };
        let options: Vec<String> = match spec.value_type {
            ValueType::Boolean => vec![String::new(), "true".into(), "false".into()],
            ValueType::Enum => std::iter::once(String::new())
                .chain(spec.choices.iter().cloned())
                .collect(),
            _ => return,
        };
        let current = self.literal.expose();
        let position = match spec.value_type {
            ValueType::Boolean => match spec.parse_bool(current) {
                _ if current.is_empty() => 0,
                Some(true) => 1,
                Some(false) => 2,
                None => 0,
            },
            _ => options.iter().position(|o| o == current).unwrap_or(0),
        };
        let next = if forward {
            (position + 1) % options.len()
        } else {
            (position + options.len() - 1) % options.len()
        };
        self.set_literal(Secret::new(options[next].clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::kind_spec;
    use crate::domain::Kind;

    fn pg(key: &str) -> &'static KeySpec {
        kind_spec(Kind::Postgresql)
            .and_then(|spec| spec.key(key))
            .expect("a PostgreSQL key")
    }

    #[test]
    fn an_untouched_configured_secret_is_kept_and_not_sent() {
        let field = Field::new(
            "PGPASSWORD",
            Some(pg("PGPASSWORD")),
            true,
            Original::SecretConfigured,
        );
        assert_eq!(field.draft(), Draft::Kept);
        assert_eq!(field.change(), None);
        assert!(field.literal.is_empty(), "never prefilled");
        assert!(field.is_set());
    }

    #[test]
    fn typing_over_a_configured_secret_sets_it_and_keep_undoes_that() {
        let mut field = Field::new(
            "PGPASSWORD",
            Some(pg("PGPASSWORD")),
            true,
            Original::SecretConfigured,
        );
        field.type_text("n3w");
        assert_eq!(
            field.change(),
            Some(ConfigValue::Literal(Secret::new("n3w")))
        );
        assert_eq!(field.keep_or_clear(), "kept as saved");
        assert_eq!(field.change(), None);
        assert!(field.literal.is_empty());
    }

    #[test]
    fn clearing_a_configured_secret_sends_an_empty_value() {
        let mut field = Field::new(
            "PGPASSWORD",
            Some(pg("PGPASSWORD")),
            true,
            Original::SecretConfigured,
        );
        assert!(field.keep_or_clear().contains("cannot remove"));
        assert_eq!(field.draft(), Draft::Literal(""));
        assert_eq!(field.change(), Some(ConfigValue::Literal(Secret::new(""))));
        assert!(!field.is_set());
        assert_eq!(field.keep_or_clear(), "kept as saved");
        assert_eq!(field.change(), None);
    }

    #[test]
    fn a_plain_value_is_prefilled_and_sent_only_when_it_differs() {
        let mut field = Field::new(
            "PGPORT",
            Some(pg("PGPORT")),
            false,
            Original::Plain("5432".into()),
        );
        assert_eq!(field.literal.expose(), "5432");
        assert_eq!(field.change(), None);
        field.backspace();
        field.type_text("3");
        assert_eq!(
            field.change(),
            Some(ConfigValue::Literal(Secret::new("5433")))
        );
        field.clear_input();
        assert_eq!(
            field.change(),
            Some(ConfigValue::Literal(Secret::new(""))),
            "a clear sends empty"
        );
    }

    #[test]
    fn linking_keeps_both_inputs_and_sends_the_reference() {
        let mut field = Field::new("PGPASSWORD", Some(pg("PGPASSWORD")), true, Original::Absent);
        field.type_text("literal");
        field.toggle_linked();
        assert_eq!(field.draft(), Draft::Unset, "no reference typed yet");
        assert!(field.is_touched());
        field.type_text("prod/pg/password");
        assert_eq!(
            field.change(),
            Some(ConfigValue::Linked("prod/pg/password".into()))
        );
        field.toggle_linked();
        assert_eq!(field.literal.expose(), "literal");
        assert_eq!(field.reference, "prod/pg/password");
    }

    #[test]
    fn an_unchanged_link_is_not_sent() {
        let field = Field::new(
            "PGPASSWORD",
            Some(pg("PGPASSWORD")),
            true,
            Original::Linked("prod/pg".into()),
        );
        assert!(field.linked);
        assert_eq!(field.change(), None);
    }

    #[test]
    fn booleans_and_enums_cycle_through_unset() {
        let mut field = Field::new("PGSSLMODE", Some(pg("PGSSLMODE")), false, Original::Absent);
        field.cycle(true);
        let first = field.literal.expose().to_string();
        assert!(pg("PGSSLMODE").choices.contains(&first));
        field.cycle(false);
        assert_eq!(field.draft(), Draft::Unset);
        field.cycle(false);
        assert_eq!(
            Some(field.literal.expose()),
            pg("PGSSLMODE").choices.last().map(String::as_str)
        );

        let spec = kind_spec(Kind::Kafka)
            .and_then(|spec| {
                spec.keys
                    .iter()
                    .find(|key| key.value_type == ValueType::Boolean)
            })
            .expect("a Kafka boolean");
        let mut flag = Field::new(spec.key.clone(), Some(spec), false, Original::Absent);
        flag.cycle(true);
        assert_eq!(flag.literal.expose(), "true");
        flag.cycle(true);
        assert_eq!(flag.literal.expose(), "false");
        flag.cycle(true);
        assert_eq!(flag.draft(), Draft::Unset);
    }
}
