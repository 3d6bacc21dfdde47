//! The form's state for one source: which kind, new or editing, the name, one [`Field`] per key
//! (built from the kind catalog, never from per-kind code), where the cursor is, and the layers the
//! form can open (prompts, the multi-line editor). Pure data and pure operations; the reducer
//! drives it from keys and the view draws it.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::catalog::{GroupRule, KindSpec, kind_spec};
use crate::domain::name::validate_key_name;
use crate::domain::secret_ref::SecretStore;
use crate::domain::validate::is_secret_key;
use crate::domain::{ConfigValue, Kind};
use crate::proto::{IntegrationWarning, IntegrationWithSecrets, SecretSource};

use super::super::app::TestResult;
use super::super::msg::RequestId;
use super::field::{Field, Original};

/// Creating a source, or editing a saved one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    New,
    Edit { id: String, original_name: String },
}

/// A row the cursor can stop on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Name,
    Field(usize),
    /// Shows or hides the optional keys.
    OptionalToggle,
    /// Adds a key the catalog does not list.
    AddCustom,
}

/// A connectivity test of the draft.
#[derive(Clone, Debug, PartialEq)]
pub enum DraftTest {
    Running { id: RequestId, since: Instant },
    Done(TestResult),
}

/// The config form.
#[derive(Debug)]
pub struct Form {
    /// The kind's catalog entry; the kind itself is [`Form::kind`].
    pub spec: &'static KindSpec,
    pub mode: Mode,
    pub name: String,
    /// What the server said about the name at the last save.
    pub name_message: Option<String>,
    /// Required keys, then optional ones (catalog order), then custom keys.
    pub fields: Vec<Field>,
    pub show_optional: bool,
    /// Index into [`Form::slots`].
    pub cursor: usize,
    pub test: Option<DraftTest>,
    /// The save in flight.
    pub saving: Option<RequestId>,
    /// The store the server checks references against, when known (the embedded server's own);
    /// references then show the exact name that will be stored.
    pub store: Option<SecretStore>,
    /// Warnings the server returned for the saved config, by key.
    pub server_warnings: BTreeMap<String, String>,
    /// A save was tried: problems on untouched keys (a required key never typed) show too.
    pub attempted: bool,
    /// The environment's secret names, for `^L` (fetched when the form opens).
    pub secret_names: super::link::SecretNames,
}

impl Form {
    /// A blank form for a new source of `kind`; `None` for kinds without a catalog entry.
    pub fn new_source(kind: Kind, store: Option<SecretStore>) -> Option<Self> {
        let spec = kind_spec(kind)?;
        let fields = catalog_fields(spec, |_| Original::Absent);
        Some(Self::assemble(
            spec,
            Mode::New,
            String::new(),
            fields,
            store,
        ))
    }

    /// A form over a saved source, as GetIntegration answered it. Secret literals are never
    /// prefilled (the server does not send them); keys the catalog does not list become custom
    /// fields. `warnings` (from the last save) land on the keys they name.
    pub fn edit_source(
        detail: &IntegrationWithSecrets,
        store: Option<SecretStore>,
        warnings: &[IntegrationWarning],
    ) -> Option<Self> {
        let integration = detail.integration.as_ref()?;
        let kind = Kind::from_wire(integration.kind)?;
        let spec = kind_spec(kind)?;
        let saved: BTreeMap<&str, Original> = detail
            .secrets
            .iter()
            .map(|row| {
                let original = if row.source == SecretSource::External as i32 {
                    Original::Linked(row.full_name.clone())
                } else {
                    match &row.value {
                        Some(value) => Original::Plain(value.clone()),
                        None => Original::SecretConfigured,
                    }
                };
                (row.name.as_str(), original)
            })
            .collect();
        let mut fields = catalog_fields(spec, |key| {
            saved.get(key).cloned().unwrap_or(Original::Absent)
        });
        for (key, original) in &saved {
            if spec.key(key).is_none_or(|known| known.key != *key) {
                fields.push(Field::new(
                    *key,
                    spec.key(key),
                    is_secret_key(kind, key),
                    original.clone(),
                ));
            }
        }
        let name = integration.name.clone().unwrap_or_default();
        let mode = Mode::Edit {
            id: integration.id.clone(),
            original_name: name.clone(),
        };
        let mut form = Self::assemble(spec, mode, name, fields, store);
        form.show_optional = form
            .fields
            .iter()
            .any(|field| field.is_optional() && field.original != Original::Absent);
        for warning in warnings {
            for key in &warning.config_keys {
                form.server_warnings
                    .entry(key.clone())
                    .or_insert_with(|| warning.message.clone());
            }
        }
        Some(form)
    }

    fn assemble(
        spec: &'static KindSpec,
        mode: Mode,
        name: String,
        fields: Vec<Field>,
        store: Option<SecretStore>,
    ) -> Self {
        Self {
            spec,
            mode,
            name,
            name_message: None,
            fields,
            show_optional: false,
            cursor: 0,
            test: None,
            saving: None,
            store,
            server_warnings: BTreeMap::new(),
            attempted: false,
            secret_names: super::link::SecretNames::Unknown,
        }
    }

    pub fn kind(&self) -> Kind {
        self.spec.kind
    }

    pub fn is_new(&self) -> bool {
        self.mode == Mode::New
    }

    /// The saved source's id when editing.
    pub fn integration_id(&self) -> Option<&str> {
        match &self.mode {
            Mode::Edit { id, .. } => Some(id),
            Mode::New => None,
        }
    }

    /// The new name when editing and it differs from the saved one.
    pub fn renamed_to(&self) -> Option<&str> {
        match &self.mode {
            Mode::Edit { original_name, .. } if *original_name != self.name => Some(&self.name),
            _ => None,
        }
    }

    /// The rows the cursor can stop on, in screen order.
    pub fn slots(&self) -> Vec<Slot> {
        let mut slots = vec![Slot::Name];
        let (optional, rest): (Vec<usize>, Vec<usize>) =
            (0..self.fields.len()).partition(|index| self.fields[*index].is_optional());
        let (custom, required): (Vec<usize>, Vec<usize>) = rest
            .into_iter()
            .partition(|index| self.fields[*index].is_custom());
        slots.extend(required.into_iter().map(Slot::Field));
        if !optional.is_empty() {
            slots.push(Slot::OptionalToggle);
            if self.show_optional {
                slots.extend(optional.into_iter().map(Slot::Field));
            }
        }
        slots.extend(custom.into_iter().map(Slot::Field));
        slots.push(Slot::AddCustom);
        slots
    }

    /// How many optional keys the toggle hides or shows.
    pub fn optional_count(&self) -> usize {
        self.fields
            .iter()
            .filter(|field| field.is_optional())
            .count()
    }

    /// The slot under the cursor.
    pub fn current(&self) -> Slot {
        let slots = self.slots();
        slots
            .get(self.cursor.min(slots.len().saturating_sub(1)))
            .copied()
            .unwrap_or(Slot::Name)
    }

    /// The field under the cursor, if the cursor is on one.
    pub fn current_field(&self) -> Option<usize> {
        match self.current() {
            Slot::Field(index) => Some(index),
            _ => None,
        }
    }

    /// Moves the cursor; a secret revealed in the field being left is masked again.
    pub fn move_cursor(&mut self, delta: isize) {
        let len = self.slots().len();
        if len == 0 {
            return;
        }
        let target = (self.cursor as isize + delta).clamp(0, len as isize - 1) as usize;
        self.set_cursor(target);
    }

    fn set_cursor(&mut self, target: usize) {
        if target != self.cursor
            && let Some(index) = self.current_field()
        {
            self.fields[index].revealed = false;
        }
        self.cursor = target;
    }

    /// Puts the cursor on `slot`, showing the optional keys when it is one of them.
    pub fn focus(&mut self, slot: Slot) {
        if let Slot::Field(index) = slot
            && self.fields.get(index).is_some_and(Field::is_optional)
        {
            self.show_optional = true;
        }
        if let Some(position) = self.slots().iter().position(|s| *s == slot) {
            self.set_cursor(position);
        }
    }

    /// Shows or hides the optional keys, keeping the cursor on the toggle.
    pub fn toggle_optional(&mut self) {
        self.show_optional = !self.show_optional;
        self.focus(Slot::OptionalToggle);
    }

    /// The field for `key` (canonical name, alias or custom name).
    pub fn field_index(&self, key: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|field| field.key == key)
            .or_else(|| {
                self.fields
                    .iter()
                    .position(|field| field.spec.is_some_and(|spec| spec.answers_to(key)))
            })
    }

    /// Adds a key the catalog does not list; a key it does list moves the cursor there instead.
    /// Returns what happened, for the flash line, or why the name was refused.
    pub fn add_custom(&mut self, key: &str) -> Result<String, String> {
        let key = key.trim();
        validate_key_name(key)?;
        if let Some(index) = self.field_index(key) {
            self.focus(Slot::Field(index));
            return Ok(format!("{key} is already in the form; moved to it"));
        }
        let field = Field::new(key, None, is_secret_key(self.kind(), key), Original::Absent);
        self.fields.push(field);
        self.focus(Slot::Field(self.fields.len() - 1));
        let note = match self.spec.suggest(key) {
            Some(known) => format!("added {key}; did you mean {known}?"),
            None => format!(
                "added {key}, a key {} does not list",
                self.spec.display_name
            ),
        };
        Ok(note)
    }

    /// Every key saving would send, with its new value.
    pub fn changes(&self) -> BTreeMap<String, ConfigValue> {
        self.fields
            .iter()
            .filter_map(|field| field.change().map(|value| (field.key.clone(), value)))
            .collect()
    }

    /// Whether leaving would lose anything typed.
    pub fn is_dirty(&self) -> bool {
        let name_changed = match &self.mode {
            Mode::New => !self.name.is_empty(),
            Mode::Edit { original_name, .. } => *original_name != self.name,
        };
        name_changed || self.fields.iter().any(Field::is_touched)
    }

    /// The title over the form.
    pub fn title(&self) -> String {
        match &self.mode {
            Mode::New => format!("New {} source", self.spec.display_name),
            Mode::Edit { original_name, .. } => {
                format!("Edit {original_name} · {}", self.spec.display_name)
            }
        }
    }
}

/// One field per catalog key: required keys first, then the rest (catalog order; advanced keys
/// last), each with its original from `original_of`. A key saved under an alias gets a field of
/// its own, so what is sent is always the name the server has.
fn catalog_fields(spec: &'static KindSpec, original_of: impl Fn(&str) -> Original) -> Vec<Field> {
    let mut keys: Vec<_> = spec.keys.iter().collect();
    keys.sort_by_key(|key| {
        (
            !(key.required || in_one_of_rule(spec, &key.key)),
            key.advanced,
        )
    });
    keys.into_iter()
        .map(|key| {
            let mut field = Field::new(
                key.key.clone(),
                Some(key),
                key.secret,
                original_of(&key.key),
            );
            field.essential = key.required || in_one_of_rule(spec, &key.key);
            field
        })
        .collect()
}

/// Whether `key` is an option of one of the kind's one-of rules.
fn in_one_of_rule(spec: &KindSpec, key: &str) -> bool {
    spec.groups
        .iter()
        .any(|rule| matches!(rule, GroupRule::OneOf { .. }) && rule.keys().contains(&key))
}
