//! One connection to a Kafka broker: plain TCP or TLS, requests framed with a correlation id and
//! answers read back with a size limit, and I/O failures as one line naming the broker.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::wire::{self, Malformed};
use crate::probe::{Stage, StageError};

/// A byte stream to a broker (TCP or TLS over TCP).
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Larger answers are not a Kafka broker's answer to what this check asks.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

pub struct Connection {
    stream: Box<dyn Stream>,
    next_id: i32,
    client_id: String,
    /// `host:port` as configured, for messages.
    pub peer: String,
    /// What the listener was expected to speak, for the hint when it hangs up.
    pub protocol: &'static str,
}

impl Connection {
    pub fn new(
        stream: Box<dyn Stream>,
        client_id: &str,
        peer: String,
        protocol: &'static str,
    ) -> Self {
        Self {
            stream,
            next_id: 1,
            client_id: client_id.to_string(),
            peer,
            protocol,
        }
    }

    /// Sends one request and returns the response body (after the correlation id).
    pub async fn call(
        &mut self,
        api: (i16, i16),
        body: &[u8],
        stage: Stage,
    ) -> Result<Vec<u8>, StageError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let request = wire::frame(api, id, &self.client_id, body);
        self.stream
            .write_all(&request)
            .await
            .map_err(|error| self.io_error(&error, stage))?;
        self.stream
            .flush()
            .await
            .map_err(|error| self.io_error(&error, stage))?;
        let mut size = [0u8; 4];
        self.stream
            .read_exact(&mut size)
            .await
            .map_err(|error| self.io_error(&error, stage))?;
        let size = usize::try_from(i32::from_be_bytes(size)).unwrap_or(usize::MAX);
        if !(4..=MAX_RESPONSE).contains(&size) {
            return Err(self.not_kafka(stage));
        }
        let mut response = vec![0u8; size];
        self.stream
            .read_exact(&mut response)
            .await
            .map_err(|error| self.io_error(&error, stage))?;
        if response[..4] != id.to_be_bytes() {
            return Err(self.not_kafka(stage));
        }
        response.drain(..4);
        Ok(response)
    }

    fn not_kafka(&self, stage: Stage) -> StageError {
        StageError::new(
            stage,
            format!(
                "{} did not answer as a Kafka broker (is KAFKA_SECURITY_PROTOCOL {} right?)",
                self.peer, self.protocol
            ),
        )
    }

    fn io_error(&self, error: &std::io::Error, stage: Stage) -> StageError {
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
        match error.kind() {
            UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => StageError::new(
                stage,
                format!(
                    "the broker {} closed the connection (is KAFKA_SECURITY_PROTOCOL {} what this listener expects?)",
                    self.peer, self.protocol
                ),
            ),
            _ => StageError::new(stage, format!("talking to {}: {error}", self.peer)),
        }
    }

    /// A response that does not decode.
    pub fn malformed(&self, what: &str, error: Malformed, stage: Stage) -> StageError {
        StageError::new(
            stage,
            format!(
                "{} sent a malformed {what} response: {}",
                self.peer, error.0
            ),
        )
    }
}
