//! The form's rows: one per key (label, key name on wide terminals, a value widget chosen by
//! the key's type, and the problem or note beside it), section titles between groups. Secret
//! values show as bullets unless revealed on purpose.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::catalog::ValueType;
use crate::tui::form::check::{Problems, explain_reference};
use crate::tui::form::{Field, Form, Original, Slot};
use crate::tui::theme::Theme;

use super::{KEY_WIDTH, LABEL_WIDTH, VALUE_WIDTH, WIDE};
use crate::tui::view::fit;

/// One screen row: the slot it belongs to (none for section titles) and its text.
pub(super) struct Row {
    slot: Option<Slot>,
    line: Line<'static>,
}

pub(super) fn draw_rows(
    frame: &mut Frame<'_>,
    area: Rect,
    form: &Form,
    problems: &Problems,
    theme: Theme,
) {
    let width = usize::from(area.width);
    let current = form.current();
    let mut rows: Vec<Row> = Vec::new();
    let mut section: Option<&str> = None;
    for slot in form.slots() {
        let title = match slot {
            Slot::Field(index) if form.fields[index].is_custom() => {
                Some("Custom keys (not in the catalog)")
            }
            Slot::Field(index) if form.fields[index].is_optional() => Some("Optional"),
            Slot::Field(_) => Some("Required"),
            Slot::AddCustom => None,
            Slot::Name | Slot::OptionalToggle => None,
        };
        if title.is_some() && title != section {
            section = title;
            if let Some(text) = title
                && text != "Optional"
            {
                rows.push(Row {
                    slot: None,
                    line: Line::from(Span::styled(format!("── {text} "), theme.dim())),
                });
            }
        }
        let focused = slot == current;
        let line = match slot {
            Slot::Name => name_row(form, problems, focused, width, theme),
            Slot::Field(index) => field_row(form, index, problems, focused, width, theme),
            Slot::OptionalToggle => {
                let marker = if form.show_optional { "▾" } else { "▸" };
                let verb = if form.show_optional { "hide" } else { "show" };
                Line::from(vec![
                    Span::raw(if focused { "› " } else { "  " }),
                    Span::styled(
                        format!(
                            "{marker} Optional keys ({}) · ⏎ or ^O to {verb} them",
                            form.optional_count()
                        ),
                        style_if(focused, theme.title(), theme),
                    ),
                ])
            }
            Slot::AddCustom => Line::from(vec![
                Span::raw(if focused { "› " } else { "  " }),
                Span::styled(
                    "+ Add a key the catalog does not list (⏎ or ^A)",
                    style_if(focused, theme.dim(), theme),
                ),
            ]),
        };
        rows.push(Row {
            slot: Some(slot),
            line,
        });
    }
    let height = usize::from(area.height).max(1);
    let cursor_row = rows
        .iter()
        .position(|row| row.slot == Some(current))
        .unwrap_or(0);
    // Keep the cursor on screen with a row of context below it where there is room.
    let start = (cursor_row + 2)
        .saturating_sub(height)
        .min(rows.len().saturating_sub(height));
    let lines: Vec<Line<'static>> = rows
        .into_iter()
        .skip(start)
        .take(height)
        .map(|row| row.line)
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

pub(super) fn style_if(focused: bool, style: Style, theme: Theme) -> Style {
    if focused {
        style.patch(theme.selected(true))
    } else {
        style
    }
}

/// Widths of the label, key, value and message columns for `width`.
pub(super) fn columns(width: usize) -> (usize, usize, usize, usize) {
    let key = if width >= WIDE { KEY_WIDTH } else { 0 };
    let value = VALUE_WIDTH.min(width.saturating_sub(2 + LABEL_WIDTH + key + 8));
    let message = width.saturating_sub(2 + LABEL_WIDTH + key + value + 2);
    (LABEL_WIDTH, key, value, message)
}

pub(super) fn name_row(
    form: &Form,
    problems: &Problems,
    focused: bool,
    width: usize,
    theme: Theme,
) -> Line<'static> {
    let (label, key, value, message) = columns(width);
    let mut text = form.name.clone();
    if focused {
        text.push('▏');
    }
    let shown = if text.is_empty() {
        Span::styled(fit("letters, digits, _", value), theme.dim())
    } else {
        Span::styled(
            fit(&tail(&text, value), value),
            style_if(focused, theme.plain(), theme),
        )
    };
    let mut spans = vec![
        Span::raw(if focused { "› " } else { "  " }),
        Span::styled(fit("Name", label), style_if(focused, theme.title(), theme)),
    ];
    if key > 0 {
        spans.push(Span::styled(fit("", key), theme.dim()));
    }
    spans.push(shown);
    spans.push(Span::raw("  "));
    let show = form.attempted || !form.name.is_empty() || form.name_message.is_some();
    match &problems.name {
        Some(problem) if show => {
            let text = problem.trim_start_matches("name: ");
            spans.push(Span::styled(
                fit(&format!("✗ {text}"), message),
                theme.error(),
            ));
        }
        _ => {
            if let Some(renamed) = form.renamed_to() {
                spans.push(Span::styled(
                    fit(&format!("● renamed to {renamed}"), message),
                    theme.ok(),
                ));
            }
        }
    }
    Line::from(spans)
}

/// The end of `text` that fits in `width` columns (what is being typed stays visible).
pub(super) fn tail(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    let mut out = String::from("…");
    out.extend(&chars[chars.len() - keep..]);
    out
}

pub(super) fn field_row(
    form: &Form,
    index: usize,
    problems: &Problems,
    focused: bool,
    width: usize,
    theme: Theme,
) -> Line<'static> {
    let field = &form.fields[index];
    let (label_width, key_width, value_width, message_width) = columns(width);
    let changed = if field.is_touched() && !form.is_new() {
        "*"
    } else {
        ""
    };
    let label = format!("{}{changed}", field.label());
    let mut spans = vec![
        Span::raw(if focused { "› " } else { "  " }),
        Span::styled(
            fit(&label, label_width - 1),
            style_if(focused, theme.plain(), theme),
        ),
        Span::raw(" "),
    ];
    if key_width > 0 {
        spans.push(Span::styled(fit(&field.key, key_width - 1), theme.dim()));
        spans.push(Span::raw(" "));
    }
    let (text, style) = value_text(field, focused, value_width, theme);
    spans.push(Span::styled(fit(&text, value_width), style));
    spans.push(Span::raw("  "));
    let shows_problems = form.attempted || field.is_touched() || field.server_message.is_some();
    if let Some(error) = problems.errors.get(&index).filter(|_| shows_problems) {
        spans.push(Span::styled(
            fit(&format!("✗ {error}"), message_width),
            theme.error(),
        ));
    } else if let Some(note) = problems.warnings.get(&index) {
        spans.push(Span::styled(
            fit(&format!("! {note}"), message_width),
            theme.warning(),
        ));
    } else if field.linked
        && let Ok(view) = explain_reference(form.store.as_ref(), &field.reference)
    {
        spans.push(Span::styled(
            fit(&format!("→ stored as {}", view.stored_as), message_width),
            theme.dim(),
        ));
    } else if field.clear {
        spans.push(Span::styled(
            fit("cleared on save (set to empty)", message_width),
            theme.warning(),
        ));
    } else if field.is_touched() && !form.is_new() {
        spans.push(Span::styled(fit("● changed", message_width), theme.ok()));
    }
    Line::from(spans)
}

/// The value widget as text: bullets for a secret, a toggle for a boolean, a choice for an enum,
/// the first line of a multi-line value, `→ reference` for a linked secret.
pub(super) fn value_text(
    field: &Field,
    focused: bool,
    width: usize,
    theme: Theme,
) -> (String, Style) {
    let cursor = if focused { "▏" } else { "" };
    if field.linked {
        let text = if field.reference.is_empty() && !focused {
            "→ (type a secret reference)".to_string()
        } else {
            format!(
                "→ {}{cursor}",
                tail(&field.reference, width.saturating_sub(3))
            )
        };
        return (text, theme.key());
    }
    let literal = field.literal.expose();
    if field.original == Original::SecretConfigured && literal.is_empty() {
        return if field.clear {
            ("(cleared)".to_string(), theme.warning())
        } else {
            (format!("•••• configured{cursor}"), theme.dim())
        };
    }
    let default = field
        .spec
        .and_then(|spec| spec.default.as_deref())
        .map(|default| format!("default: {default}"));
    match field.value_type() {
        ValueType::Boolean => {
            let on = field.spec.and_then(|spec| spec.parse_bool(literal));
            let text = match (literal.is_empty(), on) {
                (true, _) => format!(
                    "[ ] unset{}",
                    default.map(|d| format!(" ({d})")).unwrap_or_default()
                ),
                (false, Some(true)) => format!("[x] {literal}"),
                (false, _) => format!("[ ] {literal}"),
            };
            return (text, theme.plain());
        }
        ValueType::Enum => {
            let text = if literal.is_empty() {
                format!(
                    "‹ unset ›{}",
                    default.map(|d| format!(" ({d})")).unwrap_or_default()
                )
            } else {
                format!("‹ {literal} ›")
            };
            return (text, theme.plain());
        }
        _ => {}
    }
    if literal.is_empty() {
        let placeholder = if field.is_multiline() {
            "⏎ opens the editor".to_string()
        } else {
            default.unwrap_or_default()
        };
        return (
            if focused && placeholder.is_empty() {
                cursor.to_string()
            } else {
                placeholder
            },
            theme.dim(),
        );
    }
    if field.secret && !field.revealed {
        let bullets = "•".repeat(literal.chars().count().min(width.saturating_sub(1)));
        return (format!("{bullets}{cursor}"), theme.plain());
    }
    let style = if field.secret {
        theme.revealed()
    } else {
        theme.plain()
    };
    let lines = literal.lines().count();
    if lines > 1 {
        let first = literal.lines().next().unwrap_or_default();
        return (format!("{first} … ({lines} lines)"), style);
    }
    (
        format!("{}{cursor}", tail(literal, width.saturating_sub(1))),
        style,
    )
}
