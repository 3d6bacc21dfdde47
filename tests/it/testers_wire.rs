//! Connectivity tests (TestIntegration on `serve`) for the kinds whose protocol the tester speaks
//! itself, against loopback peers that speak the real wire format: Kafka against a fake broker,
//! plus TLS failures against certificates made with `openssl` (`common::certs`). Every peer listens on
//! 127.0.0.1 only, and every await is bounded.

use crate::peers::kafka_broker;
use crate::peers::pg_tls_proxy;
use crate::peers::tds;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::certs::{self_signed, signed_by_test_ca};
use crate::common::{SilentListener, TestServer, closed_port, literals};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kafka_broker::{BASE_OFFSET, Broker, Message, Options, Sasl, Topic};
use pg_tls_proxy::PgTlsProxy;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sourcedeck::proto::{
    IntegrationConfigValue, IntegrationKind, TestIntegrationRequest, TestIntegrationResponse,
};
use tds::TdsServer;

/// No single test call may take longer than this, whatever the server does.
const CALL_BOUND: Duration = Duration::from_secs(30);

const KAFKA_PASSWORD: &str = "kafka-secret-Qv81";
const PG_PASSWORD: &str = "pg-secret-Lm27";
const MSSQL_PASSWORD: &str = "Mssql-secret-Tq55!";

/// Runs TestIntegration on a draft config.
async fn test_draft(
    server: &TestServer,
    kind: IntegrationKind,
    config: HashMap<String, IntegrationConfigValue>,
    include_preview: bool,
) -> TestIntegrationResponse {
    let (mut client, headers) = server.raw().await;
    let request = headers.request(TestIntegrationRequest {
        kind: kind as i32,
        config,
        include_preview: Some(include_preview),
        ..Default::default()
    });
    let response = tokio::time::timeout(CALL_BOUND, client.test_integration(request))
        .await
        .expect("the test answers within its bound")
        .expect("test runs")
        .into_inner();
    eprintln!("{kind:?}: {}", response.message);
    response
}

#[track_caller]
fn assert_succeeded_with(result: &TestIntegrationResponse, needle: &str) {
    assert!(result.success, "{}", result.message);
    assert!(result.message.contains(needle), "{}", result.message);
}

#[track_caller]
fn assert_failed_with(result: &TestIntegrationResponse, needle: &str) {
    assert!(
        !result.success,
        "expected a failure, got: {}",
        result.message
    );
    assert!(
        result.message.contains(needle),
        "{:?} does not contain {needle:?}",
        result.message
    );
    assert_no_secret(result);
}

#[track_caller]
fn assert_no_secret(result: &TestIntegrationResponse) {
    for secret in [
        KAFKA_PASSWORD,
        "wrong-password-Zr4",
        PG_PASSWORD,
        MSSQL_PASSWORD,
    ] {
        assert!(
            !result.message.contains(secret),
            "secret in {:?}",
            result.message
        );
    }
    assert!(
        !result.message.contains('\n'),
        "one line: {:?}",
        result.message
    );
}

/// A check against a closed port fails at connect, naming the refused address.
async fn assert_refused(
    kind: IntegrationKind,
    config: impl FnOnce(u16) -> HashMap<String, IntegrationConfigValue>,
) {
    let server = TestServer::start().await;
    let port = closed_port();
    let result = test_draft(&server, kind, config(port), false).await;
    assert_failed_with(
        &result,
        &format!("connect failed: connection refused by 127.0.0.1:{port}"),
    );
}

/// A check against a listener that never answers, on a server with an 800 ms test timeout,
/// fails with `needle` (the stage it was in and "timed out after").
async fn assert_times_out(
    kind: IntegrationKind,
    config: impl FnOnce(u16) -> HashMap<String, IntegrationConfigValue>,
    needle: &str,
) {
    let silent = SilentListener::start().await;
    let server = TestServer::with_test_timeout(Duration::from_millis(800)).await;
    let result = test_draft(&server, kind, config(silent.port), false).await;
    assert_failed_with(&result, needle);
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// Certificates for 127.0.0.1: a self-signed one, and one signed by a test CA.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn make() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path();
        self_signed(
            path,
            "self",
            "127.0.0.1",
            &["subjectAltName=IP:127.0.0.1", "basicConstraints=CA:FALSE"],
        );
        signed_by_test_ca(path, "leaf", "IP:127.0.0.1");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A TLS server configuration presenting `name`.pem with `name`.key.
    fn server_config(&self, name: &str) -> Arc<rustls::ServerConfig> {
        Arc::new(self.server_config_with(name, rustls::DEFAULT_VERSIONS))
    }

    /// [`Certificates::server_config`] speaking only the TLS `versions`.
    fn server_config_with(
        &self,
        name: &str,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> rustls::ServerConfig {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(self.path(&format!("{name}.pem")))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_file(self.path(&format!("{name}.key"))).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Kafka

fn message(key: Option<&str>, value: &str, timestamp_ms: i64) -> Message {
    Message {
        key: key.map(|k| k.as_bytes().to_vec()),
        value: value.as_bytes().to_vec(),
        timestamp_ms,
    }
}

/// Topic "orders": partition 0 holds 4 messages, partition 1 holds 3, interleaved in time.
fn orders() -> Topic {
    let t = 1_750_000_000_000;
    Topic {
        name: "orders".into(),
        partitions: vec![
            vec![
                message(Some("a"), "p0-0", t),
                message(Some("b"), "p0-1", t + 20),
                message(None, "p0-2", t + 40),
                message(Some("d"), "p0-3", t + 60),
            ],
            vec![
                message(Some("x"), "p1-0", t + 10),
                message(Some("y"), "p1-1", t + 30),
                message(Some("z"), "p1-2", t + 50),
            ],
        ],
        denied: false,
    }
}

fn kafka_config(
    port: u16,
    topic: &str,
    extra: &[(&str, &str)],
) -> HashMap<String, IntegrationConfigValue> {
    let server = format!("127.0.0.1:{port}");
    let mut pairs = vec![
        ("KAFKA_BOOTSTRAP_SERVER", server.as_str()),
        ("KAFKA_TOPIC", topic),
    ];
    pairs.extend_from_slice(extra);
    literals(&pairs)
}

fn sasl(mechanism: &'static str) -> Option<Sasl> {
    Some(Sasl {
        mechanism,
        user: "alice".into(),
        password: KAFKA_PASSWORD.into(),
    })
}

fn sasl_keys<'a>(
    protocol: &'a str,
    mechanism: &'a str,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("KAFKA_SECURITY_PROTOCOL", protocol),
        ("KAFKA_SASL_MECHANISM", mechanism),
        ("KAFKA_SASL_USERNAME", "alice"),
        ("KAFKA_SASL_PASSWORD", password),
    ]
}

/// A broker serving [`orders`], with `sasl` and `tls` if given.
async fn orders_broker(sasl: Option<Sasl>, tls: Option<Arc<rustls::ServerConfig>>) -> Broker {
    Broker::start(Options {
        topics: vec![orders()],
        sasl,
        tls,
        ..Default::default()
    })
    .await
}

/// Tests a Kafka draft ([`kafka_config`]).
pub(crate) async fn test_kafka(
    server: &TestServer,
    port: u16,
    topic: &str,
    extra: &[(&str, &str)],
    include_preview: bool,
) -> TestIntegrationResponse {
    let config = kafka_config(port, topic, extra);
    test_draft(server, IntegrationKind::Kafka, config, include_preview).await
}

#[tokio::test]
async fn kafka_plaintext_metadata_finds_the_topic_without_creating_anything() {
    let broker = orders_broker(None, None).await;
    let server = TestServer::start().await;
    let result = test_kafka(&server, broker.port, "orders", &[], false).await;
    assert!(result.success, "{}", result.message);
    assert!(
        result
            .message
            .contains("topic \"orders\" has 2 partitions on 1 broker"),
        "{}",
        result.message
    );
    assert!(
        result.message.contains("PLAINTEXT, no SASL"),
        "{}",
        result.message
    );
    assert!(result.preview_messages.is_empty());
    assert!(broker.requested((18, 0)) && broker.requested((3, 4)));
    assert!(
        !broker.requested((1, 4)),
        "no Fetch without include_preview"
    );
    assert!(!broker.seen.auto_create_asked.load(Ordering::SeqCst));
}

#[tokio::test]
async fn kafka_preview_answers_the_five_most_recent_messages_decoded() {
    let broker = orders_broker(None, None).await;
    let server = TestServer::start().await;
    let result = test_kafka(&server, broker.port, "orders", &[], true).await;
    assert_succeeded_with(&result, "previewed 5 recent messages");
    let t = 1_750_000_000_000;
    let got: Vec<(Option<String>, String, String, String, i64)> = result
        .preview_messages
        .iter()
        .map(|m| {
            (
                m.key_base64
                    .as_ref()
                    .map(|k| String::from_utf8(STANDARD.decode(k).unwrap()).unwrap()),
                String::from_utf8(STANDARD.decode(&m.value_base64).unwrap()).unwrap(),
                m.partition.clone(),
                m.offset.clone(),
                m.timestamp_ms,
            )
        })
        .collect();
    let o = |n: i64| (BASE_OFFSET + n).to_string();
    assert_eq!(
        got,
        vec![
            (Some("d".into()), "p0-3".into(), "0".into(), o(3), t + 60),
            (Some("z".into()), "p1-2".into(), "1".into(), o(2), t + 50),
            (None, "p0-2".into(), "0".into(), o(2), t + 40),
            (Some("y".into()), "p1-1".into(), "1".into(), o(1), t + 30),
            (Some("b".into()), "p0-1".into(), "0".into(), o(1), t + 20),
        ]
    );
    assert!(result.preview_messages.iter().all(|m| m.topic == "orders"));
    assert!(broker.requested((2, 1)) && broker.requested((1, 4)));
}

#[tokio::test]
async fn kafka_preview_reads_each_partition_from_its_leader() {
    // Node 1 leads partition 1; the bootstrap broker (node 0) leads partition 0.
    let leader = Broker::start(Options {
        topics: vec![orders()],
        node_id: 1,
        ..Default::default()
    })
    .await;
    let bootstrap = Broker::start(Options {
        topics: vec![orders()],
        others: vec![(1, leader.port)],
        leaders: vec![0, 1],
        ..Default::default()
    })
    .await;
    let server = TestServer::start().await;
    let result = test_kafka(&server, bootstrap.port, "orders", &[], true).await;
    assert_succeeded_with(&result, "on 2 brokers");
    assert_eq!(result.preview_messages.len(), 5);
    assert!(result.preview_messages.iter().any(|m| m.partition == "1"));
    assert_eq!(*bootstrap.seen.fetched_partitions.lock().unwrap(), vec![0]);
    assert_eq!(*leader.seen.fetched_partitions.lock().unwrap(), vec![1]);
}

#[tokio::test]
async fn kafka_missing_topic_fails_at_query_naming_it() {
    let broker = orders_broker(None, None).await;
    let server = TestServer::start().await;
    let result = test_kafka(&server, broker.port, "no-such-topic", &[], true).await;
    assert_failed_with(
        &result,
        "query failed: topic \"no-such-topic\" does not exist",
    );
    assert!(!broker.seen.auto_create_asked.load(Ordering::SeqCst));
}

#[tokio::test]
async fn kafka_topic_without_describe_permission_says_so() {
    let mut denied = orders();
    denied.denied = true;
    let broker = Broker::start(Options {
        topics: vec![denied],
        ..Default::default()
    })
    .await;
    let server = TestServer::start().await;
    let result = test_kafka(&server, broker.port, "orders", &[], false).await;
    assert_failed_with(
        &result,
        "query failed: not authorized to access topic \"orders\" (TOPIC_AUTHORIZATION_FAILED)",
    );
}

#[tokio::test]
async fn kafka_sasl_plain_logs_in_and_a_wrong_password_fails_at_authenticate() {
    let broker = orders_broker(sasl("PLAIN"), None).await;
    let server = TestServer::start().await;
    let good = sasl_keys("SASL_PLAINTEXT", "PLAIN", KAFKA_PASSWORD);
    let result = test_kafka(&server, broker.port, "orders", &good, true).await;
    assert_succeeded_with(&result, "SASL PLAIN as alice");
    assert_eq!(result.preview_messages.len(), 5);
    assert_no_secret(&result);

    let bad = sasl_keys("SASL_PLAINTEXT", "PLAIN", "wrong-password-Zr4");
    let result = test_kafka(&server, broker.port, "orders", &bad, false).await;
    assert_failed_with(
        &result,
        "authenticate failed: authentication failed for user alice with SASL PLAIN",
    );
}

/// A broker asking for more SCRAM iterations than the cap is refused, naming the number; one at
/// the cap still logs in (PBKDF2 runs off the async workers).
#[tokio::test]
async fn kafka_scram_iteration_counts_above_16384_are_refused() {
    let server = TestServer::start().await;
    let keys = sasl_keys("SASL_PLAINTEXT", "SCRAM-SHA-512", KAFKA_PASSWORD);
    for (iterations, refused) in [(10_000_000, true), (16_384, false)] {
        let broker = Broker::start(Options {
            topics: vec![orders()],
            sasl: sasl("SCRAM-SHA-512"),
            scram_iterations: Some(iterations),
            ..Default::default()
        })
        .await;
        let result = test_kafka(&server, broker.port, "orders", &keys, false).await;
        if refused {
            assert_failed_with(
                &result,
                "authenticate failed: the server asks for 10000000 SCRAM iterations; more than 16384 is refused",
            );
        } else {
            assert!(result.success, "{iterations}: {}", result.message);
        }
        assert_no_secret(&result);
    }
}

#[tokio::test]
async fn kafka_scram_sha_256_and_512_log_in_and_a_wrong_password_fails() {
    for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let broker = orders_broker(sasl(mechanism), None).await;
        let server = TestServer::start().await;
        let good = sasl_keys("SASL_PLAINTEXT", mechanism, KAFKA_PASSWORD);
        let result = test_kafka(&server, broker.port, "orders", &good, false).await;
        assert!(result.success, "{mechanism}: {}", result.message);
        assert!(
            result
                .message
                .contains(&format!("SASL {mechanism} as alice")),
            "{}",
            result.message
        );
        assert_no_secret(&result);

        let bad = sasl_keys("SASL_PLAINTEXT", mechanism, "wrong-password-Zr4");
        let result = test_kafka(&server, broker.port, "orders", &bad, false).await;
        assert_failed_with(
            &result,
            &format!(
                "authenticate failed: authentication failed for user alice with SASL {mechanism}"
            ),
        );
    }
}

#[tokio::test]
async fn kafka_mechanism_the_broker_does_not_enable_and_unsupported_ones_fail_at_authenticate() {
    let broker = orders_broker(sasl("SCRAM-SHA-512"), None).await;
    let server = TestServer::start().await;
    let plain = sasl_keys("SASL_PLAINTEXT", "PLAIN", KAFKA_PASSWORD);
    let result = test_kafka(&server, broker.port, "orders", &plain, false).await;
    assert_failed_with(
        &result,
        "the broker does not enable SASL PLAIN (it offers SCRAM-SHA-512)",
    );

    let gssapi = [
        ("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("KAFKA_SASL_MECHANISM", "GSSAPI"),
    ];
    let result = test_kafka(&server, broker.port, "orders", &gssapi, false).await;
    assert_failed_with(
        &result,
        "authenticate failed: not supported by the connectivity test: SASL GSSAPI (Kerberos)",
    );
}

#[tokio::test]
async fn kafka_missing_credentials_fail_at_resolve_naming_the_key() {
    let server = TestServer::start().await;
    let keys = [
        ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
        ("KAFKA_SASL_USERNAME", "alice"),
    ];
    let result = test_kafka(&server, closed_port(), "orders", &keys, false).await;
    assert_failed_with(&result, "resolve failed: KAFKA_SASL_PASSWORD is not set");
}

#[tokio::test]
async fn kafka_closed_port_says_connection_refused() {
    assert_refused(IntegrationKind::Kafka, |port| {
        kafka_config(port, "orders", &[])
    })
    .await;
}

#[tokio::test]
async fn kafka_silent_listener_hits_the_deadline() {
    assert_times_out(
        IntegrationKind::Kafka,
        |port| kafka_config(port, "orders", &[]),
        "authenticate failed: timed out after",
    )
    .await;
}

#[tokio::test]
async fn kafka_ssl_against_a_self_signed_certificate_is_not_trusted() {
    let certificates = Certificates::make();
    let broker = orders_broker(None, Some(certificates.server_config("self"))).await;
    let server = TestServer::start().await;
    let keys = [("KAFKA_SECURITY_PROTOCOL", "SSL")];
    let result = test_kafka(&server, broker.port, "orders", &keys, false).await;
    assert_failed_with(&result, "TLS failed: certificate not trusted: self-signed");
}

#[tokio::test]
async fn kafka_sasl_ssl_with_a_ca_file_logs_in_over_tls() {
    let certificates = Certificates::make();
    let broker = orders_broker(
        sasl("SCRAM-SHA-256"),
        Some(certificates.server_config("leaf")),
    )
    .await;
    let server = TestServer::start().await;
    let ca = certificates.path("ca.pem").display().to_string();
    let mut keys = sasl_keys("SASL_SSL", "SCRAM-SHA-256", KAFKA_PASSWORD);
    keys.push(("KAFKA_SSL_CA_FILE", &ca));
    let result = test_kafka(&server, broker.port, "orders", &keys, true).await;
    assert!(result.success, "{}", result.message);
    assert!(
        result
            .message
            .contains("SASL_SSL, SASL SCRAM-SHA-256 as alice"),
        "{}",
        result.message
    );
    assert_eq!(result.preview_messages.len(), 5);
    assert_no_secret(&result);

    // Without the CA the same broker's certificate has an unknown issuer.
    let keys = sasl_keys("SASL_SSL", "SCRAM-SHA-256", KAFKA_PASSWORD);
    let result = test_kafka(&server, broker.port, "orders", &keys, false).await;
    assert_failed_with(
        &result,
        "TLS failed: certificate not trusted: unknown issuer",
    );
}

#[tokio::test]
async fn kafka_plaintext_client_against_a_tls_listener_fails_in_one_line() {
    let certificates = Certificates::make();
    let broker = orders_broker(None, Some(certificates.server_config("self"))).await;
    let server = TestServer::with_test_timeout(Duration::from_secs(5)).await;
    let result = test_kafka(&server, broker.port, "orders", &[], false).await;
    assert!(!result.success);
    assert!(
        result.message.contains("authenticate failed"),
        "{}",
        result.message
    );
    assert_no_secret(&result);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL and Redshift TLS: through a loopback front that relays to the machine's PostgreSQL
// on 127.0.0.1:5432 and offers TLS with a test certificate, or refuses TLS like a server with
// `ssl = off` (the machine's own server may have TLS on or off; these tests do not depend on it)

fn pg_config(
    port: u16,
    database: &str,
    extra: &[(&str, &str)],
) -> HashMap<String, IntegrationConfigValue> {
    let port = port.to_string();
    let mut pairs = vec![
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", port.as_str()),
        ("PGDATABASE", database),
        ("PGUSER", "postgres"),
        ("PGPASSWORD", PG_PASSWORD),
    ];
    pairs.extend_from_slice(extra);
    literals(&pairs)
}

fn redshift_config(port: u16, engine_arguments: &str) -> HashMap<String, IntegrationConfigValue> {
    let port = port.to_string();
    literals(&[
        ("REDSHIFT_HOST", "127.0.0.1"),
        ("REDSHIFT_PORT", port.as_str()),
        ("REDSHIFT_DB", "test"),
        ("REDSHIFT_USER", "postgres"),
        ("REDSHIFT_PASSWORD", PG_PASSWORD),
        ("ENGINE_ARGUMENTS", engine_arguments),
    ])
}

/// Tests a PostgreSQL draft ([`pg_config`]) without a preview.
async fn test_postgres(
    server: &TestServer,
    port: u16,
    database: &str,
    extra: &[(&str, &str)],
) -> TestIntegrationResponse {
    let config = pg_config(port, database, extra);
    test_draft(server, IntegrationKind::Postgresql, config, false).await
}

/// Tests a Redshift draft ([`redshift_config`]) without a preview.
async fn test_redshift(
    server: &TestServer,
    port: u16,
    engine_arguments: &str,
) -> TestIntegrationResponse {
    let config = redshift_config(port, engine_arguments);
    test_draft(server, IntegrationKind::Redshift, config, false).await
}

#[tokio::test]
async fn postgres_sslmode_require_against_a_server_without_tls_fails_at_tls() {
    let plain = PgTlsProxy::start(None, 5432).await;
    let server = TestServer::start().await;
    let result = test_postgres(&server, plain.port, "test", &[("PGSSLMODE", "require")]).await;
    assert_failed_with(
        &result,
        "TLS failed: the server does not support TLS (sslmode is require)",
    );
}

#[tokio::test]
async fn postgres_sslmode_prefer_falls_back_to_plain_text_and_disable_skips_tls() {
    let plain = PgTlsProxy::start(None, 5432).await;
    let server = TestServer::start().await;
    for (mode, port) in [("prefer", plain.port), ("disable", 5432)] {
        let result = test_postgres(&server, port, "test", &[("PGSSLMODE", mode)]).await;
        assert!(result.success, "{mode}: {}", result.message);
        assert!(
            result.message.contains("(no TLS); SELECT 1 ok"),
            "{}",
            result.message
        );
        assert_no_secret(&result);
    }
}

#[tokio::test]
async fn postgres_verify_full_over_tls_with_the_ca_file_runs_select_1() {
    let certificates = Certificates::make();
    let proxy = PgTlsProxy::start(Some(certificates.server_config("leaf")), 5432).await;
    let server = TestServer::start().await;
    let ca = certificates.path("ca.pem").display().to_string();
    let keys = [("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", ca.as_str())];
    let result = test_postgres(&server, proxy.port, "test", &keys).await;
    assert_succeeded_with(&result, "(TLS); SELECT 1 ok");
    assert!(
        result.message.contains("TLS "),
        "the TLS stage is timed: {}",
        result.message
    );
    assert_no_secret(&result);

    let result = test_postgres(&server, proxy.port, "no_such_db_tls", &keys).await;
    assert_failed_with(
        &result,
        "query failed: database \"no_such_db_tls\" does not exist",
    );

    // Without the CA file the same certificate has an unknown issuer.
    let result = test_postgres(&server, proxy.port, "test", &[("PGSSLMODE", "verify-ca")]).await;
    assert_failed_with(
        &result,
        "TLS failed: certificate not trusted: unknown issuer",
    );
}

#[tokio::test]
async fn postgres_verify_full_against_a_self_signed_certificate_is_not_trusted_but_require_encrypts()
 {
    let certificates = Certificates::make();
    let proxy = PgTlsProxy::start(Some(certificates.server_config("self")), 5432).await;
    let server = TestServer::start().await;
    let result = test_postgres(&server, proxy.port, "test", &[("PGSSLMODE", "verify-full")]).await;
    assert_failed_with(&result, "TLS failed: certificate not trusted: self-signed");

    // libpq's require encrypts without checking the certificate.
    let result = test_postgres(&server, proxy.port, "test", &[("PGSSLMODE", "require")]).await;
    assert_succeeded_with(&result, "(TLS); SELECT 1 ok");
}

#[tokio::test]
async fn redshift_takes_sslmode_from_engine_arguments() {
    let certificates = Certificates::make();
    let self_signed = PgTlsProxy::start(Some(certificates.server_config("self")), 5432).await;
    let signed = PgTlsProxy::start(Some(certificates.server_config("leaf")), 5432).await;
    let plain = PgTlsProxy::start(None, 5432).await;
    let server = TestServer::start().await;
    let verify_ca = r#"{"connect_args": {"sslmode": "verify-ca"}}"#;
    let result = test_redshift(&server, self_signed.port, verify_ca).await;
    assert_failed_with(&result, "TLS failed: certificate not trusted: self-signed");

    let with_ca = format!(
        r#"{{"connect_args": {{"sslmode": "verify-full", "sslrootcert": "{}"}}}}"#,
        certificates.path("ca.pem").display()
    );
    let result = test_redshift(&server, signed.port, &with_ca).await;
    assert_succeeded_with(&result, "(TLS); SELECT 1 ok");
    assert_no_secret(&result);

    let result = test_redshift(
        &server,
        plain.port,
        r#"{"connect_args": {"sslmode": "require"}}"#,
    )
    .await;
    assert_failed_with(
        &result,
        "TLS failed: the server does not support TLS (sslmode is require)",
    );
}

#[tokio::test]
async fn postgres_tls_against_a_silent_listener_times_out_at_the_tls_stage() {
    assert_times_out(
        IntegrationKind::Postgresql,
        |port| pg_config(port, "test", &[("PGSSLMODE", "require")]),
        "TLS failed: timed out after",
    )
    .await;
}

#[tokio::test]
async fn postgres_closed_port_with_tls_says_connection_refused() {
    assert_refused(IntegrationKind::Postgresql, |port| {
        pg_config(port, "test", &[("PGSSLMODE", "verify-full")])
    })
    .await;
}

#[tokio::test]
async fn postgres_unknown_sslmode_is_refused_naming_the_key() {
    let server = TestServer::start().await;
    // PGSSLMODE is a catalog enum: the server refuses a bad value before testing anything.
    let (mut client, headers) = server.raw().await;
    let request = headers.request(TestIntegrationRequest {
        kind: IntegrationKind::Postgresql as i32,
        config: pg_config(5432, "test", &[("PGSSLMODE", "always")]),
        ..Default::default()
    });
    let status = tokio::time::timeout(CALL_BOUND, client.test_integration(request))
        .await
        .expect("answers within its bound")
        .expect_err("a bad PGSSLMODE is refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().starts_with("PGSSLMODE: "),
        "{}",
        status.message()
    );
    // Through ENGINE_ARGUMENTS the check itself reads it and fails at resolve.
    let result = test_postgres(
        &server,
        5432,
        "test",
        &[(
            "ENGINE_ARGUMENTS",
            r#"{"connect_args": {"sslmode": "always"}}"#,
        )],
    )
    .await;
    assert_failed_with(&result, "resolve failed:");
    assert!(
        result.message.contains("\"always\" is not an sslmode"),
        "{}",
        result.message
    );
}

// ---------------------------------------------------------------------------------------------
// MSSQL (TDS) against a loopback peer that answers as SQL Server does

async fn tds_server(
    encryption: tds::Encryption,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> TdsServer {
    TdsServer::start(tds::Login {
        user: "sa".into(),
        password: MSSQL_PASSWORD.into(),
        database: "features".into(),
        encryption,
        tls,
    })
    .await
}

/// A TLS 1.2-only server configuration, as SQL Server speaks TLS with TDS 7.x.
fn tds_tls(certificates: &Certificates, name: &str) -> Arc<rustls::ServerConfig> {
    let mut config = certificates.server_config_with(name, &[&rustls::version::TLS12]);
    config.send_tls13_tickets = 0;
    Arc::new(config)
}

/// A TDS peer with `encryption` presenting the self-signed certificate.
async fn self_signed_tds_server(encryption: tds::Encryption) -> TdsServer {
    let certificates = Certificates::make();
    tds_server(encryption, Some(tds_tls(&certificates, "self"))).await
}

fn mssql_config(
    port: u16,
    database: &str,
    password: &str,
) -> HashMap<String, IntegrationConfigValue> {
    let port = port.to_string();
    literals(&[
        ("MSSQL_HOST", "127.0.0.1"),
        ("MSSQL_TCP_PORT", port.as_str()),
        ("MSSQL_DATABASE", database),
        ("MSSQL_USER", "sa"),
        ("MSSQL_PWD", password),
    ])
}

/// Tests an MSSQL draft ([`mssql_config`]) without a preview.
async fn test_mssql(
    server: &TestServer,
    port: u16,
    database: &str,
    password: &str,
) -> TestIntegrationResponse {
    let config = mssql_config(port, database, password);
    test_draft(server, IntegrationKind::Mssql, config, false).await
}

#[tokio::test]
async fn mssql_sql_login_runs_select_1() {
    let peer = tds_server(tds::Encryption::NotSupported, None).await;
    let server = TestServer::start().await;
    let result = test_mssql(&server, peer.port, "features", MSSQL_PASSWORD).await;
    assert_succeeded_with(&result, "as sa, database \"features\"");
    assert!(result.message.contains("SELECT 1 ok"), "{}", result.message);
    assert_no_secret(&result);
}

#[tokio::test]
async fn mssql_wrong_password_says_login_failed() {
    let peer = tds_server(tds::Encryption::NotSupported, None).await;
    let server = TestServer::start().await;
    let result = test_mssql(&server, peer.port, "features", "wrong-password-Zr4").await;
    assert_failed_with(&result, "authenticate failed: Login failed for user 'sa'.");
}

#[tokio::test]
async fn mssql_missing_database_fails_at_query() {
    let peer = tds_server(tds::Encryption::NotSupported, None).await;
    let server = TestServer::start().await;
    let result = test_mssql(&server, peer.port, "no_such_db", MSSQL_PASSWORD).await;
    assert_failed_with(
        &result,
        "query failed: Cannot open database \"no_such_db\" requested by the login. The login failed.",
    );
}

#[tokio::test]
async fn mssql_login_only_encryption_wraps_the_tls_handshake_in_prelogin_packets() {
    let peer = self_signed_tds_server(tds::Encryption::LoginOnly).await;
    let server = TestServer::start().await;
    let result = test_mssql(&server, peer.port, "features", MSSQL_PASSWORD).await;
    assert_succeeded_with(&result, "(login encrypted); SELECT 1 ok");
    assert_no_secret(&result);

    let result = test_mssql(&server, peer.port, "features", "wrong-password-Zr4").await;
    assert_failed_with(&result, "authenticate failed: Login failed for user 'sa'.");
}

#[tokio::test]
async fn mssql_forced_encryption_checks_the_certificate_unless_told_to_trust_it() {
    let peer = self_signed_tds_server(tds::Encryption::Required).await;
    let server = TestServer::start().await;
    let result = test_mssql(&server, peer.port, "features", MSSQL_PASSWORD).await;
    assert_failed_with(&result, "TLS failed: certificate not trusted: self-signed");

    let mut trusting = mssql_config(peer.port, "features", MSSQL_PASSWORD);
    trusting.extend(literals(&[(
        "ENGINE_ARGUMENTS",
        r#"{"connect_args": {"TrustServerCertificate": "yes"}}"#,
    )]));
    let result = test_draft(&server, IntegrationKind::Mssql, trusting, false).await;
    assert_succeeded_with(&result, "(encrypted); SELECT 1 ok");
    assert!(result.message.contains("TLS "), "{}", result.message);

    let mut missing = mssql_config(peer.port, "no_such_db", MSSQL_PASSWORD);
    missing.extend(literals(&[(
        "ENGINE_ARGUMENTS",
        r#"{"connect_args": {"TrustServerCertificate": true}}"#,
    )]));
    let result = test_draft(&server, IntegrationKind::Mssql, missing, false).await;
    assert_failed_with(&result, "query failed: Cannot open database \"no_such_db\"");
}

#[tokio::test]
async fn mssql_closed_port_says_connection_refused() {
    assert_refused(IntegrationKind::Mssql, |port| {
        mssql_config(port, "features", MSSQL_PASSWORD)
    })
    .await;
}

#[tokio::test]
async fn mssql_silent_listener_hits_the_deadline() {
    assert_times_out(
        IntegrationKind::Mssql,
        |port| mssql_config(port, "features", MSSQL_PASSWORD),
        "TLS failed: timed out after",
    )
    .await;
}

#[tokio::test]
async fn mssql_entra_logins_are_named_unsupported_and_a_missing_host_names_its_key() {
    let peer = tds_server(tds::Encryption::NotSupported, None).await;
    let server = TestServer::start().await;
    let port = peer.port.to_string();
    let principal = literals(&[
        ("MSSQL_HOST", "127.0.0.1"),
        ("MSSQL_TCP_PORT", port.as_str()),
        ("MSSQL_DATABASE", "features"),
        ("MSSQL_CLIENT_ID", "00000000-0000-0000-0000-000000000000"),
        ("MSSQL_CLIENT_SECRET", MSSQL_PASSWORD),
        ("MSSQL_TENANT_ID", "11111111-1111-1111-1111-111111111111"),
    ]);
    let result = test_draft(&server, IntegrationKind::Mssql, principal, false).await;
    assert_failed_with(
        &result,
        "authenticate failed: not supported by the connectivity test: Microsoft Entra service principal login",
    );

    let no_host = literals(&[("MSSQL_DATABASE", "features"), ("MSSQL_USER", "sa")]);
    let result = test_draft(&server, IntegrationKind::Mssql, no_host, false).await;
    assert_failed_with(&result, "resolve failed: MSSQL_HOST is not set");
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// Passwords of awkward shapes, each tried as a wrong password (and for SCRAM as the right
/// one): none may appear in any message, whatever the stage.
#[tokio::test]
async fn no_password_of_any_shape_appears_in_a_message() {
    let passwords = [
        "p@ss word,=x",
        "ünïcødé-Pw1",
        "a'b\"c\\d%25",
        "0123456789abcdef0123456789abcdef",
        "n=alice,r=abc",
    ];
    let server = TestServer::start().await;
    let tds = tds_server(tds::Encryption::NotSupported, None).await;
    let plain = orders_broker(sasl("PLAIN"), None).await;
    for password in passwords {
        let scram = Broker::start(Options {
            topics: vec![orders()],
            sasl: Some(Sasl {
                mechanism: "SCRAM-SHA-512",
                user: "alice".into(),
                password: password.into(),
            }),
            ..Default::default()
        })
        .await;
        let keys = sasl_keys("SASL_PLAINTEXT", "SCRAM-SHA-512", password);
        let missing_topic = kafka_config(scram.port, "missing", &keys);
        let wrong_plain = kafka_config(
            plain.port,
            "orders",
            &sasl_keys("SASL_PLAINTEXT", "PLAIN", password),
        );
        let results = [
            test_draft(&server, IntegrationKind::Kafka, missing_topic, true).await,
            test_draft(&server, IntegrationKind::Kafka, wrong_plain, false).await,
            test_mssql(&server, tds.port, "features", password).await,
            test_postgres(&server, closed_port(), "test", &[("PGPASSWORD", password)]).await,
        ];
        assert!(
            results[0]
                .message
                .contains("topic \"missing\" does not exist"),
            "{}",
            results[0].message
        );
        for result in results {
            assert!(!result.success);
            assert!(
                !result.message.contains(password),
                "{password:?} in {:?}",
                result.message
            );
        }
    }
}
