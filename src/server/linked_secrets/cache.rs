//! A short-lived, in-memory cache of resolved linked secrets, so a burst of connectivity tests
//! does not call the cloud secret manager once per test, while a rotated secret is read again
//! within one TTL. Values stay [`Secret`]s (zeroized when dropped or replaced); nothing is ever
//! written to disk.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::Secret;
use crate::server::process_env::ProcessEnv;

/// How long a resolved value is reused when `SOURCEDECK_LINKED_SECRET_TTL_SECONDS` is not set.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// The environment variable that sets the TTL in whole seconds (0 turns caching off).
pub const TTL_VARIABLE: &str = "SOURCEDECK_LINKED_SECRET_TTL_SECONDS";

/// Resolved values by secret name, each with the instant it was read.
pub struct SecretCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Secret, Instant)>>,
}

impl SecretCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The TTL from [`TTL_VARIABLE`], else [`DEFAULT_TTL`]; `Err` names the variable.
    pub fn ttl_from_env(env: &ProcessEnv) -> Result<Duration, String> {
        match env.raw(TTL_VARIABLE) {
            None => Ok(DEFAULT_TTL),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| format!("{TTL_VARIABLE}: expected whole seconds (0 or more)")),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The value read for `name` less than one TTL ago.
    pub fn get(&self, name: &str) -> Option<Secret> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(name) {
            Some((secret, read)) if read.elapsed() < self.ttl => Some(secret.clone()),
            Some(_) => {
                entries.remove(name);
                None
            }
            None => None,
        }
    }

    /// Drops the value cached for `name` (after it was changed or deleted here).
    pub fn remove(&self, name: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(name);
        }
    }

    pub fn put(&self, name: &str, secret: &Secret) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, read)| read.elapsed() < self.ttl);
            entries.insert(name.to_string(), (secret.clone(), Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_after_the_ttl() {
        let cache = SecretCache::new(Duration::from_millis(30));
        cache.put("db", &Secret::new("one"));
        assert_eq!(
            cache.get("db").map(|s| s.expose().to_string()),
            Some("one".into())
        );
        let started = Instant::now();
        while cache.get("db").is_some() {
            assert!(started.elapsed() < Duration::from_secs(5), "never expired");
            std::thread::yield_now();
        }
        assert!(started.elapsed() >= Duration::from_millis(1));
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = SecretCache::new(Duration::ZERO);
        cache.put("db", &Secret::new("one"));
        assert!(cache.get("db").is_none());
    }
}
