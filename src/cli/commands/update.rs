//! `sourcedeck update`: rename an integration or change the keys given; other keys stay.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use super::{Connector, Outcome, connect};
use crate::cli::args::{ConnectionArgs, ValueArgs};
use crate::cli::output::{self, Render};
use crate::cli::values;
use crate::domain::Kind;
use crate::domain::name::validate_name;
use crate::proto::Integration;

struct Updated {
    integration: Integration,
    keys: Vec<String>,
}

impl Render for Updated {
    fn text(&self) -> String {
        format!(
            "updated {} ({}){}\n",
            self.integration.name.clone().unwrap_or_default(),
            self.integration.id,
            if self.keys.is_empty() {
                String::new()
            } else {
                format!(": {}", self.keys.join(", "))
            }
        )
    }

    fn json(&self) -> Value {
        output::integration_json(&self.integration)
    }
}

pub async fn run(
    connector: &dyn Connector,
    connection: &ConnectionArgs,
    target: &str,
    name: Option<String>,
    values: &ValueArgs,
) -> Result<Outcome> {
    if let Some(name) = &name {
        validate_name(name).map_err(|error| anyhow!("--{error}"))?;
    }
    let client = connect(connector, connection).await?;
    let integration = client.session.find(target).await?.integration;
    let config = values::collect(Kind::from_wire(integration.kind), values)?;
    if name.is_none() && config.is_empty() {
        bail!("update: nothing to change; give --name, --set, --secret or --link");
    }
    let updated = client
        .session
        .update(&integration.id, name.as_deref(), &config)
        .await?;
    Outcome::ok(Updated {
        integration: updated,
        keys: config.keys().cloned().collect(),
    })
}
