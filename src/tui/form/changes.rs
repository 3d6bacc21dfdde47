//! The save preview: one line per key that will change, in words, so the user sees exactly what
//! is sent before it is sent. Secret values are never in it; a clear says that it sets the value
//! to empty because the API cannot remove a key. Plain values are quoted (and cut) the way
//! validation messages quote them.

use crate::domain::ConfigValue;
use crate::domain::validate::quote_shortened as quote;

use super::check::explain_reference;
use super::field::{Field, Original};
use super::model::{Form, Mode};

/// Every change saving would make, the name first.
pub fn describe_changes(form: &Form) -> Vec<String> {
    let mut lines = Vec::new();
    match &form.mode {
        Mode::New => lines.push(format!("name: {}", form.name)),
        Mode::Edit { original_name, .. } if *original_name != form.name => {
            lines.push(format!("name: {original_name} → {}", form.name));
        }
        Mode::Edit { .. } => {}
    }
    for field in &form.fields {
        if let Some(value) = field.change() {
            lines.push(format!("{}: {}", field.key, describe(form, field, &value)));
        }
    }
    lines
}

fn describe(form: &Form, field: &Field, value: &ConfigValue) -> String {
    match value {
        ConfigValue::Linked(reference) => {
            let stored = explain_reference(form.store.as_ref(), reference)
                .map_or_else(|_| reference.clone(), |view| view.stored_as);
            match &field.original {
                Original::Linked(before) => format!("linked {before} → {stored}"),
                Original::Absent => format!("linked → {stored}"),
                _ => format!("linked → {stored} (instead of the literal)"),
            }
        }
        ConfigValue::Literal(text) if text.is_empty() => {
            "cleared (set to empty: the API cannot remove a key)".to_string()
        }
        ConfigValue::Literal(_) if field.secret => match &field.original {
            Original::Absent => "set (secret, not shown)".to_string(),
            Original::Linked(before) => {
                format!("secret literal instead of linked {before} (not shown)")
            }
            _ => "new secret value (not shown)".to_string(),
        },
        ConfigValue::Literal(text) => {
            let after = quote(text.expose());
            match &field.original {
                Original::Plain(before) => format!("{} → {after}", quote(before)),
                Original::Linked(before) => format!("{after} instead of linked {before}"),
                _ => format!("set to {after}"),
            }
        }
    }
}
