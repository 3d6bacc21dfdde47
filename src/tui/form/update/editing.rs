//! The form's own input modes: the multiline editor for long values and the one-line prompts
//! (load a file, name a custom key, confirm a discard) with their keys.

use crossterm::event::{KeyCode, KeyEvent};
use tui_textarea::TextArea;

use crate::domain::Secret;
use crate::tui::app::App;
use crate::tui::form::keys::{
    Answer, DISCARD_KEYS, EDITOR_KEYS, EditorAction, FORM_HELP_KEYS, LINE_KEYS, REVIEW_KEYS,
};
use crate::tui::form::{Form, MultilineEditor, Prompt};
use crate::tui::keys::{Binding, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::Command;

use super::answers::submit;
use super::{After, ask, toggle_reveal};
use crate::tui::update::flash;

pub(super) fn set_mask(area: &mut TextArea<'static>, masked: bool) {
    if masked {
        area.set_mask_char('•');
    } else {
        area.clear_mask_char();
    }
}

/// Opens the multi-line editor over the current field, optionally with a first character typed.
pub(super) fn open_editor(app: &mut App, form: &mut Form, typed: Option<&str>) -> After {
    let Some(index) = form.current_field() else {
        return After::Stay;
    };
    let field = &form.fields[index];
    if field.linked {
        flash(
            app,
            format!("{}: a reference is one line", field.key),
            false,
        );
        return After::Stay;
    }
    let lines: Vec<String> = field.literal.expose().lines().map(String::from).collect();
    let mut area = TextArea::new(if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    });
    area.move_cursor(tui_textarea::CursorMove::Bottom);
    area.move_cursor(tui_textarea::CursorMove::End);
    set_mask(&mut area, field.secret && !field.revealed);
    if let Some(text) = typed {
        area.insert_str(text);
    }
    After::Open(Layer::Editor(Box::new(MultilineEditor {
        field: index,
        area,
    })))
}

/// A key in the editor: `Esc` puts its text into the field and closes it, `^R` reveals or masks
/// a secret, everything else edits the text.
pub(super) fn on_editor_key(
    app: &mut App,
    form: &mut Form,
    mut editor: Box<MultilineEditor>,
    key: KeyEvent,
) -> After {
    let Some(field) = form.fields.get(editor.field) else {
        return After::Stay;
    };
    let action = lookup(EDITOR_KEYS, &key, field, app.readonly).map(|b| b.action);
    match action {
        Some(EditorAction::Done) => {
            let text = editor.area.lines().join("\n");
            let field = &mut form.fields[editor.field];
            if text != field.literal.expose() {
                field.set_literal(Secret::new(text));
            }
            flash(app, format!("{}: edited", field.key), false);
            return After::Stay;
        }
        Some(EditorAction::Reveal) => {
            toggle_reveal(app, form);
            set_mask(&mut editor.area, !form.fields[editor.field].revealed);
        }
        Some(EditorAction::Input) | None => {
            editor.area.input(key);
        }
    }
    After::Open(Layer::Editor(editor))
}

pub(super) fn on_prompt_key(
    app: &mut App,
    form: &mut Form,
    prompt: Prompt,
    key: KeyEvent,
) -> (Vec<Command>, After) {
    let stay_asking = |prompt| (Vec::new(), ask(prompt));
    let answer = lookup(prompt_keys(&prompt), &key, &(), app.readonly).map(|b| b.action);
    match prompt {
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
        Prompt::LoadFile { .. } | Prompt::CustomKey { .. } => LINE_KEYS,
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
