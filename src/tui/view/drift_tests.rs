//! Snapshots of the drift view (`--plan`): the list's marks, the header's note and the detail
//! pane's planned change per key, in `sourcedeck plan`'s words. A secret the plan compares never
//! shows: the state holds none, and the screens are checked for the file's and the server's.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use crate::ascode::manifest;
use crate::ascode::plan::{Action, Change, KeyChange, Plan, SourcePlan};
use crate::ascode::{Loaded, Problem};
use crate::domain::{Kind, Secret};
use crate::proto::Integration;
use crate::tui::app::{App, Detail};
use crate::tui::drift::{Drift, PlanFile};
use crate::tui::filter::visible_rows;
use crate::tui::fixtures::{local_app, render, saved_postgres};
use crate::tui::msg::{ConnectionState, Request};

const NOW_SECONDS: u64 = 1_795_000_000;
const FILE_SECRET: &str = "file-secret-Kq81z";

fn integration(id: &str, name: &str, kind: Kind) -> Integration {
    let stamp = prost_types::Timestamp {
        seconds: NOW_SECONDS as i64 - 600,
        nanos: 0,
    };
    Integration {
        id: id.into(),
        name: Some(name.into()),
        kind: kind.to_wire() as i32,
        environment_id: "env-1".into(),
        created_at: Some(stamp),
        updated_at: Some(stamp),
        warnings: Vec::new(),
    }
}

fn plan_file(prune: bool) -> PlanFile {
    let read = manifest::read(
        "version: 1\nsources:\n  orders_pg:\n    kind: postgresql\n    config:\n      PGHOST: db.internal\n      PGPASSWORD: {env: ORDERS_PG_PASSWORD}\n",
    );
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    let secret = BTreeMap::from([(
        ("orders_pg".to_string(), "PGPASSWORD".to_string()),
        Secret::new(FILE_SECRET),
    )]);
    PlanFile::new(
        Loaded {
            label: "staging.yaml".into(),
            manifest: read.manifest,
            read: secret,
        },
        prune,
    )
}

fn planned(name: &str, action: Action, changes: Vec<KeyChange>) -> SourcePlan {
    SourcePlan {
        name: name.into(),
        kind: "POSTGRESQL".into(),
        id: Some(format!("01J{}", name.to_uppercase())),
        action,
        changes,
        updated_at: None,
        create_kind: None,
        send: BTreeMap::new(),
    }
}

/// Three sources listed, `orders_pg` selected with its detail; the plan says it drifted on every
/// kind of change, `events` is in sync, `billing_pg` is to be created and `warehouse` is unnamed.
fn drifted(prune: bool) -> App {
    let mut app = local_app("staging", false);
    app.wall = UNIX_EPOCH + Duration::from_secs(NOW_SECONDS);
    app.connection = ConnectionState::Connected {
        environment: "staging".into(),
        environment_id: "env-1".into(),
    };
    app.integrations = vec![
        integration("01JORDERS_PG", "orders_pg", Kind::Postgresql),
        integration("01JEVENTS", "events", Kind::Kafka),
        integration("01JWAREHOUSE", "warehouse", Kind::Snowflake),
    ];
    app.loaded = true;
    app.visible = visible_rows(&app.integrations, "", None, app.sort, &app.tests);
    app.selected = 1; // orders_pg (events sorts first)
    app.details.insert(
        "01JORDERS_PG".into(),
        Detail {
            integration: saved_postgres("01JORDERS_PG"),
        },
    );
    let changes = vec![
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
        KeyChange {
            key: "PGUSER".into(),
            change: Change::Linked("prod/pg/user".into()),
        },
        KeyChange {
            key: "PGSSLMODE".into(),
            change: Change::Cleared,
        },
        KeyChange {
            key: "PGDATABASE".into(),
            change: Change::MayChange,
        },
    ];
    let mut sources = vec![
        planned("orders_pg", Action::Update, changes),
        planned("events", Action::Unchanged, vec![]),
        planned("billing_pg", Action::Create, vec![]),
    ];
    let mut unmanaged = vec!["warehouse".to_string()];
    if prune {
        sources.push(planned("warehouse", Action::Delete, vec![]));
        unmanaged.clear();
    }
    let mut drift = Drift::new(plan_file(prune));
    drift.plan = Some(Plan { sources, unmanaged });
    app.drift = Some(drift);
    app
}

/// Renders at 100×30 and 80×24, checks no secret shows, snapshots both.
fn check(name: &str, app: &App) -> String {
    let mut wide = String::new();
    for (width, height) in [(100, 30), (80, 24)] {
        let screen = render(app, width, height);
        assert!(
            !screen.contains(FILE_SECRET),
            "{name} at {width}x{height}: a secret on screen\n{screen}"
        );
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
        if width == 100 {
            wide = screen;
        }
    }
    wide
}

#[test]
fn drift_marks_header_and_planned_changes() {
    let screen = check("drift_marked", &drifted(false));
    assert!(
        screen.contains("plan: staging.yaml · 1 drifted · 1 to create"),
        "{screen}"
    );
    assert!(screen.contains("▸~orders_pg"), "{screen}");
    assert!(screen.contains(" events"), "{screen}");
    assert!(
        screen.contains("PGHOST     \"old.internal\" → \"db.internal\""),
        "{screen}"
    );
    assert!(screen.contains("secret changes"), "{screen}");
    assert!(screen.contains("linked → prod/pg/user"), "{screen}");
}

#[test]
fn drift_with_prune_marks_the_unnamed_source() {
    let mut app = drifted(true);
    app.selected = 2; // warehouse
    let screen = check("drift_prune", &app);
    assert!(screen.contains("▸-warehouse"), "{screen}");
    assert!(
        screen.contains("plan: staging.yaml · 2 drifted · 1 to create"),
        "{screen}"
    );
    assert!(screen.contains("apply --prune deletes it"), "{screen}");
}

#[test]
fn drift_in_sync_and_planning() {
    let mut app = drifted(false);
    app.selected = 0; // events, in sync
    let screen = check("drift_in_sync_row", &app);
    assert!(screen.contains("in sync with staging.yaml"), "{screen}");
    let mut app = drifted(false);
    app.drift.as_mut().unwrap().plan = None;
    let file = app.drift.as_ref().unwrap().file.clone();
    app.pending.insert(7, Request::Plan { file });
    let screen = check("drift_planning", &app);
    assert!(
        screen.contains("plan: staging.yaml · planning…"),
        "{screen}"
    );
}

#[test]
fn drift_error() {
    let mut app = drifted(false);
    let drift = app.drift.as_mut().unwrap();
    drift.plan = None;
    drift.error = Some(
        Problem {
            pos: Default::default(),
            source: Some("orders_pg".into()),
            key: None,
            message: "a kind cannot change".into(),
        }
        .display("staging.yaml")
        .to_string(),
    );
    let screen = check("drift_error", &app);
    assert!(screen.contains("error:"), "{screen}");
}
