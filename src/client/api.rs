//! The typed IntegrationsService API the CLI and the console call: domain values in, wire
//! messages out, every call through [`Session::call`] so headers, deadlines and retries apply.

use std::collections::{BTreeMap, HashMap};

use tonic::Code;

use super::session::{ClientError, Retry, Session};
use crate::domain::{ConfigValue, Kind, Secret};
use crate::proto::*;

/// How many connectivity tests run at once by default, for the console's `T` and `sourcedeck test
/// --all` alike: with 16, a hundred sources that each answer in 100 ms finish in about 0.7 s
/// (seven rounds); `cargo bench --bench test_concurrency` prints the figure.
pub const TEST_CONCURRENCY: u16 = 16;

/// What to test: a saved integration, a draft, or a draft over a saved one.
#[derive(Clone, Debug, Default)]
pub struct TestTarget {
    pub kind: Option<Kind>,
    pub integration_id: Option<String>,
    pub config: BTreeMap<String, ConfigValue>,
    pub include_preview: bool,
}

/// An integration found by id or name, with its keys as the server answers them.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub integration: Integration,
    /// Every key; secret literals without their value.
    pub secrets: Vec<SecretWithValue>,
}

/// The wire form of one config value.
pub fn to_wire_value(value: &ConfigValue) -> IntegrationConfigValue {
    IntegrationConfigValue {
        value: Some(match value {
            ConfigValue::Literal(secret) => {
                integration_config_value::Value::Literal(secret.expose().to_string())
            }
            ConfigValue::Linked(reference) => {
                integration_config_value::Value::SecretId(reference.clone())
            }
        }),
    }
}

fn to_wire_config(
    config: &BTreeMap<String, ConfigValue>,
) -> HashMap<String, IntegrationConfigValue> {
    config
        .iter()
        .map(|(key, value)| (key.clone(), to_wire_value(value)))
        .collect()
}

fn missing(what: &str) -> ClientError {
    ClientError::new(Code::Internal, format!("the server's answer lacks {what}"))
}

impl Session {
    /// Every integration of the environment.
    pub async fn list(&self) -> Result<Vec<Integration>, ClientError> {
        let response = self
            .call(
                Retry::Idempotent,
                ListIntegrationsRequest {},
                |mut client, request| async move { client.list_integrations(request).await },
            )
            .await?;
        Ok(response.integrations)
    }

    /// One integration with its keys (secret literals withheld by the server).
    pub async fn get(&self, id: &str) -> Result<IntegrationWithSecrets, ClientError> {
        let request = GetIntegrationRequest {
            integration_id: id.to_string(),
        };
        self.call(
            Retry::Idempotent,
            request,
            |mut client, request| async move { client.get_integration(request).await },
        )
        .await?
        .integration_with_secrets
        .ok_or_else(|| missing("integration_with_secrets"))
    }

    /// One integration by name.
    pub async fn get_by_name(&self, name: &str) -> Result<Integration, ClientError> {
        let request = GetIntegrationByNameRequest {
            integration_name: name.to_string(),
        };
        self.call(
            Retry::Idempotent,
            request,
            |mut client, request| async move { client.get_integration_by_name(request).await },
        )
        .await?
        .integration
        .ok_or_else(|| missing("integration"))
    }

    /// Looks up by id first, then by name, so scripts can pass either.
    pub async fn find(&self, id_or_name: &str) -> Result<Found, ClientError> {
        let found = match self.get(id_or_name).await {
            Err(error) if error.code == Code::NotFound => {
                let by_name = self.get_by_name(id_or_name).await.map_err(|by_name| {
                    if by_name.code == Code::NotFound {
                        ClientError::new(
                            Code::NotFound,
                            format!("no integration with id or name {id_or_name:?}"),
                        )
                    } else {
                        by_name
                    }
                })?;
                self.get(&by_name.id).await
            }
            other => other,
        }?;
        Ok(Found {
            integration: found.integration.ok_or_else(|| missing("integration"))?,
            secrets: found.secrets,
        })
    }

    /// One key's value, on purpose.
    pub async fn reveal(&self, id: &str, key: &str) -> Result<Secret, ClientError> {
        let request = GetIntegrationValueRequest {
            integration_id: id.to_string(),
            secret_name: key.to_string(),
        };
        let value = self
            .call(
                Retry::Idempotent,
                request,
                |mut client, request| async move { client.get_integration_value(request).await },
            )
            .await?
            .secretvalue
            .ok_or_else(|| missing("secretvalue"))?;
        Ok(Secret::new(value.value))
    }

    /// Creates an integration.
    pub async fn create(
        &self,
        kind: Kind,
        name: &str,
        config: &BTreeMap<String, ConfigValue>,
    ) -> Result<Integration, ClientError> {
        let request = InsertIntegrationRequest {
            name: name.to_string(),
            integration_kind: kind.to_wire() as i32,
            environment_variables: HashMap::new(),
            config: to_wire_config(config),
        };
        self.call(
            Retry::UnavailableOnly,
            request,
            |mut client, request| async move { client.insert_integration(request).await },
        )
        .await?
        .integration
        .ok_or_else(|| missing("integration"))
    }

    /// Renames (when `name` is given) and changes only the given keys.
    pub async fn update(
        &self,
        id: &str,
        name: Option<&str>,
        changes: &BTreeMap<String, ConfigValue>,
    ) -> Result<Integration, ClientError> {
        let request = UpdateIntegrationRequest {
            name: name.unwrap_or_default().to_string(),
            integration_id: id.to_string(),
            environment_variables: HashMap::new(),
            config: to_wire_config(changes),
        };
        self.call(
            Retry::Idempotent,
            request,
            |mut client, request| async move { client.update_integration(request).await },
        )
        .await?
        .integration
        .ok_or_else(|| missing("integration"))
    }

    /// Deletes an integration.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let request = DeleteIntegrationRequest { id: id.to_string() };
        self.call(
            Retry::Idempotent,
            request,
            |mut client, request| async move { client.delete_integration(request).await },
        )
        .await?;
        Ok(())
    }

    /// Runs a connectivity test on the server.
    pub async fn test(&self, target: &TestTarget) -> Result<TestIntegrationResponse, ClientError> {
        let request = TestIntegrationRequest {
            kind: target.kind.map_or(0, |kind| kind.to_wire() as i32),
            environment_variables: HashMap::new(),
            integration_id: target.integration_id.clone(),
            include_preview: target.include_preview.then_some(true),
            config: to_wire_config(&target.config),
        };
        self.call(
            Retry::Idempotent,
            request,
            |mut client, request| async move { client.test_integration(request).await },
        )
        .await
    }
}
