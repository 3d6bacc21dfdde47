//! Reducer tests of the form: opening it, typed input per field type, the requests a save and a
//! draft test send (exact config, only changed keys), where answers land, and nothing lost.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tonic::Code;

use crate::client::ClientError;
use crate::domain::{ConfigValue, Kind, Secret};
use crate::proto::{Integration, IntegrationWarning, IntegrationWithSecrets};
use crate::tui::app::App;
use crate::tui::fixtures::{local_app, saved_postgres};
use crate::tui::form::{DraftTest, Form, Prompt, Slot};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Msg, Outcome, Reply, Request, RequestId};
use crate::tui::update::{init, update};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    update(app, key(code))
}

fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| update(app, key(KeyCode::Char(c))))
        .collect()
}

fn reply(app: &mut App, id: RequestId, outcome: Outcome) -> Vec<Command> {
    update(app, Msg::Reply(Reply { id, outcome }))
}

/// The one `Send` among `commands`.
fn the_send(commands: &[Command]) -> (RequestId, Request) {
    let sends: Vec<(RequestId, Request)> = commands
        .iter()
        .filter_map(|command| match command {
            Command::Send { id, request } => Some((*id, request.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(sends.len(), 1, "one request expected in {commands:?}");
    sends.into_iter().next().unwrap()
}

/// The flash line's text ("" when there is none).
fn flash_text(app: &App) -> &str {
    app.flash.as_ref().map_or("", |flash| flash.text.as_str())
}

fn flash_is_error(app: &App) -> bool {
    app.flash.as_ref().is_some_and(|flash| flash.error)
}

fn form(app: &App) -> &Form {
    app.form()
        .unwrap_or_else(|| panic!("no form open: {:?}", app.layers))
}

fn pg_detail() -> IntegrationWithSecrets {
    saved_postgres("id-pg")
}

fn pg_integration() -> Integration {
    pg_detail()
        .integration
        .expect("the fixture has its integration")
}

/// The console with one PostgreSQL source listed and, when `with_detail`, its detail fetched.
fn listed(with_detail: bool, readonly: bool) -> App {
    let mut app = local_app("default", readonly);
    let (list, _) = the_send(&init(&mut app));
    let commands = reply(&mut app, list, Outcome::Listed(Ok(vec![pg_integration()])));
    let (get, _) = the_send(&commands);
    if with_detail {
        reply(&mut app, get, Outcome::Detail(Ok(pg_detail())));
    } else {
        app.pending.clear();
    }
    app
}

/// Moves the form's cursor onto `key` by pressing Down (the optional keys shown first if needed).
fn focus_key(app: &mut App, key_name: &str) {
    let index = form(app).field_index(key_name).expect("key in the form");
    if form(app).fields[index].is_optional() && !form(app).show_optional {
        update(app, ctrl('o'));
    }
    for _ in 0..200 {
        if form(app).current() == Slot::Field(index) {
            return;
        }
        let before = form(app).cursor;
        press(app, KeyCode::Down);
        if form(app).cursor == before {
            for _ in 0..200 {
                press(app, KeyCode::Up);
            }
        }
    }
    panic!("could not reach {key_name}");
}

/// `n`, pick `filter`'s first kind, Enter.
fn new_form(app: &mut App, filter: &str) {
    press(app, KeyCode::Char('n'));
    assert!(matches!(app.top(), Some(Layer::PickKind(_))));
    type_text(app, filter);
    press(app, KeyCode::Enter);
}

fn fill_postgres(app: &mut App) {
    type_text(app, "orders_pg");
    for (key_name, value) in [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", "5432"),
        ("PGDATABASE", "test"),
        ("PGUSER", "postgres"),
    ] {
        focus_key(app, key_name);
        type_text(app, value);
    }
}

#[test]
fn n_picks_a_kind_then_opens_its_blank_form_and_esc_leaves_a_clean_one() {
    let mut app = listed(true, false);
    new_form(&mut app, "snowf");
    assert_eq!(form(&app).kind(), Kind::Snowflake);
    assert!(form(&app).is_new());
    assert_eq!(form(&app).current(), Slot::Name);
    press(&mut app, KeyCode::Esc);
    assert!(!app.form_screen_open(), "nothing typed: no question");
}

#[test]
fn readonly_opens_no_form() {
    let mut app = listed(true, true);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('e'));
    assert!(!app.form_screen_open());
}

#[test]
fn create_sends_exactly_the_typed_config_after_the_review() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    fill_postgres(&mut app);
    focus_key(&mut app, "PGPASSWORD");
    type_text(&mut app, "typed-pw");
    assert!(update(&mut app, ctrl('s')).is_empty(), "first the review");
    assert_eq!(app.prompt().cloned(), Some(Prompt::Review));
    let (id, request) = the_send(&press(&mut app, KeyCode::Enter));
    let Request::Create { kind, name, config } = request else {
        panic!("a create");
    };
    assert_eq!((kind, name.as_str()), (Kind::Postgresql, "orders_pg"));
    let literal = |v: &str| ConfigValue::Literal(Secret::new(v));
    assert_eq!(config["PGHOST"], literal("127.0.0.1"));
    assert_eq!(config["PGPORT"], literal("5432"));
    assert_eq!(config["PGPASSWORD"], literal("typed-pw"));
    assert_eq!(config.len(), 5, "only what was typed: {:?}", config.keys());
    assert_eq!(form(&app).saving, Some(id));

    let mut saved = pg_integration();
    saved.id = "id-new".into();
    let commands = reply(&mut app, id, Outcome::Saved(Ok(saved)));
    assert!(!app.form_screen_open(), "saved without warnings: closed");
    let (_, request) = the_send(&commands);
    assert_eq!(request, Request::List);
    assert_eq!(app.select_when_listed.as_deref(), Some("id-new"));
    assert!(flash_text(&app).contains("created orders_pg"));
}

#[test]
fn a_save_with_problems_is_refused_and_the_cursor_jumps_to_the_first() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    type_text(&mut app, "orders_pg");
    focus_key(&mut app, "PGUSER");
    let commands = update(&mut app, ctrl('s'));
    assert!(commands.is_empty());
    assert_eq!(app.prompt().cloned(), None);
    assert!(form(&app).attempted);
    let host = form(&app).field_index("PGHOST").unwrap();
    assert_eq!(form(&app).current(), Slot::Field(host));
    assert!(flash_is_error(&app));
}

#[test]
fn ports_take_digits_only_and_say_so() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    focus_key(&mut app, "PGPORT");
    type_text(&mut app, "54x32");
    let port = form(&app).field_index("PGPORT").unwrap();
    assert_eq!(form(&app).fields[port].literal.expose(), "5432");
    assert!(flash_text(&app).contains("PGPORT takes a port"));
}

#[test]
fn choices_cycle_with_arrows_and_space() {
    let mut app = listed(true, false);
    new_form(&mut app, "kafka");
    focus_key(&mut app, "KAFKA_SASL_MECHANISM");
    let index = form(&app).field_index("KAFKA_SASL_MECHANISM").unwrap();
    let choices = form(&app).fields[index].spec.unwrap().choices.clone();
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).fields[index].literal.expose(), choices[0]);
    type_text(&mut app, " ");
    assert_eq!(form(&app).fields[index].literal.expose(), choices[1]);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    assert!(form(&app).fields[index].literal.is_empty(), "back to unset");
    focus_key(&mut app, "KAFKA_MSK_IAM_AUTH");
    let flag = form(&app).field_index("KAFKA_MSK_IAM_AUTH").unwrap();
    press(&mut app, KeyCode::Enter);
    assert_eq!(form(&app).fields[flag].literal.expose(), "true");
}

#[test]
fn multiline_values_use_the_editor_and_esc_keeps_the_text() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    focus_key(&mut app, "ENGINE_ARGUMENTS");
    press(&mut app, KeyCode::Enter);
    assert!(app.editor().is_some());
    type_text(&mut app, "{\"pool_size\":");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, " 5}");
    press(&mut app, KeyCode::Esc);
    assert!(app.editor().is_none());
    assert!(
        app.form_screen_open(),
        "Esc closed the editor, not the form"
    );
    let index = form(&app).field_index("ENGINE_ARGUMENTS").unwrap();
    assert_eq!(
        form(&app).fields[index].literal.expose(),
        "{\"pool_size\":\n 5}"
    );
}

#[test]
fn a_base64_key_loads_a_file_through_a_command_and_its_answer() {
    let mut app = listed(true, false);
    new_form(&mut app, "bigquery");
    let key_name = "BQ_CREDENTIALS_BASE64";
    let Some(index) = form(&app).field_index(key_name) else {
        panic!("BigQuery's base64 credentials key");
    };
    focus_key(&mut app, key_name);
    update(&mut app, ctrl('f'));
    type_text(&mut app, "~/sa.json");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::LoadFile {
            key: key_name.into(),
            path: "~/sa.json".into(),
            encode: true,
        }]
    );
    update(
        &mut app,
        Msg::FileLoaded {
            key: key_name.into(),
            path: "~/sa.json".into(),
            result: Ok(Secret::new("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=")),
        },
    );
    assert_eq!(
        form(&app).fields[index].literal.expose(),
        "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0="
    );
    update(
        &mut app,
        Msg::FileLoaded {
            key: key_name.into(),
            path: "/nope".into(),
            result: Err("cannot read /nope: not found".into()),
        },
    );
    assert!(flash_is_error(&app));
}

#[test]
fn e_opens_the_saved_source_and_the_update_sends_only_changed_keys() {
    let mut app = listed(true, false);
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(form(&app).integration_id(), Some("id-pg"));
    focus_key(&mut app, "PGPORT");
    update(&mut app, ctrl('u'));
    type_text(&mut app, "5433");
    update(&mut app, ctrl('s'));
    let (_, request) = the_send(&press(&mut app, KeyCode::Enter));
    let Request::Update { id, name, changes } = request else {
        panic!("an update");
    };
    assert_eq!((id.as_str(), name), ("id-pg", None));
    assert_eq!(
        changes.into_iter().collect::<Vec<_>>(),
        vec![(
            "PGPORT".to_string(),
            ConfigValue::Literal(Secret::new("5433"))
        )]
    );
}

#[test]
fn e_without_the_detail_fetches_it_first() {
    let mut app = listed(false, false);
    let (get, request) = the_send(&press(&mut app, KeyCode::Char('e')));
    assert_eq!(request, Request::Get { id: "id-pg".into() });
    assert!(!app.form_screen_open());
    reply(&mut app, get, Outcome::Detail(Ok(pg_detail())));
    assert_eq!(form(&app).name, "orders_pg");
}

#[test]
fn nothing_changed_is_not_saved() {
    let mut app = listed(true, false);
    press(&mut app, KeyCode::Char('e'));
    assert!(update(&mut app, ctrl('s')).is_empty());
    assert_eq!(app.prompt().cloned(), None);
    assert!(flash_text(&app).contains("nothing changed"));
}

#[test]
fn a_rename_sends_the_new_name() {
    let mut app = listed(true, false);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "_v2");
    update(&mut app, ctrl('s'));
    let (_, request) = the_send(&press(&mut app, KeyCode::Enter));
    assert!(
        matches!(request, Request::Update { name: Some(ref n), ref changes, .. } if n == "orders_pg_v2" && changes.is_empty()),
        "{request:?}"
    );
}

#[test]
fn the_draft_test_carries_the_saved_id_and_its_result_lands_on_the_form() {
    let mut app = listed(true, false);
    press(&mut app, KeyCode::Char('e'));
    focus_key(&mut app, "PGPORT");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "3");
    let (id, request) = the_send(&update(&mut app, ctrl('t')));
    let Request::TestDraft {
        kind,
        integration_id,
        config,
    } = request
    else {
        panic!("a draft test");
    };
    assert_eq!(kind, Kind::Postgresql);
    assert_eq!(integration_id.as_deref(), Some("id-pg"));
    assert_eq!(config.len(), 1, "untouched keys come from the saved source");
    assert!(matches!(form(&app).test, Some(DraftTest::Running { .. })));
    reply(
        &mut app,
        id,
        Outcome::Tested(Ok(crate::proto::TestIntegrationResponse {
            success: false,
            message: "connect failed: connection refused".into(),
            latency_seconds: Some(0.004),
            ..Default::default()
        })),
    );
    let Some(DraftTest::Done(result)) = &form(&app).test else {
        panic!("a result");
    };
    assert!(!result.success);
    assert_eq!(result.latency_ms, Some(4));
    assert!(flash_text(&app).contains("draft test failed in 4 ms"));
    // Only the form's background fetch of secret names is left.
    assert!(
        app.pending.values().all(|r| *r == Request::SecretNames),
        "{:?}",
        app.pending
    );
}

#[test]
fn a_refused_save_lands_on_the_field_it_names_and_keeps_every_value() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    fill_postgres(&mut app);
    update(&mut app, ctrl('s'));
    let (id, _) = the_send(&press(&mut app, KeyCode::Enter));
    reply(
        &mut app,
        id,
        Outcome::Saved(Err(ClientError::new(
            Code::InvalidArgument,
            "PGHOST: the server refuses this host",
        ))),
    );
    let host = form(&app).field_index("PGHOST").unwrap();
    assert_eq!(
        form(&app).fields[host].server_message.as_deref(),
        Some("the server refuses this host")
    );
    assert_eq!(form(&app).current(), Slot::Field(host));
    assert_eq!(form(&app).fields[host].literal.expose(), "127.0.0.1");
    assert_eq!(form(&app).saving, None);

    update(&mut app, ctrl('s'));
    assert_eq!(
        app.prompt().cloned(),
        None,
        "the server's error blocks until edited"
    );
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "1");
    update(&mut app, ctrl('s'));
    let (id, _) = the_send(&press(&mut app, KeyCode::Enter));
    reply(
        &mut app,
        id,
        Outcome::Saved(Err(ClientError::new(
            Code::AlreadyExists,
            "name: an integration named orders_pg already exists",
        ))),
    );
    assert!(form(&app).name_message.is_some());
    assert_eq!(form(&app).current(), Slot::Name);
}

#[test]
fn a_save_with_warnings_reopens_the_saved_source_with_them_on_the_keys() {
    let mut app = listed(true, false);
    press(&mut app, KeyCode::Char('e'));
    focus_key(&mut app, "PGPORT");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "3");
    update(&mut app, ctrl('s'));
    let (id, _) = the_send(&press(&mut app, KeyCode::Enter));
    let mut saved = pg_integration();
    saved.warnings.push(IntegrationWarning {
        code: 0,
        title: "Weak".into(),
        message: "PGPORT 5433 is unusual".into(),
        config_keys: vec!["PGPORT".into()],
    });
    let commands = reply(&mut app, id, Outcome::Saved(Ok(saved)));
    assert!(!app.form_screen_open());
    let get = commands
        .iter()
        .find_map(|c| match c {
            Command::Send {
                id,
                request: Request::Get { .. },
            } => Some(*id),
            _ => None,
        })
        .expect("the detail is fetched again");
    reply(&mut app, get, Outcome::Detail(Ok(pg_detail())));
    assert_eq!(
        form(&app).server_warnings.get("PGPORT").map(String::as_str),
        Some("PGPORT 5433 is unusual")
    );
}

#[test]
fn leaving_a_changed_form_asks_and_ctrl_c_asks_before_quitting() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    type_text(&mut app, "half_done");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.prompt().cloned(), Some(Prompt::Discard));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.prompt().cloned(), None);
    assert_eq!(form(&app).name, "half_done", "kept");
    let commands = update(&mut app, ctrl('c'));
    assert!(commands.is_empty() && !app.quit);
    assert_eq!(app.prompt().cloned(), Some(Prompt::Discard));
    assert_eq!(update(&mut app, ctrl('c')), vec![Command::Quit]);
    assert!(app.quit);

    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    type_text(&mut app, "x");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    assert!(!app.form_screen_open());
}

#[test]
fn link_reveal_and_keep_clear_keys() {
    let mut app = listed(true, false);
    press(&mut app, KeyCode::Char('e'));
    focus_key(&mut app, "PGPASSWORD");
    let index = form(&app).field_index("PGPASSWORD").unwrap();
    update(&mut app, ctrl('k'));
    assert!(form(&app).fields[index].clear);
    update(&mut app, ctrl('k'));
    assert!(!form(&app).fields[index].clear);
    type_text(&mut app, "pw");
    update(&mut app, ctrl('r'));
    assert!(form(&app).fields[index].revealed);
    press(&mut app, KeyCode::Down);
    assert!(!form(&app).fields[index].revealed, "masked on leaving");
    press(&mut app, KeyCode::Up);
    update(&mut app, ctrl('l'));
    assert!(form(&app).fields[index].linked);
    type_text(&mut app, "prod/pg");
    assert_eq!(form(&app).fields[index].reference, "prod/pg");
    assert_eq!(form(&app).fields[index].literal.expose(), "pw");
}

#[test]
fn a_custom_key_is_added_from_the_prompt() {
    let mut app = listed(true, false);
    new_form(&mut app, "postgres");
    update(&mut app, ctrl('a'));
    type_text(&mut app, "PGHOTS");
    press(&mut app, KeyCode::Enter);
    assert!(form(&app).field_index("PGHOTS").is_some());
    assert!(flash_text(&app).contains("did you mean PGHOST"));
}

#[test]
fn moving_away_before_the_detail_arrives_drops_the_edit() {
    let mut app = local_app("default", false);
    let (list, _) = the_send(&init(&mut app));
    let mut other = pg_integration();
    other.id = "id-zz".into();
    other.name = Some("zz_pg".into());
    let commands = reply(
        &mut app,
        list,
        Outcome::Listed(Ok(vec![pg_integration(), other])),
    );
    let (first_get, _) = the_send(&commands);
    app.pending.remove(&first_get);
    press(&mut app, KeyCode::Char('e'));
    assert!(app.edit_when_loaded.is_some());
    press(&mut app, KeyCode::Char('j'));
    assert!(
        app.edit_when_loaded.is_none(),
        "e meant the source it was on"
    );
    assert!(!app.form_screen_open());
}

#[test]
fn integers_take_a_leading_minus_and_digits_only() {
    let mut app = listed(true, false);
    new_form(&mut app, "clickhouse");
    let key_name = "CLICKHOUSE_PARQUET_ROW_GROUP_SIZE";
    focus_key(&mut app, key_name);
    type_text(&mut app, "-1-2a3");
    let index = form(&app).field_index(key_name).unwrap();
    assert_eq!(form(&app).fields[index].literal.expose(), "-123");
    assert!(flash_text(&app).contains("takes a whole number"));
    let problems = crate::tui::form::check::check(form(&app));
    assert!(!problems.errors.contains_key(&index), "{problems:?}");
}
