//! The messages that cross the console's one channel (keys, ticks, worker answers) and the
//! commands `update` hands back for the runtime to carry out. Keeping them plain data is what
//! lets the reducer be tested without a terminal or a network.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;

use super::clipboard::{Fingerprint, Route};
use super::drift::{PlanFile, Planned};
use crate::client::ClientError;
use crate::client::team_api::TeamError;
use crate::domain::{ConfigValue, Kind, Secret};
use crate::proto::{Integration, IntegrationWithSecrets, TestIntegrationResponse};

/// Identifies one request to the worker; answers carrying an id the state no longer waits for
/// are stale and dropped.
pub type RequestId = u64;

/// Everything that can happen to the console.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal changed size; the next frame reflows.
    Resize,
    /// Time passed: expire reveals, flashes and the clipboard, advance the spinner.
    Tick {
        now: Instant,
        wall: std::time::SystemTime,
    },
    /// An answer from the worker.
    Reply(Reply),
    /// The worker's view of the connection changed.
    Connection(ConnectionState),
    /// A file asked for by the form was read (or could not be), off the event loop.
    FileLoaded {
        key: String,
        path: String,
        result: Result<Secret, String>,
    },
    /// What came of a [`Command::Copy`]: the route taken, or why it failed.
    Copied {
        what: String,
        secret: bool,
        result: Result<Route, String>,
    },
    /// What came of a [`Command::ClearClipboard`]: true when it was cleared, false when it held
    /// something else by then and was left alone.
    ClipboardCleared(Result<bool, String>),
    /// The list showed this many rows at the last draw (for PgUp/PgDn).
    ListRows(usize),
}

/// What the worker knows about the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Connected {
        environment: String,
        /// The environment's id (permissions are keyed by it).
        environment_id: String,
    },
    /// The last attempt failed; the next one starts at `retry_at`.
    Disconnected {
        reason: String,
        retry_at: Instant,
    },
}

/// A request for the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    List,
    Get {
        id: String,
    },
    Reveal {
        id: String,
        key: String,
    },
    Test {
        id: String,
    },
    Delete {
        id: String,
    },
    SwitchEnvironment {
        name: String,
    },
    /// Saves a new source. Never replayed after a lost connection: it may have been applied.
    Create {
        kind: Kind,
        name: String,
        config: BTreeMap<String, ConfigValue>,
    },
    /// Renames (when `name` is given) and changes only the given keys.
    Update {
        id: String,
        name: Option<String>,
        changes: BTreeMap<String, ConfigValue>,
    },
    /// Tests a draft: `config` over the saved source `integration_id` when editing.
    TestDraft {
        kind: Kind,
        integration_id: Option<String>,
        config: BTreeMap<String, ConfigValue>,
    },
    /// Plans the `--plan` file against the server (the drift marks).
    Plan {
        file: PlanFile,
    },
    /// Who the credential is and what it may do (TeamService/GetAgent).
    Agent,
    /// The environments the credential may use (TeamService/GetEnvironments).
    Environments,
    /// The environment's secret names, for the form's `^L` (EnvironmentSecretsService/ListSecrets).
    SecretNames,
    /// A source's audit records (AuditService/GetAuditLogs), newest first.
    History {
        integration_id: String,
        name: String,
    },
}

impl Request {
    /// Whether the worker may send the request again after the connection dropped under it.
    /// Everything is safe to repeat except a create.
    pub fn replayable(&self) -> bool {
        !matches!(self, Request::Create { .. })
    }

    /// How long the worker lets the request run before answering with a deadline error.
    /// Tests get the server's own deadline plus room for the round trip.
    pub fn deadline(&self) -> Duration {
        match self {
            Request::Test { .. } | Request::TestDraft { .. } => Duration::from_secs(40),
            // A GetIntegration per source (and a value per compared secret): room for thousands.
            Request::Plan { .. } => Duration::from_secs(120),
            // The form's background fetch: without an answer soon, `^L` works as it always did.
            Request::SecretNames => Duration::from_secs(10),
            _ => Duration::from_secs(20),
        }
    }
}

/// A worker answer to request `id`.
#[derive(Debug)]
pub struct Reply {
    pub id: RequestId,
    pub outcome: Outcome,
}

/// The result of each kind of request.
#[derive(Debug)]
pub enum Outcome {
    Listed(Result<Vec<Integration>, ClientError>),
    Detail(Result<IntegrationWithSecrets, ClientError>),
    Revealed(Result<Secret, ClientError>),
    Tested(Result<TestIntegrationResponse, ClientError>),
    Deleted(Result<(), ClientError>),
    EnvironmentSwitched(Result<String, ClientError>),
    /// A create or an update, with the source as saved (and its warnings).
    Saved(Result<Integration, ClientError>),
    /// The `--plan` file's plan against the server.
    Planned(Planned),
    /// GetAgent's answer (UNIMPLEMENTED: [`TeamError::Unsupported`]).
    Agent(Result<crate::proto::GetAgentResponse, TeamError>),
    /// The environment's secrets (names, never values).
    SecretNames(Result<Vec<crate::proto::Secret>, TeamError>),
    /// The environments the credential may use.
    Environments(Result<Vec<crate::proto::Environment>, TeamError>),
    /// A source's audit records.
    History(Result<Vec<crate::proto::AuditLog>, TeamError>),
}

/// What `update` asks the runtime to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Send {
        id: RequestId,
        request: Request,
    },
    /// Stop these requests (their answers would be dropped anyway).
    Cancel(Vec<RequestId>),
    /// Put text on the clipboard. `secret` copies are cleared again after 30 s.
    Copy {
        text: Secret,
        what: String,
        secret: bool,
    },
    /// Empty the clipboard if it still holds what this fingerprint was taken of.
    ClearClipboard {
        if_holding: Fingerprint,
    },
    /// Read a file into a form field (`encode`: as base64); answered with `Msg::FileLoaded`.
    LoadFile {
        key: String,
        path: String,
        encode: bool,
    },
    /// The loop ends (`update` has set `app.quit`); the runtime has nothing left to do for it.
    Quit,
}
