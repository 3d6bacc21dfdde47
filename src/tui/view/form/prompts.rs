//! What the form draws over or under itself: its prompts, the key hints and help, and the kind
//! picker that opens a new form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::catalog::ValueType;
use crate::tui::form::changes::describe_changes;
use crate::tui::form::{Form, KindPicker, Original, Prompt};
use crate::tui::theme::Theme;

use super::super::list::fit;
use super::super::overlay::popup;

pub(super) fn draw_prompt(
    frame: &mut Frame<'_>,
    area: Rect,
    form: &Form,
    prompt: &Prompt,
    theme: Theme,
) {
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

pub(super) fn help_lines(theme: Theme) -> Vec<Line<'static>> {
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
            Paragraph::new(super::super::bars::hint_line(&keys, area.width, theme)),
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
        Paragraph::new(super::super::bars::hint_line(&keys, area.width, theme)),
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
