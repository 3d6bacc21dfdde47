//! The MySQL check over TLS against a real MariaDB of the test's own that requires secure
//! transport (`peers::mariadb_server`), with certificates made by `common::certs`: the default
//! mode passes over TLS, plain text is refused by the server, VERIFY_CA and VERIFY_IDENTITY pass
//! with the CA that signed the server's certificate and fail at TLS with one that did not (or
//! with only the platform's roots, or a CA file that is not PEM). No message shows the password.

use crate::common::certs::signed_by_test_ca;
use crate::common::{TestServer, assert_failed};
use crate::peers::mariadb_server::{MariaDb, TlsFiles};

use rand::distr::{Alphanumeric, SampleString};
use sourcedeck::proto::{IntegrationKind, TestIntegrationResponse};

#[track_caller]
fn assert_passed_over_tls(result: &TestIntegrationResponse) {
    assert!(result.success, "expected success: {}", result.message);
    assert!(result.message.contains("over TLS"), "{}", result.message);
}

#[tokio::test]
async fn a_server_requiring_tls_passes_over_tls_and_a_foreign_ca_fails_at_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, certificate, key) = signed_by_test_ca(dir.path(), "mariadb", "IP:127.0.0.1");
    // Another CA of the same name: only its key tells it apart.
    let foreign = tempfile::tempdir().unwrap();
    let (foreign_ca, _, _) = signed_by_test_ca(foreign.path(), "other", "IP:127.0.0.1");
    let server = tokio::task::spawn_blocking(move || {
        MariaDb::start_requiring_tls(&TlsFiles {
            certificate: &certificate,
            key: &key,
            ca: &ca,
        })
    })
    .await
    .unwrap();
    let ca = dir.path().join("ca.pem");
    let password = Alphanumeric.sample_string(&mut rand::rng(), 24);
    server.sql(&format!(
        "CREATE USER 'tls_check'@'%' IDENTIFIED BY '{password}'; CREATE DATABASE checks; GRANT ALL ON checks.* TO 'tls_check'@'%';"
    ));
    let api = TestServer::start().await;
    let port = server.port.to_string();
    let check = |extra: Vec<(&'static str, String)>| {
        let mut pairs = vec![
            ("MYSQL_HOST", "127.0.0.1".to_string()),
            ("MYSQL_TCP_PORT", port.clone()),
            ("MYSQL_USER", "tls_check".to_string()),
            ("MYSQL_DATABASE", "checks".to_string()),
            ("MYSQL_PWD", password.clone()),
        ];
        pairs.extend(extra);
        let api = &api;
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api.check_draft(IntegrationKind::Mysql, &pairs).await
        }
    };
    let ca_path = ca.display().to_string();
    let foreign_path = foreign_ca.display().to_string();
    let mut results = Vec::new();

    let result = check(vec![]).await;
    assert_passed_over_tls(&result);
    results.push(result);

    let result = check(vec![("MYSQL_SSL_MODE", "DISABLED".into())]).await;
    assert!(!result.success, "plain text got in: {}", result.message);
    assert!(
        result.message.starts_with("authenticate failed: "),
        "{}",
        result.message
    );
    results.push(result);

    let result = check(vec![("MYSQL_SSL_CA", ca_path.clone())]).await;
    assert_passed_over_tls(&result);
    results.push(result);

    let result = check(vec![
        ("MYSQL_SSL_MODE", "VERIFY_IDENTITY".into()),
        ("MYSQL_SSL_CA", ca_path.clone()),
    ])
    .await;
    assert_passed_over_tls(&result);
    results.push(result);

    let engine = format!(r#"{{"connect_args": {{"ssl": {{"ca": "{foreign_path}"}}}}}}"#);
    let result = check(vec![("ENGINE_ARGUMENTS", engine)]).await;
    assert_failed(
        &result,
        "TLS",
        "certificate not trusted: not signed by the trusted CA",
    );
    results.push(result);

    let result = check(vec![
        ("MYSQL_SSL_MODE", "VERIFY_CA".into()),
        ("MYSQL_SSL_CA", foreign_path),
    ])
    .await;
    assert_failed(
        &result,
        "TLS",
        "certificate not trusted: not signed by the trusted CA",
    );
    results.push(result);

    // Without a CA file, VERIFY_CA trusts the platform's roots, which never signed a test CA.
    let result = check(vec![("MYSQL_SSL_MODE", "VERIFY_CA".into())]).await;
    assert_failed(&result, "TLS", "certificate not trusted: unknown issuer");
    results.push(result);

    let not_pem = dir.path().join("not-a-ca.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let result = check(vec![("MYSQL_SSL_CA", not_pem.display().to_string())]).await;
    assert_failed(
        &result,
        "TLS",
        "MYSQL_SSL_CA: the CA file holds no PEM certificate",
    );
    results.push(result);

    for result in &results {
        assert!(!result.message.contains(&password), "{}", result.message);
    }
}
