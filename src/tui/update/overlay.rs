//! The overlays over the list: the `:` command line, the delete confirmation and the
//! test-all progress, with the actions that open them.

use crossterm::event::{KeyCode, KeyEvent};

use crate::domain::Kind;
use crate::tui::app::{App, ConfirmDelete, TestAll, TestStatus};
use crate::tui::form::keys::{Answer, LINE_KEYS};
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request, RequestId};

use super::list::{refilter, selection_changed};
use super::{flash, send};

/// What a key does in the help over the main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelpAction {
    ScrollDown,
    ScrollUp,
    Quit,
    Close,
}

/// The help's table: j/k scroll, q quits, any other key closes.
pub const HELP_KEYS: &[Binding<HelpAction, ()>] = &[
    bind(
        HelpAction::ScrollDown,
        &[Key::Char('j'), Key::Code(KeyCode::Down)],
        "j ↓",
    )
    .help("scroll down"),
    bind(
        HelpAction::ScrollUp,
        &[Key::Char('k'), Key::Code(KeyCode::Up)],
        "k ↑",
    )
    .help("scroll up"),
    bind(HelpAction::Quit, &[Key::Char('q')], "q").help("quit"),
    bind(HelpAction::Close, &[Key::Any], "Esc").help("close"),
];

/// What a key does in the delete confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Cancel ⇄ Delete.
    Toggle,
    /// Delete when chosen (or when the typed name matches), else cancel.
    Confirm,
    Cancel,
    /// The key edits the typed name.
    Edit,
}

fn typed(confirm: &ConfirmDelete) -> bool {
    confirm.typed.is_some()
}

fn chosen(confirm: &ConfirmDelete) -> bool {
    confirm.typed.is_none()
}

/// The delete confirmation's table: a typed name in production, a Cancel / Delete choice
/// elsewhere. Keys it does not list leave it open.
pub const CONFIRM_KEYS: &[Binding<ConfirmAction, ConfirmDelete>] = &[
    bind(ConfirmAction::Cancel, &[Key::Code(KeyCode::Esc)], "Esc")
        .help("cancel")
        .when(typed),
    bind(ConfirmAction::Confirm, &[Key::Code(KeyCode::Enter)], "⏎")
        .help("delete, once the name is typed")
        .when(typed)
        .mutating(),
    bind(ConfirmAction::Edit, &[Key::Any], "type")
        .help("type the name")
        .when(typed),
    bind(
        ConfirmAction::Toggle,
        &[
            Key::Code(KeyCode::Left),
            Key::Code(KeyCode::Right),
            Key::Code(KeyCode::Tab),
            Key::Char('h'),
            Key::Char('l'),
        ],
        "← →",
    )
    .help("choose Cancel or Delete")
    .when(chosen),
    bind(ConfirmAction::Confirm, &[Key::Code(KeyCode::Enter)], "⏎")
        .help("confirm the choice")
        .when(chosen)
        .mutating(),
    bind(
        ConfirmAction::Cancel,
        &[Key::Code(KeyCode::Esc), Key::Char('n'), Key::Char('q')],
        "Esc n q",
    )
    .help("cancel")
    .when(chosen),
];

/// What a key does in the test-all table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestAllAction {
    /// Cancels the tests still running.
    Cancel,
    Close,
    RetryFailures,
    ScrollDown,
    ScrollUp,
}

fn running(state: &TestAll) -> bool {
    !state.running.is_empty()
}

/// The test-all table's keys: Esc cancels while tests run, then closes.
pub const TEST_ALL_KEYS: &[Binding<TestAllAction, TestAll>] = &[
    bind(
        TestAllAction::Cancel,
        &[Key::Code(KeyCode::Esc), Key::Char('q')],
        "Esc q",
    )
    .help("cancel the rest; results so far are kept")
    .when(running),
    bind(
        TestAllAction::Close,
        &[
            Key::Code(KeyCode::Esc),
            Key::Char('q'),
            Key::Code(KeyCode::Enter),
        ],
        "Esc q ⏎",
    )
    .help("close"),
    bind(
        TestAllAction::RetryFailures,
        &[Key::Char('f'), Key::Char('R')],
        "f R",
    )
    .help("retry only the failures"),
    bind(
        TestAllAction::ScrollDown,
        &[Key::Char('j'), Key::Code(KeyCode::Down)],
        "j ↓",
    )
    .help("scroll down"),
    bind(
        TestAllAction::ScrollUp,
        &[Key::Char('k'), Key::Code(KeyCode::Up)],
        "k ↑",
    )
    .help("scroll up"),
];

pub(super) fn on_help_key(app: &mut App, scroll: usize, key: KeyEvent) -> Vec<Command> {
    let action = lookup(HELP_KEYS, &key, &(), app.readonly).map(|b| b.action);
    let scroll = match action {
        Some(HelpAction::ScrollDown) => scroll + 1,
        Some(HelpAction::ScrollUp) => scroll.saturating_sub(1),
        Some(HelpAction::Quit) => {
            app.quit = true;
            return vec![Command::Quit];
        }
        Some(HelpAction::Close) | None => return Vec::new(),
    };
    app.layers.push(Layer::Help { scroll });
    Vec::new()
}

pub(super) fn on_command_bar_key(app: &mut App, mut text: String, key: KeyEvent) -> Vec<Command> {
    match lookup(LINE_KEYS, &key, &(), app.readonly).map(|b| b.action) {
        Some(Answer::Dismiss) => Vec::new(),
        Some(Answer::Confirm) => run_command_line(app, &text),
        Some(Answer::Edit) | None => {
            // Backspace on an empty line closes the bar.
            let keep = match key.code {
                KeyCode::Backspace => text.pop().is_some(),
                KeyCode::Char(c) => {
                    text.push(c);
                    true
                }
                _ => true,
            };
            if keep {
                app.layers.push(Layer::CommandBar { text });
            }
            Vec::new()
        }
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
            app.layers.push(Layer::Help { scroll: 0 });
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
    let action = lookup(CONFIRM_KEYS, &key, &confirm, app.readonly).map(|b| b.action);
    let confirmed = match &confirm.typed {
        Some(typed) => *typed == confirm.name,
        None => confirm.delete_chosen,
    };
    match action {
        Some(ConfirmAction::Confirm) if confirmed => return delete(app, confirm),
        Some(ConfirmAction::Confirm) if confirm.typed.is_some() => {}
        Some(ConfirmAction::Confirm | ConfirmAction::Cancel) => {
            flash(app, "delete cancelled", false);
            return Vec::new();
        }
        Some(ConfirmAction::Toggle) => confirm.delete_chosen = !confirm.delete_chosen,
        Some(ConfirmAction::Edit) => {
            if let Some(typed) = confirm.typed.as_mut() {
                match key.code {
                    KeyCode::Backspace => {
                        typed.pop();
                    }
                    KeyCode::Char(c) => typed.push(c),
                    _ => {}
                }
            }
        }
        None => {}
    }
    app.layers.push(Layer::ConfirmDelete(confirm));
    Vec::new()
}

pub(super) fn on_test_all_key(app: &mut App, mut state: TestAll, key: KeyEvent) -> Vec<Command> {
    match lookup(TEST_ALL_KEYS, &key, &state, app.readonly).map(|b| b.action) {
        Some(TestAllAction::Cancel) => {
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
            app.layers.push(Layer::TestAll(state));
            flash(app, "test-all cancelled; results so far are kept", false);
            vec![Command::Cancel(ids)]
        }
        Some(TestAllAction::Close) => {
            refilter(app);
            Vec::new()
        }
        Some(TestAllAction::RetryFailures) => {
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
                app.layers.push(Layer::TestAll(state));
                flash(app, "no failures to retry", false);
                return Vec::new();
            }
            state.cancelled = false;
            let commands = start_tests(app, &mut state, &failed);
            app.layers.push(Layer::TestAll(state));
            commands
        }
        Some(TestAllAction::ScrollDown) => {
            state.scroll = (state.scroll + 1).min(state.sources.len().saturating_sub(1));
            app.layers.push(Layer::TestAll(state));
            Vec::new()
        }
        Some(TestAllAction::ScrollUp) => {
            state.scroll = state.scroll.saturating_sub(1);
            app.layers.push(Layer::TestAll(state));
            Vec::new()
        }
        None => {
            app.layers.push(Layer::TestAll(state));
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
    app.layers.push(Layer::TestAll(state));
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
    app.layers.push(Layer::ConfirmDelete(confirm));
    Vec::new()
}

pub(super) fn delete(app: &mut App, confirm: ConfirmDelete) -> Vec<Command> {
    if app.readonly {
        return Vec::new();
    }
    flash(app, format!("deleting {}…", confirm.name), false);
    vec![send(app, Request::Delete { id: confirm.id })]
}
