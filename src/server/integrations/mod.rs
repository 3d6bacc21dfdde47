//! The IntegrationsService: list, get, reveal one value, create, update, delete and test, with
//! the semantics the official SDK relies on (wire.md) and errors that name the field at fault.

use std::collections::{BTreeMap, BTreeSet};

use tonic::{Request, Response, Status};

use crate::domain::validate::quote_shortened;
use crate::domain::{ConfigValue, Kind, Secret};
use crate::proto::integrations_service_server::IntegrationsService;
use crate::proto::*;

use super::audit;
use super::audited::{self, Audit};
use super::wire;
use crate::probe;
use crate::proto::chalk::auth::v1::Permission;

mod support;

pub use support::{IntegrationsApi, State};
use support::{blocking, check_name, describe, key_names, no_such_id, parse_kind, required_id};

#[tonic::async_trait]
impl IntegrationsService for IntegrationsApi {
    async fn list_integrations(
        &self,
        request: Request<ListIntegrationsRequest>,
    ) -> Result<Response<ListIntegrationsResponse>, Status> {
        let started = std::time::Instant::now();
        let caller = self.authorize(&request, Permission::SecretsList)?;
        let environment_id = caller.environment.id.clone();
        let cache = self.state().warnings.clone();
        let integrations: Vec<Integration> = blocking(self.state(), move |store| {
            // Only integrations changed since their warnings were cached get decrypted.
            let records = store.list_loading(&environment_id, |id, updated| {
                cache.get(id, updated).is_none()
            })?;
            cache.retain(&records.iter().map(|record| record.id.as_str()).collect());
            Ok(records
                .iter()
                .map(|record| describe(&cache, record))
                .collect())
        })
        .await?;
        tracing::debug!(
            integrations = integrations.len(),
            took_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "answered ListIntegrations"
        );
        Ok(Response::new(ListIntegrationsResponse { integrations }))
    }

    async fn get_integration(
        &self,
        request: Request<GetIntegrationRequest>,
    ) -> Result<Response<GetIntegrationResponse>, Status> {
        let caller = self.authorize(&request, Permission::SecretsDecrypt)?;
        let id = required_id(&request.get_ref().integration_id, "integration_id")?;
        let record = self.load(&caller, id).await?;
        Ok(Response::new(GetIntegrationResponse {
            integration_with_secrets: Some(IntegrationWithSecrets {
                integration: Some(describe(&self.state().warnings, &record)),
                secrets: wire::to_secrets(&record),
            }),
        }))
    }

    async fn get_integration_by_name(
        &self,
        request: Request<GetIntegrationByNameRequest>,
    ) -> Result<Response<GetIntegrationByNameResponse>, Status> {
        let caller = self.authorize(&request, Permission::SecretsList)?;
        let name = required_id(&request.get_ref().integration_name, "integration_name")?;
        let environment_id = caller.environment.id.clone();
        let lookup = name.clone();
        let record = blocking(self.state(), move |store| {
            Ok(store.get_by_name(&environment_id, &lookup)?)
        })
        .await?
        .ok_or_else(|| {
            Status::not_found(format!(
                "integration_name: no integration named {}",
                quote_shortened(&name)
            ))
        })?;
        Ok(Response::new(GetIntegrationByNameResponse {
            integration: Some(describe(&self.state().warnings, &record)),
        }))
    }

    async fn get_integration_value(
        &self,
        request: Request<GetIntegrationValueRequest>,
    ) -> Result<Response<GetIntegrationValueResponse>, Status> {
        let audit = Audit {
            endpoint: audit::REVEAL,
            description: None,
            permission: Permission::SecretsDecrypt,
            names: |event, body: &GetIntegrationValueRequest| {
                let mut event = event.for_source(Some(&body.integration_id), None);
                event.keys = vec![body.secret_name.clone()];
                event
            },
        };
        let state = self.state();
        audited::run(
            &state.auth,
            &state.store,
            request,
            audit,
            |caller, request, audit| async move {
                let id = required_id(&request.get_ref().integration_id, "integration_id")?;
                let wanted = required_id(&request.get_ref().secret_name, "secret_name")?;
                let record = self.load(&caller, id).await?;
                if !record.config.contains_key(&wanted)
                    && let Some(message) = wire::unreadable_key(&record, &wanted)
                {
                    return Err(Status::data_loss(format!("secret_name: {message}")));
                }
                // The bare key wins; otherwise its full environment-variable name (`<NAME>_<KEY>`).
                let (key, stored) = record
                    .config
                    .get_key_value(&wanted)
                    .or_else(|| {
                        record
                            .config
                            .iter()
                            .find(|(key, _)| wire::full_name(&record.name, key) == wanted)
                    })
                    .ok_or_else(|| {
                        Status::not_found(format!(
                            "secret_name: integration {:?} has no key {}",
                            record.name,
                            quote_shortened(&wanted)
                        ))
                    })?;
                let (value, source) = match &stored.value {
                    ConfigValue::Literal(secret) => (secret.clone(), SecretSource::Managed),
                    ConfigValue::Linked(_) => {
                        let single = BTreeMap::from([(key.clone(), stored.value.clone())]);
                        let resolved = self
                            .resolve(&caller, single)
                            .await
                            .map_err(Status::failed_precondition)?;
                        let secret = resolved
                            .get(key)
                            .cloned()
                            .unwrap_or_else(|| Secret::new(""));
                        (secret, SecretSource::External)
                    }
                };
                // The reveal is answered only once its record is stored.
                let event = audit
                    .as_ref()
                    .map(|event| {
                        let mut event = event.for_source(Some(&record.id), Some(&record.name));
                        event.keys = vec![key.clone()];
                        event
                    })
                    .ok_or_else(|| Status::internal("the caller could not be recorded"))?;
                blocking(self.state(), move |store| {
                    Ok(store.record_audit(&event, tonic::Code::Ok)?)
                })
                .await?;
                tracing::info!(integration = record.id, key, "revealed one config value");
                Ok(Response::new(GetIntegrationValueResponse {
                    secretvalue: Some(SecretValue {
                        name: key.clone(),
                        value: value.expose().to_string(),
                        source: source as i32,
                    }),
                }))
            },
        )
        .await
    }

    async fn insert_integration(
        &self,
        request: Request<InsertIntegrationRequest>,
    ) -> Result<Response<InsertIntegrationResponse>, Status> {
        let audit = Audit {
            endpoint: audit::INSERT,
            description: Some("Created an external integration"),
            permission: Permission::SecretsWrite,
            names: |event, body: &InsertIntegrationRequest| {
                let mut event = event.for_source(None, Some(&body.name));
                event.keys = key_names(&body.config, &body.environment_variables);
                event
            },
        };
        let state = self.state();
        audited::run(
            &state.auth,
            &state.store,
            request,
            audit,
            |caller, request, event| async move {
                let request = request.into_inner();
                check_name(&request.name)?;
                let kind = parse_kind(request.integration_kind, "integration_kind")?;
                let mut config = wire::read_config(request.config, request.environment_variables)?;
                self.normalize_links(&mut config)?;
                wire::check_values(kind, &config)?;
                let environment_id = caller.environment.id.clone();
                let name = request.name.clone();
                let record = blocking(self.state(), move |store| {
                    let kind = kind.to_wire() as i32;
                    store.insert_audited(&environment_id, &name, kind, &config, event.as_ref())
                })
                .await?;
                tracing::info!(
                    id = record.id,
                    name = record.name,
                    kind = kind.sdk_name(),
                    "created integration"
                );
                Ok(Response::new(InsertIntegrationResponse {
                    integration: Some(describe(&self.state().warnings, &record)),
                }))
            },
        )
        .await
    }

    async fn update_integration(
        &self,
        request: Request<UpdateIntegrationRequest>,
    ) -> Result<Response<UpdateIntegrationResponse>, Status> {
        let audit = Audit {
            endpoint: audit::UPDATE,
            description: Some("Updated an external integration"),
            permission: Permission::SecretsWrite,
            names: |event, body: &UpdateIntegrationRequest| {
                let new_name = (!body.name.is_empty()).then_some(body.name.as_str());
                let mut event = event.for_source(Some(&body.integration_id), new_name);
                event.keys = key_names(&body.config, &body.environment_variables);
                event
            },
        };
        let state = self.state();
        audited::run(
            &state.auth,
            &state.store,
            request,
            audit,
            |caller, request, event| async move {
                let request = request.into_inner();
                let id = required_id(&request.integration_id, "integration_id")?;
                let new_name = (!request.name.is_empty()).then_some(request.name);
                if let Some(name) = &new_name {
                    check_name(name)?;
                }
                let mut changes = wire::read_config(request.config, request.environment_variables)?;
                self.normalize_links(&mut changes)?;
                // Only the kind is needed to check the new values; the saved ones stay sealed.
                let environment_id = caller.environment.id.clone();
                let lookup = id.clone();
                let kind = blocking(self.state(), move |store| {
                    Ok(store.kind_of(&environment_id, &lookup)?)
                })
                .await?
                .ok_or_else(|| no_such_id("integration_id", &id))?;
                if let Some(kind) = Kind::from_wire(kind) {
                    wire::check_values(kind, &changes)?;
                }
                let environment_id = caller.environment.id.clone();
                let record = blocking(self.state(), move |store| {
                    let name = new_name.as_deref();
                    store.update_audited(&environment_id, &id, name, &changes, event.as_ref())
                })
                .await?;
                tracing::info!(id = record.id, name = record.name, "updated integration");
                Ok(Response::new(UpdateIntegrationResponse {
                    integration: Some(describe(&self.state().warnings, &record)),
                }))
            },
        )
        .await
    }

    async fn delete_integration(
        &self,
        request: Request<DeleteIntegrationRequest>,
    ) -> Result<Response<DeleteIntegrationResponse>, Status> {
        let audit = Audit {
            endpoint: audit::DELETE,
            description: Some("Deleted an external integration"),
            permission: Permission::SecretsWrite,
            names: |event, body: &DeleteIntegrationRequest| event.for_source(Some(&body.id), None),
        };
        let state = self.state();
        audited::run(
            &state.auth,
            &state.store,
            request,
            audit,
            |caller, request, event| async move {
                let id = required_id(&request.get_ref().id, "id")?;
                let environment_id = caller.environment.id.clone();
                let target = id.clone();
                let removed = blocking(self.state(), move |store| {
                    Ok(store.delete_audited(&environment_id, &target, event.as_ref())?)
                })
                .await?;
                if !removed {
                    return Err(no_such_id("id", &id));
                }
                tracing::info!(id, "deleted integration");
                Ok(Response::new(DeleteIntegrationResponse {}))
            },
        )
        .await
    }

    async fn test_integration(
        &self,
        request: Request<TestIntegrationRequest>,
    ) -> Result<Response<TestIntegrationResponse>, Status> {
        let caller = self.authorize(&request, Permission::SecretsList)?;
        let request = request.into_inner();
        let include_preview = request.include_preview.unwrap_or(false);
        let saved = match request.integration_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => Some(self.load(&caller, id.to_string()).await?),
            _ => None,
        };
        let kind = match (request.kind, &saved) {
            (0, Some(record)) => parse_kind(record.kind, "kind")?,
            (0, None) => {
                return Err(Status::invalid_argument(
                    "kind: required when testing a draft without integration_id",
                ));
            }
            (value, _) => parse_kind(value, "kind")?,
        };
        let mut draft = wire::read_config(request.config, request.environment_variables)?;
        self.normalize_links(&mut draft)?;
        wire::check_values(kind, &draft)?;
        let unreadable = saved.as_ref().and_then(|record| {
            let key = record
                .unreadable
                .iter()
                .find(|key| !draft.contains_key(*key))?;
            wire::unreadable_key(record, key)
        });
        let mut config: BTreeMap<String, ConfigValue> = saved
            .map(|record| {
                record
                    .config
                    .into_iter()
                    .map(|(key, stored)| (key, stored.value))
                    .collect()
            })
            .unwrap_or_default();
        config.extend(draft);
        let linked: BTreeSet<String> = config
            .iter()
            .filter(|(_, value)| matches!(value, ConfigValue::Linked(_)))
            .map(|(key, _)| key.clone())
            .collect();
        let started = std::time::Instant::now();
        let resolved = match unreadable {
            Some(message) => Err(message),
            None => {
                let deadline = self.state().test_timeout;
                tokio::time::timeout(deadline, self.resolve(&caller, config))
                    .await
                    .unwrap_or_else(|_| {
                        Err(format!(
                            "timed out after {} reading linked secrets from {}",
                            probe::format_duration(deadline),
                            self.state().secret_store
                        ))
                    })
            }
        };
        let report = match resolved {
            Ok(resolved) => {
                let check = probe::run(
                    kind,
                    &resolved,
                    &linked,
                    self.state().test_timeout,
                    include_preview,
                );
                let check =
                    probe::transport::http::proxy::scoped(self.state().test_proxy.clone(), check);
                probe::egress::scoped(self.state().test_egress.clone(), check).await
            }
            Err(message) => probe::TestReport {
                success: false,
                message: format!("{} failed: {message}", probe::Stage::Resolve),
                latency: started.elapsed(),
                failed_stage: Some(probe::Stage::Resolve),
                preview: Vec::new(),
            },
        };
        tracing::info!(
            kind = kind.sdk_name(),
            success = report.success,
            "tested integration"
        );
        Ok(Response::new(TestIntegrationResponse {
            kind: kind.sdk_name().to_string(),
            success: report.success,
            message: report.message,
            latency_seconds: Some(report.latency.as_secs_f64()),
            preview_messages: report
                .preview
                .into_iter()
                .map(wire::preview_message)
                .collect(),
        }))
    }
}
