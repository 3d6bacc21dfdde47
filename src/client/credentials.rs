//! Where a Chalk user's credentials come from: command-line flags, then the `CHALK_*`
//! environment variables, then `~/.chalk.yml` (shared/reference/wire.md), never rewritten.
//!
//! CONTRACT (placeholder bodies; the full implementation replaces them, keeping these signatures).

use std::path::PathBuf;

use crate::domain::Secret;

/// Values given on the command line; each one wins over every other source.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub api_server: Option<String>,
    pub environment: Option<String>,
}

/// Where the settings were found, for `--verbose` and error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    Flags,
    Environment,
    /// The file and the token entry used (project root path, directory or `default`).
    ChalkYml { file: PathBuf, entry: String },
}

/// How the client authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Exchange a client id and secret for a bearer token with GetToken.
    ClientCredentials { client_id: String, client_secret: Secret },
    /// `CHALK_WEB_IDENTITY_TOKEN_FILE`: the file's JWT is the bearer token; no exchange.
    WebIdentityTokenFile(PathBuf),
}

/// Everything needed to reach a Chalk API server.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub auth: Auth,
    /// As configured (scheme, `www.`, path not yet stripped); `None` means the default server.
    pub api_server: Option<String>,
    /// An environment id or name, as configured.
    pub environment: Option<String>,
    pub source: CredentialSource,
}

/// What the resolver may read; tests pass a fake.
pub struct Lookup<'a> {
    /// Reads an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The current directory.
    pub cwd: PathBuf,
    /// The home directory, if known.
    pub home: Option<PathBuf>,
}

/// No server is configured anywhere. Display: one sentence naming the flags, the `CHALK_*`
/// variables, `~/.chalk.yml` and `chalk login`.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "no Chalk credentials found: pass --client-id/--client-secret, set CHALK_CLIENT_ID and CHALK_CLIENT_SECRET, or run `chalk login` to write ~/.chalk.yml"
)]
pub struct NoCredentials;

/// Resolves credentials by precedence. `Ok(None)` never happens: nothing found is `NoCredentials`.
/// A malformed `.chalk.yml` entry is skipped; other entries still count.
pub fn resolve(_overrides: &Overrides, _lookup: &Lookup<'_>) -> Result<Credentials, NoCredentials> {
    todo!("credentials::resolve")
}
