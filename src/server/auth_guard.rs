//! Limits on authentication abuse: failed GetToken calls are logged with a truncated client id and
//! aggregated (one line per client and minute, with a count), and a peer that keeps failing is
//! throttled (refused before its credential is even checked) until its window passes.
//!
//! Both maps are bounded, so a flood of distinct ids or peers cannot grow memory or the log
//! without limit.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tonic::Status;

/// At most this many characters of a refused client id reach the log.
pub const LOGGED_ID_CHARS: usize = 16;
/// Failures from one peer within [`FAILURE_WINDOW`] before it is throttled.
pub const MAX_FAILURES_PER_PEER: usize = 20;
/// The window in which a peer's failures are counted.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// The aggregation period of the failure log.
const LOG_PERIOD: Duration = Duration::from_secs(60);
/// Distinct clients (or peers) tracked at once; beyond that they share one bucket.
const MAX_TRACKED: usize = 1024;
/// The bucket every client beyond [`MAX_TRACKED`] is counted in.
const OTHER_CLIENTS: &str = "(other client ids)";

/// A client id as it may appear in a log line: at most [`LOGGED_ID_CHARS`] characters, with `…`
/// when cut.
pub fn truncated_id(client_id: &str) -> String {
    let mut chars = client_id.chars();
    let head: String = chars.by_ref().take(LOGGED_ID_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Per-client failure counts of the current log period.
#[derive(Default)]
struct FailureCounts {
    period_start: Option<Instant>,
    counts: HashMap<String, u64>,
}

/// What to log after recording one failure.
#[derive(Debug, PartialEq, Eq)]
pub enum LogAction {
    /// The first failure of this client in the period: log it now.
    First(String),
    /// Counted silently.
    Counted,
}

/// Failures of the period that just ended: (client, count) for every client that failed more
/// than once (the first failure was logged when it happened).
pub type Summary = Vec<(String, u64)>;

/// Counts failures per peer and per client; decides what is logged and who is throttled.
#[derive(Default)]
pub struct AuthGuard {
    failures: Mutex<FailureCounts>,
    peers: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AuthGuard {
    /// `Some(retry_after)` when `peer` has failed too often within the window.
    pub fn throttled(&self, peer: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let peer = peer?;
        let peers = lock(&self.peers);
        let failures = peers.get(&peer)?;
        if failures.len() < MAX_FAILURES_PER_PEER {
            return None;
        }
        let oldest = *failures.front()?;
        let elapsed = now.saturating_duration_since(oldest);
        (elapsed < FAILURE_WINDOW).then(|| FAILURE_WINDOW - elapsed)
    }

    /// Records one failed exchange by `peer` for `client_id`; returns what to log now and the
    /// summary of a period that just ended, if any.
    pub fn record_failure(
        &self,
        peer: Option<IpAddr>,
        client_id: &str,
        now: Instant,
    ) -> (LogAction, Option<Summary>) {
        if let Some(peer) = peer {
            let mut peers = lock(&self.peers);
            if peers.len() >= MAX_TRACKED && !peers.contains_key(&peer) {
                peers.retain(|_, failures| {
                    failures
                        .back()
                        .is_some_and(|last| now.saturating_duration_since(*last) < FAILURE_WINDOW)
                });
            }
            if peers.len() < MAX_TRACKED || peers.contains_key(&peer) {
                let failures = peers.entry(peer).or_default();
                failures.push_back(now);
                while failures.len() > MAX_FAILURES_PER_PEER {
                    failures.pop_front();
                }
            }
        }
        let mut log = lock(&self.failures);
        let summary = match log.period_start {
            Some(start) if now.saturating_duration_since(start) < LOG_PERIOD => None,
            _ => {
                log.period_start = Some(now);
                let ended: Summary = log.counts.drain().filter(|(_, count)| *count > 1).collect();
                (!ended.is_empty()).then_some(ended)
            }
        };
        let mut key = truncated_id(client_id);
        if log.counts.len() >= MAX_TRACKED && !log.counts.contains_key(&key) {
            key = OTHER_CLIENTS.to_string();
        }
        let count = log.counts.entry(key.clone()).or_insert(0);
        *count += 1;
        let action = if *count == 1 {
            LogAction::First(key)
        } else {
            LogAction::Counted
        };
        (action, summary)
    }
}

/// The answer to a throttled peer, with a retry hint in the message and in `retry-after`.
pub fn throttled_status(retry_after: Duration) -> Status {
    let seconds = retry_after.as_secs().max(1);
    let mut status = Status::resource_exhausted(format!(
        "too many failed GetToken attempts from this address; retry in {seconds} s"
    ));
    if let Ok(value) = seconds.to_string().parse() {
        status.metadata_mut().insert("retry-after", value);
    }
    status
}

/// Writes the log lines of one failure.
pub fn log_failure(action: &LogAction, summary: Option<Summary>) {
    for (client, count) in summary.into_iter().flatten() {
        tracing::warn!(
            client_id = client,
            failures = count,
            "GetToken refused {count} times in the last minute"
        );
    }
    if let LogAction::First(client) = action {
        tracing::warn!(
            client_id = client,
            "GetToken refused: unknown client id or wrong secret (further failures of this client are counted for a minute)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_are_cut_to_a_short_prefix() {
        assert_eq!(truncated_id("short"), "short");
        let long = "x".repeat(3_000_000);
        let cut = truncated_id(&long);
        assert_eq!(cut.chars().count(), LOGGED_ID_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn failures_are_logged_once_per_client_and_period_then_summarised() {
        let guard = AuthGuard::default();
        let start = Instant::now();
        let (first, summary) = guard.record_failure(None, "ci", start);
        assert_eq!(first, LogAction::First("ci".into()));
        assert!(summary.is_none());
        for _ in 0..9 {
            assert_eq!(
                guard.record_failure(None, "ci", start).0,
                LogAction::Counted
            );
        }
        let (action, summary) = guard.record_failure(None, "ci", start + LOG_PERIOD);
        assert_eq!(action, LogAction::First("ci".into()));
        assert_eq!(summary, Some(vec![("ci".to_string(), 10)]));
    }

    #[test]
    fn distinct_ids_share_one_bucket_beyond_the_cap() {
        let guard = AuthGuard::default();
        let now = Instant::now();
        let mut firsts = 0;
        for i in 0..(MAX_TRACKED + 500) {
            if let (LogAction::First(_), _) = guard.record_failure(None, &format!("id-{i}"), now) {
                firsts += 1;
            }
        }
        assert_eq!(firsts, MAX_TRACKED + 1);
    }

    #[test]
    fn a_peer_is_throttled_after_repeated_failures_until_its_window_passes() {
        let guard = AuthGuard::default();
        let peer: IpAddr = "127.0.0.9".parse().unwrap();
        let other: IpAddr = "127.0.0.10".parse().unwrap();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES_PER_PEER {
            assert!(guard.throttled(Some(peer), start).is_none());
            guard.record_failure(Some(peer), "x", start);
        }
        let retry = guard.throttled(Some(peer), start).unwrap();
        assert_eq!(retry, FAILURE_WINDOW);
        assert!(guard.throttled(Some(other), start).is_none());
        assert!(
            guard
                .throttled(Some(peer), start + FAILURE_WINDOW)
                .is_none()
        );
        let status = throttled_status(retry);
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
        assert_eq!(status.metadata().get("retry-after").unwrap(), "60");
    }
}
