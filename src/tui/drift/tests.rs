//! Reducer tests of the drift marks: when a plan is asked for, which answers count, and what the
//! marks, the header note and the kept plan say.

use std::collections::BTreeMap;

use tonic::Code;

use super::*;
use crate::ascode::manifest;
use crate::ascode::plan::{Change, KeyChange};
use crate::domain::{ConfigValue, Kind, Secret};
use crate::proto::Integration;
use crate::tui::fixtures::local_app;
use crate::tui::msg::{Msg, Outcome, Reply, RequestId};
use crate::tui::update::{init, update};

const FILE: &str = "version: 1\nsources:\n  orders_pg:\n    kind: postgresql\n    config:\n      PGHOST: db.internal\n";

fn plan_file(prune: bool) -> PlanFile {
    let read = manifest::read(FILE);
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    PlanFile::new(
        Loaded {
            label: "sources.yaml".into(),
            manifest: read.manifest,
            read: BTreeMap::new(),
        },
        prune,
    )
}

fn source(name: &str, action: Action, changes: Vec<KeyChange>) -> SourcePlan {
    SourcePlan {
        name: name.into(),
        kind: "POSTGRESQL".into(),
        id: (action != Action::Create).then(|| format!("id-{name}")),
        action,
        changes,
        updated_at: None,
        create_kind: Some(Kind::Postgresql),
        send: BTreeMap::from([(
            "PGPASSWORD".to_string(),
            ConfigValue::Literal(Secret::new("to-send")),
        )]),
    }
}

/// `orders_pg` drifted (a host and a secret), `events` in sync, `new_pg` to create, `old_pg` to
/// delete (a prune plan).
fn a_plan() -> Plan {
    Plan {
        sources: vec![
            source(
                "orders_pg",
                Action::Update,
                vec![
                    KeyChange {
                        key: "PGHOST".into(),
                        change: Change::Set {
                            old: Some("old.internal".into()),
                            new: "db.internal".into(),
                        },
                    },
                    KeyChange {
                        key: "PGPASSWORD".into(),
                        change: Change::SecretChanges,
                    },
                ],
            ),
            source("events", Action::Unchanged, vec![]),
            source("new_pg", Action::Create, vec![]),
            source("old_pg", Action::Delete, vec![]),
        ],
        unmanaged: vec![],
    }
}

fn app_with_plan_file(prune: bool) -> App {
    let mut app = local_app("default", false);
    app.drift = Some(Drift::new(plan_file(prune)));
    app
}

fn plan_ids(commands: &[Command]) -> Vec<RequestId> {
    commands
        .iter()
        .filter_map(|command| match command {
            Command::Send {
                id,
                request: Request::Plan { .. },
            } => Some(*id),
            _ => None,
        })
        .collect()
}

fn list_id(commands: &[Command]) -> RequestId {
    commands
        .iter()
        .find_map(|command| match command {
            Command::Send {
                id,
                request: Request::List,
            } => Some(*id),
            _ => None,
        })
        .expect("a list request")
}

fn listed(app: &mut App, id: RequestId) -> Vec<Command> {
    let integration = Integration {
        id: "id-orders_pg".into(),
        name: Some("orders_pg".into()),
        kind: Kind::Postgresql.to_wire() as i32,
        ..Default::default()
    };
    update(
        app,
        Msg::Reply(Reply {
            id,
            outcome: Outcome::Listed(Ok(vec![integration])),
        }),
    )
}

fn planned(app: &mut App, id: RequestId, planned: Planned) -> Vec<Command> {
    update(
        app,
        Msg::Reply(Reply {
            id,
            outcome: Outcome::Planned(planned),
        }),
    )
}

#[test]
fn a_loaded_list_asks_for_a_plan_only_with_a_plan_file() {
    let mut plain = local_app("default", false);
    let first = init(&mut plain);
    let commands = listed(&mut plain, list_id(&first));
    assert!(plan_ids(&commands).is_empty(), "{commands:?}");

    let mut app = app_with_plan_file(false);
    let first = init(&mut app);
    assert!(
        plan_ids(&first).is_empty(),
        "the plan waits for the list: {first:?}"
    );
    let commands = listed(&mut app, list_id(&first));
    assert_eq!(plan_ids(&commands).len(), 1, "{commands:?}");
    assert!(is_planning(&app));
    assert_eq!(
        app.drift.as_ref().unwrap().header_note(true),
        "plan: sources.yaml · planning…"
    );
}

#[test]
fn a_refresh_supersedes_the_plan_on_its_way_and_its_late_answer_is_dropped() {
    let mut app = app_with_plan_file(false);
    let first = init(&mut app);
    let commands = listed(&mut app, list_id(&first));
    let old = plan_ids(&commands)[0];
    app.pending.insert(99, Request::List);
    let commands = listed(&mut app, 99);
    let new = plan_ids(&commands)[0];
    assert!(
        commands.contains(&Command::Cancel(vec![old])),
        "{commands:?}"
    );
    planned(&mut app, old, Ok(Ok(a_plan())));
    assert_eq!(app.drift.as_ref().unwrap().plan, None, "a stale answer");
    planned(&mut app, new, Ok(Ok(a_plan())));
    assert!(app.drift.as_ref().unwrap().plan.is_some());
    assert!(!is_planning(&app));
}

#[test]
fn a_plan_marks_drift_and_prune_deletions_and_keeps_no_value_to_send() {
    let mut app = app_with_plan_file(true);
    let commands = replan(&mut app);
    planned(&mut app, plan_ids(&commands)[0], Ok(Ok(a_plan())));
    let drift = app.drift.as_ref().unwrap();
    assert_eq!(drift.mark("orders_pg"), Some(Mark::Update));
    assert_eq!(drift.mark("events"), None);
    assert_eq!(
        drift.mark("new_pg"),
        None,
        "not on the server: counted, not marked"
    );
    assert_eq!(drift.mark("old_pg"), Some(Mark::Delete));
    assert_eq!(drift.mark("elsewhere"), None);
    assert_eq!(
        drift.header_note(false),
        "plan: sources.yaml · 2 drifted · 1 to create"
    );
    let plan = drift.plan.as_ref().unwrap();
    assert!(plan.sources.iter().all(|source| source.send.is_empty()));
    assert!(!format!("{app:?}").contains("to-send"));
}

#[test]
fn a_plan_without_changes_is_in_sync() {
    let mut app = app_with_plan_file(false);
    let commands = replan(&mut app);
    let in_sync = Plan {
        sources: vec![source("orders_pg", Action::Unchanged, vec![])],
        unmanaged: vec!["events".into()],
    };
    planned(&mut app, plan_ids(&commands)[0], Ok(Ok(in_sync)));
    let drift = app.drift.as_ref().unwrap();
    assert_eq!(drift.header_note(false), "plan: sources.yaml · in sync");
    assert_eq!(drift.mark("events"), None, "unmanaged without --prune");
}

#[test]
fn problems_and_errors_show_in_the_header_and_an_error_keeps_the_last_plan() {
    let mut app = app_with_plan_file(false);
    let id = plan_ids(&replan(&mut app))[0];
    planned(&mut app, id, Ok(Ok(a_plan())));
    let id = plan_ids(&replan(&mut app))[0];
    planned(
        &mut app,
        id,
        Err(ClientError::new(Code::Unavailable, "the server went away")),
    );
    let drift = app.drift.as_ref().unwrap();
    assert_eq!(
        drift.header_note(false),
        "plan: sources.yaml · error: the server went away"
    );
    assert!(drift.plan.is_some());
    let id = plan_ids(&replan(&mut app))[0];
    let problem = Problem {
        pos: Default::default(),
        source: Some("orders_pg".into()),
        key: None,
        message: "a kind cannot change".into(),
    };
    planned(&mut app, id, Ok(Err(vec![problem])));
    let drift = app.drift.as_ref().unwrap();
    let note = drift.header_note(false);
    assert!(
        note.starts_with("plan: sources.yaml · error: sources.yaml")
            && note.contains("a kind cannot change"),
        "{note}"
    );
    assert_eq!(drift.plan, None);
}

#[test]
fn a_delete_replans() {
    let mut app = app_with_plan_file(false);
    let first = init(&mut app);
    listed(&mut app, list_id(&first));
    app.pending.insert(
        50,
        Request::Delete {
            id: "id-orders_pg".into(),
        },
    );
    let commands = update(
        &mut app,
        Msg::Reply(Reply {
            id: 50,
            outcome: Outcome::Deleted(Ok(())),
        }),
    );
    assert_eq!(plan_ids(&commands).len(), 1, "{commands:?}");
}
