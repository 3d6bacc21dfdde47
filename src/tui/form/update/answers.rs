//! Saving and testing the draft, and the answers that land on the form: a tested draft, a saved
//! source (or the error placed on the key at fault), a loaded file.

use crate::client::ClientError;
use crate::domain::Secret;
use crate::proto::{Integration, TestIntegrationResponse};
use crate::tui::app::App;
use crate::tui::form::check::check;
use crate::tui::form::{DraftTest, Form, Mode, Prompt, Slot};
use crate::tui::msg::{Command, Request, RequestId};

use super::{After, ask};
use crate::tui::update::{fetch_detail, flash, send, test_outcome, test_summary};

/// `^S`: refuses while a problem remains (the cursor jumps to the first), else shows the exact
/// changes and waits for a confirmation.
pub(super) fn save(app: &mut App, form: &mut Form) -> After {
    form.attempted = true;
    if form.saving.is_some() {
        flash(app, "already saving; wait for the answer", false);
        return After::Stay;
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
        return After::Stay;
    }
    if !form.is_new() && form.changes().is_empty() && form.renamed_to().is_none() {
        flash(app, "nothing changed, nothing to save", false);
        return After::Stay;
    }
    ask(Prompt::Review)
}

/// Sends the save: a create with every key set, or an update with only the changed keys (and the
/// name when it changed).
pub(in crate::tui::form) fn submit(app: &mut App, form: &mut Form) -> Vec<Command> {
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
pub(super) fn test_draft(app: &mut App, form: &mut Form) -> Vec<Command> {
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
pub(super) fn form_waiting_for(app: &mut App, id: RequestId, test: bool) -> Option<&mut Form> {
    let form = app.form_mut()?;
    let waiting = if test {
        matches!(form.test, Some(DraftTest::Running { id: running, .. }) if running == id)
    } else {
        form.saving == Some(id)
    };
    waiting.then_some(form)
}

pub(crate) fn on_draft_tested(
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

pub(crate) fn on_saved(
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
            app.close_form();
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
pub(super) fn saved(app: &mut App, integration: Integration, created: bool) -> Vec<Command> {
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
pub(super) fn place_error(form: &mut Form, error: &ClientError) {
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
pub(crate) fn on_file_loaded(
    app: &mut App,
    key: String,
    path: String,
    result: Result<Secret, String>,
) -> Vec<Command> {
    let Some(form) = app.form_mut() else {
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
