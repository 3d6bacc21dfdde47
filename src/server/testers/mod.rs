//! Connectivity tests run by `serve`: each kind's check goes through named stages (resolve,
//! connect, TLS, authenticate, query), is bounded by one deadline, and reports which stage failed
//! and how long each took, in one line that never contains a secret.

mod aws;
mod clickhouse;
pub mod config;
mod databricks;
mod google;
pub(crate) mod google_auth;
pub(crate) mod http;
mod kafka;
mod mssql;
pub mod net;
mod pg_tls;
pub(crate) mod sigv4;
mod snowflake;
mod sql;
mod tds_tls;
mod tls;
mod trino;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::validate::is_secret_key;
use crate::domain::{Kind, Secret};

/// The steps of a connectivity check, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Resolve,
    Connect,
    Tls,
    Authenticate,
    Query,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Resolve => "resolve",
            Stage::Connect => "connect",
            Stage::Tls => "TLS",
            Stage::Authenticate => "authenticate",
            Stage::Query => "query",
        })
    }
}

/// A config with every linked secret already resolved; values stay wrapped.
pub type ResolvedConfig = BTreeMap<String, Secret>;

/// A resolved config of literal `pairs`, for the checks' unit tests.
#[cfg(test)]
pub(crate) fn literal_config(pairs: &[(&str, &str)]) -> ResolvedConfig {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), Secret::new(*value)))
        .collect()
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq)]
pub struct TestReport {
    pub success: bool,
    /// One line a person can act on; scrubbed of every config value that is secret.
    pub message: String,
    pub latency: Duration,
    /// The stage that failed, when one did.
    pub failed_stage: Option<Stage>,
    /// Recent messages of a stream, when asked for and the kind can read without consuming.
    pub preview: Vec<PreviewMessage>,
}

/// One message read from a stream for a preview (Kafka, Kinesis, Pub/Sub).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PreviewMessage {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub topic: String,
    pub partition: String,
    pub offset: String,
    pub timestamp_ms: i64,
}

/// What a check that passed hands back: a one-line summary, and a preview when one was asked for.
#[derive(Clone, Debug, Default)]
pub struct Passed {
    pub summary: String,
    pub preview: Vec<PreviewMessage>,
}

impl From<String> for Passed {
    fn from(summary: String) -> Self {
        Self {
            summary,
            preview: Vec::new(),
        }
    }
}

/// What every check receives.
#[derive(Clone, Copy)]
pub struct CheckInput<'a> {
    pub config: &'a ResolvedConfig,
    pub progress: &'a Progress,
    /// The caller asked for recent stream messages (`include_preview`).
    pub include_preview: bool,
}

/// Records when each stage started, so a timeout can say where it was and a report can say how
/// long each stage took. Shared with the check so the deadline can read it after cancelling it.
#[derive(Clone, Default)]
pub struct Progress(Arc<Mutex<Vec<(Stage, Instant)>>>);

impl Progress {
    /// Marks the start of `stage`.
    pub fn enter(&self, stage: Stage) {
        if let Ok(mut stages) = self.0.lock() {
            stages.push((stage, Instant::now()));
        }
    }

    fn snapshot(&self) -> Vec<(Stage, Instant)> {
        self.0
            .lock()
            .map(|stages| stages.clone())
            .unwrap_or_default()
    }

    /// The stage in progress (the last entered).
    pub fn current(&self) -> Option<Stage> {
        self.snapshot().last().map(|(stage, _)| *stage)
    }

    /// `resolve 0 ms, connect 1 ms, ...` for the stages finished by `end`, and the last one
    /// up to `end`.
    pub fn timings(&self, end: Instant) -> String {
        let stages = self.snapshot();
        stages
            .iter()
            .enumerate()
            .map(|(index, (stage, start))| {
                let stop = stages.get(index + 1).map_or(end, |(_, next)| *next);
                format!(
                    "{stage} {}",
                    format_duration(stop.saturating_duration_since(*start))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `3 ms` below a second, `1.2 s` above.
pub fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// A failed stage with a one-line reason (no secrets; scrubbed again before it leaves).
#[derive(Debug)]
pub struct StageError {
    pub stage: Stage,
    pub reason: String,
}

impl StageError {
    pub fn new(stage: Stage, reason: impl Into<String>) -> Self {
        Self {
            stage,
            reason: reason.into(),
        }
    }
}

/// Replaces every value of a sensitive key (of at least 4 characters, so "1" or "" do not blank a
/// message) that appears in `message`.
pub fn scrub(message: &str, config: &ResolvedConfig, sensitive: &BTreeSet<String>) -> String {
    let mut cleaned = message.to_string();
    for (_, value) in config.iter().filter(|(key, _)| sensitive.contains(*key)) {
        let value = value.expose();
        if value.len() >= 4 && cleaned.contains(value) {
            cleaned = cleaned.replace(value, crate::domain::secret::REDACTED);
        }
    }
    cleaned
}

/// The keys whose values must never appear in a message: the catalog's secret keys (and
/// credential-looking custom keys) plus every key whose value came from a linked secret.
pub fn sensitive_keys(
    kind: Kind,
    config: &ResolvedConfig,
    linked: &BTreeSet<String>,
) -> BTreeSet<String> {
    config
        .keys()
        .filter(|key| linked.contains(*key) || is_secret_key(kind, key))
        .cloned()
        .collect()
}

/// One kind's check: a summary (and preview) on success, the failed stage otherwise.
type CheckFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Passed, StageError>> + Send + 'a>>;

/// The check that speaks `kind`'s protocol, or `None` for kinds with no check.
fn check_for(kind: Kind, input: CheckInput<'_>) -> Option<CheckFuture<'_>> {
    let CheckInput {
        config,
        progress,
        include_preview,
    } = input;
    Some(match kind {
        Kind::Postgresql => Box::pin(async move {
            sql::postgres(config, sql::POSTGRES_KEYS, progress)
                .await
                .map(Passed::from)
        }),
        Kind::Redshift => Box::pin(async move {
            sql::postgres(config, sql::REDSHIFT_KEYS, progress)
                .await
                .map(Passed::from)
        }),
        Kind::Mysql => {
            Box::pin(async move { sql::mysql(config, progress).await.map(Passed::from) })
        }
        Kind::Athena => Box::pin(aws::athena(config, progress)),
        Kind::Dynamodb => Box::pin(aws::dynamodb(config, progress)),
        Kind::Kinesis => Box::pin(aws::kinesis(config, progress, include_preview)),
        Kind::Bigquery => Box::pin(google::bigquery(config, progress)),
        Kind::Spanner => Box::pin(google::spanner(config, progress)),
        Kind::Pubsub => Box::pin(google::pubsub(config, progress, include_preview)),
        Kind::Kafka => Box::pin(kafka::check(input)),
        Kind::Mssql => {
            Box::pin(async move { mssql::check(config, progress).await.map(Passed::from) })
        }
        Kind::Clickhouse => {
            Box::pin(async move { clickhouse::check(config, progress).await.map(Passed::from) })
        }
        Kind::Databricks => {
            Box::pin(async move { databricks::check(config, progress).await.map(Passed::from) })
        }
        Kind::Snowflake => {
            Box::pin(async move { snowflake::check(config, progress).await.map(Passed::from) })
        }
        Kind::Trino => {
            Box::pin(async move { trino::check(config, progress).await.map(Passed::from) })
        }
        _ => return None,
    })
}

/// Runs the kind's check under `deadline` and turns the outcome into a report. `linked` names
/// the keys resolved from a secret store; their values are scrubbed like secret keys'.
pub async fn run(
    kind: Kind,
    config: &ResolvedConfig,
    linked: &BTreeSet<String>,
    deadline: Duration,
    include_preview: bool,
) -> TestReport {
    let progress = Progress::default();
    let started = Instant::now();
    let input = CheckInput {
        config,
        progress: &progress,
        include_preview,
    };
    let Some(check) = check_for(kind, input) else {
        return TestReport {
            success: false,
            message: format!("no connectivity test for {kind} yet"),
            latency: started.elapsed(),
            failed_stage: None,
            preview: Vec::new(),
        };
    };
    let outcome = tokio::time::timeout(deadline, check).await;
    let ended = Instant::now();
    let latency = ended.duration_since(started);
    // ` (resolve 0 ms, connect 2 ms)`, or nothing when the check failed before its first stage.
    let timings = match progress.timings(ended) {
        text if text.is_empty() => String::new(),
        text => format!(" ({text})"),
    };
    let mut preview = Vec::new();
    let (success, message, failed_stage) = match outcome {
        Ok(Ok(passed)) => {
            preview = passed.preview;
            (true, format!("{}{timings}", passed.summary), None)
        }
        Ok(Err(error)) => (
            false,
            format!("{} failed: {}{timings}", error.stage, error.reason),
            Some(error.stage),
        ),
        Err(_elapsed) => {
            let stage = progress.current().unwrap_or(Stage::Resolve);
            (
                false,
                format!(
                    "{stage} failed: timed out after {}{timings}",
                    format_duration(deadline)
                ),
                Some(stage),
            )
        }
    };
    TestReport {
        success,
        message: scrub(&message, config, &sensitive_keys(kind, config, linked)),
        latency,
        failed_stage,
        preview,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_sensitive_values_only() {
        let config = ResolvedConfig::from([
            ("PGPASSWORD".into(), Secret::new("hunter22")),
            ("PGUSER".into(), Secret::new("linkeduser")),
            ("PGHOST".into(), Secret::new("dbhost")),
            ("PGPORT".into(), Secret::new("1")),
        ]);
        let linked = BTreeSet::from(["PGUSER".to_string()]);
        let sensitive = sensitive_keys(Kind::Postgresql, &config, &linked);
        assert_eq!(
            sensitive,
            BTreeSet::from(["PGPASSWORD".to_string(), "PGUSER".to_string()])
        );
        assert_eq!(
            scrub(
                "user linkeduser password hunter22 on dbhost port 1",
                &config,
                &sensitive
            ),
            "user [redacted] password [redacted] on dbhost port 1"
        );
    }

    #[tokio::test]
    async fn kinds_without_a_check_say_so() {
        let report = run(
            Kind::Cohere,
            &ResolvedConfig::new(),
            &BTreeSet::new(),
            Duration::from_secs(1),
            false,
        )
        .await;
        assert!(!report.success);
        assert_eq!(report.message, "no connectivity test for Cohere yet");
    }
}
