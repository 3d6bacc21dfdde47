//! The overlays over the list: the `:` command line, the delete confirmation and the
//! test-all progress, with the actions that open them.

use crossterm::event::{KeyCode, KeyEvent};

use crate::domain::Kind;
use crate::tui::app::{App, ConfirmDelete, Overlay, TestAll, TestStatus};
use crate::tui::msg::{Command, Request, RequestId};

use super::list::{refilter, selection_changed};
use super::{flash, send};

pub(super) fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let Some(overlay) = app.overlay.take() else {
        return Vec::new();
    };
    match overlay {
        Overlay::Help { scroll } => {
            app.overlay = match key.code {
                KeyCode::Char('j') | KeyCode::Down => Some(Overlay::Help { scroll: scroll + 1 }),
                KeyCode::Char('k') | KeyCode::Up => Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                }),
                KeyCode::Char('q') => {
                    app.quit = true;
                    return vec![Command::Quit];
                }
                _ => None,
            };
            Vec::new()
        }
        Overlay::CommandBar { mut text } => match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Enter => run_command_line(app, &text),
            KeyCode::Backspace => {
                if text.pop().is_some() {
                    app.overlay = Some(Overlay::CommandBar { text });
                }
                Vec::new()
            }
            KeyCode::Char(c) => {
                text.push(c);
                app.overlay = Some(Overlay::CommandBar { text });
                Vec::new()
            }
            _ => {
                app.overlay = Some(Overlay::CommandBar { text });
                Vec::new()
            }
        },
        Overlay::ConfirmDelete(confirm) => on_confirm_key(app, confirm, key),
        Overlay::TestAll(state) => on_test_all_key(app, state, key),
    }
}

/// `:kind postgresql`, `:kind` (clears), `:pg` and other kind names, `:env NAME`, `:q`.
pub(super) fn run_command_line(app: &mut App, line: &str) -> Vec<Command> {
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else {
        return Vec::new();
    };
    let argument = words.collect::<Vec<_>>().join(" ");
    match command {
        "q" | "q!" | "quit" | "exit" => {
            app.quit = true;
            vec![Command::Quit]
        }
        "kind" | "k" if argument.is_empty() => {
            app.kind_filter = None;
            refilter(app);
            flash(app, "showing every kind", false);
            selection_changed(app)
        }
        "kind" | "k" => set_kind_filter(app, &argument),
        "env" | "environment" if argument.is_empty() => {
            flash(app, ":env needs an environment name or id", true);
            Vec::new()
        }
        "env" | "environment" => {
            flash(app, format!("switching to environment {argument}…"), false);
            vec![send(app, Request::SwitchEnvironment { name: argument })]
        }
        "help" | "h" => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        other => match other.parse::<Kind>() {
            Ok(_) if argument.is_empty() => set_kind_filter(app, other),
            _ => {
                flash(
                    app,
                    format!("unknown command :{other}; try :kind NAME, :env NAME, :q or ?"),
                    true,
                );
                Vec::new()
            }
        },
    }
}

pub(super) fn set_kind_filter(app: &mut App, text: &str) -> Vec<Command> {
    match text.parse::<Kind>() {
        Ok(kind) => {
            app.kind_filter = Some(kind);
            refilter(app);
            flash(
                app,
                format!("showing {} sources (:kind clears)", kind.display_name()),
                false,
            );
            selection_changed(app)
        }
        Err(error) => {
            flash(app, error.to_string(), true);
            Vec::new()
        }
    }
}

pub(super) fn on_confirm_key(
    app: &mut App,
    mut confirm: ConfirmDelete,
    key: KeyEvent,
) -> Vec<Command> {
    if let Some(typed) = confirm.typed.as_mut() {
        match key.code {
            KeyCode::Esc => flash(app, "delete cancelled", false),
            KeyCode::Enter if *typed == confirm.name => return delete(app, confirm),
            KeyCode::Enter => {
                app.overlay = Some(Overlay::ConfirmDelete(confirm));
            }
            KeyCode::Backspace => {
                typed.pop();
                app.overlay = Some(Overlay::ConfirmDelete(confirm));
            }
            KeyCode::Char(c) => {
                typed.push(c);
                app.overlay = Some(Overlay::ConfirmDelete(confirm));
            }
            _ => app.overlay = Some(Overlay::ConfirmDelete(confirm)),
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::Char('h') | KeyCode::Char('l') => {
            confirm.delete_chosen = !confirm.delete_chosen;
            app.overlay = Some(Overlay::ConfirmDelete(confirm));
            Vec::new()
        }
        KeyCode::Enter if confirm.delete_chosen => delete(app, confirm),
        KeyCode::Enter | KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => {
            flash(app, "delete cancelled", false);
            Vec::new()
        }
        _ => {
            app.overlay = Some(Overlay::ConfirmDelete(confirm));
            Vec::new()
        }
    }
}

pub(super) fn on_test_all_key(app: &mut App, mut state: TestAll, key: KeyEvent) -> Vec<Command> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') if !state.running.is_empty() => {
            let ids: Vec<RequestId> = state.running.values().copied().collect();
            for (source, _) in std::mem::take(&mut state.running) {
                if matches!(app.tests.get(&source), Some(TestStatus::Running { .. })) {
                    app.tests.remove(&source);
                }
            }
            for id in &ids {
                app.pending.remove(id);
            }
            state.cancelled = true;
            app.overlay = Some(Overlay::TestAll(state));
            flash(app, "test-all cancelled; results so far are kept", false);
            vec![Command::Cancel(ids)]
        }
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => {
            refilter(app);
            Vec::new()
        }
        KeyCode::Char('f') | KeyCode::Char('R') => {
            let failed: Vec<(String, String)> = state
                .sources
                .iter()
                .filter(|(id, _)| {
                    !state.running.contains_key(id)
                        && !matches!(app.tests.get(id), Some(TestStatus::Done(r)) if r.success)
                })
                .cloned()
                .collect();
            if failed.is_empty() {
                app.overlay = Some(Overlay::TestAll(state));
                flash(app, "no failures to retry", false);
                return Vec::new();
            }
            state.cancelled = false;
            let commands = start_tests(app, &mut state, &failed);
            app.overlay = Some(Overlay::TestAll(state));
            commands
        }
        KeyCode::Char('j') | KeyCode::Down => {
            state.scroll = (state.scroll + 1).min(state.sources.len().saturating_sub(1));
            app.overlay = Some(Overlay::TestAll(state));
            Vec::new()
        }
        KeyCode::Char('k') | KeyCode::Up => {
            state.scroll = state.scroll.saturating_sub(1);
            app.overlay = Some(Overlay::TestAll(state));
            Vec::new()
        }
        _ => {
            app.overlay = Some(Overlay::TestAll(state));
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

pub(super) fn test_selected(app: &mut App) -> Vec<Command> {
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    let id = integration.id.clone();
    let request = Request::Test { id: id.clone() };
    if app.is_pending(&request) {
        flash(app, "a test of this source is already running", false);
        return Vec::new();
    }
    app.tests.insert(id, TestStatus::Running { since: app.now });
    vec![send(app, request)]
}

pub(super) fn test_all(app: &mut App) -> Vec<Command> {
    let sources: Vec<(String, String)> = app
        .visible
        .iter()
        .filter_map(|index| app.integrations.get(*index))
        .map(|i| (i.id.clone(), i.name.clone().unwrap_or_default()))
        .collect();
    if sources.is_empty() {
        flash(app, "no sources shown to test", false);
        return Vec::new();
    }
    let mut state = TestAll {
        sources: sources.clone(),
        running: Default::default(),
        cancelled: false,
        scroll: 0,
    };
    let commands = start_tests(app, &mut state, &sources);
    app.overlay = Some(Overlay::TestAll(state));
    commands
}

/// Sends one test per source; the worker runs at most
/// [`TEST_CONCURRENCY`](crate::client::api::TEST_CONCURRENCY) at once.
pub(super) fn start_tests(
    app: &mut App,
    state: &mut TestAll,
    sources: &[(String, String)],
) -> Vec<Command> {
    let mut commands = Vec::new();
    for (id, _) in sources {
        let request = Request::Test { id: id.clone() };
        if app.is_pending(&request) {
            continue;
        }
        app.tests
            .insert(id.clone(), TestStatus::Running { since: app.now });
        let command = send(app, request);
        if let Command::Send { id: request_id, .. } = &command {
            state.running.insert(id.clone(), *request_id);
        }
        commands.push(command);
    }
    commands
}

pub(super) fn ask_delete(app: &mut App) -> Vec<Command> {
    if app.readonly {
        return Vec::new();
    }
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    let confirm = ConfirmDelete {
        id: integration.id.clone(),
        name: integration.name.clone().unwrap_or_default(),
        typed: app.is_production().then(String::new),
        delete_chosen: false,
    };
    app.overlay = Some(Overlay::ConfirmDelete(confirm));
    Vec::new()
}

pub(super) fn delete(app: &mut App, confirm: ConfirmDelete) -> Vec<Command> {
    if app.readonly {
        return Vec::new();
    }
    flash(app, format!("deleting {}…", confirm.name), false);
    vec![send(app, Request::Delete { id: confirm.id })]
}
