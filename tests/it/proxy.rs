//! HTTP-based checks through a proxy named by `HTTP_PROXY`/`HTTPS_PROXY` in the server's
//! environment, against a real loopback proxy (`peers::http_proxy`) that records what passed
//! through it: absolute-form requests for http targets, a CONNECT tunnel with TLS to the target
//! inside it for https targets, the proxy's credentials sent as Proxy-Authorization, `NO_PROXY`
//! going direct, and a refusing or absent proxy failing the connect stage naming the proxy, never
//! its password.

use crate::common::certs::self_signed;
use crate::common::{TestServer, assert_failed, closed_port};
use crate::peers::http::{Answer, Peer, Seen};
use crate::peers::http_proxy::ProxyPeer;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::distr::{Alphanumeric, SampleString};
use sourcedeck::proto::{IntegrationKind, TestIntegrationResponse};

const CH_PASSWORD: &str = "ch-proxy-pw-Lk40-never-shown";

fn random(length: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), length)
}

/// `Basic base64(user:password)`.
fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// ClickHouse's HTTP interface for user admin; it records whether a proxy header leaked to it.
async fn clickhouse() -> Peer {
    Peer::plain(|seen: &Seen| {
        if seen.header("x-clickhouse-key") == Some(CH_PASSWORD) {
            Answer::text(200, "1\n")
        } else {
            Answer::text(403, "Code: 516. DB::Exception: Authentication failed.\n")
        }
    })
    .await
}

async fn check_clickhouse(server: &TestServer, host: &str, tls: bool) -> TestIntegrationResponse {
    let tls = if tls { "true" } else { "false" };
    server
        .check_draft(
            IntegrationKind::Clickhouse,
            &[
                ("CLICKHOUSE_HOST", host),
                ("CLICKHOUSE_USE_TLS", tls),
                ("CLICKHOUSE_DATABASE", "analytics"),
                ("CLICKHOUSE_USER", "admin"),
                ("CLICKHOUSE_PWD", CH_PASSWORD),
            ],
        )
        .await
}

#[track_caller]
fn assert_lacks(result: &TestIntegrationResponse, secret: &str) {
    assert!(
        !result.message.contains(secret),
        "{secret:?} in: {}",
        result.message
    );
}

#[tokio::test]
async fn an_http_check_goes_through_the_proxy_in_absolute_form_with_its_credentials() {
    let password = random(20);
    let expected = basic("proxy-user", &password);
    let proxy = ProxyPeer::requiring(&expected).await;
    let peer = clickhouse().await;
    let proxy_url = proxy.url(Some(&format!("proxy-user:{password}")));
    let server = TestServer::with_env(&[("http_proxy", &proxy_url)]).await;
    let result = check_clickhouse(&server, &peer.url(), false).await;
    assert!(result.success, "{}", result.message);
    assert_lacks(&result, &password);
    let seen = proxy.seen();
    assert!(!seen.is_empty(), "the proxy saw no request");
    for passed in &seen {
        assert_eq!(passed.method, "GET");
        assert!(
            passed.target.starts_with(&format!("{}/?", peer.url())),
            "absolute form: {}",
            passed.target
        );
        assert_eq!(
            passed.proxy_authorization.as_deref(),
            Some(expected.as_str())
        );
    }
    assert_eq!(
        peer.seen().len(),
        seen.len(),
        "every request reached the peer"
    );
    assert!(
        peer.seen()
            .iter()
            .all(|request| request.header("proxy-authorization").is_none()),
        "the proxy's credentials stop at the proxy"
    );
}

#[tokio::test]
async fn an_https_check_tunnels_through_connect_and_speaks_tls_to_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let (certificate, key) = self_signed(
        dir.path(),
        "self",
        "127.0.0.1",
        &["subjectAltName=IP:127.0.0.1"],
    );
    let peer = Peer::tls(|_| Answer::text(200, "1\n"), &certificate, &key).await;
    let password = random(20);
    let expected = basic("tunnel", &password);
    let proxy = ProxyPeer::requiring(&expected).await;
    let proxy_url = proxy.url(Some(&format!("tunnel:{password}")));
    let server = TestServer::with_env(&[("HTTPS_PROXY", &proxy_url), ("HTTP_PROXY", "")]).await;
    let target = format!("https://127.0.0.1:{}", peer.port);
    let result = check_clickhouse(&server, &target, true).await;
    // The TLS handshake inside the tunnel reached the target: its self-signed certificate is
    // what fails (the proxy never speaks TLS). A trusted one passes: `testers_http_tls`.
    assert_failed(&result, "TLS", "self-signed");
    assert_lacks(&result, &password);
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "CONNECT");
    assert_eq!(seen[0].target, format!("127.0.0.1:{}", peer.port));
    assert_eq!(
        seen[0].proxy_authorization.as_deref(),
        Some(expected.as_str())
    );
}

#[tokio::test]
async fn no_proxy_sends_matching_targets_direct() {
    let proxy = ProxyPeer::open().await;
    let peer = clickhouse().await;
    for no_proxy in ["127.0.0.1", "*", "localhost,127.0.0.0/8"] {
        let server =
            TestServer::with_env(&[("HTTP_PROXY", &proxy.url(None)), ("NO_PROXY", no_proxy)]).await;
        let result = check_clickhouse(&server, &peer.url(), false).await;
        assert!(result.success, "NO_PROXY={no_proxy}: {}", result.message);
    }
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    assert!(!peer.seen().is_empty());
}

#[tokio::test]
async fn a_proxy_refusing_the_credentials_fails_the_connect_stage_naming_it() {
    let proxy = ProxyPeer::requiring(&basic("right", &random(20))).await;
    let peer = clickhouse().await;
    let wrong = random(20);
    let proxy_url = proxy.url(Some(&format!("right:{wrong}")));
    let named = format!("proxy {}", proxy.url(None));
    let server =
        TestServer::with_env(&[("HTTP_PROXY", &proxy_url), ("HTTPS_PROXY", &proxy_url)]).await;

    let result = check_clickhouse(&server, &peer.url(), false).await;
    assert_failed(&result, "connect", &named);
    assert!(result.message.contains("407"), "{}", result.message);
    assert_lacks(&result, &wrong);

    let target = format!("https://127.0.0.1:{}", peer.port);
    let result = check_clickhouse(&server, &target, true).await;
    assert_failed(&result, "connect", &named);
    assert!(result.message.contains("407"), "{}", result.message);
    assert_lacks(&result, &wrong);
    assert!(peer.seen().is_empty(), "nothing got past the proxy");
}

#[tokio::test]
async fn a_proxy_that_is_not_listening_fails_the_connect_stage_naming_it() {
    let port = closed_port();
    let password = random(20);
    let proxy_url = format!("http://someone:{password}@127.0.0.1:{port}");
    let server = TestServer::with_env(&[("HTTPS_PROXY", &proxy_url)]).await;
    let result = check_clickhouse(&server, "https://127.0.0.1:8443", true).await;
    assert_failed(
        &result,
        "connect",
        &format!("proxy http://127.0.0.1:{port}"),
    );
    assert!(result.message.contains("refused"), "{}", result.message);
    assert_lacks(&result, &password);
}

#[tokio::test]
async fn a_proxy_cannot_carry_a_check_to_a_denied_address() {
    let proxy = ProxyPeer::open().await;
    let server = TestServer::with_env(&[("HTTP_PROXY", &proxy.url(None))]).await;
    let result = check_clickhouse(&server, "http://169.254.169.254", false).await;
    assert_failed(&result, "connect", "169.254.169.254");
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}
