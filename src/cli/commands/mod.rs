//! The CLI's commands, one file each. A command checks its arguments, asks the launch code for a
//! connection ([`Connector`]) only when it needs one, runs one operation and returns what it
//! produced as a [`Render`]; [`output::render`] is the one place that prints it as a table or as
//! JSON. Failures map to exit codes here (1 error, 2 usage, 3 connectivity test failed).

mod audit;
mod create;
mod delete;
mod get;
mod kinds;
mod list;
mod secrets;
mod test;
mod update;

use std::process::ExitCode;

use anyhow::{Result, anyhow};

use super::args::{Cli, Command, ConnectionArgs};
use super::connect::{Connection, Connector};
use super::global::{self, UsageError};
use super::output::{self, Render};
use crate::domain::Kind;

/// What a command produced and the exit code that goes with it.
pub struct Outcome {
    pub output: Box<dyn Render>,
    pub code: ExitCode,
}

impl Outcome {
    /// A successful result.
    pub fn ok(output: impl Render + 'static) -> Result<Self> {
        Ok(Self {
            output: Box::new(output),
            code: ExitCode::SUCCESS,
        })
    }
}

/// Runs a command of the parsed command line and returns the process exit code.
pub async fn run(cli: Cli, connector: &dyn Connector) -> ExitCode {
    report(dispatch(cli, connector).await)
}

/// Prints a failure on one line of stderr and picks its exit code.
pub fn report(result: Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sourcedeck: {}", one_line(&error));
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error chain on one line, outermost first.
fn one_line(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}

/// Connects as the (merged) flags say.
async fn connect(connector: &dyn Connector, args: &ConnectionArgs) -> Result<Connection> {
    connector.connect(args).await
}

fn parse_kind(text: &str) -> Result<Kind> {
    text.parse::<Kind>()
        .map_err(|error| anyhow!("--kind: {error}"))
}

async fn dispatch(cli: Cli, connector: &dyn Connector) -> Result<ExitCode> {
    let Some(mut command) = cli.command else {
        return Err(anyhow!("no command given"));
    };
    global::apply(cli.global, &mut command)?;
    let (outcome, json) = match command {
        Command::Serve(args) => return connector.serve(args).await.map(|()| ExitCode::SUCCESS),
        Command::List { connection, .. } => {
            (list::run(connector, &connection).await?, connection.json)
        }
        Command::Get {
            target,
            reveal,
            connection,
            ..
        } => (
            get::run(connector, &connection, &target, reveal).await?,
            connection.json,
        ),
        Command::Create {
            kind,
            name,
            values,
            connection,
            ..
        } => (
            create::run(connector, &connection, &kind, &name, &values).await?,
            connection.json,
        ),
        Command::Update {
            target,
            name,
            values,
            connection,
            ..
        } => (
            update::run(connector, &connection, &target, name, &values).await?,
            connection.json,
        ),
        Command::Delete {
            target,
            yes,
            connection,
            ..
        } => (
            delete::run(connector, &connection, &target, yes).await?,
            connection.json,
        ),
        Command::Test {
            target,
            kind,
            all,
            concurrency,
            preview,
            values,
            connection,
            ..
        } => {
            let request = test::Request {
                target,
                kind,
                all,
                concurrency,
                preview,
                values,
            };
            (
                test::run(connector, &connection, request).await?,
                connection.json,
            )
        }
        Command::Secrets(command) => secrets::run(connector, command).await?,
        Command::Audit {
            name,
            since,
            limit,
            connection,
            ..
        } => {
            let request = audit::Request { name, since, limit };
            (
                audit::run(connector, &connection, request).await?,
                connection.json,
            )
        }
        Command::Kinds { kind, json, .. } => (kinds::run(kind.as_deref())?, json),
        // Sources as code print their own plan and progress (and prompt in between).
        Command::Export {
            output, connection, ..
        } => return super::ascode::export(connector, output.as_deref(), &connection).await,
        Command::Plan {
            file,
            prune,
            connection,
            ..
        } => return super::ascode::plan(connector, &file, prune, &connection).await,
        Command::Apply {
            file,
            prune,
            yes,
            test,
            connection,
            ..
        } => {
            let flags = super::ascode::ApplyFlags { prune, yes, test };
            return super::ascode::apply(connector, &file, flags, &connection).await;
        }
    };
    output::render(outcome.output.as_ref(), json)?;
    Ok(outcome.code)
}
