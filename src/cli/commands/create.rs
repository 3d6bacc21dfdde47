//! `sourcedeck create`: a new integration from `--set`, `--secret` and `--link` values.

use std::fmt::Write as _;

use anyhow::{Result, anyhow};
use serde_json::Value;

use super::{Connector, Outcome, connect, parse_kind};
use crate::cli::args::{ConnectionArgs, ValueArgs};
use crate::cli::output::{self, Render};
use crate::cli::values;
use crate::domain::Kind;
use crate::domain::name::validate_name;
use crate::proto::Integration;

struct Created {
    name: String,
    kind: Kind,
    integration: Integration,
}

impl Render for Created {
    fn text(&self) -> String {
        let mut text = format!(
            "created {} ({}) id {}\n",
            self.name,
            self.kind.sdk_name(),
            self.integration.id
        );
        for warning in &self.integration.warnings {
            let _ = writeln!(text, "  ! {}: {}", warning.title, warning.message);
        }
        text
    }

    fn json(&self) -> Value {
        output::integration_json(&self.integration)
    }
}

pub async fn run(
    connector: &dyn Connector,
    connection: &ConnectionArgs,
    kind: &str,
    name: &str,
    values: &ValueArgs,
) -> Result<Outcome> {
    let kind = parse_kind(kind)?;
    validate_name(name).map_err(|error| anyhow!("--{error}"))?;
    let config = values::collect(Some(kind), values)?;
    let client = connect(connector, connection).await?;
    let integration = client.session.create(kind, name, &config).await?;
    Outcome::ok(Created {
        name: name.to_string(),
        kind,
        integration,
    })
}
