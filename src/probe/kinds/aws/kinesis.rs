//! The Kinesis check: `DescribeStreamSummary` of the stream named by name or ARN (an ARN also
//! gives the region), and with a preview, records read from `TRIM_HORIZON` shard iterators,
//! which consumes nothing.

use base64::Engine as _;
use serde_json::{Value, json};

use super::client::Client;
use super::spec::{KINESIS, region};
use crate::probe::config::value;
use crate::probe::{
    CheckInput, Outcome, Passed, PreviewMessage, ResolvedConfig, Stage, StageError,
};

/// How many records a Kinesis preview reads at most.
const PREVIEW_LIMIT: usize = 5;
/// How many shards a Kinesis preview looks into at most.
const PREVIEW_SHARDS: usize = 10;
/// How many GetRecords calls a preview makes per shard while the iterator is behind.
const READS_PER_SHARD: usize = 3;

/// Kinesis: `DescribeStreamSummary` of the stream (name or ARN), which must be active or
/// updating; with `include_preview`, up to 5 of the oldest retained records.
pub async fn kinesis(input: CheckInput<'_>) -> Outcome {
    let CheckInput {
        config, progress, ..
    } = input;
    let stream = Stream::from_config(config)?;
    let region = match (value(config, "KINESIS_REGION_NAME"), &stream.arn_region) {
        (Some(_), _) | (None, None) => region(config, "KINESIS_REGION_NAME")?,
        (None, Some(region)) => region.as_str(),
    };
    let mut client = Client::open(KINESIS, config, region, progress).await?;
    let answer = client
        .first_call(progress, "DescribeStreamSummary", stream.field())
        .await?;
    let summary = answer
        .get("StreamDescriptionSummary")
        .unwrap_or(&Value::Null);
    let status = summary
        .get("StreamStatus")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN");
    if !matches!(status, "ACTIVE" | "UPDATING") {
        return Err(StageError::new(
            Stage::Query,
            format!("stream {} is {status}; it cannot be read", stream.label()),
        ));
    }
    let shards = summary
        .get("OpenShardCount")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut text = format!(
        "signed in to Kinesis at {} as {}; stream {} is {status} with {shards} open shard{}",
        client.endpoint.describe(),
        client.key_id(),
        stream.label(),
        if shards == 1 { "" } else { "s" }
    );
    let mut preview = Vec::new();
    if input.include_preview {
        match client.preview(&stream).await {
            Ok(records) => {
                text.push_str(&format!(
                    "; previewed {} of the oldest retained records",
                    records.len()
                ));
                preview = records;
            }
            Err(reason) => text.push_str(&format!("; no preview: {reason}")),
        }
    }
    Ok(Passed {
        summary: text,
        preview,
    })
}

/// A Kinesis stream named by `KINESIS_STREAM_NAME` or `KINESIS_STREAM_ARN`.
struct Stream {
    name: Option<String>,
    arn: Option<String>,
    arn_region: Option<String>,
}

impl Stream {
    fn from_config(config: &ResolvedConfig) -> Result<Self, StageError> {
        let name = value(config, "KINESIS_STREAM_NAME").map(str::to_string);
        let arn = value(config, "KINESIS_STREAM_ARN").map(str::to_string);
        if name.is_none() && arn.is_none() {
            return Err(StageError::new(
                Stage::Resolve,
                "KINESIS_STREAM_NAME is not set (nor KINESIS_STREAM_ARN); set one of them",
            ));
        }
        let arn_region = arn.as_deref().and_then(arn_region);
        Ok(Self {
            name,
            arn,
            arn_region,
        })
    }

    /// `{"StreamARN": …}` when an ARN is set (it is exact), else `{"StreamName": …}`.
    fn field(&self) -> Value {
        match (&self.arn, &self.name) {
            (Some(arn), _) => json!({ "StreamARN": arn }),
            (None, Some(name)) => json!({ "StreamName": name }),
            (None, None) => json!({}),
        }
    }

    fn label(&self) -> String {
        format!(
            "{:?}",
            self.name
                .as_deref()
                .or(self.arn.as_deref())
                .unwrap_or_default()
        )
    }
}

/// The region of `arn:aws:kinesis:{region}:{account}:stream/{name}`.
fn arn_region(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    let region = parts.nth(3)?;
    (!region.is_empty()).then(|| region.to_string())
}

/// Kinesis records from a GetRecords answer as preview messages.
pub fn parse_records(answer: &Value, shard: &str, topic: &str) -> Vec<PreviewMessage> {
    let decode = |text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|_| text.as_bytes().to_vec())
    };
    answer
        .get("Records")
        .and_then(Value::as_array)
        .map(|records| {
            records
                .iter()
                .map(|record| PreviewMessage {
                    key: record
                        .get("PartitionKey")
                        .and_then(Value::as_str)
                        .map(|key| key.as_bytes().to_vec()),
                    value: record
                        .get("Data")
                        .and_then(Value::as_str)
                        .map(decode)
                        .unwrap_or_default(),
                    topic: topic.to_string(),
                    partition: shard.to_string(),
                    offset: record
                        .get("SequenceNumber")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    timestamp_ms: record
                        .get("ApproximateArrivalTimestamp")
                        .and_then(Value::as_f64)
                        .map_or(0, |seconds| (seconds * 1000.0) as i64),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Client {
    /// Up to 5 records from the first shards, read from TRIM_HORIZON (reading consumes nothing).
    async fn preview(&mut self, stream: &Stream) -> Result<Vec<PreviewMessage>, String> {
        let mut listing = stream.field();
        listing["MaxResults"] = json!(PREVIEW_SHARDS);
        let shards = self.preview_call("ListShards", listing).await?;
        let shard_ids: Vec<String> = shards
            .get("Shards")
            .and_then(Value::as_array)
            .map(|shards| {
                shards
                    .iter()
                    .filter_map(|shard| shard.get("ShardId").and_then(Value::as_str))
                    .map(str::to_string)
                    .take(PREVIEW_SHARDS)
                    .collect()
            })
            .unwrap_or_default();
        let topic = stream
            .name
            .clone()
            .or_else(|| stream.arn.clone())
            .unwrap_or_default();
        let mut records = Vec::new();
        for shard in shard_ids {
            if records.len() >= PREVIEW_LIMIT {
                break;
            }
            let wanted = PREVIEW_LIMIT - records.len();
            records.extend(self.read_shard(stream, &shard, &topic, wanted).await?);
        }
        records.truncate(PREVIEW_LIMIT);
        Ok(records)
    }

    async fn read_shard(
        &mut self,
        stream: &Stream,
        shard: &str,
        topic: &str,
        wanted: usize,
    ) -> Result<Vec<PreviewMessage>, String> {
        let mut request = stream.field();
        request["ShardId"] = json!(shard);
        request["ShardIteratorType"] = json!("TRIM_HORIZON");
        let answer = self.preview_call("GetShardIterator", request).await?;
        let mut iterator = answer
            .get("ShardIterator")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut found = Vec::new();
        for _ in 0..READS_PER_SHARD {
            let Some(current) = iterator.take() else {
                break;
            };
            let mut request = json!({ "ShardIterator": current, "Limit": wanted });
            if let Some(arn) = &stream.arn {
                request["StreamARN"] = json!(arn);
            }
            let answer = self.preview_call("GetRecords", request).await?;
            found.extend(parse_records(&answer, shard, topic));
            let behind = answer
                .get("MillisBehindLatest")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if !found.is_empty() || behind == 0 {
                break;
            }
            iterator = answer
                .get("NextShardIterator")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        found.truncate(wanted);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

    #[test]
    fn stream_arns_give_the_region_and_win_over_names() {
        assert_eq!(
            arn_region("arn:aws:kinesis:eu-central-1:123456789012:stream/orders").as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(arn_region("orders"), None);
        let stream = Stream::from_config(&config(&[
            ("KINESIS_STREAM_NAME", "orders"),
            (
                "KINESIS_STREAM_ARN",
                "arn:aws:kinesis:us-east-1:1:stream/orders",
            ),
        ]))
        .unwrap();
        assert_eq!(
            stream.field(),
            json!({"StreamARN": "arn:aws:kinesis:us-east-1:1:stream/orders"})
        );
        assert_eq!(
            Stream::from_config(&config(&[]))
                .err()
                .map(|error| error.stage),
            Some(Stage::Resolve)
        );
    }

    #[test]
    fn records_become_preview_messages() {
        let answer = json!({
            "Records": [{
                "SequenceNumber": "4960",
                "ApproximateArrivalTimestamp": 1700000000.5,
                "Data": "aGVsbG8=",
                "PartitionKey": "user-1"
            }],
            "MillisBehindLatest": 0
        });
        let records = parse_records(&answer, "shardId-000000000000", "orders");
        assert_eq!(
            records,
            vec![PreviewMessage {
                key: Some(b"user-1".to_vec()),
                value: b"hello".to_vec(),
                topic: "orders".into(),
                partition: "shardId-000000000000".into(),
                offset: "4960".into(),
                timestamp_ms: 1_700_000_000_500,
            }]
        );
        assert!(parse_records(&json!({}), "s", "t").is_empty());
    }
}
