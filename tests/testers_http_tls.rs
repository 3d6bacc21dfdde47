//! The HTTP-based kinds' checks over TLS that succeeds: this binary trusts a test CA through
//! `SSL_CERT_FILE` (read by rustls-native-certs), set once before anything else runs in its
//! process, which is why it is a test binary of its own with a single test. Covers HTTPS
//! success for ClickHouse (TLS by default) and Trino (basic auth, only ever sent over HTTPS),
//! Trino's wrong password, a certificate for another host, and ClickHouse over HTTPS through a
//! CONNECT tunnel of `HTTPS_PROXY` (with TLS to the target inside it).

#[path = "it/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "it/peers/http_proxy.rs"]
mod http_proxy;
#[path = "it/peers/http.rs"]
mod peers;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::TestServer;
use common::certs::signed_by_test_ca;
use peers::{Answer, Peer, Seen};
use serde_json::json;
use sourcedeck::proto::IntegrationKind;

const CH_PASSWORD: &str = "ch-tls-pw-Vb61-never-shown";
const TRINO_PASSWORD: &str = "trino-tls-pw-Nc27-never-shown";

/// A ClickHouse draft for user admin against the peer on `port` of 127.0.0.1.
fn clickhouse(port: &str) -> [(&'static str, &str); 5] {
    [
        ("CLICKHOUSE_HOST", "127.0.0.1"),
        ("CLICKHOUSE_TCP_PORT", port),
        ("CLICKHOUSE_DATABASE", "analytics"),
        ("CLICKHOUSE_USER", "admin"),
        ("CLICKHOUSE_PWD", CH_PASSWORD),
    ]
}

/// ClickHouse's HTTP interface and Trino's statement protocol on one port: ClickHouse requests
/// carry X-ClickHouse-User, Trino's go to /v1/statement with basic auth for alice.
fn handler(seen: &Seen) -> Answer {
    if seen.header("x-clickhouse-user").is_some() {
        return if seen.header("x-clickhouse-key") == Some(CH_PASSWORD) {
            Answer::text(200, "1\n")
        } else {
            Answer::text(
                403,
                "Code: 516. DB::Exception: admin: Authentication failed. (AUTHENTICATION_FAILED)\n",
            )
        };
    }
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("alice:{TRINO_PASSWORD}"))
    );
    if seen.header("authorization") != Some(expected.as_str()) {
        return Answer::text(401, "Unauthorized");
    }
    let sql = String::from_utf8_lossy(&seen.body);
    let data = if sql == "SELECT 1" {
        json!([[1]])
    } else {
        json!([["default"]])
    };
    Answer::json(
        200,
        json!({"id": "q1", "data": data, "stats": {"state": "FINISHED"}}),
    )
}

#[test]
fn checks_over_tls_with_a_trusted_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, certificate, key) = signed_by_test_ca(dir.path(), "loopback", "IP:127.0.0.1");
    let (_, other, other_key) = signed_by_test_ca(dir.path(), "other", "DNS:other.example");
    // SAFETY: the only test of this binary sets it before starting any thread of its own.
    unsafe { std::env::set_var("SSL_CERT_FILE", &ca) };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = TestServer::start().await;
        let peer = Peer::tls(handler, &certificate, &key).await;
        let port = peer.port.to_string();

        let result = server
            .check_draft(IntegrationKind::Clickhouse, &clickhouse(&port))
            .await;
        assert!(result.success, "{}", result.message);
        assert!(
            result
                .message
                .contains(&format!("https://127.0.0.1:{port}")),
            "{}",
            result.message
        );
        assert!(
            result.message.contains("TLS "),
            "a TLS stage: {}",
            result.message
        );
        assert!(!result.message.contains(CH_PASSWORD));

        let trino = |password: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("TRINO_HOST", "127.0.0.1".to_string()),
                ("TRINO_PORT", port.clone()),
                ("TRINO_CATALOG", "hive".to_string()),
                ("TRINO_USER", "alice".to_string()),
                ("TRINO_PASSWORD", password.to_string()),
            ]
        };
        let good = trino(TRINO_PASSWORD);
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let result = server.check_draft(IntegrationKind::Trino, &good).await;
        assert!(result.success, "{}", result.message);
        assert!(
            result
                .message
                .contains(&format!("https://127.0.0.1:{port} as alice"))
        );
        assert!(!result.message.contains(TRINO_PASSWORD));

        let wrong = trino("trino-wrong-Qq09");
        let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let result = server.check_draft(IntegrationKind::Trino, &wrong).await;
        assert!(!result.success);
        assert!(
            result.message.starts_with(
                "authenticate failed: password authentication failed for user alice (HTTP 401)"
            ),
            "{}",
            result.message
        );
        assert!(!result.message.contains("trino-wrong-Qq09"));

        let elsewhere = Peer::tls(handler, &other, &other_key).await;
        let port = elsewhere.port.to_string();
        let result = server
            .check_draft(IntegrationKind::Clickhouse, &clickhouse(&port))
            .await;
        assert!(
            result
                .message
                .starts_with("TLS failed: certificate is for a different host than 127.0.0.1"),
            "{}",
            result.message
        );
        assert!(elsewhere.seen().is_empty());

        // Through a proxy: CONNECT to the target, then TLS with the target inside the tunnel.
        let proxy_password = "proxy-pw-Hd83-never-shown";
        let expected = format!(
            "Basic {}",
            STANDARD.encode(format!("tunnel:{proxy_password}"))
        );
        let proxy = http_proxy::ProxyPeer::requiring(&expected).await;
        let proxy_url = proxy.url(Some(&format!("tunnel:{proxy_password}")));
        let proxied = TestServer::with_env(&[("HTTPS_PROXY", &proxy_url)]).await;
        let port = peer.port.to_string();
        let before = peer.seen().len();
        let result = proxied
            .check_draft(IntegrationKind::Clickhouse, &clickhouse(&port))
            .await;
        assert!(result.success, "{}", result.message);
        assert!(!result.message.contains(proxy_password));
        let seen = proxy.seen();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(
            (seen[0].method.as_str(), seen[0].target.as_str()),
            ("CONNECT", format!("127.0.0.1:{port}").as_str())
        );
        assert_eq!(
            seen[0].proxy_authorization.as_deref(),
            Some(expected.as_str())
        );
        assert!(
            peer.seen().len() > before,
            "the requests reached the target"
        );
    });
}
