//! The audit trail over a real in-process serve: every write and reveal is recorded with key
//! names and never values, refused attempts as errors with their code, no change is stored
//! without its record, and GetAuditLogs filters, pages and checks MONITORING_READ.

use crate::common;

use crate::common::{CLIENT_ID, Headers, TestServer, get_token};
use sourcedeck::domain::Secret;
use sourcedeck::proto::audit_service_client::AuditServiceClient;
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::*;
use sourcedeck::server::clients::hash_secret;
use tonic::transport::Channel;

const TEAM_SECRET: &str = "team-member-secret-5a6b7c";

fn random_secret() -> String {
    format!("s3cr3t-{:032x}", rand::random::<u128>())
}

async fn logs(
    server: &TestServer,
    headers: &Headers,
    request: GetAuditLogsRequest,
) -> Result<GetAuditLogsResponse, tonic::Status> {
    let mut audit = AuditServiceClient::new(server.channel().await);
    audit
        .get_audit_logs(headers.request(request))
        .await
        .map(|r| r.into_inner())
}

fn insert(name: &str, pairs: &[(&str, &str)]) -> InsertIntegrationRequest {
    InsertIntegrationRequest {
        name: name.into(),
        integration_kind: IntegrationKind::Postgresql as i32,
        config: common::literals(pairs),
        ..Default::default()
    }
}

fn keys_of(log: &AuditLog) -> Vec<String> {
    match log.request.get("keys").and_then(|v| v.kind.clone()) {
        Some(prost_types::value::Kind::ListValue(list)) => list
            .values
            .into_iter()
            .filter_map(|v| match v.kind {
                Some(prost_types::value::Kind::StringValue(s)) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

async fn populated() -> (
    TestServer,
    IntegrationsServiceClient<Channel>,
    Headers,
    String,
) {
    let server = TestServer::start().await;
    let (client, headers) = server.raw().await;
    (server, client, headers, random_secret())
}

#[tokio::test]
async fn writes_and_reveals_are_recorded_with_key_names_never_values() {
    let (server, mut client, headers, secret) = populated().await;
    let pairs = [("PGHOST", "127.0.0.1"), ("PGPASSWORD", secret.as_str())];
    let created = client
        .insert_integration(headers.request(insert("pg", &pairs)))
        .await
        .unwrap()
        .into_inner()
        .integration
        .unwrap();
    let second = random_secret();
    client
        .update_integration(headers.request(UpdateIntegrationRequest {
            integration_id: created.id.clone(),
            config: common::literals(&[("PGPASSWORD", second.as_str())]),
            ..Default::default()
        }))
        .await
        .unwrap();
    let revealed = client
        .get_integration_value(headers.request(GetIntegrationValueRequest {
            integration_id: created.id.clone(),
            secret_name: "PGPASSWORD".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revealed.secretvalue.unwrap().value, second);
    // Refused attempts: a taken name, an unknown id, an invalid kind.
    let taken = client
        .insert_integration(headers.request(insert("PG", &pairs)))
        .await
        .unwrap_err();
    assert_eq!(taken.code(), tonic::Code::AlreadyExists);
    let missing = client
        .delete_integration(headers.request(DeleteIntegrationRequest { id: "nope".into() }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let mut invalid = insert("bad", &pairs);
    invalid.integration_kind = 9999;
    client
        .insert_integration(headers.request(invalid))
        .await
        .unwrap_err();
    client
        .delete_integration(headers.request(DeleteIntegrationRequest {
            id: created.id.clone(),
        }))
        .await
        .unwrap();

    let answer = logs(&server, &headers, GetAuditLogsRequest::default())
        .await
        .unwrap();
    let everything = format!("{answer:?}");
    assert!(
        !everything.contains(&secret),
        "a value leaked: {everything}"
    );
    assert!(
        !everything.contains(&second),
        "a value leaked: {everything}"
    );
    let seen: Vec<(&str, Option<i32>)> = answer
        .logs
        .iter()
        .map(|l| (l.endpoint.rsplit('/').next().unwrap(), l.code))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("DeleteIntegration", Some(0)),
            ("InsertIntegration", Some(3)),
            ("DeleteIntegration", Some(5)),
            ("InsertIntegration", Some(6)),
            ("GetIntegrationValue", Some(0)),
            ("UpdateIntegration", Some(0)),
            ("InsertIntegration", Some(0)),
        ],
        "newest first"
    );
    let created_log = &answer.logs[6];
    assert_eq!(
        created_log.description.as_deref(),
        Some("Created an external integration")
    );
    assert_eq!(keys_of(created_log), vec!["PGHOST", "PGPASSWORD"]);
    assert_eq!(keys_of(&answer.logs[5]), vec!["PGPASSWORD"]);
    assert_eq!(keys_of(&answer.logs[4]), vec!["PGPASSWORD"]);
    for log in [
        &answer.logs[0],
        &answer.logs[4],
        &answer.logs[5],
        &answer.logs[6],
    ] {
        assert!(
            format!("{:?}", log.request).contains(&created.id),
            "{log:?}"
        );
        assert!(log.ip.as_deref().unwrap().starts_with("127.0.0.1:"));
        assert!(log.error.is_none());
        match log.agent.as_ref().and_then(|a| a.agent.clone()) {
            Some(sourcedeck::proto::chalk::auth::v1::agent::Agent::UserAgent(user)) => {
                assert_eq!(user.client_id, CLIENT_ID)
            }
            other => panic!("agent: {other:?}"),
        }
    }
    assert!(answer.logs[1].error.is_some());
    assert_eq!(
        answer.logs[0].description.as_deref(),
        Some("Deleted an external integration")
    );

    // Filters: outcome, endpoint, agent.
    let errors = logs(
        &server,
        &headers,
        GetAuditLogsRequest {
            outcome_filters: vec![AuditLogOutcome::Error as i32],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(errors.logs.len(), 3);
    let updates = logs(
        &server,
        &headers,
        GetAuditLogsRequest {
            endpoint_filter: vec!["/chalk.server.v1.IntegrationsService/UpdateIntegration".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(updates.logs.len(), 1);
    let nobody = logs(
        &server,
        &headers,
        GetAuditLogsRequest {
            agent_id_filter: Some("someone-else".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(nobody.logs.is_empty());
    let future = prost_types::Timestamp {
        seconds: 4_000_000_000,
        nanos: 0,
    };
    let later = logs(
        &server,
        &headers,
        GetAuditLogsRequest {
            timestamp_lower_bound_inclusive: Some(future),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(later.logs.is_empty());
    let earlier = logs(
        &server,
        &headers,
        GetAuditLogsRequest {
            end_time: Some(future),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(earlier.logs.len(), 7);

    // Paging: pages of two give every record once, newest first.
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page = logs(
            &server,
            &headers,
            GetAuditLogsRequest {
                limit: Some(2),
                cursor: cursor.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(page.logs.len() <= 2);
        paged.extend(page.logs);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, answer.logs);
}

#[tokio::test]
async fn a_change_is_not_stored_when_its_record_cannot_be() {
    let (server, mut client, headers, secret) = populated().await;
    let created = client
        .insert_integration(headers.request(insert("kept", &[("PGHOST", "db")])))
        .await
        .unwrap()
        .into_inner()
        .integration
        .unwrap();
    let db = rusqlite::Connection::open(server.data_dir().join("sourcedeck.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
    )
    .unwrap();
    let refused = client
        .insert_integration(headers.request(insert("new", &[("PGPASSWORD", &secret)])))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Internal);
    assert!(!refused.message().contains(&secret));
    client
        .update_integration(headers.request(UpdateIntegrationRequest {
            integration_id: created.id.clone(),
            name: "renamed".into(),
            config: common::literals(&[("PGHOST", "other")]),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    client
        .delete_integration(headers.request(DeleteIntegrationRequest {
            id: created.id.clone(),
        }))
        .await
        .unwrap_err();
    client
        .get_integration_value(headers.request(GetIntegrationValueRequest {
            integration_id: created.id.clone(),
            secret_name: "PGHOST".into(),
        }))
        .await
        .unwrap_err();
    let listed = client
        .list_integrations(headers.request(ListIntegrationsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .integrations;
    assert_eq!(listed.len(), 1, "nothing created");
    assert_eq!(listed[0].name.as_deref(), Some("kept"), "not renamed");
    db.execute_batch("DROP TRIGGER refuse_audit").unwrap();
    let value = client
        .get_integration_value(headers.request(GetIntegrationValueRequest {
            integration_id: created.id.clone(),
            secret_name: "PGHOST".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value.secretvalue.unwrap().value, "db", "not updated");
}

#[tokio::test]
async fn monitoring_read_is_required_and_environments_keep_their_own_records() {
    let hash = hash_secret(&Secret::new(TEAM_SECRET)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    let clients = format!(
        "[[client]]\nid = \"ed\"\nsecret_hash = \"{hash}\"\nenvironments = [\"*\"]\nrole = \"editor\"\n\n\
         [[client]]\nid = \"ad\"\nsecret_hash = \"{hash}\"\nenvironments = [\"*\"]\nrole = \"admin\"\n"
    );
    std::fs::write(&file, clients).unwrap();
    let server = TestServer::start_with(move |options| {
        options.team.more_environments = vec!["staging".into()];
        options.team.clients_file = Some(file);
    })
    .await;
    let channel = server.channel().await;
    let editor = Headers {
        token: Some(get_token(&channel, "ed", TEAM_SECRET).await.unwrap()),
        environment: Some("default".into()),
    };
    let admin = editor.with_token(Some(&get_token(&channel, "ad", TEAM_SECRET).await.unwrap()));
    let denied = logs(&server, &editor, GetAuditLogsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);

    let mut client = IntegrationsServiceClient::new(channel.clone());
    client
        .insert_integration(editor.request(insert("pg", &[("PGHOST", "db")])))
        .await
        .unwrap();
    let in_default = logs(&server, &admin, GetAuditLogsRequest::default())
        .await
        .unwrap();
    assert_eq!(in_default.logs.len(), 1);
    let staging = admin.with_environment(Some("staging"));
    let in_staging = logs(&server, &staging, GetAuditLogsRequest::default())
        .await
        .unwrap();
    assert!(in_staging.logs.is_empty(), "{in_staging:?}");
    let by_editor = logs(
        &server,
        &admin,
        GetAuditLogsRequest {
            agent_id_filter: Some("ed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_editor.logs.len(), 1);
}

fn secrets_client(
    channel: Channel,
) -> sourcedeck::proto::environment_secrets_service_client::EnvironmentSecretsServiceClient<Channel>
{
    sourcedeck::proto::environment_secrets_service_client::EnvironmentSecretsServiceClient::new(
        channel,
    )
}

#[tokio::test]
async fn secret_upserts_reveals_and_deletes_are_recorded_by_name_never_value() {
    let (server, _, headers, secret) = populated().await;
    let mut secrets = secrets_client(server.channel().await);
    secrets
        .upsert_secret(headers.request(UpsertSecretRequest {
            name: "orders-db-password".into(),
            value: secret.clone(),
            ..Default::default()
        }))
        .await
        .unwrap();
    let revealed = secrets
        .get_secret_value(headers.request(GetSecretValueRequest {
            id: "orders-db-password".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revealed.secret_value.unwrap().value, secret);
    let missing = secrets
        .delete_secret(headers.request(DeleteSecretRequest {
            name: "no-such-secret".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    assert!(!missing.message().contains(&secret));
    secrets
        .delete_secret(headers.request(DeleteSecretRequest {
            name: "orders-db-password".into(),
            ..Default::default()
        }))
        .await
        .unwrap();

    let answer = logs(&server, &headers, GetAuditLogsRequest::default())
        .await
        .unwrap();
    let everything = format!("{answer:?}");
    assert!(
        !everything.contains(&secret),
        "a value leaked: {everything}"
    );
    let seen: Vec<(&str, Option<i32>, Vec<String>)> = answer
        .logs
        .iter()
        .map(|l| (l.endpoint.rsplit('/').next().unwrap(), l.code, keys_of(l)))
        .collect();
    let named = |name: &str| vec![name.to_string()];
    assert_eq!(
        seen,
        vec![
            ("DeleteSecret", Some(0), named("orders-db-password")),
            ("DeleteSecret", Some(5), named("no-such-secret")),
            ("GetSecretValue", Some(0), named("orders-db-password")),
            ("UpsertSecret", Some(0), named("orders-db-password")),
        ],
        "newest first"
    );
    for log in &answer.logs {
        assert!(
            log.endpoint
                .starts_with("/chalk.server.v1.EnvironmentSecretsService/"),
            "{log:?}"
        );
        assert!(log.ip.as_deref().unwrap().starts_with("127.0.0.1:"));
    }
}

#[tokio::test]
async fn a_secret_change_is_not_stored_when_its_record_cannot_be() {
    let (server, _, headers, secret) = populated().await;
    let mut secrets = secrets_client(server.channel().await);
    let kept = random_secret();
    secrets
        .upsert_secret(headers.request(UpsertSecretRequest {
            name: "kept".into(),
            value: kept.clone(),
            ..Default::default()
        }))
        .await
        .unwrap();
    let db = rusqlite::Connection::open(server.data_dir().join("sourcedeck.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
    )
    .unwrap();
    for name in ["kept", "added"] {
        let refused = secrets
            .upsert_secret(headers.request(UpsertSecretRequest {
                name: name.into(),
                value: secret.clone(),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), tonic::Code::Internal);
        assert!(!refused.message().contains(&secret));
    }
    let undeleted = secrets
        .delete_secret(headers.request(DeleteSecretRequest {
            name: "kept".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(undeleted.code(), tonic::Code::Internal);
    let unrevealed = secrets
        .get_secret_value(headers.request(GetSecretValueRequest { id: "kept".into() }))
        .await
        .unwrap_err();
    assert_eq!(unrevealed.code(), tonic::Code::Internal);
    assert!(!unrevealed.message().contains(&kept));
    db.execute_batch("DROP TRIGGER refuse_audit").unwrap();

    let listed = secrets
        .list_secrets(headers.request(ListSecretsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .secrets;
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["kept"], "nothing added, nothing deleted");
    let value = secrets
        .get_secret_value(headers.request(GetSecretValueRequest { id: "kept".into() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value.secret_value.unwrap().value, kept, "not overwritten");
}

#[tokio::test]
async fn records_past_the_retention_are_pruned_at_start() {
    let keep = std::time::Duration::from_secs(30 * 24 * 3600);
    let retention = move |options: &mut sourcedeck::server::ServeOptions| {
        options.team.audit_retention = Some(keep);
    };
    let server = TestServer::start_with(retention).await;
    let (mut client, headers) = server.raw().await;
    let secret = random_secret();
    for name in ["old", "aging", "fresh"] {
        client
            .insert_integration(headers.request(insert(name, &[("PGPASSWORD", &secret)])))
            .await
            .unwrap();
    }
    // Age two records behind the server's back: one past the retention, one inside it.
    let day_ns: i64 = 24 * 3600 * 1_000_000_000;
    let db = rusqlite::Connection::open(server.data_dir().join("sourcedeck.db")).unwrap();
    for (name, days) in [("old", 31), ("aging", 29)] {
        let aged = db
            .execute(
                "UPDATE audit_log SET at_ns = at_ns - ?1 WHERE source_name = ?2",
                rusqlite::params![days * day_ns, name],
            )
            .unwrap();
        assert_eq!(aged, 1, "{name}");
    }
    drop(db);
    let names = |answer: &GetAuditLogsResponse| -> Vec<String> {
        answer
            .logs
            .iter()
            .filter_map(
                |log| match log.request.get("name").and_then(|v| v.kind.clone()) {
                    Some(prost_types::value::Kind::StringValue(name)) => Some(name),
                    _ => None,
                },
            )
            .collect()
    };
    let before = logs(&server, &headers, GetAuditLogsRequest::default())
        .await
        .unwrap();
    assert_eq!(
        names(&before),
        ["fresh", "aging", "old"],
        "not pruned while running"
    );

    // A restart on the same data directory prunes at start.
    let TestServer {
        server: running,
        dir,
        ..
    } = server;
    running.shutdown().await.unwrap();
    let mut options = common::serve_options(&dir.path().join("data"));
    retention(&mut options);
    let restarted = TestServer {
        server: sourcedeck::server::spawn(options).await.unwrap(),
        dir,
        pg: None,
    };
    let (_, headers) = restarted.raw().await;
    let after = logs(&restarted, &headers, GetAuditLogsRequest::default())
        .await
        .unwrap();
    assert_eq!(names(&after), ["fresh", "aging"]);
    assert!(!format!("{after:?}").contains(&secret));

    // Without a retention nothing is pruned.
    let TestServer {
        server: running,
        dir,
        ..
    } = restarted;
    running.shutdown().await.unwrap();
    let db = rusqlite::Connection::open(dir.path().join("data/sourcedeck.db")).unwrap();
    db.execute(
        "UPDATE audit_log SET at_ns = at_ns - ?1",
        rusqlite::params![1000 * day_ns],
    )
    .unwrap();
    drop(db);
    let forever = TestServer {
        server: sourcedeck::server::spawn(common::serve_options(&dir.path().join("data")))
            .await
            .unwrap(),
        dir,
        pg: None,
    };
    let (_, headers) = forever.raw().await;
    let kept = logs(&forever, &headers, GetAuditLogsRequest::default())
        .await
        .unwrap();
    assert_eq!(names(&kept), ["fresh", "aging"]);
}
