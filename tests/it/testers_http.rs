//! The connectivity checks of the HTTP-based kinds (ClickHouse, Trino, Databricks, Snowflake)
//! through the TestIntegration RPC, against loopback peers that speak each kind's HTTP protocol
//! as documented: success, wrong credentials, a missing database/catalog/warehouse, a closed
//! port, a listener that never answers (deadline), and TLS against a self-signed certificate.
//! No message may contain a password, token, client secret or private key.

use crate::common;
use crate::peers::http as peers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::certs::{openssl, rsa_key, self_signed};
use crate::common::{SilentListener, TestServer, assert_failed, closed_port};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use peers::{Answer, Peer, Seen};
use serde_json::{Value, json};
use sourcedeck::proto::{IntegrationKind, TestIntegrationResponse};

/// A draft's config as key/value pairs.
type Config<'a> = Vec<(&'static str, &'a str)>;

async fn check(kind: IntegrationKind, pairs: &[(&str, &str)]) -> TestIntegrationResponse {
    TestServer::start().await.check_draft(kind, pairs).await
}

/// [`check`] with owned values, as the `*_config` functions make them.
async fn check_owned(
    kind: IntegrationKind,
    pairs: &[(&'static str, String)],
) -> TestIntegrationResponse {
    check(kind, &borrowed(pairs)).await
}

/// [`check_owned`] after `key` is set to `value` in `pairs`.
async fn check_with(
    kind: IntegrationKind,
    pairs: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> TestIntegrationResponse {
    check_owned(kind, &with(pairs, key, value)).await
}

/// Checks `kind` on a server with a 1 s test deadline against a listener that accepts and never
/// answers, with the config `pairs` makes for the listener's port; returns the result and how
/// long the check took.
async fn check_silent_listener(
    kind: IntegrationKind,
    pairs: impl FnOnce(&str) -> Vec<(&'static str, String)>,
) -> (TestIntegrationResponse, Duration) {
    let server = TestServer::with_test_timeout(Duration::from_secs(1)).await;
    let listener = SilentListener::start().await;
    let pairs = pairs(&listener.port.to_string());
    let started = Instant::now();
    let result = server.check_draft(kind, &borrowed(&pairs)).await;
    let took = started.elapsed();
    drop(listener);
    (result, took)
}

#[track_caller]
fn assert_passed(result: &TestIntegrationResponse) {
    assert!(result.success, "expected success: {}", result.message);
    assert!(result.message.contains("SELECT 1 ok"), "{}", result.message);
}

#[track_caller]
fn assert_lacks(result: &TestIntegrationResponse, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !result.message.contains(secret),
            "secret {secret:?} in: {}",
            result.message
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ClickHouse
// ---------------------------------------------------------------------------------------------

const CH_PASSWORD: &str = "ch-pw-Q7t2-never-shown";

/// The HTTP interface of a ClickHouse server with user `admin` and database `analytics`.
async fn clickhouse_peer() -> Peer {
    Peer::plain(|seen: &Seen| {
        if seen.header("x-clickhouse-user") != Some("admin")
            || seen.header("x-clickhouse-key") != Some(CH_PASSWORD)
        {
            let user = seen.header("x-clickhouse-user").unwrap_or("default");
            return Answer::text(
                403,
                &format!(
                    "Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 24.3.1.2672 (official build))\n"
                ),
            )
            .with_header("X-ClickHouse-Exception-Code", "516");
        }
        if seen.query("query") != Some("SELECT%201") {
            return Answer::text(400, "Code: 62. DB::Exception: Syntax error. (SYNTAX_ERROR)\n");
        }
        match seen.query("database") {
            None | Some("analytics") => Answer::text(200, "1\n"),
            Some(other) => Answer::text(
                404,
                &format!(
                    "Code: 81. DB::Exception: Database {other} does not exist. (UNKNOWN_DATABASE) (version 24.3.1.2672 (official build))\n"
                ),
            )
            .with_header("X-ClickHouse-Exception-Code", "81"),
        }
    })
    .await
}

fn clickhouse_config<'a>(host: &'a str, port: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("CLICKHOUSE_HOST", host),
        ("CLICKHOUSE_TCP_PORT", port),
        ("CLICKHOUSE_USE_TLS", "false"),
        ("CLICKHOUSE_DATABASE", "analytics"),
        ("CLICKHOUSE_USER", "admin"),
        ("CLICKHOUSE_PWD", CH_PASSWORD),
    ]
}

fn with(
    mut pairs: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    pairs.retain(|(existing, _)| *existing != key);
    pairs.push((key, value.to_string()));
    pairs
}

fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect()
}

fn owned(pairs: Vec<(&'static str, &str)>) -> Vec<(&'static str, String)> {
    pairs
        .into_iter()
        .map(|(key, value)| (key, value.to_string()))
        .collect()
}

#[tokio::test]
async fn clickhouse_over_http_runs_select_1_as_the_user_in_the_database() {
    let peer = clickhouse_peer().await;
    let port = peer.port.to_string();
    let result = check(
        IntegrationKind::Clickhouse,
        &clickhouse_config("127.0.0.1", &port),
    )
    .await;
    assert_passed(&result);
    assert!(
        result
            .message
            .contains(&format!("http://127.0.0.1:{port} as admin"))
    );
    assert!(result.message.contains("database \"analytics\""));
    assert_lacks(&result, &[CH_PASSWORD]);
    let seen = peer.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].query("database"), None);
    assert_eq!(seen[1].query("database"), Some("analytics"));
}

#[tokio::test]
async fn clickhouse_host_with_a_scheme_is_used_as_given() {
    let peer = clickhouse_peer().await;
    let url = peer.url();
    // TLS is on by default and the port key names the native port: the URL wins over both.
    let pairs = owned(clickhouse_config(&url, "9440"));
    let pairs = pairs
        .into_iter()
        .filter(|(key, _)| *key != "CLICKHOUSE_USE_TLS")
        .collect::<Vec<_>>();
    let result = check_owned(IntegrationKind::Clickhouse, &pairs).await;
    assert_passed(&result);
}

#[tokio::test]
async fn clickhouse_with_a_wrong_password_fails_to_authenticate() {
    let peer = clickhouse_peer().await;
    let port = peer.port.to_string();
    let wrong = "wrong-ch-pw-Zx81";
    let result = check_with(
        IntegrationKind::Clickhouse,
        owned(clickhouse_config("127.0.0.1", &port)),
        "CLICKHOUSE_PWD",
        wrong,
    )
    .await;
    assert_failed(
        &result,
        "authenticate",
        "ClickHouse error 516: admin: Authentication failed",
    );
    assert!(!result.message.contains("version 24"), "{}", result.message);
    assert_lacks(&result, &[wrong, CH_PASSWORD]);
}

#[tokio::test]
async fn clickhouse_with_a_missing_database_fails_the_query() {
    let peer = clickhouse_peer().await;
    let port = peer.port.to_string();
    let result = check_with(
        IntegrationKind::Clickhouse,
        owned(clickhouse_config("127.0.0.1", &port)),
        "CLICKHOUSE_DATABASE",
        "nope",
    )
    .await;
    assert_failed(
        &result,
        "query",
        "ClickHouse error 81: Database nope does not exist. (UNKNOWN_DATABASE)",
    );
    assert_lacks(&result, &[CH_PASSWORD]);
}

#[tokio::test]
async fn clickhouse_against_a_closed_port_says_connection_refused() {
    let port = closed_port().to_string();
    let result = check(
        IntegrationKind::Clickhouse,
        &clickhouse_config("127.0.0.1", &port),
    )
    .await;
    assert_failed(&result, "connect", "connection refused by 127.0.0.1:");
    assert!(result.message.contains(&port));
    assert_lacks(&result, &[CH_PASSWORD]);
}

#[tokio::test]
async fn clickhouse_without_a_host_fails_at_resolve_naming_the_key() {
    let result = check(
        IntegrationKind::Clickhouse,
        &[("CLICKHOUSE_DATABASE", "a"), ("CLICKHOUSE_USER", "u")],
    )
    .await;
    assert_failed(&result, "resolve", "CLICKHOUSE_HOST is not set");
}

/// Plain HTTP against a listener that accepts and never answers: the deadline names the stage.
#[tokio::test]
async fn clickhouse_against_a_silent_listener_times_out_while_authenticating() {
    let (result, took) = check_silent_listener(IntegrationKind::Clickhouse, |port| {
        owned(clickhouse_config("127.0.0.1", port))
    })
    .await;
    assert_failed(&result, "authenticate", "timed out after 1.0 s");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_lacks(&result, &[CH_PASSWORD]);
}

/// Against a real ClickHouse server's HTTP interface, when one is given (user `admin` with the
/// password in SOURCEDECK_TEST_CLICKHOUSE_PASSWORD, HTTP port in SOURCEDECK_TEST_CLICKHOUSE_PORT
/// on 127.0.0.1): success, wrong password, missing database. Not run by default.
#[tokio::test]
#[ignore = "needs a ClickHouse server on loopback"]
async fn clickhouse_against_a_real_server() {
    let port = std::env::var("SOURCEDECK_TEST_CLICKHOUSE_PORT").expect("port");
    let password = std::env::var("SOURCEDECK_TEST_CLICKHOUSE_PASSWORD").expect("password");
    let server = TestServer::start().await;
    let pairs = with(
        owned(clickhouse_config("127.0.0.1", &port)),
        "CLICKHOUSE_PWD",
        &password,
    );
    let pairs = with(pairs, "CLICKHOUSE_DATABASE", "default");
    let result = server
        .check_draft(IntegrationKind::Clickhouse, &borrowed(&pairs))
        .await;
    assert_passed(&result);
    let wrong = with(pairs.clone(), "CLICKHOUSE_PWD", "wrong-real-pw-Ab12");
    let result = server
        .check_draft(IntegrationKind::Clickhouse, &borrowed(&wrong))
        .await;
    assert_failed(&result, "authenticate", "ClickHouse error");
    assert_lacks(&result, &["wrong-real-pw-Ab12", &password]);
    let missing = with(pairs, "CLICKHOUSE_DATABASE", "no_such_db_q");
    let result = server
        .check_draft(IntegrationKind::Clickhouse, &borrowed(&missing))
        .await;
    assert_failed(&result, "query", "no_such_db_q");
    assert_lacks(&result, &[&password]);
}

// ---------------------------------------------------------------------------------------------
// TLS (every kind) against a self-signed certificate and a silent listener
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_http_kind_refuses_a_self_signed_certificate_at_the_tls_stage() {
    let dir = tempfile::tempdir().unwrap();
    let (certificate, key) = self_signed(
        dir.path(),
        "self",
        "127.0.0.1",
        &["subjectAltName=IP:127.0.0.1"],
    );
    let peer = Peer::tls(|_| Answer::text(200, "1\n"), &certificate, &key).await;
    let url = format!("https://127.0.0.1:{}", peer.port);
    let port = peer.port.to_string();
    let account = format!("https://xy12345@127.0.0.1:{}", peer.port);
    let server = TestServer::start().await;
    let cases: Vec<(IntegrationKind, Config<'_>)> = vec![
        (
            IntegrationKind::Clickhouse,
            vec![
                ("CLICKHOUSE_HOST", "127.0.0.1"),
                ("CLICKHOUSE_TCP_PORT", &port),
                ("CLICKHOUSE_DATABASE", "analytics"),
                ("CLICKHOUSE_USER", "admin"),
                ("CLICKHOUSE_PWD", CH_PASSWORD),
            ],
        ),
        (
            IntegrationKind::Trino,
            vec![
                ("TRINO_HOST", "127.0.0.1"),
                ("TRINO_PORT", &port),
                ("TRINO_CATALOG", "hive"),
                ("TRINO_USER", "alice"),
                ("TRINO_PASSWORD", TRINO_PASSWORD),
            ],
        ),
        (
            IntegrationKind::Databricks,
            vec![
                ("DATABRICKS_HOST", "127.0.0.1"),
                ("DATABRICKS_PORT", &port),
                ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/abc123"),
                ("DATABRICKS_TOKEN", DBX_TOKEN),
            ],
        ),
        (
            IntegrationKind::Snowflake,
            vec![
                ("SNOWFLAKE_ACCOUNT_ID", &account),
                ("SNOWFLAKE_USER", "alice"),
                ("SNOWFLAKE_PASSWORD", SF_PASSWORD),
            ],
        ),
        (
            IntegrationKind::Trino,
            vec![
                ("TRINO_HOST", &url),
                ("TRINO_CATALOG", "hive"),
                ("TRINO_USER", "alice"),
            ],
        ),
    ];
    for (kind, pairs) in cases {
        let result = server.check_draft(kind, &pairs).await;
        assert_failed(&result, "TLS", "certificate not trusted: self-signed");
        assert_lacks(
            &result,
            &[CH_PASSWORD, TRINO_PASSWORD, DBX_TOKEN, SF_PASSWORD],
        );
    }
    assert!(
        peer.seen().is_empty(),
        "no request went over the untrusted connection"
    );
}

#[tokio::test]
async fn tls_against_a_plain_http_port_says_so() {
    let peer = clickhouse_peer().await;
    let port = peer.port.to_string();
    let pairs: Vec<_> = clickhouse_config("127.0.0.1", &port)
        .into_iter()
        .filter(|(key, _)| *key != "CLICKHOUSE_USE_TLS")
        .collect();
    let result = check(IntegrationKind::Clickhouse, &pairs).await;
    assert_failed(&result, "TLS", "is this a plain (non-TLS) port?");
    assert_lacks(&result, &[CH_PASSWORD]);
}

/// HTTPS against a listener that accepts and never answers: stuck in the TLS handshake.
#[tokio::test]
async fn databricks_against_a_silent_listener_times_out_in_the_tls_handshake() {
    let (result, took) = check_silent_listener(IntegrationKind::Databricks, |port| {
        owned(vec![
            ("DATABRICKS_HOST", "127.0.0.1"),
            ("DATABRICKS_PORT", port),
            ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/abc123"),
            ("DATABRICKS_TOKEN", DBX_TOKEN),
        ])
    })
    .await;
    assert_failed(&result, "TLS", "timed out after 1.0 s");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_lacks(&result, &[DBX_TOKEN]);
}

// ---------------------------------------------------------------------------------------------
// Trino
// ---------------------------------------------------------------------------------------------

const TRINO_PASSWORD: &str = "trino-pw-K4m9-never-shown";

/// A coordinator with catalog `hive` holding schema `sales`. Each statement is queued first and
/// answered on its `nextUri`. With `require_auth` it answers 401 to requests without basic auth.
async fn trino_peer(require_auth: bool) -> Peer {
    let pending: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    let counter = Arc::new(AtomicUsize::new(0));
    let port = Arc::new(Mutex::new(0u16));
    let port_in = port.clone();
    let peer = Peer::plain(move |seen: &Seen| {
        if require_auth && seen.header("authorization").is_none() {
            return Answer::text(401, "Unauthorized")
                .with_header("www-authenticate", "Basic realm=\"Trino\"");
        }
        let Some(user) = seen.header("x-trino-user") else {
            return Answer::text(400, "Error: User must be set");
        };
        let port = *port_in.lock().unwrap();
        if seen.method == "POST" && seen.path == "/v1/statement" {
            let id = format!("q{}", counter.fetch_add(1, Ordering::SeqCst));
            let sql = String::from_utf8_lossy(&seen.body).to_string();
            let catalog = seen
                .header("x-trino-catalog")
                .unwrap_or_default()
                .to_string();
            let last = trino_result(&id, &sql, &catalog, user);
            pending.lock().unwrap().insert(id.clone(), last);
            return Answer::json(
                200,
                json!({
                    "id": id,
                    "nextUri": format!("http://127.0.0.1:{port}/v1/statement/queued/{id}/y1/1"),
                    "stats": {"state": "QUEUED"}
                }),
            );
        }
        let id = seen.path.split('/').nth(4).unwrap_or_default().to_string();
        match pending.lock().unwrap().remove(&id) {
            Some(last) => Answer::json(200, last),
            None => Answer::text(404, "Query not found"),
        }
    })
    .await;
    *port.lock().unwrap() = peer.port;
    peer
}

fn trino_result(id: &str, sql: &str, catalog: &str, _user: &str) -> Value {
    if sql == "SELECT 1" {
        return json!({"id": id, "columns": [{"name": "_col0", "type": "integer"}], "data": [[1]], "stats": {"state": "FINISHED"}});
    }
    let expected = |filter: &str| {
        format!("SELECT schema_name FROM \"hive\".information_schema.schemata{filter} LIMIT 1")
    };
    if catalog != "hive" || !sql.contains("FROM \"hive\"") {
        let name = catalog.to_string();
        return json!({"id": id, "stats": {"state": "FAILED"}, "error": {
            "message": format!("line 1:25: Catalog '{name}' not found"),
            "errorCode": 44, "errorName": "CATALOG_NOT_FOUND", "errorType": "USER_ERROR",
            "failureInfo": {"type": "io.trino.spi.TrinoException", "stack": ["io.trino.sql.analyzer..."]}
        }});
    }
    if sql == expected(" WHERE schema_name = 'sales'") {
        json!({"id": id, "data": [["sales"]], "stats": {"state": "FINISHED"}})
    } else if sql == expected("") {
        json!({"id": id, "data": [["default"]], "stats": {"state": "FINISHED"}})
    } else {
        json!({"id": id, "stats": {"state": "FINISHED"}})
    }
}

fn trino_config(url: &str) -> Vec<(&'static str, String)> {
    owned(vec![
        ("TRINO_HOST", url),
        ("TRINO_CATALOG", "hive"),
        ("TRINO_SCHEMA", "sales"),
        ("TRINO_USER", "alice"),
    ])
}

/// Checks Trino against `peer` with `key` of [`trino_config`] set to `value`.
async fn check_trino_with(peer: &Peer, key: &'static str, value: &str) -> TestIntegrationResponse {
    check_with(
        IntegrationKind::Trino,
        trino_config(&peer.url()),
        key,
        value,
    )
    .await
}

#[tokio::test]
async fn trino_runs_select_1_following_next_uri_and_finds_the_schema() {
    let peer = trino_peer(false).await;
    let result = check_owned(IntegrationKind::Trino, &trino_config(&peer.url())).await;
    assert_passed(&result);
    assert!(
        result
            .message
            .contains("catalog \"hive\", schema \"sales\""),
        "{}",
        result.message
    );
    let seen = peer.seen();
    assert_eq!(
        seen.len(),
        4,
        "two statements, each POST then nextUri: {seen:?}"
    );
    assert_eq!(seen[0].header("x-trino-catalog"), Some("hive"));
    assert_eq!(seen[0].header("x-trino-schema"), Some("sales"));
    assert_eq!(seen[1].method, "GET");
}

#[tokio::test]
async fn trino_with_a_missing_catalog_fails_the_query() {
    let peer = trino_peer(false).await;
    let result = check_trino_with(&peer, "TRINO_CATALOG", "nope").await;
    assert_failed(
        &result,
        "query",
        "Catalog 'nope' not found (CATALOG_NOT_FOUND)",
    );
    assert!(!result.message.contains("io.trino"), "{}", result.message);
}

#[tokio::test]
async fn trino_with_a_missing_schema_names_it() {
    let peer = trino_peer(false).await;
    let result = check_trino_with(&peer, "TRINO_SCHEMA", "gone").await;
    assert_failed(
        &result,
        "query",
        "schema \"gone\" does not exist in catalog \"hive\"",
    );
}

#[tokio::test]
async fn trino_that_wants_a_password_says_to_set_one() {
    let peer = trino_peer(true).await;
    let result = check_owned(IntegrationKind::Trino, &trino_config(&peer.url())).await;
    assert_failed(
        &result,
        "authenticate",
        "requires authentication (HTTP 401); set TRINO_PASSWORD",
    );
}

#[tokio::test]
async fn trino_never_sends_a_password_over_plain_http() {
    let peer = trino_peer(true).await;
    let result = check_trino_with(&peer, "TRINO_PASSWORD", TRINO_PASSWORD).await;
    assert_failed(&result, "authenticate", "accepts passwords only over HTTPS");
    assert_lacks(&result, &[TRINO_PASSWORD]);
    assert!(
        peer.seen().is_empty(),
        "nothing was sent: {:?}",
        peer.seen()
    );
}

#[tokio::test]
async fn trino_against_a_closed_port_says_connection_refused() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let result = check_owned(IntegrationKind::Trino, &trino_config(&url)).await;
    assert_failed(&result, "connect", "connection refused by 127.0.0.1:");
}

// ---------------------------------------------------------------------------------------------
// Databricks
// ---------------------------------------------------------------------------------------------

const DBX_TOKEN: &str = "dapi-token-Hh3k-never-shown";
const DBX_CLIENT_SECRET: &str = "dose-secret-P2v8-never-shown";
const DBX_OAUTH_TOKEN: &str = "oauth-access-R5w1-never-shown";

/// A workspace with warehouse `abc123` and schema `default`, a personal access token, and a
/// service principal `sp-client` for OAuth M2M. Statements are PENDING first, then SUCCEEDED.
async fn databricks_peer() -> Peer {
    let running: Arc<Mutex<Vec<String>>> = Arc::default();
    Peer::plain(move |seen: &Seen| {
        if seen.method == "POST" && seen.path == "/oidc/v1/token" {
            let expected = format!(
                "Basic {}",
                STANDARD.encode(format!("sp-client:{DBX_CLIENT_SECRET}"))
            );
            let body = String::from_utf8_lossy(&seen.body);
            if seen.header("authorization") != Some(expected.as_str()) {
                return Answer::json(
                    401,
                    json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
                );
            }
            if body != "grant_type=client_credentials&scope=all-apis" {
                return Answer::json(400, json!({"error": "invalid_request"}));
            }
            return Answer::json(
                200,
                json!({"access_token": DBX_OAUTH_TOKEN, "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        let bearer = seen.header("authorization").unwrap_or_default();
        if bearer != format!("Bearer {DBX_TOKEN}") && bearer != format!("Bearer {DBX_OAUTH_TOKEN}")
        {
            return Answer::json(403, json!({"error_code": "403", "message": "Invalid access token."}));
        }
        if seen.method == "POST" && seen.path == "/api/2.0/sql/statements" {
            let request = seen.json();
            if request["warehouse_id"] != "abc123" {
                return Answer::json(
                    404,
                    json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": format!("SQL warehouse {} does not exist.", request["warehouse_id"].as_str().unwrap_or_default())}),
                );
            }
            if let Some(schema) = request["schema"].as_str().filter(|s| *s != "default") {
                return Answer::json(
                    200,
                    json!({"statement_id": "01ef-fail", "status": {"state": "FAILED", "error": {
                        "error_code": "BAD_REQUEST",
                        "message": format!("[SCHEMA_NOT_FOUND] The schema `{schema}` cannot be found. Verify the spelling and correctness of the schema and catalog.\nSQLSTATE: 42704")
                    }}}),
                );
            }
            running.lock().unwrap().push("01ef-run".into());
            return Answer::json(200, json!({"statement_id": "01ef-run", "status": {"state": "PENDING"}}));
        }
        if seen.method == "GET" && seen.path == "/api/2.0/sql/statements/01ef-run" {
            return Answer::json(
                200,
                json!({"statement_id": "01ef-run", "status": {"state": "SUCCEEDED"},
                       "manifest": {"format": "JSON_ARRAY"}, "result": {"data_array": [["1"]]}}),
            );
        }
        Answer::json(404, json!({"error_code": "NOT_FOUND", "message": "no such endpoint"}))
    })
    .await
}

fn databricks_config(url: &str) -> Vec<(&'static str, String)> {
    owned(vec![
        ("DATABRICKS_HOST", url),
        ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/abc123"),
        ("DATABRICKS_DATABASE", "default"),
        ("DATABRICKS_TOKEN", DBX_TOKEN),
    ])
}

const DBX_SECRETS: &[&str] = &[DBX_TOKEN, DBX_CLIENT_SECRET, DBX_OAUTH_TOKEN];

#[tokio::test]
async fn databricks_with_a_token_runs_select_1_and_polls_while_pending() {
    let peer = databricks_peer().await;
    let result = check_owned(IntegrationKind::Databricks, &databricks_config(&peer.url())).await;
    assert_passed(&result);
    assert!(
        result
            .message
            .contains("with an access token, warehouse abc123"),
        "{}",
        result.message
    );
    assert_lacks(&result, DBX_SECRETS);
    let seen = peer.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].json()["statement"], "SELECT 1");
    assert_eq!(seen[1].path, "/api/2.0/sql/statements/01ef-run");
}

#[tokio::test]
async fn databricks_oauth_wins_over_a_token() {
    let peer = databricks_peer().await;
    let pairs = with(
        databricks_config(&peer.url()),
        "DATABRICKS_TOKEN",
        "dapi-stale-token",
    );
    let pairs = with(pairs, "DATABRICKS_CLIENT_ID", "sp-client");
    let result = check_with(
        IntegrationKind::Databricks,
        pairs,
        "DATABRICKS_CLIENT_SECRET",
        DBX_CLIENT_SECRET,
    )
    .await;
    assert_passed(&result);
    assert!(
        result.message.contains("with OAuth client sp-client"),
        "{}",
        result.message
    );
    assert_lacks(&result, DBX_SECRETS);
    let seen = peer.seen();
    assert_eq!(seen[0].path, "/oidc/v1/token");
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Bearer {DBX_OAUTH_TOKEN}").as_str())
    );
}

#[tokio::test]
async fn databricks_with_a_wrong_token_fails_to_authenticate() {
    let peer = databricks_peer().await;
    let wrong = "dapi-wrong-Yy71";
    let result = check_with(
        IntegrationKind::Databricks,
        databricks_config(&peer.url()),
        "DATABRICKS_TOKEN",
        wrong,
    )
    .await;
    assert_failed(
        &result,
        "authenticate",
        "not allowed with an access token (HTTP 403): Invalid access token.",
    );
    assert_lacks(&result, &[wrong]);
}

#[tokio::test]
async fn databricks_with_a_wrong_client_secret_fails_to_authenticate() {
    let peer = databricks_peer().await;
    let wrong = "dose-wrong-Jj02";
    let pairs = with(
        databricks_config(&peer.url()),
        "DATABRICKS_CLIENT_ID",
        "sp-client",
    );
    let result = check_with(
        IntegrationKind::Databricks,
        pairs,
        "DATABRICKS_CLIENT_SECRET",
        wrong,
    )
    .await;
    assert_failed(
        &result,
        "authenticate",
        "OAuth login of client sp-client failed (HTTP 401): invalid_client: Client authentication failed",
    );
    assert_lacks(&result, &[wrong, DBX_TOKEN]);
}

#[tokio::test]
async fn databricks_with_a_missing_warehouse_or_schema_fails_the_query() {
    let peer = databricks_peer().await;
    let server = TestServer::start().await;
    // One server checks the workspace's config with `key` set to `value`.
    let check_changed = async |key, value: &str| {
        let pairs = with(databricks_config(&peer.url()), key, value);
        server
            .check_draft(IntegrationKind::Databricks, &borrowed(&pairs))
            .await
    };
    let result = check_changed("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/zzz999").await;
    assert_failed(
        &result,
        "query",
        "HTTP 404: SQL warehouse zzz999 does not exist. (RESOURCE_DOES_NOT_EXIST)",
    );
    let result = check_changed("DATABRICKS_DATABASE", "nope").await;
    assert_failed(
        &result,
        "query",
        "[SCHEMA_NOT_FOUND] The schema `nope` cannot be found.",
    );
    assert!(!result.message.contains("SQLSTATE"), "{}", result.message);
    assert_lacks(&result, DBX_SECRETS);
}

#[tokio::test]
async fn databricks_with_a_cluster_path_fails_at_resolve() {
    let result = check_with(
        IntegrationKind::Databricks,
        databricks_config("http://127.0.0.1:1"),
        "DATABRICKS_HTTP_PATH",
        "sql/protocolv1/o/123/0123-456-abc",
    )
    .await;
    assert_failed(&result, "resolve", "not a SQL warehouse path");
}

#[tokio::test]
async fn databricks_against_a_closed_port_says_connection_refused() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let result = check_owned(IntegrationKind::Databricks, &databricks_config(&url)).await;
    assert_failed(&result, "connect", "connection refused by 127.0.0.1:");
    assert_lacks(&result, DBX_SECRETS);
}

// ---------------------------------------------------------------------------------------------
// Snowflake
// ---------------------------------------------------------------------------------------------

const SF_PASSWORD: &str = "sf-pw-Wn5c-never-shown";
const SF_SESSION: &str = "sf-session-Tt8u-never-shown";

/// A key pair made by openssl: (base64 of the PKCS#8 PEM, PKCS#1 public key DER, the
/// `SHA256:` fingerprint of the SubjectPublicKeyInfo DER as Snowflake shows it).
fn key_pair(dir: &std::path::Path) -> (String, Vec<u8>, String) {
    rsa_key(dir, "sf.pem");
    openssl(
        &[
            "pkey", "-in", "sf.pem", "-pubout", "-outform", "DER", "-out", "spki.der",
        ],
        dir,
    );
    openssl(
        &[
            "rsa",
            "-in",
            "sf.pem",
            "-RSAPublicKey_out",
            "-outform",
            "DER",
            "-out",
            "pkcs1.der",
        ],
        dir,
    );
    let pem = std::fs::read(dir.join("sf.pem")).unwrap();
    let spki = std::fs::read(dir.join("spki.der")).unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
    (
        STANDARD.encode(pem),
        std::fs::read(dir.join("pkcs1.der")).unwrap(),
        format!("SHA256:{}", STANDARD.encode(digest)),
    )
}

/// Whether `token` is a valid RS256 JWT for account XY12345 and user ALICE with this key.
fn jwt_is_valid(token: &str, public_key: &[u8], fingerprint: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        public_key,
    );
    if key
        .verify(format!("{header}.{claims}").as_bytes(), &signature)
        .is_err()
    {
        return false;
    }
    let claims: Value = URL_SAFE_NO_PAD
        .decode(claims)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    claims["iss"] == format!("XY12345.ALICE.{fingerprint}")
        && claims["sub"] == "XY12345.ALICE"
        && claims["exp"].as_u64().is_some_and(|exp| exp > now)
}

/// An account XY12345 with user ALICE (password or the given public key), database ANALYTICS.
/// Queries answer "in progress" first, then the rows at their result URL.
async fn snowflake_peer(public_key: Vec<u8>, fingerprint: String) -> Peer {
    Peer::plain(move |seen: &Seen| {
        if seen.method == "POST" && seen.path.starts_with("/session/v1/login-request?") {
            let data = &seen.json()["data"];
            let ok = data["ACCOUNT_NAME"] == "XY12345"
                && data["LOGIN_NAME"] == "alice"
                && match data["AUTHENTICATOR"].as_str() {
                    Some("SNOWFLAKE_JWT") => data["TOKEN"]
                        .as_str()
                        .is_some_and(|token| jwt_is_valid(token, &public_key, &fingerprint)),
                    _ => data["PASSWORD"] == SF_PASSWORD,
                };
            if !ok {
                let (code, message) = if data["AUTHENTICATOR"] == "SNOWFLAKE_JWT" {
                    ("390144", "JWT token is invalid.")
                } else {
                    ("390100", "Incorrect username or password was specified.")
                };
                return Answer::json(
                    200,
                    json!({"data": {"nextAction": null, "authnMethod": "PASSWORD"}, "code": code, "message": message, "success": false, "headers": null}),
                );
            }
            let database = match seen.query("databaseName") {
                Some(name) if name.eq_ignore_ascii_case("analytics") => json!("ANALYTICS"),
                _ => Value::Null,
            };
            let validate = data["SESSION_PARAMETERS"]["CLIENT_VALIDATE_DEFAULT_PARAMETERS"] == true;
            if validate && seen.query("databaseName").is_some() && database.is_null() {
                return Answer::json(
                    200,
                    json!({"data": null, "code": "390201", "message": "The requested database does not exist or not authorized.", "success": false}),
                );
            }
            return Answer::json(
                200,
                json!({"data": {"token": SF_SESSION, "masterToken": "master", "validityInSeconds": 3600,
                    "sessionInfo": {"databaseName": database, "schemaName": null, "warehouseName": null, "roleName": "PUBLIC"}},
                    "code": null, "message": null, "success": true}),
            );
        }
        if seen.header("authorization") != Some(format!("Snowflake Token=\"{SF_SESSION}\"").as_str()) {
            return Answer::json(401, json!({"data": null, "code": "390101", "message": "Authentication token has expired.", "success": false}));
        }
        if seen.method == "POST" && seen.path.starts_with("/queries/v1/query-request?requestId=") {
            if seen.json()["sqlText"] != "SELECT 1" {
                return Answer::json(200, json!({"data": null, "code": "001003", "message": "SQL compilation error", "success": false}));
            }
            return Answer::json(
                200,
                json!({"data": {"getResultUrl": "/queries/01b2-q/result", "queryId": "01b2-q"}, "code": "333334", "message": "Asynchronous execution in progress.", "success": true}),
            );
        }
        if seen.method == "GET" && seen.path == "/queries/01b2-q/result" {
            return Answer::json(
                200,
                json!({"data": {"rowtype": [{"name": "1", "type": "fixed"}], "rowset": [["1"]], "queryId": "01b2-q"}, "code": null, "success": true}),
            );
        }
        Answer::text(404, "not found")
    })
    .await
}

fn snowflake_config(account: &str) -> Vec<(&'static str, String)> {
    owned(vec![
        ("SNOWFLAKE_ACCOUNT_ID", account),
        ("SNOWFLAKE_USER", "alice"),
        ("SNOWFLAKE_DATABASE", "analytics"),
        ("SNOWFLAKE_PASSWORD", SF_PASSWORD),
    ])
}

fn account_url(peer: &Peer) -> String {
    format!("http://xy12345@127.0.0.1:{}", peer.port)
}

/// Checks Snowflake against `peer` with `key` of [`snowflake_config`] set to `value`.
async fn check_snowflake_with(
    peer: &Peer,
    key: &'static str,
    value: &str,
) -> TestIntegrationResponse {
    check_with(
        IntegrationKind::Snowflake,
        snowflake_config(&account_url(peer)),
        key,
        value,
    )
    .await
}

#[tokio::test]
async fn snowflake_with_a_password_logs_in_and_runs_select_1() {
    let peer = snowflake_peer(Vec::new(), String::new()).await;
    let result = check_owned(
        IntegrationKind::Snowflake,
        &snowflake_config(&account_url(&peer)),
    )
    .await;
    assert_passed(&result);
    assert!(
        result
            .message
            .contains("as alice with a password, role PUBLIC"),
        "{}",
        result.message
    );
    assert_lacks(&result, &[SF_PASSWORD, SF_SESSION]);
    let seen = peer.seen();
    assert_eq!(seen.len(), 3, "login, query, result: {seen:?}");
    assert_eq!(seen[0].query("databaseName"), Some("analytics"));
}

#[tokio::test]
async fn snowflake_with_a_key_pair_sends_a_valid_jwt() {
    let dir = tempfile::tempdir().unwrap();
    let (private_key, public_key, fingerprint) = key_pair(dir.path());
    let peer = snowflake_peer(public_key, fingerprint).await;
    // The docs' key name, and a key pair that wins over a wrong password.
    let pairs = owned(vec![
        ("SNOWFLAKE_ACCOUNT", &account_url(&peer)),
        ("SNOWFLAKE_USER", "alice"),
        ("SNOWFLAKE_PASSWORD", "not-used-Kk11"),
        ("SNOWFLAKE_PRIVATE_KEY_B64", &private_key),
    ]);
    let result = check_owned(IntegrationKind::Snowflake, &pairs).await;
    assert_passed(&result);
    assert!(
        result.message.contains("with a key pair"),
        "{}",
        result.message
    );
    assert_lacks(&result, &[&private_key, SF_SESSION, "not-used-Kk11"]);
    assert!(peer.seen()[0].json()["data"].get("PASSWORD").is_none());
    assert!(
        peer.seen()
            .iter()
            .all(|seen| !seen.text().contains(&private_key)),
        "the private key itself is never sent"
    );
}

#[tokio::test]
async fn snowflake_with_a_key_the_user_does_not_have_fails_to_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public_key, fingerprint) = key_pair(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (wrong_key, _, _) = key_pair(other.path());
    let peer = snowflake_peer(public_key, fingerprint).await;
    let result = check_snowflake_with(&peer, "SNOWFLAKE_PRIVATE_KEY_B64", &wrong_key).await;
    assert_failed(
        &result,
        "authenticate",
        "JWT token is invalid. (code 390144); check that the user's RSA_PUBLIC_KEY",
    );
    assert_lacks(&result, &[&wrong_key, SF_PASSWORD]);
}

#[tokio::test]
async fn snowflake_with_a_wrong_password_fails_to_authenticate() {
    let peer = snowflake_peer(Vec::new(), String::new()).await;
    let wrong = "sf-wrong-Mm44";
    let result = check_snowflake_with(&peer, "SNOWFLAKE_PASSWORD", wrong).await;
    assert_failed(
        &result,
        "authenticate",
        "Incorrect username or password was specified. (code 390100)",
    );
    assert_lacks(&result, &[wrong, SF_PASSWORD]);
}

#[tokio::test]
async fn snowflake_with_a_missing_database_names_it() {
    let peer = snowflake_peer(Vec::new(), String::new()).await;
    let result = check_snowflake_with(&peer, "SNOWFLAKE_DATABASE", "nope").await;
    assert_failed(
        &result,
        "query",
        "The requested database does not exist or not authorized. (code 390201)",
    );
    assert_lacks(&result, &[SF_PASSWORD, SF_SESSION]);
}

#[tokio::test]
async fn snowflake_against_a_closed_port_says_connection_refused() {
    let account = format!("http://xy12345@127.0.0.1:{}", closed_port());
    let result = check_owned(IntegrationKind::Snowflake, &snowflake_config(&account)).await;
    assert_failed(&result, "connect", "connection refused by 127.0.0.1:");
    assert_lacks(&result, &[SF_PASSWORD]);
}

#[tokio::test]
async fn snowflake_with_an_unreadable_key_fails_at_resolve_without_quoting_it() {
    let key = STANDARD.encode("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----\n");
    let result = check_with(
        IntegrationKind::Snowflake,
        snowflake_config("http://xy12345@127.0.0.1:1"),
        "SNOWFLAKE_PRIVATE_KEY_B64",
        &key,
    )
    .await;
    assert_failed(
        &result,
        "resolve",
        "SNOWFLAKE_PRIVATE_KEY_B64 holds a PKCS#1 key",
    );
    assert_lacks(&result, &[&key, "MIIBOgIBAAJBAKj34GkxFhD9"]);
}

/// fakesnow's server mode (PyPI `fakesnow[server]`, pinned in tests/python/requirements.txt): a
/// Snowflake emulator speaking the REST API the drivers use, from the venv `.ci/run` creates. It
/// listens on a port the system picks and announces (`Uvicorn running on http://127.0.0.1:PORT`).
struct Fakesnow {
    child: std::process::Child,
    port: u16,
    _log: tempfile::TempDir,
}

impl Fakesnow {
    fn start() -> Self {
        let binary = common::venv_python().with_file_name("fakesnow");
        let log = tempfile::tempdir().expect("log dir");
        let log_path = log.path().join("fakesnow.log");
        let log_file = std::fs::File::create(&log_path).expect("log file");
        let mut child = std::process::Command::new(&binary)
            .args(["-s", "-p", "0", "--host", "127.0.0.1"])
            .stdin(std::process::Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "{} does not start ({error}): run `bash .ci/run` once",
                    binary.display()
                )
            });
        let mut port = None;
        let announced = common::wait_until_blocking(Duration::from_secs(60), || {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            port = text
                .split("running on http://127.0.0.1:")
                .nth(1)
                .and_then(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse()
                        .ok()
                });
            port.is_some() || matches!(child.try_wait(), Ok(Some(_)))
        });
        let Some(port) = port.filter(|_| announced) else {
            let _ = child.kill();
            panic!(
                "fakesnow did not start:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        };
        Self {
            child,
            port,
            _log: log,
        }
    }
}

impl Drop for Fakesnow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Against fakesnow: the login and query-request formats are accepted and the answers read.
#[tokio::test]
async fn snowflake_against_the_fakesnow_emulator() {
    let fakesnow = tokio::task::spawn_blocking(Fakesnow::start)
        .await
        .expect("fakesnow starts");
    let port = fakesnow.port;
    let account = format!("http://xy12345@127.0.0.1:{port}");
    let result = check(
        IntegrationKind::Snowflake,
        &[
            ("SNOWFLAKE_ACCOUNT_ID", &account),
            ("SNOWFLAKE_USER", "alice"),
            ("SNOWFLAKE_PASSWORD", SF_PASSWORD),
            ("SNOWFLAKE_DATABASE", "analytics"),
            ("SNOWFLAKE_SCHEMA", "public"),
        ],
    )
    .await;
    drop(fakesnow);
    assert_passed(&result);
    assert_lacks(&result, &[SF_PASSWORD]);
}

// ---------------------------------------------------------------------------------------------
// Servers that echo what they were sent
// ---------------------------------------------------------------------------------------------

const SF_ECHO_SESSION: &str = "sf-session-echoed-Gq58";

/// A peer that lets logins through (Databricks OAuth, Snowflake login unless `echo_login`) and
/// answers every other request with HTTP 400 whose one line repeats the request's credentials
/// and body, as a careless proxy or server might.
async fn echo_peer(echo_login: bool) -> Peer {
    Peer::plain(move |seen: &Seen| {
        if seen.path == "/oidc/v1/token" {
            return Answer::json(
                200,
                json!({"access_token": DBX_OAUTH_TOKEN, "token_type": "Bearer"}),
            );
        }
        if seen.path.starts_with("/session/v1/login-request") && !echo_login {
            return Answer::json(
                200,
                json!({"data": {"token": SF_ECHO_SESSION, "sessionInfo": {}}, "success": true}),
            );
        }
        let echoed = format!(
            "{} {} {}",
            seen.header("authorization").unwrap_or_default(),
            seen.header("x-clickhouse-key").unwrap_or_default(),
            String::from_utf8_lossy(&seen.body)
        );
        Answer::text(400, &echoed.replace('\n', " "))
    })
    .await
}

#[track_caller]
fn assert_no_piece_of(result: &TestIntegrationResponse, secrets: &[&str]) {
    for secret in secrets {
        let piece: String = secret.chars().take(8).collect();
        assert!(
            !result.message.contains(&piece),
            "a piece of {secret:?} in: {}",
            result.message
        );
    }
}

#[tokio::test]
async fn an_echoing_server_never_gets_a_secret_into_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let (private_key, _, _) = key_pair(dir.path());
    let server = TestServer::start().await;
    let echo = echo_peer(false).await;
    let echo_login = echo_peer(true).await;
    let url = echo.url();
    let account = account_url(&echo);
    let login_account = account_url(&echo_login);
    let oauth_basic = STANDARD.encode(format!("sp-client:{DBX_CLIENT_SECRET}"));
    // (kind, config, whether the echoed credential falls within the one line shown)
    let cases: Vec<(IntegrationKind, Config<'_>, bool)> = vec![
        (
            IntegrationKind::Clickhouse,
            vec![
                ("CLICKHOUSE_HOST", &url),
                ("CLICKHOUSE_DATABASE", "analytics"),
                ("CLICKHOUSE_USER", "admin"),
                ("CLICKHOUSE_PWD", CH_PASSWORD),
            ],
            true,
        ),
        (
            IntegrationKind::Databricks,
            vec![
                ("DATABRICKS_HOST", &url),
                ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/abc123"),
                ("DATABRICKS_TOKEN", DBX_TOKEN),
            ],
            true,
        ),
        (
            IntegrationKind::Databricks,
            vec![
                ("DATABRICKS_HOST", &url),
                ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/abc123"),
                ("DATABRICKS_CLIENT_ID", "sp-client"),
                ("DATABRICKS_CLIENT_SECRET", DBX_CLIENT_SECRET),
            ],
            true,
        ),
        (
            IntegrationKind::Snowflake,
            vec![
                ("SNOWFLAKE_ACCOUNT_ID", &login_account),
                ("SNOWFLAKE_USER", "alice"),
                ("SNOWFLAKE_PASSWORD", SF_PASSWORD),
            ],
            true,
        ),
        (
            IntegrationKind::Snowflake,
            vec![
                ("SNOWFLAKE_ACCOUNT_ID", &login_account),
                ("SNOWFLAKE_USER", "alice"),
                ("SNOWFLAKE_PRIVATE_KEY_B64", &private_key),
            ],
            false,
        ),
        (
            IntegrationKind::Snowflake,
            vec![
                ("SNOWFLAKE_ACCOUNT_ID", &account),
                ("SNOWFLAKE_USER", "alice"),
                ("SNOWFLAKE_PASSWORD", SF_PASSWORD),
            ],
            true,
        ),
    ];
    for (kind, pairs, marked) in cases {
        let result = server.check_draft(kind, &pairs).await;
        assert!(!result.success, "{}", result.message);
        assert!(result.message.contains("HTTP 400"), "{}", result.message);
        assert!(
            // An echoed body in no documented format is now described by length, not quoted.
            !marked || result.message.contains("[redacted]") || result.message.contains("bytes"),
            "{}",
            result.message
        );
        assert_no_piece_of(
            &result,
            &[
                CH_PASSWORD,
                DBX_TOKEN,
                DBX_CLIENT_SECRET,
                DBX_OAUTH_TOKEN,
                &oauth_basic,
                SF_PASSWORD,
                SF_ECHO_SESSION,
                &private_key,
                // Every JWT starts with the base64 of {"alg":...
                "eyJhbGciOi",
            ],
        );
    }
}
