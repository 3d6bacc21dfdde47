//! Typed calls of Chalk's team services (TeamService, EnvironmentSecretsService) on a
//! [`Session`]. A server without a service answers UNIMPLEMENTED; that surfaces as
//! [`TeamError::Unsupported`] so the console and CLI can hide the feature instead of failing.

use tonic::Code;

use super::session::{ClientError, Retry, Session};
use crate::domain::Secret;
use crate::proto::environment_secrets_service_client::EnvironmentSecretsServiceClient;
use crate::proto::team_service_client::TeamServiceClient;
use crate::proto::*;

/// A team-service call that failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TeamError {
    /// The server does not offer this service (UNIMPLEMENTED): hide the feature.
    #[error("{service} is not offered by this server")]
    Unsupported { service: &'static str },
    #[error(transparent)]
    Failed(#[from] ClientError),
}

impl TeamError {
    /// UNIMPLEMENTED as [`TeamError::Unsupported`], anything else as it came.
    pub(crate) fn from_client(service: &'static str, error: ClientError) -> Self {
        if error.code == Code::Unimplemented {
            Self::Unsupported { service }
        } else {
            Self::Failed(error)
        }
    }
}

const TEAM: &str = "TeamService";
const SECRETS: &str = "EnvironmentSecretsService";

impl Session {
    /// Who this credential is, with its permissions per environment.
    pub async fn get_agent(&self) -> Result<GetAgentResponse, TeamError> {
        self.call_on(Retry::Idempotent, GetAgentRequest::default(), |channel, request| async move {
            TeamServiceClient::new(channel).get_agent(request).await
        })
        .await
        .map_err(|error| TeamError::from_client(TEAM, error))
    }

    /// The environments this credential may use.
    pub async fn get_environments(&self) -> Result<Vec<Environment>, TeamError> {
        self.call_on(
            Retry::Idempotent,
            GetEnvironmentsRequest::default(),
            |channel, request| async move {
                TeamServiceClient::new(channel)
                    .get_environments(request)
                    .await
            },
        )
        .await
        .map(|response| response.environments)
        .map_err(|error| TeamError::from_client(TEAM, error))
    }

    /// The environment's secrets (names and ids, never values).
    pub async fn list_secrets(&self) -> Result<Vec<crate::proto::Secret>, TeamError> {
        self.call_on(
            Retry::Idempotent,
            ListSecretsRequest::default(),
            |channel, request| async move {
                EnvironmentSecretsServiceClient::new(channel)
                    .list_secrets(request)
                    .await
            },
        )
        .await
        .map(|response| response.secrets)
        .map_err(|error| TeamError::from_client(SECRETS, error))
    }

    /// One secret's value by id or name, on purpose.
    pub async fn get_secret_value(&self, id_or_name: &str) -> Result<Secret, TeamError> {
        let request = GetSecretValueRequest {
            id: id_or_name.to_string(),
        };
        let answer = self
            .call_on(Retry::Idempotent, request, |channel, request| async move {
                EnvironmentSecretsServiceClient::new(channel)
                    .get_secret_value(request)
                    .await
            })
            .await
            .map_err(|error| TeamError::from_client(SECRETS, error))?;
        let value = answer.secret_value.ok_or_else(|| {
            TeamError::Failed(ClientError::new(
                Code::Internal,
                "the server's answer lacks secret_value",
            ))
        })?;
        Ok(Secret::new(value.value))
    }

    /// Stores (or replaces) a secret; answers the environment's secrets after the change.
    pub async fn upsert_secret(
        &self,
        name: &str,
        value: &Secret,
    ) -> Result<Vec<crate::proto::Secret>, TeamError> {
        let request = UpsertSecretRequest {
            name: name.to_string(),
            value: value.expose().to_string(),
            ..Default::default()
        };
        self.call_on(Retry::Idempotent, request, |channel, request| async move {
            EnvironmentSecretsServiceClient::new(channel)
                .upsert_secret(request)
                .await
        })
        .await
        .map(|response| response.secrets)
        .map_err(|error| TeamError::from_client(SECRETS, error))
    }

    /// Deletes a secret; answers the environment's secrets after the change.
    pub async fn delete_secret(&self, name: &str) -> Result<Vec<crate::proto::Secret>, TeamError> {
        let request = DeleteSecretRequest {
            name: name.to_string(),
            ..Default::default()
        };
        self.call_on(Retry::Idempotent, request, |channel, request| async move {
            EnvironmentSecretsServiceClient::new(channel)
                .delete_secret(request)
                .await
        })
        .await
        .map(|response| response.secrets)
        .map_err(|error| TeamError::from_client(SECRETS, error))
    }
}
