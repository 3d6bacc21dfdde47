//! The preview: ListOffsets for the latest and earliest offsets of each partition, then one Fetch
//! from up to 5 before the end, decoded ([`super::records`]) into the most recent messages. Reads
//! consume nothing: no consumer group, no commit.

use std::collections::BTreeMap;

use super::connection::Connection;
use super::wire::{self, FETCH, LIST_OFFSETS};
use super::{records, topic_error};
use crate::probe::{PreviewMessage, Stage, StageError};

/// How many messages a preview shows.
pub(super) const PREVIEW_COUNT: usize = 5;

/// Messages read for a preview.
#[derive(Default)]
pub(super) struct Preview {
    pub(super) messages: Vec<PreviewMessage>,
    pub(super) skipped_batches: usize,
}

/// The last messages (up to 5) of `partitions` on the broker behind `connection`.
pub(super) async fn read_recent(
    connection: &mut Connection,
    topic: &str,
    partitions: &[i32],
) -> Result<Preview, StageError> {
    let latest = list_offsets(connection, topic, partitions, wire::LATEST).await?;
    let earliest = list_offsets(connection, topic, partitions, wire::EARLIEST).await?;
    let from: Vec<(i32, i64, i64)> = latest
        .iter()
        .filter_map(|(partition, end)| {
            let start = earliest.get(partition).copied().unwrap_or(0);
            let from = end.saturating_sub(PREVIEW_COUNT as i64).max(start);
            (from < *end).then_some((*partition, from, *end))
        })
        .collect();
    let mut read = Preview::default();
    if from.is_empty() {
        return Ok(read);
    }
    let request: Vec<(i32, i64)> = from.iter().map(|(p, start, _)| (*p, *start)).collect();
    let body = connection
        .call(FETCH, &wire::encode_fetch(topic, &request), Stage::Query)
        .await?;
    let fetched =
        wire::decode_fetch(&body).map_err(|e| connection.malformed("Fetch", e, Stage::Query))?;
    for part in fetched {
        topic_error(part.error, topic)?;
        let Some((_, start, end)) = from.iter().find(|(p, _, _)| *p == part.partition) else {
            continue;
        };
        let decoded = records::decode_batches(part.records).map_err(|error| {
            StageError::new(
                Stage::Query,
                format!(
                    "partition {} of topic {topic:?}: {}",
                    part.partition, error.0
                ),
            )
        })?;
        read.skipped_batches += decoded.skipped_batches;
        read.messages.extend(
            decoded
                .records
                .into_iter()
                .filter(|r| r.offset >= *start && r.offset < *end)
                .map(|r| PreviewMessage {
                    key: r.key,
                    value: r.value,
                    topic: topic.to_string(),
                    partition: part.partition.to_string(),
                    offset: r.offset.to_string(),
                    timestamp_ms: r.timestamp_ms,
                }),
        );
    }
    Ok(read)
}

/// Offsets of `partitions` at `timestamp`, by partition.
async fn list_offsets(
    connection: &mut Connection,
    topic: &str,
    partitions: &[i32],
    timestamp: i64,
) -> Result<BTreeMap<i32, i64>, StageError> {
    let body = connection
        .call(
            LIST_OFFSETS,
            &wire::encode_list_offsets(topic, partitions, timestamp),
            Stage::Query,
        )
        .await?;
    let answers = wire::decode_list_offsets(&body)
        .map_err(|e| connection.malformed("ListOffsets", e, Stage::Query))?;
    let mut offsets = BTreeMap::new();
    for (partition, error, offset) in answers {
        topic_error(error, topic)?;
        offsets.insert(partition, offset);
    }
    Ok(offsets)
}
