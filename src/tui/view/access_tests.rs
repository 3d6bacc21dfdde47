//! Snapshots of the console as a credential's permissions shape it: a viewer (read-only with the
//! reason in the badge, no config opened, no reveal in hints or help) and a reader (read-only,
//! configs shown).

use super::tests::{check, loaded};
use crate::proto::chalk::auth::v1::Permission::{self, SecretsDecrypt, SecretsList};
use crate::tui::access::{Access, Grants, apply_access};
use crate::tui::app::{App, Focus};
use crate::tui::fixtures::{agent_with, render};
use crate::tui::layer::Layer;

/// The snapshot app (three sources, orders_pg selected) for a credential with `permissions`.
fn granted(permissions: &[Permission], with_detail: bool) -> App {
    let mut app = loaded("staging", false);
    app.environment_id = "env-1".into();
    if !with_detail {
        app.details.clear();
    }
    let grants = agent_with(permissions).agent.as_ref().and_then(Grants::of);
    app.access = grants.map_or(Access::Unknown, Access::Granted);
    apply_access(&mut app);
    app
}

#[test]
fn viewer() {
    let mut app = granted(&[SecretsList], false);
    check("viewer", &app, false);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("READ-ONLY: no SECRETS_WRITE"), "{screen}");
    assert!(screen.contains("not open their configs"), "{screen}");
    app.focus = Focus::Detail;
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("reveal"), "no reveal hint:\n{screen}");
    app.layers.push(Layer::Help { scroll: 0 });
    let screen = render(&app, 100, 40);
    assert!(
        !screen.contains("reveal"),
        "no reveal in the help:\n{screen}"
    );
    assert!(!screen.contains("delete"), "{screen}");
    insta::assert_snapshot!("viewer_help_100x40", screen);
}

#[test]
fn reader() {
    let mut app = granted(&[SecretsList, SecretsDecrypt], true);
    app.focus = Focus::Detail;
    app.detail_cursor = 1;
    check("reader", &app, false);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("READ-ONLY: no SECRETS_WRITE"), "{screen}");
    assert!(screen.contains("reveal"), "{screen}");
    assert!(!screen.contains("not open their configs"), "{screen}");
}
