//! What the IntegrationsService's handlers share: the server state, the store call off the async
//! threads, the error mapping that names the field at fault, authorization and link
//! normalization. Apart from the handlers so each file stays one idea.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Status};

use crate::domain::name::validate_name;
use crate::domain::secret_ref::SecretStore;
use crate::domain::validate::quote_shortened;
use crate::domain::{ConfigValue, Kind};
use crate::probe::ResolvedConfig;
use crate::proto::chalk::auth::v1::Permission;
use crate::proto::*;
use crate::server::auth::{Authenticator, Caller};
use crate::server::store::{IntegrationRecord, Store, StoreError};
use crate::server::warnings_cache::WarningsCache;
use crate::server::wire;

/// What every request handler shares.
pub struct State {
    pub store: Arc<Store>,
    pub auth: Arc<Authenticator>,
    pub secret_store: SecretStore,
    /// Reads linked secrets from `secret_store`.
    pub linked: Arc<crate::server::linked_secrets::LinkedSecrets>,
    pub test_timeout: Duration,
    pub test_egress: Arc<crate::probe::egress::EgressPolicy>,
    /// The proxies checks go through (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
    pub test_proxy: Arc<crate::probe::transport::http::proxy::ProxySettings>,
    /// Warnings per integration version, so a list decrypts only what changed.
    pub warnings: Arc<WarningsCache>,
}

/// The gRPC service over [`State`].
pub struct IntegrationsApi(pub Arc<State>);

/// Runs a store call off the async threads.
pub(super) async fn blocking<T, F>(state: &Arc<State>, call: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        call(&store).map_err(|error| match error {
            StoreError::Other(error) => {
                StoreError::Other(error.context(format!("database {}", store.location())))
            }
            refused => refused,
        })
    })
    .await
    .map_err(|_| Status::internal("store task failed"))?
    .map_err(store_status)
}

/// The `Integration` message for a record: its warnings come from the cache when this version
/// of the integration was described before, else from its config (then cached). Every read and
/// write answers through here, so the next list decrypts none of them again.
pub(super) fn describe(cache: &WarningsCache, record: &IntegrationRecord) -> Integration {
    let warnings = cache.get(&record.id, record.updated_at).unwrap_or_else(|| {
        let warnings = wire::warnings_of(record);
        cache.put(&record.id, record.updated_at, warnings.clone());
        warnings
    });
    wire::with_warnings(record, warnings)
}

/// The status for an id this environment does not hold; `field` names the request field. User
/// input in a message is quoted by [`quote_shortened`], so a huge input cannot overflow the
/// status header.
pub(super) fn no_such_id(field: &str, id: &str) -> Status {
    Status::not_found(format!(
        "{field}: no integration with id {}",
        quote_shortened(id)
    ))
}

pub(super) fn store_status(error: StoreError) -> Status {
    match error {
        StoreError::NameTaken(name) => Status::already_exists(format!(
            "name: an integration named {} already exists in this environment (names are compared ignoring case)",
            quote_shortened(&name)
        )),
        StoreError::Limit(limit) => wire::limit_status(limit),
        StoreError::NotFound(id) => no_such_id("integration_id", &id),
        StoreError::Other(error) => {
            tracing::error!("store error: {error:#}");
            Status::internal("the server's store failed; see the server log")
        }
    }
}

/// The key names a create or update request names (never their values), sorted.
pub(super) fn key_names(
    config: &std::collections::HashMap<String, IntegrationConfigValue>,
    environment_variables: &std::collections::HashMap<String, String>,
) -> Vec<String> {
    let names: BTreeSet<&String> = config.keys().chain(environment_variables.keys()).collect();
    names.into_iter().cloned().collect()
}

pub(super) fn required_id(id: &str, field: &str) -> Result<String, Status> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Status::invalid_argument(format!("{field}: required")));
    }
    Ok(id.to_string())
}

pub(super) fn parse_kind(value: i32, field: &str) -> Result<Kind, Status> {
    Kind::from_wire(value).ok_or_else(|| {
        Status::invalid_argument(format!(
            "{field}: {value} is not a known integration kind; valid kinds: {}",
            crate::domain::kind::valid_kind_list()
        ))
    })
}

pub(super) fn check_name(name: &str) -> Result<(), Status> {
    validate_name(name).map_err(|error| Status::invalid_argument(error.to_string()))
}

impl IntegrationsApi {
    pub(super) fn state(&self) -> &Arc<State> {
        &self.0
    }

    /// The caller, if it may do what `permission` allows.
    pub(super) fn authorize<T>(
        &self,
        request: &Request<T>,
        permission: Permission,
    ) -> Result<Caller, Status> {
        self.state().auth.authorize(request, permission)
    }

    /// Normalizes every linked reference against the environment's store, in place.
    pub(super) fn normalize_links(
        &self,
        config: &mut BTreeMap<String, ConfigValue>,
    ) -> Result<(), Status> {
        for (key, value) in config.iter_mut() {
            if let ConfigValue::Linked(reference) = value {
                let normalized = self
                    .state()
                    .secret_store
                    .normalize(reference)
                    .map_err(|error| Status::invalid_argument(format!("{key}: {error}")))?;
                *reference = normalized;
            }
        }
        Ok(())
    }

    pub(super) async fn load(
        &self,
        caller: &Caller,
        id: String,
    ) -> Result<IntegrationRecord, Status> {
        let environment_id = caller.environment.id.clone();
        let missing = id.clone();
        blocking(self.state(), move |store| {
            Ok(store.get(&environment_id, &id)?)
        })
        .await?
        .ok_or_else(|| no_such_id("integration_id", &missing))
    }

    /// Resolves linked values from the environment's secret store (see `linked_secrets`);
    /// `Err` names the first key that cannot be, the secret, the store and what it said.
    pub(super) async fn resolve(
        &self,
        caller: &Caller,
        config: BTreeMap<String, ConfigValue>,
    ) -> Result<ResolvedConfig, String> {
        let mut resolved = ResolvedConfig::new();
        for (key, value) in config {
            let secret = match value {
                ConfigValue::Literal(secret) => secret,
                ConfigValue::Linked(name) => {
                    self.state()
                        .linked
                        .resolve(&caller.environment.id, &key, &name)
                        .await?
                }
            };
            resolved.insert(key, secret);
        }
        Ok(resolved)
    }
}
