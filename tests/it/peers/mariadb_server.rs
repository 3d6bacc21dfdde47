//! A MariaDB server of the test's own (the machine's `mariadbd`, never the shared one on 3306):
//! a fresh data directory from `mariadb-install-db`, listening on a free loopback port with the
//! TLS certificate, key and CA the test made, and `require_secure_transport=ON`, so only TLS
//! clients get in. Set-up statements run as root over its Unix socket (which counts as secure).
//! Started with a deadline-bounded wait for it to answer; killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{closed_port, wait_until_blocking};

/// The server's TLS files (PEM paths).
pub struct TlsFiles<'a> {
    pub certificate: &'a Path,
    pub key: &'a Path,
    pub ca: &'a Path,
}

/// A running `mariadbd`.
pub struct MariaDb {
    pub port: u16,
    child: Child,
    socket: PathBuf,
    dir: tempfile::TempDir,
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MariaDb {
    /// Installs a data directory and starts the server requiring TLS; blocks (up to a minute)
    /// until root can run a statement over the socket.
    pub fn start_requiring_tls(tls: &TlsFiles<'_>) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("maria")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let data = dir.path().join("data");
        let install = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("mariadb-install-db runs");
        assert!(install.success(), "mariadb-install-db failed");
        let port = closed_port();
        let socket = dir.path().join("sock");
        let mut command = Command::new("mariadbd");
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg(format!(
                "--log-error={}",
                dir.path().join("error.log").display()
            ))
            .arg(format!("--ssl-cert={}", tls.certificate.display()))
            .arg(format!("--ssl-key={}", tls.key.display()))
            .arg(format!("--ssl-ca={}", tls.ca.display()))
            .args([
                "--require-secure-transport=ON",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if running_as_root() {
            command.arg("--user=root");
        }
        let child = command.spawn().expect("mariadbd starts");
        let server = Self {
            port,
            child,
            socket,
            dir,
        };
        let ready = wait_until_blocking(Duration::from_secs(60), || {
            server.socket.exists() && server.try_sql("SELECT 1")
        });
        assert!(
            ready,
            "mariadbd did not answer within a minute: {}",
            std::fs::read_to_string(server.dir.path().join("error.log")).unwrap_or_default()
        );
        server
    }

    fn try_sql(&self, statements: &str) -> bool {
        Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket.display()))
            .args(["-uroot", "-e", statements])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Runs `statements` as root over the socket; panics when they fail.
    pub fn sql(&self, statements: &str) {
        assert!(self.try_sql(statements), "statements failed: {statements}");
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}
