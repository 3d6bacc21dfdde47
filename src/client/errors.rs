//! What a call can fail with and which failures it may be retried after: the error every client
//! function returns (the gRPC code kept for exit codes and retries) and the retry rule that tells
//! a server's UNAVAILABLE and a dropped connection from an answer.

use tonic::{Code, Status};

/// An error from the server or the transport, with the gRPC code kept for exit codes and retries.
/// Messages come from the server (which never echoes secrets) or from the transport.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct ClientError {
    pub code: Code,
    pub message: String,
}

impl ClientError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<Status> for ClientError {
    fn from(status: Status) -> Self {
        let message = if status.message().is_empty() {
            format!("{:?}", status.code())
        } else {
            status.message().to_string()
        };
        Self::new(status.code(), message)
    }
}

/// Which failures a call may be retried after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Safe to repeat (reads, tests, updates of given keys, deletes): UNAVAILABLE and transport
    /// failures such as a connection the server closed are retried.
    Idempotent,
    /// Not safe to repeat (create): only UNAVAILABLE, which the server answers before acting.
    UnavailableOnly,
}

impl Retry {
    /// Whether a call that failed with `status` may be sent again.
    pub fn allows(self, status: &Status) -> bool {
        status.code() == Code::Unavailable
            || (self == Retry::Idempotent && is_transport_failure(status))
    }
}

/// A failure of the connection rather than an answer from the server (tonic reports a request on
/// a connection the peer already closed as UNKNOWN "transport error").
pub(super) fn is_transport_failure(status: &Status) -> bool {
    use std::error::Error;
    status.code() == Code::Unknown
        && (status.message() == "transport error"
            || status
                .source()
                .is_some_and(|source| source.downcast_ref::<tonic::transport::Error>().is_some()))
}
