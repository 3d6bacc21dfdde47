//! Reducer tests of the credential's permissions: GetAgent asked once after connecting, the
//! console read-only without SECRETS_WRITE (badge reason, keys, hints, help), no config opened and
//! no reveal without SECRETS_DECRYPT, and a server without TeamService changing nothing.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tonic::Code;

use super::*;
use crate::client::ClientError;
use crate::proto::chalk::auth::v1::Permission::{self, SecretsDecrypt, SecretsList, SecretsWrite};
use crate::tui::actions::{ACTIONS, Screen, main_hints};
use crate::tui::app::Focus;
use crate::tui::fixtures::{agent_with, app_granted, local_app, saved_postgres};
use crate::tui::keys::help_in;
use crate::tui::msg::{ConnectionState, Msg, Outcome, Reply, RequestId};
use crate::tui::update::update;

fn connected(app: &mut App, environment_id: &str) -> Vec<Command> {
    update(
        app,
        Msg::Connection(ConnectionState::Connected {
            environment: format!("name-of-{environment_id}"),
            environment_id: environment_id.into(),
        }),
    )
}

fn sent(commands: &[Command], is: impl Fn(&Request) -> bool) -> Vec<RequestId> {
    commands
        .iter()
        .filter_map(|command| match command {
            Command::Send { id, request } if is(request) => Some(*id),
            _ => None,
        })
        .collect()
}

fn reply(app: &mut App, id: RequestId, outcome: Outcome) -> Vec<Command> {
    update(app, Msg::Reply(Reply { id, outcome }))
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn listed_one() -> Outcome {
    let orders = saved_postgres("01JORDERS");
    Outcome::Listed(Ok(vec![orders.integration.unwrap_or_default()]))
}

/// An app connected to `env-1` that listed one source while GetAgent was still on its way;
/// returns the agent request's id.
fn connected_and_listed() -> (App, RequestId) {
    let mut app = local_app("default", false);
    let first = crate::tui::update::init(&mut app);
    let list = sent(&first, |r| *r == Request::List)[0];
    let commands = connected(&mut app, "env-1");
    let agent = sent(&commands, |r| *r == Request::Agent);
    assert_eq!(agent.len(), 1, "{commands:?}");
    assert_eq!(app.access, Access::Asking);
    let commands = reply(&mut app, list, listed_one());
    assert!(
        sent(&commands, |r| matches!(r, Request::Get { .. })).is_empty(),
        "no detail before GetAgent answers: {commands:?}"
    );
    (app, agent[0])
}

#[test]
fn get_agent_is_asked_once_after_connecting_and_not_again_on_a_reconnect() {
    let (mut app, agent) = connected_and_listed();
    reply(
        &mut app,
        agent,
        Outcome::Agent(Ok(agent_with(&[SecretsList]))),
    );
    update(
        &mut app,
        Msg::Connection(ConnectionState::Disconnected {
            reason: "gone".into(),
            retry_at: Instant::now(),
        }),
    );
    let commands = connected(&mut app, "env-1");
    assert!(sent(&commands, |r| *r == Request::Agent).is_empty());
    assert_eq!(sent(&commands, |r| *r == Request::List).len(), 1);
}

#[test]
fn a_viewer_is_read_only_saying_why_and_opens_no_config() {
    let (mut app, agent) = connected_and_listed();
    let commands = reply(
        &mut app,
        agent,
        Outcome::Agent(Ok(agent_with(&[SecretsList]))),
    );
    assert!(app.readonly);
    assert_eq!(app.readonly_reason(), Some("no SECRETS_WRITE"));
    assert!(!app.may_open_configs());
    assert!(
        commands.is_empty(),
        "no GetIntegration for a viewer: {commands:?}"
    );
    for c in ['n', 'e', 'd', 'x'] {
        let commands = update(&mut app, key(c));
        assert!(commands.is_empty(), "{c}: {commands:?}");
        assert!(app.layers.is_empty(), "{c} opened {:?}", app.top());
    }
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    assert_eq!(app.focus, Focus::Detail);
    assert!(update(&mut app, key('x')).is_empty(), "x is inert");
    assert!(app.flash.is_none(), "and says nothing: the key is gone");
    // Testing needs only SECRETS_LIST: still offered.
    assert_eq!(
        sent(&update(&mut app, key('t')), |r| matches!(
            r,
            Request::Test { .. }
        ))
        .len(),
        1
    );
    let screen = Screen::of(&app);
    let labels: Vec<&str> = main_hints(screen, app.readonly)
        .into_iter()
        .map(|(_, label)| label)
        .collect();
    assert!(labels.contains(&"test"), "{labels:?}");
    for gone in ["reveal", "edit", "new", "delete"] {
        assert!(!labels.contains(&gone), "{gone} hinted: {labels:?}");
    }
    assert!(
        help_in(ACTIONS, &screen, app.readonly)
            .all(|info| info.action != crate::tui::actions::Action::Reveal),
        "reveal is not in the help"
    );
}

#[test]
fn a_reader_may_open_configs_and_reveal_but_not_write() {
    let (mut app, agent) = connected_and_listed();
    let commands = reply(
        &mut app,
        agent,
        Outcome::Agent(Ok(agent_with(&[SecretsList, SecretsDecrypt]))),
    );
    assert!(app.readonly);
    assert!(app.may_open_configs());
    let get = sent(&commands, |r| matches!(r, Request::Get { .. }));
    assert_eq!(get.len(), 1, "the detail that waited is fetched now");
    reply(
        &mut app,
        get[0],
        Outcome::Detail(Ok(saved_postgres("01JORDERS"))),
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    app.detail_cursor = 2; // PGPASSWORD, sorted by name
    let commands = update(&mut app, key('x'));
    assert_eq!(
        sent(&commands, |r| matches!(r, Request::Reveal { .. })).len(),
        1
    );
}

#[test]
fn a_server_without_team_service_leaves_the_console_as_it_was() {
    let (mut app, agent) = connected_and_listed();
    let commands = reply(
        &mut app,
        agent,
        Outcome::Agent(Err(TeamError::Unsupported {
            service: "TeamService",
        })),
    );
    assert_eq!(app.access, Access::Unknown);
    assert!(!app.readonly);
    assert_eq!(app.readonly_reason(), None);
    assert!(app.flash.is_none());
    assert_eq!(
        sent(&commands, |r| matches!(r, Request::Get { .. })).len(),
        1
    );
    assert_eq!(
        main_hints(Screen::of(&app), false),
        main_hints(Screen::full(Focus::List), false)
    );
}

#[test]
fn a_failed_get_agent_says_so_and_offers_everything_as_before() {
    let (mut app, agent) = connected_and_listed();
    let commands = reply(
        &mut app,
        agent,
        Outcome::Agent(Err(TeamError::Failed(ClientError::new(
            Code::Internal,
            "boom",
        )))),
    );
    assert_eq!(app.access, Access::Unknown);
    assert!(!app.readonly);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("boom"))
    );
    assert_eq!(
        sent(&commands, |r| matches!(r, Request::Get { .. })).len(),
        1
    );
}

#[test]
fn readonly_asked_for_stays_without_a_permission_reason() {
    let mut app = local_app("default", true);
    app.environment_id = "env-1".into();
    connected(&mut app, "env-1");
    let agent = *app.pending.keys().next().expect("GetAgent sent");
    reply(
        &mut app,
        agent,
        Outcome::Agent(Ok(agent_with(&[SecretsList, SecretsDecrypt, SecretsWrite]))),
    );
    assert!(app.readonly);
    assert_eq!(app.readonly_reason(), None);
}

#[test]
fn permissions_follow_the_environment_switched_to() {
    let mut app = app_granted("default", &[SecretsList, SecretsDecrypt, SecretsWrite]);
    assert!(!app.readonly);
    app.access = Access::Granted(Grants {
        client_id: "deployer".into(),
        by_environment: [
            (
                "env-1".to_string(),
                vec![SecretsList as i32, SecretsWrite as i32],
            ),
            ("env-2".to_string(), vec![SecretsList as i32]),
        ]
        .into(),
    });
    connected(&mut app, "env-2");
    assert!(app.readonly);
    assert_eq!(app.readonly_reason(), Some("no SECRETS_WRITE"));
    connected(&mut app, "env-1");
    assert!(!app.readonly);
    connected(&mut app, "env-3");
    assert!(
        app.readonly,
        "no entry for an environment: no permission there"
    );
    assert!(!app.may_open_configs());
}

#[test]
fn a_service_token_holds_its_permissions_in_its_one_environment() {
    use crate::proto::chalk::auth::v1::{Agent, ServiceTokenAgent, agent};
    let token = Agent {
        agent: Some(agent::Agent::ServiceTokenAgent(ServiceTokenAgent {
            client_id: "ci".into(),
            environment: "env-1".into(),
            permissions: vec![Permission::SecretsList as i32, SecretsWrite as i32],
            ..Default::default()
        })),
        sandbox_id: String::new(),
    };
    let grants = Grants::of(&token).expect("grants");
    assert!(grants.allows("env-1", SecretsWrite));
    assert!(!grants.allows("env-1", SecretsDecrypt));
    assert!(!grants.allows("env-2", SecretsList));
    assert_eq!(Grants::of(&Agent::default()), None);
}
