//! End-to-end runs of the real binary in a real pseudo-terminal (tmux): the console on its
//! embedded default, driven with `send-keys`, read with `capture-pane`, polled with deadlines.
//! Each run has its own tmux server socket and home directory.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{Cli, create_machine_postgres, wait_until_blocking};

const PG_PASSWORD: &str = "tmux-pg-password-4c1";
const WAIT: Duration = Duration::from_secs(30);

/// A console running in a detached tmux session, killed on drop.
struct Console {
    socket: String,
    log: PathBuf,
    /// Every screen captured so far, for [`Console::assert_never_showed`].
    captures: RefCell<Vec<String>>,
}

impl Console {
    /// Starts `sourcedeck` (no arguments) in an 80×24 pane with `cli`'s isolated environment.
    fn start(cli: &Cli, extra_args: &[&str]) -> Self {
        let home = cli.home_dir();
        let socket = format!(
            "sd-{}-{}",
            std::process::id(),
            home.file_name().unwrap().to_string_lossy()
        );
        let log = home.join("console.log");
        let mut env = vec![
            format!("HOME={}", home.display()),
            format!("XDG_DATA_HOME={}", home.join("data").display()),
            format!("XDG_CONFIG_HOME={}", home.join("config").display()),
            format!("SOURCEDECK_LOG={}", log.display()),
            "SOURCEDECK_LOG_LEVEL=debug".into(),
            "TERM=xterm-256color".into(),
            "NO_COLOR=1".into(),
            format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
        ];
        env.extend(cli.env.iter().map(|(k, v)| format!("{k}={v}")));
        let binary = env!("CARGO_BIN_EXE_sourcedeck");
        let script = format!(
            "cd {home}; env -i {env} {binary} {args}; echo \"console exited with $?\"; sleep 600",
            home = shell_quote(home),
            env = env
                .iter()
                .map(|e| shell_quote(Path::new(e)))
                .collect::<Vec<_>>()
                .join(" "),
            args = extra_args.join(" "),
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
            ])
            .arg(script)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Self {
            socket,
            log,
            captures: RefCell::default(),
        }
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("tmux capture-pane");
        let screen = String::from_utf8_lossy(&output.stdout).into_owned();
        self.captures.borrow_mut().push(screen.clone());
        screen
    }

    /// Types `text` literally (no key names).
    fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    /// Asserts no screen captured so far, nor the log, contains `secret`.
    fn assert_never_showed(&self, secret: &str) {
        let captures = self.captures.borrow();
        assert!(!captures.is_empty());
        for screen in captures.iter() {
            assert!(
                !screen.contains(secret),
                "a capture shows {secret:?}:\n{screen}"
            );
        }
        let log = self.log_text();
        assert!(!log.is_empty(), "the console wrote its log");
        assert!(!log.contains(secret), "the log holds {secret:?}");
    }

    /// Polls the screen until it contains `text`; panics with the last screen otherwise.
    fn wait_for(&self, text: &str) -> String {
        let mut last = String::new();
        let found = wait_until_blocking(WAIT, || {
            last = self.screen();
            last.contains(text)
        });
        assert!(found, "{text:?} never appeared; last screen:\n{last}");
        last
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

/// An isolated home whose embedded server already holds a PostgreSQL source pointing at the
/// machine's PostgreSQL and a second source.
fn seeded_home() -> Cli {
    let cli = Cli::isolated();
    cli.run(&create_machine_postgres("orders_pg"), Some(PG_PASSWORD))
        .assert_ok();
    cli.run(
        &[
            "create",
            "--kind",
            "kafka",
            "--name",
            "events",
            "--set",
            "KAFKA_BOOTSTRAP_SERVER=127.0.0.1:9092",
            "--set",
            "KAFKA_TOPIC=clicks",
        ],
        None,
    )
    .assert_ok();
    cli
}

#[test]
fn browse_and_read_a_detail_then_quit_restores_the_terminal() {
    let cli = seeded_home();
    let console = Console::start(&cli, &[]);
    let screen = console.wait_for("orders_pg");
    assert!(
        screen.contains("(local)"),
        "the header says local:\n{screen}"
    );
    assert!(screen.contains("events"));
    console.keys(&["j"]);
    let screen = console.wait_for("PGHOST");
    assert!(screen.contains("•••• configured"), "{screen}");
    console.keys(&["?"]);
    console.wait_for("Find and sort");
    console.keys(&["Escape", "q"]);
    let screen = console.wait_for("console exited with 0");
    assert!(
        !screen.contains("Integrations"),
        "the alternate screen is gone:\n{screen}"
    );
    assert!(!screen.contains(PG_PASSWORD));
    assert!(
        !console.log_text().contains(PG_PASSWORD),
        "the log never holds a secret"
    );
}

#[test]
fn test_a_postgresql_source_against_the_machines_postgresql() {
    let cli = seeded_home();
    let console = Console::start(&cli, &[]);
    console.wait_for("orders_pg");
    console.keys(&["j", "t"]);
    let screen = console.wait_for("✓ ok in");
    assert!(screen.contains("SELECT 1"), "{screen}");
    // Reveal the password on purpose, then make sure it is masked again on moving away.
    console.keys(&["Tab", "j", "j", "x"]);
    console.wait_for(PG_PASSWORD);
    console.keys(&["Escape", "k"]);
    // Well before the 30 s expiry: moving away is what masks it.
    let masked = wait_until_blocking(Duration::from_secs(10), || {
        !console.screen().contains(PG_PASSWORD)
    });
    assert!(masked, "moving the selection masks the secret again");
    console.keys(&["C-c"]);
    console.wait_for("console exited with 0");
    assert!(!console.log_text().contains(PG_PASSWORD));
}

#[test]
fn delete_with_confirmation() {
    let cli = seeded_home();
    let console = Console::start(&cli, &[]);
    console.wait_for("orders_pg");
    console.keys(&["d"]);
    console.wait_for("Confirm delete");
    console.keys(&["Enter"]);
    console.wait_for("delete cancelled");
    console.keys(&["d"]);
    console.wait_for("Confirm delete");
    console.keys(&["Right", "Enter"]);
    console.wait_for("deleted events");
    console.keys(&["q"]);
    console.wait_for("console exited with 0");
    let listed = cli.run(&["list", "--json"], None);
    listed.assert_ok();
    assert!(listed.stdout.contains("orders_pg") && !listed.stdout.contains("\"events\""));
}

#[test]
fn readonly_shows_the_badge_and_refuses_delete() {
    let cli = seeded_home();
    let console = Console::start(&cli, &["--readonly"]);
    let screen = console.wait_for("READ-ONLY");
    assert!(!screen.contains("delete"), "{screen}");
    console.keys(&["d"]);
    console.keys(&["q"]);
    console.wait_for("console exited with 0");
    let listed = cli.run(&["list", "--json"], None);
    assert!(listed.stdout.contains("\"events\""));
}

/// The config form end to end in a real terminal: `n`, pick PostgreSQL, fill it for the
/// machine's PostgreSQL, test the draft (Ctrl-T), save it (Ctrl-S, Enter), then `e` to change
/// its port and save again; the CLI then sees the new port and the password kept, and the typed
/// password never reached a screen or the log.
#[test]
fn create_test_and_edit_a_postgresql_source_in_the_form() {
    let cli = Cli::isolated();
    let password = "tmux-form-pw-8Vd3q";
    let console = Console::start(&cli, &[]);
    console.wait_for("(local)");
    console.keys(&["n"]);
    console.wait_for("New source: pick a kind");
    console.type_text("postgres");
    console.wait_for("kind: postgres");
    console.keys(&["Enter"]);
    console.wait_for("New PostgreSQL source");
    // Name, then the required keys in catalog order, then the optional keys' toggle; the port
    // (default 5432) is the first optional key, the password the next.
    console.type_text("tmux_form_pg");
    for value in ["127.0.0.1", "test", "postgres"] {
        console.keys(&["Down"]);
        console.type_text(value);
    }
    console.wait_for("postgres▏");
    console.keys(&["Down", "Enter", "Down"]);
    console.type_text("5432");
    console.wait_for("5432▏");
    console.keys(&["Down"]);
    console.type_text(password);
    console.wait_for(&"•".repeat(password.len()));
    console.keys(&["C-t"]);
    console.wait_for("draft test ✓ ok");
    console.keys(&["C-s"]);
    let review = console.wait_for("Review");
    assert!(
        review.contains("PGPASSWORD: set (secret, not shown)"),
        "{review}"
    );
    console.keys(&["Enter"]);
    console.wait_for("created tmux_form_pg");

    console.keys(&["e"]);
    console.wait_for("Edit tmux_form_pg");
    console.wait_for("•••• configured");
    // Name, Host, Database, User, the optional keys' toggle (open: the source has some), Port.
    console.keys(&["Down", "Down", "Down", "Down", "Down", "C-u"]);
    console.type_text("5433");
    console.wait_for("5433");
    console.keys(&["C-s"]);
    let review = console.wait_for("Review");
    assert!(review.contains("PGPORT: \"5432\" → \"5433\""), "{review}");
    assert!(
        !review.contains("PGPASSWORD"),
        "the password is not sent: {review}"
    );
    console.keys(&["Enter"]);
    console.wait_for("saved tmux_form_pg");
    console.keys(&["q"]);
    console.wait_for("console exited with 0");
    console.assert_never_showed(password);

    let shown = cli.run(&["get", "tmux_form_pg", "--json"], None);
    shown.assert_ok();
    shown.assert_never_shows(password);
    let parsed: serde_json::Value = serde_json::from_str(&shown.stdout).expect("JSON");
    assert_eq!(parsed["config"]["PGPORT"]["value"], "5433");
    assert_eq!(parsed["config"]["PGHOST"]["value"], "127.0.0.1");
    assert_eq!(parsed["config"]["PGDATABASE"]["value"], "test");
    assert_eq!(parsed["config"]["PGUSER"]["value"], "postgres");
    assert_eq!(parsed["config"]["PGPASSWORD"]["secret"], true);
    let revealed = cli.run(&["get", "tmux_form_pg", "--reveal", "PGPASSWORD"], None);
    revealed.assert_ok();
    assert!(
        revealed.stdout.contains(password),
        "the password was kept by the edit: {}",
        revealed.stdout
    );
}

/// The real binary signed in as a `viewer` (SECRETS_LIST only) of a team server: the badge says
/// why it is read-only, the detail pane why no config opens, and changing keys do nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_credential_shows_the_read_only_badge_saying_why() {
    let server = crate::common::team::role_server().await;
    server
        .session()
        .await
        .create(
            sourcedeck::domain::Kind::Postgresql,
            "orders_pg",
            &crate::common::machine_postgres(PG_PASSWORD),
        )
        .await
        .unwrap();
    let mut cli = Cli::against(&server);
    cli.env = vec![
        ("CHALK_CLIENT_ID".into(), "viewer".into()),
        (
            "CHALK_CLIENT_SECRET".into(),
            crate::common::team::ROLE_SECRET.into(),
        ),
        ("CHALK_API_SERVER".into(), server.url()),
    ];
    tokio::task::spawn_blocking(move || {
        let console = Console::start(&cli, &[]);
        // 80 columns: the badge's short form.
        let screen = console.wait_for("READ-ONLY: no write");
        assert!(screen.contains("orders_pg"), "{screen}");
        let screen = console.wait_for("not open their configs");
        assert!(
            !screen.contains(" e edit") && !screen.contains(" n new"),
            "{screen}"
        );
        console.keys(&["d", "n"]);
        console.keys(&["?"]);
        let top = console.wait_for("Inspect and copy");
        assert!(!top.contains("reveal"), "{top}");
        // The help is taller than 24 rows: scroll to its foot.
        console.keys(&["j"; 14]);
        let foot = console.wait_for("Read-only (no SECRETS_WRITE in default)");
        assert!(foot.contains("No SECRETS_DECRYPT"), "{foot}");
        console.keys(&["Escape", "q"]);
        console.wait_for("console exited with 0");
        console.assert_never_showed(PG_PASSWORD);
        let listed = cli.run(&["list", "--json"], None);
        assert!(listed.stdout.contains("orders_pg"), "{}", listed.stdout);
    })
    .await
    .unwrap();
}
