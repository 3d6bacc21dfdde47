//! In-process flows of the config form (`n` new, `e` edit): the whole console (state, reducer,
//! worker, views) against a real `serve` on a loopback port, driven only by keys, run until idle
//! under a deadline, and checked on the form's state, on the server (through the client API) and
//! on the drawn frames. A frame is drawn after every key and every batch of answers, and none of
//! them may show a secret that was typed.
//!
//! The unit tests of `src/tui/form` prove the model's rules; these prove the rules hold end to
//! end: what the keys build is what the server stores, and nothing else is sent.

use std::io;
use std::time::{Duration, Instant};

use crate::common::{TestServer, closed_port, credentials, machine_postgres};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sourcedeck::client::Session;
use sourcedeck::client::api::Found;
use sourcedeck::domain::{ConfigValue, Kind, Secret};
use sourcedeck::proto::SecretSource;
use sourcedeck::tui::app::{App, ServerInfo, TestResult};
use sourcedeck::tui::clipboard::Route;
use sourcedeck::tui::form::changes::describe_changes;
use sourcedeck::tui::form::{DraftTest, Form, Mode, Original, Prompt, Slot};
use sourcedeck::tui::layer::Layer;
use sourcedeck::tui::msg::{Msg, Request};
use sourcedeck::tui::runtime::{Copier, Runtime};
use sourcedeck::tui::theme::Theme;
use sourcedeck::tui::worker::Connector;

/// The machine's PostgreSQL, as `common::machine_postgres` has it (trust auth: any password).
const PG_HOST: &str = "127.0.0.1";
const PG_PORT: &str = "5432";
const PG_DATABASE: &str = "test";
const PG_USER: &str = "postgres";
/// How long one batch of requests may take to settle.
const IDLE: Duration = Duration::from_secs(30);

/// A copier that refuses: the form flows never copy, and a copy would be a bug.
struct NoClipboard;

impl Copier for NoClipboard {
    fn copy(&mut self, _text: &Secret) -> io::Result<Route> {
        Err(io::Error::other("the form flows never copy"))
    }
}

/// The console under test: the runtime on a `TestBackend`, plus the values no frame may show.
/// Every key goes through [`Console::key`], which draws and checks a frame after it, so a secret
/// that flashes on screen for one key is caught, not only one left on the final frame.
struct Console {
    runtime: Runtime<TestBackend>,
    never_show: Vec<String>,
    frames: usize,
}

impl Console {
    /// A console on `server` (a remote server as far as the console knows, so the form does not
    /// know the secret store and the server alone checks references), settled on its first list.
    async fn open(server: &TestServer) -> Self {
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
        let runtime = Runtime::start(
            app,
            Terminal::new(TestBackend::new(100, 40)).unwrap(),
            Theme::new(false),
            Connector {
                credentials: credentials(&url),
                call_timeout: Duration::from_secs(10),
            },
            Box::new(NoClipboard),
        );
        let mut console = Self {
            runtime,
            never_show: Vec::new(),
            frames: 0,
        };
        console.idle().await;
        assert!(console.runtime.app.loaded, "the first list arrived");
        console
    }

    /// From now on, no frame may contain `secret`.
    fn never_show(&mut self, secret: &str) {
        self.never_show.push(secret.to_string());
    }

    /// Draws a frame, checks it shows no secret, and returns it.
    fn frame(&mut self) -> String {
        self.runtime.draw().unwrap();
        self.frames += 1;
        let screen = self.runtime.terminal.backend().to_string();
        for secret in &self.never_show {
            assert!(
                !screen.contains(secret.as_str()),
                "frame {} shows the secret {secret:?}:\n{screen}",
                self.frames
            );
        }
        screen
    }

    fn key_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.runtime
            .handle(Msg::Key(KeyEvent::new(code, modifiers)));
        self.frame();
    }

    fn key(&mut self, code: KeyCode) {
        self.key_with(code, KeyModifiers::NONE);
    }

    /// Ctrl + `c`.
    fn ctrl(&mut self, c: char) {
        self.key_with(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    /// Types `text` one key at a time.
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Runs until nothing is in flight, drawing (and checking) a frame every 50 ms meanwhile.
    async fn idle(&mut self) {
        let end = Instant::now() + IDLE;
        loop {
            let settled = self.runtime.run_until_idle(Duration::from_millis(50)).await;
            self.frame();
            if settled {
                return;
            }
            assert!(Instant::now() < end, "the console did not settle");
        }
    }

    fn app(&self) -> &App {
        &self.runtime.app
    }

    /// The open form; panics when the form (past its kind picker) is not open.
    fn form(&self) -> &Form {
        let app = &self.runtime.app;
        app.form()
            .unwrap_or_else(|| panic!("the form is not open: {:?}", app.layers))
    }

    fn flash(&self) -> String {
        self.app()
            .flash
            .as_ref()
            .map(|flash| flash.text.clone())
            .unwrap_or_default()
    }

    /// The field index of `key` in the open form.
    fn field(&self, key: &str) -> usize {
        self.form()
            .field_index(key)
            .unwrap_or_else(|| panic!("{key} is a field of the form"))
    }

    /// The literal typed into `key`'s field.
    fn literal(&self, key: &str) -> String {
        self.form().fields[self.field(key)]
            .literal
            .expose()
            .to_string()
    }

    /// Moves the cursor onto `slot` with Down/Up only, as a user would; the slot must be on
    /// screen (an optional key needs the optional keys shown first).
    fn focus(&mut self, slot: Slot) {
        let target = self
            .form()
            .slots()
            .iter()
            .position(|s| *s == slot)
            .unwrap_or_else(|| panic!("{slot:?} is not a row of the form now"));
        for _ in 0..100 {
            let cursor = self.form().cursor;
            if self.form().current() == slot {
                return;
            }
            self.key(if cursor < target {
                KeyCode::Down
            } else {
                KeyCode::Up
            });
        }
        panic!("the cursor never reached {slot:?}");
    }

    /// Moves the cursor onto `key`'s field, showing the optional keys first when it is one of
    /// them (PGPORT, with its default of 5432, is optional).
    fn focus_key(&mut self, key: &str) {
        let slot = Slot::Field(self.field(key));
        if !self.form().slots().contains(&slot) {
            self.show_optional_keys();
        }
        self.focus(slot);
    }

    /// Shows the optional keys through their toggle row (Enter on it).
    fn show_optional_keys(&mut self) {
        self.focus(Slot::OptionalToggle);
        if !self.form().show_optional {
            self.key(KeyCode::Enter);
        }
        assert!(self.form().show_optional, "the optional keys are shown");
    }

    /// A console on `server` with a new PostgreSQL form filled as [`Console::fill_postgresql`]
    /// does.
    async fn with_new_postgresql(server: &TestServer, name: &str, port: &str) -> Self {
        let mut console = Self::open(server).await;
        console.open_new_postgresql();
        console.fill_postgresql(name, port);
        console
    }

    /// `n`, filter the kind picker to PostgreSQL, Enter: a blank PostgreSQL form.
    fn open_new_postgresql(&mut self) {
        self.type_text("n");
        assert!(
            matches!(self.app().top(), Some(Layer::PickKind(_))),
            "n opens the kind picker"
        );
        self.type_text("postgres");
        self.key(KeyCode::Enter);
        assert_eq!(self.form().kind(), Kind::Postgresql);
        assert_eq!(self.form().mode, Mode::New);
        assert_eq!(
            self.form().current(),
            Slot::Name,
            "the cursor starts on the name"
        );
    }

    /// Replaces `key`'s value: focus, Ctrl-U, type.
    fn set(&mut self, key: &str, value: &str) {
        self.focus_key(key);
        self.ctrl('u');
        self.type_text(value);
        assert_eq!(self.literal(key), value, "{key} holds what was typed");
    }

    /// Types the name and the four required PostgreSQL keys (port `port`); the password is left
    /// to the caller.
    fn fill_postgresql(&mut self, name: &str, port: &str) {
        self.focus(Slot::Name);
        self.ctrl('u');
        self.type_text(name);
        assert_eq!(self.form().name, name);
        self.set("PGHOST", PG_HOST);
        self.set("PGPORT", port);
        self.set("PGDATABASE", PG_DATABASE);
        self.set("PGUSER", PG_USER);
    }

    /// Shows the optional keys and types `password` into PGPASSWORD; it is never drawn again.
    fn set_password(&mut self, password: &str) {
        self.never_show(password);
        self.show_optional_keys();
        self.set("PGPASSWORD", password);
    }

    /// Ctrl-T: starts a test of the draft, waits for it, and returns its result.
    async fn test_draft(&mut self) -> TestResult {
        self.ctrl('t');
        assert!(
            matches!(self.form().test, Some(DraftTest::Running { .. })),
            "Ctrl-T starts a test of the draft"
        );
        self.idle().await;
        match &self.form().test {
            Some(DraftTest::Done(result)) => result.clone(),
            other => panic!("the draft test finished: {other:?}"),
        }
    }

    /// Ctrl-S; the form must open its Review of the exact changes, which is returned.
    fn review(&mut self) -> Vec<String> {
        self.ctrl('s');
        assert_eq!(
            self.app().prompt().cloned(),
            Some(Prompt::Review),
            "Ctrl-S opens the review; flash: {}",
            self.flash()
        );
        let screen = self.frame();
        assert!(screen.contains("Review"), "{screen}");
        describe_changes(self.form())
    }

    /// Enter in the Review: sends the save and waits for the answer. Returns the request exactly
    /// as it went to the worker, which is what the server receives.
    async fn confirm_save(&mut self) -> Request {
        assert_eq!(self.app().prompt().cloned(), Some(Prompt::Review));
        self.key(KeyCode::Enter);
        let saving = self
            .form()
            .saving
            .expect("Enter in the review sends the save");
        let request = self
            .app()
            .pending
            .get(&saving)
            .cloned()
            .expect("the save is in flight");
        self.idle().await;
        request
    }

    /// `e` on the only source listed, once its detail is here: the edit form.
    async fn open_edit(&mut self) {
        assert!(
            self.app().selected_integration().is_some(),
            "a source is selected"
        );
        self.type_text("e");
        self.idle().await;
        assert!(
            matches!(self.form().mode, Mode::Edit { .. }),
            "e opens the edit form"
        );
    }
}

/// A server holding `orders_pg` (with `password`) and a console editing it in the form; the
/// password may never be drawn.
async fn editing_orders(password: &str) -> (TestServer, String, Console) {
    let (server, id) = server_with_orders(password).await;
    let mut console = Console::open(&server).await;
    console.never_show(password);
    console.open_edit().await;
    (server, id, console)
}

/// A PostgreSQL config on the machine's PostgreSQL plus the server, for the edit flows.
async fn server_with_orders(password: &str) -> (TestServer, String) {
    let server = TestServer::start().await;
    let created = server
        .session()
        .await
        .create(Kind::Postgresql, "orders_pg", &machine_postgres(password))
        .await
        .unwrap();
    (server, created.id)
}

/// A literal config value, as the form sends it.
fn literal(value: &str) -> ConfigValue {
    ConfigValue::Literal(Secret::new(value))
}

/// The stored value of `key` as GetIntegration shows it (`None` for a secret literal).
fn shown(found: &Found, key: &str) -> Option<String> {
    found
        .secrets
        .iter()
        .find(|row| row.name == key)
        .unwrap_or_else(|| panic!("{key} is stored: {:?}", found.secrets))
        .value
        .clone()
}

/// `key`'s value on the server, revealed on purpose.
async fn revealed(session: &Session, id: &str, key: &str) -> String {
    session.reveal(id, key).await.unwrap().expose().to_string()
}

/// Asserts the server holds `name` with the machine's PostgreSQL on `port` and `password`.
async fn assert_stored_postgresql(session: &Session, name: &str, port: &str, password: &str) {
    let found = session.find(name).await.unwrap();
    assert_eq!(found.integration.name.as_deref(), Some(name));
    assert_eq!(found.integration.kind, Kind::Postgresql.to_wire() as i32);
    assert_eq!(shown(&found, "PGHOST").as_deref(), Some(PG_HOST));
    assert_eq!(shown(&found, "PGPORT").as_deref(), Some(port));
    assert_eq!(shown(&found, "PGDATABASE").as_deref(), Some(PG_DATABASE));
    assert_eq!(shown(&found, "PGUSER").as_deref(), Some(PG_USER));
    assert_eq!(shown(&found, "PGPASSWORD"), None, "a secret is withheld");
    assert_eq!(
        revealed(session, &found.integration.id, "PGPASSWORD").await,
        password
    );
}

#[tokio::test]
async fn create_a_postgresql_source_through_the_form() {
    let server = TestServer::start().await;
    let password = "form-create-pw-Zq81x";
    let mut console = Console::with_new_postgresql(&server, "shop_pg", PG_PORT).await;
    console.set_password(password);
    let screen = console.frame();
    assert!(screen.contains("New PostgreSQL source"), "{screen}");
    assert!(
        screen.contains(&"•".repeat(password.len())),
        "the password row is on screen, masked:\n{screen}"
    );
    let changes = console.review();
    assert_eq!(
        changes,
        [
            "name: shop_pg",
            "PGHOST: set to \"127.0.0.1\"",
            "PGDATABASE: set to \"test\"",
            "PGUSER: set to \"postgres\"",
            // PGPORT has a default, so it sits with the optional keys, after the required ones.
            "PGPORT: set to \"5432\"",
            "PGPASSWORD: set (secret, not shown)",
        ]
    );
    let sent = console.confirm_save().await;
    assert_eq!(
        sent,
        Request::Create {
            kind: Kind::Postgresql,
            name: "shop_pg".into(),
            config: machine_postgres(password),
        },
        "every key typed, nothing else"
    );

    assert!(
        !console.app().form_screen_open(),
        "the form closed after the save"
    );
    assert_eq!(console.flash(), "created shop_pg");
    assert_eq!(
        console
            .app()
            .selected_integration()
            .and_then(|i| i.name.as_deref()),
        Some("shop_pg"),
        "the list reloaded onto the new source"
    );
    let session = server.session().await;
    assert_eq!(session.list().await.unwrap().len(), 1);
    assert_stored_postgresql(&session, "shop_pg", PG_PORT, password).await;
    let screen = console.frame();
    assert!(screen.contains("shop_pg"), "{screen}");
    assert!(console.frames > 40, "a frame after every key");
}

#[tokio::test]
async fn a_draft_test_reaches_the_machines_postgresql_and_saves_nothing() {
    let server = TestServer::start().await;
    let mut console = Console::with_new_postgresql(&server, "draft_pg", PG_PORT).await;
    console.set_password("form-draft-pw-5Kt0");
    let result = console.test_draft().await;
    assert!(result.success, "{}", result.message);
    assert!(result.latency_ms.is_some());
    assert!(
        console.flash().starts_with("draft test ok in "),
        "{}",
        console.flash()
    );
    let screen = console.frame();
    assert!(screen.contains("draft test ✓ ok"), "{screen}");
    assert!(
        server.session().await.list().await.unwrap().is_empty(),
        "a draft test creates nothing"
    );
    assert_eq!(console.form().mode, Mode::New, "the form stays open");
    assert_eq!(console.literal("PGHOST"), PG_HOST, "and keeps the draft");
}

#[tokio::test]
async fn a_draft_test_on_a_closed_port_fails_and_saves_nothing() {
    let server = TestServer::start().await;
    let port = closed_port().to_string();
    let mut console = Console::with_new_postgresql(&server, "closed_pg", &port).await;
    console.set_password("form-closed-pw-3Hh2");
    let result = console.test_draft().await;
    assert!(
        !result.success,
        "nothing listens on {port}: {}",
        result.message
    );
    assert!(
        console.flash().starts_with("draft test failed"),
        "{}",
        console.flash()
    );
    let screen = console.frame();
    assert!(screen.contains("draft test ✗ failed"), "{screen}");
    assert!(server.session().await.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn editing_the_port_sends_only_the_port_and_keeps_the_password() {
    let password = "form-edit-pw-Rr44";
    let (server, id, mut console) = editing_orders(password).await;
    let form = console.form();
    let index = console.field("PGPASSWORD");
    assert_eq!(form.fields[index].original, Original::SecretConfigured);
    assert!(
        form.fields[index].literal.is_empty(),
        "a secret is never prefilled"
    );
    assert_eq!(
        console.literal("PGPORT"),
        PG_PORT,
        "plain values are prefilled"
    );
    let screen = console.frame();
    assert!(screen.contains("•••• configured"), "{screen}");

    console.set("PGPORT", "5433");
    let changes = console.review();
    assert_eq!(
        changes,
        ["PGPORT: \"5432\" → \"5433\""],
        "exactly one change"
    );
    let sent = console.confirm_save().await;
    assert_eq!(
        sent,
        Request::Update {
            id: id.clone(),
            name: None,
            changes: [("PGPORT".to_string(), literal("5433"))].into(),
        },
        "only the changed key is sent; the untouched password is not"
    );

    assert!(
        !console.app().form_screen_open(),
        "the form closed after the save"
    );
    assert_eq!(console.flash(), "saved orders_pg");
    let session = server.session().await;
    let found = session.find(&id).await.unwrap();
    assert_eq!(found.integration.name.as_deref(), Some("orders_pg"));
    assert_stored_postgresql(&session, "orders_pg", "5433", password).await;
}

#[tokio::test]
async fn renaming_keeps_the_id_and_the_config() {
    let password = "form-rename-pw-Jx07";
    let (server, id, mut console) = editing_orders(password).await;
    console.focus(Slot::Name);
    console.ctrl('u');
    console.type_text("orders_main");
    let changes = console.review();
    assert_eq!(changes, ["name: orders_pg → orders_main"]);
    let sent = console.confirm_save().await;
    assert_eq!(
        sent,
        Request::Update {
            id: id.clone(),
            name: Some("orders_main".into()),
            changes: Default::default(),
        },
        "the new name and no key"
    );

    assert!(!console.app().form_screen_open());
    assert_eq!(console.flash(), "saved orders_main");
    let session = server.session().await;
    let listed = session.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id, "same source, new name");
    assert_eq!(listed[0].name.as_deref(), Some("orders_main"));
    assert_stored_postgresql(&session, "orders_main", PG_PORT, password).await;
    assert!(
        session.get_by_name("orders_pg").await.is_err(),
        "the old name is gone"
    );
}

#[tokio::test]
async fn saving_an_empty_form_is_refused_with_the_cursor_on_the_name() {
    let server = TestServer::start().await;
    let mut console = Console::open(&server).await;
    console.open_new_postgresql();
    console.key(KeyCode::Down);
    console.key(KeyCode::Down);
    assert_ne!(console.form().current(), Slot::Name);
    console.ctrl('s');
    assert_eq!(
        console.app().prompt().cloned(),
        None,
        "no review while problems remain"
    );
    assert_eq!(
        console.form().current(),
        Slot::Name,
        "the cursor is on the first problem"
    );
    assert!(
        console.flash().starts_with("not saved: 4 problems"),
        "the name and three required keys (PGPORT has a default): {}",
        console.flash()
    );
    let screen = console.frame();
    assert!(screen.contains("required"), "{screen}");
    console.idle().await;
    assert!(console.app().pending.is_empty(), "nothing was sent");
    assert!(server.session().await.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_taken_name_lands_on_the_name_and_the_form_keeps_every_value() {
    let (server, id) = server_with_orders("form-seed-pw-Aa11").await;
    let password = "form-taken-pw-Bb22";
    let mut console = Console::with_new_postgresql(&server, "orders_pg", "5433").await;
    console.set_password(password);
    console.review();
    console.confirm_save().await;

    let form = console.form();
    assert_eq!(form.mode, Mode::New, "the form stays open");
    let message = form.name_message.clone().expect("the error is on the name");
    assert!(message.contains("already exists"), "{message}");
    assert_eq!(form.current(), Slot::Name, "the cursor is on the name");
    assert!(form.saving.is_none());
    assert_eq!(form.name, "orders_pg");
    for (key, value) in [
        ("PGHOST", PG_HOST),
        ("PGPORT", "5433"),
        ("PGDATABASE", PG_DATABASE),
        ("PGUSER", PG_USER),
        ("PGPASSWORD", password),
    ] {
        assert_eq!(console.literal(key), value, "{key} kept what was typed");
    }
    assert!(
        console.flash().starts_with("not saved: "),
        "{}",
        console.flash()
    );
    let screen = console.frame();
    assert!(screen.contains("already exists"), "{screen}");
    let listed = server.session().await.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id, "the first source is untouched");
}

#[tokio::test]
async fn a_linked_aws_arn_is_stored_as_its_short_secret_name() {
    // The server's store is AWS Secrets Manager in the account and region of the ARN.
    let server = TestServer::with_aws_store().await;
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg-AbCdEf";
    let mut console = Console::with_new_postgresql(&server, "linked_pg", PG_PORT).await;
    console.show_optional_keys();
    console.focus_key("PGPASSWORD");
    console.ctrl('l');
    assert!(console.form().fields[console.field("PGPASSWORD")].linked);
    console.type_text(arn);
    let changes = console.review();
    assert!(
        changes.contains(&"PGPASSWORD: linked → prod/pg".to_string()),
        "{changes:?}"
    );
    let Request::Create { config, .. } = console.confirm_save().await else {
        panic!("a new source is created");
    };
    assert_eq!(
        config.get("PGPASSWORD"),
        Some(&ConfigValue::Linked(arn.into())),
        "the reference is sent as typed; the server normalizes it"
    );

    assert!(
        !console.app().form_screen_open(),
        "flash: {}",
        console.flash()
    );
    assert_eq!(console.flash(), "created linked_pg");
    let found = server.session().await.find("linked_pg").await.unwrap();
    let password = found
        .secrets
        .iter()
        .find(|row| row.name == "PGPASSWORD")
        .expect("PGPASSWORD is stored");
    assert_eq!(password.source, SecretSource::External as i32);
    assert_eq!(password.full_name, "prod/pg");
    assert_eq!(password.value, None);
}

#[tokio::test]
async fn a_linked_local_secret_name_is_stored_and_resolved() {
    // A local store accepts plain names only; the secret exists there, so a test resolves it.
    let server = TestServer::start().await;
    server.set_local_secret("team/pg-password", "resolved-pw-Tt90");
    let mut console = Console::open(&server).await;
    console.never_show("resolved-pw-Tt90");
    console.open_new_postgresql();
    console.fill_postgresql("local_linked_pg", PG_PORT);
    console.show_optional_keys();
    console.focus_key("PGPASSWORD");
    console.ctrl('l');
    console.type_text("team/pg-password");
    let result = console.test_draft().await;
    assert!(result.success, "the link resolves: {}", result.message);
    console.review();
    console.confirm_save().await;

    assert_eq!(console.flash(), "created local_linked_pg");
    let session = server.session().await;
    let found = session.find("local_linked_pg").await.unwrap();
    let password = found
        .secrets
        .iter()
        .find(|row| row.name == "PGPASSWORD")
        .expect("PGPASSWORD is stored");
    assert_eq!(password.source, SecretSource::External as i32);
    assert_eq!(password.full_name, "team/pg-password");
}

#[tokio::test]
async fn leaving_a_changed_form_asks_and_discarding_changes_nothing() {
    let password = "form-discard-pw-Pp55";
    let (server, id, mut console) = editing_orders(password).await;
    console.set("PGHOST", "db.invalid");
    console.key(KeyCode::Esc);
    assert_eq!(
        console.app().prompt().cloned(),
        Some(Prompt::Discard),
        "Esc asks first"
    );
    let screen = console.frame();
    assert!(screen.contains("Leave the form?"), "{screen}");
    console.type_text("n");
    assert_eq!(console.app().prompt().cloned(), None, "n keeps editing");
    assert_eq!(console.flash(), "kept editing");
    assert_eq!(
        console.literal("PGHOST"),
        "db.invalid",
        "nothing typed is lost"
    );
    console.key(KeyCode::Esc);
    assert_eq!(console.app().prompt().cloned(), Some(Prompt::Discard));
    console.type_text("y");
    assert!(!console.app().form_screen_open(), "y discards");
    assert_eq!(console.flash(), "changes discarded");
    console.idle().await;

    let session = server.session().await;
    let found = session.find(&id).await.unwrap();
    assert_eq!(
        shown(&found, "PGHOST").as_deref(),
        Some(PG_HOST),
        "unchanged"
    );
    assert_stored_postgresql(&session, "orders_pg", PG_PORT, password).await;
}

#[tokio::test]
async fn clearing_a_saved_secret_sends_an_empty_value_and_nothing_else() {
    let password = "form-clear-pw-Kk19";
    let (server, id, mut console) = editing_orders(password).await;
    console.focus_key("PGPASSWORD");
    console.ctrl('k');
    assert!(
        console.flash().contains("cannot remove a key"),
        "{}",
        console.flash()
    );
    let changes = console.review();
    assert_eq!(
        changes,
        ["PGPASSWORD: cleared (set to empty: the API cannot remove a key)"]
    );
    let sent = console.confirm_save().await;
    assert_eq!(
        sent,
        Request::Update {
            id: id.clone(),
            name: None,
            changes: [("PGPASSWORD".to_string(), literal(""))].into(),
        }
    );
    let session = server.session().await;
    assert_eq!(revealed(&session, &id, "PGPASSWORD").await, "");
    let found = session.find(&id).await.unwrap();
    assert_eq!(
        shown(&found, "PGHOST").as_deref(),
        Some(PG_HOST),
        "the rest is kept"
    );
}

/// The product document's BigQuery example: a service-account key file loaded with Ctrl-F and
/// stored base64-encoded; plus a custom key, whose server warning reopens the saved source with
/// the warning on that key.
#[tokio::test]
async fn a_key_file_is_loaded_base64_encoded_and_a_custom_keys_warning_lands_on_it() {
    use base64::Engine as _;
    let server = TestServer::start().await;
    let mut console = Console::open(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("sa.json");
    let key_json = "{\"type\": \"service_account\", \"private_key\": \"form-file-key-Zz31\"}";
    std::fs::write(&key_file, key_json).unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(key_json);
    console.never_show("form-file-key-Zz31");
    console.never_show(&encoded);

    console.type_text("n");
    console.type_text("bigquery");
    console.key(KeyCode::Enter);
    assert_eq!(console.form().kind(), Kind::Bigquery);
    console.type_text("warehouse_bq");
    console.set("BQ_PROJECT", "analytics-prod");
    console.set("BQ_DATASET", "events");
    console.show_optional_keys();
    console.focus_key("BQ_CREDENTIALS_BASE64");
    console.ctrl('f');
    console.type_text(key_file.to_str().unwrap());
    console.key(KeyCode::Enter);
    console.idle().await;
    assert_eq!(console.literal("BQ_CREDENTIALS_BASE64"), encoded);
    assert!(console.flash().contains("loaded"), "{}", console.flash());

    console.ctrl('a');
    console.type_text("BQ_DATASTE");
    console.key(KeyCode::Enter);
    assert!(
        console.flash().contains("did you mean BQ_DATASET"),
        "{}",
        console.flash()
    );
    console.type_text("x");
    let changes = console.review();
    assert!(
        changes.contains(&"BQ_DATASTE: set to \"x\"".to_string()),
        "{changes:?}"
    );
    assert!(changes.contains(&"BQ_CREDENTIALS_BASE64: set (secret, not shown)".to_string()));
    console.confirm_save().await;
    console.idle().await;

    let form = console.form();
    assert!(
        matches!(form.mode, Mode::Edit { .. }),
        "reopened on the saved source"
    );
    let warning = form
        .server_warnings
        .get("BQ_DATASTE")
        .cloned()
        .unwrap_or_default();
    assert!(
        warning.contains("BQ_DATASTE"),
        "the server's warning on its key: {warning}"
    );
    assert!(
        console.frame().contains("! "),
        "the warning is drawn beside its key"
    );
    let session = server.session().await;
    let found = session.find("warehouse_bq").await.unwrap();
    assert_eq!(
        revealed(&session, &found.integration.id, "BQ_CREDENTIALS_BASE64").await,
        encoded
    );
}
