//! What the console's credential may do, from Chalk's `TeamService/GetAgent` (asked once after
//! connecting): per environment, whether it may write (else the console is read-only and the
//! badge says why) and whether it may decrypt (else the detail pane says configs cannot be opened
//! and reveal is gone). A server without TeamService leaves the console as it always was.

use std::collections::HashMap;

use crate::client::team_api::TeamError;
use crate::proto::GetAgentResponse;
use crate::proto::chalk::auth::v1::{Agent, Permission, agent};

use super::app::App;
use super::msg::{Command, Request};
use super::update::{fetch_detail, flash, send};

/// The permissions of one credential, per environment id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    pub client_id: String,
    pub by_environment: HashMap<String, Vec<i32>>,
}

impl Grants {
    /// The grants an agent message states (a user agent per environment, a service token for its
    /// one environment). `None` for an agent of another kind, which says nothing usable.
    pub fn of(agent: &Agent) -> Option<Self> {
        match agent.agent.as_ref()? {
            agent::Agent::UserAgent(user) => Some(Self {
                client_id: user.client_id.clone(),
                by_environment: user
                    .permissions_by_environment
                    .iter()
                    .map(|(id, permissions)| (id.clone(), permissions.permissions.clone()))
                    .collect(),
            }),
            agent::Agent::ServiceTokenAgent(token) => Some(Self {
                client_id: token.client_id.clone(),
                by_environment: HashMap::from([(
                    token.environment.clone(),
                    token.permissions.clone(),
                )]),
            }),
        }
    }

    /// Whether the credential holds `permission` in the environment with this id.
    pub fn allows(&self, environment_id: &str, permission: Permission) -> bool {
        self.by_environment
            .get(environment_id)
            .is_some_and(|granted| granted.contains(&(permission as i32)))
    }
}

/// What the console knows about its credential's permissions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Access {
    /// Not asked yet (not connected yet).
    #[default]
    NotAsked,
    /// GetAgent is on its way: details wait for it, so a credential that may not open configs is
    /// never sent to open one.
    Asking,
    /// The server did not say (no TeamService): everything is offered, as before teams existed.
    Unknown,
    Granted(Grants),
}

impl App {
    /// Whether the credential may do what `permission` allows in the current environment
    /// (true when the server did not say).
    pub fn may(&self, permission: Permission) -> bool {
        match &self.access {
            Access::Granted(grants) => grants.allows(&self.environment_id, permission),
            _ => true,
        }
    }

    /// Whether configs can be opened (GetIntegration needs SECRETS_DECRYPT).
    pub fn may_open_configs(&self) -> bool {
        self.may(Permission::SecretsDecrypt)
    }

    /// Why the console is read-only when the credential is the reason (not `--readonly`).
    pub fn readonly_reason(&self) -> Option<&'static str> {
        (!self.readonly_requested && !self.may(Permission::SecretsWrite))
            .then_some("no SECRETS_WRITE")
    }
}

/// The read-only flag from `--readonly` and the credential's permission to write here.
pub(crate) fn apply_access(app: &mut App) {
    app.readonly = app.readonly_requested || !app.may(Permission::SecretsWrite);
}

/// The first connection: ask who the credential is, once.
pub(crate) fn ask_agent(app: &mut App) -> Vec<Command> {
    if app.access != Access::NotAsked {
        return Vec::new();
    }
    app.access = Access::Asking;
    vec![send(app, Request::Agent)]
}

/// GetAgent's answer: adapt to it, then fetch the detail that waited for it (if it may be
/// opened).
pub(crate) fn on_agent(app: &mut App, result: Result<GetAgentResponse, TeamError>) -> Vec<Command> {
    app.access = match result {
        Ok(response) => response
            .agent
            .as_ref()
            .and_then(Grants::of)
            .map_or(Access::Unknown, Access::Granted),
        Err(TeamError::Unsupported { .. }) => Access::Unknown,
        Err(TeamError::Failed(error)) => {
            flash(
                app,
                format!(
                    "could not read this credential's permissions: {}",
                    error.message
                ),
                true,
            );
            Access::Unknown
        }
    };
    apply_access(app);
    match app.selected_integration().map(|i| i.id.clone()) {
        Some(id) => fetch_detail(app, id),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
