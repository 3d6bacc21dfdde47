//! The command line: one binary, `sourcedeck`, whose subcommands mirror the console's operations
//! for scripts and CI, plus `serve`, the environment's secrets and the audit trail.

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
    /// Flags given before the command (or to the console): they mean the same as after it
    /// (see [`super::global`]).
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags before the command. They mean what they mean after the command; given in both places,
/// the one after the command wins.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Refuse every command (and hide every console action) that changes data.
    #[arg(long)]
    pub readonly: bool,
    /// Console: mark the sources whose server state differs from this sources file (drift).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Console with --plan: also mark the sources the file does not name (apply --prune deletes them).
    #[arg(long, requires = "plan")]
    pub prune: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
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
    /// Deadline of each call, in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Data directory of the embedded local server used when no server is configured (else
    /// SOURCEDECK_DATA_DIR).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `--readonly` after a command (the same flag as before it).
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ReadonlyArg {
    /// Refuse this command if it changes data.
    #[arg(long)]
    pub readonly: bool,
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
        #[command(flatten)]
        readonly: ReadonlyArg,
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
        #[command(flatten)]
        readonly: ReadonlyArg,
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
        #[command(flatten)]
        readonly: ReadonlyArg,
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
        #[command(flatten)]
        readonly: ReadonlyArg,
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
        #[command(flatten)]
        readonly: ReadonlyArg,
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
        #[arg(long, default_value_t = crate::client::api::TEST_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=64), requires = "all")]
        concurrency: u16,
        /// Ask a streaming source for sample messages.
        #[arg(long)]
        preview: bool,
        #[command(flatten)]
        values: ValueArgs,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// The environment's secrets on the server (EnvironmentSecretsService): the store linked
    /// secrets resolve from when `serve --secret-store local`, or a Chalk server's secrets.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// The audit trail, newest first: when, who, what, which keys, outcome (MONITORING_READ).
    Audit {
        /// Only the records about this source or secret (name or id).
        name: Option<String>,
        /// Only the records of this recent span: a number and a unit, s, m, h, d or w (`7d`).
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
        /// At most this many records [default: 50].
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// Show the kinds and their keys from the catalog.
    Kinds {
        /// One kind's keys.
        kind: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// Write the environment's sources as a sources file (linked keys as {secret: NAME}, stored
    /// secret literals as {keep: true}; never a secret value).
    Export {
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// Compare a sources file with the server; exit 0 when nothing would change, 4 when something would.
    Plan {
        /// The sources file, or - for stdin.
        file: String,
        /// Also plan to delete the sources the file does not name.
        #[arg(long)]
        prune: bool,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// Make the server match a sources file: show the plan, confirm, then create, update and
    /// (with --prune) delete.
    Apply {
        /// The sources file, or - for stdin.
        file: String,
        /// Also delete the sources the file does not name.
        #[arg(long)]
        prune: bool,
        /// Do not ask; required when stdin is not a terminal.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Test every created or updated source; exit 3 when any test fails.
        #[arg(long)]
        test: bool,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
}

/// The address `serve` listens on when not told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:50051";

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// Data directory (database and key file).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Where the state lives: sqlite:DIR (the default: the data directory) or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...&pool_size=N], shared by replicas.
    #[arg(
        long,
        value_name = "URL",
        env = "SOURCEDECK_STORE",
        hide_env_values = true
    )]
    pub store: Option<String>,
    /// The key file sealing the store (default: DIR/secret.key); keep it outside the data
    /// directory to back up or share it apart from the database.
    #[arg(long, value_name = "PATH", env = "SOURCEDECK_KEY_FILE")]
    pub key_file: Option<PathBuf>,
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
    /// Delete audit records older than this many days (at start, then hourly). Without it the
    /// audit trail is kept forever.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub audit_retention_days: Option<u32>,
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
    /// Connectivity tests may connect only inside these ranges (repeatable; CIDR). Without it,
    /// anywhere not denied. An allow inside a default-denied range opens that part of it.
    #[arg(long, value_name = "CIDR")]
    pub test_allow: Vec<crate::domain::cidr::Cidr>,
    /// Connectivity tests may never connect inside these ranges (repeatable; CIDR; wins over
    /// every allow). 169.254.0.0/16 and fe80::/10 are denied by default.
    #[arg(long, value_name = "CIDR")]
    pub test_deny: Vec<crate::domain::cidr::Cidr>,
    #[command(subcommand)]
    pub action: Option<ServeAction>,
}

/// What `serve` does besides serving.
#[derive(Debug, Subcommand)]
pub enum ServeAction {
    /// Read a client secret from stdin and print its argon2id hash for a --clients file.
    HashSecret,
    /// Copy a whole store into an empty one (SQLite to PostgreSQL or back), then check the counts
    /// and that every value opens with the key (--key-file, else the source's data directory).
    MigrateStore {
        /// The store to copy: sqlite:DIR or postgres://...
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty store to copy into: sqlite:DIR or postgres://...
        #[arg(long, value_name = "URL")]
        to: String,
        /// The key both stores are sealed with (also accepted before `migrate-store`).
        #[arg(long, value_name = "PATH")]
        key_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Store (or replace) a secret; the value comes from stdin, a no-echo prompt, or @FILE.
    Set {
        name: String,
        /// @PATH: read the value from this file (values are never taken from arguments).
        #[arg(value_name = "@FILE")]
        file: Option<String>,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// List secret names (never values).
    List {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// Reveal one secret's value (by name or id; needs SECRETS_DECRYPT).
    Get {
        name: String,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
    /// Delete a secret.
    Delete {
        name: String,
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        readonly: ReadonlyArg,
    },
}

impl SecretsCommand {
    /// The command's connection flags.
    pub fn connection_mut(&mut self) -> &mut ConnectionArgs {
        match self {
            SecretsCommand::Set { connection, .. }
            | SecretsCommand::List { connection, .. }
            | SecretsCommand::Get { connection, .. }
            | SecretsCommand::Delete { connection, .. } => connection,
        }
    }
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

    #[test]
    fn audit_retention_is_at_least_one_day() {
        let parse = |days: &str| {
            Cli::try_parse_from(["sourcedeck", "serve", "--audit-retention-days", days])
        };
        assert!(parse("0").is_err());
        assert!(parse("-3").is_err());
        let Some(Command::Serve(args)) = parse("30").unwrap().command else {
            panic!("serve")
        };
        assert_eq!(args.audit_retention_days, Some(30));
    }
}
