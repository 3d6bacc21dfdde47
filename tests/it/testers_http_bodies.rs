//! HTTP checks never echo the bytes of a body in no documented error format: a loopback peer
//! answers every request with an HTML page holding a random marker, at an error status and at
//! 200, and no check's message may contain the marker (only status, content type and length).

use crate::peers::http as peers;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::TestServer;
use peers::{Answer, Peer};
use sourcedeck::proto::IntegrationKind;

fn marker() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("mk{:x}{:x}", nanos, std::process::id())
}

async fn page_peer(status: u16, marker: &str) -> Peer {
    let body = format!("<html><body>\x1b[2J{marker}</body></html>\n").into_bytes();
    Peer::plain(move |_| Answer {
        status,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        body: body.clone(),
    })
    .await
}

#[tokio::test]
async fn an_unknown_body_is_reported_by_length_never_by_its_bytes() {
    let server = TestServer::start().await;
    for status in [502, 200, 403] {
        let marker = marker();
        let peer = page_peer(status, &marker).await;
        let port = peer.port.to_string();
        let url = peer.url();
        let account = format!("http://xy12345@127.0.0.1:{}", peer.port);
        let cases: Vec<(IntegrationKind, Vec<(&str, &str)>)> = vec![
            (
                IntegrationKind::Clickhouse,
                vec![
                    ("CLICKHOUSE_HOST", "127.0.0.1"),
                    ("CLICKHOUSE_TCP_PORT", &port),
                    ("CLICKHOUSE_USE_TLS", "false"),
                    ("CLICKHOUSE_DATABASE", "analytics"),
                    ("CLICKHOUSE_USER", "admin"),
                    ("CLICKHOUSE_PWD", "pw"),
                ],
            ),
            (
                IntegrationKind::Trino,
                vec![
                    ("TRINO_HOST", &url),
                    ("TRINO_CATALOG", "hive"),
                    ("TRINO_SCHEMA", "sales"),
                    ("TRINO_USER", "alice"),
                ],
            ),
            (
                IntegrationKind::Databricks,
                vec![
                    ("DATABRICKS_HOST", &url),
                    ("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/abc123"),
                    ("DATABRICKS_DATABASE", "default"),
                    ("DATABRICKS_TOKEN", "dapi-token"),
                ],
            ),
            (
                IntegrationKind::Snowflake,
                vec![
                    ("SNOWFLAKE_ACCOUNT_ID", &account),
                    ("SNOWFLAKE_USER", "alice"),
                    ("SNOWFLAKE_DATABASE", "analytics"),
                    ("SNOWFLAKE_PASSWORD", "pw"),
                ],
            ),
        ];
        for (kind, pairs) in cases {
            let result = server.check_draft(kind, &pairs).await;
            assert!(!result.success, "{kind:?} at {status}: {}", result.message);
            assert!(
                !result.message.contains(&marker) && !result.message.contains('\x1b'),
                "{kind:?} at {status} echoed the body: {}",
                result.message
            );
            assert!(
                result.message.contains("bytes"),
                "{kind:?} at {status} should describe the body by length: {}",
                result.message
            );
        }
    }
}
