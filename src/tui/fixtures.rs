//! Builders the console's unit tests share (reducer and view tests), so each test states only
//! what is particular to it.

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::domain::Kind;
use crate::proto::{Integration, IntegrationWithSecrets, SecretSource, SecretWithValue};

use super::app::{App, ServerInfo, TestResult, TestStatus};
use super::theme::Theme;
use super::view::draw;

/// An app on the embedded local server in `environment`.
pub fn local_app(environment: &str, readonly: bool) -> App {
    App::new(
        ServerInfo {
            address: "127.0.0.1:50051".into(),
            local: true,
        },
        environment.into(),
        readonly,
        Instant::now(),
    )
}

/// One config key as GetIntegration answers it (`value` is withheld for secret literals).
pub fn key_row(
    name: &str,
    value: Option<&str>,
    source: SecretSource,
    full_name: &str,
) -> SecretWithValue {
    SecretWithValue {
        name: name.into(),
        full_name: full_name.into(),
        value: value.map(String::from),
        source: source as i32,
        ..Default::default()
    }
}

/// A finished connectivity test.
pub fn finished(success: bool, message: &str, latency_ms: u64) -> TestStatus {
    TestStatus::Done(TestResult {
        success,
        message: message.into(),
        latency_ms: Some(latency_ms),
        preview: vec![],
    })
}

/// A saved PostgreSQL source `orders_pg` as GetIntegration answers it: host, port and database
/// shown, the user linked to the secret `prod/pg/user`, the password a configured secret the
/// server withholds. The form's model, reducer and view tests all edit this one.
pub fn saved_postgres(id: &str) -> IntegrationWithSecrets {
    IntegrationWithSecrets {
        integration: Some(Integration {
            id: id.into(),
            name: Some("orders_pg".into()),
            kind: Kind::Postgresql.to_wire() as i32,
            environment_id: "env-1".into(),
            ..Default::default()
        }),
        secrets: vec![
            key_row(
                "PGHOST",
                Some("db.internal"),
                SecretSource::Managed,
                "ORDERS_PG_PGHOST",
            ),
            key_row(
                "PGPORT",
                Some("5432"),
                SecretSource::Managed,
                "ORDERS_PG_PGPORT",
            ),
            key_row(
                "PGDATABASE",
                Some("orders"),
                SecretSource::Managed,
                "ORDERS_PG_PGDATABASE",
            ),
            key_row("PGUSER", None, SecretSource::External, "prod/pg/user"),
            key_row(
                "PGPASSWORD",
                None,
                SecretSource::Managed,
                "ORDERS_PG_PGPASSWORD",
            ),
        ],
    }
}

/// The whole console drawn without colour on a `width`×`height` test terminal, as text.
pub fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal
        .draw(|frame| draw(frame, app, Theme::new(false)))
        .expect("a frame");
    terminal.backend().to_string()
}

/// What GetAgent answers for a client holding `permissions` in the environment `env-1` only.
pub fn agent_with(
    permissions: &[crate::proto::chalk::auth::v1::Permission],
) -> crate::proto::GetAgentResponse {
    use crate::proto::chalk::auth::v1::{Agent, EnvironmentPermissions, UserAgent, agent};
    crate::proto::GetAgentResponse {
        agent: Some(Agent {
            agent: Some(agent::Agent::UserAgent(UserAgent {
                client_id: "viewer".into(),
                permissions_by_environment: [(
                    "env-1".to_string(),
                    EnvironmentPermissions {
                        permissions: permissions.iter().map(|p| *p as i32).collect(),
                    },
                )]
                .into(),
                ..Default::default()
            })),
            sandbox_id: String::new(),
        }),
    }
}

/// An app that knows its credential holds `permissions` in its environment (`env-1`).
pub fn app_granted(
    environment: &str,
    permissions: &[crate::proto::chalk::auth::v1::Permission],
) -> App {
    let mut app = local_app(environment, false);
    app.environment_id = "env-1".into();
    let grants = agent_with(permissions)
        .agent
        .as_ref()
        .and_then(super::access::Grants::of);
    if let Some(grants) = grants {
        app.access = super::access::Access::Granted(grants);
    }
    super::access::apply_access(&mut app);
    app
}
