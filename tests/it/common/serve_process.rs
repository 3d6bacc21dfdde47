//! `sourcedeck serve` as a real child process, for the tests that kill it, restart it on the same
//! data directory or expect it to refuse to start: it runs with the test client credentials, its
//! stderr goes to `serve.log` in the test's home directory, its bound URL is read from its first
//! line within [`START_DEADLINE`], and it is killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sourcedeck::client::Session;

use super::{CALL_TIMEOUT, CLIENT_ID, CLIENT_SECRET, credentials, sourcedeck_command};

/// How long `serve` may take to print its listening line.
pub const START_DEADLINE: Duration = Duration::from_secs(30);

/// A running `sourcedeck serve` child process, killed when dropped.
pub struct ServeProcess {
    pub child: Child,
    pub url: String,
    /// Kept open so the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl ServeProcess {
    /// Starts `serve` on 127.0.0.1:0 with `data_dir`.
    pub fn start(home: &Path, data_dir: &Path) -> Self {
        Self::start_with(home, data_dir, &[], &[])
    }

    /// Starts `serve` listening on `listen` (e.g. the port of a server that was killed).
    pub fn start_on(home: &Path, data_dir: &Path, listen: &str) -> Self {
        Self::wait_for_url(home, serve_command(home, data_dir, listen, &[], &[]))
    }

    /// Starts `serve` on 127.0.0.1:0 with more flags and environment variables.
    pub fn start_with(
        home: &Path,
        data_dir: &Path,
        extra: &[&str],
        env: &[(String, String)],
    ) -> Self {
        Self::wait_for_url(
            home,
            serve_command(home, data_dir, "127.0.0.1:0", extra, env),
        )
    }

    /// Reads the listening line (bounded by [`START_DEADLINE`]); panics with the log otherwise.
    fn wait_for_url(home: &Path, mut child: Child) -> Self {
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = sender.send((line, reader));
        });
        let Ok((line, reader)) = receiver.recv_timeout(START_DEADLINE) else {
            let _ = child.kill();
            panic!("serve did not start; log:\n{}", serve_log(home));
        };
        let Some(url) = parse_listening_line(&line) else {
            let _ = child.kill();
            panic!("unexpected first line {line:?}; log:\n{}", serve_log(home))
        };
        Self {
            child,
            url,
            _stdout: reader,
        }
    }

    /// SIGKILL (what `Child::kill` sends on unix), then reap.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }

    /// A session with the test client's credentials.
    pub async fn session(&self) -> Session {
        Session::connect(&credentials(&self.url), CALL_TIMEOUT)
            .await
            .expect("session connects")
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve` on `listen` with `data_dir`, the test credentials and `extra` flags, not yet waited
/// for: stdout piped (the listening line), stderr appended to `serve.log` in `home`.
pub fn serve_command(
    home: &Path,
    data_dir: &Path,
    listen: &str,
    extra: &[&str],
    env: &[(String, String)],
) -> Child {
    let data = data_dir.to_str().expect("utf-8 path");
    let mut args = vec![
        "serve",
        "--listen",
        listen,
        "--data-dir",
        data,
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
    ];
    args.extend_from_slice(extra);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(home.join("serve.log"))
        .expect("log file");
    sourcedeck_command(home, env, &args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("serve starts")
}

/// What every `serve` started in `home` logged so far.
pub fn serve_log(home: &Path) -> String {
    std::fs::read_to_string(home.join("serve.log")).unwrap_or_default()
}

/// `sourcedeck serve listening on http://127.0.0.1:PORT (...)` → `http://127.0.0.1:PORT`.
fn parse_listening_line(line: &str) -> Option<String> {
    let rest = line.strip_prefix("sourcedeck serve listening on ")?;
    let url = rest.split_whitespace().next()?;
    let port: u16 = url.strip_prefix("http://127.0.0.1:")?.parse().ok()?;
    (port != 0).then(|| url.to_string())
}
