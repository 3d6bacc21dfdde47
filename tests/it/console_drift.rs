//! The console's drift view (`sourcedeck --plan FILE`) in process against a real `serve`: the
//! worker plans the file in the background after the list loads; a change made through the API
//! shows as a `~` mark, a heading count and a per-key planned change after a refresh; and a
//! secret compared from a `{file}` value never reaches the screen, changed or not.

use std::time::{Duration, Instant};

use crate::common::{TestServer, credentials};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sourcedeck::domain::{ConfigValue, Kind, Secret};
use sourcedeck::tui::app::{App, ServerInfo};
use sourcedeck::tui::drift::{Drift, Mark, PlanFile};
use sourcedeck::tui::msg::Msg;
use sourcedeck::tui::runtime::{Copier, Runtime};
use sourcedeck::tui::theme::Theme;
use sourcedeck::tui::worker::Connector;

const IDLE: Duration = Duration::from_secs(30);

struct NoClipboard;

impl Copier for NoClipboard {
    fn copy(&mut self, _text: &Secret) -> std::io::Result<sourcedeck::tui::clipboard::Route> {
        Err(std::io::Error::other("no clipboard in this test"))
    }
}

fn random_secret(tag: &str) -> String {
    format!(
        "{tag}-{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

fn literal(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, ConfigValue> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), ConfigValue::Literal(Secret::new(*v))))
        .collect()
}

/// The console on `server` with `file` read as `sourcedeck --plan` reads it.
fn console(server: &TestServer, file: &std::path::Path) -> Runtime<TestBackend> {
    let loaded = sourcedeck::cli::ascode::load(&file.display().to_string()).unwrap();
    let mut app = App::new(
        ServerInfo {
            address: server.url().trim_start_matches("http://").to_string(),
            local: false,
        },
        "default".into(),
        false,
        Instant::now(),
    );
    app.drift = Some(Drift::new(PlanFile::new(loaded, false)));
    Runtime::start(
        app,
        Terminal::new(TestBackend::new(100, 30)).unwrap(),
        Theme::new(false),
        Connector {
            credentials: credentials(&server.url()),
            call_timeout: Duration::from_secs(10),
        },
        Box::new(NoClipboard),
    )
}

async fn idle(runtime: &mut Runtime<TestBackend>) {
    assert!(
        runtime.run_until_idle(IDLE).await,
        "the console did not settle"
    );
}

fn press(runtime: &mut Runtime<TestBackend>, c: char) {
    runtime.handle(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
}

fn frame(runtime: &mut Runtime<TestBackend>) -> String {
    runtime.draw().unwrap();
    runtime.terminal.backend().to_string()
}

fn mark(runtime: &Runtime<TestBackend>, name: &str) -> Option<Mark> {
    runtime.app.drift.as_ref().unwrap().mark(name)
}

/// A PostgreSQL source `orders_pg` whose password the file gives as `{file: pg.secret}`, and a
/// Kafka source `events`; both on the server as the file says.
async fn in_sync(password: &str) -> (TestServer, tempfile::TempDir, std::path::PathBuf) {
    let server = TestServer::start().await;
    let session = server.session().await;
    session
        .create(
            Kind::Postgresql,
            "orders_pg",
            &literal(&[
                ("PGHOST", "db.internal"),
                ("PGDATABASE", "orders"),
                ("PGUSER", "app"),
                ("PGPASSWORD", password),
            ]),
        )
        .await
        .unwrap();
    session
        .create(
            Kind::Kafka,
            "events",
            &literal(&[("KAFKA_BOOTSTRAP_SERVER", "kafka-1:9092")]),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pg.secret"), password).unwrap();
    let file = dir.path().join("sources.yaml");
    std::fs::write(
        &file,
        "version: 1\nsources:\n  orders_pg:\n    kind: postgresql\n    config:\n      PGHOST: db.internal\n      PGDATABASE: orders\n      PGUSER: app\n      PGPASSWORD: {file: pg.secret}\n  events:\n    kind: kafka\n    config:\n      KAFKA_BOOTSTRAP_SERVER: kafka-1:9092\n",
    )
    .unwrap();
    (server, dir, file)
}

#[tokio::test]
async fn a_change_through_the_api_shows_as_drift_after_a_refresh() {
    let password = random_secret("pw");
    let (server, _dir, file) = in_sync(&password).await;
    let mut runtime = console(&server, &file);
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(screen.contains("sources.yaml · in sync"), "{screen}");
    assert_eq!(mark(&runtime, "orders_pg"), None);

    let session = server.session().await;
    let id = session.find("orders_pg").await.unwrap().integration.id;
    session
        .update(&id, None, &literal(&[("PGHOST", "db-by-hand.internal")]))
        .await
        .unwrap();
    // Nothing moves until the console looks again.
    assert_eq!(mark(&runtime, "orders_pg"), None);
    press(&mut runtime, 'r');
    idle(&mut runtime).await;
    assert_eq!(mark(&runtime, "orders_pg"), Some(Mark::Update));
    assert_eq!(mark(&runtime, "events"), None);
    // events sorts first; move to orders_pg for its detail.
    press(&mut runtime, 'j');
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(screen.contains("sources.yaml · 1 drifted"), "{screen}");
    assert!(screen.contains("▸~orders_pg"), "{screen}");
    assert!(
        screen.contains("PGHOST \"db-by-hand.internal\" → \"db.internal\""),
        "{screen}"
    );
    assert!(!screen.contains(&password), "{screen}");
}

#[tokio::test]
async fn a_compared_secret_never_reaches_the_screen_changed_or_not() {
    let password = random_secret("pw");
    let (server, dir, file) = in_sync(&password).await;
    // The server's secret changes by hand; the file's stays.
    let by_hand = random_secret("by-hand");
    let session = server.session().await;
    let id = session.find("orders_pg").await.unwrap().integration.id;
    session
        .update(&id, None, &literal(&[("PGPASSWORD", &by_hand)]))
        .await
        .unwrap();
    let mut runtime = console(&server, &file);
    idle(&mut runtime).await;
    press(&mut runtime, 'j');
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(screen.contains("PGPASSWORD secret changes"), "{screen}");
    assert!(screen.contains("▸~orders_pg"), "{screen}");
    for secret in [&password, &by_hand] {
        assert!(!screen.contains(secret.as_str()), "{screen}");
        assert!(!format!("{:?}", runtime.app).contains(secret.as_str()));
    }
    // The file catches up with the server: in sync again on the next look, still nothing shown.
    std::fs::write(dir.path().join("pg.secret"), &by_hand).unwrap();
    drop(runtime);
    let mut runtime = console(&server, &file);
    idle(&mut runtime).await;
    let screen = frame(&mut runtime);
    assert!(screen.contains("sources.yaml · in sync"), "{screen}");
    assert!(!screen.contains(by_hand.as_str()), "{screen}");
}
