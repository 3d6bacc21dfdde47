//! End-to-end runs of the real binary in a real pseudo-terminal (tmux): the console on its
//! embedded default, driven with `send-keys`, read with `capture-pane`, polled with deadlines.
//! Each run has its own tmux server socket and home directory.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Cli, create_machine_postgres, wait_until_blocking};

const PG_PASSWORD: &str = "tmux-pg-password-4c1";
const WAIT: Duration = Duration::from_secs(30);

/// A console running in a detached tmux session, killed on drop.
struct Console {
    socket: String,
    log: PathBuf,
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
        Self { socket, log }
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
        String::from_utf8_lossy(&output.stdout).into_owned()
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
