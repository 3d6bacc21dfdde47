//! `sourcedeck serve migrate-store`: a store with sources (literal and linked values), local
//! secrets and audit records goes SQLite -> PostgreSQL -> SQLite with every row and every value
//! intact; a non-empty target is refused and left as it was; a value that does not open with the
//! key stops the copy before anything is written.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use sourcedeck::domain::{ConfigValue, Secret};
use sourcedeck::server::audit::{AuditEvent, SECRET_UPSERT};
use sourcedeck::server::crypto::KEY_FILE;
use sourcedeck::server::store::{Store, StoreLocation};

use crate::common::pg::PgDatabase;
use crate::common::sourcedeck_command;

fn migrate(home: &Path, from: &str, to: &str, key_file: Option<&Path>) -> Output {
    let mut args = vec!["serve", "migrate-store", "--from", from, "--to", to];
    let key = key_file.map(|k| k.to_str().unwrap().to_string());
    if let Some(key) = &key {
        args.extend(["--key-file", key.as_str()]);
    }
    sourcedeck_command(home, &[], &args).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A SQLite store with two environments, sources, local secrets and audit records.
fn seeded(dir: &Path) {
    let store = Store::open(dir).unwrap();
    for environment in ["default", "prod"] {
        let env = store.environment(environment).unwrap();
        for i in 0..5 {
            let config = BTreeMap::from([
                (
                    "PGHOST".to_string(),
                    ConfigValue::Literal(Secret::new(format!("db{i}"))),
                ),
                (
                    "PGPASSWORD".to_string(),
                    ConfigValue::Literal(Secret::new(format!("pw-{environment}-{i}"))),
                ),
                (
                    "PGUSER".to_string(),
                    ConfigValue::Linked(format!("user_{i}")),
                ),
            ]);
            let event = AuditEvent {
                environment_id: env.id.clone(),
                agent: "seeder".into(),
                endpoint: sourcedeck::server::audit::INSERT,
                keys: config.keys().cloned().collect(),
                ..Default::default()
            };
            store
                .insert_audited(&env.id, &format!("src_{i}"), 13, &config, Some(&event))
                .unwrap();
        }
        let event = AuditEvent {
            environment_id: env.id.clone(),
            agent: "seeder".into(),
            endpoint: SECRET_UPSERT,
            keys: vec!["api".into()],
            ..Default::default()
        };
        store
            .set_local_secret_audited(
                &env.id,
                "api",
                &Secret::new("local-api-secret"),
                Some(&event),
            )
            .unwrap();
    }
}

/// Everything a store holds, decrypted, as text to compare.
fn contents(location: &StoreLocation, key_file: &Path) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let store = Store::open_location(location, scratch.path(), Some(key_file)).unwrap();
    let rows = store.rows().unwrap();
    let mut out = format!(
        "{:?}\n{:?}\n{:?}\n",
        rows.environments, rows.integrations, rows.audit
    );
    for (id, name, _) in &rows.environments {
        for record in store.list(id).unwrap() {
            assert!(record.unreadable.is_empty());
            let config: Vec<String> = record
                .config
                .iter()
                .map(|(key, stored)| match &stored.value {
                    ConfigValue::Literal(secret) => format!("{key}={}", secret.expose()),
                    ConfigValue::Linked(reference) => format!("{key}->{reference}"),
                })
                .collect();
            out.push_str(&format!("{name}/{}: {config:?}\n", record.name));
        }
        let secret = store.local_secret(id, "api").unwrap().unwrap();
        out.push_str(&format!("{name} api={}\n", secret.expose()));
    }
    out
}

#[test]
fn a_store_goes_to_postgres_and_back_with_every_row_and_value() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    seeded(&data);
    let key = data.join(KEY_FILE);
    let original = contents(&StoreLocation::Sqlite(data.clone()), &key);
    assert!(original.contains("pw-prod-4") && original.contains("PGUSER->user_3"));

    let db = PgDatabase::create();
    let from = format!("sqlite:{}", data.display());
    let output = migrate(home.path(), &from, &db.url(), None);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains(
            "2 environments, 10 integrations, 30 config values, 2 local secrets, 12 audit records"
        ),
        "{}",
        text(&output)
    );
    assert_eq!(contents(&db.location(), &key), original);

    let back = home.path().join("back");
    let to = format!("sqlite:{}", back.display());
    let output = migrate(home.path(), &db.url(), &to, Some(&key));
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(contents(&StoreLocation::Sqlite(back), &key), original);
}

#[test]
fn a_non_empty_target_is_refused_and_left_as_it_was() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    seeded(&data);
    let key = data.join(KEY_FILE);
    let db = PgDatabase::create();
    let from = format!("sqlite:{}", data.display());
    assert!(
        migrate(home.path(), &from, &db.url(), None)
            .status
            .success()
    );
    let before = contents(&db.location(), &key);
    let output = migrate(home.path(), &from, &db.url(), None);
    assert!(!output.status.success());
    assert!(text(&output).contains("not empty"), "{}", text(&output));
    assert_eq!(contents(&db.location(), &key), before);
    // The other way too: a filled SQLite store is no target.
    let output = migrate(home.path(), &db.url(), &from, Some(&key));
    assert!(text(&output).contains("not empty"), "{}", text(&output));
}

#[test]
fn a_value_that_does_not_open_stops_the_copy_before_anything_is_written() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    seeded(&data);
    let connection = rusqlite::Connection::open(data.join("sourcedeck.db")).unwrap();
    connection
        .execute(
            "UPDATE config_values SET sealed = zeroblob(64)
             WHERE key = 'PGPASSWORD' AND integration_id = (SELECT min(integration_id) FROM config_values)",
            [],
        )
        .unwrap();
    drop(connection);
    let db = PgDatabase::create();
    let from = format!("sqlite:{}", data.display());
    let output = migrate(home.path(), &from, &db.url(), None);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("PGPASSWORD") && said.contains("does not open"),
        "{said}"
    );
    assert!(!said.contains("pw-"), "no value in the message: {said}");
    assert_eq!(
        db.query_text("SELECT count(*)::text FROM integrations"),
        [Some("0".to_string())]
    );
}
