//! Kafka's connectivity test, speaking the Kafka protocol itself (no client library builds here
//! without C code): connect to the first bootstrap server that answers, TLS and SASL (PLAIN,
//! SCRAM-SHA-256/512) as KAFKA_SECURITY_PROTOCOL says, then Metadata for the topic, which must
//! exist; with `include_preview`, ListOffsets and Fetch read up to 5 recent messages without
//! joining a consumer group or committing anything. The config is read in [`settings`], the
//! preview in [`preview`], batches decoded in [`records`] (decompressed by [`compression`]).

mod compression;
mod connection;
mod preview;
pub mod records;
pub mod scram;
mod settings;
pub mod wire;

pub use settings::{Mechanism, Settings, parse_servers, settings};

use std::collections::BTreeMap;

use crate::domain::Secret;

use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, Stage, StageError};
use connection::Connection;
use preview::{PREVIEW_COUNT, Preview, read_recent};
use wire::{
    API_VERSIONS, FETCH, LIST_OFFSETS, METADATA, Metadata, SASL_AUTHENTICATE, SASL_HANDSHAKE,
};

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

/// What is needed to open an authenticated connection to any broker of the cluster.
struct Login<'a> {
    settings: &'a Settings,
    password: &'a str,
    ca_pem: Option<&'a [u8]>,
    /// ListOffsets and Fetch will be needed too.
    preview: bool,
}

impl Login<'_> {
    /// Resolve, connect, TLS, then ApiVersions and SASL (the authenticate stage).
    async fn open(
        &self,
        host: &str,
        port: u16,
        progress: &Progress,
    ) -> Result<Connection, StageError> {
        let addresses = resolve(host, port, progress).await?;
        let tcp = connect(&addresses, progress).await?;
        let peer = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let stream: Box<dyn connection::Stream> = if self.settings.tls {
            progress.enter(Stage::Tls);
            let config = tls::client_config(Verify::Full, self.ca_pem)?;
            let stream = tls::handshake(tcp, host, config).await.map_err(|mut error| {
                if self.ca_pem.is_none() && self.settings.ca_file.is_some() {
                    error.reason.push_str(
                        " (KAFKA_SSL_CA_FILE is an S3/GCS URI, which the connectivity test does not fetch)",
                    );
                }
                error
            })?;
            Box::new(stream)
        } else {
            Box::new(tcp)
        };
        let mut connection = Connection::new(
            stream,
            &self.settings.client_id,
            peer,
            self.settings.protocol,
        );
        progress.enter(Stage::Authenticate);
        let ranges = api_versions(&mut connection).await?;
        let mut needed = vec![METADATA];
        if self.preview {
            needed.extend([LIST_OFFSETS, FETCH]);
        }
        if self.settings.sasl.is_some() {
            needed.extend([SASL_HANDSHAKE, SASL_AUTHENTICATE]);
        }
        supports(&ranges, &needed)?;
        if let Some(mechanism) = self.settings.sasl {
            self.authenticate(&mut connection, mechanism).await?;
        }
        Ok(connection)
    }

    async fn authenticate(
        &self,
        connection: &mut Connection,
        mechanism: Mechanism,
    ) -> Result<(), StageError> {
        if let Mechanism::Unsupported(what) = mechanism {
            return Err(StageError::new(
                Stage::Authenticate,
                format!("not supported by the connectivity test: {what}"),
            ));
        }
        let user = self.settings.user.as_deref().unwrap_or_default();
        let body = connection
            .call(
                SASL_HANDSHAKE,
                &wire::encode_sasl_handshake(mechanism.name()),
                Stage::Authenticate,
            )
            .await?;
        let (error, enabled) = wire::decode_sasl_handshake(&body)
            .map_err(|e| connection.malformed("SaslHandshake", e, Stage::Authenticate))?;
        if error == wire::UNSUPPORTED_SASL_MECHANISM {
            return Err(StageError::new(
                Stage::Authenticate,
                format!(
                    "the broker does not enable SASL {} (it offers {})",
                    mechanism.name(),
                    if enabled.is_empty() {
                        "none".to_string()
                    } else {
                        enabled.join(", ")
                    }
                ),
            ));
        }
        kafka_error(error, Stage::Authenticate, "SASL handshake")?;
        match mechanism {
            Mechanism::Scram(hash) => self.scram(connection, hash, user).await,
            _ => {
                let mut plain = vec![0u8];
                plain.extend_from_slice(user.as_bytes());
                plain.push(0);
                plain.extend_from_slice(self.password.as_bytes());
                sasl_step(connection, &plain, mechanism, user)
                    .await
                    .map(|_| ())
            }
        }
    }

    async fn scram(
        &self,
        connection: &mut Connection,
        hash: scram::Hash,
        user: &str,
    ) -> Result<(), StageError> {
        let mechanism = Mechanism::Scram(hash);
        let client = scram::Client::new(hash, user, &scram::nonce());
        let server_first = sasl_step(
            connection,
            client.first_message().as_bytes(),
            mechanism,
            user,
        )
        .await?;
        let scram_failed = |error: scram::ScramError| StageError::new(Stage::Authenticate, error.0);
        // PBKDF2 is seconds of CPU at high iteration counts: off the async workers, so the
        // test's deadline (a timer on those workers) still fires while it runs.
        let server_first = String::from_utf8_lossy(&server_first).into_owned();
        let password = Secret::new(self.password);
        let last = tokio::task::spawn_blocking(move || {
            client.final_message(&server_first, password.expose())
        })
        .await
        .map_err(|_| StageError::new(Stage::Authenticate, "the SCRAM computation did not finish"))?
        .map_err(scram_failed)?;
        let server_final = sasl_step(connection, last.message.as_bytes(), mechanism, user).await?;
        last.verify(&String::from_utf8_lossy(&server_final))
            .map_err(scram_failed)
    }

    /// Up to 5 recent messages across the topic's partitions, read from each partition's leader.
    async fn preview(
        &self,
        bootstrap: &mut Connection,
        metadata: &Metadata,
    ) -> Result<Preview, StageError> {
        let topic = &self.settings.topic;
        let mut by_leader: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for topic in metadata.topics.iter().filter(|t| &t.name == topic) {
            for partition in topic.partitions.iter().filter(|p| p.leader >= 0) {
                by_leader
                    .entry(partition.leader)
                    .or_default()
                    .push(partition.partition);
            }
        }
        let mut read = Preview::default();
        for (leader, partitions) in by_leader {
            let broker = metadata.brokers.iter().find(|b| b.node_id == leader);
            let is_bootstrap = metadata.brokers.len() == 1
                || broker.is_some_and(|b| bootstrap.peer == format!("{}:{}", b.host, b.port));
            let part = if is_bootstrap {
                read_recent(bootstrap, topic, &partitions).await?
            } else {
                let Some(broker) = broker else {
                    continue;
                };
                let port = u16::try_from(broker.port).map_err(|_| {
                    StageError::new(Stage::Query, format!("broker {leader} has no valid port"))
                })?;
                let mut side = self
                    .open(&broker.host, port, &Progress::default())
                    .await
                    .map_err(|error| {
                        StageError::new(
                            Stage::Query,
                            format!("reading from the leader broker {leader}: {}", error.reason),
                        )
                    })?;
                read_recent(&mut side, topic, &partitions).await?
            };
            read.messages.extend(part.messages);
            read.skipped_batches += part.skipped_batches;
        }
        read.messages.sort_by_key(|m| {
            std::cmp::Reverse((m.timestamp_ms, m.offset.parse::<i64>().unwrap_or(0)))
        });
        read.messages.truncate(PREVIEW_COUNT);
        Ok(read)
    }
}

/// One SASL step: send `bytes`, return the broker's answer bytes.
async fn sasl_step(
    connection: &mut Connection,
    bytes: &[u8],
    mechanism: Mechanism,
    user: &str,
) -> Result<Vec<u8>, StageError> {
    let body = connection
        .call(
            SASL_AUTHENTICATE,
            &wire::encode_sasl_authenticate(bytes),
            Stage::Authenticate,
        )
        .await?;
    let answer = wire::decode_sasl_authenticate(&body)
        .map_err(|e| connection.malformed("SaslAuthenticate", e, Stage::Authenticate))?;
    if answer.error == wire::SASL_AUTHENTICATION_FAILED {
        return Err(StageError::new(
            Stage::Authenticate,
            format!(
                "authentication failed for user {user} with SASL {}{}",
                mechanism.name(),
                answer
                    .message
                    .filter(|m| !m.is_empty())
                    .map(|m| format!(": {}", one_line(&m)))
                    .unwrap_or_default()
            ),
        ));
    }
    kafka_error(answer.error, Stage::Authenticate, "SASL authentication")?;
    Ok(answer.auth_bytes)
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
