//! TLS for the PostgreSQL-protocol checks (PostgreSQL, Redshift) as libpq's `sslmode` says:
//! the mode comes from ENGINE_ARGUMENTS `connect_args.sslmode` (what the SQLAlchemy engine hands
//! the driver) or, for PostgreSQL, the libpq variable PGSSLMODE; `prefer` (libpq's default) when
//! neither is set. The SSLRequest is negotiated here, before the driver logs in, so a TLS
//! failure is reported as the TLS stage with one line ("the server does not support TLS",
//! "certificate not trusted: self-signed") and the driver then talks over the encrypted stream.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::probe::config::value;
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{Progress, ResolvedConfig, Stage, StageError};

/// libpq's sslmode values (`allow` is read as `prefer`'s opposite: plain text first, so plain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "disable" | "allow" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where a kind's TLS settings may come from besides ENGINE_ARGUMENTS.
pub struct TlsKeys {
    pub sslmode: Option<&'static str>,
    pub rootcert: Option<&'static str>,
}

/// A check's TLS settings: the mode and, when given, a CA file on this machine.
#[derive(Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    /// `(key it came from, path)`.
    pub root_cert: Option<(String, String)>,
}

/// Reads sslmode and sslrootcert; a value that is not an sslmode fails at resolve naming its key.
pub fn settings(config: &ResolvedConfig, keys: &TlsKeys) -> Result<TlsSettings, StageError> {
    let connect_args = engine_connect_args(config);
    let from_engine = |name: &str| {
        connect_args
            .as_ref()
            .and_then(|args| args.get(name))
            .and_then(|value| value.as_str())
            .map(|text| {
                (
                    format!("ENGINE_ARGUMENTS connect_args.{name}"),
                    text.to_string(),
                )
            })
    };
    let from_key = |key: Option<&'static str>| {
        key.and_then(|key| value(config, key).map(|text| (key.to_string(), text.to_string())))
    };
    let mode = match from_engine("sslmode").or_else(|| from_key(keys.sslmode)) {
        None => SslMode::Prefer,
        Some((key, text)) => SslMode::parse(&text).ok_or_else(|| {
            StageError::new(
                Stage::Resolve,
                format!(
                    "{key} {text:?} is not an sslmode; expected disable, allow, prefer, require, verify-ca or verify-full"
                ),
            )
        })?,
    };
    Ok(TlsSettings {
        mode,
        root_cert: from_engine("sslrootcert").or_else(|| from_key(keys.rootcert)),
    })
}

/// ENGINE_ARGUMENTS' `connect_args` object, when there is one.
pub(crate) fn engine_connect_args(
    config: &ResolvedConfig,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let text = value(config, "ENGINE_ARGUMENTS")?;
    let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
    match parsed.get("connect_args")? {
        serde_json::Value::Object(args) => Some(args.clone()),
        _ => None,
    }
}

/// The stream the driver logs in over.
pub enum PgStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// PostgreSQL's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Asks the server for TLS unless sslmode is `disable`, and runs the handshake when it agrees.
pub async fn negotiate(
    mut stream: TcpStream,
    host: &str,
    settings: &TlsSettings,
    progress: &Progress,
) -> Result<PgStream, StageError> {
    if settings.mode == SslMode::Disable {
        return Ok(PgStream::Plain(stream));
    }
    progress.enter(Stage::Tls);
    let closed = |_| {
        StageError::new(
            Stage::Tls,
            "the server closed the connection when asked for TLS",
        )
    };
    stream.write_all(&SSL_REQUEST).await.map_err(closed)?;
    let mut answer = [0u8; 1];
    stream.read_exact(&mut answer).await.map_err(closed)?;
    match answer[0] {
        b'S' => {}
        b'N' if settings.mode == SslMode::Prefer => return Ok(PgStream::Plain(stream)),
        b'N' => {
            return Err(StageError::new(
                Stage::Tls,
                format!(
                    "the server does not support TLS (sslmode is {})",
                    settings.mode.name()
                ),
            ));
        }
        _ => {
            return Err(StageError::new(
                Stage::Tls,
                "the server did not answer the TLS request as PostgreSQL does",
            ));
        }
    }
    let ca_pem = match &settings.root_cert {
        Some((key, path)) => Some(tls::read_ca_file(key, path).await?),
        None => None,
    };
    let config = tls::client_config(verification(settings), ca_pem.as_deref())?;
    let encrypted = tls::handshake(stream, host, config).await?;
    Ok(PgStream::Tls(Box::new(encrypted)))
}

/// What libpq checks: nothing for prefer/require (the chain when require has a root
/// certificate), the chain for verify-ca, chain and host name for verify-full.
fn verification(settings: &TlsSettings) -> Verify {
    match settings.mode {
        SslMode::VerifyFull => Verify::Full,
        SslMode::VerifyCa => Verify::ChainOnly,
        SslMode::Require if settings.root_cert.is_some() => Verify::ChainOnly,
        _ => Verify::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

    const PG: TlsKeys = TlsKeys {
        sslmode: Some("PGSSLMODE"),
        rootcert: Some("PGSSLROOTCERT"),
    };
    const NONE: TlsKeys = TlsKeys {
        sslmode: None,
        rootcert: None,
    };

    #[test]
    fn prefer_is_the_default() {
        let read = settings(&config(&[]), &PG).unwrap();
        assert_eq!(read.mode, SslMode::Prefer);
        assert_eq!(verification(&read), Verify::Nothing);
    }

    #[test]
    fn engine_arguments_win_over_pgsslmode() {
        let read = settings(
            &config(&[
                ("PGSSLMODE", "require"),
                (
                    "ENGINE_ARGUMENTS",
                    r#"{"connect_args": {"sslmode": "verify-full", "sslrootcert": "/ca.pem"}}"#,
                ),
            ]),
            &PG,
        )
        .unwrap();
        assert_eq!(read.mode, SslMode::VerifyFull);
        assert_eq!(
            read.root_cert,
            Some((
                "ENGINE_ARGUMENTS connect_args.sslrootcert".to_string(),
                "/ca.pem".to_string()
            ))
        );
        assert_eq!(verification(&read), Verify::Full);
    }

    #[test]
    fn kinds_without_the_libpq_keys_ignore_them() {
        let read = settings(&config(&[("PGSSLMODE", "require")]), &NONE).unwrap();
        assert_eq!(read.mode, SslMode::Prefer);
    }

    #[test]
    fn require_with_a_root_certificate_checks_the_chain_as_libpq_does() {
        let read = settings(
            &config(&[("PGSSLMODE", "require"), ("PGSSLROOTCERT", "/ca.pem")]),
            &PG,
        )
        .unwrap();
        assert_eq!(verification(&read), Verify::ChainOnly);
    }

    #[test]
    fn an_unknown_sslmode_names_its_key() {
        let error = settings(&config(&[("PGSSLMODE", "on")]), &PG).unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert!(
            error
                .reason
                .starts_with("PGSSLMODE \"on\" is not an sslmode")
        );
        let error = settings(
            &config(&[(
                "ENGINE_ARGUMENTS",
                r#"{"connect_args": {"sslmode": "strict"}}"#,
            )]),
            &NONE,
        )
        .unwrap_err();
        assert!(
            error
                .reason
                .starts_with("ENGINE_ARGUMENTS connect_args.sslmode")
        );
    }
}
