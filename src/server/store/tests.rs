//! What only the SQLite backend can show (its file on disk). The store's behaviour through its
//! interface is checked on both backends by the integration tests (`tests/it/pg_store.rs`).

use std::collections::BTreeMap;

use super::*;

fn literal(value: &str) -> ConfigValue {
    ConfigValue::Literal(Secret::new(value))
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
