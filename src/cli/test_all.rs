//! `sourcedeck test --all`: a fleet check for CI and on-call. Every integration is tested on the
//! server with bounded concurrency (each test has the server's own deadline), a spinner counts
//! progress on a terminal, and the result is one table (or JSON) sorted by name, with exit code 3
//! when anything failed.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::commands::Outcome;
use super::output::{self, Render};
use super::{EXIT_TEST_FAILED, progress};
use crate::client::{Session, TestTarget};
use crate::proto::Integration;

/// One integration's outcome.
struct IntegrationOutcome {
    integration: Integration,
    success: bool,
    message: String,
    latency_seconds: Option<f64>,
}

async fn test_one(session: &Session, integration: Integration) -> IntegrationOutcome {
    let target = TestTarget {
        integration_id: Some(integration.id.clone()),
        ..Default::default()
    };
    match session.test(&target).await {
        Ok(result) => IntegrationOutcome {
            integration,
            success: result.success,
            message: result.message,
            latency_seconds: result.latency_seconds,
        },
        Err(error) => IntegrationOutcome {
            integration,
            success: false,
            message: format!("the test could not run: {error}"),
            latency_seconds: None,
        },
    }
}

/// Tests every integration; the results render as one table or JSON.
pub async fn run(session: Arc<Session>, concurrency: usize) -> Result<Outcome> {
    let integrations = session.list().await?;
    let total = integrations.len();
    let done = Arc::new(AtomicUsize::new(0));
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for integration in integrations {
        let session = session.clone();
        let permits = permits.clone();
        let done = done.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = test_one(&session, integration).await;
            done.fetch_add(1, Ordering::Relaxed);
            outcome
        });
    }
    let label_done = done.clone();
    let mut outcomes = progress::with_spinner_label(
        move || format!("testing {} of {total}", label_done.load(Ordering::Relaxed)),
        async move {
            let mut outcomes = Vec::with_capacity(total);
            while let Some(joined) = tasks.join_next().await {
                if let Ok(outcome) = joined {
                    outcomes.push(outcome);
                }
            }
            outcomes
        },
    )
    .await;
    outcomes.sort_by(|a, b| a.integration.name.cmp(&b.integration.name));
    let failed = outcomes.iter().filter(|outcome| !outcome.success).count();
    Ok(Outcome {
        output: Box::new(Fleet(outcomes)),
        code: if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_TEST_FAILED)
        },
    })
}

/// Every integration's outcome, sorted by name.
struct Fleet(Vec<IntegrationOutcome>);

impl Render for Fleet {
    fn json(&self) -> Value {
        let rows: Vec<_> = self
            .0
            .iter()
            .map(|outcome| {
                json!({
                    "id": outcome.integration.id,
                    "name": outcome.integration.name.clone().unwrap_or_default(),
                    "kind": output::kind_name(outcome.integration.kind),
                    "success": outcome.success,
                    "message": outcome.message,
                    "latency_seconds": outcome.latency_seconds,
                })
            })
            .collect();
        json!(rows)
    }

    fn text(&self) -> String {
        let outcomes = &self.0;
        if outcomes.is_empty() {
            return "No integrations to test.\n".into();
        }
        let failed = outcomes.iter().filter(|outcome| !outcome.success).count();
        let rows: Vec<Vec<String>> = outcomes
            .iter()
            .map(|outcome| {
                vec![
                    outcome.integration.name.clone().unwrap_or_default(),
                    output::kind_name(outcome.integration.kind),
                    if outcome.success {
                        "ok".into()
                    } else {
                        "FAILED".into()
                    },
                    outcome
                        .latency_seconds
                        .map(|s| format!("{} ms", (s * 1000.0).round()))
                        .unwrap_or_else(|| "-".into()),
                    outcome.message.clone(),
                ]
            })
            .collect();
        let mut text = output::table(&["NAME", "KIND", "RESULT", "LATENCY", "MESSAGE"], &rows);
        text.push_str(&format!(
            "{} passed, {} failed\n",
            outcomes.len() - failed,
            failed
        ));
        text
    }
}
