//! The store knows its key, against the real `serve` process: a deleted or replaced key file, or
//! a zero-length database beside a key, is refused at start-up with a message naming the file
//! (and no new key is created); `--key-file` / SOURCEDECK_KEY_FILE keep the key outside the data
//! directory across restarts; one flipped bit in one sealed value leaves the list, get, reveal
//! and test of every other value working and names the key that cannot be read.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::common::machine_postgres;
use crate::common::serve_process::{START_DEADLINE, ServeProcess, serve_command, serve_log};
use sourcedeck::client::TestTarget;
use sourcedeck::domain::Kind;
use tempfile::TempDir;

/// Starts `serve` expecting it to refuse: it must exit non-zero within the deadline without
/// printing a listening line; returns what it logged.
fn refused(home: &Path, data_dir: &Path, extra: &[&str]) -> String {
    let before = serve_log(home).len();
    let mut child = serve_command(home, data_dir, "127.0.0.1:0", extra, &[]);
    let exited =
        common::wait_until_blocking(START_DEADLINE, || matches!(child.try_wait(), Ok(Some(_))));
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "serve started instead of refusing; log:\n{}",
            serve_log(home)
        );
    }
    let status = child.wait().expect("reaped");
    let mut listening = String::new();
    let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut listening);
    assert!(
        !status.success(),
        "serve exited 0; log:\n{}",
        serve_log(home)
    );
    assert!(listening.is_empty(), "serve printed {listening:?}");
    serve_log(home)[before..].to_string()
}

/// A data directory holding one integration with a sealed password.
async fn store_with_a_value(home: &Path) -> PathBuf {
    let data_dir = home.join("data");
    let server = ServeProcess::start_with(home, &data_dir, &[], &[]);
    let session = server.session().await;
    session
        .create(Kind::Postgresql, "orders", &machine_postgres("pw-orders-1"))
        .await
        .expect("create");
    data_dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_key_file_is_refused_naming_it_and_no_new_key_is_made() {
    let home = TempDir::new().unwrap();
    let data_dir = store_with_a_value(home.path()).await;
    let key = data_dir.join("secret.key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let message = refused(home.path(), &data_dir, &[]);
    assert!(message.contains(&key.display().to_string()), "{message}");
    assert!(
        message.contains("is missing") && message.contains("restore"),
        "{message}"
    );
    assert!(!key.exists(), "a new key was created over the store");
    std::fs::write(&key, saved).unwrap();
    let server = ServeProcess::start_with(home.path(), &data_dir, &[], &[]);
    let session = server.session().await;
    let listed = session.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].warnings.iter().all(|w| w.config_keys.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_key_file_is_refused_naming_it() {
    let home = TempDir::new().unwrap();
    let data_dir = store_with_a_value(home.path()).await;
    let key = data_dir.join("secret.key");
    std::fs::write(&key, [0x5au8; 32]).unwrap();
    let message = refused(home.path(), &data_dir, &[]);
    assert!(message.contains(&key.display().to_string()), "{message}");
    assert!(message.contains("does not open the store"), "{message}");
    assert!(message.contains("sourcedeck.db"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zero_length_database_beside_a_key_is_refused() {
    let home = TempDir::new().unwrap();
    let data_dir = store_with_a_value(home.path()).await;
    let db = data_dir.join("sourcedeck.db");
    for extra in ["sourcedeck.db-wal", "sourcedeck.db-shm"] {
        let _ = std::fs::remove_file(data_dir.join(extra));
    }
    std::fs::write(&db, b"").unwrap();
    let message = refused(home.path(), &data_dir, &[]);
    assert!(message.contains(&db.display().to_string()), "{message}");
    assert!(message.contains("empty (0 bytes)"), "{message}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left as it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_file_outside_the_data_directory_works_across_restarts() {
    let home = TempDir::new().unwrap();
    let data_dir = home.path().join("data");
    let key = home.path().join("keys").join("store.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let flag = ["--key-file", key.to_str().unwrap()];
    let server = ServeProcess::start_with(home.path(), &data_dir, &flag, &[]);
    let session = server.session().await;
    let created = session
        .create(
            Kind::Postgresql,
            "orders",
            &machine_postgres("pw-outside-2"),
        )
        .await
        .unwrap();
    drop(session);
    drop(server);
    assert!(key.exists(), "the key is created where --key-file says");
    assert!(
        !data_dir.join("secret.key").exists(),
        "no key in the data directory"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data_dir), 0o700);
        assert_eq!(mode(&data_dir.join("sourcedeck.db")), 0o600);
        assert_eq!(mode(&key), 0o600);
    }
    // Restarted with the variable instead of the flag: the same key opens the store.
    let env = [("SOURCEDECK_KEY_FILE".to_string(), key.display().to_string())];
    let server = ServeProcess::start_with(home.path(), &data_dir, &[], &env);
    let session = server.session().await;
    let revealed = session.reveal(&created.id, "PGPASSWORD").await.unwrap();
    assert_eq!(revealed.expose(), "pw-outside-2");
    drop(session);
    drop(server);
    // Without it, the data directory's default key file is missing: refused, not created.
    let message = refused(home.path(), &data_dir, &[]);
    assert!(
        message.contains("secret.key") && message.contains("is missing"),
        "{message}"
    );
    assert!(!data_dir.join("secret.key").exists());
}

/// Flips one bit in the sealed value of `key` of integration `id`, with the server stopped.
fn flip_a_bit(data_dir: &Path, id: &str, key: &str) {
    let connection = rusqlite::Connection::open(data_dir.join("sourcedeck.db")).unwrap();
    let select = "SELECT sealed FROM config_values WHERE integration_id = ?1 AND key = ?2";
    let mut sealed: Vec<u8> = connection
        .query_row(select, [id, key], |row| row.get(0))
        .unwrap();
    sealed[40] ^= 0x04;
    connection
        .execute(
            "UPDATE config_values SET sealed = ?1 WHERE integration_id = ?2 AND key = ?3",
            rusqlite::params![sealed, id, key],
        )
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flipped_bit_in_one_value_leaves_every_other_value_readable_and_names_the_key() {
    let home = TempDir::new().unwrap();
    let data_dir = home.path().join("data");
    let password = "pw-broken-7f3e19";
    let (broken, fine) = {
        let server = ServeProcess::start_with(home.path(), &data_dir, &[], &[]);
        let session = server.session().await;
        let broken = session
            .create(Kind::Postgresql, "broken", &machine_postgres(password))
            .await
            .unwrap();
        let fine = session
            .create(Kind::Postgresql, "fine", &machine_postgres("pw-fine-1"))
            .await
            .unwrap();
        (broken.id, fine.id)
    };
    flip_a_bit(&data_dir, &broken, "PGPASSWORD");
    let server = ServeProcess::start_with(home.path(), &data_dir, &[], &[]);
    let session = server.session().await;

    let listed = session
        .list()
        .await
        .expect("list answers despite the bad row");
    assert_eq!(listed.len(), 2);
    let warned = listed.iter().find(|i| i.id == broken).unwrap();
    let warning = warned
        .warnings
        .iter()
        .find(|w| w.config_keys == ["PGPASSWORD"])
        .unwrap_or_else(|| panic!("no warning naming PGPASSWORD: {:?}", warned.warnings));
    assert!(
        warning.message.contains("PGPASSWORD"),
        "{}",
        warning.message
    );
    let other = listed.iter().find(|i| i.id == fine).unwrap();
    assert!(
        other
            .warnings
            .iter()
            .all(|w| w.config_keys != ["PGPASSWORD"])
    );

    let got = session.get(&broken).await.expect("get answers");
    assert_eq!(got.secrets.len(), 4, "the readable keys");
    let got_warnings = &got.integration.as_ref().unwrap().warnings;
    assert!(got_warnings.iter().any(|w| w.config_keys == ["PGPASSWORD"]));
    assert_eq!(
        session.reveal(&fine, "PGPASSWORD").await.unwrap().expose(),
        "pw-fine-1"
    );
    let error = session
        .reveal(&broken, "PGPASSWORD")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("PGPASSWORD") && error.contains("cannot be read"),
        "{error}"
    );

    let report = session
        .test(&TestTarget {
            kind: None,
            integration_id: Some(broken.clone()),
            config: Default::default(),
            include_preview: false,
        })
        .await
        .unwrap();
    assert!(!report.success);
    assert!(
        report.message.starts_with("resolve failed: PGPASSWORD:")
            && report.message.contains("cannot be read"),
        "{}",
        report.message
    );
    drop(session);
    drop(server);
    let logged = serve_log(home.path());
    assert!(
        logged.contains("PGPASSWORD"),
        "the server log names the key:\n{logged}"
    );
    assert!(!logged.contains(password) && !error.contains(password));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_database_page_is_refused_naming_the_file() {
    let home = TempDir::new().unwrap();
    let data_dir = store_with_a_value(home.path()).await;
    let db = data_dir.join("sourcedeck.db");
    {
        // Move everything from the WAL into the database file, so the damage is not masked.
        let connection = rusqlite::Connection::open(&db).unwrap();
        connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 8192, "a database of several pages");
    // Page 2's b-tree header: an invalid page type.
    bytes[4096..4096 + 64].fill(0xff);
    std::fs::write(&db, bytes).unwrap();
    let message = refused(home.path(), &data_dir, &[]);
    assert!(message.contains(&db.display().to_string()), "{message}");
    assert!(
        message.contains("integrity check") || message.contains("malformed"),
        "{message}"
    );
}
