//! Microsoft SQL Server's connectivity test, speaking TDS 7.4 itself (the Rust TDS driver pulls
//! in an old rustls or native TLS): PRELOGIN, the TLS handshake wrapped in PRELOGIN packets when
//! the server encrypts, LOGIN7 with SQL authentication and the database, then a `SELECT 1`
//! batch, reading LOGINACK, ERROR, ROW and DONE tokens.
//!
//! Encryption as the drivers negotiate it: the client offers encryption without demanding it;
//! a server without a certificate answers "not supported" (plain text), one that leaves it to
//! the client answers "off" (only LOGIN7 is encrypted, certificate not checked, as the drivers
//! do), and one that forces it answers "required" (everything encrypted, the certificate checked
//! unless ENGINE_ARGUMENTS `connect_args` says `TrustServerCertificate`).
//!
//! One module per idea: this one runs the check, `settings` reads the login and certificate
//! choices from the config, `packets` frames TDS messages on the stream, `messages` builds
//! PRELOGIN, LOGIN7 and the SQL batch, `tokens` reads the server's answers.

mod messages;
mod packets;
mod settings;
mod tokens;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::probe::config::{port, required};
use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tds_tls::PreloginWrapper;
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};
use messages::{
    ENCRYPT_NOT_SUP, ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_REQ, login7, prelogin_encryption,
    prelogin_request, sql_batch,
};
use packets::{LOGIN7, PRELOGIN, SQL_BATCH, receive, send};
use settings::{LoginMode, login_mode, trust_server_certificate};
use tokens::read_tokens;
/// The error number of a database the login cannot open: the query/authorize stage.
const CANNOT_OPEN_DATABASE: i32 = 4060;

/// The check: log in with SQL authentication to the database and run `SELECT 1`.
pub async fn check(config: &ResolvedConfig, progress: &Progress) -> Result<String, StageError> {
    let host = required(config, "MSSQL_HOST")?;
    let port = port(config, "MSSQL_TCP_PORT", 1433)?;
    let database = required(config, "MSSQL_DATABASE")?;
    let login = login_mode(config)?;
    let addresses = resolve(host, port, progress).await?;
    let mut stream = connect(&addresses, progress).await?;
    let (user, password) = match login {
        LoginMode::Sql { user, password } => (user, password),
        LoginMode::Unsupported(what) => {
            progress.enter(Stage::Authenticate);
            return Err(StageError::new(
                Stage::Authenticate,
                format!("not supported by the connectivity test: {what}"),
            ));
        }
    };
    progress.enter(Stage::Tls);
    send(&mut stream, PRELOGIN, &prelogin_request(), Stage::Tls).await?;
    let answer = receive(&mut stream, Stage::Tls).await?;
    let login7 = login7(user, password, database, host);
    let (mut stream, encryption): (Box<dyn Stream>, &str) = match prelogin_encryption(&answer) {
        Some(ENCRYPT_NOT_SUP) => {
            progress.enter(Stage::Authenticate);
            send(&mut stream, LOGIN7, &login7, Stage::Authenticate).await?;
            (Box::new(stream), "no encryption")
        }
        Some(ENCRYPT_OFF) => {
            let mut encrypted = handshake(stream, host, Verify::Nothing).await?;
            progress.enter(Stage::Authenticate);
            send(&mut encrypted, LOGIN7, &login7, Stage::Authenticate).await?;
            // Login-only encryption: the server reads everything after LOGIN7 in plain text.
            let (wrapper, _) = encrypted.into_inner();
            (Box::new(wrapper.into_inner()), "login encrypted")
        }
        Some(ENCRYPT_ON | ENCRYPT_REQ) => {
            let verify = if trust_server_certificate(config) {
                Verify::Nothing
            } else {
                Verify::Full
            };
            let mut encrypted = handshake(stream, host, verify).await?;
            progress.enter(Stage::Authenticate);
            send(&mut encrypted, LOGIN7, &login7, Stage::Authenticate).await?;
            (Box::new(encrypted), "encrypted")
        }
        _ => return Err(not_sql_server()),
    };
    let answer = receive(&mut stream, Stage::Authenticate).await?;
    let login = read_tokens(&answer).map_err(|_| not_sql_server())?;
    if let Some(error) = login
        .errors
        .iter()
        .find(|e| e.number == CANNOT_OPEN_DATABASE)
    {
        return Err(StageError::new(Stage::Query, error.message.clone()));
    }
    if let Some(error) = login.errors.first() {
        return Err(StageError::new(Stage::Authenticate, error.message.clone()));
    }
    if !login.logged_in {
        return Err(StageError::new(
            Stage::Authenticate,
            "the server answered the login without accepting it",
        ));
    }
    progress.enter(Stage::Query);
    send(&mut stream, SQL_BATCH, &sql_batch("SELECT 1"), Stage::Query).await?;
    let answer = receive(&mut stream, Stage::Query).await?;
    let result = read_tokens(&answer).map_err(|_| not_sql_server())?;
    if let Some(error) = result.errors.first() {
        return Err(StageError::new(Stage::Query, error.message.clone()));
    }
    if result.first_int != Some(1) {
        return Err(StageError::new(Stage::Query, "SELECT 1 did not answer 1"));
    }
    Ok(format!(
        "connected to {host}:{port} as {user}, database {database:?} ({encryption}); SELECT 1 ok"
    ))
}

/// A stream to the server: TCP, or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The TLS handshake inside PRELOGIN packets; TLS records go bare on TCP afterwards.
async fn handshake(
    stream: tokio::net::TcpStream,
    host: &str,
    verify: Verify,
) -> Result<tokio_rustls::client::TlsStream<PreloginWrapper<tokio::net::TcpStream>>, StageError> {
    // SQL Server speaks TLS 1.3 only with TDS 8 (strict encryption), never inside PRELOGIN.
    let config = tls::client_config_for(verify, None, &[&rustls::version::TLS12])?;
    let mut encrypted = tls::handshake(PreloginWrapper::new(stream), host, config).await?;
    encrypted.get_mut().0.handshake_done();
    Ok(encrypted)
}

fn not_sql_server() -> StageError {
    StageError::new(
        Stage::Authenticate,
        "the server did not answer as Microsoft SQL Server (TDS)",
    )
}

/// SQL Server's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}
