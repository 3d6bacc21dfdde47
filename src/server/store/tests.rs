//! The store's behaviour through its interface, on the SQLite backend (the integration tests run
//! the same checks on PostgreSQL).

use std::collections::BTreeMap;

use super::*;

fn literal(value: &str) -> ConfigValue {
    ConfigValue::Literal(Secret::new(value))
}

#[test]
fn insert_update_delete_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let env = store.environment("default").unwrap();
    assert_eq!(store.environment("default").unwrap(), env);
    let config = BTreeMap::from([
        ("PGHOST".to_string(), literal("db")),
        (
            "PGPASSWORD".to_string(),
            ConfigValue::Linked("pg-pass".into()),
        ),
    ]);
    let created = store.insert(&env.id, "pg", 13, &config).unwrap();
    assert_eq!(created.config.len(), 2);
    assert!(matches!(
        store.insert(&env.id, "PG", 13, &BTreeMap::new()),
        Err(StoreError::NameTaken(_))
    ));
    let updated = store
        .update(
            &env.id,
            &created.id,
            Some("pg2"),
            &BTreeMap::from([("PGPORT".into(), literal("5433"))]),
        )
        .unwrap();
    assert_eq!(updated.name, "pg2");
    assert_eq!(updated.config.len(), 3);
    assert!(matches!(
        updated.config["PGPASSWORD"].value,
        ConfigValue::Linked(ref name) if name == "pg-pass"
    ));
    assert_eq!(store.list(&env.id).unwrap().len(), 1);
    assert!(store.get_by_name(&env.id, "PG2").unwrap().is_some());
    assert!(store.delete(&env.id, &created.id).unwrap());
    assert!(!store.delete(&env.id, &created.id).unwrap());
    assert!(matches!(
        store.update(&env.id, &created.id, None, &BTreeMap::new()),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn values_are_encrypted_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let env = store.environment("default").unwrap();
    let marker = "plaintext-marker-4f8a2c";
    store
        .insert(
            &env.id,
            "pg",
            13,
            &BTreeMap::from([("PGPASSWORD".into(), literal(marker))]),
        )
        .unwrap();
    store
        .set_local_secret(&env.id, "s", &Secret::new(marker))
        .unwrap();
    drop(store);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()));
    }
    let reopened = Store::open(dir.path()).unwrap();
    assert_eq!(
        reopened
            .local_secret(&env.id, "s")
            .unwrap()
            .unwrap()
            .expose(),
        marker
    );
}
