//! Kafka's connectivity test, speaking the Kafka protocol itself (no client library builds here
//! without C code): connect to the first bootstrap server that answers, TLS and SASL (PLAIN,
//! SCRAM-SHA-256/512) as KAFKA_SECURITY_PROTOCOL says, then Metadata for the topic, which must
//! exist; with `include_preview`, ListOffsets and Fetch read up to 5 recent messages without
//! joining a consumer group or committing anything. The config is read in [`settings`], the
//! preview in [`preview`], batches decoded in [`records`] (decompressed by [`compression`]), the
//! authenticated connection to a broker opened in [`login`].

mod compression;
mod connection;
mod login;
mod preview;
pub mod records;
pub mod scram;
mod settings;
pub mod wire;

pub use settings::{Mechanism, Settings, parse_servers, settings};

use crate::probe::transport::tls;
use crate::probe::{CheckFuture, CheckInput, Passed, Stage, StageError};
use connection::Connection;
use login::Login;
use wire::{API_VERSIONS, METADATA, Metadata};

/// The check: metadata for the topic, and a preview when asked for.
pub async fn check(input: CheckInput<'_>) -> Result<Passed, StageError> {
    let settings = settings(input.config)?;
    let password = input
        .config
        .get("KAFKA_SASL_PASSWORD")
        .map(|secret| secret.expose().to_string())
        .unwrap_or_default();
    let ca_pem = match &settings.ca_file {
        Some(file) if settings.tls => local_ca_file(file).await?,
        _ => None,
    };
    let login = Login {
        settings: &settings,
        password: &password,
        ca_pem: ca_pem.as_deref(),
        preview: input.include_preview,
    };
    let mut bootstrap = None;
    let mut last_error = None;
    for (host, port) in &settings.servers {
        match login.open(host, *port, input.progress).await {
            Ok(connection) => {
                bootstrap = Some(connection);
                break;
            }
            Err(error) if matches!(error.stage, Stage::Resolve | Stage::Connect) => {
                last_error = Some(error);
            }
            Err(error) => return Err(error),
        }
    }
    let Some(mut connection) = bootstrap else {
        return Err(last_error.unwrap_or_else(|| StageError::new(Stage::Connect, "no broker")));
    };
    input.progress.enter(Stage::Query);
    let metadata = topic_metadata(&mut connection, &settings.topic).await?;
    let partitions = metadata
        .topics
        .iter()
        .find(|topic| topic.name == settings.topic)
        .map_or(0, |topic| topic.partitions.len());
    let auth = match (settings.sasl, &settings.user) {
        (Some(mechanism), Some(user)) => format!("SASL {} as {user}", mechanism.name()),
        _ => "no SASL".into(),
    };
    let mut summary = format!(
        "connected to {} ({}, {auth}); topic {:?} has {partitions} partition{} on {} broker{}",
        connection.peer,
        settings.protocol,
        settings.topic,
        if partitions == 1 { "" } else { "s" },
        metadata.brokers.len(),
        if metadata.brokers.len() == 1 { "" } else { "s" },
    );
    let mut preview = Vec::new();
    if input.include_preview {
        let read = login.preview(&mut connection, &metadata).await?;
        summary.push_str(&format!(
            "; previewed {} recent message{}",
            read.messages.len(),
            if read.messages.len() == 1 { "" } else { "s" }
        ));
        if read.skipped_batches > 0 {
            summary.push_str(&format!(
                " ({} legacy (magic 0/1) batch{} not decoded)",
                read.skipped_batches,
                if read.skipped_batches == 1 { "" } else { "es" }
            ));
        }
        preview = read.messages;
    }
    Ok(Passed { summary, preview })
}

/// A KAFKA_SSL_CA_FILE on this machine (a path or `file://` URI); S3 and GCS URIs are not read
/// by the test, which then trusts the platform's roots only.
async fn local_ca_file(file: &str) -> Result<Option<Vec<u8>>, StageError> {
    if file.starts_with("s3://") || file.starts_with("gs://") {
        return Ok(None);
    }
    tls::read_ca_file("KAFKA_SSL_CA_FILE", file).await.map(Some)
}

async fn api_versions(connection: &mut Connection) -> Result<Vec<wire::ApiRange>, StageError> {
    let body = connection
        .call(API_VERSIONS, &[], Stage::Authenticate)
        .await?;
    let (error, ranges) = wire::decode_api_versions(&body)
        .map_err(|e| connection.malformed("ApiVersions", e, Stage::Authenticate))?;
    kafka_error(error, Stage::Authenticate, "ApiVersions")?;
    Ok(ranges)
}

/// Fails when the broker does not offer one of the `(key, version)` pairs.
fn supports(ranges: &[wire::ApiRange], needed: &[(i16, i16)]) -> Result<(), StageError> {
    for (key, version) in needed {
        let range = ranges.iter().find(|(k, _, _)| k == key);
        if !range.is_some_and(|(_, min, max)| min <= version && version <= max) {
            let offered = range.map_or("none".to_string(), |(_, min, max)| {
                format!("v{min} to v{max}")
            });
            return Err(StageError::new(
                Stage::Authenticate,
                format!(
                    "the broker does not support {} v{version} (it offers {offered})",
                    api_name(*key)
                ),
            ));
        }
    }
    Ok(())
}

fn api_name(key: i16) -> &'static str {
    match key {
        1 => "Fetch",
        2 => "ListOffsets",
        3 => "Metadata",
        17 => "SaslHandshake",
        18 => "ApiVersions",
        36 => "SaslAuthenticate",
        _ => "an API",
    }
}

/// Metadata of `topic`; fails unless the topic exists and may be described.
async fn topic_metadata(connection: &mut Connection, topic: &str) -> Result<Metadata, StageError> {
    let body = connection
        .call(METADATA, &wire::encode_metadata(topic), Stage::Query)
        .await?;
    let metadata = wire::decode_metadata(&body)
        .map_err(|e| connection.malformed("Metadata", e, Stage::Query))?;
    let error = metadata
        .topics
        .iter()
        .find(|t| t.name == topic)
        .map_or(wire::UNKNOWN_TOPIC_OR_PARTITION, |t| t.error);
    topic_error(error, topic)?;
    Ok(metadata)
}

/// A topic-level error code as one line.
fn topic_error(code: i16, topic: &str) -> Result<(), StageError> {
    let reason = match code {
        0 => return Ok(()),
        wire::UNKNOWN_TOPIC_OR_PARTITION => format!("topic {topic:?} does not exist"),
        wire::TOPIC_AUTHORIZATION_FAILED => {
            format!("not authorized to access topic {topic:?} (TOPIC_AUTHORIZATION_FAILED)")
        }
        wire::INVALID_TOPIC => format!("{topic:?} is not a valid topic name"),
        other => format!("topic {topic:?}: {}", wire::error_name(other)),
    };
    Err(StageError::new(Stage::Query, reason))
}

/// A non-zero error code as one line.
fn kafka_error(code: i16, stage: Stage, what: &str) -> Result<(), StageError> {
    if code == 0 {
        return Ok(());
    }
    Err(StageError::new(
        stage,
        format!("{what} failed: {} (error {code})", wire::error_name(code)),
    ))
}

/// A broker's message on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Kafka's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input).await })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_errors_read_as_one_line() {
        assert_eq!(
            topic_error(3, "x").unwrap_err().reason,
            "topic \"x\" does not exist"
        );
        let denied = topic_error(29, "x").unwrap_err();
        assert_eq!(denied.stage, Stage::Query);
        assert!(denied.reason.contains("TOPIC_AUTHORIZATION_FAILED"));
        assert!(topic_error(0, "x").is_ok());
    }

    #[test]
    fn missing_api_versions_are_named() {
        let ranges = vec![(3, 0, 3), (18, 0, 3)];
        let error = supports(&ranges, &[METADATA]).unwrap_err();
        assert_eq!(
            error.reason,
            "the broker does not support Metadata v4 (it offers v0 to v3)"
        );
        assert!(supports(&[(3, 0, 12)], &[METADATA]).is_ok());
    }
}
