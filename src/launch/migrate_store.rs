//! `sourcedeck serve migrate-store --from URL --to URL`: copies a whole store into an empty one
//! (SQLite to PostgreSQL to move a single server to replicas, or back), refusing a target that
//! holds anything, then checks the target's counts and opens every value with the key.
//!
//! Both stores use one key: `--key-file`, else the source's data directory's `secret.key` (for a
//! PostgreSQL source, `--data-dir`'s). The key must exist: no key is ever created here.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::client::data_dir::default_data_dir;
use crate::server::crypto::KEY_FILE;
use crate::server::store::{Store, StoreLocation};

/// Runs the copy (blocking; call off the async workers) and prints what was copied.
pub fn run(
    from: &str,
    to: &str,
    key_file: Option<PathBuf>,
    data_dir: Option<PathBuf>,
) -> Result<()> {
    let password = || std::env::var("PGPASSWORD").ok();
    let source = StoreLocation::parse(from)
        .context("--from")?
        .or_password(password());
    let target = StoreLocation::parse(to)
        .context("--to")?
        .or_password(password());
    if source.to_string() == target.to_string() {
        bail!("--from and --to name the same store");
    }
    let data_dir = match data_dir {
        Some(dir) => dir,
        None => default_data_dir(&|name| std::env::var(name).ok(), std::env::home_dir())
            .context("--data-dir: no home directory to default to; pass --data-dir")?,
    };
    let key_file = key_file.unwrap_or_else(|| match &source {
        StoreLocation::Sqlite(dir) => dir.join(KEY_FILE),
        StoreLocation::Postgres(_) => data_dir.join(KEY_FILE),
    });
    if !key_file.is_file() {
        bail!(
            "key file {} not found: pass --key-file naming the key the source store was written with",
            key_file.display()
        );
    }
    let source_store = Store::open_location(&source, &data_dir, Some(&key_file))
        .with_context(|| format!("opening the source store {source}"))?;
    let target_store = Store::open_location(&target, &data_dir, Some(&key_file))
        .with_context(|| format!("opening the target store {target}"))?;
    let counts = target_store
        .copy_from(&source_store)
        .with_context(|| format!("copying {source} to {target}"))?;
    println!(
        "copied {source} to {target}: {} environments, {} integrations, {} config values, {} local secrets, {} audit records; counts match and every value opens with {}",
        counts.environments,
        counts.integrations,
        counts.values,
        counts.secrets,
        counts.audit,
        key_file.display()
    );
    Ok(())
}
