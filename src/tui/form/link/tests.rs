//! `^L` with the environment's secret names: the form asks ListSecrets when it opens, `^L`
//! offers the names to filter and pick, a name that matches none is linked as typed with a
//! warning, answers for a form no longer open are dropped, and a server without the service
//! leaves `^L` as it was. Reducer tests and snapshots.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::proto::Secret;
use crate::tui::fixtures::{local_app, render};
use crate::tui::form::check::check;
use crate::tui::msg::{ConnectionState, Msg, Outcome, Reply};
use crate::tui::update::update;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| update(app, key(KeyCode::Char(c))))
        .collect()
}

fn secrets(names: &[&str]) -> Vec<Secret> {
    names
        .iter()
        .map(|name| Secret {
            name: name.to_string(),
            ..Default::default()
        })
        .collect()
}

fn form(app: &App) -> &Form {
    app.form().expect("a form")
}

/// `n`, PostgreSQL; returns the ListSecrets request's id.
fn new_postgres_form(app: &mut App) -> RequestId {
    update(app, key(KeyCode::Char('n')));
    type_text(app, "postgres");
    let commands = update(app, key(KeyCode::Enter));
    match commands.as_slice() {
        [
            Command::Send {
                id,
                request: Request::SecretNames,
            },
        ] => *id,
        other => panic!("expected ListSecrets when the form opens, got {other:?}"),
    }
}

fn answer(app: &mut App, id: RequestId, result: Result<Vec<Secret>, TeamError>) {
    update(
        app,
        Msg::Reply(Reply {
            id,
            outcome: Outcome::SecretNames(result),
        }),
    );
}

/// Moves the cursor onto `key_name`.
fn focus(app: &mut App, key_name: &str) {
    let index = form(app).field_index(key_name).expect("a key of the form");
    for _ in 0..40 {
        if form(app).current() == super::super::Slot::Field(index) {
            return;
        }
        update(app, key(KeyCode::Down));
    }
    panic!("could not reach {key_name}");
}

fn connected() -> App {
    let mut app = local_app("default", false);
    app.connection = ConnectionState::Connected {
        environment: "default".into(),
        environment_id: "env-1".into(),
    };
    app.loaded = true;
    app
}

/// A PostgreSQL form knowing three secret names, the cursor on PGUSER.
fn form_with_names() -> App {
    let mut app = connected();
    let id = new_postgres_form(&mut app);
    answer(
        &mut app,
        id,
        Ok(secrets(&["prod_pg_user", "pg_password", "kafka_key"])),
    );
    assert_eq!(
        form(&app).secret_names,
        SecretNames::Known(vec![
            "kafka_key".into(),
            "pg_password".into(),
            "prod_pg_user".into()
        ])
    );
    focus(&mut app, "PGUSER");
    app
}

fn user_field(app: &App) -> &crate::tui::form::Field {
    let index = form(app).field_index("PGUSER").expect("PGUSER");
    &form(app).fields[index]
}

#[test]
fn ctrl_l_offers_the_names_filtered_as_typed_and_links_the_one_chosen() {
    let mut app = form_with_names();
    update(&mut app, ctrl('l'));
    assert!(user_field(&app).linked);
    assert!(matches!(
        app.top(),
        Some(Layer::Prompt(Prompt::LinkSecret { .. }))
    ));
    type_text(&mut app, "PG");
    let Some(Layer::Prompt(Prompt::LinkSecret { text, .. })) = app.top() else {
        panic!("the prompt")
    };
    let names = match &form(&app).secret_names {
        SecretNames::Known(names) => names.clone(),
        _ => Vec::new(),
    };
    assert_eq!(
        matches(&names, text),
        ["pg_password", "prod_pg_user"],
        "prefix first"
    );
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::Enter));
    assert!(matches!(app.top(), Some(Layer::Form(_))));
    assert_eq!(user_field(&app).reference, "prod_pg_user");
    let index = form(&app).field_index("PGUSER").expect("PGUSER");
    assert_eq!(check(form(&app)).warnings.get(&index), None);
}

#[test]
fn a_name_that_matches_none_is_linked_as_typed_with_a_warning() {
    let mut app = form_with_names();
    update(&mut app, ctrl('l'));
    type_text(&mut app, "nosuch");
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(user_field(&app).reference, "nosuch");
    let index = form(&app).field_index("PGUSER").expect("PGUSER");
    let warning = check(form(&app)).warnings.get(&index).cloned();
    assert_eq!(
        warning.as_deref(),
        Some("no secret named nosuch in this environment (3 known)")
    );
    // Typing in the form after Esc is checked the same way.
    update(&mut app, ctrl('l'));
    update(&mut app, ctrl('l'));
    update(&mut app, key(KeyCode::Esc));
    assert!(user_field(&app).linked);
    update(&mut app, ctrl('u'));
    type_text(&mut app, "kafka_key");
    assert_eq!(user_field(&app).reference, "kafka_key");
    assert_eq!(check(form(&app)).warnings.get(&index), None);
}

#[test]
fn without_the_service_ctrl_l_toggles_as_before() {
    let mut app = connected();
    let id = new_postgres_form(&mut app);
    answer(
        &mut app,
        id,
        Err(TeamError::Unsupported {
            service: "EnvironmentSecretsService",
        }),
    );
    assert_eq!(form(&app).secret_names, SecretNames::Unknown);
    focus(&mut app, "PGUSER");
    update(&mut app, ctrl('l'));
    assert!(user_field(&app).linked);
    assert!(matches!(app.top(), Some(Layer::Form(_))), "no prompt");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("type its name"))
    );
    type_text(&mut app, "anything");
    let index = form(&app).field_index("PGUSER").expect("PGUSER");
    assert_eq!(
        check(form(&app)).warnings.get(&index),
        None,
        "no names: no warning"
    );
}

#[test]
fn an_answer_for_a_form_no_longer_open_is_dropped() {
    let mut app = connected();
    let first = new_postgres_form(&mut app);
    update(&mut app, key(KeyCode::Esc));
    assert!(app.form().is_none());
    let second = new_postgres_form(&mut app);
    answer(&mut app, first, Ok(secrets(&["stale"])));
    assert_eq!(form(&app).secret_names, SecretNames::Loading(second));
    answer(&mut app, second, Ok(secrets(&[])));
    assert_eq!(form(&app).secret_names, SecretNames::Known(Vec::new()));
    focus(&mut app, "PGUSER");
    update(&mut app, ctrl('l'));
    assert!(
        matches!(app.top(), Some(Layer::Form(_))),
        "no names to offer"
    );
}

#[test]
fn snapshots_of_the_prompt_and_the_warning() {
    let mut app = form_with_names();
    update(&mut app, ctrl('l'));
    type_text(&mut app, "pg");
    insta::assert_snapshot!("link_prompt_100x30", render(&app, 100, 30));
    update(&mut app, key(KeyCode::Esc));
    type_text(&mut app, "nosuch");
    let screen = render(&app, 100, 30);
    assert!(screen.contains("no secret named nosuch"), "{screen}");
    insta::assert_snapshot!("link_unknown_name_100x30", screen);
}
