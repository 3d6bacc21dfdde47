//! The reducer: `update(app, msg)` changes the state and returns the commands to carry out. It
//! does no I/O and reads no clock (time arrives in `Msg::Tick`), so every behaviour of the console
//! can be tested by feeding messages and looking at the state and the commands.

use std::time::Duration;

use base64::Engine as _;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::{Kind, Secret};
use crate::proto::{SecretSource, SecretWithValue, TestIntegrationResponse};

use super::actions::{Action, action_for};
use super::app::{
    App, ClipboardClear, ConfirmDelete, Detail, Flash, Focus, Overlay, PreviewLine, Revealed,
    TestAll, TestResult, TestStatus,
};
use super::clipboard::Fingerprint;
use super::filter::visible_rows;
use super::msg::{Command, ConnectionState, Msg, Outcome, Reply, Request, RequestId};

/// How long a revealed secret stays on screen, and a copied secret on the clipboard.
pub const REVEAL_FOR: Duration = Duration::from_secs(30);
/// How long a flash message stays.
pub const FLASH_FOR: Duration = Duration::from_secs(6);

/// The first commands: load the list.
pub fn init(app: &mut App) -> Vec<Command> {
    vec![send(app, Request::List)]
}

/// Applies one message.
pub fn update(app: &mut App, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Resize => Vec::new(),
        Msg::Tick { now, wall } => on_tick(app, now, wall),
        Msg::Reply(reply) => on_reply(app, reply),
        Msg::Connection(state) => on_connection(app, state),
        Msg::FileLoaded { key, path, result } => form::on_file_loaded(app, key, path, result),
        Msg::Copied {
            what,
            secret,
            result,
        } => on_copied(app, what, secret, result),
        Msg::ClipboardCleared(result) => {
            if result == Ok(true) {
                flash(app, "clipboard cleared", false);
            }
            Vec::new()
        }
        Msg::ListRows(rows) => {
            app.page = rows;
            Vec::new()
        }
    }
}

/// Says on the flash line where a copy went (and that a secret is cleared again).
fn on_copied(
    app: &mut App,
    what: String,
    secret: bool,
    result: Result<crate::tui::clipboard::Route, String>,
) -> Vec<Command> {
    let (message, failed) = match result {
        Ok(route) if secret => (
            format!(
                "copied {what} to the {}; cleared in {} s",
                route.describe(),
                REVEAL_FOR.as_secs()
            ),
            false,
        ),
        Ok(route) => (format!("copied {what} to the {}", route.describe()), false),
        Err(error) => (format!("copying {what} failed: {error}"), true),
    };
    flash(app, message, failed);
    Vec::new()
}

/// Registers a request and returns the command that sends it.
fn send(app: &mut App, request: Request) -> Command {
    let id = app.next_request;
    app.next_request += 1;
    app.pending.insert(id, request.clone());
    Command::Send { id, request }
}

/// Shows `text` on the flash line for [`FLASH_FOR`].
pub(crate) fn flash(app: &mut App, text: impl Into<String>, error: bool) {
    app.flash = Some(Flash {
        text: text.into(),
        error,
        until: app.now + FLASH_FOR,
    });
}

fn on_tick(app: &mut App, now: std::time::Instant, wall: std::time::SystemTime) -> Vec<Command> {
    app.now = now;
    app.wall = wall;
    app.ticks = app.ticks.wrapping_add(1);
    let mut commands = Vec::new();
    if app.revealed.as_ref().is_some_and(|r| now >= r.until) {
        app.revealed = None;
    }
    if app.flash.as_ref().is_some_and(|f| now >= f.until) {
        app.flash = None;
    }
    if app
        .clipboard_clear
        .as_ref()
        .is_some_and(|clear| now >= clear.at)
        && let Some(clear) = app.clipboard_clear.take()
    {
        commands.push(Command::ClearClipboard {
            if_holding: clear.holding,
        });
    }
    commands
}

fn on_connection(app: &mut App, state: ConnectionState) -> Vec<Command> {
    let recovered = matches!(state, ConnectionState::Connected { .. })
        && !matches!(app.connection, ConnectionState::Connected { .. });
    if let ConnectionState::Connected { environment } = &state {
        app.environment = environment.clone();
    }
    app.connection = state;
    // After a reconnect the list may be stale; reload it unless a load is already on its way.
    if recovered && app.loaded && !app.is_pending(&Request::List) {
        return vec![send(app, Request::List)];
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// Keys

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if key.kind == crossterm::event::KeyEventKind::Release {
        return Vec::new();
    }
    // A terminal delivers Esc followed quickly by a key as Alt+key: treat it as both.
    if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
        let mut commands = on_key(app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        let plain = KeyEvent::new(key.code, key.modifiers - KeyModifiers::ALT);
        commands.extend(on_key(app, plain));
        return commands;
    }
    if app.form.is_some() {
        return form::on_key(app, key);
    }
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl_c {
        app.quit = true;
        return vec![Command::Quit];
    }
    if app.overlay.is_some() {
        return on_overlay_key(app, key);
    }
    if app.filter.editing {
        return on_filter_key(app, key);
    }
    if key.code == KeyCode::Esc {
        if app.focus == Focus::Detail {
            app.focus = Focus::List;
        } else if !app.filter.text.is_empty() {
            app.filter.text.clear();
            refilter(app);
        }
        return Vec::new();
    }
    match action_for(key, app.readonly) {
        Some(action) => on_action(app, action),
        None => Vec::new(),
    }
}

fn on_action(app: &mut App, action: Action) -> Vec<Command> {
    match action {
        Action::Up => move_cursor(app, -1),
        Action::Down => move_cursor(app, 1),
        Action::Top => move_cursor(app, isize::MIN / 2),
        Action::Bottom => move_cursor(app, isize::MAX / 2),
        Action::PageUp => move_cursor(app, -(page(app) as isize)),
        Action::PageDown => move_cursor(app, page(app) as isize),
        Action::SwitchFocus => {
            app.focus = match app.focus {
                Focus::List if app.selected_integration().is_some() => Focus::Detail,
                _ => Focus::List,
            };
            Vec::new()
        }
        Action::Filter => {
            app.filter.editing = true;
            Vec::new()
        }
        Action::CommandBar => {
            app.overlay = Some(Overlay::CommandBar {
                text: String::new(),
            });
            Vec::new()
        }
        Action::CycleSort => {
            app.sort = app.sort.next();
            refilter(app);
            flash(app, format!("sorted by {}", app.sort.label()), false);
            Vec::new()
        }
        Action::Refresh => {
            if app.is_pending(&Request::List) {
                return Vec::new();
            }
            app.details.clear();
            vec![send(app, Request::List)]
        }
        Action::Test => test_selected(app),
        Action::TestAll => test_all(app),
        Action::Delete => ask_delete(app),
        Action::New => form::open_new(app),
        Action::Edit => form::open_edit(app),
        Action::CopyId => copy_id_or_value(app),
        Action::CopyName => copy_name(app),
        Action::Reveal => reveal(app),
        Action::Help => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        Action::Quit => {
            app.quit = true;
            vec![Command::Quit]
        }
    }
}

fn page(app: &App) -> usize {
    app.page.max(1)
}

/// Moves the list cursor, or the detail pane's cursor when it has focus.
fn move_cursor(app: &mut App, delta: isize) -> Vec<Command> {
    if app.focus == Focus::Detail {
        let rows = detail_keys(app).len();
        app.detail_cursor = shift(app.detail_cursor, delta, rows);
        return Vec::new();
    }
    let before = app.selected;
    app.selected = shift(app.selected, delta, app.visible.len());
    keep_cursor_in_view(app);
    if app.selected != before {
        return selection_changed(app);
    }
    Vec::new()
}

/// Scrolls the list just enough that the cursor row is on screen.
pub fn keep_cursor_in_view(app: &mut App) {
    let page = page(app);
    if app.selected < app.scroll {
        app.scroll = app.selected;
    } else if app.selected >= app.scroll + page {
        app.scroll = app.selected + 1 - page;
    }
    app.scroll = app.scroll.min(app.visible.len().saturating_sub(1));
}

fn shift(position: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let target = (position as isize).saturating_add(delta);
    target.clamp(0, len as isize - 1) as usize
}

/// The selection moved: mask any revealed secret, reset the detail cursor, fetch the detail.
fn selection_changed(app: &mut App) -> Vec<Command> {
    app.revealed = None;
    app.detail_cursor = 0;
    let selected = app.selected_integration().map(|i| i.id.clone());
    // An edit waiting for another source's detail is dropped: `e` meant the source it was on.
    app.edit_when_loaded
        .take_if(|(waiting, _)| selected.as_ref() != Some(waiting));
    let Some(id) = selected else {
        return Vec::new();
    };
    fetch_detail(app, id)
}

fn fetch_detail(app: &mut App, id: String) -> Vec<Command> {
    let request = Request::Get { id: id.clone() };
    if app.details.contains_key(&id) || app.is_pending(&request) {
        return Vec::new();
    }
    // Only the newest detail request matters: older ones would be dropped when they answer.
    let stale: Vec<RequestId> = app
        .pending
        .iter()
        .filter(|(_, pending)| matches!(pending, Request::Get { .. }))
        .map(|(id, _)| *id)
        .collect();
    let mut commands = Vec::new();
    if !stale.is_empty() {
        for id in &stale {
            app.pending.remove(id);
        }
        commands.push(Command::Cancel(stale));
    }
    commands.push(send(app, request));
    commands
}

/// Recomputes the visible rows, keeping the cursor on the same source when it is still shown.
fn refilter(app: &mut App) {
    let selected_id = app.selected_integration().map(|i| i.id.clone());
    app.visible = visible_rows(
        &app.integrations,
        &app.filter.text,
        app.kind_filter,
        app.sort,
        &app.tests,
    );
    app.selected = selected_id
        .and_then(|id| {
            app.visible
                .iter()
                .position(|index| app.integrations[*index].id == id)
        })
        .unwrap_or(0)
        .min(app.visible.len().saturating_sub(1));
    keep_cursor_in_view(app);
}

fn on_filter_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let before = app.selected_integration().map(|i| i.id.clone());
    match key.code {
        KeyCode::Enter => app.filter.editing = false,
        KeyCode::Esc => {
            app.filter.editing = false;
            app.filter.text.clear();
        }
        KeyCode::Backspace => {
            app.filter.text.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.filter.text.push(c);
        }
        _ => return Vec::new(),
    }
    refilter(app);
    if app.selected_integration().map(|i| i.id.clone()) != before {
        return selection_changed(app);
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// Overlays

fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
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
fn run_command_line(app: &mut App, line: &str) -> Vec<Command> {
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

fn set_kind_filter(app: &mut App, text: &str) -> Vec<Command> {
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

fn on_confirm_key(app: &mut App, mut confirm: ConfirmDelete, key: KeyEvent) -> Vec<Command> {
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

fn on_test_all_key(app: &mut App, mut state: TestAll, key: KeyEvent) -> Vec<Command> {
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

fn test_selected(app: &mut App) -> Vec<Command> {
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

fn test_all(app: &mut App) -> Vec<Command> {
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
fn start_tests(app: &mut App, state: &mut TestAll, sources: &[(String, String)]) -> Vec<Command> {
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

fn ask_delete(app: &mut App) -> Vec<Command> {
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

fn delete(app: &mut App, confirm: ConfirmDelete) -> Vec<Command> {
    if app.readonly {
        return Vec::new();
    }
    flash(app, format!("deleting {}…", confirm.name), false);
    vec![send(app, Request::Delete { id: confirm.id })]
}

/// The detail pane's keys, in order (as the server sent them, sorted by name on arrival).
pub fn detail_keys(app: &App) -> &[SecretWithValue] {
    app.selected_integration()
        .and_then(|i| app.details.get(&i.id))
        .map_or(&[], |detail| detail.integration.secrets.as_slice())
}

/// Whether a key's value is a secret literal the server withholds.
pub fn is_withheld(secret: &SecretWithValue) -> bool {
    secret.source != SecretSource::External as i32 && secret.value.is_none()
}

fn reveal(app: &mut App) -> Vec<Command> {
    if app.focus != Focus::Detail {
        flash(
            app,
            "press Tab, move to a secret key, then x to reveal it",
            false,
        );
        return Vec::new();
    }
    let Some(integration_id) = app.selected_integration().map(|i| i.id.clone()) else {
        return Vec::new();
    };
    let Some(secret) = detail_keys(app).get(app.detail_cursor).cloned() else {
        return Vec::new();
    };
    if !is_withheld(&secret) {
        let what = if secret.source == SecretSource::External as i32 {
            "a linked secret lives in its store; its name is shown"
        } else {
            "not a secret: its value is already shown"
        };
        flash(app, format!("{}: {what}", secret.name), false);
        return Vec::new();
    }
    if app
        .revealed
        .as_ref()
        .is_some_and(|r| r.integration_id == integration_id && r.key == secret.name)
    {
        app.revealed = None;
        return Vec::new();
    }
    vec![send(
        app,
        Request::Reveal {
            id: integration_id,
            key: secret.name,
        },
    )]
}

fn copy_id_or_value(app: &mut App) -> Vec<Command> {
    if app.focus == Focus::Detail {
        return copy_value(app);
    }
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    vec![Command::Copy {
        text: Secret::new(integration.id.clone()),
        what: "id".into(),
        secret: false,
    }]
}

fn copy_name(app: &mut App) -> Vec<Command> {
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    vec![Command::Copy {
        text: Secret::new(integration.name.clone().unwrap_or_default()),
        what: "name".into(),
        secret: false,
    }]
}

/// Copies the value under the detail cursor: plain values as they are, a secret only while it
/// is revealed (and the clipboard is cleared after [`REVEAL_FOR`]).
fn copy_value(app: &mut App) -> Vec<Command> {
    let Some(secret) = detail_keys(app).get(app.detail_cursor).cloned() else {
        return Vec::new();
    };
    if let Some(value) = &secret.value {
        return vec![Command::Copy {
            text: Secret::new(value.clone()),
            what: secret.name,
            secret: false,
        }];
    }
    if secret.source == SecretSource::External as i32 {
        return vec![Command::Copy {
            text: Secret::new(secret.full_name.clone()),
            what: format!("{} (secret name)", secret.name),
            secret: false,
        }];
    }
    match &app.revealed {
        Some(revealed) if revealed.key == secret.name => {
            app.clipboard_clear = Some(ClipboardClear {
                at: app.now + REVEAL_FOR,
                holding: Fingerprint::of(revealed.value.expose()),
            });
            vec![Command::Copy {
                text: revealed.value.clone(),
                what: secret.name,
                secret: true,
            }]
        }
        _ => {
            flash(
                app,
                format!("{}: reveal it with x before copying", secret.name),
                true,
            );
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

fn on_reply(app: &mut App, reply: Reply) -> Vec<Command> {
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
                    if let Some((_, warnings)) =
                        app.edit_when_loaded.take_if(|(waiting, _)| *waiting == id)
                    {
                        form::open_edit_from(app, &detail, &warnings);
                    }
                    app.details.insert(
                        id,
                        Detail {
                            integration: detail,
                        },
                    );
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
        (Request::SwitchEnvironment { name }, Outcome::EnvironmentSwitched(result)) => {
            match result {
                Ok(environment) => {
                    app.environment = environment;
                    app.integrations.clear();
                    app.details.clear();
                    app.tests.clear();
                    app.revealed = None;
                    app.loaded = false;
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

fn on_listed(
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
            if after != before {
                return selection_changed(app);
            }
            match after {
                Some(id) => fetch_detail(app, id),
                None => Vec::new(),
            }
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
fn test_outcome(result: Result<TestIntegrationResponse, crate::client::ClientError>) -> TestResult {
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
fn test_summary(outcome: &TestResult) -> String {
    let verdict = if outcome.success { "ok" } else { "failed" };
    let latency = outcome
        .latency_ms
        .map(|ms| format!(" in {ms} ms"))
        .unwrap_or_default();
    format!("{verdict}{latency}: {}", outcome.message)
}

fn on_tested(
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
    let in_test_all = match app.overlay.as_mut() {
        Some(Overlay::TestAll(state)) => state.running.remove(&id).is_some(),
        _ => false,
    };
    if !in_test_all {
        let line = format!("test {name}: {}", test_summary(&outcome));
        flash(app, line, !outcome.success);
    }
    app.tests.insert(id, TestStatus::Done(outcome));
    Vec::new()
}

fn on_deleted(
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
            selection_changed(app)
        }
        Err(error) => {
            flash(app, format!("deleting {name}: {}", error.message), true);
            Vec::new()
        }
    }
}

mod form;

#[cfg(test)]
mod tests;
