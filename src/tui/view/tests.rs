//! Snapshots of every screen state, drawn on ratatui's `TestBackend`. Each also checks that a
//! secret value appears only where the state revealed it.

use std::time::{Duration, UNIX_EPOCH};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::domain::{Kind, Secret};
use crate::proto::{Integration, IntegrationWarning, IntegrationWithSecrets, SecretSource};
use crate::tui::app::{
    App, ConfirmDelete, Detail, Focus, Revealed, TestAll, TestResult, TestStatus,
};
use crate::tui::filter::visible_rows;
use crate::tui::fixtures::{finished, key_row, local_app, render};
use crate::tui::layer::Layer;
use crate::tui::msg::{ConnectionState, Request};
use crate::tui::theme::Theme;

const SECRET: &str = "s3cr3t-Hunter2-value";
const NOW_SECONDS: u64 = 1_795_000_000;

fn timestamp(seconds_ago: u64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: (NOW_SECONDS - seconds_ago) as i64,
        nanos: 0,
    }
}

fn integration(id: &str, name: &str, kind: Kind, age: u64) -> Integration {
    Integration {
        id: id.into(),
        name: Some(name.into()),
        kind: kind.to_wire() as i32,
        environment_id: "env-1".into(),
        created_at: Some(timestamp(age + 86_400)),
        updated_at: Some(timestamp(age)),
        warnings: Vec::new(),
    }
}

pub(super) fn base(env: &str, readonly: bool) -> App {
    let mut app = local_app(env, readonly);
    app.wall = UNIX_EPOCH + Duration::from_secs(NOW_SECONDS);
    app.connection = ConnectionState::Connected {
        environment: env.into(),
        environment_id: "env-1".into(),
    };
    app
}

/// Three sources loaded, the first selected with its detail.
pub(super) fn loaded(env: &str, readonly: bool) -> App {
    let mut app = base(env, readonly);
    let mut orders = integration("01JORDERS", "orders_pg", Kind::Postgresql, 300);
    orders.warnings.push(IntegrationWarning {
        code: 0,
        title: "Missing required key".into(),
        message: "PGDATABASE is required for PostgreSQL".into(),
        config_keys: vec!["PGDATABASE".into()],
    });
    app.integrations = vec![
        orders.clone(),
        integration("01JEVENTS", "events", Kind::Kafka, 7200),
        integration("01JWAREHOUSE", "warehouse", Kind::Snowflake, 3 * 86_400),
    ];
    app.loaded = true;
    app.visible = visible_rows(&app.integrations, "", None, app.sort, &app.tests);
    app.selected = 1; // orders_pg (events sorts first)
    app.details.insert(
        "01JORDERS".into(),
        Detail {
            integration: IntegrationWithSecrets {
                integration: Some(orders),
                secrets: vec![
                    key_row(
                        "PGHOST",
                        Some("db.internal"),
                        SecretSource::Managed,
                        "ORDERS_PG_PGHOST",
                    ),
                    key_row(
                        "PGPASSWORD",
                        None,
                        SecretSource::Managed,
                        "ORDERS_PG_PGPASSWORD",
                    ),
                    key_row(
                        "PGPORT",
                        Some("5432"),
                        SecretSource::Managed,
                        "ORDERS_PG_PGPORT",
                    ),
                    key_row("PGUSER", None, SecretSource::External, "pg_user"),
                ],
            },
        },
    );
    app
}

/// Renders at 100×30 and 80×24, checks the secret is absent unless `revealed`, snapshots both.
pub(super) fn check(name: &str, app: &App, revealed: bool) {
    for (width, height) in [(100, 30), (80, 24)] {
        let screen = render(app, width, height);
        assert_eq!(
            screen.contains(SECRET),
            revealed,
            "{name} at {width}x{height}: the secret must show only when revealed\n{screen}"
        );
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
    }
}

#[test]
fn empty() {
    let mut app = base("default", false);
    app.loaded = true;
    check("empty", &app, false);
}

/// The empty console points at `n` (issue 9 item 8), except when read-only, where `n` is hidden.
#[test]
fn empty_read_only() {
    let mut app = base("default", true);
    app.loaded = true;
    check("empty_read_only", &app, false);
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("Press n"), "{screen}");
    assert!(screen.contains("read-only"), "{screen}");
}

#[test]
fn loading() {
    let mut app = base("default", false);
    app.connection = ConnectionState::Connecting;
    app.pending.insert(1, Request::List);
    check("loading", &app, false);
}

#[test]
fn error() {
    let mut app = base("default", false);
    app.list_error = Some("connection refused by 127.0.0.1:50051".into());
    app.connection = ConnectionState::Disconnected {
        reason: "connection refused by 127.0.0.1:50051".into(),
        retry_at: app.now + Duration::from_secs(4),
    };
    check("error", &app, false);
}

#[test]
fn list_and_detail() {
    let mut app = loaded("default", false);
    app.tests.insert(
        "01JEVENTS".into(),
        finished(true, "metadata ok for topic events (3 partitions)", 12),
    );
    app.tests.insert(
        "01JORDERS".into(),
        finished(
            false,
            "connect failed: connection refused by 127.0.0.1:1 after 0 ms",
            1,
        ),
    );
    check("list_and_detail", &app, false);
}

#[test]
fn secret_masked() {
    let mut app = loaded("default", false);
    app.focus = Focus::Detail;
    app.detail_cursor = 1;
    check("secret_masked", &app, false);
}

#[test]
fn secret_revealed() {
    let mut app = loaded("default", false);
    app.focus = Focus::Detail;
    app.detail_cursor = 1;
    app.revealed = Some(Revealed {
        integration_id: "01JORDERS".into(),
        key: "PGPASSWORD".into(),
        value: Secret::new(SECRET),
        until: app.now + Duration::from_secs(30),
    });
    check("secret_revealed", &app, true);
}

/// The delete confirmation of orders_pg; `typed` is the name typed so far (production).
fn confirm_orders(typed: Option<&str>) -> Layer {
    Layer::ConfirmDelete(ConfirmDelete {
        id: "01JORDERS".into(),
        name: "orders_pg".into(),
        typed: typed.map(String::from),
        delete_chosen: false,
    })
}

#[test]
fn confirm_delete() {
    let mut app = loaded("default", false);
    app.layers.push(confirm_orders(None));
    check("confirm_delete", &app, false);
}

#[test]
fn typed_name_confirm() {
    let mut app = loaded("prod", false);
    app.layers.push(confirm_orders(Some("orders")));
    check("typed_name_confirm", &app, false);
}

#[test]
fn help() {
    let mut app = loaded("default", false);
    app.layers.push(Layer::Help { scroll: 0 });
    check("help", &app, false);
}

#[test]
fn read_only() {
    let mut app = loaded("default", true);
    check("read_only", &app, false);
    app.layers.push(Layer::Help { scroll: 0 });
    let screen = render(&app, 100, 40);
    assert!(
        !screen.contains("delete"),
        "read-only help has no delete:\n{screen}"
    );
    insta::assert_snapshot!("read_only_help_100x40", screen);
}

#[test]
fn filter_active() {
    let mut app = loaded("default", false);
    app.filter.text = "!pg".into();
    app.layers.push(Layer::Filter);
    app.visible = visible_rows(&app.integrations, "!pg", None, app.sort, &app.tests);
    app.selected = 0;
    check("filter_active", &app, false);
}

#[test]
fn test_all_in_progress() {
    let mut app = loaded("default", false);
    app.tests
        .insert("01JEVENTS".into(), finished(true, "metadata ok", 12));
    app.tests.insert(
        "01JORDERS".into(),
        finished(
            false,
            "authenticate failed: password authentication failed for user app",
            8,
        ),
    );
    app.tests.insert(
        "01JWAREHOUSE".into(),
        TestStatus::Running { since: app.now },
    );
    app.layers.push(Layer::TestAll(TestAll {
        sources: vec![
            ("01JEVENTS".into(), "events".into()),
            ("01JORDERS".into(), "orders_pg".into()),
            ("01JWAREHOUSE".into(), "warehouse".into()),
        ],
        running: [("01JWAREHOUSE".to_string(), 9)].into_iter().collect(),
        cancelled: false,
        scroll: 0,
    }));
    check("test_all_in_progress", &app, false);
}

#[test]
fn kafka_preview_in_detail() {
    let mut app = loaded("default", false);
    app.selected = 0; // events
    app.tests.insert(
        "01JEVENTS".into(),
        TestStatus::Done(TestResult {
            success: true,
            message: "metadata ok for topic events".into(),
            latency_ms: Some(9),
            preview: vec![crate::tui::app::PreviewLine {
                partition: "0".into(),
                offset: "41".into(),
                key: "user-7".into(),
                value: "{\"clicked\":true}".into(),
            }],
        }),
    );
    let screen = render(&app, 100, 30);
    assert!(screen.contains("user-7") && screen.contains("clicked"));
    insta::assert_snapshot!("kafka_preview_100x30", screen);
}

#[test]
fn narrow_terminals_still_render() {
    let app = loaded("default", false);
    for (width, height) in [(40, 12), (20, 6), (200, 60)] {
        let _ = render(&app, width, height);
    }
}

#[test]
fn no_color_draws_no_colours() {
    let app = loaded("default", false);
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal
        .draw(|frame| draw(frame, &app, Theme::new(false)))
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset
                && cell.bg == ratatui::style::Color::Reset)
    );
}
