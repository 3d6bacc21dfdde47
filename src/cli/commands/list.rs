//! `sourcedeck list`: the environment's integrations.

use anyhow::Result;
use serde_json::{Value, json};

use super::{Connector, Outcome, connect};
use crate::cli::args::ConnectionArgs;
use crate::cli::output::{self, Render};
use crate::proto::Integration;

struct Listed(Vec<Integration>);

impl Render for Listed {
    fn text(&self) -> String {
        output::list_table(&self.0)
    }

    fn json(&self) -> Value {
        json!(
            self.0
                .iter()
                .map(output::integration_json)
                .collect::<Vec<_>>()
        )
    }
}

pub async fn run(connector: &dyn Connector, connection: &ConnectionArgs) -> Result<Outcome> {
    let client = connect(connector, connection).await?;
    Outcome::ok(Listed(client.session.list().await?))
}
