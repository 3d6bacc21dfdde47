//! TDS packet framing: every message the check sends fits in one packet; an answer is read
//! packet by packet up to its end-of-message bit, bounded in size, and anything that is not a
//! TDS reply means the peer is not SQL Server.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::not_sql_server;
use crate::probe::{Stage, StageError};
pub(super) const PRELOGIN: u8 = 0x12;
pub(super) const LOGIN7: u8 = 0x10;
pub(super) const SQL_BATCH: u8 = 0x01;
/// A packet's status bit that ends a message.
pub(super) const END_OF_MESSAGE: u8 = 0x01;
/// Larger answers are not SQL Server's answer to a login or `SELECT 1`.
pub(super) const MAX_MESSAGE: usize = 1024 * 1024;

/// Sends one message in one packet (every message here is far below the 4 KiB packet size).
pub(super) async fn send<S: AsyncWrite + Unpin>(
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
pub(super) async fn receive<S: AsyncRead + Unpin>(
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

pub(super) fn io_error(error: &std::io::Error, stage: Stage) -> StageError {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    match error.kind() {
        UnexpectedEof | ConnectionReset | BrokenPipe => {
            StageError::new(stage, "the server closed the connection")
        }
        _ => StageError::new(stage, error.to_string()),
    }
}

/// A TDS packet: type, status (end of message), length, SPID 0, packet id 1, window 0.
pub(super) fn packet(kind: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 8).unwrap_or(u16::MAX);
    let mut out = vec![kind, END_OF_MESSAGE];
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&[0, 0, 1, 0]);
    out.extend_from_slice(payload);
    out
}
