//! `sourcedeck test`: connectivity of a saved integration, of a draft (`--kind` with values), or
//! of every integration (`--all`, in [`crate::cli::test_all`]); exit code 3 when a test fails.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::Value;

use super::{Connector, Outcome, connect, parse_kind};
use crate::cli::args::{ConnectionArgs, ValueArgs};
use crate::cli::output::{self, Render};
use crate::cli::{EXIT_TEST_FAILED, progress, test_all, values};
use crate::client::TestTarget;
use crate::domain::Kind;
use crate::proto::TestIntegrationResponse;

/// The `test` flags other than the connection's.
pub struct Request {
    pub target: Option<String>,
    pub kind: Option<String>,
    pub all: bool,
    pub concurrency: u16,
    pub preview: bool,
    pub values: ValueArgs,
}

struct Tested(TestIntegrationResponse);

impl Render for Tested {
    fn text(&self) -> String {
        output::test_text(&self.0)
    }

    fn json(&self) -> Value {
        output::test_json(&self.0)
    }
}

pub async fn run(
    connector: &dyn Connector,
    connection: &ConnectionArgs,
    request: Request,
) -> Result<Outcome> {
    if request.all {
        let client = connect(connector, connection).await?;
        return test_all::run(client.session, usize::from(request.concurrency)).await;
    }
    let kind = request.kind.as_deref().map(parse_kind).transpose()?;
    let client = connect(connector, connection).await?;
    let integration = match &request.target {
        Some(target) => Some(client.session.find(target).await?.integration),
        None => None,
    };
    if integration.is_none() && kind.is_none() {
        bail!("test: name a saved integration, or give --kind (and values) to test a draft");
    }
    let value_kind = kind.or_else(|| integration.as_ref().and_then(|i| Kind::from_wire(i.kind)));
    let config = values::collect(value_kind, &request.values)?;
    let target = TestTarget {
        kind,
        integration_id: integration.map(|integration| integration.id),
        config,
        include_preview: request.preview,
    };
    let label = match &target.integration_id {
        Some(_) => "testing connectivity".to_string(),
        None => "testing the draft".to_string(),
    };
    let result = progress::with_spinner(&label, client.session.test(&target)).await?;
    let code = if result.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_TEST_FAILED)
    };
    Ok(Outcome {
        output: Box::new(Tested(result)),
        code,
    })
}
