//! What the worker runs for each console request: the session call behind each [`Request`], the
//! answer for one that ran out of time, and which failures mean the connection is lost (so the
//! worker reconnects and replays) rather than an answer from the server.

use std::sync::Arc;
use std::time::Duration;

use tonic::Code;

use crate::ascode::plan;
use crate::client::audit_api::AuditFilter;
use crate::client::audit_record::is_about;
use crate::client::team_api::TeamError;
use crate::client::{ClientError, Session, TestTarget, ascode_state};
use crate::tui::drift::{PlanFile, Planned};
use crate::tui::msg::{Outcome, Request};
use crate::tui::overlay::history::HISTORY_LIMIT;

/// The `--plan` file's plan: the server's state fetched as `sourcedeck plan` fetches it, then the
/// same pure plan.
async fn plan_file(session: &Arc<Session>, file: &PlanFile) -> Planned {
    let manifest = &file.loaded.manifest;
    let state = ascode_state::fetch_for_plan(session, manifest).await?;
    Ok(plan::compute(
        manifest,
        &file.loaded.read,
        &state.server,
        &state.stored,
        file.prune,
    ))
}

/// Runs one request on the session.
pub(super) async fn execute(session: &Arc<Session>, request: &Request) -> Outcome {
    match request {
        Request::Plan { file } => Outcome::Planned(plan_file(session, file).await),
        Request::Agent => Outcome::Agent(session.get_agent().await),
        Request::Environments => Outcome::Environments(session.get_environments().await),
        Request::SecretNames => Outcome::SecretNames(session.list_secrets().await),
        Request::History {
            integration_id,
            name,
        } => Outcome::History(
            session
                .audit_logs(&AuditFilter::default(), HISTORY_LIMIT, |log| {
                    is_about(log, name) || is_about(log, integration_id)
                })
                .await,
        ),
        Request::List => Outcome::Listed(session.list().await),
        Request::Get { id } => Outcome::Detail(session.get(id).await),
        Request::Reveal { id, key } => Outcome::Revealed(session.reveal(id, key).await),
        Request::Test { id } => Outcome::Tested(
            session
                .test(&TestTarget {
                    integration_id: Some(id.clone()),
                    include_preview: true,
                    ..TestTarget::default()
                })
                .await,
        ),
        Request::Delete { id } => Outcome::Deleted(session.delete(id).await),
        Request::Create { kind, name, config } => {
            Outcome::Saved(session.create(*kind, name, config).await)
        }
        Request::Update { id, name, changes } => {
            Outcome::Saved(session.update(id, name.as_deref(), changes).await)
        }
        Request::TestDraft {
            kind,
            integration_id,
            config,
        } => Outcome::Tested(
            session
                .test(&TestTarget {
                    kind: Some(*kind),
                    integration_id: integration_id.clone(),
                    config: config.clone(),
                    include_preview: true,
                })
                .await,
        ),
        Request::SwitchEnvironment { .. } => Outcome::EnvironmentSwitched(Err(ClientError::new(
            Code::Internal,
            "environment switches are handled by the worker itself",
        ))),
    }
}

/// The answer for a request that ran past its deadline.
pub(super) fn timed_out(request: &Request, deadline: Duration) -> Outcome {
    let error = ClientError::new(
        Code::DeadlineExceeded,
        format!("no answer within {} s", deadline.as_secs()),
    );
    match request {
        Request::List => Outcome::Listed(Err(error)),
        Request::Get { .. } => Outcome::Detail(Err(error)),
        Request::Reveal { .. } => Outcome::Revealed(Err(error)),
        Request::Test { .. } | Request::TestDraft { .. } => Outcome::Tested(Err(error)),
        Request::Create { .. } | Request::Update { .. } => Outcome::Saved(Err(error)),
        Request::Delete { .. } => Outcome::Deleted(Err(error)),
        Request::SwitchEnvironment { .. } => Outcome::EnvironmentSwitched(Err(error)),
        Request::Plan { .. } => Outcome::Planned(Err(error)),
        Request::Agent => Outcome::Agent(Err(TeamError::Failed(error))),
        Request::History { .. } => Outcome::History(Err(TeamError::Failed(error))),
        Request::Environments => Outcome::Environments(Err(TeamError::Failed(error))),
        Request::SecretNames => Outcome::SecretNames(Err(TeamError::Failed(error))),
    }
}

pub(super) fn error_of(outcome: &Outcome) -> Option<&ClientError> {
    match outcome {
        Outcome::Listed(Err(e))
        | Outcome::Detail(Err(e))
        | Outcome::Revealed(Err(e))
        | Outcome::Tested(Err(e))
        | Outcome::Deleted(Err(e))
        | Outcome::EnvironmentSwitched(Err(e))
        | Outcome::Saved(Err(e))
        | Outcome::Planned(Err(e))
        | Outcome::Agent(Err(TeamError::Failed(e)))
        | Outcome::History(Err(TeamError::Failed(e)))
        | Outcome::Environments(Err(TeamError::Failed(e))) => Some(e),
        // Not a sign of a lost connection: ListSecrets answers UNAVAILABLE when the server cannot
        // reach its secret store, and the form's background fetch is never worth a reconnect.
        Outcome::SecretNames(_) => None,
        _ => None,
    }
}

/// A delete sent again after the connection dropped may find its first attempt already applied:
/// NOT_FOUND then means done, so the delete is reported once, as a success.
pub(super) fn forgive_retried_delete(outcome: Outcome, retried: bool) -> Outcome {
    match outcome {
        Outcome::Deleted(Err(error)) if retried && error.code == Code::NotFound => {
            Outcome::Deleted(Ok(()))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retried_delete_that_finds_nothing_succeeded_the_first_time() {
        let gone = || Outcome::Deleted(Err(ClientError::new(Code::NotFound, "no such id")));
        assert!(matches!(
            forgive_retried_delete(gone(), true),
            Outcome::Deleted(Ok(()))
        ));
        assert!(matches!(
            forgive_retried_delete(gone(), false),
            Outcome::Deleted(Err(_))
        ));
    }

    #[test]
    fn an_unreachable_secret_store_is_not_a_lost_connection() {
        let unavailable = || ClientError::new(Code::Unavailable, "the secret store is unreachable");
        let names = Outcome::SecretNames(Err(TeamError::Failed(unavailable())));
        assert!(error_of(&names).is_none());
        assert!(error_of(&Outcome::Listed(Err(unavailable()))).is_some());
    }
}
