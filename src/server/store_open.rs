//! Opening the store safely when several processes start on the same data directory at once.
//!
//! Scripts launch many `sourcedeck` commands in parallel, each with its own embedded server on the
//! same directory. Two SQLite operations misbehave under that race: switching a fresh database to
//! WAL and the first reads while another process is checkpointing its WAL on close can answer
//! `SQLITE_BUSY` at once, without consulting the busy timeout. So first-time set-up runs under an
//! advisory file lock (one process at a time), and every set-up step is retried on `SQLITE_BUSY`
//! until a deadline.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The advisory lock file beside the database.
pub const LOCK_FILE: &str = "sourcedeck.lock";

/// How long opening waits for another process before giving up.
pub const OPEN_DEADLINE: Duration = Duration::from_secs(15);

/// Holds the data directory's set-up lock until dropped.
pub struct SetupLock {
    file: File,
}

impl SetupLock {
    /// Takes the exclusive set-up lock of `dir`, waiting up to `deadline` for another process.
    pub fn acquire(dir: &Path, deadline: Duration) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening lock file {}", path.display()))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => bail!(
                    "another sourcedeck process has held {} for over {} s; is one stuck?",
                    path.display(),
                    deadline.as_secs()
                ),
                Err(std::fs::TryLockError::Error(error)) => {
                    return Err(error).with_context(|| format!("locking {}", path.display()));
                }
            }
        }
    }
}

impl Drop for SetupLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the release immediate.
        let _ = self.file.unlock();
    }
}

/// Whether an error chain bottoms out in SQLite's "database is busy / locked".
pub fn is_busy(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(failure, _))
                if matches!(
                    failure.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
        )
    })
}

/// Runs `step` until it succeeds, fails with something other than busy, or `deadline` passes.
pub fn retry_while_busy<T>(deadline: Duration, mut step: impl FnMut() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match step() {
            Err(error) if is_busy(&error) && started.elapsed() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> anyhow::Error {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("database is locked".into()),
        )
        .into()
    }

    #[test]
    fn busy_errors_are_retried_until_they_clear() {
        let mut attempts = 0;
        let value = retry_while_busy(Duration::from_secs(5), || {
            attempts += 1;
            if attempts < 3 { Err(busy()) } else { Ok(7) }
        })
        .unwrap();
        assert_eq!((value, attempts), (7, 3));
    }

    #[test]
    fn other_errors_are_returned_at_once() {
        let mut attempts = 0;
        let error = retry_while_busy(Duration::from_secs(5), || -> Result<()> {
            attempts += 1;
            bail!("disk full")
        })
        .unwrap_err();
        assert_eq!(attempts, 1);
        assert!(error.to_string().contains("disk full"));
    }

    #[test]
    fn busy_past_the_deadline_is_returned() {
        let error = retry_while_busy(Duration::ZERO, || -> Result<()> { Err(busy()) }).unwrap_err();
        assert!(is_busy(&error));
    }

    #[test]
    fn the_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let first = SetupLock::acquire(dir.path(), Duration::from_secs(1)).unwrap();
        let refused = SetupLock::acquire(dir.path(), Duration::ZERO);
        assert!(refused.is_err(), "a second holder must wait");
        drop(first);
        SetupLock::acquire(dir.path(), Duration::ZERO).expect("free after drop");
    }
}
