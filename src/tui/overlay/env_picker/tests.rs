//! The `:env` picker: reducer tests (asks GetEnvironments, type to filter, ⏎ switches as `:env
//! NAME` does, stale answers dropped, a server without TeamService falls back to the typed
//! command) and snapshots.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tonic::Code;

use super::*;
use crate::client::ClientError;
use crate::tui::fixtures::{local_app, render};
use crate::tui::msg::{ConnectionState, Msg, Outcome, Reply};
use crate::tui::update::update;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| update(app, key(KeyCode::Char(c))))
        .collect()
}

fn environments() -> Vec<Environment> {
    [
        ("default", "env-1"),
        ("staging", "env-2"),
        ("prod", "env-3"),
        ("prod_eu", "env-4"),
    ]
    .into_iter()
    .map(|(name, id)| Environment {
        name: name.into(),
        id: id.into(),
        ..Default::default()
    })
    .collect()
}

fn connected_app() -> App {
    let mut app = local_app("default", false);
    app.environment_id = "env-1".into();
    app.connection = ConnectionState::Connected {
        environment: "default".into(),
        environment_id: "env-1".into(),
    };
    app
}

/// Types `:env` ⏎; returns the GetEnvironments request's id.
fn open(app: &mut App) -> RequestId {
    typed(app, ":env");
    let commands = update(app, key(KeyCode::Enter));
    match commands.as_slice() {
        [
            Command::Send {
                id,
                request: Request::Environments,
            },
        ] => *id,
        other => panic!("expected GetEnvironments, got {other:?}"),
    }
}

fn answer(
    app: &mut App,
    id: RequestId,
    result: Result<Vec<Environment>, TeamError>,
) -> Vec<Command> {
    update(
        app,
        Msg::Reply(Reply {
            id,
            outcome: Outcome::Environments(result),
        }),
    )
}

fn picker(app: &App) -> &EnvPicker {
    match app.top() {
        Some(Layer::EnvPicker(picker)) => picker,
        other => panic!("expected the picker, got {other:?}"),
    }
}

#[test]
fn env_lists_the_environments_filters_as_typed_and_switches_to_the_choice() {
    let mut app = connected_app();
    let id = open(&mut app);
    assert_eq!(picker(&app).choices, Choices::Loading);
    answer(&mut app, id, Ok(environments()));
    assert_eq!(picker(&app).matches().len(), 4);
    assert_eq!(picker(&app).selected, 0, "starts on the current one");
    typed(&mut app, "PROD");
    let names: Vec<&str> = picker(&app)
        .matches()
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["prod", "prod_eu"]);
    update(&mut app, key(KeyCode::Down));
    let commands = update(&mut app, key(KeyCode::Enter));
    assert_eq!(
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Send { request, .. } => Some(request.clone()),
                _ => None,
            })
            .collect::<Vec<_>>(),
        [Request::SwitchEnvironment {
            name: "prod_eu".into()
        }]
    );
    assert!(app.layers.is_empty());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("switching to environment prod_eu"))
    );
}

#[test]
fn typing_env_name_still_switches_directly() {
    let mut app = connected_app();
    typed(&mut app, ":env staging");
    let commands = update(&mut app, key(KeyCode::Enter));
    assert!(matches!(
        commands.as_slice(),
        [Command::Send { request: Request::SwitchEnvironment { name }, .. }] if name == "staging"
    ));
}

#[test]
fn without_team_service_the_picker_closes_and_points_at_the_typed_command() {
    let mut app = connected_app();
    let id = open(&mut app);
    answer(
        &mut app,
        id,
        Err(TeamError::Unsupported {
            service: "TeamService",
        }),
    );
    assert!(app.layers.is_empty());
    let flash = app.flash.clone().expect("a flash");
    assert!(flash.text.contains(":env NAME"), "{flash:?}");
}

#[test]
fn stale_answers_and_cancelling_change_nothing() {
    let mut app = connected_app();
    let first = open(&mut app);
    update(&mut app, key(KeyCode::Esc));
    assert!(app.layers.is_empty());
    answer(&mut app, first, Ok(environments()));
    assert!(app.layers.is_empty(), "a cancelled picker stays closed");
    let second = open(&mut app);
    answer(&mut app, first, Ok(Vec::new()));
    assert_eq!(picker(&app).choices, Choices::Loading);
    answer(
        &mut app,
        second,
        Err(TeamError::Failed(ClientError::new(
            Code::Unavailable,
            "gone",
        ))),
    );
    assert!(matches!(&picker(&app).choices, Choices::Failed(m) if m.contains("gone")));
    update(&mut app, key(KeyCode::Enter));
    assert!(
        matches!(app.top(), Some(Layer::EnvPicker(_))),
        "⏎ with nothing to choose stays"
    );
}

#[test]
fn snapshots_of_the_picker() {
    let mut app = connected_app();
    app.loaded = true;
    let id = open(&mut app);
    insta::assert_snapshot!("env_picker_loading_80x24", render(&app, 80, 24));
    answer(&mut app, id, Ok(environments()));
    insta::assert_snapshot!("env_picker_100x30", render(&app, 100, 30));
    typed(&mut app, "prod");
    insta::assert_snapshot!("env_picker_filtered_80x24", render(&app, 80, 24));
}
