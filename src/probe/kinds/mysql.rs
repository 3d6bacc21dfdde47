//! The MySQL / MariaDB check: resolve the host, open TCP, then the driver (`mysql_async` over
//! rustls) logs in, speaking TLS as the ssl mode says, and runs `SELECT 1`. Exists apart from the
//! PostgreSQL checks because MySQL negotiates TLS inside its own handshake, so the mode maps to
//! driver options ([`ssl_opts`]) rather than to a stream this crate upgrades.
//!
//! The mode is MySQL's `--ssl-mode`, from ENGINE_ARGUMENTS `connect_args.ssl_mode` (what the
//! SQLAlchemy engine hands mysqlclient) or `MYSQL_SSL_MODE`: `PREFERRED` (the default) uses TLS
//! when the server offers it, without checking its certificate, and plain text otherwise;
//! `REQUIRED` insists on TLS; `VERIFY_CA` also checks the certificate against the CA of
//! `connect_args.ssl.ca` / `connect_args.ssl_ca` / `MYSQL_SSL_CA` (the platform's roots when none
//! is given); `VERIFY_IDENTITY` also checks it names the host; `DISABLED` never uses TLS. A CA
//! given without a mode means `VERIFY_CA`, as in the MySQL client. So a server with
//! `require_secure_transport=ON` passes with the default mode.

use mysql_async::prelude::Queryable;
use mysql_async::{DriverError, Error as MysqlError, IoError, OptsBuilder, SslOpts};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::probe::config::{port, required, value};
use crate::probe::transport::pg_tls::engine_connect_args;
use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tls;
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

/// MySQL's `--ssl-mode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

impl SslMode {
    /// A mode in any case, with `-` or `_` (`verify-ca`, `VERIFY_CA`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(
            match text.trim().to_ascii_uppercase().replace('-', "_").as_str() {
                "DISABLED" => Self::Disabled,
                "PREFERRED" => Self::Preferred,
                "REQUIRED" => Self::Required,
                "VERIFY_CA" => Self::VerifyCa,
                "VERIFY_IDENTITY" => Self::VerifyIdentity,
                _ => return None,
            },
        )
    }
}

/// A check's TLS settings: the mode and, when given, `(key it came from, CA file path)`.
#[derive(Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub ca: Option<(String, String)>,
}

/// Reads the ssl mode and CA; a value that is not a mode fails at resolve naming its key.
pub fn settings(config: &ResolvedConfig) -> Result<TlsSettings, StageError> {
    let connect_args = engine_connect_args(config).unwrap_or_default();
    let text_at = |path: &[&str]| {
        let mut node = connect_args.get(path[0])?;
        for step in &path[1..] {
            node = node.get(step)?;
        }
        node.as_str().map(|text| {
            (
                format!("ENGINE_ARGUMENTS connect_args.{}", path.join(".")),
                text,
            )
        })
    };
    let from_key = |key: &str| value(config, key).map(|text| (key.to_string(), text));
    let ca = text_at(&["ssl", "ca"])
        .or_else(|| text_at(&["ssl_ca"]))
        .or_else(|| from_key("MYSQL_SSL_CA"))
        .map(|(key, path)| (key, path.to_string()));
    let mode = match text_at(&["ssl_mode"]).or_else(|| from_key("MYSQL_SSL_MODE")) {
        Some((key, text)) => SslMode::parse(text).ok_or_else(|| {
            StageError::new(
                Stage::Resolve,
                format!(
                    "{key} {text:?} is not an ssl mode; expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"
                ),
            )
        })?,
        None if ca.is_some() => SslMode::VerifyCa,
        None => SslMode::Preferred,
    };
    Ok(TlsSettings { mode, ca })
}

/// The driver's TLS options for `settings` against `host` (the name certificates are checked
/// for); `None` for plain text. `ca_pem` is the CA file's contents, already read.
fn ssl_opts(settings: &TlsSettings, ca_pem: Option<Vec<u8>>, host: &str) -> Option<SslOpts> {
    let unchecked = || {
        SslOpts::default()
            .with_danger_accept_invalid_certs(true)
            .with_danger_skip_domain_validation(true)
    };
    // The CA file alone when given (as the MySQL client does), else the platform's roots (as
    // every other check does), never the driver's own bundle.
    let checked = || {
        let roots = match ca_pem {
            Some(pem) => vec![pem.into()],
            None => rustls_native_certs::load_native_certs()
                .certs
                .into_iter()
                .map(|der| der.to_vec().into())
                .collect(),
        };
        SslOpts::default()
            .with_root_certs(roots)
            .with_disable_built_in_roots(true)
    };
    match settings.mode {
        SslMode::Disabled => None,
        SslMode::Preferred | SslMode::Required => Some(unchecked()),
        SslMode::VerifyCa => Some(checked().with_danger_skip_domain_validation(true)),
        SslMode::VerifyIdentity => {
            Some(checked().with_danger_tls_hostname_override(Some(host.to_string())))
        }
    }
}

/// MySQL check.
pub async fn mysql(config: &ResolvedConfig, progress: &Progress) -> Result<String, StageError> {
    let host = required(config, "MYSQL_HOST")?;
    let port = port(config, "MYSQL_TCP_PORT", 3306)?;
    let user = required(config, "MYSQL_USER")?;
    let database = required(config, "MYSQL_DATABASE")?;
    let tls_settings = settings(config)?;
    let addresses = resolve(host, port, progress).await?;
    let probe = connect(&addresses, progress).await?;
    let address = probe
        .peer_addr()
        .map_err(|error| StageError::new(Stage::Connect, error.to_string()))?;
    drop(probe);
    let ca_pem = match &tls_settings.ca {
        Some((key, path)) if tls_settings.mode != SslMode::Disabled => {
            let pem = tls::read_ca_file(key, path).await?;
            if CertificateDer::pem_slice_iter(&pem).all(|parsed| parsed.is_err()) {
                return Err(StageError::new(
                    Stage::Tls,
                    format!("{key}: the CA file holds no PEM certificate"),
                ));
            }
            Some(pem)
        }
        _ => None,
    };
    progress.enter(Stage::Authenticate);
    let password = config
        .get("MYSQL_PWD")
        .filter(|p| !p.is_empty())
        .map(|p| p.expose().to_string());
    let options = |ssl: Option<SslOpts>| {
        OptsBuilder::default()
            .ip_or_hostname(address.ip().to_string())
            .tcp_port(address.port())
            .user(Some(user))
            .pass(password.clone())
            .db_name(Some(database))
            .prefer_socket(false)
            .ssl_opts(ssl)
    };
    let ssl = ssl_opts(&tls_settings, ca_pem, host);
    let with_tls = ssl.is_some();
    let (mut connection, over) = match mysql_async::Conn::new(options(ssl)).await {
        Ok(connection) => (connection, if with_tls { "TLS" } else { "plain text" }),
        Err(MysqlError::Driver(DriverError::NoClientSslFlagFromServer))
            if tls_settings.mode == SslMode::Preferred =>
        {
            let connection = mysql_async::Conn::new(options(None))
                .await
                .map_err(|error| mysql_error(&error, Stage::Authenticate, host))?;
            (connection, "plain text (the server offers no TLS)")
        }
        Err(error) => return Err(mysql_error(&error, Stage::Authenticate, host)),
    };
    progress.enter(Stage::Query);
    let result: Result<Option<i64>, _> = connection.query_first("SELECT 1").await;
    let _ = connection.disconnect().await;
    result.map_err(|error| mysql_error(&error, Stage::Query, host))?;
    Ok(format!(
        "connected to {host}:{port} as {user}, database {database:?}, over {over}; SELECT 1 ok"
    ))
}

/// MySQL errors as one line: TLS failures as the TLS stage, an unknown database as the query.
fn mysql_error(error: &MysqlError, stage: Stage, host: &str) -> StageError {
    match error {
        MysqlError::Server(server) => {
            let stage = if server.code == 1049 {
                Stage::Query
            } else {
                stage
            };
            StageError::new(stage, server.message.clone())
        }
        MysqlError::Driver(DriverError::NoClientSslFlagFromServer) => StageError::new(
            Stage::Tls,
            "the server does not support TLS, and the ssl mode requires it",
        ),
        MysqlError::Io(IoError::Tls(mysql_async::TlsError::Tls(tls))) => {
            StageError::new(Stage::Tls, tls::describe(tls, host))
        }
        MysqlError::Io(IoError::Tls(other)) => {
            StageError::new(Stage::Tls, format!("TLS set-up failed: {other}"))
        }
        MysqlError::Io(IoError::Io(io))
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            StageError::new(Stage::Tls, tls::describe_io(io, host))
        }
        other => StageError::new(stage, without_repeats(&other.to_string())),
    }
}

/// `"Input/output error: Input/output error: x"` read once: the driver nests an error in one of
/// the same name, and each layer prints its own prefix.
fn without_repeats(text: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split(": ") {
        if parts.last() != Some(&part) {
            parts.push(part);
        }
    }
    parts.join(": ")
}

/// MySQL's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { mysql(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config;

    #[test]
    fn nested_error_prefixes_read_once() {
        assert_eq!(
            without_repeats(
                "Input/output error: Input/output error: Packet is larger than max_allowed_packet"
            ),
            "Input/output error: Packet is larger than max_allowed_packet"
        );
        assert_eq!(without_repeats("a: b: a"), "a: b: a");
    }

    #[test]
    fn ssl_mode_and_ca_come_from_engine_arguments_then_keys() {
        let mode = |pairs: &[(&str, &str)]| settings(&literal_config(pairs)).map(|s| s.mode);
        assert_eq!(mode(&[]).unwrap(), SslMode::Preferred);
        assert_eq!(
            mode(&[("MYSQL_SSL_MODE", "verify-identity")]).unwrap(),
            SslMode::VerifyIdentity
        );
        assert_eq!(
            mode(&[("MYSQL_SSL_CA", "/ca.pem")]).unwrap(),
            SslMode::VerifyCa
        );
        let engine = r#"{"connect_args": {"ssl_mode": "DISABLED", "ssl": {"ca": "/e.pem"}}}"#;
        let both = settings(&literal_config(&[
            ("ENGINE_ARGUMENTS", engine),
            ("MYSQL_SSL_MODE", "REQUIRED"),
            ("MYSQL_SSL_CA", "/k.pem"),
        ]))
        .unwrap();
        assert_eq!(
            both,
            TlsSettings {
                mode: SslMode::Disabled,
                ca: Some((
                    "ENGINE_ARGUMENTS connect_args.ssl.ca".into(),
                    "/e.pem".into()
                )),
            }
        );
        let error = mode(&[("MYSQL_SSL_MODE", "sometimes")]).unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert!(error.reason.starts_with("MYSQL_SSL_MODE \"sometimes\""));
    }

    #[test]
    fn modes_map_to_driver_options() {
        let settings = |mode| TlsSettings { mode, ca: None };
        assert!(ssl_opts(&settings(SslMode::Disabled), None, "h").is_none());
        let preferred = ssl_opts(&settings(SslMode::Preferred), None, "h").unwrap();
        assert!(preferred.accept_invalid_certs() && preferred.skip_domain_validation());
        let verify_ca = ssl_opts(&settings(SslMode::VerifyCa), Some(b"pem".to_vec()), "h").unwrap();
        assert!(!verify_ca.accept_invalid_certs() && verify_ca.skip_domain_validation());
        assert!(verify_ca.disable_built_in_roots());
        let identity = ssl_opts(&settings(SslMode::VerifyIdentity), None, "db.example").unwrap();
        assert!(!identity.skip_domain_validation() && identity.disable_built_in_roots());
        assert_eq!(identity.tls_hostname_override(), Some("db.example"));
    }
}
