//! Interoperability with the official Chalk Python SDK (`chalkpy==2.166.1`): starts the real
//! `sourcedeck serve` on a loopback port and runs `tests/python/sdk_examples.py`, which executes
//! the product document's `client.api.datasources` examples against it and asserts on the results.
//!
//! The same suite runs against a `serve` keeping its state in SQLite (the default) and in
//! PostgreSQL (a fresh database of the machine's server).
//!
//! The SDK lives in a virtualenv: `$SOURCEDECK_TEST_PYTHON`, else `<repo>/.venv/bin/python`, which
//! `.ci/run` creates (`python3 -m venv .venv && .venv/bin/pip install chalkpy==2.166.1`). Without
//! it this test fails: it never passes silently.

use crate::common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "sdk-interop-client";
const ENVIRONMENT: &str = "sdk_interop";
/// A second environment on the same server, for the SDK's `environment=` check.
const OTHER_ENVIRONMENT: &str = "sdk_interop_other";
const SERVER_START_DEADLINE: Duration = Duration::from_secs(30);
const SCRIPT_DEADLINE: Duration = Duration::from_secs(120);

/// The server process; killed (and reaped) when dropped, also when the test panics.
struct ServerGuard {
    child: Child,
    stderr_log: PathBuf,
}

impl ServerGuard {
    /// The server's log, for failure messages.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `serve` listens and which environment id it serves.
struct Listening {
    port: u16,
    environment_id: String,
}

/// Parses `sourcedeck serve listening on http://127.0.0.1:PORT (environment NAME id ID, ...)`.
fn parse_listening(line: &str) -> Option<Listening> {
    let rest = line.split("listening on http://127.0.0.1:").nth(1)?;
    let port = rest
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    let environment_id = line
        .split(" id ")
        .nth(1)?
        .split(|c: char| c == ',' || c == ')' || c.is_whitespace())
        .next()?
        .to_string();
    (!environment_id.is_empty()).then_some(Listening {
        port,
        environment_id,
    })
}

/// Removes what could send the SDK or the CLI elsewhere than our server: the caller's Chalk
/// settings, an XDG config dir, and proxies (gRPC honours `http_proxy` even for loopback).
fn isolate(command: &mut Command, home: &Path) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        let upper = name.to_ascii_uppercase();
        if upper.starts_with("CHALK_")
            || upper.starts_with("_CHALK_")
            || upper.starts_with("SOURCEDECK_")
            || upper.ends_with("_PROXY")
            || upper == "XDG_CONFIG_HOME"
        {
            command.env_remove(&name);
        }
    }
    command
        .env("HOME", home)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
}

/// Starts `sourcedeck serve` on 127.0.0.1:0 and waits (with a deadline) for its listening line.
fn start_server(
    data_dir: &Path,
    home: &Path,
    secret: &str,
    log_dir: &Path,
    store: Option<&str>,
) -> (ServerGuard, Listening) {
    let stderr_log = log_dir.join("serve.stderr.log");
    let stderr = std::fs::File::create(&stderr_log).expect("creating the server log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sourcedeck"));
    isolate(&mut command, home);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--client-id", CLIENT_ID, "--client-secret", secret])
        .args(["--environment", ENVIRONMENT])
        .args(["--environment", OTHER_ENVIRONMENT])
        .args(store.map(|url| ["--store", url]).into_iter().flatten())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    let mut child = command.spawn().expect("starting sourcedeck serve");
    let stdout = child.stdout.take().expect("serve's stdout");
    let mut guard = ServerGuard { child, stderr_log };

    let (lines, received) = mpsc::channel::<String>();
    thread::spawn(move || {
        // Keep draining stdout for the server's lifetime so it never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + SERVER_START_DEADLINE;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(remaining) {
            Ok(line) => {
                if let Some(listening) = parse_listening(&line) {
                    return (guard, listening);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!(
                    "sourcedeck serve printed no listening line within {SERVER_START_DEADLINE:?}; its log:\n{}",
                    guard.log()
                );
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = guard.child.wait().ok();
                panic!(
                    "sourcedeck serve exited ({status:?}) before printing its listening line; its log:\n{}",
                    guard.log()
                );
            }
        }
    }
}

/// Reads a pipe to the end on a thread; the receiver gets the text at EOF.
fn collect(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (done, text) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = done.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    text
}

#[test]
fn official_python_sdk_runs_the_documented_examples() {
    run_the_documented_examples(None);
}

#[test]
fn official_python_sdk_runs_the_documented_examples_on_postgres() {
    let database = common::pg::PgDatabase::create();
    run_the_documented_examples(Some(&database.url()));
    // The server's state lived in PostgreSQL: its audit trail is there.
    let audited = database.query_text("SELECT count(*)::text FROM audit_log");
    let audited: u64 = audited[0].as_deref().unwrap_or("0").parse().unwrap();
    assert!(audited > 10, "{audited} audit records in PostgreSQL");
}

/// Runs the SDK script against a fresh `serve` (its state in `store`, else SQLite).
fn run_the_documented_examples(store: Option<&str>) {
    let python = common::venv_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_examples.py");
    assert!(script.is_file(), "missing {}", script.display());

    let scratch = tempfile::tempdir().expect("temp dir");
    let home = scratch.path().join("home");
    let data_dir = scratch.path().join("data");
    std::fs::create_dir_all(&home).expect("creating HOME");
    let secret = format!("sdk-interop-secret-{}", std::process::id());
    let (server, listening) = start_server(&data_dir, &home, &secret, scratch.path(), store);

    let mut command = Command::new(&python);
    isolate(&mut command, &home);
    command
        .arg("-u")
        .arg(&script)
        .current_dir(scratch.path())
        .env("CHALK_CLIENT_ID", CLIENT_ID)
        .env("CHALK_CLIENT_SECRET", &secret)
        .env("CHALK_API_SERVER", format!("127.0.0.1:{}", listening.port))
        .env("CHALK_ENVIRONMENT", ENVIRONMENT)
        .env("SOURCEDECK_OTHER_ENVIRONMENT", OTHER_ENVIRONMENT)
        .env(
            "SOURCEDECK_EXPECTED_ENVIRONMENT_ID",
            &listening.environment_id,
        )
        .env("SOURCEDECK_BIN", env!("CARGO_BIN_EXE_sourcedeck"))
        .env("SOURCEDECK_DATA_DIR", &data_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("running {}: {error}", python.display()));
    let stdout = collect(child.stdout.take().expect("script stdout"));
    let stderr = collect(child.stderr.take().expect("script stderr"));

    // stdout reaches EOF when the script exits; wait for that with a deadline.
    let deadline = Instant::now() + SCRIPT_DEADLINE;
    let out = match stdout.recv_timeout(SCRIPT_DEADLINE) {
        Ok(text) => text,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            let err = stderr
                .recv_timeout(Duration::from_secs(5))
                .unwrap_or_default();
            panic!(
                "sdk_examples.py did not finish within {SCRIPT_DEADLINE:?} and was killed\nstderr:\n{err}\nserver log:\n{}",
                server.log()
            );
        }
    };
    let err = stderr
        .recv_timeout(deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(5))
        .unwrap_or_default();
    let status = child.wait().expect("waiting for sdk_examples.py");

    println!("{out}");
    if !err.trim().is_empty() {
        println!("--- sdk_examples.py stderr ---\n{err}");
    }
    assert!(
        status.success(),
        "sdk_examples.py failed ({status}); its output is above\nserver log:\n{}",
        server.log()
    );
    let last = out
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 passed"),
        "sdk_examples.py exited 0 but its last line is {last:?}"
    );
    drop(server);
}

#[test]
fn parses_the_listening_line() {
    let line = "sourcedeck serve listening on http://127.0.0.1:40123 (environment sdk_interop id ab12cd34ef, data /tmp/x, secret store local)";
    let listening = parse_listening(line).expect("parsed");
    assert_eq!(listening.port, 40123);
    assert_eq!(listening.environment_id, "ab12cd34ef");
    assert!(parse_listening("something else").is_none());
}
