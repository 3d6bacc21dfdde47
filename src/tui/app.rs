//! The console's whole state, as plain data. Views read it; only `update` changes it.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use crate::domain::{Kind, Secret};
use crate::proto::{Integration, IntegrationWithSecrets};

use super::msg::{ConnectionState, RequestId};
pub use super::overlay::confirm_delete::ConfirmDelete;
pub use super::overlay::test_all::TestAll;

/// Where the console is connected, for the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// `host:port`.
    pub address: String,
    /// The embedded default started by the console itself.
    pub local: bool,
}

/// Which pane has the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// The list's order, cycled with `s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Kind,
    Updated,
    Status,
}

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            SortKey::Name => SortKey::Kind,
            SortKey::Kind => SortKey::Updated,
            SortKey::Updated => SortKey::Status,
            SortKey::Status => SortKey::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Kind => "kind",
            SortKey::Updated => "updated",
            SortKey::Status => "status",
        }
    }
}

/// The `/` filter: a substring of the name or kind, inverted with a leading `!`. While it is
/// typed, [`Layer::Filter`](super::layer::Layer::Filter) is on the stack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
}

/// The last connectivity test of one source.
#[derive(Clone, Debug, PartialEq)]
pub enum TestStatus {
    Running { since: Instant },
    Done(TestResult),
}

/// A finished test.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    pub success: bool,
    /// One line from the server (`connect failed: ... (resolve 0 ms, connect 1 ms)`).
    pub message: String,
    pub latency_ms: Option<u64>,
    pub preview: Vec<PreviewLine>,
}

/// One previewed stream message, decoded for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewLine {
    pub partition: String,
    pub offset: String,
    pub key: String,
    pub value: String,
}

/// The detail of the selected source as last fetched.
#[derive(Clone, Debug, PartialEq)]
pub struct Detail {
    pub integration: IntegrationWithSecrets,
}

/// A secret value shown on purpose, until `until` or until the selection moves.
#[derive(Clone, Debug, PartialEq)]
pub struct Revealed {
    pub integration_id: String,
    pub key: String,
    pub value: Secret,
    pub until: Instant,
}

/// A one-line message under the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub until: Instant,
}

/// A secret on the clipboard: cleared at `at`, if the clipboard still holds it then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClipboardClear {
    pub at: Instant,
    pub holding: super::clipboard::Fingerprint,
}

/// The console's state.
#[derive(Debug)]
pub struct App {
    pub server: ServerInfo,
    pub environment: String,
    /// The current environment's id (what the credential's permissions are keyed by).
    pub environment_id: String,
    /// Read-only in effect: asked for with `--readonly`, or the credential may not write here.
    pub readonly: bool,
    /// `--readonly` was given.
    pub readonly_requested: bool,
    /// What the credential may do, from GetAgent.
    pub access: super::access::Access,
    pub connection: ConnectionState,
    /// Every integration of the environment, as last listed.
    pub integrations: Vec<Integration>,
    /// Indexes into `integrations` of the rows shown, in order.
    pub visible: Vec<usize>,
    pub loaded: bool,
    pub list_error: Option<String>,
    pub filter: Filter,
    pub kind_filter: Option<Kind>,
    pub sort: SortKey,
    /// Index into `visible`.
    pub selected: usize,
    /// First row shown, kept so the cursor stays on screen.
    pub scroll: usize,
    /// Rows the list showed at the last draw (for PgUp/PgDn).
    pub page: usize,
    pub focus: Focus,
    /// Row of the detail pane's config table.
    pub detail_cursor: usize,
    pub details: HashMap<String, Detail>,
    pub tests: HashMap<String, TestStatus>,
    pub revealed: Option<Revealed>,
    pub flash: Option<Flash>,
    /// The layers over the main screen, bottom first; the last one gets the keys.
    pub layers: Vec<super::layer::Layer>,
    /// Requests in flight and what they were for.
    pub pending: HashMap<RequestId, super::msg::Request>,
    pub next_request: RequestId,
    /// A copied secret to clear from the clipboard, and when.
    pub clipboard_clear: Option<ClipboardClear>,
    pub now: Instant,
    pub wall: SystemTime,
    pub quit: bool,
    /// Ticks seen, for the spinner.
    pub ticks: u64,
    /// `e` waits for this source's detail, then opens the form with these warnings on its keys.
    pub edit_when_loaded: Option<(String, Vec<crate::proto::IntegrationWarning>)>,
    /// After a create, the list moves to this source once it is listed.
    pub select_when_listed: Option<String>,
    /// The `--plan` file and its last plan (drift marks); `None` without `--plan`.
    pub drift: Option<super::drift::Drift>,
}

impl App {
    pub fn new(server: ServerInfo, environment: String, readonly: bool, now: Instant) -> Self {
        Self {
            server,
            environment,
            environment_id: String::new(),
            readonly,
            readonly_requested: readonly,
            access: super::access::Access::NotAsked,
            connection: ConnectionState::Connecting,
            integrations: Vec::new(),
            visible: Vec::new(),
            loaded: false,
            list_error: None,
            filter: Filter::default(),
            kind_filter: None,
            sort: SortKey::Name,
            selected: 0,
            scroll: 0,
            page: 10,
            focus: Focus::List,
            detail_cursor: 0,
            details: HashMap::new(),
            tests: HashMap::new(),
            revealed: None,
            flash: None,
            layers: Vec::new(),
            pending: HashMap::new(),
            next_request: 1,
            clipboard_clear: None,
            now,
            wall: SystemTime::UNIX_EPOCH,
            quit: false,
            ticks: 0,
            edit_when_loaded: None,
            select_when_listed: None,
            drift: None,
        }
    }

    /// The integration under the cursor.
    pub fn selected_integration(&self) -> Option<&Integration> {
        self.visible
            .get(self.selected)
            .and_then(|index| self.integrations.get(*index))
    }

    /// Whether a request of this shape is in flight.
    pub fn is_pending(&self, request: &super::msg::Request) -> bool {
        self.pending.values().any(|pending| pending == request)
    }

    /// The environment's name suggests production: deletes need the name typed.
    pub fn is_production(&self) -> bool {
        self.environment.to_ascii_lowercase().contains("prod")
    }

    /// The secret store references are checked against, when the console knows it: the
    /// embedded server uses its local store. A remote server checks references on save.
    pub fn known_store(&self) -> Option<crate::domain::secret_ref::SecretStore> {
        self.server
            .local
            .then_some(crate::domain::secret_ref::SecretStore::Local)
    }
}
