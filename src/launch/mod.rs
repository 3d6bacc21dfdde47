//! The binary's launch code, the top layer: it picks the server (flags, CHALK_* variables,
//! ~/.chalk.yml) or starts the embedded one, then hands a connection to the CLI or the console.
//! It is the only place that starts a server (the embedded one, and `serve`'s), so neither the
//! CLI nor the client layer below imports the server.

mod embedded;
mod migrate_store;
mod serve;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::cli::Cli;
use crate::cli::args::ServeArgs;
use crate::cli::args::{ConnectionArgs, GlobalArgs};
use crate::cli::connect::{
    Connecting, Connection, Connector, Serving, call_timeout, data_dir_or_default, home_dir,
};
use crate::client::Session;
use crate::client::credentials::{self, Lookup, NoCredentials, Overrides};
use crate::server::RunningServer;

/// Runs the parsed command line: the console when no command is given, else the CLI.
pub async fn run(cli: Cli) -> ExitCode {
    if cli.command.is_none() {
        return crate::cli::report(console(cli.global).await.map(|()| ExitCode::SUCCESS));
    }
    crate::cli::run(cli, &Launcher).await
}

/// The credentials to use and, when nothing names a server, the embedded one started for them.
async fn resolve_credentials(
    args: &ConnectionArgs,
) -> Result<(credentials::Credentials, Option<RunningServer>)> {
    let overrides = Overrides {
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        api_server: args.api_server.clone(),
        environment: args.environment.clone(),
    };
    let resolved = {
        let env = |name: &str| std::env::var(name).ok();
        let lookup = Lookup {
            env: &env,
            cwd: std::env::current_dir().context("reading the current directory")?,
            home: home_dir(),
        };
        credentials::resolve(&overrides, &lookup)
    };
    match resolved {
        Ok(credentials) => Ok((credentials, None)),
        Err(NoCredentials) if args.api_server.is_none() => {
            let dir = data_dir_or_default(args.data_dir.clone())?;
            let (running, credentials) = embedded::start(dir, args.environment.clone())
                .await
                .context("starting the embedded local server")?;
            Ok((credentials, Some(running)))
        }
        Err(error) => Err(error.into()),
    }
}

/// Connects the CLI's commands.
struct Launcher;

impl Connector for Launcher {
    fn connect<'a>(&'a self, args: &'a ConnectionArgs) -> Connecting<'a> {
        Box::pin(async move {
            let timeout = call_timeout(args)?;
            let (credentials, embedded) = resolve_credentials(args).await?;
            let session = Session::connect(&credentials, timeout)
                .await
                .with_context(|| {
                    format!(
                        "connecting to {}",
                        crate::client::endpoint::describe_server(credentials.api_server.as_deref())
                    )
                })?;
            Ok(Connection {
                session: Arc::new(session),
                keep_alive: embedded.map(|running| Box::new(running) as Box<_>),
            })
        })
    }

    fn serve(&self, args: ServeArgs) -> Serving<'_> {
        Box::pin(serve::run(args))
    }
}

/// Opens the console; it needs a terminal on stdin and stdout.
async fn console(global: GlobalArgs) -> Result<()> {
    crate::cli::global::check_console(&global)?;
    let mut connection = global.connection;
    // The file is read and checked before the console opens: its errors print like `plan`'s.
    let plan = match &global.plan {
        Some(path) => {
            let path = path.to_string_lossy();
            if path == "-" {
                bail!("--plan -: the console reads keys from stdin; give the sources file's path");
            }
            let loaded = crate::cli::ascode::load(&path)?;
            if connection.environment.is_none() {
                connection.environment = loaded.manifest.environment.clone();
            }
            Some(crate::tui::drift::PlanFile::new(loaded, global.prune))
        }
        None => None,
    };
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!(
            "the console needs a terminal; for scripts use the commands (`sourcedeck --help`), e.g. `sourcedeck list --json`"
        );
    }
    let (credentials, embedded) = resolve_credentials(&connection).await?;
    crate::tui::launch::run(crate::tui::launch::Launch {
        connector: crate::tui::worker::Connector {
            credentials,
            call_timeout: call_timeout(&connection)?,
        },
        readonly: global.readonly,
        plan,
        embedded: embedded.map(|running| Box::new(running) as Box<_>),
    })
    .await
}
