//! Validation as you type: the domain's rules (name characters, value types, required keys,
//! one-of / exclusive / together / conditional groups, unknown keys with did-you-mean, linked
//! reference syntax) applied to the draft, with each problem placed on the field it is about.
//! Errors block a save; warnings do not. The same rules the server applies, so a form that
//! passes here is accepted there.

use std::collections::BTreeMap;

use crate::domain::name::validate_name;
use crate::domain::secret_ref::{SecretStore, parse_reference};
use crate::domain::validate::{broken_groups, check_values, notes};
use crate::domain::{ValueView, secret_ref::MESSAGE_PREFIX};

use super::field::Draft;
use super::model::{Form, Slot};

/// Everything wrong with the draft, by place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems {
    pub name: Option<String>,
    /// Blocking problems, by field index.
    pub errors: BTreeMap<usize, String>,
    /// Advice that does not block a save, by field index.
    pub warnings: BTreeMap<usize, String>,
}

impl Problems {
    pub fn is_blocking(&self) -> bool {
        self.name.is_some() || !self.errors.is_empty()
    }

    pub fn count(&self) -> usize {
        usize::from(self.name.is_some()) + self.errors.len()
    }

    /// The first place with an error: the name, else the first field in form order.
    pub fn first_error(&self) -> Option<Slot> {
        if self.name.is_some() {
            return Some(Slot::Name);
        }
        self.errors.keys().next().map(|index| Slot::Field(*index))
    }
}

/// A linked reference as the form explains it: what it parsed to and the name that will be
/// stored, or exactly what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceView {
    /// e.g. `AWS Secrets Manager · account 123456789012 · region us-east-1 · name prod/pg`.
    pub parsed: String,
    /// The provider-local name the server stores.
    pub stored_as: String,
    /// Whether `stored_as` was checked against the server's store (otherwise the server checks
    /// it on save).
    pub checked_against_store: bool,
}

/// Parses a reference; with a known store, normalizes it the way the server will.
pub fn explain_reference(store: Option<&SecretStore>, text: &str) -> Result<ReferenceView, String> {
    let parsed = parse_reference(text).map_err(|error| error.message)?;
    let (stored_as, checked) = match store {
        Some(store) => (store.normalize(text).map_err(|error| error.message)?, true),
        None => (parsed.name.clone(), false),
    };
    Ok(ReferenceView {
        parsed: parsed.describe(),
        stored_as,
        checked_against_store: checked,
    })
}

/// Checks the whole draft.
pub fn check(form: &Form) -> Problems {
    let mut problems = Problems {
        name: form
            .name_message
            .clone()
            .or_else(|| validate_name(&form.name).err().map(|e| e.to_string())),
        ..Problems::default()
    };
    for (index, field) in form.fields.iter().enumerate() {
        let message = if let Some(message) = &field.server_message {
            Some(message.clone())
        } else if field.linked {
            match field.draft() {
                Draft::Linked(reference) => explain_reference(form.store.as_ref(), reference)
                    .err()
                    .map(|message| message.trim_start_matches(MESSAGE_PREFIX).to_string()),
                _ => Some("type a secret reference, or ^L for a literal value".to_string()),
            }
        } else if field.is_required() && !field.is_set() {
            Some("required".to_string())
        } else {
            None
        };
        if let Some(message) = message {
            problems.errors.insert(index, message);
        }
    }
    let literals: Vec<(&str, ValueView<'_>)> = form
        .fields
        .iter()
        .filter_map(|field| match field.draft() {
            Draft::Literal(text) => Some((field.key.as_str(), ValueView::Literal(text))),
            _ => None,
        })
        .collect();
    if let Err(errors) = check_values(form.kind(), literals) {
        for error in errors {
            if let Some(index) = form.field_index(&error.key) {
                problems.errors.entry(index).or_insert(error.message);
            }
        }
    }
    let present: Vec<(&str, ValueView<'_>)> = form
        .fields
        .iter()
        .filter_map(|field| {
            let view = match field.draft() {
                Draft::Unset => return None,
                // The value stays on the server; for the rules it is simply set.
                Draft::Kept => ValueView::Literal("configured"),
                Draft::Literal(text) => ValueView::Literal(text),
                Draft::Linked(reference) => ValueView::Linked(reference),
            };
            Some((field.key.as_str(), view))
        })
        .collect();
    for warning in broken_groups(form.kind(), present.iter().copied()) {
        for key in &warning.config_keys {
            if let Some(index) = form.field_index(key) {
                problems
                    .errors
                    .entry(index)
                    .or_insert_with(|| warning.message.clone());
            }
        }
    }
    for warning in notes(form.kind(), present) {
        for key in &warning.config_keys {
            if let Some(index) = form.field_index(key) {
                problems
                    .warnings
                    .entry(index)
                    .or_insert_with(|| warning.message.clone());
            }
        }
    }
    for (index, field) in form.fields.iter().enumerate() {
        if let Draft::Linked(reference) = field.draft()
            && !problems.errors.contains_key(&index)
            && let Ok(view) = explain_reference(form.store.as_ref(), reference)
            && let Some(note) = super::link::unknown_name_note(form, &view.stored_as)
        {
            problems.warnings.entry(index).or_insert(note);
        }
    }
    for (key, message) in &form.server_warnings {
        if let Some(index) = form.field_index(key)
            && !form.fields[index].is_touched()
        {
            problems
                .warnings
                .entry(index)
                .or_insert_with(|| message.clone());
        }
    }
    problems
}
