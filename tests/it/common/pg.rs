//! A fresh PostgreSQL database per test on the machine's server (127.0.0.1:5432, trust auth,
//! user `postgres`): `sd_test_<random>`, created from the `test` database and dropped (with its
//! connections) when the guard is dropped, so tests on PostgreSQL run in parallel like the rest.

use std::time::Duration;

use rand::Rng;
use sourcedeck::server::store::StoreLocation;

/// Where the machine's PostgreSQL listens.
pub const PG_HOST: &str = "127.0.0.1";
pub const PG_PORT: u16 = 5432;
const ADMIN_URL: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

/// A database of this test's own; dropped with the guard.
pub struct PgDatabase {
    pub name: String,
}

fn admin(sql: String) {
    // Its own thread and runtime: usable from sync tests, async tests and Drop alike.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let (client, connection) = tokio::time::timeout(
                Duration::from_secs(10),
                tokio_postgres::connect(ADMIN_URL, tokio_postgres::NoTls),
            )
            .await
            .expect("PostgreSQL at 127.0.0.1:5432 answers within 10 s")
            .expect("connects to PostgreSQL at 127.0.0.1:5432 as postgres");
            let driver = tokio::spawn(connection);
            client.batch_execute(&sql).await.expect("admin statement");
            drop(client);
            let _ = driver.await;
        });
    })
    .join()
    .expect("admin thread");
}

impl PgDatabase {
    /// Creates `sd_test_<random>`.
    pub fn create() -> Self {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("sd_test_{suffix}");
        admin(format!("CREATE DATABASE {name}"));
        Self { name }
    }

    /// `postgres://postgres@127.0.0.1:5432/<name>?sslmode=disable`.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@{PG_HOST}:{PG_PORT}/{}?sslmode=disable",
            self.name
        )
    }

    /// The store location of this database.
    pub fn location(&self) -> StoreLocation {
        StoreLocation::parse(&self.url()).expect("valid store URL")
    }

    /// Runs `sql` in this database (as the superuser), answering the first column of each row as
    /// text, for tests that look under the store interface.
    pub fn query_text(&self, sql: &str) -> Vec<Option<String>> {
        let url = format!(
            "host={PG_HOST} port={PG_PORT} user=postgres dbname={}",
            self.name
        );
        let sql = sql.to_string();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .expect("connects");
                let driver = tokio::spawn(connection);
                let rows = client.simple_query(&sql).await.expect("query");
                drop(client);
                let _ = driver.await;
                rows.into_iter()
                    .filter_map(|message| match message {
                        tokio_postgres::SimpleQueryMessage::Row(row) => {
                            Some(row.get(0).map(str::to_string))
                        }
                        _ => None,
                    })
                    .collect()
            })
        })
        .join()
        .expect("query thread")
    }
}

impl PgDatabase {
    /// Refuses new connections to this database and ends the open ones (the store becomes
    /// unreachable), or lets them in again.
    pub fn set_reachable(&self, reachable: bool) {
        let name = &self.name;
        if reachable {
            admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
        } else {
            admin(format!(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ));
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        admin(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
