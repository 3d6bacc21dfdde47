//! Checks for the SQL kinds that speak the PostgreSQL protocol (PostgreSQL, Redshift): resolve
//! the host, open TCP, TLS as sslmode says, authenticate with the driver, run `SELECT 1`. MySQL
//! is in [`super::mysql`].

use tokio::io::{AsyncRead, AsyncWrite};

use crate::probe::config::{port, required};
use crate::probe::transport::pg_tls::{self, PgStream, TlsKeys};
use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

/// Which keys a PostgreSQL-protocol kind reads, and its default port.
pub struct PostgresKeys {
    host: &'static str,
    port: &'static str,
    database: &'static str,
    user: &'static str,
    password: &'static str,
    default_port: u16,
    tls: TlsKeys,
}

pub const POSTGRES_KEYS: &PostgresKeys = &PostgresKeys {
    host: "PGHOST",
    port: "PGPORT",
    database: "PGDATABASE",
    user: "PGUSER",
    password: "PGPASSWORD",
    default_port: 5432,
    tls: TlsKeys {
        sslmode: Some("PGSSLMODE"),
        rootcert: Some("PGSSLROOTCERT"),
    },
};

pub const REDSHIFT_KEYS: &PostgresKeys = &PostgresKeys {
    host: "REDSHIFT_HOST",
    port: "REDSHIFT_PORT",
    database: "REDSHIFT_DB",
    user: "REDSHIFT_USER",
    password: "REDSHIFT_PASSWORD",
    default_port: 5439,
    tls: TlsKeys {
        sslmode: None,
        rootcert: None,
    },
};

/// PostgreSQL-protocol check (PostgreSQL, Redshift).
pub async fn postgres(
    config: &ResolvedConfig,
    keys: &PostgresKeys,
    progress: &Progress,
) -> Result<String, StageError> {
    let host = required(config, keys.host)?;
    let port = port(config, keys.port, keys.default_port)?;
    let user = required(config, keys.user)?;
    let database = required(config, keys.database)?;
    let tls_settings = pg_tls::settings(config, &keys.tls)?;
    let addresses = resolve(host, port, progress).await?;
    let stream = connect(&addresses, progress).await?;
    let stream = pg_tls::negotiate(stream, host, &tls_settings, progress).await?;
    progress.enter(Stage::Authenticate);
    let mut pg = tokio_postgres::Config::new();
    pg.user(user)
        .dbname(database)
        .application_name("sourcedeck-test")
        .ssl_mode(tokio_postgres::config::SslMode::Disable);
    if let Some(password) = config.get(keys.password).filter(|p| !p.is_empty()) {
        pg.password(password.expose());
    }
    let encryption = match stream {
        PgStream::Plain(stream) => {
            login_and_select(&pg, stream, progress).await?;
            "no TLS"
        }
        PgStream::Tls(stream) => {
            login_and_select(&pg, *stream, progress).await?;
            "TLS"
        }
    };
    Ok(format!(
        "connected to {host}:{port} as {user}, database {database:?} ({encryption}); SELECT 1 ok"
    ))
}

/// Logs in over `stream` (already encrypted when TLS was negotiated) and runs `SELECT 1`.
async fn login_and_select<S>(
    pg: &tokio_postgres::Config,
    stream: S,
    progress: &Progress,
) -> Result<(), StageError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (client, connection) = pg
        .connect_raw(stream, tokio_postgres::NoTls)
        .await
        .map_err(|error| postgres_error(&error, Stage::Authenticate))?;
    let connection_task = tokio::spawn(connection);
    progress.enter(Stage::Query);
    let result = client
        .simple_query("SELECT 1")
        .await
        .map_err(|error| postgres_error(&error, Stage::Query));
    drop(client);
    connection_task.abort();
    result.map(|_| ())
}

/// A driver error as one line; a missing database counts as the query/authorize stage.
fn postgres_error(error: &tokio_postgres::Error, stage: Stage) -> StageError {
    match error.as_db_error() {
        Some(db) => {
            let stage = if db.code() == &tokio_postgres::error::SqlState::INVALID_CATALOG_NAME {
                Stage::Query
            } else {
                stage
            };
            StageError::new(stage, db.message().to_string())
        }
        None => {
            let text = error.to_string();
            let reason = if text.contains("password missing") {
                "the server asked for a password and none is configured".to_string()
            } else if error.is_closed() || text.contains("unexpected EOF") {
                "the server closed the connection".to_string()
            } else {
                text
            };
            StageError::new(stage, reason)
        }
    }
}

/// PostgreSQL's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_postgres(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move {
        postgres(input.config, POSTGRES_KEYS, input.progress)
            .await
            .map(Passed::from)
    })
}

/// Redshift's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_redshift(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move {
        postgres(input.config, REDSHIFT_KEYS, input.progress)
            .await
            .map(Passed::from)
    })
}
