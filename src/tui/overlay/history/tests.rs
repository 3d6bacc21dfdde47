//! The history overlay: reducer tests (opening asks once, answers land only on the overlay that
//! asked, scrolling, Esc, MONITORING_READ missing or denied) and snapshots of its states.

use std::time::{Duration, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use prost_types::{ListValue, Value, value::Kind as ValueKind};
use tonic::Code;

use super::*;
use crate::client::ClientError;
use crate::domain::Kind;
use crate::proto::chalk::auth::v1::Permission::{MonitoringRead, SecretsDecrypt, SecretsList};
use crate::proto::chalk::auth::v1::{Agent, UserAgent, agent};
use crate::proto::{Integration, IntegrationWithSecrets};
use crate::tui::app::Detail;
use crate::tui::fixtures::{app_granted, render};
use crate::tui::msg::{Msg, Outcome, Reply};
use crate::tui::update::{refilter, update};

const NOW: u64 = 1_795_000_000;

fn text(value: &str) -> Value {
    Value {
        kind: Some(ValueKind::StringValue(value.into())),
    }
}

/// A record of `who` calling `method` on orders_pg `ago` seconds before NOW with `keys`.
pub fn record(
    who: &str,
    description: Option<&str>,
    method: &str,
    ago: u64,
    keys: &[&str],
    code: i32,
) -> AuditLog {
    let mut request = std::collections::HashMap::new();
    request.insert("name".to_string(), text("orders_pg"));
    request.insert("integration_id".to_string(), text("01JORDERS"));
    request.insert(
        "keys".to_string(),
        Value {
            kind: Some(ValueKind::ListValue(ListValue {
                values: keys.iter().map(|k| text(k)).collect(),
            })),
        },
    );
    AuditLog {
        agent: Some(Agent {
            agent: Some(agent::Agent::UserAgent(UserAgent {
                client_id: who.into(),
                ..Default::default()
            })),
            sandbox_id: String::new(),
        }),
        description: description.map(String::from),
        endpoint: format!("/chalk.server.v1.IntegrationsService/{method}"),
        at: Some(prost_types::Timestamp {
            seconds: (NOW - ago) as i64,
            nanos: 0,
        }),
        code: Some(code),
        request,
        ..Default::default()
    }
}

/// Three records, oldest first (the overlay sorts them).
fn trail() -> Vec<AuditLog> {
    vec![
        record(
            "ci-deployer",
            Some("Created an external integration"),
            "InsertIntegration",
            7200,
            &["PGHOST", "PGPASSWORD", "PGPORT"],
            0,
        ),
        record(
            "oncall",
            None,
            "GetIntegrationValue",
            600,
            &["PGPASSWORD"],
            0,
        ),
        record(
            "alice",
            Some("Updated an external integration"),
            "UpdateIntegration",
            60,
            &["PGPORT"],
            7,
        ),
    ]
}

/// A credential that may read the audit log (not write), with orders_pg listed and selected.
fn monitor() -> App {
    let mut app = app_granted("prod", &[SecretsList, SecretsDecrypt, MonitoringRead]);
    app.wall = UNIX_EPOCH + Duration::from_secs(NOW);
    app.connection = crate::tui::msg::ConnectionState::Connected {
        environment: "prod".into(),
        environment_id: "env-1".into(),
    };
    let orders = Integration {
        id: "01JORDERS".into(),
        name: Some("orders_pg".into()),
        kind: Kind::Postgresql.to_wire() as i32,
        ..Default::default()
    };
    app.integrations = vec![orders.clone()];
    app.loaded = true;
    refilter(&mut app);
    app.details.insert(
        "01JORDERS".into(),
        Detail {
            integration: IntegrationWithSecrets {
                integration: Some(orders),
                secrets: Vec::new(),
            },
        },
    );
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Presses `h`; returns the history request's id.
fn open(app: &mut App) -> RequestId {
    let commands = update(app, key(KeyCode::Char('h')));
    match commands.as_slice() {
        [
            Command::Send {
                id,
                request:
                    Request::History {
                        integration_id,
                        name,
                    },
            },
        ] => {
            assert_eq!(
                (integration_id.as_str(), name.as_str()),
                ("01JORDERS", "orders_pg")
            );
            *id
        }
        other => panic!("expected one history request, got {other:?}"),
    }
}

fn answer(app: &mut App, id: RequestId, result: Result<Vec<AuditLog>, TeamError>) {
    update(
        app,
        Msg::Reply(Reply {
            id,
            outcome: Outcome::History(result),
        }),
    );
}

fn history(app: &App) -> &History {
    match app.top() {
        Some(Layer::History(history)) => history,
        other => panic!("expected the history on top, got {other:?}"),
    }
}

#[test]
fn h_opens_the_history_loading_then_newest_first() {
    let mut app = monitor();
    let id = open(&mut app);
    assert_eq!(history(&app).records, Records::Loading);
    answer(&mut app, id, Ok(trail()));
    let Records::Loaded(logs) = &history(&app).records else {
        panic!("{:?}", history(&app).records)
    };
    let who: Vec<String> = logs.iter().map(audit_record::who).collect();
    assert_eq!(who, ["alice", "oncall", "ci-deployer"]);
}

#[test]
fn scrolling_stays_within_the_records_and_esc_closes() {
    let mut app = monitor();
    let id = open(&mut app);
    answer(&mut app, id, Ok(trail()));
    for _ in 0..5 {
        update(&mut app, key(KeyCode::Char('j')));
    }
    assert_eq!(history(&app).scroll, 2);
    update(&mut app, key(KeyCode::Char('k')));
    assert_eq!(history(&app).scroll, 1);
    update(&mut app, key(KeyCode::Char('g')));
    assert_eq!(history(&app).scroll, 0);
    update(&mut app, key(KeyCode::Char('G')));
    assert_eq!(history(&app).scroll, 2);
    update(&mut app, key(KeyCode::Char('x')));
    assert_eq!(history(&app).scroll, 2, "other keys do nothing");
    update(&mut app, key(KeyCode::Esc));
    assert!(app.layers.is_empty());
}

#[test]
fn an_answer_after_closing_or_for_an_older_overlay_is_dropped() {
    let mut app = monitor();
    let first = open(&mut app);
    let commands = update(&mut app, key(KeyCode::Esc));
    assert_eq!(commands, [Command::Cancel(vec![first])]);
    answer(&mut app, first, Ok(trail()));
    assert!(app.layers.is_empty(), "a stale answer opens nothing");
    let second = open(&mut app);
    assert_ne!(first, second);
    answer(&mut app, first, Ok(Vec::new()));
    assert_eq!(history(&app).records, Records::Loading);
    answer(&mut app, second, Ok(Vec::new()));
    assert_eq!(history(&app).records, Records::Loaded(Vec::new()));
}

#[test]
fn without_monitoring_read_h_says_which_permission_is_missing() {
    let mut app = monitor();
    app = {
        let mut viewer = app_granted("prod", &[SecretsList, SecretsDecrypt]);
        viewer.integrations = app.integrations.clone();
        viewer.loaded = true;
        refilter(&mut viewer);
        viewer
    };
    let commands = update(&mut app, key(KeyCode::Char('h')));
    assert!(commands.is_empty(), "{commands:?}");
    assert!(app.layers.is_empty());
    let flash = app.flash.expect("a flash");
    assert!(
        flash.error && flash.text.contains("MONITORING_READ"),
        "{flash:?}"
    );
}

#[test]
fn permission_denied_and_a_server_without_audit_log_are_said_plainly() {
    let mut app = monitor();
    let id = open(&mut app);
    answer(
        &mut app,
        id,
        Err(TeamError::Failed(ClientError::new(
            Code::PermissionDenied,
            "missing permission MONITORING_READ",
        ))),
    );
    assert!(
        matches!(&history(&app).records, Records::Failed(m) if m.contains("needs the MONITORING_READ permission"))
    );
    update(&mut app, key(KeyCode::Esc));
    let id = open(&mut app);
    answer(
        &mut app,
        id,
        Err(TeamError::Unsupported {
            service: "AuditService",
        }),
    );
    assert!(
        matches!(&history(&app).records, Records::Failed(m) if m.contains("does not offer an audit log"))
    );
}

fn snapshot(name: &str, app: &App) {
    for (width, height) in [(100, 30), (80, 24)] {
        insta::assert_snapshot!(
            format!("{name}_{width}x{height}"),
            render(app, width, height)
        );
    }
}

#[test]
fn snapshots_of_loading_loaded_and_denied() {
    let mut app = monitor();
    let id = open(&mut app);
    snapshot("history_loading", &app);
    answer(&mut app, id, Ok(trail()));
    snapshot("history_loaded", &app);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("PGHOST, PGPASSWORD, PGPORT"), "{screen}");
    assert!(
        screen.contains("Updated an external integration  PGPORT ✗ PermissionDenied"),
        "{screen}"
    );
    update(&mut app, key(KeyCode::Esc));
    let id = open(&mut app);
    answer(
        &mut app,
        id,
        Err(TeamError::Failed(ClientError::new(
            Code::PermissionDenied,
            "missing permission MONITORING_READ",
        ))),
    );
    snapshot("history_denied", &app);
}
