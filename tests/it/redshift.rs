//! Redshift speaks the PostgreSQL protocol: its check reads the REDSHIFT_* keys (with 5439 as the
//! default port) and is verified here against the machine's PostgreSQL on 127.0.0.1:5432.

use std::collections::BTreeMap;

use crate::common::{TestServer, closed_port};
use sourcedeck::client::TestTarget;
use sourcedeck::domain::{ConfigValue, Kind, Secret};

fn redshift(port: Option<u16>, database: &str) -> BTreeMap<String, ConfigValue> {
    let literal = |value: &str| ConfigValue::Literal(Secret::new(value));
    let mut config = BTreeMap::from([
        ("REDSHIFT_HOST".to_string(), literal("127.0.0.1")),
        ("REDSHIFT_DB".to_string(), literal(database)),
        ("REDSHIFT_USER".to_string(), literal("postgres")),
        ("REDSHIFT_PASSWORD".to_string(), literal("redshift-pw-Zx90")),
    ]);
    if let Some(port) = port {
        config.insert("REDSHIFT_PORT".into(), literal(&port.to_string()));
    }
    config
}

async fn test_draft(
    server: &TestServer,
    config: BTreeMap<String, ConfigValue>,
) -> sourcedeck::proto::TestIntegrationResponse {
    let session = server.session().await;
    session
        .test(&TestTarget {
            kind: Some(Kind::Redshift),
            config,
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn redshift_keys_reach_a_postgresql_protocol_server() {
    let server = TestServer::start().await;
    let result = test_draft(&server, redshift(Some(5432), "test")).await;
    assert!(result.success, "{}", result.message);
    assert_eq!(result.kind, "REDSHIFT");
    assert!(result.message.contains("SELECT 1 ok"), "{}", result.message);
    assert!(!result.message.contains("redshift-pw-Zx90"));

    let missing = test_draft(&server, redshift(Some(5432), "no_such_db")).await;
    assert!(!missing.success);
    assert!(
        missing
            .message
            .contains("database \"no_such_db\" does not exist"),
        "{}",
        missing.message
    );
}

#[tokio::test]
async fn redshift_defaults_to_port_5439_and_names_it_when_refused() {
    let server = TestServer::start().await;
    // Nothing listens on 5439 here; the refusal names the default port.
    let refused = test_draft(&server, redshift(None, "test")).await;
    assert!(!refused.success);
    assert!(
        refused.message.contains("127.0.0.1:5439"),
        "{}",
        refused.message
    );
    let closed = test_draft(&server, redshift(Some(closed_port()), "test")).await;
    assert!(
        closed.message.contains("connection refused"),
        "{}",
        closed.message
    );
}
