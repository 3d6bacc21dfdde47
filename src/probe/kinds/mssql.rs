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

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::probe::config::{port, required, value};
use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tds_tls::PreloginWrapper;
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

const PRELOGIN: u8 = 0x12;
const LOGIN7: u8 = 0x10;
const SQL_BATCH: u8 = 0x01;
/// A packet's status bit that ends a message.
const END_OF_MESSAGE: u8 = 0x01;
/// Larger answers are not SQL Server's answer to a login or `SELECT 1`.
const MAX_MESSAGE: usize = 1024 * 1024;

const ENCRYPT_OFF: u8 = 0x00;
const ENCRYPT_ON: u8 = 0x01;
const ENCRYPT_NOT_SUP: u8 = 0x02;
const ENCRYPT_REQ: u8 = 0x03;

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

/// ENGINE_ARGUMENTS `connect_args` with `TrustServerCertificate` yes/true/1: the driver would
/// not check the certificate of a server that forces encryption.
fn trust_server_certificate(config: &ResolvedConfig) -> bool {
    crate::probe::transport::pg_tls::engine_connect_args(config).is_some_and(|args| {
        args.iter().any(|(key, value)| {
            key.eq_ignore_ascii_case("TrustServerCertificate")
                && match value {
                    serde_json::Value::Bool(flag) => *flag,
                    serde_json::Value::String(text) => {
                        ["yes", "true", "1"].contains(&text.to_ascii_lowercase().as_str())
                    }
                    serde_json::Value::Number(number) => number.as_i64() == Some(1),
                    _ => false,
                }
        })
    })
}

/// How the check logs in.
enum LoginMode<'a> {
    Sql { user: &'a str, password: &'a str },
    Unsupported(&'static str),
}

/// SQL login when MSSQL_USER is set; Azure AD logins are named, not attempted.
fn login_mode(config: &ResolvedConfig) -> Result<LoginMode<'_>, StageError> {
    if let Some(user) = value(config, "MSSQL_USER") {
        let password = config
            .get("MSSQL_PWD")
            .map(|secret| secret.expose())
            .unwrap_or_default();
        return Ok(LoginMode::Sql { user, password });
    }
    if value(config, "MSSQL_CLIENT_ID").is_some() {
        return Ok(LoginMode::Unsupported(
            "Microsoft Entra service principal login (MSSQL_CLIENT_ID)",
        ));
    }
    if value(config, "MSSQL_PWD").is_some() {
        return Err(StageError::new(Stage::Resolve, "MSSQL_USER is not set"));
    }
    Ok(LoginMode::Unsupported(
        "managed identity login (no MSSQL_USER or MSSQL_CLIENT_ID)",
    ))
}

fn not_sql_server() -> StageError {
    StageError::new(
        Stage::Authenticate,
        "the server did not answer as Microsoft SQL Server (TDS)",
    )
}

/// Sends one message in one packet (every message here is far below the 4 KiB packet size).
async fn send<S: AsyncWrite + Unpin>(
    stream: &mut S,
    kind: u8,
    payload: &[u8],
    stage: Stage,
) -> Result<(), StageError> {
    stream
        .write_all(&packet(kind, payload))
        .await
        .map_err(|error| io_error(&error, stage))?;
    stream
        .flush()
        .await
        .map_err(|error| io_error(&error, stage))
}

/// Reads packets up to the end of a message and returns the payload.
async fn receive<S: AsyncRead + Unpin>(
    stream: &mut S,
    stage: Stage,
) -> Result<Vec<u8>, StageError> {
    let mut message = Vec::new();
    loop {
        let mut header = [0u8; 8];
        stream
            .read_exact(&mut header)
            .await
            .map_err(|error| io_error(&error, stage))?;
        let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
        if header[0] != 0x04 || length < 8 || message.len() + length > MAX_MESSAGE {
            return Err(not_sql_server());
        }
        let start = message.len();
        message.resize(start + length - 8, 0);
        stream
            .read_exact(&mut message[start..])
            .await
            .map_err(|error| io_error(&error, stage))?;
        if header[1] & END_OF_MESSAGE != 0 {
            return Ok(message);
        }
    }
}

fn io_error(error: &std::io::Error, stage: Stage) -> StageError {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    match error.kind() {
        UnexpectedEof | ConnectionReset | BrokenPipe => {
            StageError::new(stage, "the server closed the connection")
        }
        _ => StageError::new(stage, error.to_string()),
    }
}

/// A TDS packet: type, status (end of message), length, SPID 0, packet id 1, window 0.
pub fn packet(kind: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 8).unwrap_or(u16::MAX);
    let mut out = vec![kind, END_OF_MESSAGE];
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&[0, 0, 1, 0]);
    out.extend_from_slice(payload);
    out
}

/// PRELOGIN: VERSION, ENCRYPTION (offered, not demanded), MARS off.
pub fn prelogin_request() -> Vec<u8> {
    let options: [(u8, Vec<u8>); 3] = [
        (0x00, vec![0, 0, 0, 0, 0, 0]),
        (0x01, vec![ENCRYPT_OFF]),
        (0x04, vec![0]),
    ];
    let mut offset = options.len() * 5 + 1;
    let mut head = Vec::new();
    let mut data = Vec::new();
    for (token, value) in &options {
        head.push(*token);
        head.extend_from_slice(&(offset as u16).to_be_bytes());
        head.extend_from_slice(&(value.len() as u16).to_be_bytes());
        data.extend_from_slice(value);
        offset += value.len();
    }
    head.push(0xff);
    head.extend(data);
    head
}

/// The ENCRYPTION option of a PRELOGIN answer.
pub fn prelogin_encryption(payload: &[u8]) -> Option<u8> {
    let mut at = 0;
    while let Some(&token) = payload.get(at) {
        if token == 0xff {
            return None;
        }
        let option = payload.get(at + 1..at + 5)?;
        let offset = usize::from(u16::from_be_bytes([option[0], option[1]]));
        let length = usize::from(u16::from_be_bytes([option[2], option[3]]));
        if token == 0x01 && length >= 1 {
            return payload.get(offset).copied();
        }
        at += 5;
    }
    None
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// LOGIN7's password scrambling: each byte of the UTF-16LE text with its nibbles swapped, then
/// XOR 0xA5.
pub fn scramble_password(password: &str) -> Vec<u8> {
    utf16(password)
        .into_iter()
        .map(|byte| byte.rotate_left(4) ^ 0xa5)
        .collect()
}

/// LOGIN7 for TDS 7.4 with SQL authentication; a database that cannot be opened fails the login.
pub fn login7(user: &str, password: &str, database: &str, server: &str) -> Vec<u8> {
    const FIXED: usize = 94;
    let fields: [Vec<u8>; 9] = [
        utf16("sourcedeck"),         // host name
        utf16(user),                 // user name
        scramble_password(password), // password
        utf16("sourcedeck-test"),    // application name
        utf16(server),               // server name
        Vec::new(),                  // extension
        utf16("sourcedeck"),         // client interface name
        Vec::new(),                  // language
        utf16(database),             // database
    ];
    let mut fixed = Vec::with_capacity(FIXED);
    let data_len: usize = fields.iter().map(Vec::len).sum();
    fixed.extend_from_slice(&((FIXED + data_len) as u32).to_le_bytes());
    fixed.extend_from_slice(&0x7400_0004u32.to_le_bytes()); // TDS 7.4
    fixed.extend_from_slice(&4096u32.to_le_bytes()); // packet size
    fixed.extend_from_slice(&0x0700_0000u32.to_le_bytes()); // client program version
    fixed.extend_from_slice(&std::process::id().to_le_bytes());
    fixed.extend_from_slice(&0u32.to_le_bytes()); // connection id
    fixed.push(0xe0); // USE_DB_ON | INIT_DB_FATAL | SET_LANG_ON
    fixed.push(0x03); // INIT_LANG_FATAL | ODBC
    fixed.push(0x00); // type flags
    fixed.push(0x00); // option flags 3
    fixed.extend_from_slice(&0i32.to_le_bytes()); // time zone
    fixed.extend_from_slice(&0x0409u32.to_le_bytes()); // LCID
    let mut offset = FIXED;
    let mut data = Vec::with_capacity(data_len);
    for field in &fields {
        fixed.extend_from_slice(&(offset as u16).to_le_bytes());
        fixed.extend_from_slice(&((field.len() / 2) as u16).to_le_bytes());
        data.extend_from_slice(field);
        offset += field.len();
    }
    fixed.extend_from_slice(&[0; 6]); // client id
    for _ in 0..3 {
        // SSPI, attach DB file, change password: empty
        fixed.extend_from_slice(&(offset as u16).to_le_bytes());
        fixed.extend_from_slice(&0u16.to_le_bytes());
    }
    fixed.extend_from_slice(&0u32.to_le_bytes()); // long SSPI length
    fixed.extend(data);
    fixed
}

/// SQL batch: ALL_HEADERS with the transaction descriptor (auto-commit), then UTF-16LE text.
pub fn sql_batch(sql: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&22u32.to_le_bytes()); // all headers length
    out.extend_from_slice(&18u32.to_le_bytes()); // this header's length
    out.extend_from_slice(&2u16.to_le_bytes()); // transaction descriptor
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // outstanding requests
    out.extend(utf16(sql));
    out
}

/// An ERROR token's number and text.
#[derive(Debug, PartialEq, Eq)]
pub struct ServerError {
    pub number: i32,
    pub message: String,
}

/// What a token stream said.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tokens {
    pub logged_in: bool,
    pub errors: Vec<ServerError>,
    /// The first integer column of the first row (`SELECT 1`).
    pub first_int: Option<i64>,
}

/// A token stream that does not decode.
#[derive(Debug, PartialEq, Eq)]
pub struct BadTokens;

/// Reads LOGINACK, ERROR, INFO, ENVCHANGE, COLMETADATA (integer columns), ROW and DONE tokens.
pub fn read_tokens(payload: &[u8]) -> Result<Tokens, BadTokens> {
    let mut tokens = Tokens::default();
    let mut cursor = Cursor(payload);
    let mut columns: Vec<u8> = Vec::new();
    while let Ok(token) = cursor.u8() {
        match token {
            0xaa | 0xab | 0xad | 0xe3 => {
                let length = usize::from(cursor.u16()?);
                let body = cursor.take(length)?;
                match token {
                    0xaa => tokens.errors.push(server_error(body)?),
                    0xad => tokens.logged_in = true,
                    _ => {}
                }
            }
            0x81 => columns = column_metadata(&mut cursor)?,
            0xd1 => {
                let row = read_row(&mut cursor, &columns)?;
                if tokens.first_int.is_none() {
                    tokens.first_int = row;
                }
            }
            0xfd..=0xff => {
                cursor.take(12)?; // status, command, row count
            }
            _ => return Err(BadTokens),
        }
    }
    Ok(tokens)
}

fn server_error(body: &[u8]) -> Result<ServerError, BadTokens> {
    let mut cursor = Cursor(body);
    let number = i32::from_le_bytes(cursor.array()?);
    cursor.take(2)?; // state, class
    let chars = usize::from(cursor.u16()?);
    let text = cursor.take(chars * 2)?;
    let units: Vec<u16> = text
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    Ok(ServerError {
        number,
        message: String::from_utf16_lossy(&units)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// Column types of a COLMETADATA token; only integer columns (INTN, INT1/2/4/8) are read.
fn column_metadata(cursor: &mut Cursor<'_>) -> Result<Vec<u8>, BadTokens> {
    let count = cursor.u16()?;
    let mut columns = Vec::new();
    if count == 0xffff {
        return Ok(columns);
    }
    for _ in 0..count {
        cursor.take(4 + 2)?; // user type, flags
        let kind = cursor.u8()?;
        let size = match kind {
            0x26 => cursor.u8()?, // INTN with its length
            0x30 => 1,
            0x34 => 2,
            0x38 => 4,
            0x7f => 8,
            _ => return Err(BadTokens),
        };
        let name_chars = usize::from(cursor.u8()?);
        cursor.take(name_chars * 2)?;
        columns.push(if kind == 0x26 { 0 } else { size });
    }
    Ok(columns)
}

/// A ROW of integer columns; the first column's value.
fn read_row(cursor: &mut Cursor<'_>, columns: &[u8]) -> Result<Option<i64>, BadTokens> {
    let mut first = None;
    for (index, fixed) in columns.iter().enumerate() {
        let size = if *fixed == 0 { cursor.u8()? } else { *fixed };
        let bytes = cursor.take(usize::from(size))?;
        let value = match *bytes {
            [] => None,
            [tiny] => Some(i64::from(tiny)), // TINYINT is unsigned
            [a, b] => Some(i64::from(i16::from_le_bytes([a, b]))),
            [a, b, c, d] => Some(i64::from(i32::from_le_bytes([a, b, c, d]))),
            [a, b, c, d, e, f, g, h] => Some(i64::from_le_bytes([a, b, c, d, e, f, g, h])),
            _ => return Err(BadTokens),
        };
        if index == 0 {
            first = value;
        }
    }
    Ok(first)
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], BadTokens> {
        if self.0.len() < count {
            return Err(BadTokens);
        }
        let (head, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], BadTokens> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, BadTokens> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, BadTokens> {
        Ok(u16::from_le_bytes(self.array()?))
    }
}

/// SQL Server's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_token(number: i32, text: &str) -> Vec<u8> {
        let mut body = number.to_le_bytes().to_vec();
        body.extend([1, 14]);
        body.extend((text.encode_utf16().count() as u16).to_le_bytes());
        body.extend(utf16(text));
        body.push(0); // server name
        body.push(0); // procedure
        body.extend(1i32.to_le_bytes());
        let mut out = vec![0xaa];
        out.extend((body.len() as u16).to_le_bytes());
        out.extend(body);
        out
    }

    fn done(status: u16) -> Vec<u8> {
        let mut out = vec![0xfd];
        out.extend(status.to_le_bytes());
        out.extend([0u8; 10]);
        out
    }

    #[test]
    fn passwords_are_scrambled_as_login7_says() {
        assert_eq!(scramble_password("a"), vec![0xb3, 0xa5]);
        assert_eq!(scramble_password(""), Vec::<u8>::new());
    }

    #[test]
    fn prelogin_offers_encryption_without_demanding_it_and_reads_the_answer() {
        let request = prelogin_request();
        assert_eq!(prelogin_encryption(&request), Some(ENCRYPT_OFF));
        assert_eq!(prelogin_encryption(&[0xff]), None);
        assert_eq!(prelogin_encryption(&[0x01, 0, 200, 0, 1, 0xff]), None);
    }

    #[test]
    fn login7_lays_out_its_fields_after_the_94_byte_header() {
        let login = login7("sa", "pw", "db", "h");
        assert_eq!(
            u32::from_le_bytes(login[0..4].try_into().unwrap()) as usize,
            login.len()
        );
        assert_eq!(&login[4..8], &[4, 0, 0, 0x74]);
        // The user name's offset and length (in characters).
        let offset = u16::from_le_bytes([login[40], login[41]]) as usize;
        assert_eq!(u16::from_le_bytes([login[42], login[43]]), 2);
        assert_eq!(&login[offset..offset + 4], &utf16("sa")[..]);
        // The database field is the ninth pair.
        let offset = u16::from_le_bytes([login[68], login[69]]) as usize;
        assert_eq!(&login[offset..offset + 4], &utf16("db")[..]);
    }

    #[test]
    fn a_failed_login_reads_as_its_error() {
        let mut stream = error_token(18456, "Login failed for user 'sa'.");
        stream.extend(done(0x02));
        let tokens = read_tokens(&stream).unwrap();
        assert!(!tokens.logged_in);
        assert_eq!(
            tokens.errors,
            vec![ServerError {
                number: 18456,
                message: "Login failed for user 'sa'.".into()
            }]
        );
    }

    #[test]
    fn select_1_reads_its_integer() {
        let mut stream = vec![0x81, 1, 0];
        stream.extend([0, 0, 0, 0, 0x21, 0]);
        stream.extend([0x26, 4, 0]);
        stream.extend([0xd1, 4, 1, 0, 0, 0]);
        stream.extend(done(0x10));
        assert_eq!(read_tokens(&stream).unwrap().first_int, Some(1));
        assert_eq!(read_tokens(&[0x42]), Err(BadTokens));
        let mut wide = vec![0x81, 1, 0, 0, 0, 0, 0, 0x21, 0, 0x26, 4, 0];
        wide.extend([0xd1, 16]);
        wide.extend([0u8; 16]);
        assert_eq!(read_tokens(&wide), Err(BadTokens));
        assert_eq!(read_tokens(&[0xaa, 9, 0]), Err(BadTokens));
    }
}
