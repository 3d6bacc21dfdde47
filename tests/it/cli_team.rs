//! `sourcedeck audit` and `sourcedeck secrets` over the wire against real servers: the trail
//! newest first with key names and never values, secrets set from stdin or @FILE and revealed
//! only with SECRETS_DECRYPT, clear failures naming the missing permission or service. Every
//! secret is random and asserted absent from every output that must not show it.

use std::net::SocketAddr;

use crate::common::{CLIENT_ID, Cli, Run, TestServer};
use sourcedeck::domain::Secret;
use sourcedeck::proto::auth_service_server::{AuthService, AuthServiceServer};
use sourcedeck::proto::{GetTokenRequest, GetTokenResponse};
use sourcedeck::server::clients::hash_secret;
use tonic::{Request, Response, Status};

const TEAM_SECRET: &str = "team-member-secret-9d8e7f";

fn random_secret() -> String {
    format!("s3cr3t-{:032x}", rand::random::<u128>())
}

/// A server whose clients file holds one client per role, each in every environment.
async fn team_server() -> TestServer {
    let hash = hash_secret(&Secret::new(TEAM_SECRET)).unwrap();
    let clients: String = ["viewer", "reader", "editor", "admin"]
        .iter()
        .map(|role| {
            format!(
                "[[client]]\nid = \"{role}\"\nsecret_hash = \"{hash}\"\nenvironments = [\"*\"]\nrole = \"{role}\"\n\n"
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    std::fs::write(&file, clients).unwrap();
    let server = TestServer::start_with(move |options| {
        options.team.more_environments = vec!["staging".into()];
        options.team.clients_file = Some(file);
    })
    .await;
    drop(dir);
    server
}

/// A CLI pointed at `server` as the file client `role`.
fn cli_as(server: &TestServer, role: &str) -> Cli {
    let mut cli = Cli::against(server);
    cli.env = vec![
        ("CHALK_CLIENT_ID".into(), role.into()),
        ("CHALK_CLIENT_SECRET".into(), TEAM_SECRET.into()),
        ("CHALK_API_SERVER".into(), server.url()),
    ];
    cli
}

fn assert_one_line_failure(run: &Run) {
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
}

fn json(run: &Run) -> serde_json::Value {
    run.assert_ok();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[tokio::test]
async fn audit_prints_the_trail_newest_first_with_key_names_never_values() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let (first, second) = (random_secret(), random_secret());
    let mut outputs = Vec::new();
    let create = [
        "create",
        "--kind",
        "postgresql",
        "--name",
        "orders",
        "--set",
        "PGHOST=db",
        "--secret",
        "PGPASSWORD",
    ];
    let created = cli.run_async(&create, Some(&first)).await;
    created.assert_ok();
    let update = ["update", "orders", "--secret", "PGPASSWORD"];
    cli.run_async(&update, Some(&second)).await.assert_ok();
    let other = [
        "create",
        "--kind",
        "postgresql",
        "--name",
        "other",
        "--set",
        "PGHOST=h",
    ];
    cli.run_async(&other, None).await.assert_ok();
    let set = cli
        .run_async(&["secrets", "set", "orders-db-password"], Some(&first))
        .await;
    set.assert_ok();
    outputs.extend([created, set]);

    let table = cli.run_async(&["audit"], None).await;
    table.assert_ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].contains("WHEN") && lines[0].contains("KEYS"),
        "{}",
        table.stdout
    );
    assert_eq!(lines.len(), 5, "{}", table.stdout);
    assert!(lines[1].contains("UpsertSecret") && lines[1].contains("orders-db-password"));
    assert!(lines[2].contains("Created an external integration other"));
    assert!(lines[3].contains("Updated an external integration orders"));
    assert!(lines[3].contains("PGPASSWORD") && !lines[3].contains("PGHOST"));
    assert!(lines[4].contains("PGHOST, PGPASSWORD") && lines[4].contains(CLIENT_ID));
    assert!(
        lines[1..]
            .iter()
            .all(|line| line.trim_end().ends_with("ok"))
    );

    let about = json(&cli.run_async(&["audit", "orders", "--json"], None).await);
    let rows = about.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{about}");
    assert_eq!(rows[0]["keys"], serde_json::json!(["PGPASSWORD"]));
    assert_eq!(rows[1]["description"], "Created an external integration");
    assert_eq!(rows[1]["agent"], CLIENT_ID);
    assert_eq!(rows[1]["outcome"], "ok");
    let secret_rows = json(
        &cli.run_async(&["audit", "orders-db-password", "--json"], None)
            .await,
    );
    assert_eq!(secret_rows.as_array().unwrap().len(), 1, "{secret_rows}");
    let limited = json(
        &cli.run_async(&["audit", "--limit", "1", "--json"], None)
            .await,
    );
    assert_eq!(limited.as_array().unwrap().len(), 1);

    // Age the two oldest records by two days: `--since 1d` leaves them out.
    let db = rusqlite::Connection::open(server.data_dir().join("sourcedeck.db")).unwrap();
    let aged = db
        .execute(
            "UPDATE audit_log SET at_ns = at_ns - 172800000000000 WHERE source_name = 'orders'",
            [],
        )
        .unwrap();
    assert_eq!(aged, 2);
    drop(db);
    let recent = json(
        &cli.run_async(&["audit", "--since", "1d", "--json"], None)
            .await,
    );
    assert_eq!(recent.as_array().unwrap().len(), 2, "{recent}");
    let bad = cli.run_async(&["audit", "--since", "soon"], None).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);

    outputs.extend([table, bad]);
    for run in &outputs {
        run.assert_never_shows(&first);
        run.assert_never_shows(&second);
    }
    for value in [&about, &secret_rows, &recent] {
        let text = value.to_string();
        assert!(!text.contains(&first) && !text.contains(&second), "{text}");
    }
}

#[tokio::test]
async fn secrets_over_the_wire_set_list_get_and_delete_per_environment() {
    let server = team_server().await;
    let editor = cli_as(&server, "editor");
    let (piped, filed) = (random_secret(), random_secret());
    let file = editor.home_dir().join("value.txt");
    std::fs::write(&file, format!("{filed}\n")).unwrap();
    let at_file = format!("@{}", file.display());
    let mut outputs = vec![
        editor
            .run_async(&["secrets", "set", "api-token"], Some(&piped))
            .await,
        editor
            .run_async(
                &["secrets", "set", "db-password", &at_file, "-e", "staging"],
                None,
            )
            .await,
    ];
    for run in &outputs {
        run.assert_ok();
    }
    let listed = editor.run_async(&["secrets", "list"], None).await;
    listed.assert_ok();
    assert!(listed.stdout.contains("api-token"), "{}", listed.stdout);
    assert!(
        !listed.stdout.contains("db-password"),
        "staging's secret stays in staging"
    );
    let staging = json(
        &editor
            .run_async(&["secrets", "list", "-e", "staging", "--json"], None)
            .await,
    );
    let names: Vec<&str> = staging
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db-password"]);

    let got = editor
        .run_async(&["secrets", "get", "api-token"], None)
        .await;
    got.assert_ok();
    assert_eq!(got.stdout, format!("{piped}\n"));
    let got = json(
        &editor
            .run_async(
                &["secrets", "get", "db-password", "-e", "staging", "--json"],
                None,
            )
            .await,
    );
    assert_eq!(
        got["value"],
        filed.as_str(),
        "the file's trailing newline dropped"
    );

    // A value given as an argument is refused without being echoed.
    let argv = editor
        .run_async(
            &["secrets", "set", "api-token", "not-a-file-value-Qq12"],
            None,
        )
        .await;
    assert_eq!(argv.code, 2, "{}", argv.stderr);
    argv.assert_never_shows("not-a-file-value-Qq12");

    let deleted = editor
        .run_async(&["secrets", "delete", "api-token"], None)
        .await;
    deleted.assert_ok();
    let missing = editor
        .run_async(&["secrets", "get", "api-token"], None)
        .await;
    assert_one_line_failure(&missing);
    assert!(missing.stderr.contains("no secret"), "{}", missing.stderr);

    // The admin reads who did it: names only.
    let admin = cli_as(&server, "admin");
    let trail = admin.run_async(&["audit"], None).await;
    trail.assert_ok();
    for name in [
        "DeleteSecret",
        "GetSecretValue",
        "UpsertSecret",
        "api-token",
        "editor",
    ] {
        assert!(trail.stdout.contains(name), "{name}: {}", trail.stdout);
    }
    outputs.extend([listed, deleted, missing, trail]);
    for run in &outputs {
        run.assert_never_shows(&piped);
        run.assert_never_shows(&filed);
    }
}

#[tokio::test]
async fn each_command_names_the_permission_its_credential_lacks() {
    let server = team_server().await;
    let value = random_secret();
    cli_as(&server, "editor")
        .run_async(&["secrets", "set", "api-token"], Some(&value))
        .await
        .assert_ok();
    let viewer = cli_as(&server, "viewer");
    let listed = viewer.run_async(&["secrets", "list"], None).await;
    listed.assert_ok();
    assert!(listed.stdout.contains("api-token"));
    let mut refused = Vec::new();
    for (args, permission) in [
        (&["secrets", "get", "api-token"][..], "SECRETS_DECRYPT"),
        (&["secrets", "delete", "api-token"], "SECRETS_WRITE"),
        (&["audit"], "MONITORING_READ"),
    ] {
        let run = viewer.run_async(args, None).await;
        assert_one_line_failure(&run);
        assert!(run.stderr.contains(permission), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.to_lowercase().contains("permission"),
            "{}",
            run.stderr
        );
        refused.push(run);
    }
    let set = viewer
        .run_async(&["secrets", "set", "other"], Some(&random_secret()))
        .await;
    assert_one_line_failure(&set);
    assert!(set.stderr.contains("SECRETS_WRITE"), "{}", set.stderr);
    let reader = cli_as(&server, "reader");
    let revealed = reader
        .run_async(&["secrets", "get", "api-token"], None)
        .await;
    revealed.assert_ok();
    assert_eq!(revealed.stdout.trim_end(), value);
    for run in refused.iter().chain([&listed, &set]) {
        run.assert_never_shows(&value);
    }
}

/// A Chalk-like server that answers GetToken and nothing else (every other service is
/// UNIMPLEMENTED).
struct TokenOnly;

#[tonic::async_trait]
impl AuthService for TokenOnly {
    async fn get_token(
        &self,
        _: Request<GetTokenRequest>,
    ) -> Result<Response<GetTokenResponse>, Status> {
        Ok(Response::new(GetTokenResponse {
            access_token: "token-only-access".into(),
            token_type: "Bearer".into(),
            expires_in: 3600,
            primary_environment: Some("env-1".into()),
            ..Default::default()
        }))
    }
}

async fn token_only_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(AuthServiceServer::new(TokenOnly))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    address
}

#[tokio::test]
async fn a_server_without_the_services_is_named_and_the_command_fails() {
    let address = token_only_server().await;
    let mut cli = Cli::isolated();
    cli.env = vec![
        ("CHALK_CLIENT_ID".into(), "someone".into()),
        (
            "CHALK_CLIENT_SECRET".into(),
            "some-client-secret-value".into(),
        ),
        ("CHALK_API_SERVER".into(), format!("http://{address}")),
    ];
    let audit = cli.run_async(&["audit"], None).await;
    assert_one_line_failure(&audit);
    assert!(
        audit.stderr.contains("does not offer an audit log"),
        "{}",
        audit.stderr
    );
    let value = random_secret();
    for (args, stdin) in [
        (&["secrets", "list"][..], None),
        (&["secrets", "get", "x"], None),
        (&["secrets", "set", "x"], Some(value.as_str())),
    ] {
        let run = cli.run_async(args, stdin).await;
        assert_one_line_failure(&run);
        assert!(
            run.stderr.contains("does not offer secrets"),
            "{args:?}: {}",
            run.stderr
        );
        run.assert_never_shows(&value);
    }
}
