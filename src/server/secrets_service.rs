//! Chalk's EnvironmentSecretsService on `serve`: the environment's secrets over the wire, so the
//! CLI (`sourcedeck secrets`) and the console manage them against a remote `serve` or Chalk alike.
//! Names come from the server's linked-secret store (local per environment, or the configured
//! cloud store); values are read and written in the local store only. Every reveal, upsert and
//! delete is audited (the name, never the value) with the change. Never logs a value.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::domain::Secret;
use crate::domain::secret_ref::SecretStore;
use crate::proto::chalk::auth::v1::Permission;
use crate::proto::environment_secrets_service_server::EnvironmentSecretsService;
use crate::proto::{
    DeleteSecretRequest, DeleteSecretResponse, GetSecretValueRequest, GetSecretValueResponse,
    ListSecretsRequest, ListSecretsResponse, Secret as WireSecret, SecretSource, SecretValue,
    UpsertSecretRequest, UpsertSecretResponse,
};

use super::audit::{self, AuditEvent};
use super::integrations::State;

/// Names asked per page when listing the linked-secret store.
const PAGE_SIZE: u32 = 100;
/// A bound on pages, so a store that keeps answering a next page cannot loop forever.
const MAX_PAGES: usize = 1000;
/// The prefix of derived secret ids.
const ID_PREFIX: &str = "sec_";

/// The stable id of the secret `name` in `environment_id`: a digest, so ids of different
/// environments never collide and a name is not guessable from an id.
pub fn secret_id(environment_id: &str, name: &str) -> String {
    let mut input = Vec::with_capacity(environment_id.len() + name.len() + 1);
    input.extend_from_slice(environment_id.as_bytes());
    input.push(0);
    input.extend_from_slice(name.as_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA256, &input);
    let hex: String = digest.as_ref()[..10]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{ID_PREFIX}{hex}")
}

/// The gRPC service over the shared server [`State`].
pub struct SecretsApi(pub Arc<State>);

impl SecretsApi {
    fn is_local(&self) -> bool {
        matches!(self.0.secret_store, SecretStore::Local)
    }

    /// Refuses writes when secrets live in a cloud store (they are managed there).
    fn require_local(&self, what: &str) -> Result<(), Status> {
        if self.is_local() {
            return Ok(());
        }
        Err(Status::failed_precondition(format!(
            "{what}: this server reads secrets from {}; manage them there (only the local store is writable over the wire)",
            self.0.secret_store
        )))
    }

    /// Every secret name of the environment, paging through the store.
    async fn all_names(&self, environment_id: &str) -> Result<Vec<String>, Status> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .0
                .linked
                .list_names(environment_id, token.as_deref(), PAGE_SIZE)
                .await
                .map_err(Status::unavailable)?;
            names.extend(page.names);
            match page.next_page_token {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => return Ok(names),
            }
        }
        Ok(names)
    }

    /// The environment's secrets as Chalk's `Secret` messages (with update times when local).
    async fn secrets_of(&self, environment_id: &str) -> Result<Vec<WireSecret>, Status> {
        let source = if self.is_local() {
            SecretSource::Managed
        } else {
            SecretSource::External
        };
        let updated: std::collections::HashMap<String, std::time::SystemTime> = if self.is_local() {
            let (store, id) = (self.0.store.clone(), environment_id.to_string());
            tokio::task::spawn_blocking(move || store.local_secret_names(&id))
                .await
                .map_err(|_| Status::internal("store task failed"))?
                .map_err(|error| {
                    tracing::error!("listing local secrets: {error:#}");
                    Status::internal("the local secret store could not be read")
                })?
                .into_iter()
                .collect()
        } else {
            Default::default()
        };
        let names = self.all_names(environment_id).await?;
        Ok(names
            .into_iter()
            .map(|name| WireSecret {
                id: secret_id(environment_id, &name),
                updated_at: updated
                    .get(&name)
                    .map(|at| prost_types::Timestamp::from(*at)),
                source: source as i32,
                name,
                ..Default::default()
            })
            .collect())
    }

    /// The name behind `id_or_name` among the environment's local secrets.
    async fn local_name(&self, environment_id: &str, id_or_name: &str) -> Result<String, Status> {
        let names = self.all_names(environment_id).await?;
        names
            .into_iter()
            .find(|name| name == id_or_name || secret_id(environment_id, name) == id_or_name)
            .ok_or_else(|| {
                Status::not_found(format!(
                    "no secret {} in this environment",
                    short(id_or_name)
                ))
            })
    }
}

/// At most a short prefix of caller input, for messages.
fn short(text: &str) -> String {
    let prefix: String = text.chars().take(40).collect();
    if prefix.len() < text.len() {
        format!("{prefix:?}…")
    } else {
        format!("{prefix:?}")
    }
}

/// The plain name a secret is stored under; refuses names the local store cannot hold.
fn checked_name(name: &str) -> Result<String, Status> {
    let normalized = SecretStore::Local.normalize(name).map_err(|error| {
        Status::invalid_argument(format!("secret name {}: {error}", short(name)))
    })?;
    if normalized != name {
        return Err(Status::invalid_argument(format!(
            "secret name {}: use the plain name {normalized:?}",
            short(name)
        )));
    }
    Ok(normalized)
}

/// Runs a local-store call off the async threads; store errors are logged, not sent.
async fn on_store<T: Send + 'static>(
    state: &Arc<State>,
    what: &'static str,
    call: impl FnOnce(&super::store::Store) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Status> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|_| Status::internal("store task failed"))?
        .map_err(|error| {
            tracing::error!("{what}: {error:#}");
            Status::internal(format!("{what} failed in the local secret store"))
        })
}

#[tonic::async_trait]
impl EnvironmentSecretsService for SecretsApi {
    async fn list_secrets(
        &self,
        request: Request<ListSecretsRequest>,
    ) -> Result<Response<ListSecretsResponse>, Status> {
        let caller = self.0.auth.authorize(&request, Permission::SecretsList)?;
        let secrets = self.secrets_of(&caller.environment.id).await?;
        Ok(Response::new(ListSecretsResponse { secrets }))
    }

    async fn get_secret_value(
        &self,
        request: Request<GetSecretValueRequest>,
    ) -> Result<Response<GetSecretValueResponse>, Status> {
        let audit = AuditEvent::start(&self.0.auth, &request, audit::SECRET_REVEAL, None)
            .map(|event| with_key(event, &request.get_ref().id));
        let result = async {
            let caller = self
                .0
                .auth
                .authorize(&request, Permission::SecretsDecrypt)?;
            self.require_local("GetSecretValue")?;
            let environment_id = caller.environment.id.clone();
            let name = self
                .local_name(&environment_id, &request.get_ref().id)
                .await?;
            let (id, key) = (environment_id.clone(), name.clone());
            let value = on_store(&self.0, "reading a secret", move |store| {
                store.local_secret(&id, &key)
            })
            .await?
            .ok_or_else(|| {
                Status::not_found(format!("no secret {} in this environment", short(&name)))
            })?;
            // The reveal is answered only once its record (the name, never the value) is stored.
            let event = audit
                .clone()
                .map(|event| with_key(event, &name))
                .ok_or_else(|| Status::internal("the caller could not be recorded"))?;
            on_store(&self.0, "recording a reveal", move |store| {
                store.record_audit(&event, tonic::Code::Ok)
            })
            .await?;
            Ok(Response::new(GetSecretValueResponse {
                secret_value: Some(SecretValue {
                    name,
                    value: value.expose().to_string(),
                    source: SecretSource::Managed as i32,
                }),
            }))
        }
        .await;
        audit::record_failure(&self.0.store, audit, &result).await;
        result
    }

    async fn upsert_secret(
        &self,
        request: Request<UpsertSecretRequest>,
    ) -> Result<Response<UpsertSecretResponse>, Status> {
        let audit = AuditEvent::start(&self.0.auth, &request, audit::SECRET_UPSERT, None)
            .map(|event| with_key(event, &request.get_ref().name));
        let result = async {
            let caller = self.0.auth.authorize(&request, Permission::SecretsWrite)?;
            self.require_local("UpsertSecret")?;
            let mut message = request.into_inner();
            let name = checked_name(&message.name)?;
            let value = Secret::new(std::mem::take(&mut message.value));
            zeroize::Zeroize::zeroize(&mut message.value);
            if value.is_empty() {
                return Err(Status::invalid_argument(format!(
                    "secret {name:?}: the value is empty"
                )));
            }
            let environment_id = caller.environment.id.clone();
            let (id, key, event) = (environment_id.clone(), name.clone(), audit.clone());
            on_store(&self.0, "storing a secret", move |store| {
                store.set_local_secret_audited(&id, &key, &value, event.as_ref())
            })
            .await?;
            self.0.linked.forget(&environment_id, &name);
            let secrets = self.secrets_of(&environment_id).await?;
            Ok(Response::new(UpsertSecretResponse { secrets }))
        }
        .await;
        audit::record_failure(&self.0.store, audit, &result).await;
        result
    }

    async fn delete_secret(
        &self,
        request: Request<DeleteSecretRequest>,
    ) -> Result<Response<DeleteSecretResponse>, Status> {
        let audit = AuditEvent::start(&self.0.auth, &request, audit::SECRET_DELETE, None)
            .map(|event| with_key(event, &request.get_ref().name));
        let result = async {
            let caller = self.0.auth.authorize(&request, Permission::SecretsWrite)?;
            self.require_local("DeleteSecret")?;
            let environment_id = caller.environment.id.clone();
            let name = request.into_inner().name;
            let (id, key, event) = (environment_id.clone(), name.clone(), audit.clone());
            let removed = on_store(&self.0, "deleting a secret", move |store| {
                store.delete_local_secret_audited(&id, &key, event.as_ref())
            })
            .await?;
            if !removed {
                return Err(Status::not_found(format!(
                    "no secret {} in this environment",
                    short(&name)
                )));
            }
            self.0.linked.forget(&environment_id, &name);
            let secrets = self.secrets_of(&environment_id).await?;
            Ok(Response::new(DeleteSecretResponse { secrets }))
        }
        .await;
        audit::record_failure(&self.0.store, audit, &result).await;
        result
    }
}

/// The event naming the one secret it is about (its name, never its value).
fn with_key(mut event: AuditEvent, name: &str) -> AuditEvent {
    event.keys = vec![name.to_string()];
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_environment_and_name() {
        assert_eq!(secret_id("env1", "db"), secret_id("env1", "db"));
        assert_ne!(secret_id("env1", "db"), secret_id("env2", "db"));
        assert_ne!(secret_id("env1", "db"), secret_id("env1", "dc"));
        assert!(secret_id("e", "n").starts_with(ID_PREFIX));
    }

    #[test]
    fn messages_quote_only_a_short_prefix() {
        let long = "x".repeat(500);
        assert!(short(&long).len() < 60);
    }
}
