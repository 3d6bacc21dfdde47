//! Where the store lives, from `serve --store URL` / `SOURCEDECK_STORE`: `sqlite:DIR` (the
//! embedded default, the data directory) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]`
//! (shared by replicas). The password never leaves this module in a message: [`StoreLocation`]'s
//! `Display` and `Debug` redact it.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::domain::Secret;
use crate::probe::transport::pg_tls::SslMode;

/// A store location.
#[derive(Clone)]
pub enum StoreLocation {
    /// SQLite in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PgTarget),
}

/// A PostgreSQL database to keep the store in.
#[derive(Clone)]
pub struct PgTarget {
    pub user: String,
    pub password: Option<Secret>,
    pub host: String,
    pub port: u16,
    pub database: String,
    /// libpq's sslmode (`prefer` when not given), with the PostgreSQL check's rules.
    pub sslmode: SslMode,
    /// `sslrootcert`: a CA file for verify-ca / verify-full.
    pub root_cert: Option<String>,
    /// `pool_size`: the most connections this process opens (default [`DEFAULT_POOL_SIZE`]).
    pub pool_size: usize,
}

/// Connections one `serve` keeps at most when the URL does not say.
pub const DEFAULT_POOL_SIZE: usize = 16;

impl StoreLocation {
    /// Parses `sqlite:DIR` or a `postgres://` / `postgresql://` URL.
    pub fn parse(text: &str) -> Result<Self> {
        if let Some(dir) = text.strip_prefix("sqlite:") {
            if dir.is_empty() {
                bail!("--store sqlite:DIR needs a directory");
            }
            return Ok(Self::Sqlite(PathBuf::from(dir)));
        }
        let rest = text
            .strip_prefix("postgres://")
            .or_else(|| text.strip_prefix("postgresql://"));
        match rest {
            Some(rest) => Ok(Self::Postgres(PgTarget::parse(rest)?)),
            None => bail!(
                "--store: expected sqlite:DIR or postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]"
            ),
        }
    }
}

impl StoreLocation {
    /// A PostgreSQL URL without a password takes `fallback` (libpq's `PGPASSWORD`, read by the
    /// launch code), so the password need not sit in the command line other users can read.
    pub fn or_password(self, fallback: Option<String>) -> Self {
        match self {
            Self::Postgres(mut target) if target.password.is_none() => {
                target.password = fallback.filter(|p| !p.is_empty()).map(Secret::new);
                Self::Postgres(target)
            }
            other => other,
        }
    }
}

/// Decodes `%XX` escapes (a password or user may hold `@`, `:` or `/` that way).
fn percent_decode(text: &str, what: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            let Some(byte) = hex else {
                bail!("--store: the {what} holds a malformed %-escape");
            };
            out.push(byte);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| anyhow::anyhow!("--store: the {what} is not UTF-8"))
}

impl PgTarget {
    /// Parses what follows `postgres://`.
    fn parse(rest: &str) -> Result<Self> {
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) = main
            .split_once('/')
            .ok_or_else(|| anyhow::anyhow!("--store: the URL names no database (…/DB)"))?;
        let (credentials, host_port) = authority
            .rsplit_once('@')
            .ok_or_else(|| anyhow::anyhow!("--store: the URL names no user (USER@HOST)"))?;
        let (user, password) = match credentials.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (credentials, None),
        };
        // A bracketed IPv6 address (`[::1]`, `[::1]:5432`) holds colons of its own.
        let port_part = match host_port.rfind(']') {
            Some(end) => host_port[end..]
                .rsplit_once(':')
                .map(|(_, port)| (&host_port[..host_port.len() - port.len() - 1], port)),
            None => host_port.rsplit_once(':'),
        };
        let (host, port) = match port_part {
            Some((host, port)) => {
                let port = port
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--store: port {port:?} is not a port number"))?;
                (host, port)
            }
            None => (host_port, 5432),
        };
        if user.is_empty() || host.is_empty() || database.is_empty() {
            bail!("--store: the URL needs a user, a host and a database");
        }
        let mut target = Self {
            user: percent_decode(user, "user")?,
            password: password
                .map(|p| percent_decode(p, "password").map(Secret::new))
                .transpose()?,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            database: percent_decode(database, "database")?,
            sslmode: SslMode::Prefer,
            root_cert: None,
            pool_size: DEFAULT_POOL_SIZE,
        };
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value, name)?;
            match name {
                "sslmode" => {
                    target.sslmode = SslMode::parse(&value).ok_or_else(|| {
                        anyhow::anyhow!("--store: sslmode {value:?} is not an sslmode (disable, prefer, require, verify-ca, verify-full)")
                    })?;
                }
                "sslrootcert" => target.root_cert = Some(value),
                "pool_size" => {
                    target.pool_size = value
                        .parse()
                        .ok()
                        .filter(|size| (1..=256).contains(size))
                        .ok_or_else(|| {
                        anyhow::anyhow!("--store: pool_size {value:?} is not 1 to 256")
                    })?;
                }
                other => bail!(
                    "--store: unknown URL parameter {other:?} (sslmode, sslrootcert, pool_size)"
                ),
            }
        }
        Ok(target)
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let password = if self.password.is_some() { ":***" } else { "" };
        write!(
            f,
            "postgres://{}{password}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(dir) => write!(f, "sqlite:{}", dir.display()),
            Self::Postgres(target) => write!(f, "{target}"),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds_and_redacts_the_password() {
        let StoreLocation::Sqlite(dir) = StoreLocation::parse("sqlite:/var/sd").unwrap() else {
            panic!("sqlite");
        };
        assert_eq!(dir, PathBuf::from("/var/sd"));
        let location = StoreLocation::parse(
            "postgres://sd:p%40ss@db.internal:6432/sd?sslmode=verify-full&pool_size=4",
        )
        .unwrap();
        let StoreLocation::Postgres(target) = &location else {
            panic!("postgres");
        };
        assert_eq!(target.password.as_ref().map(Secret::expose), Some("p@ss"));
        assert_eq!((target.host.as_str(), target.port), ("db.internal", 6432));
        assert_eq!(target.sslmode, SslMode::VerifyFull);
        assert_eq!(target.pool_size, 4);
        let shown = format!("{location} {location:?}");
        assert!(
            !shown.contains("p@ss") && !shown.contains("p%40ss"),
            "{shown}"
        );
        for (url, host, port) in [
            ("postgres://u@[::1]/d", "::1", 5432),
            ("postgres://u@[::1]:6432/d", "::1", 6432),
            ("postgresql://u@localhost/d", "localhost", 5432),
        ] {
            let StoreLocation::Postgres(target) = StoreLocation::parse(url).unwrap() else {
                panic!("postgres");
            };
            assert_eq!((target.host.as_str(), target.port), (host, port), "{url}");
        }
        let from_env = StoreLocation::parse("postgres://u@h/d")
            .unwrap()
            .or_password(Some("from-env".into()));
        let StoreLocation::Postgres(target) = &from_env else {
            panic!("postgres");
        };
        assert_eq!(
            target.password.as_ref().map(Secret::expose),
            Some("from-env")
        );
        assert!(!format!("{from_env} {from_env:?}").contains("from-env"));
        let in_url = StoreLocation::parse("postgres://u:in-url@h/d")
            .unwrap()
            .or_password(Some("from-env".into()));
        let StoreLocation::Postgres(target) = &in_url else {
            panic!("postgres");
        };
        assert_eq!(target.password.as_ref().map(Secret::expose), Some("in-url"));
        assert!(StoreLocation::parse("mysql://x@y/z").is_err());
        assert!(StoreLocation::parse("postgres://x@y/z?sslmode=on").is_err());
        assert!(StoreLocation::parse("postgres://y/z").is_err());
    }
}
