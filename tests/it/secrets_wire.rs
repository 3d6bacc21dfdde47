//! EnvironmentSecretsService over a real in-process `serve`: list/upsert/get/delete per
//! environment, each permission refusal, a linked secret set over the wire resolving in a
//! connectivity test against the machine's PostgreSQL, and no value outside an explicit get.

use crate::common;

use crate::common::{CLIENT_ID, CLIENT_SECRET, Headers, TestServer, get_token};
use sourcedeck::domain::Secret;
use sourcedeck::proto::environment_secrets_service_client::EnvironmentSecretsServiceClient;
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::*;
use sourcedeck::server::clients::hash_secret;
use tonic::Code;
use tonic::transport::Channel;

const TEAM_SECRET: &str = "team-member-secret-9q8w7e";

async fn team_server(clients: &[(&str, &str)]) -> TestServer {
    let hash = hash_secret(&Secret::new(TEAM_SECRET)).unwrap();
    let text: String = clients
        .iter()
        .map(|(id, role)| {
            format!("[[client]]\nid = \"{id}\"\nsecret_hash = \"{hash}\"\nenvironments = [\"*\"]\nrole = \"{role}\"\n\n")
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clients.toml");
    std::fs::write(&file, text).unwrap();
    let server = TestServer::start_with(move |options| {
        options.team.more_environments = vec!["prod".into()];
        options.team.clients_file = Some(file);
    })
    .await;
    drop(dir);
    server
}

fn headers(token: &str, environment: &str) -> Headers {
    Headers {
        token: Some(token.to_string()),
        environment: Some(environment.to_string()),
    }
}

fn random_value() -> String {
    format!("wire-secret-{:016x}", rand::random::<u64>())
}

async fn upsert(
    channel: &Channel,
    h: &Headers,
    name: &str,
    value: &str,
) -> Result<Vec<sourcedeck::proto::Secret>, tonic::Status> {
    EnvironmentSecretsServiceClient::new(channel.clone())
        .upsert_secret(h.request(UpsertSecretRequest {
            name: name.into(),
            value: value.into(),
            ..Default::default()
        }))
        .await
        .map(|r| r.into_inner().secrets)
}

async fn names(channel: &Channel, h: &Headers) -> Vec<String> {
    EnvironmentSecretsServiceClient::new(channel.clone())
        .list_secrets(h.request(ListSecretsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .secrets
        .into_iter()
        .map(|s| s.name)
        .collect()
}

#[tokio::test]
async fn secrets_round_trip_per_environment_without_leaking_values() {
    let server = team_server(&[]).await;
    let channel = server.channel().await;
    let token = get_token(&channel, CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let (default, prod) = (headers(&token, "default"), headers(&token, "prod"));
    let value = random_value();
    let listed = upsert(&channel, &default, "db-password", &value)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!format!("{listed:?}").contains(&value));
    let id = listed[0].id.clone();
    assert!(!id.is_empty() && id != "db-password");
    // The same name again keeps its id.
    let again = upsert(&channel, &default, "db-password", &value)
        .await
        .unwrap();
    assert_eq!(again[0].id, id);
    let mut client = EnvironmentSecretsServiceClient::new(channel.clone());
    for key in [id.as_str(), "db-password"] {
        let got = client
            .get_secret_value(default.request(GetSecretValueRequest { id: key.into() }))
            .await
            .unwrap()
            .into_inner()
            .secret_value
            .unwrap();
        assert_eq!(
            (got.name.as_str(), got.value.as_str()),
            ("db-password", value.as_str())
        );
    }
    // Isolation: prod sees nothing, and the id from default is NOT_FOUND there.
    assert!(names(&channel, &prod).await.is_empty());
    let status = client
        .get_secret_value(prod.request(GetSecretValueRequest { id: id.clone() }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(!status.message().contains(&value));
    let status = client
        .delete_secret(prod.request(DeleteSecretRequest {
            name: "db-password".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let left = client
        .delete_secret(default.request(DeleteSecretRequest {
            name: "db-password".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .secrets;
    assert!(left.is_empty());
    assert!(names(&channel, &default).await.is_empty());
}

#[tokio::test]
async fn each_role_is_refused_what_it_lacks() {
    let server = team_server(&[("viewer-1", "viewer"), ("reader-1", "reader")]).await;
    let channel = server.channel().await;
    let admin = get_token(&channel, CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let value = random_value();
    upsert(&channel, &headers(&admin, "default"), "api-key", &value)
        .await
        .unwrap();
    let viewer = headers(
        &get_token(&channel, "viewer-1", TEAM_SECRET).await.unwrap(),
        "default",
    );
    let reader = headers(
        &get_token(&channel, "reader-1", TEAM_SECRET).await.unwrap(),
        "default",
    );
    assert_eq!(names(&channel, &viewer).await, ["api-key"]);
    let mut client = EnvironmentSecretsServiceClient::new(channel.clone());
    let status = client
        .get_secret_value(viewer.request(GetSecretValueRequest {
            id: "api-key".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(status.message().contains("SECRETS_DECRYPT"), "{status:?}");
    let got = client
        .get_secret_value(reader.request(GetSecretValueRequest {
            id: "api-key".into(),
        }))
        .await
        .unwrap();
    assert_eq!(got.into_inner().secret_value.unwrap().value, value);
    let status = upsert(&channel, &reader, "api-key", "other")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(status.message().contains("SECRETS_WRITE"), "{status:?}");
    let status = client
        .delete_secret(reader.request(DeleteSecretRequest {
            name: "api-key".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(names(&channel, &viewer).await, ["api-key"]);
}

#[tokio::test]
async fn a_cloud_store_refuses_writes_naming_the_store() {
    let server = TestServer::with_aws_store().await;
    let channel = server.channel().await;
    let token = get_token(&channel, CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let status = upsert(&channel, &headers(&token, "default"), "x", "y")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("aws"), "{status:?}");
}

#[tokio::test]
async fn a_secret_set_over_the_wire_resolves_in_a_test() {
    let server = TestServer::start().await;
    let channel = server.channel().await;
    let token = get_token(&channel, CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let h = headers(&token, "default");
    let value = random_value();
    upsert(&channel, &h, "pg-password", &value).await.unwrap();
    let mut config = common::literals(&[
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", "5432"),
        ("PGDATABASE", "test"),
        ("PGUSER", "postgres"),
    ]);
    config.insert("PGPASSWORD".into(), common::linked("pg-password"));
    let mut integrations = IntegrationsServiceClient::new(channel.clone());
    let result = integrations
        .test_integration(h.request(TestIntegrationRequest {
            kind: IntegrationKind::Postgresql as i32,
            config: config.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(result.success, "{}", result.message);
    assert!(!format!("{result:?}").contains(&value));
    // Deleted over the wire: the next test says the link is missing (no stale cached value).
    EnvironmentSecretsServiceClient::new(channel.clone())
        .delete_secret(h.request(DeleteSecretRequest {
            name: "pg-password".into(),
            ..Default::default()
        }))
        .await
        .unwrap();
    let result = integrations
        .test_integration(h.request(TestIntegrationRequest {
            kind: IntegrationKind::Postgresql as i32,
            config,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(!result.success);
    assert!(result.message.contains("pg-password"), "{}", result.message);
}

#[tokio::test]
async fn the_client_api_calls_the_team_services() {
    let server = team_server(&[("viewer-2", "viewer")]).await;
    let session = server.session().await;
    let environments = session.get_environments().await.unwrap();
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["default", "prod"]);
    assert!(session.get_agent().await.unwrap().agent.is_some());
    let value = random_value();
    let listed = session
        .upsert_secret("token", &Secret::new(value.clone()))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(session.list_secrets().await.unwrap()[0].name, "token");
    assert_eq!(
        session.get_secret_value("token").await.unwrap().expose(),
        value
    );
    assert!(session.delete_secret("token").await.unwrap().is_empty());
    let error = session.get_secret_value("token").await.unwrap_err();
    assert!(
        matches!(&error, sourcedeck::client::team_api::TeamError::Failed(e) if e.code == Code::NotFound),
        "{error:?}"
    );
}
