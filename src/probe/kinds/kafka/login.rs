//! Opening an authenticated connection to one broker: resolve, connect, TLS as
//! KAFKA_SECURITY_PROTOCOL says, ApiVersions, then SASL (PLAIN or SCRAM) with the answers named
//! by stage. The check opens the bootstrap server and, for a preview, the partition leader.

use std::collections::BTreeMap;

use crate::domain::Secret;
use crate::probe::transport::tcp::{connect, resolve};
use crate::probe::transport::tls::{self, Verify};
use crate::probe::{Progress, Stage, StageError};

use super::connection::{self, Connection};
use super::preview::{PREVIEW_COUNT, Preview, read_recent};
use super::wire::{
    self, FETCH, LIST_OFFSETS, METADATA, Metadata, SASL_AUTHENTICATE, SASL_HANDSHAKE,
};
use super::{Mechanism, Settings, api_versions, kafka_error, one_line, scram, supports};

/// What is needed to open an authenticated connection to any broker of the cluster.
pub(super) struct Login<'a> {
    pub(super) settings: &'a Settings,
    pub(super) password: &'a str,
    pub(super) ca_pem: Option<&'a [u8]>,
    /// ListOffsets and Fetch will be needed too.
    pub(super) preview: bool,
}

impl Login<'_> {
    /// Resolve, connect, TLS, then ApiVersions and SASL (the authenticate stage).
    pub(super) async fn open(
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

    pub(super) async fn authenticate(
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

    pub(super) async fn scram(
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
    pub(super) async fn preview(
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
