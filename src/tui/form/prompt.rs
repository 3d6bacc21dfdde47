//! The questions the form asks over itself (a [`Layer::Prompt`] above it): leave a changed form,
//! review the changes before saving, load a file into a field, name a custom key, the form's
//! help. The prompt's state, its key tables and handler, and its drawing.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::keys::{self, Answer, Binding, Key, LINE_KEYS, bind, lookup};
#[cfg(doc)]
use crate::tui::layer::Layer;
use crate::tui::msg::Command;
use crate::tui::theme::Theme;
use crate::tui::update::flash;
use crate::tui::view::fit;
use crate::tui::view::popup::popup;

use super::changes::describe_changes;
use super::keys::FORM_KEYS;
use super::model::Form;
use super::update::{After, ask, submit};

/// A question the form asks over itself (a [`Layer::Prompt`](crate::tui::layer::Layer) above it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Leave a changed form?
    Discard,
    /// The exact changes, before saving.
    Review,
    /// A file to load into the field (`encode`: as base64).
    LoadFile {
        field: usize,
        path: String,
        encode: bool,
    },
    /// The name of a key the catalog does not list.
    CustomKey {
        text: String,
    },
    /// `^L`: the environment's secret names to link field `field` to, filtered by `text`.
    LinkSecret {
        field: usize,
        text: String,
        selected: usize,
    },
    Help,
}

/// Leave a changed form? `y` discards, any other key keeps editing.
pub const DISCARD_KEYS: &[Binding<Answer, ()>] = &[
    bind(Answer::Confirm, &[Key::Char('y'), Key::Char('Y')], "y").help("discard the changes"),
    bind(Answer::Dismiss, &[Key::Any], "any").help("keep editing"),
];

/// The changes before saving: `⏎` (or `y`) saves, any other key goes back.
pub const REVIEW_KEYS: &[Binding<Answer, ()>] = &[
    bind(
        Answer::Confirm,
        &[Key::Code(KeyCode::Enter), Key::Char('y'), Key::Char('Y')],
        "⏎ y",
    )
    .help("save")
    .mutating(),
    bind(Answer::Dismiss, &[Key::Any], "any").help("back to the form"),
];

/// The form's help: any key closes it.
pub const FORM_HELP_KEYS: &[Binding<Answer, ()>] =
    &[bind(Answer::Dismiss, &[Key::Any], "any").help("close the help")];

pub(super) fn on_prompt_key(
    app: &mut App,
    form: &mut Form,
    prompt: Prompt,
    key: KeyEvent,
) -> (Vec<Command>, After) {
    let stay_asking = |prompt| (Vec::new(), ask(prompt));
    let answer = lookup(prompt_keys(&prompt), &key, &(), app.readonly).map(|b| b.action);
    match prompt {
        Prompt::LinkSecret {
            field,
            text,
            selected,
        } => {
            return (
                Vec::new(),
                super::link::on_link_key(app, form, (field, text, selected), key),
            );
        }
        Prompt::Help => {}
        Prompt::Discard => match answer {
            Some(Answer::Confirm) => {
                flash(app, "changes discarded", false);
                return (Vec::new(), After::Close);
            }
            _ => flash(app, "kept editing", false),
        },
        Prompt::Review => {
            if answer == Some(Answer::Confirm) {
                return (submit(app, form), After::Stay);
            }
        }
        Prompt::LoadFile {
            field,
            mut path,
            encode,
        } => match answer {
            Some(Answer::Dismiss) => {}
            Some(Answer::Confirm) if !path.trim().is_empty() => {
                let key = form.fields[field].key.clone();
                flash(app, format!("loading {path}…"), false);
                return (
                    vec![Command::LoadFile {
                        key,
                        path: path.trim().to_string(),
                        encode,
                    }],
                    After::Stay,
                );
            }
            _ => {
                edit_line(&mut path, key.code);
                return stay_asking(Prompt::LoadFile {
                    field,
                    path,
                    encode,
                });
            }
        },
        Prompt::CustomKey { mut text } => match answer {
            Some(Answer::Dismiss) => {}
            Some(Answer::Confirm) => match form.add_custom(&text) {
                Ok(note) => flash(app, note, false),
                Err(reason) => {
                    flash(app, reason, true);
                    return stay_asking(Prompt::CustomKey { text });
                }
            },
            _ => {
                edit_line(&mut text, key.code);
                return stay_asking(Prompt::CustomKey { text });
            }
        },
    }
    (Vec::new(), After::Stay)
}

/// The table of a prompt's keys.
pub(super) fn prompt_keys(prompt: &Prompt) -> &'static [Binding<Answer, ()>] {
    match prompt {
        Prompt::Discard => DISCARD_KEYS,
        Prompt::Review => REVIEW_KEYS,
        // The secret-name prompt answers through its own table (`link::LINK_KEYS`).
        Prompt::LoadFile { .. } | Prompt::CustomKey { .. } | Prompt::LinkSecret { .. } => LINE_KEYS,
        Prompt::Help => FORM_HELP_KEYS,
    }
}

/// Applies a key to a prompt's one-line input (a path, a key name): a character appends,
/// Backspace deletes, anything else leaves it.
pub(super) fn edit_line(text: &mut String, code: KeyCode) {
    match code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => {}
    }
}

/// A prompt over the form's body `area`.
pub(crate) fn draw_prompt(
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
        Prompt::LinkSecret {
            field,
            text,
            selected,
        } => (
            format!(" Link {} to a secret ", form.fields[*field].key),
            super::link::prompt_lines(form, text, *selected, theme),
        ),
        Prompt::Help => (" Form keys · any key closes ".into(), help_lines(theme)),
    };
    let width = area.width.saturating_sub(4).min(84);
    popup(frame, area, width, &title, lines, theme);
}

/// The form's keys, for the help prompt: every row of the form's table with a help line.
fn help_lines(theme: Theme) -> Vec<Line<'static>> {
    keys::help(FORM_KEYS, false)
        .map(|binding| {
            Line::from(vec![
                Span::styled(format!("  {}", fit(binding.shown, 11)), theme.key()),
                Span::raw(binding.help),
            ])
        })
        .collect()
}
