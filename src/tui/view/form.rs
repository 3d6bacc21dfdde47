//! Drawing the config form, generically from the catalog: one row per key (label, key name on
//! wide terminals, a value widget chosen by the key's type, and the problem or note beside it),
//! a panel explaining the key under the cursor, and the form's prompts. Secret values show as
//! bullets unless revealed on purpose; a configured secret shows only that it is configured.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::catalog::{GroupRule, ValueType};

use super::super::app::App;
use super::super::form::changes::describe_changes;
use super::super::form::check::{Problems, check, explain_reference};
use super::super::form::{DraftTest, Field, Form, KindPicker, Original, Prompt, Slot};
use super::super::theme::Theme;
use super::list::fit;
use super::overlay::{boxed, centered, popup};
use super::spinner;

/// Label column width.
const LABEL_WIDTH: usize = 22;
/// Key-name column width, shown from [`WIDE`] columns on.
const KEY_WIDTH: usize = 26;
const WIDE: usize = 96;
/// Value column width (the message column takes the rest).
const VALUE_WIDTH: usize = 30;
/// Lines of the panel that explains the key under the cursor.
const PANEL_HEIGHT: u16 = 7;

/// Draws the form into the body area.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, form: &Form, theme: Theme) {
    let problems = check(form);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {} ", form.title()), theme.title()))
        .title_bottom(status_line(app, form, &problems, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let test_height = u16::from(form.test.is_some());
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Min(3),
            Constraint::Length(test_height),
            Constraint::Length(PANEL_HEIGHT),
        ])
        .split(inner);
    draw_rows(frame, parts[0], form, &problems, theme);
    if let Some(test) = &form.test {
        frame.render_widget(
            Paragraph::new(test_line(app, test, parts[1].width, theme)),
            parts[1],
        );
    }
    draw_panel(frame, parts[2], form, &problems, theme);
    if let Some(editor) = &form.editor {
        let field = &form.fields[editor.field];
        let editor_area = centered(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        frame.render_widget(Clear, editor_area);
        let reveal = if field.secret { " · ^R reveal" } else { "" };
        let title = format!(" {} · Esc done{reveal} ", field.key);
        let block = boxed(&title, theme);
        let text_area = block.inner(editor_area);
        frame.render_widget(block, editor_area);
        frame.render_widget(&editor.area, text_area);
    }
    if let Some(prompt) = &form.prompt {
        draw_prompt(frame, area, form, prompt, theme);
    }
}

/// The block's bottom line: how many changes, the draft test, the save in flight.
fn status_line(app: &App, form: &Form, problems: &Problems, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    let changes = describe_changes(form).len() - usize::from(form.is_new());
    let plural = if changes == 1 { "" } else { "s" };
    let count = if form.is_new() {
        format!(" {changes} key{plural} set ")
    } else {
        format!(" {changes} change{plural} ")
    };
    spans.push(Span::styled(count, theme.dim()));
    if form.attempted && problems.is_blocking() {
        spans.push(Span::styled(
            format!("· {} to fix ", problems.count()),
            theme.error(),
        ));
    }
    match &form.test {
        Some(DraftTest::Running { .. }) => spans.push(Span::styled(
            format!("· {} testing the draft ", spinner(app)),
            theme.warning(),
        )),
        Some(DraftTest::Done(result)) => {
            let latency = result
                .latency_ms
                .map(|ms| format!(" {ms} ms"))
                .unwrap_or_default();
            let (text, style) = if result.success {
                (format!("· draft test ✓ ok{latency} "), theme.ok())
            } else {
                (format!("· draft test ✗ failed{latency} "), theme.error())
            };
            spans.push(Span::styled(text, style));
        }
        None => {}
    }
    if form.saving.is_some() {
        spans.push(Span::styled(
            format!("· {} saving ", spinner(app)),
            theme.warning(),
        ));
    }
    Line::from(spans)
}

/// The draft test's result in full: verdict, latency and the server's message (which names the
/// stage that failed), kept on screen until the next test.
fn test_line(app: &App, test: &DraftTest, width: u16, theme: Theme) -> Line<'static> {
    let (text, style) = match test {
        DraftTest::Running { .. } => (
            format!(
                "{} testing the draft on the server (not saved)…",
                spinner(app)
            ),
            theme.warning(),
        ),
        DraftTest::Done(result) => {
            let latency = result
                .latency_ms
                .map(|ms| format!(" in {ms} ms"))
                .unwrap_or_default();
            let verdict = if result.success {
                "✓ ok"
            } else {
                "✗ failed"
            };
            let style = if result.success {
                theme.ok()
            } else {
                theme.error()
            };
            (
                format!("draft test {verdict}{latency}: {}", result.message),
                style,
            )
        }
    };
    Line::from(Span::styled(fit(&text, usize::from(width)), style))
}

/// One screen row: the slot it belongs to (none for section titles) and its text.
struct Row {
    slot: Option<Slot>,
    line: Line<'static>,
}

fn draw_rows(frame: &mut Frame<'_>, area: Rect, form: &Form, problems: &Problems, theme: Theme) {
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

fn style_if(focused: bool, style: Style, theme: Theme) -> Style {
    if focused {
        style.patch(theme.selected(true))
    } else {
        style
    }
}

/// Widths of the label, key, value and message columns for `width`.
fn columns(width: usize) -> (usize, usize, usize, usize) {
    let key = if width >= WIDE { KEY_WIDTH } else { 0 };
    let value = VALUE_WIDTH.min(width.saturating_sub(2 + LABEL_WIDTH + key + 8));
    let message = width.saturating_sub(2 + LABEL_WIDTH + key + value + 2);
    (LABEL_WIDTH, key, value, message)
}

fn name_row(
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
fn tail(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    let mut out = String::from("…");
    out.extend(&chars[chars.len() - keep..]);
    out
}

fn field_row(
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
fn value_text(field: &Field, focused: bool, width: usize, theme: Theme) -> (String, Style) {
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

/// The panel under the rows: everything about the key under the cursor.
fn draw_panel(frame: &mut Frame<'_>, area: Rect, form: &Form, problems: &Problems, theme: Theme) {
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

fn field_panel(
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
fn rule_text(rule: &GroupRule) -> String {
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

fn draw_prompt(frame: &mut Frame<'_>, area: Rect, form: &Form, prompt: &Prompt, theme: Theme) {
    let (title, lines): (String, Vec<Line<'static>>) = match prompt {
        Prompt::Discard => (
            " Leave the form? ".into(),
            vec![
                Line::from("Your changes are not saved."),
                Line::from(""),
                Line::from(vec![
                    Span::styled("y", theme.key()),
                    Span::raw(" discards them · any other key keeps editing"),
                ]),
            ],
        ),
        Prompt::Review => {
            let mut lines = vec![Line::from(if form.is_new() {
                format!("Create this {} source:", form.spec.display_name)
            } else {
                "Save these changes (keys not listed stay as they are):".to_string()
            })];
            lines.extend(
                describe_changes(form)
                    .into_iter()
                    .map(|line| Line::from(format!("  {line}"))),
            );
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("⏎", theme.key()),
                Span::raw(" saves · any other key goes back"),
            ]));
            (" Review ".into(), lines)
        }
        Prompt::LoadFile {
            field,
            path,
            encode,
        } => {
            let key = &form.fields[*field].key;
            let how = if *encode {
                " (encoded as base64)"
            } else {
                " (as text)"
            };
            (
                format!(" Load a file into {key} "),
                vec![
                    Line::from(format!("The file's content becomes the value{how}.")),
                    Line::from(vec![
                        Span::styled("path: ", theme.dim()),
                        Span::raw(path.clone()),
                        Span::styled("▏", theme.dim()),
                    ]),
                    Line::from(Span::styled("⏎ loads · Esc cancels", theme.dim())),
                ],
            )
        }
        Prompt::CustomKey { text } => (
            " Add a key ".into(),
            vec![
                Line::from("A key the catalog does not list (letters, digits, _)."),
                Line::from(vec![
                    Span::styled("key: ", theme.dim()),
                    Span::raw(text.clone()),
                    Span::styled("▏", theme.dim()),
                ]),
                Line::from(Span::styled("⏎ adds · Esc cancels", theme.dim())),
            ],
        ),
        Prompt::Help => (" Form keys · any key closes ".into(), help_lines(theme)),
    };
    let width = area.width.saturating_sub(4).min(84);
    popup(frame, area, width, &title, lines, theme);
}

/// The form's keys, for the help prompt.
pub const FORM_KEYS: &[(&str, &str)] = &[
    ("↑ ↓ Tab", "move between keys"),
    ("type", "edit the value (secrets are masked)"),
    ("← → space", "choose a boolean or enum value"),
    ("⏎", "next key; opens the editor for multi-line values"),
    ("^L", "link the key to a secret (⇄ literal)"),
    ("^R", "reveal or mask the secret being typed"),
    ("^K", "keep as saved; on a configured secret: clear it"),
    ("^U", "empty the value"),
    ("^F", "load a file (base64 keys: encoded)"),
    ("^E", "open the multi-line editor"),
    ("^O", "show or hide the optional keys"),
    ("^A", "add a key the catalog does not list"),
    ("^T", "test the draft without saving"),
    ("^S", "review the changes, then save"),
    ("Esc", "leave (asks when something changed)"),
    ("F1 ?", "this help (? on the name or a choice)"),
];

fn help_lines(theme: Theme) -> Vec<Line<'static>> {
    FORM_KEYS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!("  {}", fit(keys, 11)), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect()
}

/// The hint bar while the form is open: the keys that do something on the row under the cursor,
/// then the form's own.
pub fn hints(frame: &mut Frame<'_>, area: Rect, form: &Form, theme: Theme) {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    if let Some(editor) = &form.editor {
        if form.fields[editor.field].secret {
            keys.push(("^R", "reveal"));
        }
        keys.push(("Esc", "done"));
        frame.render_widget(
            Paragraph::new(super::bars::hint_line(&keys, area.width, theme)),
            area,
        );
        return;
    }
    if let Some(index) = form.current_field() {
        let field = &form.fields[index];
        if matches!(field.value_type(), ValueType::Boolean | ValueType::Enum) && !field.linked {
            keys.push(("←→", "choose"));
        }
        if field.is_multiline() {
            keys.push(("⏎", "edit"));
        }
        if field.secret && !field.linked {
            keys.push(("^R", "reveal"));
        }
        keys.push(("^L", if field.linked { "literal" } else { "link" }));
        if field.original != Original::Absent {
            keys.push((
                "^K",
                if field.original == Original::SecretConfigured {
                    "keep/clear"
                } else {
                    "keep"
                },
            ));
        }
        if !field.linked
            && matches!(
                field.value_type(),
                ValueType::Base64 | ValueType::Multiline | ValueType::JsonObject
            )
        {
            keys.push(("^F", "file"));
        }
    }
    keys.extend([
        ("^S", "save"),
        ("^T", "test"),
        ("Esc", "leave"),
        ("F1", "help"),
    ]);
    frame.render_widget(
        Paragraph::new(super::bars::hint_line(&keys, area.width, theme)),
        area,
    );
}

/// The kind picker over the main screen.
pub fn draw_picker(frame: &mut Frame<'_>, picker: &KindPicker, theme: Theme) {
    let matches = picker.matches();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("kind: ", theme.dim()),
            Span::raw(picker.filter.clone()),
            Span::styled("▏", theme.dim()),
        ]),
        Line::from(""),
    ];
    if matches.is_empty() {
        lines.push(Line::from(Span::styled(
            "no kind matches; Backspace widens the list",
            theme.warning(),
        )));
    }
    for (position, spec) in matches.iter().enumerate() {
        let selected = position == picker.selected;
        let style = if selected {
            theme.selected(true)
        } else {
            theme.plain()
        };
        lines.push(Line::from(vec![
            Span::raw(if selected { "› " } else { "  " }),
            Span::styled(fit(&spec.display_name, 24), style),
            Span::styled(spec.kind.sdk_name().to_string(), theme.dim()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "type to filter · ↑↓ choose · ⏎ opens its form · Esc cancels",
        theme.dim(),
    )));
    popup(
        frame,
        frame.area(),
        64,
        " New source: pick a kind ",
        lines,
        theme,
    );
}
