//! Connections to the PostgreSQL store: TLS per sslmode with the PostgreSQL check's rules
//! (`probe::transport::pg_tls`), and a bounded pool, so a burst of calls queues for a connection
//! instead of opening one each and exhausting the server's `max_connections`.
//!
//! The store interface is synchronous (called through `spawn_blocking`), the driver is
//! tokio-postgres: the pool owns a small runtime of its own that drives the connections, and
//! [`PgPool::block_on`] runs one store operation on it from the blocking thread.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use tokio::net::TcpStream;
use tokio_postgres::{Client, NoTls};

use super::location::PgTarget;
use crate::probe::Progress;
use crate::probe::transport::pg_tls::{self, PgStream, TlsSettings};

/// How long one connection attempt (TCP, TLS and login) may take.
const CONNECT_DEADLINE: Duration = Duration::from_secs(10);
/// How long a caller waits for a free connection when all are in use.
const CHECKOUT_DEADLINE: Duration = Duration::from_secs(30);

struct Slots {
    idle: Vec<Client>,
    /// Connections open or being opened, idle or not.
    open: usize,
}

/// A bounded pool of connections to one database.
pub struct PgPool {
    target: PgTarget,
    runtime: Option<tokio::runtime::Runtime>,
    slots: Mutex<Slots>,
    returned: Condvar,
}

/// A connection taken from the pool; returned when dropped (discarded when it broke).
pub struct Pooled<'a> {
    pool: &'a PgPool,
    client: Option<Client>,
}

impl PgPool {
    /// A pool for `target`; opens one connection to prove the database is reachable.
    pub fn open(target: &PgTarget) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sourcedeck-pg")
            .enable_all()
            .build()
            .context("starting the PostgreSQL driver's runtime")?;
        let pool = Self {
            target: target.clone(),
            runtime: Some(runtime),
            slots: Mutex::new(Slots {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        };
        drop(pool.get()?);
        Ok(pool)
    }

    /// The database, for messages (password redacted).
    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// Runs `work` on the driver's runtime. Call from a blocking thread, never from async code.
    pub fn block_on<F: Future>(&self, work: F) -> F::Output {
        match &self.runtime {
            Some(runtime) => runtime.block_on(work),
            None => unreachable!("the runtime lives until the pool is dropped"),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An idle connection, a new one while fewer than `pool_size` are open, or the first one
    /// returned (waiting at most [`CHECKOUT_DEADLINE`]).
    pub fn get(&self) -> Result<Pooled<'_>> {
        let deadline = Instant::now() + CHECKOUT_DEADLINE;
        let mut slots = self.slots();
        loop {
            while let Some(client) = slots.idle.pop() {
                if client.is_closed() {
                    slots.open = slots.open.saturating_sub(1);
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    client: Some(client),
                });
            }
            if slots.open < self.target.pool_size {
                slots.open += 1;
                drop(slots);
                return match self.block_on(connect(&self.target)) {
                    Ok(client) => Ok(Pooled {
                        pool: self,
                        client: Some(client),
                    }),
                    Err(error) => {
                        self.slots().open -= 1;
                        self.returned.notify_one();
                        Err(error)
                    }
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(anyhow!(
                    "all {} connections to {} stayed busy for {CHECKOUT_DEADLINE:?}",
                    self.target.pool_size,
                    self.target
                ));
            }
            slots = self
                .returned
                .wait_timeout(slots, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

impl Drop for PgPool {
    fn drop(&mut self) {
        self.slots().idle.clear();
        // Dropping a runtime blocks; the store may be dropped from async code.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        match &self.client {
            Some(client) => client,
            None => unreachable!("a pooled client is present until dropped"),
        }
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        match &mut self.client {
            Some(client) => client,
            None => unreachable!("a pooled client is present until dropped"),
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let mut slots = self.pool.slots();
        match self.client.take() {
            Some(client) if !client.is_closed() => slots.idle.push(client),
            _ => slots.open = slots.open.saturating_sub(1),
        }
        drop(slots);
        self.pool.returned.notify_one();
    }
}

/// Opens one connection: TCP, TLS as sslmode says, login.
async fn connect(target: &PgTarget) -> Result<Client> {
    tokio::time::timeout(CONNECT_DEADLINE, connect_now(target))
        .await
        .map_err(|_| anyhow!("connecting to {target} took longer than {CONNECT_DEADLINE:?}"))?
}

async fn connect_now(target: &PgTarget) -> Result<Client> {
    let stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .with_context(|| format!("connecting to {target}"))?;
    let _ = stream.set_nodelay(true);
    let settings = TlsSettings {
        mode: target.sslmode,
        root_cert: target
            .root_cert
            .clone()
            .map(|path| ("sslrootcert".to_string(), path)),
    };
    let stream = pg_tls::negotiate(stream, &target.host, &settings, &Progress::default())
        .await
        .map_err(|error| anyhow!("TLS to {target}: {}", error.reason))?;
    let mut config = tokio_postgres::Config::new();
    config
        .user(&target.user)
        .dbname(&target.database)
        .application_name("sourcedeck-serve")
        .ssl_mode(tokio_postgres::config::SslMode::Disable);
    if let Some(password) = &target.password {
        config.password(password.expose());
    }
    let login = |error: tokio_postgres::Error| anyhow!("logging in to {target}: {error}");
    let client = match stream {
        PgStream::Plain(stream) => {
            let (client, connection) = config.connect_raw(stream, NoTls).await.map_err(login)?;
            tokio::spawn(drive(connection));
            client
        }
        PgStream::Tls(stream) => {
            let (client, connection) = config.connect_raw(*stream, NoTls).await.map_err(login)?;
            tokio::spawn(drive(connection));
            client
        }
    };
    Ok(client)
}

/// Drives one connection until it closes.
async fn drive<F>(connection: F)
where
    F: Future<Output = Result<(), tokio_postgres::Error>>,
{
    if let Err(error) = connection.await {
        tracing::warn!("a connection to the PostgreSQL store closed: {error}");
    }
}
