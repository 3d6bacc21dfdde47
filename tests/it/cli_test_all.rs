//! `sourcedeck test --all`: every integration is tested, failures are named with their reason,
//! and the exit code says whether the fleet is healthy.

use std::collections::BTreeMap;

use crate::common::{Cli, TestServer, closed_port};
use sourcedeck::domain::{ConfigValue, Kind, Secret};

fn pg(port: u16, password: Option<&str>) -> BTreeMap<String, ConfigValue> {
    let literal = |value: &str| ConfigValue::Literal(Secret::new(value));
    let mut config = BTreeMap::from([
        ("PGHOST".to_string(), literal("127.0.0.1")),
        ("PGPORT".to_string(), literal(&port.to_string())),
        ("PGDATABASE".to_string(), literal("test")),
        ("PGUSER".to_string(), literal("postgres")),
    ]);
    if let Some(password) = password {
        config.insert("PGPASSWORD".into(), literal(password));
    }
    config
}

#[tokio::test]
async fn test_all_reports_each_source_and_fails_when_one_fails() {
    let server = TestServer::start().await;
    let session = server.session().await;
    let secret = "fleet-pw-Qq71-never-shown";
    session
        .create(Kind::Postgresql, "healthy", &pg(5432, Some(secret)))
        .await
        .unwrap();
    session
        .create(Kind::Postgresql, "broken", &pg(closed_port(), Some(secret)))
        .await
        .unwrap();

    let run = Cli::against(&server)
        .run_async(&["test", "--all", "--json", "--concurrency", "2"], None)
        .await;
    assert_eq!(
        run.code, 3,
        "one source fails: {} {}",
        run.stdout, run.stderr
    );
    run.assert_never_shows(secret);
    let results: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["name"], "broken");
    assert_eq!(results[0]["success"], false);
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{}",
        results[0]
    );
    assert_eq!(results[1]["name"], "healthy");
    assert_eq!(results[1]["success"], true, "{}", results[1]);

    let table = Cli::against(&server)
        .run_async(&["test", "--all"], None)
        .await;
    assert_eq!(table.code, 3);
    assert!(
        table.stdout.contains("FAILED") && table.stdout.contains("1 passed, 1 failed"),
        "{}",
        table.stdout
    );

    session
        .delete(&session.find("broken").await.unwrap().integration.id)
        .await
        .unwrap();
    let healthy = Cli::against(&server)
        .run_async(&["test", "--all"], None)
        .await;
    healthy.assert_ok();
}

#[tokio::test]
async fn test_all_refuses_a_target_or_a_kind() {
    let server = TestServer::start().await;
    let run = Cli::against(&server)
        .run_async(&["test", "--all", "healthy"], None)
        .await;
    assert_eq!(run.code, 2, "usage error: {}", run.stderr);
    let run = Cli::against(&server)
        .run_async(&["test", "--all", "--kind", "postgresql"], None)
        .await;
    assert_eq!(run.code, 2, "usage error: {}", run.stderr);
}
