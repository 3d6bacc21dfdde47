//! What the form draws over or under itself: its prompts, the key hints and help, and the kind
//! picker that opens a new form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::form::changes::describe_changes;
use crate::tui::form::keys::{EDITOR_KEYS, FORM_KEYS};
use crate::tui::form::{Form, KindPicker, MultilineEditor, Prompt};
use crate::tui::keys;
use crate::tui::theme::Theme;

use crate::tui::view::fit;
use crate::tui::view::popup::popup;

/// A prompt over the form's body `area`.
pub fn draw_prompt(frame: &mut Frame<'_>, area: Rect, form: &Form, prompt: &Prompt, theme: Theme) {
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

/// The form's keys, for the help prompt: every row of the form's table with a help line.
pub(super) fn help_lines(theme: Theme) -> Vec<Line<'static>> {
    keys::help(FORM_KEYS, false)
        .map(|binding| {
            Line::from(vec![
                Span::styled(format!("  {}", fit(binding.shown, 11)), theme.key()),
                Span::raw(binding.help),
            ])
        })
        .collect()
}

/// The hint bar while the form is open: the editor's keys while it is open, else the form's
/// keys that do something on the row under the cursor, from the same tables the keys go through.
pub fn hints(
    frame: &mut Frame<'_>,
    area: Rect,
    form: &Form,
    editor: Option<&MultilineEditor>,
    theme: Theme,
) {
    let pairs = match editor {
        Some(editor) => keys::hints(EDITOR_KEYS, &form.fields[editor.field], false),
        None => keys::hints(FORM_KEYS, form, false),
    };
    frame.render_widget(
        Paragraph::new(crate::tui::view::bars::hint_line(&pairs, area.width, theme)),
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
