//! The PostgreSQL store's schema: the same tables and numbered migrations as SQLite's (the same
//! concepts: environments, integrations, config values, local secrets, the audit log, store
//! facts), applied under an advisory lock so replicas starting together migrate once.
//!
//! Names are unique per environment case-insensitively (SQLite's `COLLATE NOCASE`) through unique
//! indexes on `lower(name)`: the database, not a replica, decides which of two racing creates wins.

use anyhow::{Context, Result, bail};
use tokio_postgres::Client;

use crate::server::crypto::Cipher;
use crate::server::key_check::{CHECK_ROW, KeyCheckRows};
use crate::server::store_migrations::SEAL_FORMAT;

use super::pg_connect::PgPool;
use super::records::{secret_context, value_context};

/// The advisory lock every replica takes while migrating and checking the key ("sourcedk").
const SETUP_LOCK: i64 = 0x736f_7572_6365_646b;

/// The `store_meta` row counting the migrations applied.
const VERSION_ROW: &str = "schema_version";

const META: &str =
    "CREATE TABLE IF NOT EXISTS store_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL)";

/// Schema migrations, applied in order (the same numbering as SQLite's).
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE environments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at_ns BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX environments_name ON environments (lower(name));
    CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        environment_id TEXT NOT NULL REFERENCES environments(id),
        name TEXT NOT NULL,
        kind INTEGER NOT NULL,
        created_at_ns BIGINT NOT NULL,
        updated_at_ns BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX integrations_name ON integrations (environment_id, lower(name));
    CREATE TABLE config_values (
        integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        linked BOOLEAN NOT NULL,
        sealed BYTEA NOT NULL,
        updated_at_ns BIGINT NOT NULL,
        PRIMARY KEY (integration_id, key)
    );
    CREATE TABLE local_secrets (
        environment_id TEXT NOT NULL REFERENCES environments(id),
        name TEXT NOT NULL,
        sealed BYTEA NOT NULL,
        updated_at_ns BIGINT NOT NULL,
        PRIMARY KEY (environment_id, name)
    );",
    "CREATE TABLE audit_log (
        seq BIGSERIAL PRIMARY KEY,
        at_ns BIGINT NOT NULL,
        environment_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        description TEXT,
        source_id TEXT,
        source_name TEXT,
        keys TEXT NOT NULL,
        code INTEGER NOT NULL,
        peer TEXT
    );
    CREATE INDEX audit_log_by_environment ON audit_log (environment_id, seq);
    CREATE INDEX audit_log_by_time ON audit_log (at_ns);",
];

/// Takes the set-up advisory lock (session level: held by this connection until released).
pub async fn lock(client: &Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&SETUP_LOCK])
        .await
        .context("taking the store's set-up lock")?;
    Ok(())
}

/// Releases the set-up advisory lock.
pub async fn unlock(client: &Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&SETUP_LOCK])
        .await
        .context("releasing the store's set-up lock")?;
    Ok(())
}

/// Applies the pending migrations, each in a transaction with its version. Call under the lock.
pub async fn migrate(client: &mut Client) -> Result<()> {
    client.batch_execute(META).await?;
    let applied = schema_version(client).await?;
    if applied > MIGRATIONS.len() {
        bail!(
            "the database was written by a newer sourcedeck (schema {applied}, this build knows {})",
            MIGRATIONS.len()
        );
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = client.transaction().await?;
        tx.batch_execute(migration)
            .await
            .with_context(|| format!("applying migration {}", index + 1))?;
        set_meta(&tx, VERSION_ROW, (index + 1).to_string().as_bytes()).await?;
        if index == 0 {
            // Every value this store ever holds is sealed in the current format.
            set_meta(&tx, "seal_format", &[SEAL_FORMAT]).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// How many migrations the database has (0 when new).
pub async fn schema_version(client: &impl tokio_postgres::GenericClient) -> Result<usize> {
    let Some(text) = meta(client, VERSION_ROW).await? else {
        return Ok(0);
    };
    std::str::from_utf8(&text)
        .ok()
        .and_then(|text| text.parse().ok())
        .context("store_meta.schema_version is not a number")
}

pub async fn meta(
    client: &impl tokio_postgres::GenericClient,
    name: &str,
) -> Result<Option<Vec<u8>>> {
    let row = client
        .query_opt("SELECT value FROM store_meta WHERE name = $1", &[&name])
        .await?;
    Ok(row.map(|row| row.get(0)))
}

pub async fn set_meta(
    client: &impl tokio_postgres::GenericClient,
    name: &str,
    value: &[u8],
) -> Result<()> {
    client
        .execute(
            "INSERT INTO store_meta (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[&name, &value],
        )
        .await?;
    Ok(())
}

/// The key check's rows in the PostgreSQL store, read from a blocking thread.
pub struct PgKeyRows<'a> {
    pub pool: &'a PgPool,
    pub client: &'a mut Client,
}

impl KeyCheckRows for PgKeyRows<'_> {
    fn check_value(&mut self) -> Result<Option<Vec<u8>>> {
        self.pool.block_on(meta(&*self.client, CHECK_ROW))
    }

    fn write_check_value(&mut self, sealed: &[u8]) -> Result<()> {
        self.pool
            .block_on(set_meta(&*self.client, CHECK_ROW, sealed))
    }

    fn holds_sealed_values(&mut self) -> Result<bool> {
        let client = &*self.client;
        self.pool.block_on(async {
            let row = client
                .query_one(
                    "SELECT (SELECT COUNT(*) FROM config_values) + (SELECT COUNT(*) FROM local_secrets)",
                    &[],
                )
                .await?;
            Ok(row.get::<_, i64>(0) > 0)
        })
    }

    fn opens_a_sealed_value(&mut self, cipher: &Cipher) -> Result<bool> {
        let client = &*self.client;
        self.pool.block_on(async {
            let secrets = client
                .query(
                    "SELECT environment_id, name, sealed FROM local_secrets LIMIT 8",
                    &[],
                )
                .await?;
            let values = client
                .query(
                    "SELECT integration_id, key, linked, sealed FROM config_values LIMIT 8",
                    &[],
                )
                .await?;
            let secret_opens = secrets.iter().any(|row| {
                let context = secret_context(row.get(0), row.get(1));
                cipher.open(&context, row.get(2)).is_ok()
            });
            let value_opens = values.iter().any(|row| {
                let context = value_context(row.get(0), row.get(1), row.get(2));
                cipher.open(&context, row.get(3)).is_ok()
            });
            Ok(secret_opens || value_opens || (secrets.is_empty() && values.is_empty()))
        })
    }
}
