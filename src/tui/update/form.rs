//! The reducer's part for the config form: `n` and `e` open it, keys edit it, and the answers to
//! its test and save land on it. Pure like the rest of `update`: reading a file and talking to
//! the server are commands the runtime carries out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::TextArea;

use crate::catalog::ValueType;
use crate::client::ClientError;
use crate::domain::Secret;
use crate::proto::{
    Integration, IntegrationWarning, IntegrationWithSecrets, TestIntegrationResponse,
};

use super::super::app::App;
use super::super::form::check::check;
use super::super::form::{
    DraftTest, Form, FormScreen, KindPicker, Mode, MultilineEditor, Original, Prompt, Slot,
};
use super::super::msg::{Command, Request, RequestId};
use super::{fetch_detail, flash, send, test_outcome, test_summary};

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
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => {
            app.quit = true;
            return vec![Command::Quit];
        }
        KeyCode::Esc => return Vec::new(),
        KeyCode::Enter => {
            if let Some(spec) = picker.chosen() {
                if let Some(form) = Form::new_source(spec.kind, app.known_store()) {
                    app.form = Some(FormScreen::Form(Box::new(form)));
                }
                return Vec::new();
            }
        }
        KeyCode::Up => picker.move_cursor(-1),
        KeyCode::Down | KeyCode::Tab => picker.move_cursor(1),
        KeyCode::Backspace => picker.backspace(),
        KeyCode::Char(c) if !ctrl => picker.type_char(c),
        _ => {}
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
    let field = form.current_field();
    match key.code {
        KeyCode::Esc => return leave(app, form),
        KeyCode::Char('s') if ctrl => save(app, form),
        KeyCode::Char('t') if ctrl => return (test_draft(app, form), After::Stay),
        KeyCode::Char('l') if ctrl => toggle_linked(app, form),
        KeyCode::Char('r') if ctrl => toggle_reveal(app, form),
        KeyCode::Char('k') if ctrl => keep_or_clear(app, form),
        KeyCode::Char('o') if ctrl => form.toggle_optional(),
        KeyCode::Char('a') if ctrl => {
            form.prompt = Some(Prompt::CustomKey {
                text: String::new(),
            })
        }
        KeyCode::Char('f') if ctrl => ask_file(app, form),
        KeyCode::Char('e') if ctrl => open_editor(app, form, None),
        KeyCode::Char('u') if ctrl => match field {
            Some(index) => form.fields[index].clear_input(),
            None if form.current() == Slot::Name => form.name.clear(),
            None => {}
        },
        KeyCode::F(1) => form.prompt = Some(Prompt::Help),
        KeyCode::Up | KeyCode::BackTab => form.move_cursor(-1),
        KeyCode::Down | KeyCode::Tab => form.move_cursor(1),
        KeyCode::PageUp => form.move_cursor(-10),
        KeyCode::PageDown => form.move_cursor(10),
        KeyCode::Enter => on_enter(app, form),
        KeyCode::Left | KeyCode::Right => {
            if let Some(index) = field
                && is_choice(form, index)
            {
                form.fields[index].cycle(key.code == KeyCode::Right);
            }
        }
        KeyCode::Backspace => match field {
            Some(index) => form.fields[index].backspace(),
            None if form.current() == Slot::Name => {
                form.name.pop();
                form.name_message = None;
            }
            None => {}
        },
        KeyCode::Char(c) if !ctrl => type_char(app, form, c),
        _ => {}
    }
    (Vec::new(), After::Stay)
}

/// A boolean or enum field shown as a choice (a linked one is a reference to type).
fn is_choice(form: &Form, index: usize) -> bool {
    let field = &form.fields[index];
    !field.linked && matches!(field.value_type(), ValueType::Boolean | ValueType::Enum)
}

fn type_char(app: &mut App, form: &mut Form, c: char) {
    match form.current() {
        // `?` can never be part of a name, so there it asks for help.
        Slot::Name if c == '?' => form.prompt = Some(Prompt::Help),
        Slot::Name => {
            form.name.push(c);
            form.name_message = None;
        }
        Slot::OptionalToggle | Slot::AddCustom if c == '?' => form.prompt = Some(Prompt::Help),
        Slot::OptionalToggle if c == ' ' => form.toggle_optional(),
        Slot::AddCustom if c == ' ' => {
            form.prompt = Some(Prompt::CustomKey {
                text: String::new(),
            });
        }
        Slot::OptionalToggle | Slot::AddCustom => {}
        Slot::Field(index) => {
            let field = &form.fields[index];
            if is_choice(form, index) {
                match c {
                    ' ' => form.fields[index].cycle(true),
                    '?' => form.prompt = Some(Prompt::Help),
                    _ => flash(app, format!("{}: ← → or space to choose", field.key), false),
                }
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
        Slot::Field(index) if is_choice(form, index) => form.fields[index].cycle(true),
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
    let encode = match field.value_type() {
        ValueType::Base64 => true,
        ValueType::Multiline | ValueType::JsonObject | ValueType::Text => false,
        other => {
            flash(
                app,
                format!(
                    "{} is a {} value; it cannot come from a file",
                    field.key,
                    other.name()
                ),
                true,
            );
            return;
        }
    };
    form.prompt = Some(Prompt::LoadFile {
        field: index,
        path: String::new(),
        encode,
    });
}

fn set_mask(area: &mut TextArea<'static>, masked: bool) {
    if masked {
        area.set_mask_char('•');
    } else {
        area.clear_mask_char();
    }
}

/// Opens the multi-line editor over the current field, optionally with a first character typed.
fn open_editor(app: &mut App, form: &mut Form, typed: Option<&str>) {
    let Some(index) = form.current_field() else {
        return;
    };
    let field = &form.fields[index];
    if field.linked {
        flash(
            app,
            format!("{}: a reference is one line", field.key),
            false,
        );
        return;
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
    form.editor = Some(MultilineEditor { field: index, area });
}

fn on_editor_key(app: &mut App, form: &mut Form, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            if let Some(editor) = form.editor.take() {
                let text = editor.area.lines().join("\n");
                let field = &mut form.fields[editor.field];
                if text != field.literal.expose() {
                    field.set_literal(Secret::new(text));
                }
                flash(app, format!("{}: edited", field.key), false);
            }
        }
        KeyCode::Char('r') if ctrl => toggle_reveal(app, form),
        _ => {
            if let Some(editor) = form.editor.as_mut() {
                editor.area.input(key);
            }
        }
    }
}

fn on_prompt_key(
    app: &mut App,
    form: &mut Form,
    prompt: Prompt,
    key: KeyEvent,
) -> (Vec<Command>, After) {
    match prompt {
        Prompt::Help => {}
        Prompt::Discard => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                flash(app, "changes discarded", false);
                return (Vec::new(), After::Close);
            }
            _ => flash(app, "kept editing", false),
        },
        Prompt::Review => match key.code {
            KeyCode::Enter | KeyCode::Char('y') | KeyCode::Char('Y') => {
                return (submit(app, form), After::Stay);
            }
            _ => {}
        },
        Prompt::LoadFile {
            field,
            mut path,
            encode,
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter if !path.trim().is_empty() => {
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
            code => {
                edit_line(&mut path, code);
                form.prompt = Some(Prompt::LoadFile {
                    field,
                    path,
                    encode,
                });
            }
        },
        Prompt::CustomKey { mut text } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => match form.add_custom(&text) {
                Ok(note) => flash(app, note, false),
                Err(reason) => {
                    flash(app, reason, true);
                    form.prompt = Some(Prompt::CustomKey { text });
                }
            },
            code => {
                edit_line(&mut text, code);
                form.prompt = Some(Prompt::CustomKey { text });
            }
        },
    }
    (Vec::new(), After::Stay)
}

/// Applies a key to a prompt's one-line input (a path, a key name): a character appends,
/// Backspace deletes, anything else leaves it.
fn edit_line(text: &mut String, code: KeyCode) {
    match code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => {}
    }
}

/// `^S`: refuses while a problem remains (the cursor jumps to the first), else shows the exact
/// changes and waits for a confirmation.
fn save(app: &mut App, form: &mut Form) {
    form.attempted = true;
    if form.saving.is_some() {
        flash(app, "already saving; wait for the answer", false);
        return;
    }
    let problems = check(form);
    if problems.is_blocking() {
        if let Some(slot) = problems.first_error() {
            form.focus(slot);
        }
        let count = problems.count();
        let noun = if count == 1 { "problem" } else { "problems" };
        flash(
            app,
            format!("not saved: {count} {noun} to fix first; the cursor is on the first"),
            true,
        );
        return;
    }
    if !form.is_new() && form.changes().is_empty() && form.renamed_to().is_none() {
        flash(app, "nothing changed, nothing to save", false);
        return;
    }
    form.prompt = Some(Prompt::Review);
}

/// Sends the save: a create with every key set, or an update with only the changed keys (and the
/// name when it changed).
fn submit(app: &mut App, form: &mut Form) -> Vec<Command> {
    let request = match &form.mode {
        Mode::New => Request::Create {
            kind: form.kind(),
            name: form.name.clone(),
            config: form.changes(),
        },
        Mode::Edit { id, .. } => Request::Update {
            id: id.clone(),
            name: form.renamed_to().map(String::from),
            changes: form.changes(),
        },
    };
    let command = send(app, request);
    if let Command::Send { id, .. } = &command {
        form.saving = Some(*id);
    }
    flash(app, format!("saving {}…", form.name), false);
    vec![command]
}

/// `^T`: tests the draft on the server without saving it.
fn test_draft(app: &mut App, form: &mut Form) -> Vec<Command> {
    if matches!(form.test, Some(DraftTest::Running { .. })) {
        flash(app, "a test of this draft is already running", false);
        return Vec::new();
    }
    let command = send(
        app,
        Request::TestDraft {
            kind: form.kind(),
            integration_id: form.integration_id().map(String::from),
            config: form.changes(),
        },
    );
    if let Command::Send { id, .. } = &command {
        form.test = Some(DraftTest::Running {
            id: *id,
            since: app.now,
        });
    }
    flash(app, "testing the draft (not saved)…", false);
    vec![command]
}

/// The open form, if it is the one that sent request `id` as its `which`.
fn form_waiting_for(app: &mut App, id: RequestId, test: bool) -> Option<&mut Form> {
    match app.form.as_mut() {
        Some(FormScreen::Form(form)) => {
            let waiting = if test {
                matches!(form.test, Some(DraftTest::Running { id: running, .. }) if running == id)
            } else {
                form.saving == Some(id)
            };
            waiting.then_some(form.as_mut())
        }
        _ => None,
    }
}

pub(super) fn on_draft_tested(
    app: &mut App,
    id: RequestId,
    result: Result<TestIntegrationResponse, ClientError>,
) -> Vec<Command> {
    let outcome = test_outcome(result);
    let line = format!("draft test {}", test_summary(&outcome));
    let success = outcome.success;
    let Some(form) = form_waiting_for(app, id, true) else {
        return Vec::new();
    };
    form.test = Some(DraftTest::Done(outcome));
    flash(app, line, !success);
    Vec::new()
}

pub(super) fn on_saved(
    app: &mut App,
    id: RequestId,
    result: Result<Integration, ClientError>,
) -> Vec<Command> {
    let Some(form) = form_waiting_for(app, id, false) else {
        // The form was left meanwhile; the list still has to show what was saved.
        return match result {
            Ok(_) => vec![send(app, Request::List)],
            Err(error) => {
                flash(app, format!("not saved: {}", error.message), true);
                Vec::new()
            }
        };
    };
    form.saving = None;
    match result {
        Ok(integration) => {
            let created = form.is_new();
            app.form = None;
            saved(app, integration, created)
        }
        Err(error) => {
            place_error(form, &error);
            flash(app, format!("not saved: {}", error.message), true);
            Vec::new()
        }
    }
}

/// After a save: reload the list onto the source; with warnings, reopen it in the form with each
/// warning on its key.
fn saved(app: &mut App, integration: Integration, created: bool) -> Vec<Command> {
    let name = integration.name.clone().unwrap_or_default();
    let verb = if created { "created" } else { "saved" };
    app.details.remove(&integration.id);
    app.select_when_listed = Some(integration.id.clone());
    let mut commands = vec![send(app, Request::List)];
    if integration.warnings.is_empty() {
        flash(app, format!("{verb} {name}"), false);
    } else {
        let count = integration.warnings.len();
        let noun = if count == 1 { "warning" } else { "warnings" };
        flash(
            app,
            format!("{verb} {name} with {count} {noun}; they are shown on the keys (Esc closes)"),
            false,
        );
        app.edit_when_loaded = Some((integration.id.clone(), integration.warnings));
        commands.extend(fetch_detail(app, integration.id));
    }
    commands
}

/// Puts a refused save's message on the field it names (`KEY: message`), or on the name.
fn place_error(form: &mut Form, error: &ClientError) {
    if error.code == tonic::Code::AlreadyExists {
        form.name_message = Some(error.message.clone());
        form.focus(Slot::Name);
        return;
    }
    let Some((key, message)) = error.message.split_once(": ") else {
        return;
    };
    if key == "name" {
        form.name_message = Some(error.message.clone());
        form.focus(Slot::Name);
    } else if let Some(index) = form.field_index(key) {
        form.fields[index].server_message = Some(message.to_string());
        form.focus(Slot::Field(index));
    }
}

/// A file the form asked for: into the field's literal.
pub(super) fn on_file_loaded(
    app: &mut App,
    key: String,
    path: String,
    result: Result<Secret, String>,
) -> Vec<Command> {
    let Some(FormScreen::Form(form)) = app.form.as_mut() else {
        return Vec::new();
    };
    let Some(index) = form.field_index(&key) else {
        return Vec::new();
    };
    match result {
        Ok(value) => {
            let length = value.expose().len();
            form.fields[index].set_literal(value);
            flash(
                app,
                format!("{key}: loaded {path} ({length} characters)"),
                false,
            );
        }
        Err(reason) => flash(app, format!("{key}: {reason}"), true),
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
