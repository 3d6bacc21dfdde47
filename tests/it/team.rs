//! A team server: several environments kept apart, a clients file whose roles allow exactly
//! Chalk's permission per method, TeamService answers, SIGHUP reload of the clients file, and
//! GetToken floods that are throttled with a bounded log (real `serve` processes for the last two).

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{CLIENT_ID, CLIENT_SECRET, Headers, TestServer, get_token, wait_until};
use sourcedeck::domain::Secret;
use sourcedeck::proto::chalk::auth::v1::{Permission, agent};
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::team_service_client::TeamServiceClient;
use sourcedeck::proto::*;
use sourcedeck::server::clients::hash_secret;
use tonic::transport::{Channel, Endpoint, Uri};

const TEAM_SECRET: &str = "team-member-secret-5a6b7c";

fn clients_toml(entries: &[(&str, &str, &str)]) -> String {
    let hash = hash_secret(&Secret::new(TEAM_SECRET)).unwrap();
    entries
        .iter()
        .map(|(id, environments, role)| {
            format!(
                "[[client]]\nid = \"{id}\"\nsecret_hash = \"{hash}\"\nenvironments = {environments}\nrole = \"{role}\"\n\n"
            )
        })
        .collect()
}

async fn team_server(more: &[&str], clients: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    std::fs::write(&file, clients).unwrap();
    let more: Vec<String> = more.iter().map(|s| s.to_string()).collect();
    let server = TestServer::start_with(move |options| {
        options.team.more_environments = more;
        options.team.clients_file = Some(file);
    })
    .await;
    // The clients file only has to live until start-up.
    drop(dir);
    server
}

fn headers(token: &str, environment: &str) -> Headers {
    Headers {
        token: Some(token.to_string()),
        environment: Some(environment.to_string()),
    }
}

fn postgres_config() -> std::collections::HashMap<String, IntegrationConfigValue> {
    common::literals(&[
        ("PGHOST", "127.0.0.1"),
        ("PGUSER", "u"),
        ("PGDATABASE", "d"),
    ])
}

#[tokio::test]
async fn environments_are_isolated_and_named_by_id_or_name() {
    let server = team_server(&["prod"], "").await;
    let channel = server.channel().await;
    let mut auth = sourcedeck::proto::auth_service_client::AuthServiceClient::new(channel.clone());
    let token = auth
        .get_token(GetTokenRequest {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            grant_type: "client_credentials".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&String> = token.environment_id_to_name.values().collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let prod_id = token
        .environment_id_to_name
        .iter()
        .find(|(_, name)| *name == "prod")
        .map(|(id, _)| id.clone())
        .unwrap();
    assert_eq!(token.primary_environment, Some(server.environment_id()));
    let mut client = IntegrationsServiceClient::new(channel.clone());
    let created = client
        .insert_integration(headers(&token.access_token, "default").request(
            InsertIntegrationRequest {
                name: "orders".into(),
                integration_kind: IntegrationKind::Postgresql as i32,
                config: postgres_config(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .integration
        .unwrap();
    for prod in [prod_id.as_str(), "PROD"] {
        let status = client
            .get_integration(
                headers(&token.access_token, prod).request(GetIntegrationRequest {
                    integration_id: created.id.clone(),
                }),
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
        let listed = client
            .list_integrations(
                headers(&token.access_token, prod).request(ListIntegrationsRequest::default()),
            )
            .await
            .unwrap()
            .into_inner();
        assert!(listed.integrations.is_empty());
    }
    let mut team = TeamServiceClient::new(channel);
    let environments = team
        .get_environments(
            headers(&token.access_token, "default").request(GetEnvironmentsRequest::default()),
        )
        .await
        .unwrap()
        .into_inner()
        .environments;
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["default", "prod"]);
}

/// Calls one method as `token` in `environment` and answers its status code (Ok when it succeeded).
async fn call(channel: &Channel, token: &str, environment: &str, method: &str) -> tonic::Status {
    let h = headers(token, environment);
    let mut client = IntegrationsServiceClient::new(channel.clone());
    let mut team = TeamServiceClient::new(channel.clone());
    let result: Result<(), tonic::Status> = match method {
        "ListIntegrations" => client
            .list_integrations(h.request(ListIntegrationsRequest::default()))
            .await
            .map(drop),
        "GetIntegration" => client
            .get_integration(h.request(GetIntegrationRequest {
                integration_id: "nope".into(),
            }))
            .await
            .map(drop),
        "GetIntegrationByName" => client
            .get_integration_by_name(h.request(GetIntegrationByNameRequest {
                integration_name: "nope".into(),
            }))
            .await
            .map(drop),
        "GetIntegrationValue" => client
            .get_integration_value(h.request(GetIntegrationValueRequest {
                integration_id: "nope".into(),
                secret_name: "PGHOST".into(),
            }))
            .await
            .map(drop),
        "InsertIntegration" => client
            .insert_integration(h.request(InsertIntegrationRequest {
                name: format!("n{}", rand_suffix()),
                integration_kind: IntegrationKind::Postgresql as i32,
                config: postgres_config(),
                ..Default::default()
            }))
            .await
            .map(drop),
        "UpdateIntegration" => client
            .update_integration(h.request(UpdateIntegrationRequest {
                integration_id: "nope".into(),
                ..Default::default()
            }))
            .await
            .map(drop),
        "DeleteIntegration" => client
            .delete_integration(h.request(DeleteIntegrationRequest { id: "nope".into() }))
            .await
            .map(drop),
        "TestIntegration" => client
            .test_integration(h.request(TestIntegrationRequest {
                integration_id: Some("nope".into()),
                ..Default::default()
            }))
            .await
            .map(drop),
        "GetEnvironments" => team
            .get_environments(h.request(GetEnvironmentsRequest::default()))
            .await
            .map(drop),
        "GetAgent" => team
            .get_agent(h.request(GetAgentRequest::default()))
            .await
            .map(drop),
        other => panic!("no such method {other}"),
    };
    result.err().unwrap_or_else(|| tonic::Status::ok(""))
}

fn rand_suffix() -> u32 {
    rand::random::<u32>()
}

const METHODS: [(&str, Permission); 10] = [
    ("ListIntegrations", Permission::SecretsList),
    ("GetIntegrationByName", Permission::SecretsList),
    ("TestIntegration", Permission::SecretsList),
    ("GetIntegration", Permission::SecretsDecrypt),
    ("GetIntegrationValue", Permission::SecretsDecrypt),
    ("InsertIntegration", Permission::SecretsWrite),
    ("UpdateIntegration", Permission::SecretsWrite),
    ("DeleteIntegration", Permission::SecretsWrite),
    ("GetEnvironments", Permission::Authenticated),
    ("GetAgent", Permission::Authenticated),
];

#[tokio::test]
async fn each_role_is_allowed_exactly_its_methods() {
    let roles = [
        ("viewer", vec![Permission::SecretsList]),
        (
            "reader",
            vec![Permission::SecretsList, Permission::SecretsDecrypt],
        ),
        (
            "editor",
            vec![
                Permission::SecretsList,
                Permission::SecretsDecrypt,
                Permission::SecretsWrite,
            ],
        ),
        (
            "admin",
            vec![
                Permission::SecretsList,
                Permission::SecretsDecrypt,
                Permission::SecretsWrite,
                Permission::MonitoringRead,
            ],
        ),
    ];
    let entries: Vec<(&str, &str, &str)> = roles
        .iter()
        .map(|(role, _)| (*role, "[\"default\"]", *role))
        .collect();
    let server = team_server(&["prod"], &clients_toml(&entries)).await;
    let channel = server.channel().await;
    for (role, granted) in &roles {
        let token = get_token(&channel, role, TEAM_SECRET).await.unwrap();
        for (method, needed) in METHODS {
            let status = call(&channel, &token, "default", method).await;
            let allowed = needed == Permission::Authenticated || granted.contains(&needed);
            if allowed {
                assert_ne!(
                    status.code(),
                    tonic::Code::PermissionDenied,
                    "{role} {method}: {status:?}"
                );
            } else {
                assert_eq!(
                    status.code(),
                    tonic::Code::PermissionDenied,
                    "{role} {method}"
                );
                assert!(
                    status.message().contains(needed.as_str_name()),
                    "{role} {method}: {}",
                    status.message()
                );
            }
            // Not one of them may name an environment outside its scope, GetAgent and
            // GetEnvironments included.
            let status = call(&channel, &token, "prod", method).await;
            assert_eq!(
                status.code(),
                tonic::Code::PermissionDenied,
                "{role} {method} in prod"
            );
        }
        // GetToken and GetEnvironments answer only the environments in scope.
        let mut team = TeamServiceClient::new(channel.clone());
        let environments = team
            .get_environments(headers(&token, "default").request(GetEnvironmentsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .environments;
        assert_eq!(environments.len(), 1, "{role}");
        let agent = team
            .get_agent(headers(&token, "default").request(GetAgentRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .agent
            .unwrap();
        let Some(agent::Agent::UserAgent(user)) = agent.agent else {
            panic!("{role}: a user agent")
        };
        assert_eq!(user.client_id, *role);
        let permissions = &user.permissions_by_environment[&server.environment_id()].permissions;
        for permission in granted {
            assert!(permissions.contains(&(*permission as i32)), "{role}");
        }
        assert_eq!(
            permissions.len(),
            granted.len() + 1,
            "{role}: {permissions:?}"
        );
    }
    let wrong = get_token(&channel, "viewer", "team-member-secret-wrong").await;
    assert_eq!(wrong.unwrap_err().code(), tonic::Code::Unauthenticated);
}

#[tokio::test]
async fn team_answers_span_environments_and_refuse_an_unknown_one() {
    let entries = [("anywhere", "[\"*\"]", "viewer")];
    let server = team_server(&["prod"], &clients_toml(&entries)).await;
    let channel = server.channel().await;
    let mut team = TeamServiceClient::new(channel.clone());
    for client in [CLIENT_ID, "anywhere"] {
        let secret = if client == CLIENT_ID {
            CLIENT_SECRET
        } else {
            TEAM_SECRET
        };
        let token = get_token(&channel, client, secret).await.unwrap();
        let mut answers = Vec::new();
        for named in [Some("default"), Some("PROD"), None] {
            let h = Headers {
                token: Some(token.clone()),
                environment: named.map(str::to_string),
            };
            let environments = team
                .get_environments(h.request(GetEnvironmentsRequest::default()))
                .await
                .unwrap()
                .into_inner()
                .environments;
            let names: Vec<String> = environments.into_iter().map(|e| e.name).collect();
            assert_eq!(names, ["default", "prod"], "{client} in {named:?}");
            let agent = team
                .get_agent(h.request(GetAgentRequest::default()))
                .await
                .unwrap()
                .into_inner();
            let Some(agent::Agent::UserAgent(user)) = agent.agent.and_then(|a| a.agent) else {
                panic!("{client}: a user agent")
            };
            assert_eq!(user.permissions_by_environment.len(), 2, "{client}");
            answers.push(user.permissions_by_environment);
        }
        assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
        for unknown in ["staging", "env_that_is_not_served"] {
            for method in ["GetEnvironments", "GetAgent"] {
                let status = call(&channel, &token, unknown, method).await;
                assert_eq!(
                    status.code(),
                    tonic::Code::PermissionDenied,
                    "{client} {method} in {unknown}: {status:?}"
                );
                assert!(status.message().contains(unknown), "{}", status.message());
                assert!(!status.message().contains(TEAM_SECRET));
            }
        }
    }
}

// ---- real `serve` processes ----

struct ServerGuard(Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_binary(data_dir: &Path, log: &Path, extra: &[&str]) -> (ServerGuard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sourcedeck"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--client-id",
            CLIENT_ID,
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .env("SOURCEDECK_CLIENT_SECRET", CLIENT_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = ServerGuard(child);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver.recv_timeout(Duration::from_secs(30)).unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (guard, url)
}

#[tokio::test]
async fn sighup_reloads_the_clients_file_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let clients = dir.path().join("clients.toml");
    std::fs::write(&clients, clients_toml(&[("alice", "[\"*\"]", "viewer")])).unwrap();
    let (server, url) = serve_binary(
        &dir.path().join("data"),
        &dir.path().join("serve.log"),
        &["--clients", clients.to_str().unwrap()],
    );
    let channel = Channel::from_shared(url).unwrap().connect().await.unwrap();
    let alice = get_token(&channel, "alice", TEAM_SECRET).await.unwrap();
    assert!(get_token(&channel, "bob", TEAM_SECRET).await.is_err());
    std::fs::write(&clients, clients_toml(&[("bob", "[\"*\"]", "editor")])).unwrap();
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let reloaded = wait_until(Duration::from_secs(20), || {
        let channel = channel.clone();
        async move { get_token(&channel, "bob", TEAM_SECRET).await.is_ok() }
    })
    .await;
    assert!(reloaded, "bob was added by the reload");
    assert!(get_token(&channel, "alice", TEAM_SECRET).await.is_err());
    // Alice's token died with her entry; the same connection still serves the admin credential.
    let status = call(&channel, &alice, "default", "ListIntegrations").await;
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    let admin = get_token(&channel, CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let status = call(&channel, &admin, "default", "ListIntegrations").await;
    assert_eq!(status.code(), tonic::Code::Ok, "{status:?}");
}

/// A channel whose connections leave from `source` (another loopback address).
async fn channel_from(source: &'static str, server: SocketAddr) -> Channel {
    use std::pin::Pin;
    use tonic::codegen::{Context, Poll, Service};
    #[derive(Clone)]
    struct From(&'static str, SocketAddr);
    impl Service<Uri> for From {
        type Response = hyper_util::rt::TokioIo<tokio::net::TcpStream>;
        type Error = std::io::Error;
        type Future =
            Pin<Box<dyn std::future::Future<Output = std::io::Result<Self::Response>> + Send>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: Uri) -> Self::Future {
            let (source, server) = (self.0, self.1);
            Box::pin(async move {
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind(format!("{source}:0").parse().unwrap())?;
                Ok(hyper_util::rt::TokioIo::new(socket.connect(server).await?))
            })
        }
    }
    Endpoint::from_shared(format!("http://{server}"))
        .unwrap()
        .connect_with_connector(From(source, server))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_get_token_flood_is_throttled_with_a_bounded_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let (_server, url) = serve_binary(&dir.path().join("data"), &log, &[]);
    let address: SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let flooder = channel_from("127.0.0.1", address).await;
    let huge_id = "x".repeat(100_000);
    let mut codes = BTreeMap::<String, usize>::new();
    for _ in 0..300 {
        let status = get_token(&flooder, &huge_id, "wrong-secret-but-long")
            .await
            .unwrap_err();
        *codes.entry(format!("{:?}", status.code())).or_default() += 1;
        assert!(!status.message().contains(&huge_id[..100]));
    }
    assert_eq!(codes.get("Unauthenticated"), Some(&20), "{codes:?}");
    assert_eq!(codes.get("ResourceExhausted"), Some(&280), "{codes:?}");
    // The flooding address is refused even with the right secret; another address is not.
    let status = get_token(&flooder, CLIENT_ID, CLIENT_SECRET)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted);
    assert!(
        status.message().contains("retry in"),
        "{}",
        status.message()
    );
    let other = channel_from("127.0.0.2", address).await;
    get_token(&other, CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.len() < 4_000, "{} bytes of log", logged.len());
    assert_eq!(logged.matches("GetToken refused").count(), 1, "{logged}");
    assert!(!logged.contains(&"x".repeat(17)), "the id is truncated");
}

#[test]
fn serve_refuses_a_short_client_secret_and_hashes_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sourcedeck"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--client-id",
            "id",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("SOURCEDECK_CLIENT_SECRET", "x")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 16 bytes"), "{stderr}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sourcedeck"))
        .args(["serve", "hash-secret"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{TEAM_SECRET}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let hash = String::from_utf8(output.stdout).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(TEAM_SECRET));
    let clients = sourcedeck::server::clients::parse_clients(
        &format!(
            "[[client]]\nid = \"a\"\nsecret_hash = \"{}\"\nenvironments = [\"*\"]\nrole = \"viewer\"\n",
            hash.trim()
        ),
        &["default".to_string()],
    )
    .unwrap();
    assert!(clients[0].verify(TEAM_SECRET));
}
