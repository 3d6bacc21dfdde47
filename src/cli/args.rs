//! The command line: one binary, `sourcedeck`, whose subcommands mirror the console's operations
//! for scripts and CI, plus `serve` and the local secret store.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::domain::Secret;

/// Wraps a secret argument at once, so a `Debug` print of the parsed command line shows
/// `[redacted]` instead of the value.
fn secret_arg(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

/// Manage a feature platform's data source integrations from a terminal.
#[derive(Debug, Parser)]
#[command(name = "sourcedeck", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the console (`sourcedeck` with no command).
    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// The console: `sourcedeck` with no command opens it.
#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    /// Hide and refuse every action that changes a source.
    #[arg(long)]
    pub readonly: bool,
    /// Client id (else CHALK_CLIENT_ID, else ~/.chalk.yml).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// API server, e.g. https://api.chalk.ai or 127.0.0.1:50051 (else CHALK_API_SERVER).
    #[arg(long, value_name = "URL")]
    pub api_server: Option<String>,
    /// Environment id or name (else CHALK_ENVIRONMENT, else the token's primary environment).
    #[arg(long, short = 'e', value_name = "ENV")]
    pub environment: Option<String>,
    /// Data directory of the embedded local server used when no server is configured.
    #[arg(long, value_name = "DIR", env = "SOURCEDECK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl ConsoleArgs {
    /// The same connection settings the commands take (the client secret only from the
    /// environment or ~/.chalk.yml: a console flag would sit in the shell history).
    pub fn connection(&self) -> ConnectionArgs {
        ConnectionArgs {
            client_id: self.client_id.clone(),
            client_secret: None,
            api_server: self.api_server.clone(),
            environment: self.environment.clone(),
            timeout: 30.0,
            data_dir: self.data_dir.clone(),
            json: false,
        }
    }
}

/// Where the Chalk API server is and who we are. Unset: the CHALK_* variables, then
/// ~/.chalk.yml, then the embedded local server.
#[derive(Debug, Args, Clone, Default)]
pub struct ConnectionArgs {
    /// Client id (else CHALK_CLIENT_ID, else ~/.chalk.yml).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Client secret (prefer CHALK_CLIENT_SECRET or ~/.chalk.yml: arguments are visible to other users).
    #[arg(long, value_name = "SECRET", hide = true, value_parser = secret_arg)]
    pub client_secret: Option<Secret>,
    /// API server, e.g. https://api.chalk.ai or 127.0.0.1:50051 (else CHALK_API_SERVER).
    #[arg(long, value_name = "URL")]
    pub api_server: Option<String>,
    /// Environment id or name (else CHALK_ENVIRONMENT, else the token's primary environment).
    #[arg(long, short = 'e', value_name = "ENV")]
    pub environment: Option<String>,
    /// Deadline of each call, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Data directory of the embedded local server used when no server is configured.
    #[arg(long, value_name = "DIR", env = "SOURCEDECK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Config values for create, update and draft tests. Secret values never come from arguments.
#[derive(Debug, Args, Clone, Default)]
pub struct ValueArgs {
    /// A plain (non-secret) value: KEY=VALUE. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A secret value read from stdin (or a no-echo prompt): KEY, or from a file: KEY=@PATH. Repeatable.
    #[arg(long = "secret", value_name = "KEY[=@PATH]")]
    pub secret: Vec<String>,
    /// A linked secret: KEY=REFERENCE (a name, an AWS ARN, a GCP resource name or an Azure Key Vault URL).
    #[arg(long = "link", value_name = "KEY=REFERENCE")]
    pub link: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Chalk-compatible integrations server.
    Serve(ServeArgs),
    /// List the environment's integrations.
    List {
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Show one integration (by id or name); secret values stay masked unless revealed.
    Get {
        /// Integration id or name.
        target: String,
        /// Reveal this key's value (fetched on its own). Repeatable.
        #[arg(long, value_name = "KEY")]
        reveal: Vec<String>,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Create an integration.
    Create {
        /// Kind: postgresql, snowflake, bigquery, ... (any case).
        #[arg(long)]
        kind: String,
        /// Name: letters, digits and underscores.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        values: ValueArgs,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Change an integration's name or keys; keys not given stay as they are.
    Update {
        /// Integration id or name.
        target: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        values: ValueArgs,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Delete an integration.
    Delete {
        /// Integration id or name.
        target: String,
        /// Do not ask; required when stdin is not a terminal.
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Test connectivity of a saved integration, of a draft (--kind with values), or of every
    /// integration (--all).
    Test {
        /// Integration id or name (omit to test a draft given with --kind).
        #[arg(conflicts_with = "all")]
        target: Option<String>,
        /// Kind of a draft.
        #[arg(long, conflicts_with = "all")]
        kind: Option<String>,
        /// Test every integration of the environment; exit 3 when any fails.
        #[arg(long)]
        all: bool,
        /// With --all: how many tests run at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64), requires = "all")]
        concurrency: u16,
        /// Ask a streaming source for sample messages.
        #[arg(long)]
        preview: bool,
        #[command(flatten)]
        values: ValueArgs,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// The local secret store that linked secrets resolve from when `serve --secret-store local`.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Show the kinds and their keys from the catalog.
    Kinds {
        /// One kind's keys.
        kind: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = crate::server::DEFAULT_LISTEN)]
    pub listen: String,
    /// Data directory (database and key file).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The client id clients exchange for a token.
    #[arg(long, env = "SOURCEDECK_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The client secret clients exchange for a token.
    #[arg(long, env = "SOURCEDECK_CLIENT_SECRET", hide_env_values = true, value_parser = secret_arg)]
    pub client_secret: Option<Secret>,
    /// An environment served; repeat for more (the first is the primary).
    #[arg(long, default_value = "default")]
    pub environment: Vec<String>,
    /// Team clients (TOML: id, secret_hash, environments, role or permissions); reloaded on SIGHUP.
    #[arg(long, value_name = "FILE")]
    pub clients: Option<PathBuf>,
    /// Where linked secrets live: local | aws:ACCOUNT:REGION | gcp:PROJECT[:REGION] | azure:VAULT.
    #[arg(long, default_value = "local")]
    pub secret_store: String,
    /// TLS certificate (PEM).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow plaintext on a non-loopback address.
    #[arg(long)]
    pub insecure: bool,
    /// Deadline of one connectivity test, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub test_timeout: f64,
    #[command(subcommand)]
    pub action: Option<ServeAction>,
}

/// What `serve` does besides serving.
#[derive(Debug, Subcommand)]
pub enum ServeAction {
    /// Read a client secret from stdin and print its argon2id hash for a --clients file.
    HashSecret,
}

/// Where the local store is.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Data directory of the server (default: the embedded server's).
    #[arg(long, value_name = "DIR", env = "SOURCEDECK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Environment name.
    #[arg(long, default_value = "default")]
    pub environment: String,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Store a secret; the value is read from stdin (or a no-echo prompt).
    Set {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List secret names (never values).
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a secret.
    Delete {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debug_print_of_the_command_line_redacts_client_secrets() {
        let cli = Cli::try_parse_from(["sourcedeck", "list", "--client-secret", "cli-secret-0a1b"])
            .unwrap();
        assert!(!format!("{cli:?}").contains("cli-secret-0a1b"));
        let cli = Cli::try_parse_from([
            "sourcedeck",
            "serve",
            "--client-id",
            "id",
            "--client-secret",
            "serve-secret-2c3d",
        ])
        .unwrap();
        assert!(!format!("{cli:?}").contains("serve-secret-2c3d"));
    }
}
