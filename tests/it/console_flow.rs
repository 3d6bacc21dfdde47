//! In-process flows: the whole console (state, reducer, worker, views) against a real `serve` on
//! a loopback port, driven by keys, run until idle under a deadline, checked on the state, the
//! server and the final frame.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::common::{TestServer, credentials, machine_postgres, serve_options};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sourcedeck::domain::{ConfigValue, Kind, Secret};
use sourcedeck::tui::app::{App, ServerInfo, TestStatus};
use sourcedeck::tui::clipboard::Route;
use sourcedeck::tui::msg::{ConnectionState, Msg};
use sourcedeck::tui::runtime::{Copier, Runtime};
use sourcedeck::tui::theme::Theme;
use sourcedeck::tui::worker::Connector;

const PG_PASSWORD: &str = "flow-pg-password-91b";
const IDLE: Duration = Duration::from_secs(20);

/// Records copies instead of touching a real clipboard.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Copier for Recorder {
    fn copy(&mut self, text: &Secret) -> io::Result<Route> {
        self.0.lock().unwrap().push(text.expose().to_string());
        Ok(Route::Osc52)
    }
}

fn console(url: &str, environment: &str, readonly: bool, copies: Recorder) -> Runtime<TestBackend> {
    let app = App::new(
        ServerInfo {
            address: url.trim_start_matches("http://").to_string(),
            local: false,
        },
        environment.into(),
        readonly,
        Instant::now(),
    );
    Runtime::start(
        app,
        Terminal::new(TestBackend::new(100, 30)).unwrap(),
        Theme::new(false),
        Connector {
            credentials: credentials(url),
            call_timeout: Duration::from_secs(10),
        },
        Box::new(copies),
    )
}

async fn seeded() -> TestServer {
    let server = TestServer::start().await;
    let session = server.session().await;
    session
        .create(
            Kind::Postgresql,
            "orders_pg",
            &machine_postgres(PG_PASSWORD),
        )
        .await
        .unwrap();
    let kafka = [
        ("KAFKA_BOOTSTRAP_SERVER", "127.0.0.1:1"),
        ("KAFKA_TOPIC", "events"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), ConfigValue::Literal(Secret::new(v))))
    .collect();
    session.create(Kind::Kafka, "events", &kafka).await.unwrap();
    server
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

async fn idle(runtime: &mut Runtime<TestBackend>) {
    assert!(
        runtime.run_until_idle(IDLE).await,
        "the console did not settle"
    );
}

#[tokio::test]
async fn browse_lists_sources_and_shows_a_detail_with_secrets_masked() {
    let server = seeded().await;
    let mut runtime = console(&server.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    assert_eq!(runtime.app.integrations.len(), 2);
    press(&mut runtime, "j");
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(
        screen.contains("orders_pg") && screen.contains("events"),
        "{screen}"
    );
    assert!(screen.contains("PGHOST     127.0.0.1"), "{screen}");
    assert!(screen.contains("•••• configured"), "{screen}");
    assert!(!screen.contains(PG_PASSWORD), "{screen}");
    assert!(screen.contains("● connected"));
}

#[tokio::test]
async fn testing_a_postgresql_source_reaches_the_machines_postgresql() {
    let server = seeded().await;
    let mut runtime = console(&server.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    press(&mut runtime, "jt");
    idle(&mut runtime).await;
    let id = runtime.app.selected_integration().unwrap().id.clone();
    let Some(TestStatus::Done(result)) = runtime.app.tests.get(&id) else {
        panic!("a result: {:?}", runtime.app.tests);
    };
    assert!(result.success, "{}", result.message);
    assert!(result.latency_ms.is_some());
    let screen = frame(&mut runtime);
    assert!(screen.contains("✓ ok in"), "{screen}");
    assert!(!screen.contains(PG_PASSWORD));
}

#[tokio::test]
async fn test_all_tests_every_shown_source_and_keeps_each_result() {
    let server = seeded().await;
    let mut runtime = console(&server.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    press(&mut runtime, "T");
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(screen.contains("Testing 2 sources"), "{screen}");
    let passed = runtime
        .app
        .tests
        .values()
        .filter(|status| matches!(status, TestStatus::Done(r) if r.success))
        .count();
    assert_eq!(runtime.app.tests.len(), 2);
    assert!(passed >= 1, "PostgreSQL passes: {:?}", runtime.app.tests);
}

#[tokio::test]
async fn delete_with_confirmation_removes_the_source_on_the_server() {
    let server = seeded().await;
    let mut runtime = console(&server.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    // events is first; Enter on the default (Cancel) deletes nothing.
    press(&mut runtime, "d");
    press_code(&mut runtime, KeyCode::Enter);
    idle(&mut runtime).await;
    assert_eq!(server.session().await.list().await.unwrap().len(), 2);
    press(&mut runtime, "d");
    press_code(&mut runtime, KeyCode::Right);
    press_code(&mut runtime, KeyCode::Enter);
    idle(&mut runtime).await;
    let left = server.session().await.list().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name.as_deref(), Some("orders_pg"));
    assert!(frame(&mut runtime).contains("deleted events"));
}

#[tokio::test]
async fn readonly_ignores_delete() {
    let server = seeded().await;
    let mut runtime = console(&server.url(), "default", true, Recorder::default());
    idle(&mut runtime).await;
    press(&mut runtime, "d");
    press_code(&mut runtime, KeyCode::Right);
    press_code(&mut runtime, KeyCode::Enter);
    idle(&mut runtime).await;
    assert_eq!(server.session().await.list().await.unwrap().len(), 2);
    let screen = frame(&mut runtime);
    assert!(
        screen.contains("READ-ONLY") && !screen.contains(" d delete"),
        "{screen}"
    );
}

#[tokio::test]
async fn reveal_shows_one_secret_then_masks_it_and_copies_it_only_while_shown() {
    let server = seeded().await;
    let copies = Recorder::default();
    let mut runtime = console(&server.url(), "default", false, copies.clone());
    idle(&mut runtime).await;
    press(&mut runtime, "j");
    idle(&mut runtime).await;
    press_code(&mut runtime, KeyCode::Tab);
    // Keys sorted: PGDATABASE, PGHOST, PGPASSWORD, ...
    press(&mut runtime, "jjy");
    assert!(
        copies.0.lock().unwrap().is_empty(),
        "a masked secret is not copied"
    );
    press(&mut runtime, "x");
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(
        screen.contains(PG_PASSWORD),
        "revealed on purpose:\n{screen}"
    );
    press(&mut runtime, "y");
    assert_eq!(
        copies.0.lock().unwrap().last().map(String::as_str),
        Some(PG_PASSWORD)
    );
    // 30 s later it is masked again and the clipboard is cleared.
    let later = Instant::now() + Duration::from_secs(31);
    runtime.handle(Msg::Tick {
        now: later,
        wall: SystemTime::now(),
    });
    let screen = frame(&mut runtime);
    assert!(!screen.contains(PG_PASSWORD), "{screen}");
    assert_eq!(
        copies.0.lock().unwrap().last().map(String::as_str),
        Some("")
    );
}

#[tokio::test]
async fn a_lost_server_shows_disconnected_and_the_console_recovers_by_itself() {
    let first = TestServer::start().await;
    let address = first.server.address;
    let data = first.data_dir();
    let mut runtime = console(&first.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    let TestServer { server, dir, .. } = first;
    server.shutdown().await.unwrap();
    // A refresh now fails to reach the server; the console says so and keeps the keys live.
    press(&mut runtime, "r");
    let disconnected = wait_for(&mut runtime, |app| {
        matches!(app.connection, ConnectionState::Disconnected { .. })
    })
    .await;
    assert!(disconnected, "the console noticed the server went away");
    assert!(frame(&mut runtime).contains("disconnected, retrying in"));
    press(&mut runtime, "j");
    // The server comes back on the same address with the same data.
    let mut options = serve_options(&data);
    options.listen = address;
    let back = sourcedeck::server::spawn(options).await.unwrap();
    let recovered = wait_for(&mut runtime, |app| {
        matches!(app.connection, ConnectionState::Connected { .. })
            && app.pending.is_empty()
            && app.loaded
    })
    .await;
    assert!(recovered, "the console reconnected by itself");
    assert_eq!(
        runtime.app.list_error, None,
        "the refresh asked for while away was not lost"
    );
    back.shutdown().await.unwrap();
    drop(dir);
}

/// Runs the console until `condition` holds (30 s at most).
async fn wait_for(runtime: &mut Runtime<TestBackend>, condition: impl Fn(&App) -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(30);
    while Instant::now() < end {
        runtime.tick();
        if condition(&runtime.app) {
            return true;
        }
        runtime.step(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn switching_environment_to_an_unknown_one_keeps_the_current_one() {
    let server = seeded().await;
    let mut runtime = console(&server.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    press(&mut runtime, ":env nowhere");
    press_code(&mut runtime, KeyCode::Enter);
    idle(&mut runtime).await;
    assert_eq!(runtime.app.integrations.len(), 2);
    let flash = runtime
        .app
        .flash
        .clone()
        .map(|f| f.text)
        .unwrap_or_default();
    assert!(flash.contains(":env nowhere"), "{flash}");
}

#[tokio::test]
async fn keys_stay_live_while_a_slow_test_is_pending() {
    // A listener that accepts and never answers: the test runs until the server's deadline.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let _accepting = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let server = TestServer::with_test_timeout(Duration::from_secs(3)).await;
    let session = server.session().await;
    let mut config = machine_postgres(PG_PASSWORD);
    config.insert(
        "PGPORT".into(),
        ConfigValue::Literal(Secret::new(port.to_string())),
    );
    session
        .create(Kind::Postgresql, "a_silent", &config)
        .await
        .unwrap();
    session
        .create(Kind::Postgresql, "b_fine", &machine_postgres(PG_PASSWORD))
        .await
        .unwrap();
    let mut runtime = console(&server.url(), "default", false, Recorder::default());
    idle(&mut runtime).await;
    press(&mut runtime, "t");
    // While the test waits on the silent listener, the cursor and the filter respond at once.
    press(&mut runtime, "j");
    assert_eq!(
        runtime
            .app
            .selected_integration()
            .and_then(|i| i.name.clone())
            .as_deref(),
        Some("b_fine")
    );
    press(&mut runtime, "/fine");
    assert_eq!(runtime.app.visible.len(), 1);
    press_code(&mut runtime, KeyCode::Esc);
    let silent_id = runtime
        .app
        .integrations
        .iter()
        .find(|i| i.name.as_deref() == Some("a_silent"))
        .unwrap()
        .id
        .clone();
    assert!(matches!(
        runtime.app.tests.get(&silent_id),
        Some(TestStatus::Running { .. })
    ));
    assert!(frame(&mut runtime).contains("testing"));
    idle(&mut runtime).await;
    let Some(TestStatus::Done(result)) = runtime.app.tests.get(&silent_id) else {
        panic!("the slow test finished");
    };
    assert!(!result.success);
    assert!(result.message.contains("timed out"), "{}", result.message);
}
