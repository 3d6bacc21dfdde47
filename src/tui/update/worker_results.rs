//! The answers from the worker: a reply to a request lands on the list, the detail, a test or a
//! delete. Replies nobody waits for any more change nothing.

use base64::Engine as _;

use crate::proto::TestIntegrationResponse;
use crate::tui::app::{App, Detail, Focus, PreviewLine, Revealed, TestResult, TestStatus};
use crate::tui::msg::{Command, Outcome, Reply, Request};

use super::list::{fetch_detail, keep_cursor_in_view, refilter, selection_changed};
use super::{REVEAL_FOR, flash, form, send};
use crate::tui::drift;

pub(super) fn on_reply(app: &mut App, reply: Reply) -> Vec<Command> {
    // An answer nobody waits for any more (superseded, cancelled) changes nothing.
    let Some(request) = app.pending.remove(&reply.id) else {
        return Vec::new();
    };
    let request_id = reply.id;
    match (request, reply.outcome) {
        (Request::List, Outcome::Listed(result)) => on_listed(app, result),
        (Request::Get { id }, Outcome::Detail(result)) => {
            match result {
                Ok(mut detail) => {
                    detail.secrets.sort_by(|a, b| a.name.cmp(&b.name));
                    let mut commands = Vec::new();
                    if let Some((_, warnings)) =
                        app.edit_when_loaded.take_if(|(waiting, _)| *waiting == id)
                    {
                        commands = form::open_edit_from(app, &detail, &warnings);
                    }
                    app.details.insert(
                        id,
                        Detail {
                            integration: detail,
                        },
                    );
                    return commands;
                }
                Err(error) => flash(app, format!("loading the detail: {}", error.message), true),
            }
            Vec::new()
        }
        (Request::Reveal { id, key }, Outcome::Revealed(result)) => {
            match result {
                Ok(value) if app.selected_integration().is_some_and(|i| i.id == id) => {
                    app.revealed = Some(Revealed {
                        integration_id: id,
                        key,
                        value,
                        until: app.now + REVEAL_FOR,
                    });
                }
                Ok(_) => {}
                Err(error) => flash(app, format!("revealing {key}: {}", error.message), true),
            }
            Vec::new()
        }
        (Request::Test { id }, Outcome::Tested(result)) => on_tested(app, id, result),
        (Request::TestDraft { .. }, Outcome::Tested(result)) => {
            form::on_draft_tested(app, request_id, result)
        }
        (Request::Create { .. } | Request::Update { .. }, Outcome::Saved(result)) => {
            form::on_saved(app, request_id, result)
        }
        (Request::Delete { id }, Outcome::Deleted(result)) => on_deleted(app, id, result),
        (Request::Agent, Outcome::Agent(result)) => crate::tui::access::on_agent(app, result),
        (Request::SecretNames, Outcome::SecretNames(result)) => {
            crate::tui::form::link::on_secret_names(app, request_id, result)
        }
        (Request::Environments, Outcome::Environments(result)) => {
            crate::tui::overlay::env_picker::on_environments(app, request_id, result)
        }
        (Request::History { .. }, Outcome::History(result)) => {
            crate::tui::overlay::history::on_history(app, request_id, result)
        }
        (Request::Plan { .. }, Outcome::Planned(planned)) => {
            drift::on_planned(app, planned);
            Vec::new()
        }
        (Request::SwitchEnvironment { name }, Outcome::EnvironmentSwitched(result)) => {
            match result {
                Ok(environment) => {
                    app.environment = environment;
                    app.integrations.clear();
                    app.details.clear();
                    app.tests.clear();
                    app.revealed = None;
                    app.loaded = false;
                    if let Some(drift) = app.drift.as_mut() {
                        drift.plan = None; // another environment's sources; replanned once listed
                    }
                    refilter(app);
                    flash(
                        app,
                        format!("switched to environment {}", app.environment),
                        false,
                    );
                    return vec![send(app, Request::List)];
                }
                Err(error) => flash(app, format!(":env {name}: {}", error.message), true),
            }
            Vec::new()
        }
        // An answer of the wrong shape is a worker bug; nothing to apply.
        _ => Vec::new(),
    }
}

pub(super) fn on_listed(
    app: &mut App,
    result: Result<Vec<crate::proto::Integration>, crate::client::ClientError>,
) -> Vec<Command> {
    match result {
        Ok(integrations) => {
            let before = app.selected_integration().map(|i| i.id.clone());
            app.integrations = integrations;
            app.loaded = true;
            app.list_error = None;
            let live: std::collections::HashSet<&str> =
                app.integrations.iter().map(|i| i.id.as_str()).collect();
            app.tests.retain(|id, _| live.contains(id.as_str()));
            app.details.retain(|id, _| live.contains(id.as_str()));
            refilter(app);
            if let Some(wanted) = app.select_when_listed.take()
                && let Some(position) = app
                    .visible
                    .iter()
                    .position(|index| app.integrations[*index].id == wanted)
            {
                app.selected = position;
                keep_cursor_in_view(app);
            }
            let after = app.selected_integration().map(|i| i.id.clone());
            let mut commands = if after != before {
                selection_changed(app)
            } else {
                match after {
                    Some(id) => fetch_detail(app, id),
                    None => Vec::new(),
                }
            };
            commands.extend(drift::replan(app));
            commands
        }
        Err(error) => {
            app.list_error = Some(error.message);
            Vec::new()
        }
    }
}

/// The server's test answer as the console keeps it (preview messages decoded for display).
pub fn test_result(response: &TestIntegrationResponse) -> TestResult {
    let decode = |text: &str| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).replace(['\n', '\r'], " ")
    };
    TestResult {
        success: response.success,
        message: response.message.clone(),
        latency_ms: response
            .latency_seconds
            .map(|seconds| (seconds * 1000.0).round().max(0.0) as u64),
        preview: response
            .preview_messages
            .iter()
            .map(|message| PreviewLine {
                partition: message.partition.clone(),
                offset: message.offset.clone(),
                key: message
                    .key_base64
                    .as_deref()
                    .map(decode)
                    .unwrap_or_default(),
                value: decode(&message.value_base64),
            })
            .collect(),
    }
}

/// A test's answer as the console keeps it; a call that failed is a failed test saying why.
pub(crate) fn test_outcome(
    result: Result<TestIntegrationResponse, crate::client::ClientError>,
) -> TestResult {
    match result {
        Ok(response) => test_result(&response),
        Err(error) => TestResult {
            success: false,
            message: format!("the test could not run: {}", error.message),
            latency_ms: None,
            preview: Vec::new(),
        },
    }
}

/// `ok in 3 ms: connected …` or `failed: …`, for the flash line.
pub(crate) fn test_summary(outcome: &TestResult) -> String {
    let verdict = if outcome.success { "ok" } else { "failed" };
    let latency = outcome
        .latency_ms
        .map(|ms| format!(" in {ms} ms"))
        .unwrap_or_default();
    format!("{verdict}{latency}: {}", outcome.message)
}

pub(super) fn on_tested(
    app: &mut App,
    id: String,
    result: Result<TestIntegrationResponse, crate::client::ClientError>,
) -> Vec<Command> {
    let outcome = test_outcome(result);
    let name = app
        .integrations
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.name.clone())
        .unwrap_or_default();
    let in_test_all = app
        .test_all_mut()
        .is_some_and(|state| state.running.remove(&id).is_some());
    if !in_test_all {
        let line = format!("test {name}: {}", test_summary(&outcome));
        flash(app, line, !outcome.success);
    }
    app.tests.insert(id, TestStatus::Done(outcome));
    Vec::new()
}

pub(super) fn on_deleted(
    app: &mut App,
    id: String,
    result: Result<(), crate::client::ClientError>,
) -> Vec<Command> {
    let name = app
        .integrations
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.name.clone())
        .unwrap_or_else(|| id.clone());
    match result {
        Ok(()) => {
            let selected_before = app.selected;
            app.integrations.retain(|i| i.id != id);
            app.details.remove(&id);
            app.tests.remove(&id);
            refilter(app);
            app.selected = selected_before.min(app.visible.len().saturating_sub(1));
            app.focus = Focus::List;
            flash(app, format!("deleted {name}"), false);
            let mut commands = selection_changed(app);
            commands.extend(drift::replan(app));
            commands
        }
        Err(error) => {
            flash(app, format!("deleting {name}: {}", error.message), true);
            Vec::new()
        }
    }
}
