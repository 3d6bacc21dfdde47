//! Chalk's TeamService on `serve`: the environments a caller may use (GetEnvironments) and who
//! the caller is with its permissions per environment (GetAgent), so a console or CLI can adapt
//! to what its credential may do. Both answer across environments (as Chalk's do); a request
//! that names an environment (`x-chalk-env-id`) must name one the caller may use.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::proto::chalk::auth::v1::{Agent, EnvironmentPermissions, UserAgent, agent};
use crate::proto::team_service_server::TeamService;
use crate::proto::{
    Environment, GetAgentRequest, GetAgentResponse, GetEnvironmentsRequest, GetEnvironmentsResponse,
};

use super::auth::Authenticator;

/// The agent message for `client_id`: a user agent with permissions per environment id.
pub fn agent_of(auth: &Authenticator, client_id: &str) -> Agent {
    let permissions_by_environment = auth
        .permissions_of(client_id)
        .into_iter()
        .map(|(environment, permissions)| {
            (
                environment.id,
                EnvironmentPermissions {
                    permissions: permissions.into_iter().map(|p| p as i32).collect(),
                },
            )
        })
        .collect();
    Agent {
        agent: Some(agent::Agent::UserAgent(UserAgent {
            client_id: client_id.to_string(),
            user_id: client_id.to_string(),
            permissions_by_environment,
            ..Default::default()
        })),
        sandbox_id: String::new(),
    }
}

/// The TeamService gRPC service.
pub struct TeamApi(pub Arc<Authenticator>);

#[tonic::async_trait]
impl TeamService for TeamApi {
    async fn get_environments(
        &self,
        request: Request<GetEnvironmentsRequest>,
    ) -> Result<Response<GetEnvironmentsResponse>, Status> {
        let client_id = self.0.authenticated_in_named_environment(&request)?;
        let environments = self
            .0
            .environments_of(&client_id)
            .into_iter()
            .map(|e| Environment {
                name: e.name,
                id: e.id,
                ..Default::default()
            })
            .collect();
        Ok(Response::new(GetEnvironmentsResponse { environments }))
    }

    async fn get_agent(
        &self,
        request: Request<GetAgentRequest>,
    ) -> Result<Response<GetAgentResponse>, Status> {
        let client_id = self.0.authenticated_in_named_environment(&request)?;
        Ok(Response::new(GetAgentResponse {
            agent: Some(agent_of(&self.0, &client_id)),
        }))
    }
}
