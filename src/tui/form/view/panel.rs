//! The panel under the rows: everything about the key under the cursor (its description, type,
//! default, rules and the problem with its value).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::catalog::{GroupRule, ValueType};
use crate::tui::form::check::{Problems, explain_reference};
use crate::tui::form::{Form, Original, Slot};
use crate::tui::theme::Theme;

/// The panel under the rows: everything about the key under the cursor.
pub(super) fn draw_panel(
    frame: &mut Frame<'_>,
    area: Rect,
    form: &Form,
    problems: &Problems,
    theme: Theme,
) {
    let mut lines: Vec<Line<'static>> = Vec::new();
    match form.current() {
        Slot::Name => {
            lines.push(Line::from(Span::styled("name", theme.key())));
            let example = form
                .fields
                .first()
                .map(|field| format!(" (NAME_{})", field.key))
                .unwrap_or_default();
            lines.push(Line::from(format!(
                "Letters, digits and underscores; it prefixes the source's environment \
                 variables{example}."
            )));
            if let Some(problem) = &problems.name {
                lines.push(Line::from(Span::styled(
                    format!("✗ {problem}"),
                    theme.error(),
                )));
            }
        }
        Slot::OptionalToggle => {
            lines.push(Line::from(Span::styled("optional keys", theme.key())));
            lines.push(Line::from(format!(
                "{} keys that {} works without; each says what happens when it is unset.",
                form.optional_count(),
                form.spec.display_name
            )));
        }
        Slot::AddCustom => {
            lines.push(Line::from(Span::styled("custom key", theme.key())));
            lines.push(Line::from(
                "A key the catalog does not list is saved with a warning (the engine may ignore \
                 it); a close catalog key is suggested.",
            ));
        }
        Slot::Field(index) => field_panel(&mut lines, form, index, problems, theme),
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.dim());
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}

pub(super) fn field_panel(
    lines: &mut Vec<Line<'static>>,
    form: &Form,
    index: usize,
    problems: &Problems,
    theme: Theme,
) {
    let field = &form.fields[index];
    let mut facts = vec![field.value_type().name().to_string()];
    facts.push(
        if field.is_required() {
            "required"
        } else if field.is_custom() {
            "custom"
        } else {
            "optional"
        }
        .to_string(),
    );
    if field.secret {
        facts.push("secret".into());
    }
    if let Some(default) = field.spec.and_then(|spec| spec.default.as_deref()) {
        facts.push(format!("default {default}"));
    }
    if field.linked {
        facts.push("linked secret".into());
    }
    lines.push(Line::from(vec![
        Span::styled(field.key.clone(), theme.key()),
        Span::styled(format!(" · {}", facts.join(" · ")), theme.dim()),
    ]));
    // The problem first: the panel may be too short for everything below it.
    if let Some(error) = problems.errors.get(&index) {
        lines.push(Line::from(Span::styled(
            format!("✗ {error}"),
            theme.error(),
        )));
    } else if let Some(note) = problems.warnings.get(&index) {
        lines.push(Line::from(Span::styled(
            format!("! {note}"),
            theme.warning(),
        )));
    }
    if let Some(spec) = field.spec {
        lines.push(Line::from(spec.help.clone()));
    }
    if field.linked {
        match explain_reference(form.store.as_ref(), &field.reference) {
            Ok(view) => {
                let checked = if view.checked_against_store {
                    ""
                } else {
                    " (the server checks it against its store)"
                };
                lines.push(Line::from(Span::styled(
                    format!("→ {} · stored as {}{checked}", view.parsed, view.stored_as),
                    theme.ok(),
                )));
            }
            Err(_) if field.reference.trim().is_empty() => lines.push(Line::from(Span::styled(
                "→ a secret name, an AWS ARN, a GCP resource name or an Azure Key Vault URL",
                theme.dim(),
            ))),
            Err(_) => {}
        }
    } else if field.value_type() == ValueType::Enum
        && let Some(spec) = field.spec
    {
        lines.push(Line::from(Span::styled(
            format!("choices: {} (← →)", spec.choices.join(" | ")),
            theme.dim(),
        )));
    }
    if field.original == Original::SecretConfigured {
        lines.push(Line::from(Span::styled(
            "Configured on the server and never shown here: type to replace it, ^K clears it \
             (the API cannot remove a key; clearing sets it to empty).",
            theme.dim(),
        )));
    }
    for rule in form
        .spec
        .groups
        .iter()
        .filter(|rule| rule.keys().contains(&field.key.as_str()))
    {
        lines.push(Line::from(Span::styled(rule_text(rule), theme.dim())));
    }
}

/// A group rule in a few words.
pub(super) fn rule_text(rule: &GroupRule) -> String {
    let options = |options: &[Vec<String>]| {
        options
            .iter()
            .map(|option| option.join(" + "))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    match rule {
        GroupRule::OneOf { options: o, .. } => format!("rule: at least one of {}", options(o)),
        GroupRule::Exclusive { options: o, .. } => format!("rule: only one of {}", options(o)),
        GroupRule::Together { keys, .. } => format!("rule: all or none of {}", keys.join(", ")),
        GroupRule::Conditional {
            when_truthy,
            require,
            ..
        } => format!("rule: {when_truthy} on needs {}", require.join(", ")),
    }
}
