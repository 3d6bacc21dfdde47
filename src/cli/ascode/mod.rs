//! `export`, `plan` and `apply`: sources as code. The pure parts (reading the file, the plan,
//! rendering) live in `crate::ascode`, fetching the server's state in
//! `crate::client::ascode_state`; this module does the rest of the I/O: connecting, reading the
//! file and its `{env}`/`{file}` values, printing, asking, and applying source by source.

mod apply;
mod load;

pub use apply::{Outcome, apply_planned};
pub use load::load;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::args::ConnectionArgs;
use super::connect::Connector;
use crate::ascode::plan::{self, Plan, ServerSource};
use crate::ascode::render;
use crate::client::{Session, ascode_state};

/// Exit code of `plan` when applying would change something.
pub const EXIT_CHANGES: u8 = 4;

/// Colour only on a terminal, and never with `NO_COLOR` set to anything non-empty.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn write_stdout(text: &str) -> Result<()> {
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// `sourcedeck export`.
pub async fn export(
    connector: &dyn Connector,
    output: Option<&std::path::Path>,
    connection: &ConnectionArgs,
) -> Result<ExitCode> {
    let client = connector.connect(connection).await?;
    let sources = ascode_state::fetch_all(&client.session).await?;
    let text = render::export(client.session.environment_name(), &sources);
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => write_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A plan with the state it was computed from.
struct Planned {
    plan: Plan,
    server: Vec<ServerSource>,
    session: Arc<Session>,
    _connection: super::connect::Connection,
}

async fn compute(
    connector: &dyn Connector,
    file: &str,
    prune: bool,
    connection: &ConnectionArgs,
) -> Result<Planned> {
    let loaded = load(file)?;
    let mut connection = connection.clone();
    if connection.environment.is_none() {
        connection.environment = loaded.manifest.environment.clone();
    }
    let client = connector.connect(&connection).await?;
    let session = client.session.clone();
    let ascode_state::PlanState { server, stored } =
        ascode_state::fetch_for_plan(&session, &loaded.manifest).await?;
    let plan = match plan::compute(&loaded.manifest, &loaded.read, &server, &stored, prune) {
        Ok(plan) => plan,
        Err(problems) => {
            load::fail_on(&loaded.label, &problems)?;
            unreachable!("fail_on fails on a non-empty list")
        }
    };
    Ok(Planned {
        plan,
        server,
        session,
        _connection: client,
    })
}

fn print_plan(plan: &Plan, json: bool) -> Result<()> {
    if json {
        super::output::print_json(&render::plan_json(plan))
    } else {
        write_stdout(&render::plan_text(plan, colour()))
    }
}

/// `sourcedeck plan`: exit 0 without changes, 4 with.
pub async fn plan(
    connector: &dyn Connector,
    file: &str,
    prune: bool,
    connection: &ConnectionArgs,
) -> Result<ExitCode> {
    let planned = compute(connector, file, prune, connection).await?;
    print_plan(&planned.plan, connection.json)?;
    Ok(if planned.plan.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_CHANGES)
    })
}

/// Flags of `apply`.
pub struct ApplyFlags {
    pub prune: bool,
    pub yes: bool,
    pub test: bool,
}

/// `sourcedeck apply`.
pub async fn apply(
    connector: &dyn Connector,
    file: &str,
    flags: ApplyFlags,
    connection: &ConnectionArgs,
) -> Result<ExitCode> {
    let planned = compute(connector, file, flags.prune, connection).await?;
    print_plan(&planned.plan, connection.json)?;
    if planned.plan.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if !flags.yes {
        confirm()?;
    }
    apply::run(
        &planned.session,
        &planned.plan,
        &planned.server,
        flags.test,
        connection.json,
    )
    .await
}

fn confirm() -> Result<()> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "apply: stdin is not a terminal; pass --yes to apply this plan without a prompt"
        );
    }
    eprint!("Apply this plan? Type yes: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        anyhow::bail!("apply: cancelled; nothing was changed");
    }
    Ok(())
}
