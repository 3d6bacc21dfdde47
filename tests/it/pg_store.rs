//! The store on both backends through one interface: the same checks run on SQLite (a fresh
//! data directory) and on PostgreSQL (a fresh `sd_test_<random>` database), then what only a
//! shared database has to get right: replicas opening at once migrate once and agree on one key,
//! a different key is refused, racing creates of one name give one success, values are sealed
//! in the database, and a server on PostgreSQL answers over gRPC.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Barrier};

use sourcedeck::domain::{ConfigValue, Secret};
use sourcedeck::server::audit::{AuditEvent, AuditQuery, SECRET_UPSERT};
use sourcedeck::server::store::{Store, StoreError};
use tempfile::TempDir;

use crate::common::TestServer;
use crate::common::pg::PgDatabase;

/// A store with what keeps it alive (its directory, its database).
struct Opened {
    store: Store,
    _dir: TempDir,
    _db: Option<PgDatabase>,
}

fn on_sqlite() -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    Opened {
        store,
        _dir: dir,
        _db: None,
    }
}

fn on_postgres() -> Opened {
    let db = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_location(&db.location(), dir.path(), None).unwrap();
    Opened {
        store,
        _dir: dir,
        _db: Some(db),
    }
}

/// Runs `check` on a fresh SQLite store and a fresh PostgreSQL store.
fn on_both(check: fn(&Store)) {
    check(&on_sqlite().store);
    check(&on_postgres().store);
}

fn literal(value: &str) -> ConfigValue {
    ConfigValue::Literal(Secret::new(value))
}

fn round_trip(store: &Store) {
    let env = store.environment("default").unwrap();
    assert_eq!(
        store.environment("DEFAULT").unwrap(),
        env,
        "names fold case"
    );
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
    assert_eq!(store.kind_of(&env.id, &created.id).unwrap(), Some(13));
    let other = store.insert(&env.id, "Apg", 13, &BTreeMap::new()).unwrap();
    assert!(matches!(
        store.update(&env.id, &other.id, Some("PG2"), &BTreeMap::new()),
        Err(StoreError::NameTaken(_))
    ));
    let names: Vec<String> = store
        .list(&env.id)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["Apg", "pg2"], "sorted without regard to case");
    let lazily = store
        .list_loading(&env.id, |id, _| id == created.id)
        .unwrap();
    assert_eq!(lazily.iter().map(|r| r.config.len()).sum::<usize>(), 3);
    let got = store.get_by_name(&env.id, "PG2").unwrap().unwrap();
    assert!(matches!(&got.config["PGHOST"].value,
        ConfigValue::Literal(secret) if secret.expose() == "db"));
    assert!(store.delete(&env.id, &created.id).unwrap());
    assert!(!store.delete(&env.id, &created.id).unwrap());
    assert!(store.get(&env.id, &created.id).unwrap().is_none());
    assert!(matches!(
        store.update(&env.id, &created.id, None, &BTreeMap::new()),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn insert_update_delete_round_trip_on_both_backends() {
    on_both(round_trip);
}

fn local_secrets_and_audit(store: &Store) {
    let env = store.environment("default").unwrap();
    let event = AuditEvent {
        environment_id: env.id.clone(),
        agent: "tester".into(),
        endpoint: SECRET_UPSERT,
        keys: vec!["s".into()],
        ..Default::default()
    };
    store
        .set_local_secret_audited(&env.id, "s", &Secret::new("v1"), Some(&event))
        .unwrap();
    store
        .set_local_secret(&env.id, "s", &Secret::new("v2"))
        .unwrap();
    assert_eq!(
        store.local_secret(&env.id, "s").unwrap().unwrap().expose(),
        "v2"
    );
    let names: Vec<String> = store
        .local_secret_names(&env.id)
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["s"]);
    store.record_audit(&event, tonic::Code::NotFound).unwrap();
    let query = |ok: bool, errors: bool| AuditQuery {
        environment_id: env.id.clone(),
        endpoints: vec![SECRET_UPSERT.to_string()],
        ok,
        errors,
        limit: 10,
        ..Default::default()
    };
    let all = store.audit_records(&query(false, false)).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].seq > all[1].seq, "newest first");
    assert_eq!(store.audit_records(&query(true, false)).unwrap().len(), 1);
    let failed = store.audit_records(&query(false, true)).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].keys, ["s"]);
    let older = AuditQuery {
        before_seq: Some(all[0].seq),
        agent: Some("tester".into()),
        ..query(false, false)
    };
    assert_eq!(store.audit_records(&older).unwrap().len(), 1);
    assert_eq!(store.prune_audit(std::time::Duration::ZERO).unwrap(), 2);
    assert!(store.delete_local_secret(&env.id, "s").unwrap());
    assert!(!store.delete_local_secret(&env.id, "s").unwrap());
    assert!(store.local_secret(&env.id, "s").unwrap().is_none());
}

#[test]
fn local_secrets_and_the_audit_trail_on_both_backends() {
    on_both(local_secrets_and_audit);
}

fn limits_hold(store: &Store) {
    let env = store.environment("default").unwrap();
    let too_many: BTreeMap<String, ConfigValue> = (0
        ..=sourcedeck::domain::limits::MAX_KEYS_PER_INTEGRATION)
        .map(|i| (format!("K{i}"), literal("v")))
        .collect();
    assert!(matches!(
        store.insert(&env.id, "big", 13, &too_many),
        Err(StoreError::Limit(_))
    ));
    assert!(
        store.get_by_name(&env.id, "big").unwrap().is_none(),
        "rolled back"
    );
    let half: BTreeMap<String, ConfigValue> = too_many
        .iter()
        .take(too_many.len() / 2 + 1)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let rest: BTreeMap<String, ConfigValue> = too_many
        .iter()
        .skip(too_many.len() / 2 + 1)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let created = store.insert(&env.id, "big", 13, &half).unwrap();
    assert!(
        matches!(
            store.update(&env.id, &created.id, None, &rest),
            Err(StoreError::Limit(_))
        ),
        "the saved keys count"
    );
}

#[test]
fn size_limits_count_the_saved_keys_on_both_backends() {
    on_both(limits_hold);
}

#[test]
fn values_are_sealed_in_the_database() {
    let opened = on_postgres();
    let store = &opened.store;
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
    let db = opened._db.as_ref().unwrap();
    let sealed = db.query_text(
        "SELECT encode(sealed, 'escape') FROM config_values
         UNION ALL SELECT encode(sealed, 'escape') FROM local_secrets",
    );
    assert_eq!(sealed.len(), 2);
    assert!(sealed.iter().flatten().all(|text| !text.contains(marker)));
    let dump = db.query_text("SELECT string_agg(t::text, ' ') FROM audit_log t");
    assert!(!format!("{dump:?}").contains(marker));
}

/// Opens the store at `db` with `key_file` (None: `<dir>/secret.key`).
fn open(db: &PgDatabase, dir: &Path, key_file: Option<&Path>) -> anyhow::Result<Store> {
    Store::open_location(&db.location(), dir, key_file)
}

#[test]
fn replicas_opening_together_migrate_once_and_share_one_key() {
    let db = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let start = Arc::new(Barrier::new(4));
    let stores: Vec<Store> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let start = start.clone();
                let (db, dir) = (&db, dir.path());
                scope.spawn(move || {
                    start.wait();
                    open(db, dir, None)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap().expect("every replica opens"))
            .collect()
    });
    assert_eq!(
        db.query_text(
            "SELECT convert_from(value, 'UTF8') FROM store_meta WHERE name = 'schema_version'"
        ),
        [Some("2".to_string())]
    );
    let env = stores[0].environment("default").unwrap();
    stores[0]
        .set_local_secret(&env.id, "shared", &Secret::new("one key"))
        .unwrap();
    for store in &stores[1..] {
        assert_eq!(store.environment("default").unwrap(), env);
        assert_eq!(
            store
                .local_secret(&env.id, "shared")
                .unwrap()
                .unwrap()
                .expose(),
            "one key"
        );
    }
}

#[test]
fn a_replica_with_another_key_or_none_refuses_to_open() {
    let db = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db, dir.path(), None).unwrap();
    let env = store.environment("default").unwrap();
    store
        .set_local_secret(&env.id, "s", &Secret::new("v"))
        .unwrap();
    drop(store);
    open(&db, dir.path(), None).expect("the same key opens it again");
    let wrong = dir.path().join("wrong.key");
    std::fs::write(&wrong, [7u8; 32]).unwrap();
    let error = format!("{:#}", open(&db, dir.path(), Some(&wrong)).err().unwrap());
    assert!(error.contains("does not open the store"), "{error}");
    assert!(error.contains(&db.name), "{error}");
    let missing = dir.path().join("missing.key");
    let error = format!("{:#}", open(&db, dir.path(), Some(&missing)).err().unwrap());
    assert!(error.contains("is missing"), "{error}");
    assert!(!missing.exists(), "no key is created over a checked store");
}

#[test]
fn racing_creates_of_one_name_give_one_success() {
    let db = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let a = open(&db, dir.path(), None).unwrap();
    let b = open(&db, dir.path(), None).unwrap();
    let env = a.environment("default").unwrap();
    let start = Barrier::new(8);
    let results: Vec<Result<(), StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let store = if i % 2 == 0 { &a } else { &b };
                let (start, env) = (&start, &env);
                scope.spawn(move || {
                    start.wait();
                    let name = if i % 3 == 0 { "Same_Name" } else { "same_name" };
                    store
                        .insert(&env.id, name, 13, &BTreeMap::new())
                        .map(|_| ())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || matches!(r, Err(StoreError::NameTaken(_)))),
        "{results:?}"
    );
    assert_eq!(b.list(&env.id).unwrap().len(), 1);
}

#[tokio::test]
async fn a_server_on_postgres_answers_and_its_errors_name_no_password() {
    let server = TestServer::on_postgres().await;
    let session = server.session().await;
    assert!(session.list().await.expect("list").is_empty());
    let created = session
        .create(
            sourcedeck::domain::Kind::Postgresql,
            "on_pg",
            &Default::default(),
        )
        .await
        .expect("create");
    let listed = session.list().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);
    let again = session
        .create(
            sourcedeck::domain::Kind::Postgresql,
            "ON_PG",
            &Default::default(),
        )
        .await
        .expect_err("a taken name is refused");
    assert!(format!("{again}").contains("already exists"), "{again}");
    let bad = sourcedeck::server::store::StoreLocation::parse(
        "postgres://postgres:hunter2-never-shown@127.0.0.1:1/none?sslmode=disable",
    )
    .unwrap();
    let error = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let opened = Store::open_location(&bad, dir.path(), None);
        format!("{:#}", opened.err().unwrap())
    })
    .await
    .unwrap();
    assert!(!error.contains("hunter2"), "{error}");
    assert!(error.contains("127.0.0.1:1"), "{error}");
}
