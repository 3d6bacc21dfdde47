//! Every RPC of the AuthService and the IntegrationsService against a real in-process server,
//! with its error paths (status codes and messages), and secrets never in a message.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use crate::common::{
    Api, CLIENT_ID, CLIENT_SECRET, Headers, TestServer, assert_kept_a_1s_deadline, closed_port,
    get_token, linked, literal, literals,
};
use base64::Engine as _;
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::*;
use tonic::transport::Channel;
use tonic::{Code, Status};

const PG: IntegrationKind = IntegrationKind::Postgresql;
const PG_PASSWORD: &str = "pg-pw-Zq81-never-shown";

/// One method per RPC on the shared [`Api`].
impl Api {
    fn client(&self) -> IntegrationsServiceClient<Channel> {
        self.client.clone()
    }

    async fn list(&self) -> Result<Vec<Integration>, Status> {
        let request = self.headers.request(ListIntegrationsRequest {});
        Ok(self
            .client()
            .list_integrations(request)
            .await?
            .into_inner()
            .integrations)
    }

    /// ListIntegrations sent with `headers` instead of the good ones.
    async fn list_as(&self, headers: &Headers) -> Result<ListIntegrationsResponse, Status> {
        let request = headers.request(ListIntegrationsRequest {});
        Ok(self.client().list_integrations(request).await?.into_inner())
    }

    async fn list_response(&self) -> Result<ListIntegrationsResponse, Status> {
        let request = self.headers.request(ListIntegrationsRequest {});
        Ok(self.client().list_integrations(request).await?.into_inner())
    }

    async fn insert_request(
        &self,
        message: InsertIntegrationRequest,
    ) -> Result<Integration, Status> {
        let request = self.headers.request(message);
        let response = self
            .client()
            .insert_integration(request)
            .await?
            .into_inner();
        Ok(response.integration.expect("integration in the answer"))
    }

    async fn insert(
        &self,
        name: &str,
        kind: IntegrationKind,
        config: HashMap<String, IntegrationConfigValue>,
    ) -> Result<Integration, Status> {
        self.insert_request(InsertIntegrationRequest {
            name: name.into(),
            integration_kind: kind as i32,
            environment_variables: HashMap::new(),
            config,
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<GetIntegrationResponse, Status> {
        let request = self.headers.request(GetIntegrationRequest {
            integration_id: id.into(),
        });
        Ok(self.client().get_integration(request).await?.into_inner())
    }

    async fn secrets(&self, id: &str) -> Vec<SecretWithValue> {
        self.get(id)
            .await
            .expect("get")
            .integration_with_secrets
            .expect("integration_with_secrets")
            .secrets
    }

    async fn integration(&self, id: &str) -> Integration {
        self.get(id)
            .await
            .expect("get")
            .integration_with_secrets
            .expect("integration_with_secrets")
            .integration
            .expect("integration")
    }

    async fn by_name(&self, name: &str) -> Result<Integration, Status> {
        let request = self.headers.request(GetIntegrationByNameRequest {
            integration_name: name.into(),
        });
        let response = self
            .client()
            .get_integration_by_name(request)
            .await?
            .into_inner();
        Ok(response.integration.expect("integration in the answer"))
    }

    async fn value(&self, id: &str, key: &str) -> Result<SecretValue, Status> {
        let request = self.headers.request(GetIntegrationValueRequest {
            integration_id: id.into(),
            secret_name: key.into(),
        });
        let response = self
            .client()
            .get_integration_value(request)
            .await?
            .into_inner();
        Ok(response.secretvalue.expect("secretvalue in the answer"))
    }

    async fn value_text(&self, id: &str, key: &str) -> String {
        self.value(id, key).await.expect("value").value
    }

    async fn update(
        &self,
        id: &str,
        name: Option<&str>,
        config: HashMap<String, IntegrationConfigValue>,
    ) -> Result<Integration, Status> {
        let request = self.headers.request(UpdateIntegrationRequest {
            name: name.unwrap_or_default().into(),
            integration_id: id.into(),
            environment_variables: HashMap::new(),
            config,
        });
        let response = self
            .client()
            .update_integration(request)
            .await?
            .into_inner();
        Ok(response.integration.expect("integration in the answer"))
    }

    /// UpdateIntegration with only a new name.
    async fn rename(&self, id: &str, name: &str) -> Result<Integration, Status> {
        self.update(id, Some(name), HashMap::new()).await
    }

    /// Asserts GetIntegrationValue answers each `(key, value)` of `expected` for `id`.
    async fn assert_values(&self, id: &str, expected: &[(&str, &str)]) {
        for (key, value) in expected {
            assert_eq!(self.value_text(id, key).await, *value, "{key}");
        }
    }

    async fn delete(&self, id: &str) -> Result<(), Status> {
        let request = self
            .headers
            .request(DeleteIntegrationRequest { id: id.into() });
        self.client().delete_integration(request).await?;
        Ok(())
    }

    async fn test(
        &self,
        message: TestIntegrationRequest,
    ) -> Result<TestIntegrationResponse, Status> {
        let request = self.headers.request(message);
        Ok(self.client().test_integration(request).await?.into_inner())
    }

    async fn test_saved(&self, id: &str) -> TestIntegrationResponse {
        self.test(TestIntegrationRequest {
            integration_id: Some(id.into()),
            ..Default::default()
        })
        .await
        .expect("test runs")
    }

    async fn test_draft(
        &self,
        kind: IntegrationKind,
        config: HashMap<String, IntegrationConfigValue>,
    ) -> TestIntegrationResponse {
        self.test(TestIntegrationRequest {
            kind: kind as i32,
            config,
            ..Default::default()
        })
        .await
        .expect("test runs")
    }

    /// A saved PostgreSQL source with `config` (usually from [`pg_config`]).
    async fn create_pg(
        &self,
        name: &str,
        config: HashMap<String, IntegrationConfigValue>,
    ) -> Integration {
        self.insert(name, PG, config).await.expect("insert")
    }
}

/// A fresh server holding one PostgreSQL integration `orders` ([`good_pg`]), and that integration.
async fn api_with_orders() -> (Api, Integration) {
    let api = Api::start().await;
    let created = api.create_pg("orders", good_pg()).await;
    (api, created)
}

/// The machine's PostgreSQL (trust auth) with a password that must never be shown.
fn pg_config(port: u16, database: &str) -> HashMap<String, IntegrationConfigValue> {
    literals(&[
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", &port.to_string()),
        ("PGDATABASE", database),
        ("PGUSER", "postgres"),
        ("PGPASSWORD", PG_PASSWORD),
    ])
}

fn good_pg() -> HashMap<String, IntegrationConfigValue> {
    pg_config(5432, "test")
}

/// [`good_pg`] with `key` set to `value` (added, or replacing the good one).
fn good_pg_with(
    key: &str,
    value: IntegrationConfigValue,
) -> HashMap<String, IntegrationConfigValue> {
    let mut config = good_pg();
    config.insert(key.into(), value);
    config
}

/// The machine's MariaDB as root; `password` may be empty.
fn mysql_config(password: &str) -> HashMap<String, IntegrationConfigValue> {
    literals(&[
        ("MYSQL_HOST", "127.0.0.1"),
        ("MYSQL_TCP_PORT", "3306"),
        ("MYSQL_DATABASE", "test"),
        ("MYSQL_USER", "root"),
        ("MYSQL_PWD", password),
    ])
}

#[track_caller]
fn assert_status(result: Result<impl std::fmt::Debug, Status>, code: Code) -> Status {
    match result {
        Ok(value) => panic!("expected {code:?}, got Ok({value:?})"),
        Err(status) => {
            assert_eq!(
                status.code(),
                code,
                "unexpected status: {}",
                status.message()
            );
            assert!(
                !status.message().is_empty(),
                "a {code:?} must carry a human message"
            );
            status
        }
    }
}

/// [`assert_status`], and its message names every one of `needles`.
#[track_caller]
fn assert_status_mentions(
    result: Result<impl std::fmt::Debug, Status>,
    code: Code,
    needles: &[&str],
) -> Status {
    let status = assert_status(result, code);
    for needle in needles {
        assert_contains(status.message(), needle);
    }
    status
}

/// The connectivity check failed, and its message names every one of `needles` and none of
/// `secrets`.
#[track_caller]
fn assert_check_failed(result: &TestIntegrationResponse, needles: &[&str], secrets: &[&str]) {
    assert!(!result.success);
    for needle in needles {
        assert_contains(&result.message, needle);
    }
    for secret in secrets {
        assert_lacks(&result.message, secret);
    }
}

#[track_caller]
fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in {text:?}");
}

#[track_caller]
fn assert_lacks(text: &str, needle: &str) {
    assert!(!text.contains(needle), "{needle:?} leaked into {text:?}");
}

fn secret<'a>(secrets: &'a [SecretWithValue], key: &str) -> &'a SecretWithValue {
    secrets
        .iter()
        .find(|secret| secret.name == key)
        .unwrap_or_else(|| panic!("no key {key} in {secrets:?}"))
}

fn time(timestamp: &Option<prost_types::Timestamp>) -> SystemTime {
    SystemTime::try_from(timestamp.expect("timestamp set")).expect("valid timestamp")
}

/// Asserts the protobuf encoding of `message` does not contain `needle` anywhere.
#[track_caller]
fn assert_not_on_the_wire(message: &impl prost::Message, needle: &str) {
    let bytes = message.encode_to_vec();
    let found = bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes());
    assert!(!found, "{needle:?} was sent on the wire");
}

// ---------------------------------------------------------------------------------------------
// AuthService and the headers every call carries
// ---------------------------------------------------------------------------------------------

/// A GetToken request with the right credential and `grant_type`.
fn token_request(grant_type: &str) -> tonic::Request<GetTokenRequest> {
    tonic::Request::new(GetTokenRequest {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        grant_type: grant_type.into(),
        ..Default::default()
    })
}

#[tokio::test]
async fn get_token_with_the_right_credential_returns_a_bearer_token_and_the_environment() {
    let server = TestServer::start().await;
    let channel = server.channel().await;
    let mut request = token_request("client_credentials");
    request.metadata_mut().insert(
        "x-chalk-server",
        tonic::metadata::MetadataValue::from_static("go-api"),
    );
    let token = sourcedeck::proto::auth_service_client::AuthServiceClient::new(channel)
        .get_token(request)
        .await
        .expect("token")
        .into_inner();
    assert!(!token.access_token.is_empty());
    assert_eq!(token.token_type, "Bearer");
    assert!(token.expires_in > 0);
    assert!(time(&token.expires_at) > SystemTime::now());
    assert_eq!(
        token.primary_environment.as_deref(),
        Some(server.environment_id().as_str())
    );
    assert_eq!(
        token
            .environment_id_to_name
            .get(&server.environment_id())
            .map(String::as_str),
        Some(common::ENVIRONMENT)
    );
    assert_eq!(token.api_server, server.url());
    assert_not_on_the_wire(&token, CLIENT_SECRET);
}

#[tokio::test]
async fn get_token_with_a_wrong_secret_is_unauthenticated_without_echoing_it() {
    let server = TestServer::start().await;
    let channel = server.channel().await;
    let wrong = "wrong-secret-Kp29-do-not-echo";
    let status = assert_status(
        get_token(&channel, CLIENT_ID, wrong).await,
        Code::Unauthenticated,
    );
    assert_lacks(status.message(), wrong);
    assert_lacks(status.message(), CLIENT_SECRET);
}

#[tokio::test]
async fn get_token_with_an_unknown_client_id_is_unauthenticated() {
    let server = TestServer::start().await;
    let channel = server.channel().await;
    let status = assert_status(
        get_token(&channel, "someone-else", CLIENT_SECRET).await,
        Code::Unauthenticated,
    );
    assert_lacks(status.message(), CLIENT_SECRET);
}

#[tokio::test]
async fn get_token_with_an_unsupported_grant_type_is_invalid_argument() {
    let server = TestServer::start().await;
    let request = token_request("password");
    let result =
        sourcedeck::proto::auth_service_client::AuthServiceClient::new(server.channel().await)
            .get_token(request)
            .await;
    assert_status_mentions(result, Code::InvalidArgument, &["grant_type"]);
}

#[tokio::test]
async fn every_integrations_rpc_without_a_token_is_unauthenticated() {
    let api = Api::start().await;
    let anonymous = api.headers.with_token(None);
    let mut client = api.client();
    let statuses = vec![
        client
            .list_integrations(anonymous.request(ListIntegrationsRequest {}))
            .await
            .map(drop),
        client
            .get_integration(anonymous.request(GetIntegrationRequest {
                integration_id: "x".into(),
            }))
            .await
            .map(drop),
        client
            .get_integration_by_name(anonymous.request(GetIntegrationByNameRequest {
                integration_name: "x".into(),
            }))
            .await
            .map(drop),
        client
            .get_integration_value(anonymous.request(GetIntegrationValueRequest {
                integration_id: "x".into(),
                secret_name: "K".into(),
            }))
            .await
            .map(drop),
        client
            .insert_integration(anonymous.request(InsertIntegrationRequest {
                name: "x".into(),
                integration_kind: PG as i32,
                ..Default::default()
            }))
            .await
            .map(drop),
        client
            .update_integration(anonymous.request(UpdateIntegrationRequest {
                integration_id: "x".into(),
                ..Default::default()
            }))
            .await
            .map(drop),
        client
            .delete_integration(anonymous.request(DeleteIntegrationRequest { id: "x".into() }))
            .await
            .map(drop),
        client
            .test_integration(anonymous.request(TestIntegrationRequest {
                kind: PG as i32,
                ..Default::default()
            }))
            .await
            .map(drop),
    ];
    for status in statuses {
        assert_status(status, Code::Unauthenticated);
    }
    assert!(
        api.list().await.unwrap().is_empty(),
        "nothing was created without a token"
    );
}

#[tokio::test]
async fn a_forged_token_is_unauthenticated() {
    let api = Api::start().await;
    let forged = api
        .headers
        .with_token(Some("not-a-token-the-server-issued"));
    let result = api.list_as(&forged).await;
    assert_status(result, Code::Unauthenticated);
}

#[tokio::test]
async fn an_authorization_header_that_is_not_bearer_is_unauthenticated() {
    let api = Api::start().await;
    let mut request = api.headers.request(ListIntegrationsRequest {});
    let token = api.headers.token.clone().unwrap();
    request
        .metadata_mut()
        .insert("authorization", format!("Basic {token}").parse().unwrap());
    assert_status(
        api.client().list_integrations(request).await,
        Code::Unauthenticated,
    );
}

#[tokio::test]
async fn a_token_of_another_server_is_unauthenticated() {
    let api = Api::start().await;
    let other = Api::start().await;
    let foreign = api.headers.with_token(other.headers.token.as_deref());
    let result = api.list_as(&foreign).await;
    assert_status(result, Code::Unauthenticated);
}

#[tokio::test]
async fn a_call_without_the_environment_header_is_invalid_argument() {
    let api = Api::start().await;
    let headers = api.headers.with_environment(None);
    let result = api.list_as(&headers).await;
    assert_status_mentions(result, Code::InvalidArgument, &["x-chalk-env-id"]);
}

#[tokio::test]
async fn a_call_for_another_environment_is_permission_denied() {
    let api = Api::start().await;
    let headers = api.headers.with_environment(Some("prod"));
    let result = api.list_as(&headers).await;
    assert_status_mentions(result, Code::PermissionDenied, &["prod"]);
}

#[tokio::test]
async fn the_environment_header_may_name_the_environment_in_any_case() {
    let api = Api::start().await;
    for name in ["default", "DEFAULT", "Default"] {
        let headers = api.headers.with_environment(Some(name));
        let result = api.list_as(&headers).await;
        assert!(result.is_ok(), "{name}: {result:?}");
    }
}

#[tokio::test]
async fn the_typed_session_connects_and_picks_the_primary_environment() {
    let server = TestServer::start().await;
    let session = server.session().await;
    assert_eq!(session.environment_id(), server.environment_id());
    assert_eq!(session.environment_name(), Some(common::ENVIRONMENT));
    assert!(session.list().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// ListIntegrations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_on_a_new_server_is_empty() {
    let api = Api::start().await;
    assert!(api.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_returns_every_integration_sorted_by_name_with_metadata_and_no_values() {
    let api = Api::start().await;
    let before = SystemTime::now();
    let mysql = api
        .insert(
            "orders_db",
            IntegrationKind::Mysql,
            mysql_config("mysql-pw-Xy71"),
        )
        .await
        .unwrap();
    let pg = api.create_pg("analytics", good_pg()).await;
    let bq = api
        .insert(
            "warehouse",
            IntegrationKind::Bigquery,
            literals(&[("BQ_PROJECT", "acme"), ("BQ_DATASET", "raw")]),
        )
        .await
        .unwrap();
    let response = api.list_response().await.unwrap();
    let listed = &response.integrations;
    let names: Vec<&str> = listed.iter().map(|i| i.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["analytics", "orders_db", "warehouse"]);
    let ids: Vec<&str> = listed.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [pg.id.as_str(), mysql.id.as_str(), bq.id.as_str()]);
    let kinds: Vec<i32> = listed.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            PG as i32,
            IntegrationKind::Mysql as i32,
            IntegrationKind::Bigquery as i32
        ]
    );
    for integration in listed {
        assert_eq!(integration.environment_id, api.server.environment_id());
        assert!(time(&integration.created_at) >= before - Duration::from_secs(1));
        assert_eq!(integration.created_at, integration.updated_at);
    }
    for value in [
        PG_PASSWORD,
        "mysql-pw-Xy71",
        "127.0.0.1",
        "postgres",
        "acme",
    ] {
        assert_not_on_the_wire(&response, value);
    }
}

#[tokio::test]
async fn list_reports_missing_required_keys_as_warnings_naming_them() {
    let api = Api::start().await;
    api.create_pg("partial", literals(&[("PGHOST", "db.internal")]))
        .await;
    api.create_pg("complete", good_pg()).await;
    let listed = api.list().await.unwrap();
    let partial = listed
        .iter()
        .find(|i| i.name.as_deref() == Some("partial"))
        .unwrap();
    let missing = partial
        .warnings
        .iter()
        .find(|w| w.title == "Missing required keys")
        .unwrap_or_else(|| panic!("no missing-keys warning in {:?}", partial.warnings));
    for key in ["PGDATABASE", "PGUSER"] {
        assert!(
            missing.config_keys.iter().any(|k| k == key),
            "{key} not in {missing:?}"
        );
        assert_contains(&missing.message, key);
    }
    assert!(!missing.config_keys.iter().any(|k| k == "PGHOST"));
    // PGPORT has a default (5432), so it is not required (issue 9 item 8).
    assert!(!missing.config_keys.iter().any(|k| k == "PGPORT"));
    let complete = listed
        .iter()
        .find(|i| i.name.as_deref() == Some("complete"))
        .unwrap();
    assert!(complete.warnings.is_empty(), "{:?}", complete.warnings);
}

#[tokio::test]
async fn list_reports_unknown_keys_as_warnings() {
    let api = Api::start().await;
    let config = good_pg_with("PGHOTS", literal("typo"));
    api.create_pg("typo_source", config).await;
    let listed = api.list().await.unwrap();
    let warning = listed[0]
        .warnings
        .iter()
        .find(|w| w.config_keys.iter().any(|k| k == "PGHOTS"))
        .unwrap_or_else(|| panic!("no warning names PGHOTS: {:?}", listed[0].warnings));
    assert_contains(&warning.message, "PGHOTS");
}

// ---------------------------------------------------------------------------------------------
// InsertIntegration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn insert_accepts_the_bigquery_product_example_with_base64_credentials() {
    let api = Api::start().await;
    let key_json = r#"{"type":"service_account","project_id":"acme","private_key":"-----BEGIN PRIVATE KEY-----\nbq-key-material\n-----END PRIVATE KEY-----\n"}"#;
    let encoded = base64::engine::general_purpose::STANDARD.encode(key_json);
    let created = api
        .insert(
            "bigquery_prod",
            IntegrationKind::Bigquery,
            literals(&[
                ("BQ_PROJECT", "acme-analytics"),
                ("BQ_DATASET", "events"),
                ("BQ_CREDENTIALS_BASE64", &encoded),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(created.name.as_deref(), Some("bigquery_prod"));
    assert_eq!(created.kind, IntegrationKind::Bigquery as i32);
    assert!(!created.id.is_empty());
    assert!(
        !created
            .warnings
            .iter()
            .any(|w| w.title == "Missing required keys"),
        "{:?}",
        created.warnings
    );
    let secrets = api.secrets(&created.id).await;
    assert_eq!(
        secret(&secrets, "BQ_CREDENTIALS_BASE64").value,
        None,
        "a secret literal is withheld"
    );
    assert_eq!(
        api.value_text(&created.id, "BQ_CREDENTIALS_BASE64").await,
        encoded
    );
}

#[tokio::test]
async fn insert_accepts_the_snowflake_product_example_with_snowflake_account() {
    let api = Api::start().await;
    let created = api
        .insert(
            "snowflake_prod",
            IntegrationKind::Snowflake,
            literals(&[
                ("SNOWFLAKE_ACCOUNT", "acme-xy12345"),
                ("SNOWFLAKE_USER", "loader"),
                ("SNOWFLAKE_PASSWORD", "sf-pw-Lm09"),
                ("SNOWFLAKE_DATABASE", "ANALYTICS"),
                ("SNOWFLAKE_WAREHOUSE", "COMPUTE_WH"),
                ("SNOWFLAKE_SCHEMA", "PUBLIC"),
                ("SNOWFLAKE_ROLE", "LOADER"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(created.kind, IntegrationKind::Snowflake as i32);
    assert!(
        !created
            .warnings
            .iter()
            .any(|w| w.title == "Missing required keys"),
        "SNOWFLAKE_ACCOUNT must count as the account: {:?}",
        created.warnings
    );
    assert!(
        !created.warnings.iter().any(|w| w.title == "Unknown key"),
        "SNOWFLAKE_ACCOUNT is a known alias: {:?}",
        created.warnings
    );
    for warning in &created.warnings {
        assert_lacks(&warning.message, "sf-pw-Lm09");
    }
    assert_eq!(
        api.value_text(&created.id, "SNOWFLAKE_ACCOUNT").await,
        "acme-xy12345"
    );
}

#[tokio::test]
async fn insert_accepts_the_postgresql_product_example_without_warnings() {
    let api = Api::start().await;
    let created = api.create_pg("pg_prod", good_pg()).await;
    assert_eq!(created.kind, PG as i32);
    assert_eq!(created.environment_id, api.server.environment_id());
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
    assert_not_on_the_wire(&created, PG_PASSWORD);
}

#[tokio::test]
async fn insert_refuses_a_name_with_a_dash_naming_the_character() {
    let api = Api::start().await;
    assert_status_mentions(
        api.insert("my-source", PG, good_pg()).await,
        Code::InvalidArgument,
        &["'-'", "name"],
    );
    assert!(api.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn insert_refuses_an_empty_name() {
    let api = Api::start().await;
    assert_status_mentions(
        api.insert("", PG, good_pg()).await,
        Code::InvalidArgument,
        &["name"],
    );
}

#[tokio::test]
async fn insert_refuses_the_unspecified_kind_listing_the_valid_kinds() {
    let api = Api::start().await;
    let status = assert_status(
        api.insert("source", IntegrationKind::Unspecified, good_pg())
            .await,
        Code::InvalidArgument,
    );
    for kind in ["postgresql", "snowflake", "bigquery", "mysql"] {
        assert_contains(status.message(), kind);
    }
}

#[tokio::test]
async fn insert_refuses_a_kind_number_outside_the_enum() {
    let api = Api::start().await;
    let result = api
        .insert_request(InsertIntegrationRequest {
            name: "source".into(),
            integration_kind: 999,
            ..Default::default()
        })
        .await;
    assert_status_mentions(result, Code::InvalidArgument, &["999"]);
}

#[tokio::test]
async fn insert_refuses_a_duplicate_name_even_differing_only_in_case() {
    let api = Api::start().await;
    api.create_pg("orders", good_pg()).await;
    for name in ["orders", "ORDERS", "Orders"] {
        assert_status_mentions(
            api.insert(name, PG, good_pg()).await,
            Code::AlreadyExists,
            &[name],
        );
    }
    assert_eq!(api.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn insert_refuses_a_malformed_pgport_naming_pgport_and_stores_nothing() {
    let api = Api::start().await;
    let status = assert_status_mentions(
        api.insert(
            "pg",
            PG,
            pg_config(5432, "test")
                .into_iter()
                .chain([("PGPORT".to_string(), literal("54x2"))])
                .collect(),
        )
        .await,
        Code::InvalidArgument,
        &["PGPORT"],
    );
    assert_lacks(status.message(), PG_PASSWORD);
    assert!(api.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn insert_refuses_bad_base64_in_a_secret_key_without_echoing_the_value() {
    let api = Api::start().await;
    let bad = "not*base64*secret-Qw77!";
    let status = assert_status_mentions(
        api.insert(
            "bq",
            IntegrationKind::Bigquery,
            literals(&[
                ("BQ_PROJECT", "p"),
                ("BQ_DATASET", "d"),
                ("BQ_CREDENTIALS_BASE64", bad),
            ]),
        )
        .await,
        Code::InvalidArgument,
        &["BQ_CREDENTIALS_BASE64", "base64"],
    );
    assert_lacks(status.message(), bad);
    assert_lacks(status.message(), "secret-Qw77");
}

#[tokio::test]
async fn insert_refuses_a_config_key_that_is_not_an_environment_variable_name() {
    let api = Api::start().await;
    for key in ["PG-HOST", "1PGHOST", "PG HOST"] {
        let config = good_pg_with(key, literal("x"));
        assert_status_mentions(
            api.insert("pg", PG, config).await,
            Code::InvalidArgument,
            &[key],
        );
    }
    assert!(api.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn insert_refuses_a_value_with_neither_literal_nor_secret_id() {
    let api = Api::start().await;
    let config = good_pg_with("PGUSER", IntegrationConfigValue { value: None });
    assert_status_mentions(
        api.insert("pg", PG, config).await,
        Code::InvalidArgument,
        &["PGUSER"],
    );
}

#[tokio::test]
async fn insert_stores_an_aws_arn_as_the_short_secret_name() {
    let api = Api::over(TestServer::with_aws_store().await).await;
    let config = good_pg_with(
        "PGPASSWORD",
        linked("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-password-AbCdEf"),
    );
    let created = api.create_pg("pg", config).await;
    let secrets = api.secrets(&created.id).await;
    let password = secret(&secrets, "PGPASSWORD");
    assert_eq!(password.full_name, "prod/db-password");
    assert_eq!(password.source, SecretSource::External as i32);
    assert_eq!(password.value, None);
}

#[tokio::test]
async fn insert_refuses_an_arn_of_another_aws_account() {
    let api = Api::over(TestServer::with_aws_store().await).await;
    let config = good_pg_with(
        "PGPASSWORD",
        linked("arn:aws:secretsmanager:us-east-1:999999999999:secret:prod/db-password-AbCdEf"),
    );
    assert_status_mentions(
        api.insert("pg", PG, config).await,
        Code::InvalidArgument,
        &["PGPASSWORD", "999999999999"],
    );
    assert!(api.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn insert_on_a_local_store_refuses_an_arn() {
    let api = Api::start().await;
    let config = good_pg_with(
        "PGPASSWORD",
        linked("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-password-AbCdEf"),
    );
    assert_status_mentions(
        api.insert("pg", PG, config).await,
        Code::InvalidArgument,
        &["PGPASSWORD"],
    );
}

#[tokio::test]
async fn insert_accepts_the_deprecated_environment_variables_map() {
    let api = Api::start().await;
    let created = api
        .insert_request(InsertIntegrationRequest {
            name: "legacy".into(),
            integration_kind: PG as i32,
            environment_variables: HashMap::from([
                ("PGHOST".to_string(), "127.0.0.1".to_string()),
                ("PGPORT".to_string(), "5432".to_string()),
                ("PGDATABASE".to_string(), "test".to_string()),
                ("PGUSER".to_string(), "postgres".to_string()),
                ("PGPASSWORD".to_string(), PG_PASSWORD.to_string()),
            ]),
            config: HashMap::new(),
        })
        .await
        .unwrap();
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
    assert_eq!(api.value_text(&created.id, "PGHOST").await, "127.0.0.1");
    assert_eq!(api.value_text(&created.id, "PGPASSWORD").await, PG_PASSWORD);
}

#[tokio::test]
async fn insert_prefers_config_over_environment_variables_for_the_same_key() {
    let api = Api::start().await;
    let created = api
        .insert_request(InsertIntegrationRequest {
            name: "mixed".into(),
            integration_kind: PG as i32,
            environment_variables: HashMap::from([("PGHOST".to_string(), "old.host".to_string())]),
            config: literals(&[("PGHOST", "new.host")]),
        })
        .await
        .unwrap();
    assert_eq!(api.value_text(&created.id, "PGHOST").await, "new.host");
}

// ---------------------------------------------------------------------------------------------
// GetIntegration, GetIntegrationByName
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_answers_each_key_as_a_secret_with_value_following_the_design_rules() {
    let api = Api::start().await;
    let config = good_pg_with("PGUSER", linked("team-db-user"));
    let created = api.create_pg("My_Pg", config).await;
    let response = api.get(&created.id).await.unwrap();
    assert_not_on_the_wire(&response, PG_PASSWORD);
    let with_secrets = response.integration_with_secrets.unwrap();
    let integration = with_secrets.integration.unwrap();
    assert_eq!(integration.id, created.id);
    assert_eq!(integration.name.as_deref(), Some("My_Pg"));
    let secrets = with_secrets.secrets;
    assert_eq!(secrets.len(), 5);

    let host = secret(&secrets, "PGHOST");
    assert_eq!(host.source, SecretSource::Managed as i32);
    assert_eq!(host.full_name, "MY_PG_PGHOST");
    assert_eq!(host.value.as_deref(), Some("127.0.0.1"));
    assert!(host.updated_at.is_some());

    let password = secret(&secrets, "PGPASSWORD");
    assert_eq!(password.source, SecretSource::Managed as i32);
    assert_eq!(password.full_name, "MY_PG_PGPASSWORD");
    assert_eq!(
        password.value, None,
        "a secret literal is read with GetIntegrationValue only"
    );

    let user = secret(&secrets, "PGUSER");
    assert_eq!(user.source, SecretSource::External as i32);
    assert_eq!(user.full_name, "team-db-user");
    assert_eq!(user.value, None);
}

#[tokio::test]
async fn get_of_an_unknown_id_is_not_found() {
    let api = Api::start().await;
    assert_status_mentions(api.get("no-such-id").await, Code::NotFound, &["no-such-id"]);
}

#[tokio::test]
async fn get_with_an_empty_id_is_invalid_argument() {
    let api = Api::start().await;
    assert_status_mentions(
        api.get("").await,
        Code::InvalidArgument,
        &["integration_id"],
    );
}

#[tokio::test]
async fn get_by_name_finds_the_integration_ignoring_case() {
    let api = Api::start().await;
    let created = api.create_pg("Orders_DB", good_pg()).await;
    for name in ["Orders_DB", "orders_db", "ORDERS_DB"] {
        let found = api.by_name(name).await.unwrap();
        assert_eq!(found.id, created.id, "{name}");
        assert_eq!(found.name.as_deref(), Some("Orders_DB"));
        assert_not_on_the_wire(&found, PG_PASSWORD);
    }
}

#[tokio::test]
async fn get_by_name_of_an_unknown_name_is_not_found() {
    let api = Api::start().await;
    api.create_pg("orders", good_pg()).await;
    assert_status_mentions(
        api.by_name("customers").await,
        Code::NotFound,
        &["customers"],
    );
}

// ---------------------------------------------------------------------------------------------
// GetIntegrationValue
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_value_reveals_a_secret_literal_by_key_and_by_full_name() {
    let (api, created) = api_with_orders().await;
    let by_key = api.value(&created.id, "PGPASSWORD").await.unwrap();
    assert_eq!(by_key.value, PG_PASSWORD);
    assert_eq!(by_key.name, "PGPASSWORD");
    assert_eq!(by_key.source, SecretSource::Managed as i32);
    let by_full_name = api.value(&created.id, "ORDERS_PGPASSWORD").await.unwrap();
    assert_eq!(by_full_name.value, PG_PASSWORD);
    assert_eq!(by_full_name.name, "PGPASSWORD");
    assert_eq!(api.value_text(&created.id, "PGHOST").await, "127.0.0.1");
}

#[tokio::test]
async fn get_value_of_an_unknown_key_is_not_found() {
    let (api, created) = api_with_orders().await;
    assert_status_mentions(
        api.value(&created.id, "PGSSLMODE").await,
        Code::NotFound,
        &["PGSSLMODE"],
    );
    assert_status(api.value("no-such-id", "PGHOST").await, Code::NotFound);
    assert_status(api.value(&created.id, "").await, Code::InvalidArgument);
}

#[tokio::test]
async fn get_value_resolves_a_linked_key_from_the_local_secret_store() {
    let api = Api::start().await;
    let config = good_pg_with("PGPASSWORD", linked("orders-db-password"));
    let created = api.create_pg("orders", config).await;
    api.server
        .set_local_secret("orders-db-password", "linked-pw-Tt55");
    let value = api.value(&created.id, "PGPASSWORD").await.unwrap();
    assert_eq!(value.value, "linked-pw-Tt55");
    assert_eq!(value.source, SecretSource::External as i32);
}

#[tokio::test]
async fn get_value_of_a_linked_key_missing_from_the_store_is_failed_precondition() {
    let api = Api::start().await;
    let config = good_pg_with("PGPASSWORD", linked("never-stored"));
    let created = api.create_pg("orders", config).await;
    assert_status_mentions(
        api.value(&created.id, "PGPASSWORD").await,
        Code::FailedPrecondition,
        &["PGPASSWORD", "never-stored"],
    );
}

// ---------------------------------------------------------------------------------------------
// UpdateIntegration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_changes_only_the_given_keys() {
    let (api, created) = api_with_orders().await;
    let updated = api
        .update(&created.id, None, literals(&[("PGHOST", "db.internal")]))
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("orders"));
    api.assert_values(
        &created.id,
        &[
            ("PGHOST", "db.internal"),
            ("PGPASSWORD", PG_PASSWORD),
            ("PGDATABASE", "test"),
            ("PGUSER", "postgres"),
            ("PGPORT", "5432"),
        ],
    )
    .await;
    assert_eq!(api.secrets(&created.id).await.len(), 5);
}

#[tokio::test]
async fn update_can_add_a_key_and_turn_a_literal_into_a_link() {
    let (api, created) = api_with_orders().await;
    let mut changes = literals(&[("ENGINE_ARGUMENTS", r#"{"pool_size": 5}"#)]);
    changes.insert("PGPASSWORD".into(), linked("orders-pw"));
    api.update(&created.id, None, changes).await.unwrap();
    let secrets = api.secrets(&created.id).await;
    assert_eq!(secrets.len(), 6);
    assert_eq!(
        secret(&secrets, "PGPASSWORD").source,
        SecretSource::External as i32
    );
    assert_eq!(secret(&secrets, "PGPASSWORD").full_name, "orders-pw");
    assert_eq!(
        secret(&secrets, "ENGINE_ARGUMENTS").value.as_deref(),
        Some(r#"{"pool_size": 5}"#)
    );
}

#[tokio::test]
async fn update_renames_and_full_names_follow() {
    let (api, created) = api_with_orders().await;
    let renamed = api.rename(&created.id, "sales").await.unwrap();
    assert_eq!(renamed.id, created.id);
    assert_eq!(renamed.name.as_deref(), Some("sales"));
    assert_eq!(api.by_name("sales").await.unwrap().id, created.id);
    assert_status(api.by_name("orders").await, Code::NotFound);
    assert_eq!(
        secret(&api.secrets(&created.id).await, "PGHOST").full_name,
        "SALES_PGHOST"
    );
    assert_eq!(
        api.value_text(&created.id, "SALES_PGPASSWORD").await,
        PG_PASSWORD
    );
    // The old name is free again.
    api.create_pg("orders", good_pg()).await;
}

#[tokio::test]
async fn update_may_change_only_the_case_of_the_name() {
    let (api, created) = api_with_orders().await;
    let renamed = api.rename(&created.id, "Orders").await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Orders"));
}

#[tokio::test]
async fn update_to_a_taken_name_is_already_exists_and_changes_nothing() {
    let api = Api::start().await;
    api.create_pg("orders", good_pg()).await;
    let sales = api.create_pg("sales", good_pg()).await;
    for name in ["orders", "ORDERS"] {
        let result = api
            .update(&sales.id, Some(name), literals(&[("PGHOST", "moved")]))
            .await;
        assert_status_mentions(result, Code::AlreadyExists, &[name]);
    }
    assert_eq!(
        api.integration(&sales.id).await.name.as_deref(),
        Some("sales")
    );
    assert_eq!(api.value_text(&sales.id, "PGHOST").await, "127.0.0.1");
}

#[tokio::test]
async fn update_refuses_a_bad_new_name() {
    let (api, created) = api_with_orders().await;
    assert_status_mentions(
        api.rename(&created.id, "orders.v2").await,
        Code::InvalidArgument,
        &["'.'"],
    );
    assert_eq!(
        api.integration(&created.id).await.name.as_deref(),
        Some("orders")
    );
}

#[tokio::test]
async fn update_of_an_unknown_id_is_not_found() {
    let api = Api::start().await;
    assert_status_mentions(
        api.update("no-such-id", None, literals(&[("PGHOST", "x")]))
            .await,
        Code::NotFound,
        &["no-such-id"],
    );
    assert_status(
        api.update("", None, HashMap::new()).await,
        Code::InvalidArgument,
    );
}

#[tokio::test]
async fn update_advances_updated_at_and_keeps_created_at() {
    let (api, created) = api_with_orders().await;
    let updated = api
        .update(&created.id, None, literals(&[("PGHOST", "db.internal")]))
        .await
        .unwrap();
    assert_eq!(updated.created_at, created.created_at);
    assert!(time(&updated.updated_at) > time(&created.updated_at));
    let stored = api.integration(&created.id).await;
    assert_eq!(stored.created_at, created.created_at);
    assert_eq!(stored.updated_at, updated.updated_at);
    let secrets = api.secrets(&created.id).await;
    assert!(
        time(&secret(&secrets, "PGHOST").updated_at) > time(&secret(&secrets, "PGUSER").updated_at)
    );
}

#[tokio::test]
async fn update_with_a_malformed_value_is_refused_and_changes_nothing() {
    let (api, created) = api_with_orders().await;
    let mut changes = literals(&[("PGHOST", "db.internal"), ("PGPORT", "70000")]);
    changes.insert("PGPASSWORD".into(), literal("new-pw-Hh42"));
    let status = assert_status_mentions(
        api.update(&created.id, Some("renamed"), changes).await,
        Code::InvalidArgument,
        &["PGPORT"],
    );
    assert_lacks(status.message(), "new-pw-Hh42");
    let stored = api.integration(&created.id).await;
    assert_eq!(stored.name.as_deref(), Some("orders"));
    assert_eq!(stored.updated_at, created.updated_at);
    api.assert_values(
        &created.id,
        &[
            ("PGHOST", "127.0.0.1"),
            ("PGPORT", "5432"),
            ("PGPASSWORD", PG_PASSWORD),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// DeleteIntegration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_removes_the_integration_and_a_second_delete_is_not_found() {
    let api = Api::start().await;
    let doomed = api.create_pg("orders", good_pg()).await;
    let kept = api.create_pg("sales", good_pg()).await;
    api.delete(&doomed.id).await.unwrap();
    assert_status(api.get(&doomed.id).await, Code::NotFound);
    assert_status(api.by_name("orders").await, Code::NotFound);
    assert_status(api.value(&doomed.id, "PGPASSWORD").await, Code::NotFound);
    assert_status_mentions(api.delete(&doomed.id).await, Code::NotFound, &[&doomed.id]);
    let listed = api.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, kept.id);
    assert_eq!(api.value_text(&kept.id, "PGPASSWORD").await, PG_PASSWORD);
    // The name can be used again, and the new integration starts with only its own keys.
    let again = api.create_pg("orders", literals(&[("PGHOST", "h")])).await;
    assert_ne!(again.id, doomed.id);
    assert_eq!(api.secrets(&again.id).await.len(), 1);
}

#[tokio::test]
async fn delete_with_an_empty_id_is_invalid_argument() {
    let api = Api::start().await;
    assert_status(api.delete("").await, Code::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// TestIntegration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn test_of_a_saved_postgresql_source_succeeds_with_latency() {
    let (api, created) = api_with_orders().await;
    let result = api.test_saved(&created.id).await;
    assert!(result.success, "{}", result.message);
    assert_eq!(result.kind, "POSTGRESQL");
    assert!(
        result.latency_seconds.is_some_and(|s| s > 0.0),
        "{:?}",
        result.latency_seconds
    );
    assert_contains(&result.message, "SELECT 1");
    assert_lacks(&result.message, PG_PASSWORD);
}

#[tokio::test]
async fn test_of_a_postgresql_draft_needs_no_saved_integration() {
    let api = Api::start().await;
    let result = api.test_draft(PG, good_pg()).await;
    assert!(result.success, "{}", result.message);
    assert!(
        api.list().await.unwrap().is_empty(),
        "a draft test saves nothing"
    );
}

#[tokio::test]
async fn test_of_a_mariadb_source_succeeds() {
    let api = Api::start().await;
    let created = api
        .insert("orders", IntegrationKind::Mysql, mysql_config(""))
        .await
        .unwrap();
    let result = api.test_saved(&created.id).await;
    assert!(result.success, "{}", result.message);
    assert_eq!(result.kind, "MYSQL");
    assert!(result.latency_seconds.is_some_and(|s| s > 0.0));
}

#[tokio::test]
async fn test_with_a_wrong_mariadb_password_says_access_denied_without_the_password() {
    let api = Api::start().await;
    let password = "wrong-maria-pw-Gz31";
    let result = api
        .test_draft(IntegrationKind::Mysql, mysql_config(password))
        .await;
    assert_check_failed(&result, &["Access denied"], &[password]);
}

#[tokio::test]
async fn test_of_a_missing_postgresql_database_says_it_does_not_exist() {
    let api = Api::start().await;
    let result = api.test_draft(PG, pg_config(5432, "no_such_db_xyz")).await;
    assert_check_failed(
        &result,
        &["database \"no_such_db_xyz\" does not exist"],
        &[PG_PASSWORD],
    );
}

#[tokio::test]
async fn test_against_a_closed_port_says_connection_refused() {
    let api = Api::start().await;
    let port = closed_port();
    let result = api.test_draft(PG, pg_config(port, "test")).await;
    assert_check_failed(&result, &[&port.to_string()], &[PG_PASSWORD]);
    assert_contains(&result.message.to_lowercase(), "connection refused");
}

#[tokio::test]
async fn test_against_a_silent_listener_times_out_within_the_deadline() {
    let api = Api::over(TestServer::with_test_timeout(Duration::from_secs(1)).await).await;
    // Accept and hold every connection without ever answering.
    let silent = common::SilentListener::start().await;
    let started = Instant::now();
    let result = api.test_draft(PG, pg_config(silent.port, "test")).await;
    let took = started.elapsed();
    drop(silent);
    assert_check_failed(&result, &["timed out"], &[PG_PASSWORD]);
    assert_kept_a_1s_deadline(took, &result);
}

#[tokio::test]
async fn test_of_a_draft_over_a_saved_source_overrides_only_the_given_keys() {
    let api = Api::start().await;
    let broken = api
        .create_pg("orders", pg_config(5432, "missing_db_abc"))
        .await;
    assert!(!api.test_saved(&broken.id).await.success);
    // The draft fixes the database; host, port, user and password come from the saved source.
    let fixed = api
        .test(TestIntegrationRequest {
            kind: PG as i32,
            integration_id: Some(broken.id.clone()),
            config: literals(&[("PGDATABASE", "test")]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(fixed.success, "{}", fixed.message);
    // Without a kind the saved integration's kind is used.
    let without_kind = api
        .test(TestIntegrationRequest {
            integration_id: Some(broken.id.clone()),
            config: literals(&[("PGDATABASE", "test")]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(without_kind.success, "{}", without_kind.message);
    // The draft was not saved.
    assert_eq!(
        api.value_text(&broken.id, "PGDATABASE").await,
        "missing_db_abc"
    );
}

#[tokio::test]
async fn test_of_a_draft_without_kind_or_id_is_invalid_argument() {
    let api = Api::start().await;
    assert_status_mentions(
        api.test(TestIntegrationRequest {
            config: good_pg(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        &["kind"],
    );
}

#[tokio::test]
async fn test_of_an_unknown_saved_id_is_not_found() {
    let api = Api::start().await;
    assert_status(
        api.test(TestIntegrationRequest {
            integration_id: Some("no-such-id".into()),
            ..Default::default()
        })
        .await,
        Code::NotFound,
    );
}

#[tokio::test]
async fn test_with_an_unresolvable_linked_secret_fails_naming_the_key() {
    let api = Api::start().await;
    let config = good_pg_with("PGPASSWORD", linked("absent-secret"));
    let result = api.test_draft(PG, config).await;
    assert_check_failed(&result, &["PGPASSWORD", "absent-secret"], &[]);
}

#[tokio::test]
async fn test_resolves_a_linked_secret_from_the_local_store_and_scrubs_its_value() {
    let api = Api::start().await;
    let mut config = pg_config(5432, "test");
    config.insert("PGDATABASE".into(), linked("db-name-secret"));
    api.server
        .set_local_secret("db-name-secret", "no_such_linked_db");
    let result = api.test_draft(PG, config).await;
    assert!(!result.success, "the linked database does not exist");
    assert_contains(&result.message, "does not exist");
    assert_lacks(&result.message, "no_such_linked_db");
}

#[tokio::test]
async fn test_of_a_kind_without_a_check_fails_with_a_clear_message() {
    let api = Api::start().await;
    let result = api
        .test_draft(
            IntegrationKind::Cohere,
            literals(&[("COHERE_API_KEY", "not-checked")]),
        )
        .await;
    assert_check_failed(&result, &["no connectivity test for Cohere"], &[]);
    assert_eq!(result.kind, "COHERE");
}

#[tokio::test]
async fn test_refuses_a_malformed_draft_value() {
    let api = Api::start().await;
    let config = good_pg_with("PGPORT", literal("port"));
    assert_status_mentions(
        api.test(TestIntegrationRequest {
            kind: PG as i32,
            config,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        &["PGPORT"],
    );
}

// ---------------------------------------------------------------------------------------------
// The typed client API over the same server
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_typed_client_finds_by_id_or_name_and_reveals_one_value() {
    use sourcedeck::domain::{ConfigValue, Kind, Secret};
    let server = TestServer::start().await;
    let session = server.session().await;
    let config = [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", "5432"),
        ("PGDATABASE", "test"),
        ("PGUSER", "postgres"),
        ("PGPASSWORD", PG_PASSWORD),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), ConfigValue::Literal(Secret::new(value))))
    .collect();
    let created = session
        .create(Kind::Postgresql, "orders", &config)
        .await
        .unwrap();
    let by_id = session.find(&created.id).await.unwrap();
    let by_name = session.find("ORDERS").await.unwrap();
    assert_eq!(by_id.integration, by_name.integration);
    assert_eq!(
        session
            .reveal(&created.id, "PGPASSWORD")
            .await
            .unwrap()
            .expose(),
        PG_PASSWORD
    );
    let missing = session.find("nobody").await.unwrap_err();
    assert_eq!(missing.code, Code::NotFound);
    let tested = session
        .test(&sourcedeck::client::TestTarget {
            integration_id: Some(created.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(tested.success, "{}", tested.message);
    session.delete(&created.id).await.unwrap();
    assert!(session.list().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_value_prefers_an_exact_key_over_another_keys_full_name() {
    let api = Api::start().await;
    // Key "PG_PGHOST" is also the full name of key "PGHOST" in an integration named "pg".
    let created = api
        .create_pg(
            "pg",
            literals(&[("PGHOST", "host-value"), ("PG_PGHOST", "custom-value")]),
        )
        .await;
    assert_eq!(api.value_text(&created.id, "PGHOST").await, "host-value");
    assert_eq!(
        api.value_text(&created.id, "PG_PGHOST").await,
        "custom-value"
    );
}

#[tokio::test]
async fn insert_refuses_malformed_boolean_json_and_reference_values_naming_the_key() {
    let api = Api::start().await;
    let cases: [(&str, IntegrationConfigValue); 3] = [
        ("PG_AWS_IAM_AUTH", literal("maybe")),
        ("ENGINE_ARGUMENTS", literal("{not json")),
        ("PGPASSWORD", linked("projects/p/secrets/s/versions/3")),
    ];
    for (key, value) in cases {
        let config = good_pg_with(key, value);
        let status = assert_status(api.insert("pg", PG, config).await, Code::InvalidArgument);
        assert!(
            status.message().starts_with(&format!("{key}: ")),
            "{key}: {}",
            status.message()
        );
        assert_lacks(status.message(), PG_PASSWORD);
    }
    assert_status_mentions(
        api.insert("pg", PG, literals(&[("ENGINE_ARGUMENTS", "[1, 2]")]))
            .await,
        Code::InvalidArgument,
        &["JSON object"],
    );
    assert!(api.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn insert_reports_every_malformed_value_in_one_message() {
    let api = Api::start().await;
    assert_status_mentions(
        api.insert(
            "pg",
            PG,
            literals(&[("PGPORT", "x"), ("PG_AWS_IAM_AUTH", "maybe")]),
        )
        .await,
        Code::InvalidArgument,
        &["PGPORT", "PG_AWS_IAM_AUTH"],
    );
}

#[tokio::test]
async fn insert_refuses_a_name_longer_than_128_characters() {
    let api = Api::start().await;
    api.create_pg(&"a".repeat(128), good_pg()).await;
    assert_status_mentions(
        api.insert(&"b".repeat(129), PG, good_pg()).await,
        Code::InvalidArgument,
        &["129"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_inserts_of_one_name_create_exactly_one_integration() {
    let api = Api::start().await;
    let attempts: Vec<_> = ["orders", "ORDERS", "Orders", "oRdErS", "orders", "ORDERS"]
        .into_iter()
        .map(|name| {
            let mut client = api.client();
            let request = api.headers.request(InsertIntegrationRequest {
                name: name.into(),
                integration_kind: PG as i32,
                environment_variables: HashMap::new(),
                config: good_pg(),
            });
            tokio::spawn(async move { client.insert_integration(request).await })
        })
        .collect();
    let mut created = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => created += 1,
            Err(status) => assert_eq!(status.code(), Code::AlreadyExists, "{}", status.message()),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(api.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_aws_store_server_cannot_read_linked_values_and_says_so() {
    let api = Api::over(TestServer::with_aws_store().await).await;
    let config = good_pg_with("PGPASSWORD", linked("prod/db-password"));
    let created = api.create_pg("pg", config.clone()).await;
    assert_status_mentions(
        api.value(&created.id, "PGPASSWORD").await,
        Code::FailedPrecondition,
        &["PGPASSWORD"],
    );
    let result = api.test_draft(PG, config).await;
    assert_check_failed(&result, &["PGPASSWORD", "aws:123456789012:us-east-1"], &[]);
}

#[tokio::test]
async fn custom_credential_looking_keys_are_withheld_from_get() {
    let api = Api::start().await;
    let mut config = good_pg();
    config.insert("VAULT_TOKEN".into(), literal("custom-token-Ww33"));
    config.insert("TEAM".into(), literal("data-eng"));
    let created = api.create_pg("pg", config).await;
    let response = api.get(&created.id).await.unwrap();
    assert_not_on_the_wire(&response, "custom-token-Ww33");
    let secrets = response.integration_with_secrets.unwrap().secrets;
    assert_eq!(secret(&secrets, "VAULT_TOKEN").value, None);
    assert_eq!(secret(&secrets, "TEAM").value.as_deref(), Some("data-eng"));
    assert_eq!(
        api.value_text(&created.id, "VAULT_TOKEN").await,
        "custom-token-Ww33"
    );
}

#[tokio::test]
async fn a_test_message_never_contains_a_secret_even_when_the_driver_would_echo_it() {
    let api = Api::start().await;
    // The password doubles as the database name, so the driver's error quotes it.
    let password = "echoed-secret-Mm66";
    let mut config = pg_config(5432, password);
    config.insert("PGPASSWORD".into(), literal(password));
    let result = api.test_draft(PG, config).await;
    assert_check_failed(&result, &["does not exist"], &[password]);
}
