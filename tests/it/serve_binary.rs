//! The real `sourcedeck serve` binary: TLS with a certificate the client trusts through
//! SSL_CERT_FILE, refusing plaintext on a non-loopback address, and logs that never carry a
//! secret value, even at trace level.

use crate::common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "binary-test";
const CLIENT_SECRET: &str = "binary-test-client-secret-55e0";

/// Kills the server when the test ends, however it ends.
struct ServerGuard(Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_sourcedeck")
}

/// Starts `serve` with `extra` flags, stderr to `log`, and waits (bounded) for its listening line.
fn serve(
    data_dir: &Path,
    log: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (ServerGuard, String) {
    let stderr = std::fs::File::create(log).unwrap();
    let mut command = Command::new(binary());
    command
        .args(["serve", "--client-id", CLIENT_ID, "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env("SOURCEDECK_CLIENT_SECRET", CLIENT_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = ServerGuard(child);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("serve printed its listening line");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://") || word.starts_with("https://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (guard, url)
}

/// Runs the CLI against `server` and returns (exit code, stdout, stderr).
fn cli(
    server: &str,
    home: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    use std::io::Write;
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("CHALK_CLIENT_ID", CLIENT_ID)
        .env("CHALK_CLIENT_SECRET", CLIENT_SECRET)
        .env("CHALK_API_SERVER", server)
        .current_dir(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), out, err);
        }
        assert!(
            Instant::now() < deadline,
            "sourcedeck {args:?} did not finish in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_tls_to_a_client_that_trusts_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = common::certs::signed_by_test_ca(dir.path(), "server", "IP:127.0.0.2");
    // 127.0.0.2 is loopback, but does not start with 127.0.0.1, so the client insists on TLS.
    let (_server, url) = serve(
        &dir.path().join("data"),
        &dir.path().join("serve.log"),
        &[
            "--listen",
            "127.0.0.2:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(url.starts_with("https://127.0.0.2:"), "{url}");
    let authority = url.trim_start_matches("https://");
    let trusted = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    let (code, out, err) = cli(authority, dir.path(), &["list", "--json"], "", &trusted);
    assert_eq!(code, 0, "stdout {out} stderr {err}");
    assert_eq!(out.trim(), "[]");
    // Without trusting the certificate the handshake fails, and says so in one line.
    let (code, _, err) = cli(
        authority,
        dir.path(),
        &["list"],
        "",
        &[("SSL_CERT_FILE", "/nonexistent")],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn refuses_plaintext_on_a_non_loopback_address() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(binary())
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--client-id",
            CLIENT_ID,
            "--data-dir",
        ])
        .arg(dir.path())
        .env("SOURCEDECK_CLIENT_SECRET", CLIENT_SECRET)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0 without TLS") && err.contains("--insecure"),
        "{err}"
    );
}

#[test]
fn logs_never_contain_secret_values_even_at_trace_level() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let (server, url) = serve(
        &dir.path().join("data"),
        &log,
        &["--listen", "127.0.0.1:0"],
        &[("SOURCEDECK_LOG_LEVEL", "trace")],
    );
    let pg_password = "pg-password-never-logged-3b9d";
    let my_password = "mysql-password-never-logged-8c2e";
    let home = dir.path();
    let create = |args: &[&str], stdin: &str| {
        let (code, out, err) = cli(&url, home, args, stdin, &[]);
        assert_eq!(code, 0, "{args:?}: {out} {err}");
        assert!(!out.contains(pg_password) && !err.contains(pg_password));
        assert!(!out.contains(my_password) && !err.contains(my_password));
    };
    create(&common::create_machine_postgres("pg"), pg_password);
    create(
        &[
            "create",
            "--kind",
            "mysql",
            "--name",
            "maria",
            "--set",
            "MYSQL_HOST=127.0.0.1",
            "--set",
            "MYSQL_DATABASE=test",
            "--set",
            "MYSQL_USER=root",
            "--secret",
            "MYSQL_PWD",
        ],
        my_password,
    );
    create(&["get", "pg"], "");
    let (code, out, _) = cli(&url, home, &["test", "maria"], "", &[]);
    assert_eq!(code, 3, "a wrong MariaDB password fails the test: {out}");
    assert!(
        out.contains("Access denied") && !out.contains(my_password),
        "{out}"
    );
    let (code, out, _) = cli(
        &url,
        home,
        &["get", "pg", "--reveal", "PGPASSWORD"],
        "",
        &[],
    );
    assert_eq!(code, 0);
    assert!(out.contains(pg_password), "revealed on purpose: {out}");
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("created integration"),
        "the log was written: {logged}"
    );
    for secret in [pg_password, my_password, CLIENT_SECRET] {
        assert!(
            !logged.contains(secret),
            "{secret} leaked into the serve log"
        );
    }
}

/// `serve --test-deny`: a test aimed at a denied loopback address fails at the connect stage
/// naming the rule, and nothing is dialled; other addresses are still reached. (A name resolving
/// to a denied address: `probe::transport::tcp`'s unit tests.)
#[test]
fn tests_to_denied_addresses_fail_at_connect_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(
        &dir.path().join("data"),
        &dir.path().join("serve.log"),
        &[
            "--listen",
            "127.0.0.1:0",
            "--test-deny",
            "127.0.0.2/32",
            "--test-deny",
            "127.0.0.3",
        ],
        &[],
    );
    let home = dir.path();
    let create = |name: &str, host: &str| {
        let host = format!("PGHOST={host}");
        let mut args = common::create_machine_postgres(name);
        args[6] = host.as_str();
        let (code, out, err) = cli(&url, home, &args, "pw-egress-test-0d1f", &[]);
        assert_eq!(code, 0, "{out} {err}");
    };
    create("denied", "127.0.0.2");
    let (code, out, _) = cli(&url, home, &["test", "denied"], "", &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("connect failed: 127.0.0.2:5432 is denied by --test-deny 127.0.0.2/32"),
        "{out}"
    );
    // A bare address is its own /32.
    create("named", "127.0.0.3");
    let (code, out, _) = cli(&url, home, &["test", "named"], "", &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("connect failed: 127.0.0.3:5432 is denied by --test-deny 127.0.0.3/32"),
        "{out}"
    );
    create("allowed", "127.0.0.1");
    let (code, out, _) = cli(&url, home, &["test", "allowed"], "", &[]);
    assert!(!out.contains("denied by"), "{code}: {out}");
}

#[test]
fn serve_takes_its_proxy_from_the_environment_and_never_logs_its_password() {
    use crate::peers::http::{Answer, Peer};
    use crate::peers::http_proxy::ProxyPeer;
    use base64::Engine as _;
    use rand::distr::{Alphanumeric, SampleString};

    let proxy_password = Alphanumeric.sample_string(&mut rand::rng(), 24);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let authorization = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("relay:{proxy_password}"))
    );
    let (proxy, peer) = runtime.block_on(async {
        (
            ProxyPeer::requiring(&authorization).await,
            Peer::plain(|_| Answer::text(200, "1\n")).await,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let proxy_url = proxy.url(Some(&format!("relay:{proxy_password}")));
    let (_server, url) = serve(
        &dir.path().join("data"),
        &log,
        &["--listen", "127.0.0.1:0"],
        &[
            ("SOURCEDECK_LOG_LEVEL", "trace"),
            ("http_proxy", &proxy_url),
            ("no_proxy", ""),
            ("NO_PROXY", ""),
        ],
    );
    let home = dir.path();
    let peer_url = peer.url();
    let (code, out, err) = cli(
        &url,
        home,
        &[
            "create",
            "--kind",
            "clickhouse",
            "--name",
            "ch",
            "--set",
            &format!("CLICKHOUSE_HOST={peer_url}"),
            "--set",
            "CLICKHOUSE_DATABASE=analytics",
            "--set",
            "CLICKHOUSE_USER=admin",
        ],
        "",
        &[],
    );
    assert_eq!(code, 0, "{out} {err}");
    let (code, out, err) = cli(&url, home, &["test", "ch"], "", &[]);
    assert_eq!(code, 0, "the test passes through the proxy: {out} {err}");
    let seen = proxy.seen();
    assert!(
        !seen.is_empty()
            && seen
                .iter()
                .all(|passed| passed.target.starts_with(&peer_url)),
        "{seen:?}"
    );
    for output in [out, err, std::fs::read_to_string(&log).unwrap()] {
        assert!(!output.contains(&proxy_password), "{output}");
    }
}
