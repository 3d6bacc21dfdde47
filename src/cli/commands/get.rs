//! `sourcedeck get`: one integration, secret values masked unless revealed one by one.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde_json::Value;

use super::{Connector, Outcome, connect};
use crate::cli::args::ConnectionArgs;
use crate::cli::output::{self, Render};
use crate::domain::Secret;
use crate::proto::{Integration, SecretWithValue};

struct Shown {
    integration: Integration,
    secrets: Vec<SecretWithValue>,
    revealed: BTreeMap<String, Secret>,
}

impl Render for Shown {
    fn text(&self) -> String {
        output::detail_text(&self.integration, &self.secrets, &self.revealed)
    }

    fn json(&self) -> Value {
        output::detail_json(&self.integration, &self.secrets, &self.revealed)
    }
}

pub async fn run(
    connector: &dyn Connector,
    connection: &ConnectionArgs,
    target: &str,
    reveal: Vec<String>,
) -> Result<Outcome> {
    let client = connect(connector, connection).await?;
    let found = client.session.find(target).await?;
    let mut revealed = BTreeMap::new();
    for key in reveal {
        let value = client
            .session
            .reveal(&found.integration.id, &key)
            .await
            .with_context(|| format!("--reveal {key}"))?;
        revealed.insert(key, value);
    }
    Outcome::ok(Shown {
        integration: found.integration,
        secrets: found.secrets,
        revealed,
    })
}
