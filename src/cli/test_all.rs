//! `sourcedeck test --all`: a fleet check for CI and on-call. Every integration is tested on the
//! server with bounded concurrency (each test has the server's own deadline), a spinner counts
//! progress on a terminal, and the result is one table (or JSON) sorted by name, with exit code 3
//! when anything failed.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{EXIT_TEST_FAILED, output, progress};
use crate::client::{Session, TestTarget};
use crate::proto::Integration;

/// One integration's outcome.
struct Outcome {
    integration: Integration,
    success: bool,
    message: String,
    latency_seconds: Option<f64>,
}

async fn test_one(session: &Session, integration: Integration) -> Outcome {
    let target = TestTarget {
        integration_id: Some(integration.id.clone()),
        ..Default::default()
    };
    match session.test(&target).await {
        Ok(result) => Outcome {
            integration,
            success: result.success,
            message: result.message,
            latency_seconds: result.latency_seconds,
        },
        Err(error) => Outcome {
            integration,
            success: false,
            message: format!("the test could not run: {error}"),
            latency_seconds: None,
        },
    }
}

/// Tests every integration and prints the results.
pub async fn run(session: Arc<Session>, concurrency: usize, json: bool) -> Result<ExitCode> {
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
    if json {
        let rows: Vec<_> = outcomes
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
        super::commands::print_json(&json!(rows))?;
    } else if outcomes.is_empty() {
        println!("No integrations to test.");
    } else {
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
        print!(
            "{}",
            output::table(&["NAME", "KIND", "RESULT", "LATENCY", "MESSAGE"], &rows)
        );
        println!("{} passed, {} failed", outcomes.len() - failed, failed);
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_TEST_FAILED)
    })
}
