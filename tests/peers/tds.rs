//! A loopback peer that answers as Microsoft SQL Server does over TDS 7.4, for the MSSQL
//! connectivity test: a PRELOGIN answer (encryption not supported, or required), then LOGIN7
//! decoded field by field (the password unscrambled) and answered with ENVCHANGE, INFO, LOGINACK
//! and DONE, or with ERROR 18456 for a wrong password and ERROR 4060 (then 18456) for a database
//! it does not have, and a one-row result set for the batch `SELECT 1`.

#![allow(dead_code)]

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
    /// Answer PRELOGIN with ENCRYPT_REQ.
    pub require_encryption: bool,
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

/// Sends a tabular result (type 0x04), split into 512-byte packets to exercise reassembly.
async fn reply(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let chunks: Vec<&[u8]> = payload.chunks(504).collect();
    for (index, chunk) in chunks.iter().enumerate() {
        let last = index + 1 == chunks.len();
        let mut packet = vec![0x04, if last { 1 } else { 0 }];
        packet.extend(((chunk.len() + 8) as u16).to_be_bytes());
        packet.extend([0, 51, (index + 1) as u8, 0]);
        packet.extend(*chunk);
        stream.write_all(&packet).await?;
    }
    Ok(())
}

async fn serve(mut stream: TcpStream, login: &Login) -> std::io::Result<()> {
    let (kind, prelogin) = read_message(&mut stream).await?;
    assert_eq!(kind, 0x12, "PRELOGIN first");
    assert!(prelogin.contains(&0xff), "PRELOGIN has a terminator");
    let encryption = if login.require_encryption { 3 } else { 2 };
    // VERSION 16.0.1000, ENCRYPTION, terminator.
    let mut answer = vec![0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff];
    answer.extend([16, 0, 0x03, 0xe8, 0, 0, encryption]);
    reply(&mut stream, &answer).await?;
    if login.require_encryption {
        return Ok(()); // a real server now expects a TLS handshake
    }
    let (kind, login7) = read_message(&mut stream).await?;
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
        return reply(&mut stream, &tokens).await;
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
        return reply(&mut stream, &tokens).await;
    }
    tokens.extend(envchange_database(&database));
    tokens.extend(info(
        5701,
        &format!("Changed database context to '{database}'."),
    ));
    tokens.extend(loginack());
    tokens.extend(done(0, 0));
    reply(&mut stream, &tokens).await?;

    let (kind, batch) = read_message(&mut stream).await?;
    assert_eq!(kind, 0x01, "SQL batch third");
    let headers = u32::from_le_bytes(batch[0..4].try_into().unwrap()) as usize;
    let sql = text(batch[headers..].to_vec());
    assert_eq!(sql, "SELECT 1");
    let mut result = vec![0x81, 1, 0, 0, 0, 0, 0, 0x20, 0, 0x26, 4, 0];
    result.extend([0xd1, 4, 1, 0, 0, 0]);
    result.extend(done(0x10, 1));
    reply(&mut stream, &result).await?;
    // Hold the connection until the client hangs up.
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest).await;
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
