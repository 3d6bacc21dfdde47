//! The console against a real team `serve` (a clients file with one client per role), in
//! process: what each credential's permissions (GetAgent) make of it, its history overlay
//! (GetAuditLogs), the `:env` picker (GetEnvironments) and the form's secret-name completion
//! (ListSecrets).

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sourcedeck::domain::Kind;
use sourcedeck::tui::access::Access;
use sourcedeck::tui::app::{App, ServerInfo};
use sourcedeck::tui::msg::Msg;
use sourcedeck::tui::runtime::{Copier, Runtime};
use sourcedeck::tui::theme::Theme;
use sourcedeck::tui::worker::Connector;

use crate::common::team::{role_credentials, role_server};
use crate::common::{TestServer, machine_postgres};

const PG_PASSWORD: &str = "team-console-pg-password-7d";
const IDLE: Duration = Duration::from_secs(20);

/// Copies nowhere (no test here copies).
struct NoClipboard;

impl Copier for NoClipboard {
    fn copy(
        &mut self,
        _text: &sourcedeck::domain::Secret,
    ) -> std::io::Result<sourcedeck::tui::clipboard::Route> {
        Err(std::io::Error::other("no clipboard in this test"))
    }
}

/// The console signed in as `role` on `server`, settled.
async fn console_as(server: &TestServer, role: &str) -> Runtime<TestBackend> {
    let url = server.url();
    let app = App::new(
        ServerInfo {
            address: url.trim_start_matches("http://").to_string(),
            local: false,
        },
        "default".into(),
        false,
        Instant::now(),
    );
    let mut runtime = Runtime::start(
        app,
        Terminal::new(TestBackend::new(100, 30)).unwrap(),
        Theme::new(false),
        Connector {
            credentials: role_credentials(&url, role),
            call_timeout: Duration::from_secs(10),
        },
        Box::new(NoClipboard),
    );
    idle(&mut runtime).await;
    runtime
}

/// A role server holding one PostgreSQL source, `orders_pg`.
async fn seeded() -> TestServer {
    let server = role_server().await;
    server
        .session()
        .await
        .create(
            Kind::Postgresql,
            "orders_pg",
            &machine_postgres(PG_PASSWORD),
        )
        .await
        .unwrap();
    server
}

async fn idle(runtime: &mut Runtime<TestBackend>) {
    assert!(
        runtime.run_until_idle(IDLE).await,
        "the console did not settle"
    );
}

fn press(runtime: &mut Runtime<TestBackend>, keys: &str) {
    for c in keys.chars() {
        runtime.handle(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

fn press_code(runtime: &mut Runtime<TestBackend>, code: KeyCode) {
    runtime.handle(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn frame(runtime: &mut Runtime<TestBackend>) -> String {
    runtime.draw().unwrap();
    runtime.terminal.backend().to_string()
}

#[tokio::test]
async fn a_viewer_is_read_only_saying_why_and_never_opens_a_config() {
    let server = seeded().await;
    let mut runtime = console_as(&server, "viewer").await;
    assert!(matches!(runtime.app.access, Access::Granted(_)));
    assert!(runtime.app.readonly);
    let screen = frame(&mut runtime);
    assert!(screen.contains("READ-ONLY: no SECRETS_WRITE"), "{screen}");
    assert!(screen.contains("orders_pg"), "{screen}");
    assert!(screen.contains("not open their configs"), "{screen}");
    assert!(
        runtime.app.flash.is_none(),
        "no PERMISSION_DENIED surfaced: {:?}",
        runtime.app.flash
    );
    assert!(runtime.app.details.is_empty(), "no GetIntegration was sent");
    // Changing keys do nothing; testing (SECRETS_LIST) works.
    press(&mut runtime, "nedx");
    assert!(runtime.app.layers.is_empty(), "{:?}", runtime.app.top());
    press(&mut runtime, "t");
    idle(&mut runtime).await;
    let flash = runtime.app.flash.clone().expect("the test's result");
    assert!(flash.text.starts_with("test orders_pg: ok"), "{flash:?}");
    let screen = frame(&mut runtime);
    assert!(!screen.contains(PG_PASSWORD), "{screen}");
    assert!(!screen.contains(" x reveal"), "{screen}");
}

#[tokio::test]
async fn a_reader_opens_configs_read_only_and_an_editor_may_change_them() {
    let server = seeded().await;
    let mut reader = console_as(&server, "reader").await;
    assert!(reader.app.readonly);
    assert!(reader.app.may_open_configs());
    let screen = frame(&mut reader);
    assert!(screen.contains("READ-ONLY: no SECRETS_WRITE"), "{screen}");
    assert!(screen.contains("PGHOST"), "{screen}");
    assert!(!screen.contains("not open their configs"), "{screen}");
    let mut editor = console_as(&server, "editor").await;
    assert!(!editor.app.readonly);
    let screen = frame(&mut editor);
    assert!(!screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("PGHOST"), "{screen}");
    press(&mut editor, "e");
    idle(&mut editor).await;
    assert!(editor.app.form().is_some(), "an editor may open the form");
    press_code(&mut editor, KeyCode::Esc);
}

#[tokio::test]
async fn h_shows_the_sources_history_newest_first_with_key_names_never_values() {
    let server = seeded().await;
    let session = server.session().await;
    let id = session.list().await.unwrap()[0].id.clone();
    let changes = [(
        "PGPASSWORD".to_string(),
        sourcedeck::domain::ConfigValue::Literal(sourcedeck::domain::Secret::new(
            "rotated-history-pw-19c",
        )),
    )]
    .into();
    session.update(&id, None, &changes).await.unwrap();
    let mut admin = console_as(&server, "admin").await;
    press(&mut admin, "h");
    idle(&mut admin).await;
    let screen = frame(&mut admin);
    assert!(screen.contains("History of orders_pg"), "{screen}");
    let updated = screen
        .find("Updated an external integration")
        .expect("the update");
    let created = screen
        .find("Created an external integration")
        .expect("the create");
    assert!(updated < created, "newest first:\n{screen}");
    assert!(screen.contains("PGPASSWORD"), "{screen}");
    for value in [PG_PASSWORD, "rotated-history-pw-19c"] {
        assert!(!screen.contains(value), "{screen}");
    }
    press_code(&mut admin, KeyCode::Esc);
    assert!(admin.app.layers.is_empty());
    // An editor has no MONITORING_READ: `h` says so and asks nothing.
    let mut editor = console_as(&server, "editor").await;
    press(&mut editor, "h");
    assert!(editor.app.pending.is_empty());
    let flash = editor.app.flash.clone().expect("a flash");
    assert!(flash.text.contains("MONITORING_READ"), "{flash:?}");
}

#[tokio::test]
async fn env_offers_the_environments_and_switches_to_the_one_chosen() {
    let server = seeded().await;
    let mut editor = console_as(&server, "editor").await;
    assert_eq!(editor.app.environment, "default");
    press(&mut editor, ":env");
    press_code(&mut editor, KeyCode::Enter);
    idle(&mut editor).await;
    let screen = frame(&mut editor);
    assert!(screen.contains("Switch environment"), "{screen}");
    assert!(
        screen.contains("default") && screen.contains("staging"),
        "{screen}"
    );
    press(&mut editor, "stag");
    press_code(&mut editor, KeyCode::Enter);
    idle(&mut editor).await;
    assert_eq!(editor.app.environment, "staging");
    assert!(
        editor.app.integrations.is_empty(),
        "staging has no sources: {:?}",
        editor.app.integrations
    );
    assert!(!editor.app.readonly, "an editor may write in staging too");
}

#[tokio::test]
async fn ctrl_l_in_the_form_completes_from_the_environments_secret_names() {
    let server = seeded().await;
    let session = server.session().await;
    for name in ["orders_pg_user", "orders_pg_password"] {
        session
            .upsert_secret(name, &sourcedeck::domain::Secret::new("never-shown-9a"))
            .await
            .unwrap();
    }
    let mut editor = console_as(&server, "editor").await;
    press(&mut editor, "n");
    press(&mut editor, "postgres");
    press_code(&mut editor, KeyCode::Enter);
    idle(&mut editor).await;
    let form = editor.app.form().expect("the form");
    let user = form.field_index("PGUSER").expect("PGUSER");
    while editor.app.form().map(|f| f.current()) != Some(sourcedeck::tui::form::Slot::Field(user)) {
        press_code(&mut editor, KeyCode::Down);
    }
    editor.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char('l'),
        KeyModifiers::CONTROL,
    )));
    press(&mut editor, "user");
    let screen = frame(&mut editor);
    assert!(screen.contains("Link PGUSER to a secret"), "{screen}");
    assert!(screen.contains("orders_pg_user"), "{screen}");
    assert!(
        !screen.contains("orders_pg_password"),
        "filtered:\n{screen}"
    );
    assert!(!screen.contains("never-shown-9a"), "{screen}");
    press_code(&mut editor, KeyCode::Enter);
    let form = editor.app.form().expect("the form");
    assert!(form.fields[user].linked);
    assert_eq!(form.fields[user].reference, "orders_pg_user");
}

/// The console on `url` with the all-powerful test client, settled, Tab into the detail pane.
async fn console_on(url: &str) -> Runtime<TestBackend> {
    let app = App::new(
        ServerInfo {
            address: "server".into(),
            local: false,
        },
        "default".into(),
        false,
        Instant::now(),
    );
    let mut runtime = Runtime::start(
        app,
        Terminal::new(TestBackend::new(100, 30)).unwrap(),
        Theme::new(false),
        Connector {
            credentials: crate::common::credentials(url),
            call_timeout: Duration::from_secs(10),
        },
        Box::new(NoClipboard),
    );
    idle(&mut runtime).await;
    press_code(&mut runtime, KeyCode::Tab);
    idle(&mut runtime).await;
    runtime
}

#[tokio::test]
async fn a_server_without_team_services_gets_the_console_as_it_always_was() {
    let server = seeded().await;
    let front = crate::peers::integrations_only::integrations_only(server.channel().await).await;
    let mut old = console_on(&format!("http://{front}")).await;
    assert_eq!(old.app.access, Access::Unknown);
    assert!(!old.app.readonly);
    assert!(old.app.flash.is_none(), "{:?}", old.app.flash);
    // The same screen as against the full server for a credential that may do everything.
    let mut full = console_on(&server.url()).await;
    assert!(matches!(full.app.access, Access::Granted(_)));
    let screen = frame(&mut old);
    assert_eq!(screen, frame(&mut full));
    assert!(
        screen.contains("PGHOST") && screen.contains("x reveal"),
        "{screen}"
    );
    // `h` says the server keeps no audit log; `:env` falls back to the typed command.
    press(&mut old, "h");
    idle(&mut old).await;
    let screen = frame(&mut old);
    assert!(screen.contains("does not offer an audit log"), "{screen}");
    press_code(&mut old, KeyCode::Esc);
    press(&mut old, ":env");
    press_code(&mut old, KeyCode::Enter);
    idle(&mut old).await;
    assert!(old.app.layers.is_empty(), "{:?}", old.app.top());
    let flash = old.app.flash.clone().expect("a flash");
    assert!(flash.text.contains(":env NAME"), "{flash:?}");
    // ^L in the form toggles to a typed reference, as before.
    press_code(&mut old, KeyCode::Esc);
    press(&mut old, "e");
    idle(&mut old).await;
    press_code(&mut old, KeyCode::Down);
    let form = old.app.form().expect("the form");
    let sourcedeck::tui::form::Slot::Field(index) = form.current() else {
        panic!("the cursor is on a key")
    };
    assert!(!form.fields[index].linked);
    old.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char('l'),
        KeyModifiers::CONTROL,
    )));
    assert!(
        matches!(old.app.top(), Some(sourcedeck::tui::layer::Layer::Form(_))),
        "no secret names to offer: {:?}",
        old.app.top()
    );
    assert!(old.app.form().expect("the form").fields[index].linked);
}
