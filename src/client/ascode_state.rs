//! The server's side of a sources-as-code plan, fetched over the API: every source of the
//! environment (one list, then GetIntegration per source, [`CONCURRENCY`] at a time) and the
//! stored secrets the plan compares in memory (GetIntegrationValue; PERMISSION_DENIED means "may
//! change"). The CLI's `plan`/`apply` and the console's drift marks both use it; the plan itself
//! is pure and lives in [`crate::ascode::plan`].

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tonic::Code;

use super::{ClientError, Session};
use crate::ascode::manifest::Manifest;
use crate::ascode::plan::{self, ServerSource, ServerValue, StoredSecrets};
use crate::domain::Kind;
use crate::proto::{SecretSource, SecretWithValue};

/// How many calls run at once while fetching state.
pub const CONCURRENCY: usize = 16;

/// What a plan is computed from on the server's side.
#[derive(Debug)]
pub struct PlanState {
    /// Every source of the environment with its keys, sorted by name.
    pub server: Vec<ServerSource>,
    /// The stored secrets [`plan::secret_checks`] named.
    pub stored: StoredSecrets,
}

fn server_value(secret: &SecretWithValue) -> ServerValue {
    if secret.source == SecretSource::External as i32 {
        ServerValue::Linked(secret.full_name.clone())
    } else {
        match &secret.value {
            Some(value) => ServerValue::Plain(value.clone()),
            None => ServerValue::SecretLiteral,
        }
    }
}

fn task_failed(what: &str, error: &tokio::task::JoinError) -> ClientError {
    ClientError::new(Code::Internal, format!("{what}: the task failed: {error}"))
}

/// One source's state by id.
pub async fn fetch_one(session: &Session, id: &str) -> Result<ServerSource, ClientError> {
    let found = session.get(id).await?;
    let integration = found.integration.ok_or_else(|| {
        ClientError::new(Code::Internal, "the server's answer lacks the integration")
    })?;
    Ok(ServerSource {
        id: integration.id.clone(),
        name: integration.name.clone().unwrap_or_default(),
        kind: Kind::from_wire(integration.kind),
        updated_at: integration.updated_at.map(|t| (t.seconds, t.nanos)),
        keys: found
            .secrets
            .iter()
            .map(|secret| (secret.name.clone(), server_value(secret)))
            .collect(),
    })
}

/// Every source of the environment with its keys, sorted by name.
pub async fn fetch_all(session: &Arc<Session>) -> Result<Vec<ServerSource>, ClientError> {
    let integrations = session.list().await?;
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for integration in integrations {
        let session = session.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            fetch_one(&session, &integration.id).await
        });
    }
    let mut sources = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let fetched = joined.map_err(|error| task_failed("fetching a source", &error))?;
        sources.push(fetched?);
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
}

/// Fetches the stored secrets the plan compares; `None` where the credential may not read them.
/// `checks` are `(source name, integration id, key)` as [`plan::secret_checks`] gives them.
pub async fn fetch_stored(
    session: &Arc<Session>,
    checks: Vec<(String, String, String)>,
) -> Result<StoredSecrets, ClientError> {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (source, id, key) in checks {
        let session = session.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let value = match session.reveal(&id, &key).await {
                Ok(value) => Ok(Some(value)),
                Err(error) if error.code == Code::PermissionDenied => Ok(None),
                Err(error) => Err(ClientError::new(
                    error.code,
                    format!("reading the stored {key} of {source}: {}", error.message),
                )),
            };
            value.map(|value| ((source, key), value))
        });
    }
    let mut stored = StoredSecrets::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, value) =
            joined.map_err(|error| task_failed("fetching a stored secret", &error))??;
        stored.insert(id, value);
    }
    Ok(stored)
}

/// The server's sources and the stored secrets a plan of `manifest` compares.
pub async fn fetch_for_plan(
    session: &Arc<Session>,
    manifest: &Manifest,
) -> Result<PlanState, ClientError> {
    let server = fetch_all(session).await?;
    let checks = plan::secret_checks(manifest, &server);
    let stored = fetch_stored(session, checks).await?;
    Ok(PlanState { server, stored })
}
