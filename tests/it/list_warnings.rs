//! Listing remembers each integration's warnings per version; these tests pin that a change made
//! through any path (an update, a rename, a delete, another process on the same data directory)
//! shows up in the very next list.

use std::collections::BTreeMap;

use crate::common::TestServer;
use sourcedeck::domain::{ConfigValue, Kind, Secret};
use sourcedeck::proto::Integration;

fn literal(value: &str) -> ConfigValue {
    ConfigValue::Literal(Secret::new(value))
}

fn warning_titles(integration: &Integration) -> Vec<String> {
    integration
        .warnings
        .iter()
        .map(|warning| warning.title.clone())
        .collect()
}

#[tokio::test]
async fn warnings_in_a_list_follow_every_update() {
    let server = TestServer::start().await;
    let session = server.session().await;
    let partial = BTreeMap::from([("PGHOST".to_string(), literal("127.0.0.1"))]);
    let created = session
        .create(Kind::Postgresql, "orders", &partial)
        .await
        .unwrap();

    let first = session.list().await.unwrap();
    assert_eq!(first.len(), 1);
    let missing = &first[0].warnings;
    assert!(
        missing
            .iter()
            .any(|w| w.config_keys.contains(&"PGDATABASE".to_string())),
        "{missing:?}"
    );
    // A second list answers the same from memory.
    assert_eq!(session.list().await.unwrap(), first);

    let rest = BTreeMap::from([
        ("PGPORT".to_string(), literal("5432")),
        ("PGDATABASE".to_string(), literal("test")),
        ("PGUSER".to_string(), literal("postgres")),
    ]);
    session.update(&created.id, None, &rest).await.unwrap();
    let after = session.list().await.unwrap();
    assert!(
        warning_titles(&after[0]).is_empty(),
        "{:?}",
        after[0].warnings
    );

    let typo = BTreeMap::from([("PGHOTS".to_string(), literal("x"))]);
    session
        .update(&created.id, Some("orders_renamed"), &typo)
        .await
        .unwrap();
    let renamed = session.list().await.unwrap();
    assert_eq!(renamed[0].name.as_deref(), Some("orders_renamed"));
    assert!(
        renamed[0]
            .warnings
            .iter()
            .any(|w| w.message.contains("PGHOST")),
        "did-you-mean for the typo: {:?}",
        renamed[0].warnings
    );

    session.delete(&created.id).await.unwrap();
    assert!(session.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_write_by_another_process_on_the_same_data_directory_shows_in_the_next_list() {
    let server = TestServer::start().await;
    let session = server.session().await;
    let created = session
        .create(Kind::Postgresql, "shared", &BTreeMap::new())
        .await
        .unwrap();
    let before = session.list().await.unwrap();
    assert!(!before[0].warnings.is_empty());

    // Another writer: the store opened directly, as a second `serve` or the CLI would.
    let store = sourcedeck::server::store::Store::open(&server.data_dir()).unwrap();
    let complete = BTreeMap::from([
        ("PGHOST".to_string(), literal("127.0.0.1")),
        ("PGPORT".to_string(), literal("5432")),
        ("PGDATABASE".to_string(), literal("test")),
        ("PGUSER".to_string(), literal("postgres")),
    ]);
    store
        .update(&server.environment_id(), &created.id, None, &complete)
        .unwrap();
    let after = session.list().await.unwrap();
    assert!(after[0].warnings.is_empty(), "{:?}", after[0].warnings);
}
