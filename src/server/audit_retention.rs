//! How long the audit trail is kept (`serve --audit-retention-days N`): records older than the
//! retention are pruned once at start and then every hour while the server runs. Without a
//! retention the trail is kept forever.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::store::Store;

/// How often a running server prunes.
pub const PRUNE_PERIOD: Duration = Duration::from_secs(3600);

/// One day, the unit of `--audit-retention-days`.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// The retention for `days` (at least one day; a day count beyond any real need is capped).
pub fn retention_of_days(days: u32) -> Option<Duration> {
    (days > 0).then(|| DAY.saturating_mul(days))
}

/// Prunes the records older than `keep` off the async threads; answers how many went.
pub async fn prune_now(store: &Arc<Store>, keep: Duration) -> Result<usize> {
    let store = store.clone();
    let pruned = tokio::task::spawn_blocking(move || store.prune_audit(keep))
        .await
        .context("audit prune task failed")??;
    if pruned > 0 {
        tracing::info!(pruned, "pruned audit records past the retention");
    }
    Ok(pruned)
}

/// Prunes every `period` forever (the first prune one period from now: start-up prunes itself).
/// A failed prune is logged and retried at the next tick.
pub async fn prune_periodically(store: Arc<Store>, keep: Duration, period: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = prune_now(&store, keep).await {
            tracing::warn!("pruning the audit log failed: {error:#}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::audit::{AuditEvent, AuditQuery};

    fn record(store: &Store, environment_id: &str, name: &str) {
        let event = AuditEvent {
            environment_id: environment_id.to_string(),
            agent: "tester".into(),
            endpoint: crate::server::audit::SECRET_UPSERT,
            keys: vec![name.to_string()],
            ..Default::default()
        };
        store.record_audit(&event, tonic::Code::Ok).unwrap();
    }

    fn names(store: &Store, environment_id: &str) -> Vec<String> {
        let query = AuditQuery {
            environment_id: environment_id.to_string(),
            limit: 100,
            ..Default::default()
        };
        let records = store.audit_records(&query).unwrap();
        records.into_iter().flat_map(|r| r.keys).collect()
    }

    #[tokio::test]
    async fn a_running_server_prunes_at_every_period() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let environment = store.environment("default").unwrap();
        record(&store, &environment.id, "old");
        record(&store, &environment.id, "fresh");
        let ten_days_ns: i64 = 10 * 24 * 3600 * 1_000_000_000;
        store
            .sqlite()
            .unwrap()
            .connection()
            .unwrap()
            .execute(
                "UPDATE audit_log SET at_ns = at_ns - ?1 WHERE keys = 'old'",
                [ten_days_ns],
            )
            .unwrap();
        let pruning = tokio::spawn(prune_periodically(
            store.clone(),
            DAY.saturating_mul(7),
            Duration::from_millis(20),
        ));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while names(&store, &environment.id) != ["fresh"] {
            assert!(
                tokio::time::Instant::now() < deadline,
                "not pruned within 10 s: {:?}",
                names(&store, &environment.id)
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        pruning.abort();
    }

    #[test]
    fn zero_days_is_no_retention_and_days_count_whole_days() {
        assert_eq!(retention_of_days(0), None);
        assert_eq!(retention_of_days(2), Some(Duration::from_secs(172_800)));
        assert!(retention_of_days(u32::MAX).is_some());
    }
}
