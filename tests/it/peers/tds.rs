//! A loopback peer that answers as Microsoft SQL Server does over TDS 7.4, for the MSSQL
//! connectivity test: a PRELOGIN answer (encryption not supported, login-only, or required),
//! the TLS handshake carried in PRELOGIN packets (driven by hand with rustls, TLS 1.2 as SQL
//! Server speaks it with TDS 7.x) when it encrypts, then LOGIN7
//! decoded field by field (the password unscrambled) and answered with ENVCHANGE, INFO, LOGINACK
//! and DONE, or with ERROR 18456 for a wrong password and ERROR 4060 (then 18456) for a database
//! it does not have, and a one-row result set for the batch `SELECT 1`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the PRELOGIN answer says about encryption.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Encryption {
    /// ENCRYPT_NOT_SUP: plain text.
    NotSupported,
    /// ENCRYPT_OFF: only LOGIN7 travels encrypted.
    LoginOnly,
    /// ENCRYPT_REQ: everything encrypted.
    Required,
}

pub struct TdsServer {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TdsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
pub struct Login {
    pub user: String,
    pub password: String,
    pub database: String,
    pub encryption: Encryption,
    /// The certificate when it encrypts.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl TdsServer {
    pub async fn start(login: Login) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let login = login.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &login).await;
                });
            }
        });
        Self { port, task }
    }
}

/// The connection after PRELOGIN: plain TCP, or TLS driven by hand over it.
enum Transport {
    Plain(TcpStream),
    Tls(TcpStream, Box<rustls::ServerConnection>, Vec<u8>),
}

impl Transport {
    async fn read_message(&mut self) -> std::io::Result<(u8, Vec<u8>)> {
        match self {
            Transport::Plain(stream) => read_message(stream).await,
            Transport::Tls(stream, tls, plain) => loop {
                if let Some(message) = take_message(plain) {
                    return Ok(message);
                }
                let mut chunk = vec![0u8; 8192];
                let got = stream.read(&mut chunk).await?;
                if got == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                tls.read_tls(&mut &chunk[..got])?;
                tls.process_new_packets().map_err(std::io::Error::other)?;
                let mut out = Vec::new();
                match tls.reader().read_to_end(&mut out) {
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                plain.extend(out);
            },
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Transport::Plain(stream) => stream.write_all(bytes).await,
            Transport::Tls(stream, tls, _) => {
                tls.writer().write_all(bytes)?;
                let mut out = Vec::new();
                while tls.wants_write() {
                    tls.write_tls(&mut out)?;
                }
                stream.write_all(&out).await
            }
        }
    }

    /// Back to plain text (login-only encryption).
    fn into_plain(self) -> Transport {
        match self {
            Transport::Tls(stream, _, _) => Transport::Plain(stream),
            plain => plain,
        }
    }
}

/// A whole TDS message from the front of `buffer`, when it holds one.
fn take_message(buffer: &mut Vec<u8>) -> Option<(u8, Vec<u8>)> {
    let mut at = 0;
    let mut payload = Vec::new();
    loop {
        let header = buffer.get(at..at + 8)?;
        let length = u16::from_be_bytes([header[2], header[3]]) as usize;
        let (kind, last) = (header[0], header[1] & 1 == 1);
        payload.extend_from_slice(buffer.get(at + 8..at + length)?);
        at += length;
        if last {
            buffer.drain(..at);
            return Some((kind, payload));
        }
    }
}

/// The server side of the TLS handshake inside PRELOGIN packets.
async fn tls_handshake(
    stream: &mut TcpStream,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<Box<rustls::ServerConnection>> {
    let mut tls = Box::new(rustls::ServerConnection::new(config).map_err(std::io::Error::other)?);
    while tls.is_handshaking() {
        let (kind, payload) = read_message(stream).await?;
        assert_eq!(kind, 0x12, "the TLS handshake travels in PRELOGIN packets");
        tls.read_tls(&mut &payload[..])?;
        tls.process_new_packets().map_err(std::io::Error::other)?;
        let mut out = Vec::new();
        while tls.wants_write() {
            tls.write_tls(&mut out)?;
        }
        if !out.is_empty() {
            let mut packet = vec![0x12, 1];
            packet.extend(((out.len() + 8) as u16).to_be_bytes());
            packet.extend([0, 0, 1, 0]);
            packet.extend(out);
            stream.write_all(&packet).await?;
        }
    }
    Ok(tls)
}

async fn read_message(stream: &mut TcpStream) -> std::io::Result<(u8, Vec<u8>)> {
    let mut payload = Vec::new();
    loop {
        let mut header = [0u8; 8];
        stream.read_exact(&mut header).await?;
        let length = u16::from_be_bytes([header[2], header[3]]) as usize;
        let mut body = vec![0u8; length - 8];
        stream.read_exact(&mut body).await?;
        payload.extend(body);
        if header[1] & 1 == 1 {
            return Ok((header[0], payload));
        }
    }
}

/// A tabular result (type 0x04), split into 512-byte packets to exercise reassembly.
fn tabular(payload: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = payload.chunks(504).collect();
    let mut out = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let last = index + 1 == chunks.len();
        out.extend([0x04, if last { 1 } else { 0 }]);
        out.extend(((chunk.len() + 8) as u16).to_be_bytes());
        out.extend([0, 51, (index + 1) as u8, 0]);
        out.extend(*chunk);
    }
    out
}

async fn serve(mut stream: TcpStream, login: &Login) -> std::io::Result<()> {
    let (kind, prelogin) = read_message(&mut stream).await?;
    assert_eq!(kind, 0x12, "PRELOGIN first");
    assert!(prelogin.contains(&0xff), "PRELOGIN has a terminator");
    let encryption = match login.encryption {
        Encryption::NotSupported => 2,
        Encryption::LoginOnly => 0,
        Encryption::Required => 3,
    };
    // VERSION 16.0.1000, ENCRYPTION, terminator.
    let mut answer = vec![0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff];
    answer.extend([16, 0, 0x03, 0xe8, 0, 0, encryption]);
    stream.write_all(&tabular(&answer)).await?;
    let mut transport = match (login.encryption, login.tls.clone()) {
        (Encryption::NotSupported, _) | (_, None) => Transport::Plain(stream),
        (_, Some(config)) => {
            let tls = tls_handshake(&mut stream, config).await?;
            Transport::Tls(stream, tls, Vec::new())
        }
    };
    let (kind, login7) = transport.read_message().await?;
    if login.encryption == Encryption::LoginOnly {
        transport = transport.into_plain();
    }
    assert_eq!(kind, 0x10, "LOGIN7 second");
    let field = |pair: usize| {
        let at = 36 + pair * 4;
        let offset = u16::from_le_bytes([login7[at], login7[at + 1]]) as usize;
        let chars = u16::from_le_bytes([login7[at + 2], login7[at + 3]]) as usize;
        login7[offset..offset + chars * 2].to_vec()
    };
    let text = |bytes: Vec<u8>| {
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    };
    let user = text(field(1));
    let password = text(
        field(2)
            .into_iter()
            .map(|b| (b ^ 0xa5).rotate_left(4))
            .collect(),
    );
    let database = text(field(8));
    let mut tokens = Vec::new();
    if user != login.user || password != login.password {
        tokens.extend(error(18456, &format!("Login failed for user '{user}'.")));
        tokens.extend(done(0x02, 0));
        return transport.write_all(&tabular(&tokens)).await;
    }
    if database != login.database {
        tokens.extend(error(
            4060,
            &format!(
                "Cannot open database \"{database}\" requested by the login. The login failed."
            ),
        ));
        tokens.extend(error(18456, &format!("Login failed for user '{user}'.")));
        tokens.extend(done(0x02, 0));
        return transport.write_all(&tabular(&tokens)).await;
    }
    tokens.extend(envchange_database(&database));
    tokens.extend(info(
        5701,
        &format!("Changed database context to '{database}'."),
    ));
    tokens.extend(loginack());
    tokens.extend(done(0, 0));
    transport.write_all(&tabular(&tokens)).await?;

    let (kind, batch) = transport.read_message().await?;
    assert_eq!(kind, 0x01, "SQL batch third");
    let headers = u32::from_le_bytes(batch[0..4].try_into().unwrap()) as usize;
    let sql = text(batch[headers..].to_vec());
    assert_eq!(sql, "SELECT 1");
    let mut result = vec![0x81, 1, 0, 0, 0, 0, 0, 0x20, 0, 0x26, 4, 0];
    result.extend([0xd1, 4, 1, 0, 0, 0]);
    result.extend(done(0x10, 1));
    transport.write_all(&tabular(&result)).await?;
    // Hold the connection until the client hangs up.
    let _ = transport.read_message().await;
    Ok(())
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn message_token(token: u8, number: i32, class: u8, text: &str) -> Vec<u8> {
    let mut body = number.to_le_bytes().to_vec();
    body.extend([1, class]);
    body.extend((text.encode_utf16().count() as u16).to_le_bytes());
    body.extend(utf16(text));
    let server = "fake-sql";
    body.push(server.len() as u8);
    body.extend(utf16(server));
    body.push(0);
    body.extend(1i32.to_le_bytes());
    let mut out = vec![token];
    out.extend((body.len() as u16).to_le_bytes());
    out.extend(body);
    out
}

fn error(number: i32, text: &str) -> Vec<u8> {
    message_token(0xaa, number, 14, text)
}

fn info(number: i32, text: &str) -> Vec<u8> {
    message_token(0xab, number, 0, text)
}

fn envchange_database(database: &str) -> Vec<u8> {
    let mut body = vec![1, database.encode_utf16().count() as u8];
    body.extend(utf16(database));
    body.extend([6]);
    body.extend(utf16("master"));
    let mut out = vec![0xe3];
    out.extend((body.len() as u16).to_le_bytes());
    out.extend(body);
    out
}

fn loginack() -> Vec<u8> {
    let name = "Microsoft SQL Server";
    let mut body = vec![1];
    body.extend(0x7400_0004u32.to_be_bytes());
    body.push(name.encode_utf16().count() as u8);
    body.extend(utf16(name));
    body.extend([16, 0, 0x03, 0xe8]);
    let mut out = vec![0xad];
    out.extend((body.len() as u16).to_le_bytes());
    out.extend(body);
    out
}

fn done(status: u16, rows: u64) -> Vec<u8> {
    let mut out = vec![0xfd];
    out.extend(status.to_le_bytes());
    out.extend(0xc1u16.to_le_bytes());
    out.extend(rows.to_le_bytes());
    out
}
