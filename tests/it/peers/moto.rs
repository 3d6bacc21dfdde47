//! moto's server mode (from the project's Python venv) on a loopback port, prepared by
//! tests/python/moto_setup.py with IAM users, a DynamoDB table, a Kinesis stream with records
//! and an Athena work group, then with signature and policy checks switched on. Killed on drop.

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start listening on a busy two-core machine.
const START_DEADLINE: Duration = Duration::from_secs(90);
/// How long the set-up script may take.
const SETUP_DEADLINE: Duration = Duration::from_secs(90);

/// An access key created in moto's IAM.
#[derive(Clone, Debug)]
pub struct Key {
    pub id: String,
    pub secret: String,
}

pub struct Moto {
    child: Child,
    pub port: u16,
    /// Allowed every action.
    pub checker: Key,
    /// Allowed nothing.
    pub nobody: Key,
    /// The ARN of a role a web identity may assume, allowed secretsmanager:GetSecretValue only.
    pub secrets_reader_role: String,
    _logs: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command for the venv's python with no proxy settings (set-up traffic stays on loopback).
fn python(args: &[&str]) -> Command {
    let mut command = Command::new(crate::common::venv_python());
    command.args(args);
    for (name, _) in std::env::vars_os() {
        let upper = name.to_string_lossy().to_ascii_uppercase();
        if upper.ends_with("_PROXY") || upper.starts_with("AWS_") {
            command.env_remove(&name);
        }
    }
    command.env("NO_PROXY", "*").stdin(Stdio::null());
    command
}

/// The port moto announced in its log (` * Running on http://127.0.0.1:PORT`), once it has.
fn announced_port(log: &str) -> Option<u16> {
    let rest = log.split("Running on http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl Moto {
    /// Starts moto on a free loopback port and prepares it; blocking (use `spawn_blocking`).
    pub fn start() -> Self {
        let logs = tempfile::tempdir().expect("log dir");
        let log_path = logs.path().join("moto.log");
        let log = File::create(&log_path).expect("log file");
        let mut child = python(&[
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            // Port 0: the system picks a free port and moto announces it, so no other process
            // can take it between choosing and binding.
            "-p",
            "0",
        ])
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .expect("moto starts (is moto[server] installed in the venv? run `bash .ci/run`)");
        let started = Instant::now();
        let port = loop {
            let log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
            if let Some(port) = announced_port(&log_text) {
                let address = SocketAddr::from(([127, 0, 0, 1], port));
                if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                    break port;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "moto exited with {status} before listening:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            if started.elapsed() > START_DEADLINE {
                let _ = child.kill();
                panic!(
                    "moto did not start listening within {START_DEADLINE:?}:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut moto = Self {
            child,
            port,
            checker: Key {
                id: String::new(),
                secret: String::new(),
            },
            nobody: Key {
                id: String::new(),
                secret: String::new(),
            },
            secrets_reader_role: String::new(),
            _logs: logs,
        };
        let keys = moto.setup();
        moto.checker = key(&keys, "checker");
        moto.nobody = key(&keys, "nobody");
        moto.secrets_reader_role = keys["secrets_reader_role"]
            .as_str()
            .expect("role ARN")
            .to_string();
        moto
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Lets the next `count` requests through without a signature, then checks again.
    ///
    /// AWS's STS answers AssumeRoleWithWebIdentity unsigned, but moto's IAM checks want every
    /// request signed; one unsigned request allowed right before it stands in for the real rule.
    /// Only deterministic while nothing else calls this moto in between.
    pub fn allow_unsigned(&self, count: u32) {
        let body = count.to_string();
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let mut stream =
            TcpStream::connect_timeout(&address, Duration::from_secs(5)).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        let request = format!(
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        std::io::Write::write_all(&mut stream, request.as_bytes()).expect("send reset-auth");
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).expect("read reset-auth answer");
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "reset-auth: {answer}"
        );
    }

    /// Runs the set-up script under a deadline; its stdout is the keys' JSON.
    fn setup(&self) -> serde_json::Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/moto_setup.py");
        let out = tempfile::NamedTempFile::new().expect("temp file");
        let err = tempfile::NamedTempFile::new().expect("temp file");
        let mut child = python(&[script.to_str().expect("utf-8 path"), &self.url()])
            .stdout(out.reopen().expect("reopen"))
            .stderr(err.reopen().expect("reopen"))
            .spawn()
            .expect("set-up script starts");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > SETUP_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("moto_setup.py did not finish within {SETUP_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = std::fs::read_to_string(out.path()).unwrap_or_default();
        let stderr = std::fs::read_to_string(err.path()).unwrap_or_default();
        assert!(
            status.success(),
            "moto_setup.py failed ({status}):\n{stderr}"
        );
        serde_json::from_str(stdout.trim()).expect("moto_setup.py prints the keys as JSON")
    }
}

fn key(keys: &serde_json::Value, user: &str) -> Key {
    Key {
        id: keys[user]["id"].as_str().expect("key id").to_string(),
        secret: keys[user]["secret"].as_str().expect("secret").to_string(),
    }
}
