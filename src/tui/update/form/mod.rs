//! The reducer's part for the config form: `n` and `e` open it, keys edit it, and the answers to
//! its test and save land on it. Pure like the rest of `update`: reading a file and talking to
//! the server are commands the runtime carries out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::catalog::ValueType;
use crate::proto::{IntegrationWarning, IntegrationWithSecrets};
use crate::tui::app::App;
use crate::tui::form::keys::{FORM_KEYS, FormAction, PICKER_KEYS, PickerAction};
use crate::tui::form::{Form, FormScreen, KindPicker, Original, Prompt, Slot};
use crate::tui::keys::lookup;
use crate::tui::msg::Command;

use super::flash;
use super::list::fetch_detail;

/// Whether the form keeps the screen after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    Stay,
    Close,
}

/// `n`: the kind picker, then the form.
pub(super) fn open_new(app: &mut App) -> Vec<Command> {
    app.form = Some(FormScreen::PickKind(KindPicker::default()));
    Vec::new()
}

/// `e`: the form over the selected source, once its detail is here.
pub(super) fn open_edit(app: &mut App) -> Vec<Command> {
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
        open_edit_from(app, &detail, &[]);
        return Vec::new();
    }
    app.edit_when_loaded = Some((id.clone(), Vec::new()));
    flash(app, "loading the source to edit…", false);
    fetch_detail(app, id)
}

/// Opens the edit form from a fetched detail, with `warnings` on the keys they name.
pub(super) fn open_edit_from(
    app: &mut App,
    detail: &IntegrationWithSecrets,
    warnings: &[IntegrationWarning],
) {
    match Form::edit_source(detail, app.known_store(), warnings) {
        Some(form) => app.form = Some(FormScreen::Form(Box::new(form))),
        None => flash(app, "this source cannot be edited in the form", true),
    }
}

/// Every key while the form (or its kind picker) is open.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    match app.form.take() {
        Some(FormScreen::PickKind(picker)) => on_picker_key(app, picker, key),
        Some(FormScreen::Form(mut form)) => {
            let (commands, after) = on_form_key(app, &mut form, key);
            if after == After::Stay {
                app.form = Some(FormScreen::Form(form));
            }
            commands
        }
        None => Vec::new(),
    }
}

fn on_picker_key(app: &mut App, mut picker: KindPicker, key: KeyEvent) -> Vec<Command> {
    let action = lookup(PICKER_KEYS, &key, &(), app.readonly).map(|binding| binding.action);
    match action {
        Some(PickerAction::Quit) => {
            app.quit = true;
            return vec![Command::Quit];
        }
        Some(PickerAction::Cancel) => return Vec::new(),
        Some(PickerAction::Open) => {
            if let Some(spec) = picker.chosen() {
                if let Some(form) = Form::new_source(spec.kind, app.known_store()) {
                    app.form = Some(FormScreen::Form(Box::new(form)));
                }
                return Vec::new();
            }
        }
        Some(PickerAction::Up) => picker.move_cursor(-1),
        Some(PickerAction::Down) => picker.move_cursor(1),
        Some(PickerAction::Backspace) => picker.backspace(),
        Some(PickerAction::Type) => {
            if let KeyCode::Char(c) = key.code {
                picker.type_char(c);
            }
        }
        None => {}
    }
    app.form = Some(FormScreen::PickKind(picker));
    Vec::new()
}

fn on_form_key(app: &mut App, form: &mut Form, key: KeyEvent) -> (Vec<Command>, After) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        if form.is_dirty() && form.prompt != Some(Prompt::Discard) {
            form.editor = None;
            form.prompt = Some(Prompt::Discard);
            flash(
                app,
                "unsaved changes: y discards them, Ctrl-C again quits",
                true,
            );
            return (Vec::new(), After::Stay);
        }
        app.quit = true;
        return (vec![Command::Quit], After::Close);
    }
    if form.editor.is_some() {
        on_editor_key(app, form, key);
        return (Vec::new(), After::Stay);
    }
    if let Some(prompt) = form.prompt.take() {
        return on_prompt_key(app, form, prompt, key);
    }
    let Some(action) = lookup(FORM_KEYS, &key, form, app.readonly).map(|b| b.action) else {
        return (Vec::new(), After::Stay);
    };
    let field = form.current_field();
    match action {
        FormAction::Leave => return leave(app, form),
        FormAction::Save => save(app, form),
        FormAction::Test => return (test_draft(app, form), After::Stay),
        FormAction::Link => toggle_linked(app, form),
        FormAction::Reveal => toggle_reveal(app, form),
        FormAction::KeepOrClear => keep_or_clear(app, form),
        FormAction::ToggleOptional => form.toggle_optional(),
        FormAction::AddKey => {
            form.prompt = Some(Prompt::CustomKey {
                text: String::new(),
            })
        }
        FormAction::LoadFile => ask_file(app, form),
        FormAction::Editor => open_editor(app, form, None),
        FormAction::Empty => match field {
            Some(index) => form.fields[index].clear_input(),
            None if form.current() == Slot::Name => form.name.clear(),
            None => {}
        },
        FormAction::Help => form.prompt = Some(Prompt::Help),
        FormAction::Move(rows) => form.move_cursor(rows),
        FormAction::Enter => on_enter(app, form),
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
                type_char(app, form, c);
            }
        }
    }
    (Vec::new(), After::Stay)
}

/// A character typed on the row under the cursor (`?` and space on rows where they are keys of
/// their own never get here: the table sends them to their actions).
fn type_char(app: &mut App, form: &mut Form, c: char) {
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
                return;
            }
            if field.is_multiline() {
                let typed = c.to_string();
                open_editor(app, form, Some(&typed));
                return;
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
                return;
            }
            form.fields[index].type_text(&c.to_string());
        }
    }
}

fn on_enter(app: &mut App, form: &mut Form) {
    match form.current() {
        Slot::OptionalToggle => form.toggle_optional(),
        Slot::AddCustom => {
            form.prompt = Some(Prompt::CustomKey {
                text: String::new(),
            });
        }
        Slot::Field(index) if form.fields[index].is_multiline() => open_editor(app, form, None),
        Slot::Field(index) if form.fields[index].is_choice() => form.fields[index].cycle(true),
        Slot::Name | Slot::Field(_) => form.move_cursor(1),
    }
}

fn leave(app: &mut App, form: &mut Form) -> (Vec<Command>, After) {
    if form.is_dirty() {
        form.prompt = Some(Prompt::Discard);
        return (Vec::new(), After::Stay);
    }
    flash(app, "form closed; nothing was changed", false);
    (Vec::new(), After::Close)
}

fn toggle_linked(app: &mut App, form: &mut Form) {
    let Some(index) = form.current_field() else {
        flash(
            app,
            "^L links a config key to a secret; move to a key first",
            false,
        );
        return;
    };
    let field = &mut form.fields[index];
    field.toggle_linked();
    let text = if field.linked {
        format!(
            "{}: linked secret; type its name, ARN, resource name or vault URL",
            field.key
        )
    } else {
        format!("{}: literal value", field.key)
    };
    flash(app, text, false);
}

fn toggle_reveal(app: &mut App, form: &mut Form) {
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
    if let Some(editor) = form.editor.as_mut() {
        set_mask(&mut editor.area, !form.fields[index].revealed);
    }
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

fn ask_file(app: &mut App, form: &mut Form) {
    let Some(index) = form.current_field() else {
        return;
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
        return;
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
        return;
    };
    form.prompt = Some(Prompt::LoadFile {
        field: index,
        path: String::new(),
        encode,
    });
}

mod answers;
mod editing;

pub(super) use answers::{on_draft_tested, on_file_loaded, on_saved};
use answers::{save, test_draft};
use editing::{on_editor_key, on_prompt_key, open_editor, set_mask};

#[cfg(test)]
mod tests;
