//! The reducer's part for the config form: `n` and `e` open it, keys edit it (through
//! [`FORM_KEYS`]), and the answers to its test and save land on it. While it handles a key the
//! form is off the layer stack; it goes back with whatever it opened over it (`After`). Pure
//! like the rest of `update`: reading a file and talking to the server are commands the runtime
//! carries out.

use crossterm::event::{KeyCode, KeyEvent};

use crate::catalog::ValueType;
use crate::proto::{IntegrationWarning, IntegrationWithSecrets};
use crate::tui::app::App;
use crate::tui::form::keys::{FORM_KEYS, FormAction};
use crate::tui::form::{Form, KindPicker, MultilineEditor, Original, Prompt, Slot};
use crate::tui::keys::lookup;
use crate::tui::layer::Layer;
use crate::tui::msg::Command;

use crate::tui::update::{fetch_detail, flash};

/// What becomes of the form after a key: it stays, it closes, or it stays with a layer (a
/// prompt, the editor) opened over it.
#[derive(Debug)]
pub(super) enum After {
    Stay,
    Close,
    Open(Layer),
}

/// The form stays with `prompt` over it.
pub(super) fn ask(prompt: Prompt) -> After {
    After::Open(Layer::Prompt(prompt))
}

/// Puts the form back on the stack (unless it closed), with what it opened over it.
fn reopen(app: &mut App, form: Box<Form>, after: After) {
    match after {
        After::Close => {}
        After::Stay => app.layers.push(Layer::Form(form)),
        After::Open(layer) => {
            app.layers.push(Layer::Form(form));
            app.layers.push(layer);
        }
    }
}

/// Takes the form under a prompt or the editor off the stack (both act on it).
fn form_below(app: &mut App) -> Option<Box<Form>> {
    match app.layers.pop() {
        Some(Layer::Form(form)) => Some(form),
        Some(other) => {
            app.layers.push(other);
            None
        }
        None => None,
    }
}

/// `n`: the kind picker, then the form.
pub(crate) fn open_new(app: &mut App) -> Vec<Command> {
    app.layers.push(Layer::PickKind(KindPicker::default()));
    Vec::new()
}

/// `e`: the form over the selected source, once its detail is here.
pub(crate) fn open_edit(app: &mut App) -> Vec<Command> {
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    let id = integration.id.clone();
    let kind = crate::domain::Kind::from_wire(integration.kind);
    if kind.is_none_or(|kind| crate::catalog::kind_spec(kind).is_none()) {
        flash(
            app,
            "this kind has no catalog form; change it with `sourcedeck update`",
            true,
        );
        return Vec::new();
    }
    if let Some(detail) = app.details.get(&id).map(|d| d.integration.clone()) {
        return open_edit_from(app, &detail, &[]);
    }
    app.edit_when_loaded = Some((id.clone(), Vec::new()));
    flash(app, "loading the source to edit…", false);
    fetch_detail(app, id)
}

/// Opens the edit form from a fetched detail, with `warnings` on the keys they name.
pub(crate) fn open_edit_from(
    app: &mut App,
    detail: &IntegrationWithSecrets,
    warnings: &[IntegrationWarning],
) -> Vec<Command> {
    match Form::edit_source(detail, app.known_store(), warnings) {
        Some(form) => open_form(app, form),
        None => {
            flash(app, "this source cannot be edited in the form", true);
            Vec::new()
        }
    }
}

/// Puts `form` on the stack and asks for the environment's secret names in the background.
pub(crate) fn open_form(app: &mut App, form: Form) -> Vec<Command> {
    let mut form = Box::new(form);
    let commands = super::link::fetch_names(app, &mut form);
    app.layers.push(Layer::Form(form));
    commands
}

/// A key for the form (the top layer).
pub(crate) fn on_form_layer_key(app: &mut App, mut form: Box<Form>, key: KeyEvent) -> Vec<Command> {
    let (commands, after) = on_form_key(app, &mut form, key);
    reopen(app, form, after);
    commands
}

/// A key for a prompt over the form.
pub(crate) fn on_prompt_layer_key(app: &mut App, prompt: Prompt, key: KeyEvent) -> Vec<Command> {
    let Some(mut form) = form_below(app) else {
        return Vec::new();
    };
    let (commands, after) = on_prompt_key(app, &mut form, prompt, key);
    reopen(app, form, after);
    commands
}

/// A key for the multi-line editor over the form.
pub(crate) fn on_editor_layer_key(
    app: &mut App,
    editor: Box<MultilineEditor>,
    key: KeyEvent,
) -> Vec<Command> {
    let Some(mut form) = form_below(app) else {
        return Vec::new();
    };
    let after = on_editor_key(app, &mut form, editor, key);
    reopen(app, form, after);
    Vec::new()
}

fn on_form_key(app: &mut App, form: &mut Form, key: KeyEvent) -> (Vec<Command>, After) {
    let Some(action) = lookup(FORM_KEYS, &key, form, app.readonly).map(|b| b.action) else {
        return (Vec::new(), After::Stay);
    };
    let field = form.current_field();
    match action {
        FormAction::Leave => return (Vec::new(), leave(app, form)),
        FormAction::Save => return (Vec::new(), save(app, form)),
        FormAction::Test => return (test_draft(app, form), After::Stay),
        FormAction::Link => {
            if let Some(after) = toggle_linked(app, form) {
                return (Vec::new(), after);
            }
        }
        FormAction::Reveal => toggle_reveal(app, form),
        FormAction::KeepOrClear => keep_or_clear(app, form),
        FormAction::ToggleOptional => form.toggle_optional(),
        FormAction::AddKey => {
            return (
                Vec::new(),
                ask(Prompt::CustomKey {
                    text: String::new(),
                }),
            );
        }
        FormAction::LoadFile => return (Vec::new(), ask_file(app, form)),
        FormAction::Editor => return (Vec::new(), open_editor(app, form, None)),
        FormAction::Empty => match field {
            Some(index) => form.fields[index].clear_input(),
            None if form.current() == Slot::Name => form.name.clear(),
            None => {}
        },
        FormAction::Help => return (Vec::new(), ask(Prompt::Help)),
        FormAction::Move(rows) => form.move_cursor(rows),
        FormAction::Enter => return (Vec::new(), on_enter(app, form)),
        FormAction::Choose => {
            if let Some(index) = field {
                form.fields[index].cycle(key.code != KeyCode::Left);
            }
        }
        FormAction::Backspace => match field {
            Some(index) => form.fields[index].backspace(),
            None if form.current() == Slot::Name => {
                form.name.pop();
                form.name_message = None;
            }
            None => {}
        },
        FormAction::Type => {
            if let KeyCode::Char(c) = key.code {
                return (Vec::new(), type_char(app, form, c));
            }
        }
    }
    (Vec::new(), After::Stay)
}

/// A character typed on the row under the cursor (`?` and space on rows where they are keys of
/// their own never get here: the table sends them to their actions).
fn type_char(app: &mut App, form: &mut Form, c: char) -> After {
    match form.current() {
        Slot::Name => {
            form.name.push(c);
            form.name_message = None;
        }
        Slot::OptionalToggle | Slot::AddCustom => {}
        Slot::Field(index) => {
            let field = &form.fields[index];
            if field.is_choice() {
                flash(app, format!("{}: ← → or space to choose", field.key), false);
                return After::Stay;
            }
            if field.is_multiline() {
                let typed = c.to_string();
                return open_editor(app, form, Some(&typed));
            }
            let digits_only = !field.linked
                && match field.value_type() {
                    ValueType::Port => !c.is_ascii_digit(),
                    ValueType::Integer => {
                        !(c.is_ascii_digit() || (c == '-' && field.literal.is_empty()))
                    }
                    _ => false,
                };
            if digits_only {
                let what = if field.value_type() == ValueType::Port {
                    "a port: digits only (1 to 65535)"
                } else {
                    "a whole number: digits only"
                };
                flash(app, format!("{} takes {what}", field.key), true);
                return After::Stay;
            }
            form.fields[index].type_text(&c.to_string());
        }
    }
    After::Stay
}

fn on_enter(app: &mut App, form: &mut Form) -> After {
    match form.current() {
        Slot::OptionalToggle => form.toggle_optional(),
        Slot::AddCustom => {
            return ask(Prompt::CustomKey {
                text: String::new(),
            });
        }
        Slot::Field(index) if form.fields[index].is_multiline() => {
            return open_editor(app, form, None);
        }
        Slot::Field(index) if form.fields[index].is_choice() => form.fields[index].cycle(true),
        Slot::Name | Slot::Field(_) => form.move_cursor(1),
    }
    After::Stay
}

fn leave(app: &mut App, form: &mut Form) -> After {
    if form.is_dirty() {
        return ask(Prompt::Discard);
    }
    flash(app, "form closed; nothing was changed", false);
    After::Close
}

/// `^L`: literal ⇄ linked; a key made linked is offered the environment's secret names when
/// the form has them.
fn toggle_linked(app: &mut App, form: &mut Form) -> Option<After> {
    let Some(index) = form.current_field() else {
        flash(
            app,
            "^L links a config key to a secret; move to a key first",
            false,
        );
        return None;
    };
    let field = &mut form.fields[index];
    field.toggle_linked();
    if field.linked
        && let Some(after) = super::link::offer_names(form, index)
    {
        return Some(after);
    }
    let field = &form.fields[index];
    let text = if field.linked {
        format!(
            "{}: linked secret; type its name, ARN, resource name or vault URL",
            field.key
        )
    } else {
        format!("{}: literal value", field.key)
    };
    flash(app, text, false);
    None
}

pub(super) fn toggle_reveal(app: &mut App, form: &mut Form) {
    let Some(index) = form.current_field() else {
        return;
    };
    let field = &mut form.fields[index];
    if !field.secret || field.linked {
        flash(
            app,
            format!("{}: not a secret value; it is already shown", field.key),
            false,
        );
        return;
    }
    field.revealed = !field.revealed;
}

fn keep_or_clear(app: &mut App, form: &mut Form) {
    let Some(index) = form.current_field() else {
        return;
    };
    let field = &mut form.fields[index];
    let outcome = if field.original == Original::Absent {
        field.keep_or_clear();
        "emptied"
    } else {
        field.keep_or_clear()
    };
    flash(app, format!("{}: {outcome}", field.key), false);
}

fn ask_file(app: &mut App, form: &mut Form) -> After {
    let Some(index) = form.current_field() else {
        return After::Stay;
    };
    let field = &form.fields[index];
    if field.linked {
        flash(
            app,
            format!(
                "{}: a linked secret has no file; ^L switches to a literal",
                field.key
            ),
            true,
        );
        return After::Stay;
    }
    let Some(encode) = field.file_encoding() else {
        flash(
            app,
            format!(
                "{} is a {} value; it cannot come from a file",
                field.key,
                field.value_type().name()
            ),
            true,
        );
        return After::Stay;
    };
    ask(Prompt::LoadFile {
        field: index,
        path: String::new(),
        encode,
    })
}

mod answers;

use super::editor::{on_editor_key, open_editor};
use super::prompt::on_prompt_key;
pub(in crate::tui::form) use answers::submit;
pub(crate) use answers::{on_draft_tested, on_file_loaded, on_saved};
use answers::{save, test_draft};

#[cfg(test)]
mod tests;
