//! `sourcedeck delete`: asks for the name on a terminal, needs `--yes` otherwise.

use std::io::{IsTerminal, Write};

use anyhow::{Result, bail};
use serde_json::{Value, json};

use super::{Connector, Outcome, connect};
use crate::cli::args::ConnectionArgs;
use crate::cli::output::Render;

struct Deleted {
    id: String,
    name: String,
}

impl Render for Deleted {
    fn text(&self) -> String {
        format!("deleted {} ({})\n", self.name, self.id)
    }

    fn json(&self) -> Value {
        json!({"deleted": self.id, "name": self.name})
    }
}

/// Asks for the name when on a terminal; refuses without `--yes` otherwise.
fn confirm_delete(name: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("delete: stdin is not a terminal; pass --yes to delete {name} without a prompt");
    }
    eprint!("Type the name ({name}) to delete it: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if answer.trim() != name {
        bail!("delete: cancelled; the name did not match");
    }
    Ok(())
}

pub async fn run(
    connector: &dyn Connector,
    connection: &ConnectionArgs,
    target: &str,
    yes: bool,
) -> Result<Outcome> {
    let client = connect(connector, connection).await?;
    let integration = client.session.find(target).await?.integration;
    let name = integration.name.clone().unwrap_or_default();
    if !yes {
        confirm_delete(&name)?;
    }
    client.session.delete(&integration.id).await?;
    Outcome::ok(Deleted {
        id: integration.id,
        name,
    })
}
