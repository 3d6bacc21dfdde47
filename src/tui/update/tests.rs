//! Reducer tests: a state, a message, then the state and the commands. No terminal, no network.

use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tonic::Code;

use super::*;
use crate::client::ClientError;
use crate::domain::{Kind, Secret};
use crate::proto::{Integration, IntegrationWithSecrets, SecretSource, TestIntegrationResponse};
use crate::tui::app::{SortKey, TestStatus};
use crate::tui::clipboard::Fingerprint;
use crate::tui::fixtures::{key_row, local_app};
use crate::tui::layer::Layer;
use crate::tui::msg::{Outcome, Reply, RequestId};

pub fn integration(id: &str, name: &str, kind: Kind) -> Integration {
    Integration {
        id: id.into(),
        name: Some(name.into()),
        kind: kind.to_wire() as i32,
        environment_id: "env-1".into(),
        ..Default::default()
    }
}

fn app_with(env: &str, readonly: bool) -> App {
    local_app(env, readonly)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| update(app, key(KeyCode::Char(c))))
        .collect()
}

/// The id of the only `Send` among `commands` for a request matching `is`.
fn sent(commands: &[Command], is: impl Fn(&Request) -> bool) -> RequestId {
    let ids: Vec<RequestId> = commands
        .iter()
        .filter_map(|command| match command {
            Command::Send { id, request } if is(request) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "expected one matching request in {commands:?}"
    );
    ids[0]
}

fn reply(app: &mut App, id: RequestId, outcome: Outcome) -> Vec<Command> {
    update(app, Msg::Reply(Reply { id, outcome }))
}

/// An app that listed three sources and fetched the first one's detail.
fn loaded(env: &str, readonly: bool) -> App {
    let mut app = app_with(env, readonly);
    let commands = init(&mut app);
    let list = sent(&commands, |r| *r == Request::List);
    let commands = reply(
        &mut app,
        list,
        Outcome::Listed(Ok(vec![
            integration("id-b", "orders_pg", Kind::Postgresql),
            integration("id-a", "events", Kind::Kafka),
            integration("id-c", "warehouse", Kind::Snowflake),
        ])),
    );
    let get = sent(
        &commands,
        |r| matches!(r, Request::Get { id } if id == "id-a"),
    );
    reply(&mut app, get, Outcome::Detail(Ok(detail("id-a"))));
    app
}

fn detail(id: &str) -> IntegrationWithSecrets {
    IntegrationWithSecrets {
        integration: Some(integration(id, "x", Kind::Postgresql)),
        secrets: vec![
            key_row("PGPASSWORD", None, SecretSource::Managed, "X_PGPASSWORD"),
            key_row(
                "PGHOST",
                Some("db.internal"),
                SecretSource::Managed,
                "X_PGHOST",
            ),
            key_row("PGUSER", None, SecretSource::External, "pg_user"),
        ],
    }
}

/// Presses `x` on the detail cursor (expected on PGPASSWORD) and answers the reveal with `value`.
fn reveal_password(app: &mut App, value: &str) {
    let commands = update(app, key(KeyCode::Char('x')));
    let reveal = sent(
        &commands,
        |r| matches!(r, Request::Reveal { key, .. } if key == "PGPASSWORD"),
    );
    reply(app, reveal, Outcome::Revealed(Ok(Secret::new(value))));
}

/// A clock tick at `now`.
fn tick_at(app: &mut App, now: Instant) -> Vec<Command> {
    update(
        app,
        Msg::Tick {
            now,
            wall: SystemTime::now(),
        },
    )
}

fn selected_name(app: &App) -> String {
    app.selected_integration()
        .and_then(|i| i.name.clone())
        .unwrap_or_default()
}

#[test]
fn init_asks_for_the_list_and_the_answer_sorts_by_name_and_fetches_the_first_detail() {
    let app = loaded("default", false);
    assert!(app.loaded);
    assert_eq!(selected_name(&app), "events");
    assert!(app.details.contains_key("id-a"));
    assert!(app.pending.is_empty());
}

#[test]
fn moving_with_vim_keys_and_arrows_fetches_each_detail_once() {
    let mut app = loaded("default", false);
    let commands = update(&mut app, key(KeyCode::Char('j')));
    assert_eq!(selected_name(&app), "orders_pg");
    sent(
        &commands,
        |r| matches!(r, Request::Get { id } if id == "id-b"),
    );
    let commands = update(&mut app, key(KeyCode::Down));
    assert_eq!(selected_name(&app), "warehouse");
    assert!(
        commands.iter().any(|c| matches!(c, Command::Cancel(_))),
        "older detail request cancelled"
    );
    update(&mut app, key(KeyCode::Char('k')));
    update(&mut app, key(KeyCode::Up));
    assert_eq!(selected_name(&app), "events");
    // Back on a cached detail: nothing to fetch.
    assert!(update(&mut app, key(KeyCode::Char('k'))).is_empty());
    update(&mut app, key(KeyCode::Char('G')));
    assert_eq!(selected_name(&app), "warehouse");
    update(&mut app, key(KeyCode::Char('g')));
    assert_eq!(selected_name(&app), "events");
    update(&mut app, key(KeyCode::PageDown));
    assert_eq!(selected_name(&app), "warehouse");
    update(&mut app, key(KeyCode::PageUp));
    assert_eq!(selected_name(&app), "events");
}

#[test]
fn a_stale_detail_answer_is_dropped() {
    let mut app = loaded("default", false);
    let commands = update(&mut app, key(KeyCode::Char('j')));
    let first = sent(&commands, |r| matches!(r, Request::Get { .. }));
    update(&mut app, key(KeyCode::Char('j')));
    // The first request was superseded: its answer changes nothing.
    reply(&mut app, first, Outcome::Detail(Ok(detail("id-b"))));
    assert!(!app.details.contains_key("id-b"));
    // An answer to an id never sent is ignored as well.
    reply(&mut app, 999, Outcome::Listed(Ok(vec![])));
    assert_eq!(app.integrations.len(), 3);
}

#[test]
fn tab_and_enter_switch_focus_and_esc_returns() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Detail);
    update(&mut app, key(KeyCode::Char('j')));
    assert_eq!(
        app.detail_cursor, 1,
        "j moves the detail cursor while the detail has focus"
    );
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.focus, Focus::List);
    update(&mut app, key(KeyCode::Tab));
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn filter_narrows_live_inverts_with_bang_keeps_on_enter_and_clears_on_esc() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('/')));
    chars(&mut app, "ORD");
    assert_eq!(app.visible.len(), 1);
    assert_eq!(selected_name(&app), "orders_pg");
    update(&mut app, key(KeyCode::Enter));
    assert!(!app.filter_editing());
    assert_eq!(app.visible.len(), 1, "Enter keeps the filter");
    update(&mut app, key(KeyCode::Char('/')));
    update(&mut app, key(KeyCode::Backspace));
    update(&mut app, key(KeyCode::Backspace));
    update(&mut app, key(KeyCode::Backspace));
    chars(&mut app, "!kafka");
    assert_eq!(app.visible.len(), 2);
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.visible.len(), 3);
    assert!(app.filter.text.is_empty());
}

#[test]
fn command_bar_filters_by_kind_switches_environment_and_quits() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char(':')));
    chars(&mut app, "kind postgresql");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.kind_filter, Some(Kind::Postgresql));
    assert_eq!(app.visible.len(), 1);
    update(&mut app, key(KeyCode::Char(':')));
    chars(&mut app, "kind");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.kind_filter, None);
    update(&mut app, key(KeyCode::Char(':')));
    chars(&mut app, "pg");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.kind_filter, Some(Kind::Postgresql), ":pg is an alias");
    update(&mut app, key(KeyCode::Char(':')));
    chars(&mut app, "nonsense");
    update(&mut app, key(KeyCode::Enter));
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("unknown command"))
    );
    update(&mut app, key(KeyCode::Char(':')));
    chars(&mut app, "env staging");
    let commands = update(&mut app, key(KeyCode::Enter));
    let switch = sent(
        &commands,
        |r| matches!(r, Request::SwitchEnvironment { name } if name == "staging"),
    );
    let commands = reply(
        &mut app,
        switch,
        Outcome::EnvironmentSwitched(Ok("staging".into())),
    );
    assert_eq!(app.environment, "staging");
    assert!(app.integrations.is_empty());
    sent(&commands, |r| *r == Request::List);
    update(&mut app, key(KeyCode::Char(':')));
    chars(&mut app, "q");
    let commands = update(&mut app, key(KeyCode::Enter));
    assert_eq!(commands, vec![Command::Quit]);
}

#[test]
fn s_cycles_the_sort_and_the_cursor_stays_on_its_source() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('j')));
    let before = selected_name(&app);
    for expected in [
        SortKey::Kind,
        SortKey::Updated,
        SortKey::Status,
        SortKey::Name,
    ] {
        update(&mut app, key(KeyCode::Char('s')));
        assert_eq!(app.sort, expected);
        assert_eq!(selected_name(&app), before);
    }
}

#[test]
fn r_refreshes_once_even_when_pressed_twice() {
    let mut app = loaded("default", false);
    let first = update(&mut app, key(KeyCode::Char('r')));
    sent(&first, |r| *r == Request::List);
    assert!(update(&mut app, key(KeyCode::Char('r'))).is_empty());
}

#[test]
fn t_tests_the_selected_source_and_the_answer_lands_in_the_list_and_flash() {
    let mut app = loaded("default", false);
    let commands = update(&mut app, key(KeyCode::Char('t')));
    let test = sent(
        &commands,
        |r| matches!(r, Request::Test { id } if id == "id-a"),
    );
    assert!(matches!(
        app.tests.get("id-a"),
        Some(TestStatus::Running { .. })
    ));
    assert!(
        update(&mut app, key(KeyCode::Char('t'))).is_empty(),
        "no second test while one runs"
    );
    reply(
        &mut app,
        test,
        Outcome::Tested(Ok(TestIntegrationResponse {
            kind: "KAFKA".into(),
            success: true,
            message: "metadata ok".into(),
            latency_seconds: Some(0.012),
            preview_messages: vec![crate::proto::PreviewedMessage {
                value_base64: "aGVsbG8=".into(),
                key_base64: Some("azE=".into()),
                topic: "t".into(),
                partition: "0".into(),
                offset: "7".into(),
                timestamp_ms: 1,
            }],
        })),
    );
    let Some(TestStatus::Done(result)) = app.tests.get("id-a") else {
        panic!("test result kept");
    };
    assert!(result.success);
    assert_eq!(result.latency_ms, Some(12));
    assert_eq!(result.preview[0].value, "hello");
    assert_eq!(result.preview[0].key, "k1");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("ok in 12 ms"))
    );
}

#[test]
fn a_test_that_cannot_run_is_a_failure_with_the_reason() {
    let mut app = loaded("default", false);
    let commands = update(&mut app, key(KeyCode::Char('t')));
    let test = sent(&commands, |r| matches!(r, Request::Test { .. }));
    reply(
        &mut app,
        test,
        Outcome::Tested(Err(ClientError::new(
            Code::DeadlineExceeded,
            "no answer within 40 s",
        ))),
    );
    let Some(TestStatus::Done(result)) = app.tests.get("id-a") else {
        panic!("kept");
    };
    assert!(!result.success);
    assert!(result.message.contains("no answer within 40 s"));
}

#[test]
fn test_all_runs_every_shown_source_cancels_and_retries_only_failures() {
    let mut app = loaded("default", false);
    let commands = update(&mut app, key(KeyCode::Char('T')));
    let tests: Vec<(RequestId, String)> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Send {
                id,
                request: Request::Test { id: source },
            } => Some((*id, source.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(tests.len(), 3);
    let ok = |ok: bool| {
        Outcome::Tested(Ok(TestIntegrationResponse {
            success: ok,
            message: if ok {
                "ok".into()
            } else {
                "connect failed: refused".into()
            },
            ..Default::default()
        }))
    };
    reply(&mut app, tests[0].0, ok(true));
    reply(&mut app, tests[1].0, ok(false));
    // Esc cancels the one still running.
    let commands = update(&mut app, key(KeyCode::Esc));
    assert_eq!(commands, vec![Command::Cancel(vec![tests[2].0])]);
    let Some(Layer::TestAll(state)) = app.top() else {
        panic!("the table stays open after cancelling");
    };
    assert!(state.cancelled && state.running.is_empty());
    // A late answer for the cancelled test is dropped.
    reply(&mut app, tests[2].0, ok(true));
    assert!(!app.tests.contains_key(&tests[2].1));
    // f retries the failure and the never-finished one, not the success.
    let commands = update(&mut app, key(KeyCode::Char('f')));
    let retried: Vec<String> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Send {
                request: Request::Test { id },
                ..
            } => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(retried.len(), 2);
    assert!(!retried.contains(&tests[0].1));
}

#[test]
fn delete_asks_with_cancel_as_the_default() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('d')));
    assert!(
        matches!(app.top(), Some(Layer::ConfirmDelete(c)) if !c.delete_chosen && c.typed.is_none())
    );
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "Enter on the default cancels"
    );
    assert!(app.top().is_none());
    update(&mut app, key(KeyCode::Char('d')));
    update(&mut app, key(KeyCode::Right));
    let commands = update(&mut app, key(KeyCode::Enter));
    let delete = sent(
        &commands,
        |r| matches!(r, Request::Delete { id } if id == "id-a"),
    );
    let commands = reply(&mut app, delete, Outcome::Deleted(Ok(())));
    assert_eq!(app.integrations.len(), 2);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text == "deleted events")
    );
    sent(&commands, |r| matches!(r, Request::Get { .. }));
}

#[test]
fn in_production_delete_needs_the_typed_name() {
    let mut app = loaded("prod-eu", false);
    update(&mut app, key(KeyCode::Char('d')));
    assert!(matches!(app.top(), Some(Layer::ConfirmDelete(c)) if c.typed.is_some()));
    chars(&mut app, "event");
    assert!(
        update(&mut app, key(KeyCode::Enter)).is_empty(),
        "a wrong name deletes nothing"
    );
    assert!(app.top().is_some());
    chars(&mut app, "s");
    let commands = update(&mut app, key(KeyCode::Enter));
    sent(&commands, |r| matches!(r, Request::Delete { .. }));
}

#[test]
fn a_failed_delete_keeps_the_source_and_says_why() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('d')));
    update(&mut app, key(KeyCode::Right));
    let commands = update(&mut app, key(KeyCode::Enter));
    let delete = sent(&commands, |r| matches!(r, Request::Delete { .. }));
    reply(
        &mut app,
        delete,
        Outcome::Deleted(Err(ClientError::new(Code::PermissionDenied, "not allowed"))),
    );
    assert_eq!(app.integrations.len(), 3);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("not allowed"))
    );
}

#[test]
fn readonly_has_no_delete() {
    let mut app = loaded("default", true);
    assert!(update(&mut app, key(KeyCode::Char('d'))).is_empty());
    assert!(app.top().is_none());
    // Non-mutating actions still work.
    let commands = update(&mut app, key(KeyCode::Char('t')));
    sent(&commands, |r| matches!(r, Request::Test { .. }));
}

#[test]
fn reveal_fetches_one_key_and_masks_again_after_30_s_or_on_move() {
    let mut app = loaded("default", false);
    // Outside the detail pane, x explains itself.
    assert!(update(&mut app, key(KeyCode::Char('x'))).is_empty());
    update(&mut app, key(KeyCode::Tab));
    // Row 0 is PGHOST (sorted), a plain value: nothing to reveal.
    assert!(update(&mut app, key(KeyCode::Char('x'))).is_empty());
    update(&mut app, key(KeyCode::Char('j')));
    reveal_password(&mut app, "hunter2");
    assert_eq!(
        app.revealed.as_ref().map(|r| r.value.expose()),
        Some("hunter2")
    );
    let start = app.now;
    tick_at(&mut app, start + Duration::from_secs(29));
    assert!(app.revealed.is_some());
    tick_at(&mut app, start + REVEAL_FOR);
    assert!(app.revealed.is_none(), "masked again after 30 s");
    // Reveal again, then move the selection: masked at once.
    reveal_password(&mut app, "hunter2");
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::Char('j')));
    assert!(app.revealed.is_none());
}

#[test]
fn copying_a_secret_needs_a_reveal_and_the_clipboard_is_cleared_after_30_s() {
    let mut app = loaded("default", false);
    let commands = update(&mut app, key(KeyCode::Char('y')));
    assert!(matches!(&commands[..], [Command::Copy { what, secret: false, .. }] if what == "id"));
    let commands = update(&mut app, key(KeyCode::Char('Y')));
    assert!(matches!(&commands[..], [Command::Copy { text, .. }] if text.expose() == "events"));
    update(&mut app, key(KeyCode::Tab));
    update(&mut app, key(KeyCode::Char('j'))); // PGPASSWORD
    assert!(
        update(&mut app, key(KeyCode::Char('y'))).is_empty(),
        "not while masked"
    );
    reveal_password(&mut app, "hunter2");
    let commands = update(&mut app, key(KeyCode::Char('y')));
    assert!(
        matches!(&commands[..], [Command::Copy { secret: true, text, .. }] if text.expose() == "hunter2")
    );
    let now = app.now;
    let commands = tick_at(&mut app, now + REVEAL_FOR);
    assert_eq!(
        commands,
        vec![Command::ClearClipboard {
            if_holding: Fingerprint::of("hunter2")
        }]
    );
    // A linked key copies the secret's name, never a value.
    update(&mut app, key(KeyCode::Char('j')));
    let commands = update(&mut app, key(KeyCode::Char('y')));
    assert!(
        matches!(&commands[..], [Command::Copy { text, secret: false, .. }] if text.expose() == "pg_user")
    );
}

#[test]
fn help_opens_on_question_mark_and_any_key_closes() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('?')));
    assert!(matches!(app.top(), Some(Layer::Help { .. })));
    update(&mut app, key(KeyCode::Esc));
    assert!(app.top().is_none());
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = loaded("default", false);
    assert_eq!(
        update(&mut app, key(KeyCode::Char('q'))),
        vec![Command::Quit]
    );
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('/')));
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(
        update(&mut app, ctrl_c),
        vec![Command::Quit],
        "even while typing a filter"
    );
    assert!(app.quit);
}

#[test]
fn a_list_error_is_kept_and_a_reconnect_reloads() {
    let mut app = app_with("default", false);
    let commands = init(&mut app);
    let list = sent(&commands, |r| *r == Request::List);
    reply(
        &mut app,
        list,
        Outcome::Listed(Err(ClientError::new(
            Code::Unavailable,
            "connection refused",
        ))),
    );
    assert_eq!(app.list_error.as_deref(), Some("connection refused"));
    let mut app = loaded("default", false);
    update(
        &mut app,
        Msg::Connection(ConnectionState::Disconnected {
            reason: "gone".into(),
            retry_at: Instant::now(),
        }),
    );
    let commands = update(
        &mut app,
        Msg::Connection(ConnectionState::Connected {
            environment: "default".into(),
            environment_id: "env-1".into(),
        }),
    );
    sent(&commands, |r| *r == Request::List);
}

#[test]
fn flashes_expire() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Char('s')));
    assert!(app.flash.is_some());
    let now = app.now;
    tick_at(&mut app, now + FLASH_FOR);
    assert!(app.flash.is_none());
}

#[test]
fn alt_key_from_a_quick_escape_counts_as_escape_then_the_key() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Detail);
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::ALT)),
    );
    assert_eq!(app.focus, Focus::List);
    assert_eq!(selected_name(&app), "orders_pg");
}

#[test]
fn debug_output_of_the_state_and_messages_never_shows_a_revealed_secret() {
    let mut app = loaded("default", false);
    update(&mut app, key(KeyCode::Tab));
    update(&mut app, key(KeyCode::Char('j')));
    let commands = update(&mut app, key(KeyCode::Char('x')));
    let reveal = sent(&commands, |r| matches!(r, Request::Reveal { .. }));
    let answer = Msg::Reply(Reply {
        id: reveal,
        outcome: Outcome::Revealed(Ok(Secret::new("hunter2-debug"))),
    });
    assert!(!format!("{answer:?}").contains("hunter2-debug"));
    update(&mut app, answer);
    let copy = update(&mut app, key(KeyCode::Char('y')));
    assert!(app.revealed.is_some());
    assert!(
        !format!("{app:?}").contains("hunter2-debug"),
        "a log or panic of the state"
    );
    assert!(
        !format!("{copy:?}").contains("hunter2-debug"),
        "a log of the commands"
    );
}

/// Effects report back as messages; only `update` turns them into state (issue 10 item 4).
#[test]
fn copy_clear_and_list_rows_come_back_as_messages() {
    let mut app = loaded("default", false);
    update(
        &mut app,
        Msg::Copied {
            what: "PGPASSWORD".into(),
            secret: true,
            result: Ok(crate::tui::clipboard::Route::Osc52),
        },
    );
    let text = &app.flash.as_ref().unwrap().text;
    assert!(text.contains("cleared in 30 s"), "{text}");
    update(
        &mut app,
        Msg::Copied {
            what: "id".into(),
            secret: false,
            result: Err("no clipboard".into()),
        },
    );
    assert!(app.flash.as_ref().unwrap().error);
    app.flash = None;
    update(&mut app, Msg::ClipboardCleared(Ok(false)));
    assert!(
        app.flash.is_none(),
        "a clipboard holding something else is left alone, quietly"
    );
    update(&mut app, Msg::ClipboardCleared(Ok(true)));
    assert_eq!(app.flash.as_ref().unwrap().text, "clipboard cleared");
    update(&mut app, Msg::ListRows(17));
    assert_eq!(app.page, 17);
}
