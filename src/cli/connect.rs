//! What a command needs from the layer above it: a connected session, or for `serve`, a server
//! run until it is stopped. The binary's launch code ([`crate::launch`]) implements
//! [`Connector`]: it picks the configured server or starts the embedded one, and runs `serve`,
//! so the CLI never starts a server itself. Commands ask for the connection only once their own
//! arguments are checked, so a usage mistake never starts a server.

use std::any::Any;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::args::{ConnectionArgs, ServeArgs};
use crate::client::Session;
use crate::client::data_dir::default_data_dir;

/// The default of `--timeout`.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 30.0;

/// A session and whatever must stay alive while it is used (the embedded server, if any).
pub struct Connection {
    pub session: Arc<Session>,
    pub keep_alive: Option<Box<dyn Any + Send>>,
}

/// A connection being made.
pub type Connecting<'a> = Pin<Box<dyn Future<Output = Result<Connection>> + Send + 'a>>;

/// A server running until it is interrupted.
pub type Serving<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Makes the connection the flags describe, or runs the server `serve`'s flags describe.
pub trait Connector: Send + Sync {
    fn connect<'a>(&'a self, args: &'a ConnectionArgs) -> Connecting<'a>;
    /// Runs `serve` (its flags already checked) until Ctrl-C or SIGTERM.
    fn serve(&self, args: ServeArgs) -> Serving<'_>;
}

/// `--timeout` as a duration (30 s when not given).
pub fn call_timeout(args: &ConnectionArgs) -> Result<Duration> {
    let seconds = args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow!("--timeout: {seconds} is not a positive number of seconds"))
}

pub fn home_dir() -> Option<PathBuf> {
    std::env::home_dir()
}

/// `--data-dir`, else SOURCEDECK_DATA_DIR, else the default data directory.
pub fn data_dir_or_default(data_dir: Option<PathBuf>) -> Result<PathBuf> {
    let from_env = || {
        std::env::var_os("SOURCEDECK_DATA_DIR")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    match data_dir.or_else(from_env) {
        Some(dir) => Ok(dir),
        None => default_data_dir(&|name| std::env::var(name).ok(), home_dir())
            .ok_or_else(|| anyhow!("no home directory for the local data; pass --data-dir")),
    }
}
