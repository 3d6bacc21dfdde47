//! Each integration's warnings, remembered per (id, updated_at), so listing an environment
//! decrypts only the integrations that changed since the last list instead of every value every
//! time. Warnings hold key names and advice, never values, so nothing secret is kept in memory.
//! Every write bumps `updated_at`, so an entry can never outlive the config it describes, even
//! when another process wrote the store.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::proto::IntegrationWarning;

/// The cache; shared by the request handlers.
#[derive(Default)]
pub struct WarningsCache {
    entries: Mutex<HashMap<String, (SystemTime, Vec<IntegrationWarning>)>>,
}

impl WarningsCache {
    fn entries(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (SystemTime, Vec<IntegrationWarning>)>> {
        // A poisoned cache is still a valid cache: every entry is checked against updated_at.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The warnings computed for this version of the integration, if any.
    pub fn get(&self, id: &str, updated_at: SystemTime) -> Option<Vec<IntegrationWarning>> {
        self.entries()
            .get(id)
            .filter(|(version, _)| *version == updated_at)
            .map(|(_, warnings)| warnings.clone())
    }

    /// Remembers the warnings of this version of the integration.
    pub fn put(&self, id: &str, updated_at: SystemTime, warnings: Vec<IntegrationWarning>) {
        self.entries()
            .insert(id.to_string(), (updated_at, warnings));
    }

    /// Forgets integrations that are gone.
    pub fn retain(&self, present: &BTreeSet<&str>) {
        self.entries().retain(|id, _| present.contains(id.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_entry_answers_only_for_its_own_version() {
        let cache = WarningsCache::default();
        let first = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
        let warning = IntegrationWarning {
            title: "Missing required keys".into(),
            ..Default::default()
        };
        cache.put("a", first, vec![warning.clone()]);
        assert_eq!(cache.get("a", first), Some(vec![warning]));
        assert_eq!(cache.get("a", first + Duration::from_nanos(1)), None);
        assert_eq!(cache.get("b", first), None);
        cache.retain(&BTreeSet::from(["b"]));
        assert_eq!(cache.get("a", first), None);
    }
}
