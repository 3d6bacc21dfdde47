//! The reducer: `update(app, msg)` changes the state and returns the commands to carry out. It
//! does no I/O and reads no clock (time arrives in `Msg::Tick`), so every behaviour of the console
//! can be tested by feeding messages and looking at the state and the commands.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::access;
use super::actions::{Action, Screen, action_for};
use super::app::{App, Flash, Focus, TestStatus};
use super::form::Prompt;
use super::form::update as form;
use super::layer::Layer;
use super::msg::{Command, ConnectionState, Msg, Request, RequestId};

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

/// Registers a request and returns the command that sends it.
pub(crate) fn send(app: &mut App, request: Request) -> Command {
    let id = app.next_request;
    app.next_request += 1;
    app.pending.insert(id, request.clone());
    Command::Send { id, request }
}

/// Sends `request` in place of every pending one `supersedes` matches: only the newest answer
/// matters, so the older requests are cancelled (and would be dropped if they answered).
pub(crate) fn send_superseding(
    app: &mut App,
    request: Request,
    supersedes: impl Fn(&Request) -> bool,
) -> Vec<Command> {
    let stale: Vec<RequestId> = app
        .pending
        .iter()
        .filter(|(_, pending)| supersedes(pending))
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
    let connected = matches!(state, ConnectionState::Connected { .. });
    if let ConnectionState::Connected {
        environment,
        environment_id,
    } = &state
    {
        app.environment = environment.clone();
        app.environment_id = environment_id.clone();
        access::apply_access(app);
    }
    app.connection = state;
    let mut commands = if connected {
        access::ask_agent(app)
    } else {
        Vec::new()
    };
    // After a reconnect the list may be stale; reload it unless a load is already on its way.
    if recovered && app.loaded && !app.is_pending(&Request::List) {
        commands.push(send(app, Request::List));
    }
    commands
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
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl_c {
        return on_ctrl_c(app);
    }
    // Keys go to the top layer only: it is taken off the stack, and its handler puts it back
    // (or not: that is how a layer closes) and may push another over it.
    let Some(layer) = app.layers.pop() else {
        return match action_for(key, Screen::of(app), app.readonly) {
            Some(action) => on_action(app, action),
            None => Vec::new(),
        };
    };
    match layer {
        Layer::Filter => on_filter_key(app, key),
        Layer::CommandBar { text } => on_command_bar_key(app, text, key),
        Layer::Help { scroll } => on_help_key(app, scroll, key),
        Layer::ConfirmDelete(confirm) => on_confirm_key(app, confirm, key),
        Layer::TestAll(state) => on_test_all_key(app, state, key),
        Layer::History(history) => super::overlay::history::on_history_key(app, history, key),
        Layer::EnvPicker(picker) => super::overlay::env_picker::on_env_picker_key(app, picker, key),
        Layer::PickKind(picker) => super::form::picker::on_picker_key(app, picker, key),
        Layer::Form(form) => form::on_form_layer_key(app, form, key),
        Layer::Prompt(prompt) => form::on_prompt_layer_key(app, prompt, key),
        Layer::Editor(editor) => form::on_editor_layer_key(app, editor, key),
    }
}

/// Ctrl-C quits from any layer, except that a form with unsaved changes asks first (the layers
/// over it give way to the question).
fn on_ctrl_c(app: &mut App) -> Vec<Command> {
    let form_at = app
        .layers
        .iter()
        .rposition(|layer| matches!(layer, Layer::Form(form) if form.is_dirty()));
    let asking = matches!(app.top(), Some(Layer::Prompt(Prompt::Discard)));
    if let Some(position) = form_at
        && !asking
    {
        app.layers.truncate(position + 1);
        app.layers.push(Layer::Prompt(Prompt::Discard));
        flash(
            app,
            "unsaved changes: y discards them, Ctrl-C again quits",
            true,
        );
        return Vec::new();
    }
    app.quit = true;
    vec![Command::Quit]
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
        Action::Back => {
            if app.focus == Focus::Detail {
                app.focus = Focus::List;
            } else if !app.filter.text.is_empty() {
                app.filter.text.clear();
                refilter(app);
            }
            Vec::new()
        }
        Action::Filter => {
            app.layers.push(Layer::Filter);
            Vec::new()
        }
        Action::CommandBar => {
            app.layers.push(Layer::CommandBar {
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
        Action::History => super::overlay::history::open_history(app),
        Action::Help => {
            app.layers.push(Layer::Help { scroll: 0 });
            Vec::new()
        }
        Action::Quit => {
            app.quit = true;
            vec![Command::Quit]
        }
    }
}

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

mod detail;
mod list;
mod worker_results;

use super::overlay::command_bar::on_command_bar_key;
use super::overlay::confirm_delete::{ask_delete, on_confirm_key};
use super::overlay::filter::on_filter_key;
use super::overlay::help::on_help_key;
use super::overlay::test_all::{on_test_all_key, test_all};
use detail::{copy_id_or_value, copy_name, on_copied, reveal};
pub use detail::{detail_keys, is_withheld};
pub use list::keep_cursor_in_view;
pub(crate) use list::{fetch_detail, refilter, selection_changed};
use list::{move_cursor, page};

use worker_results::on_reply;
pub use worker_results::test_result;
pub(crate) use worker_results::{test_outcome, test_summary};

#[cfg(test)]
mod stack_tests;
#[cfg(test)]
mod tables_tests;
#[cfg(test)]
mod tests;
