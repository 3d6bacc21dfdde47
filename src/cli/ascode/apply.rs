//! Applying a plan source by source: each source is re-read first and skipped when it changed
//! since the plan; one UpdateIntegration per source with only the changed keys; a failure is
//! recorded and the run goes on; progress on a terminal; a summary and exit code at the end.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, anyhow};
use serde_json::json;
use tonic::Code;

use crate::ascode::plan::{Action, Plan, ServerSource, SourcePlan};
use crate::cli::{EXIT_TEST_FAILED, progress};
use crate::client::ascode_state;
use crate::client::{Session, TestTarget};

/// What happened to one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done { id: String },
    Skipped(String),
    Failed(String),
}

async fn still_as_planned(
    session: &Session,
    source: &SourcePlan,
    server: &[ServerSource],
) -> Result<bool> {
    match &source.id {
        None => match session.get_by_name(&source.name).await {
            Err(error) if error.code == Code::NotFound => Ok(true),
            Err(error) => Err(error.into()),
            Ok(_) => Ok(false),
        },
        Some(id) => {
            let planned = server.iter().find(|s| &s.id == id);
            match ascode_state::fetch_one(session, id).await {
                Ok(now) => Ok(planned == Some(&now)),
                Err(_) => Ok(false),
            }
        }
    }
}

async fn apply_one(session: &Session, source: &SourcePlan, server: &[ServerSource]) -> Outcome {
    match still_as_planned(session, source, server).await {
        Ok(true) => {}
        Ok(false) => {
            return Outcome::Skipped("changed on the server since the plan; run plan again".into());
        }
        Err(error) => return Outcome::Failed(format!("{error}")),
    }
    let result = match (source.action, &source.id) {
        (Action::Create, _) => match source.create_kind {
            Some(kind) => session
                .create(kind, &source.name, &source.send)
                .await
                .map(|i| i.id),
            None => return Outcome::Failed("no kind to create with".into()),
        },
        (Action::Update, Some(id)) => session.update(id, None, &source.send).await.map(|i| i.id),
        (Action::Delete, Some(id)) => session.delete(id).await.map(|()| id.clone()),
        _ => return Outcome::Failed("nothing to do".into()),
    };
    match result {
        Ok(id) => Outcome::Done { id },
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// The sources a plan changes, in plan order.
fn changing(plan: &Plan) -> Vec<&SourcePlan> {
    plan.sources
        .iter()
        .filter(|s| s.action != Action::Unchanged)
        .collect()
}

/// Applies every changing source of `plan`, computed from `server`, and says what happened to
/// each, in plan order. A source whose state on the server is no longer `server`'s is skipped.
/// (`run` prints this; tests call it to change a source between the plan and the apply.)
pub async fn apply_planned(
    session: &Arc<Session>,
    plan: &Plan,
    server: &[ServerSource],
    test: bool,
) -> Vec<Outcome> {
    let todo = changing(plan);
    let total = todo.len();
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    progress::with_spinner_label(
        move || format!("applying {} of {total}", counter.load(Ordering::Relaxed)),
        async {
            let mut outcomes = Vec::with_capacity(total);
            for source in &todo {
                let mut outcome = apply_one(session, source, server).await;
                if test
                    && source.action != Action::Delete
                    && let Outcome::Done { id } = &outcome
                {
                    let target = TestTarget {
                        integration_id: Some(id.clone()),
                        ..Default::default()
                    };
                    match session.test(&target).await {
                        Ok(result) if result.success => {}
                        Ok(result) => {
                            outcome =
                                Outcome::Failed(format!("applied; test failed: {}", result.message))
                        }
                        Err(error) => {
                            outcome =
                                Outcome::Failed(format!("applied; test could not run: {error}"))
                        }
                    }
                }
                outcomes.push(outcome);
                done.fetch_add(1, Ordering::Relaxed);
            }
            outcomes
        },
    )
    .await
}

/// Applies every changing source and prints one line per source and a summary.
pub async fn run(
    session: &Arc<Session>,
    plan: &Plan,
    server: &[ServerSource],
    test: bool,
    json: bool,
) -> Result<ExitCode> {
    let outcomes = apply_planned(session, plan, server, test).await;
    let todo = changing(plan);
    let (mut applied, mut skipped, mut failed, mut test_failed) = (0, 0, 0, 0);
    let mut rows = Vec::new();
    for (source, outcome) in todo.iter().zip(&outcomes) {
        let verb = match source.action {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Delete => "deleted",
            Action::Unchanged => "unchanged",
        };
        let (status, message) = match outcome {
            Outcome::Done { .. } => {
                applied += 1;
                ("ok", verb.to_string())
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                ("skipped", why.clone())
            }
            Outcome::Failed(why) => {
                if why.starts_with("applied; test") {
                    test_failed += 1;
                } else {
                    failed += 1;
                }
                ("failed", why.clone())
            }
        };
        rows.push(json!({"name": source.name, "status": status, "message": message}));
        if !json {
            println!("{status:>7} {}: {message}", source.name);
        }
    }
    if json {
        super::super::output::print_json(&json!({
            "results": rows, "applied": applied, "skipped": skipped, "failed": failed, "test_failed": test_failed,
        }))?;
    } else {
        println!(
            "Apply: {applied} applied, {skipped} skipped, {failed} failed, {test_failed} failed the test."
        );
    }
    if failed + skipped > 0 {
        return Err(anyhow!("apply: {} source(s) not applied", failed + skipped));
    }
    Ok(if test_failed > 0 {
        ExitCode::from(EXIT_TEST_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
