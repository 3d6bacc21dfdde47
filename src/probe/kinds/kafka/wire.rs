//! The Kafka wire protocol's encodings for the few requests the connectivity test sends, pure
//! byte work with no I/O: request headers (v1), and the bodies of ApiVersions v0,
//! SaslHandshake v1, SaslAuthenticate v0, Metadata v4, ListOffsets v1 and Fetch v4 with their
//! responses. All of them are non-flexible versions supported from Kafka 1.0 through 4.x.

/// API keys and the versions used.
pub const FETCH: (i16, i16) = (1, 4);
pub const LIST_OFFSETS: (i16, i16) = (2, 1);
pub const METADATA: (i16, i16) = (3, 4);
pub const SASL_HANDSHAKE: (i16, i16) = (17, 1);
pub const API_VERSIONS: (i16, i16) = (18, 0);
pub const SASL_AUTHENTICATE: (i16, i16) = (36, 0);

/// A response too short or malformed to decode.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// Appends big-endian Kafka primitives.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn i8(&mut self, value: i8) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
    pub fn i16(&mut self, value: i16) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
    pub fn i32(&mut self, value: i32) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
    pub fn i64(&mut self, value: i64) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
    /// A STRING: int16 length, then UTF-8 bytes (truncated at i16::MAX, far above any name).
    pub fn string(&mut self, value: &str) -> &mut Self {
        let bytes = &value.as_bytes()[..value.len().min(i16::MAX as usize)];
        self.i16(bytes.len() as i16);
        self.0.extend_from_slice(bytes);
        self
    }
    /// BYTES: int32 length, then the bytes.
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.i32(i32::try_from(value.len()).unwrap_or(i32::MAX));
        self.0.extend_from_slice(value);
        self
    }
}

/// Reads big-endian Kafka primitives from a response body.
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn take(&mut self, count: usize) -> Result<&'a [u8], Malformed> {
        if self.0.len() < count {
            return Err(Malformed("response ended early"));
        }
        let (head, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub fn i8(&mut self) -> Result<i8, Malformed> {
        Ok(i8::from_be_bytes(self.array()?))
    }
    pub fn i16(&mut self) -> Result<i16, Malformed> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Result<i32, Malformed> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64, Malformed> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    pub fn boolean(&mut self) -> Result<bool, Malformed> {
        Ok(self.i8()? != 0)
    }
    /// A NULLABLE_STRING (length -1 is null).
    pub fn nullable_string(&mut self) -> Result<Option<String>, Malformed> {
        let length = self.i16()?;
        if length < 0 {
            return Ok(None);
        }
        let bytes = self.take(length as usize)?;
        Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
    }
    pub fn string(&mut self) -> Result<String, Malformed> {
        Ok(self.nullable_string()?.unwrap_or_default())
    }
    /// NULLABLE_BYTES (length -1 is null).
    pub fn nullable_bytes(&mut self) -> Result<Option<&'a [u8]>, Malformed> {
        let length = self.i32()?;
        if length < 0 {
            return Ok(None);
        }
        self.take(length as usize).map(Some)
    }
    /// An ARRAY's element count (-1, null, reads as empty).
    pub fn count(&mut self) -> Result<usize, Malformed> {
        let count = self.i32()?;
        let count = usize::try_from(count).unwrap_or(0);
        // Every element takes at least one byte: a count beyond that is garbage.
        if count > self.0.len() {
            return Err(Malformed("array longer than the response"));
        }
        Ok(count)
    }
    /// `count` then that many elements read by `element`.
    pub fn list<T>(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<T, Malformed>,
    ) -> Result<Vec<T>, Malformed> {
        let count = self.count()?;
        (0..count).map(|_| element(self)).collect()
    }
}

/// A framed request: int32 size, header v1 (api key, version, correlation id, client id), body.
pub fn frame(api: (i16, i16), correlation_id: i32, client_id: &str, body: &[u8]) -> Vec<u8> {
    let mut header = Writer::default();
    header
        .i16(api.0)
        .i16(api.1)
        .i32(correlation_id)
        .string(client_id);
    let size = header.0.len() + body.len();
    let mut out = Vec::with_capacity(4 + size);
    out.extend_from_slice(&i32::try_from(size).unwrap_or(i32::MAX).to_be_bytes());
    out.extend_from_slice(&header.0);
    out.extend_from_slice(body);
    out
}

// ------------------------------------------------------------------------------------------
// ApiVersions v0

/// `(api key, min version, max version)` for each API the broker supports.
pub type ApiRange = (i16, i16, i16);

pub fn decode_api_versions(body: &[u8]) -> Result<(i16, Vec<ApiRange>), Malformed> {
    let mut reader = Reader(body);
    let error = reader.i16()?;
    let ranges = reader.list(|r| Ok((r.i16()?, r.i16()?, r.i16()?)))?;
    Ok((error, ranges))
}

// ------------------------------------------------------------------------------------------
// SaslHandshake v1, SaslAuthenticate v0

pub fn encode_sasl_handshake(mechanism: &str) -> Vec<u8> {
    let mut writer = Writer::default();
    writer.string(mechanism);
    writer.0
}

/// `(error code, mechanisms the broker enables)`.
pub fn decode_sasl_handshake(body: &[u8]) -> Result<(i16, Vec<String>), Malformed> {
    let mut reader = Reader(body);
    let error = reader.i16()?;
    let mechanisms = reader.list(Reader::string)?;
    Ok((error, mechanisms))
}

pub fn encode_sasl_authenticate(auth_bytes: &[u8]) -> Vec<u8> {
    let mut writer = Writer::default();
    writer.bytes(auth_bytes);
    writer.0
}

/// The broker's answer to one SASL step.
#[derive(Debug, PartialEq, Eq)]
pub struct SaslAnswer {
    pub error: i16,
    pub message: Option<String>,
    pub auth_bytes: Vec<u8>,
}

pub fn decode_sasl_authenticate(body: &[u8]) -> Result<SaslAnswer, Malformed> {
    let mut reader = Reader(body);
    Ok(SaslAnswer {
        error: reader.i16()?,
        message: reader.nullable_string()?,
        auth_bytes: reader.nullable_bytes()?.unwrap_or_default().to_vec(),
    })
}

// ------------------------------------------------------------------------------------------
// Metadata v4

/// Metadata of one topic, never creating it.
pub fn encode_metadata(topic: &str) -> Vec<u8> {
    let mut writer = Writer::default();
    writer.i32(1).string(topic).i8(0); // allow_auto_topic_creation = false
    writer.0
}

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Broker {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
}

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct PartitionMetadata {
    pub error: i16,
    pub partition: i32,
    pub leader: i32,
}

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct TopicMetadata {
    pub error: i16,
    pub name: String,
    pub partitions: Vec<PartitionMetadata>,
}

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Metadata {
    pub brokers: Vec<Broker>,
    pub topics: Vec<TopicMetadata>,
}

pub fn decode_metadata(body: &[u8]) -> Result<Metadata, Malformed> {
    let mut reader = Reader(body);
    reader.i32()?; // throttle_time_ms
    let brokers = reader.list(|r| {
        let broker = Broker {
            node_id: r.i32()?,
            host: r.string()?,
            port: r.i32()?,
        };
        r.nullable_string()?; // rack
        Ok(broker)
    })?;
    reader.nullable_string()?; // cluster_id
    reader.i32()?; // controller_id
    let topics = reader.list(|r| {
        let error = r.i16()?;
        let name = r.string()?;
        r.boolean()?; // is_internal
        let partitions = r.list(|p| {
            let partition = PartitionMetadata {
                error: p.i16()?,
                partition: p.i32()?,
                leader: p.i32()?,
            };
            p.list(Reader::i32)?; // replicas
            p.list(Reader::i32)?; // isr
            Ok(partition)
        })?;
        Ok(TopicMetadata {
            error,
            name,
            partitions,
        })
    })?;
    Ok(Metadata { brokers, topics })
}

// ------------------------------------------------------------------------------------------
// ListOffsets v1

/// The latest offset.
pub const LATEST: i64 = -1;
/// The earliest offset.
pub const EARLIEST: i64 = -2;

/// Offsets of `partitions` of `topic` at `timestamp` (`LATEST` or `EARLIEST`).
pub fn encode_list_offsets(topic: &str, partitions: &[i32], timestamp: i64) -> Vec<u8> {
    let mut writer = Writer::default();
    writer.i32(-1).i32(1).string(topic);
    writer.i32(partitions.len() as i32);
    for partition in partitions {
        writer.i32(*partition).i64(timestamp);
    }
    writer.0
}

/// `(partition, error code, offset)` for each partition answered.
pub fn decode_list_offsets(body: &[u8]) -> Result<Vec<(i32, i16, i64)>, Malformed> {
    let mut reader = Reader(body);
    let topics = reader.list(|r| {
        r.string()?;
        r.list(|p| {
            let partition = p.i32()?;
            let error = p.i16()?;
            p.i64()?; // timestamp
            Ok((partition, error, p.i64()?))
        })
    })?;
    Ok(topics.into_iter().flatten().collect())
}

// ------------------------------------------------------------------------------------------
// Fetch v4

/// At most this many bytes per partition and per response: enough for a few recent messages.
pub const FETCH_PARTITION_BYTES: i32 = 256 * 1024;
pub const FETCH_MAX_BYTES: i32 = 1024 * 1024;

/// Reads `topic` from `(partition, offset)` pairs without waiting for new data.
pub fn encode_fetch(topic: &str, from: &[(i32, i64)]) -> Vec<u8> {
    let mut writer = Writer::default();
    writer
        .i32(-1) // replica_id: a consumer
        .i32(0) // max_wait_ms
        .i32(1) // min_bytes
        .i32(FETCH_MAX_BYTES)
        .i8(0) // isolation_level: read uncommitted
        .i32(1)
        .string(topic)
        .i32(from.len() as i32);
    for (partition, offset) in from {
        writer
            .i32(*partition)
            .i64(*offset)
            .i32(FETCH_PARTITION_BYTES);
    }
    writer.0
}

/// One partition's fetched data.
#[derive(Debug, PartialEq, Eq)]
pub struct FetchedPartition<'a> {
    pub partition: i32,
    pub error: i16,
    pub records: &'a [u8],
}

pub fn decode_fetch(body: &[u8]) -> Result<Vec<FetchedPartition<'_>>, Malformed> {
    let mut reader = Reader(body);
    reader.i32()?; // throttle_time_ms
    let topics = reader.list(|r| {
        r.string()?;
        r.list(|p| {
            let partition = p.i32()?;
            let error = p.i16()?;
            p.i64()?; // high_watermark
            p.i64()?; // last_stable_offset
            p.list(|a| Ok((a.i64()?, a.i64()?)))?; // aborted_transactions
            let records = p.nullable_bytes()?.unwrap_or_default();
            Ok(FetchedPartition {
                partition,
                error,
                records,
            })
        })
    })?;
    Ok(topics.into_iter().flatten().collect())
}

// ------------------------------------------------------------------------------------------
// Error codes

/// The protocol name of an error code the check can meet.
pub fn error_name(code: i16) -> &'static str {
    match code {
        1 => "OFFSET_OUT_OF_RANGE",
        3 => "UNKNOWN_TOPIC_OR_PARTITION",
        5 => "LEADER_NOT_AVAILABLE",
        6 => "NOT_LEADER_OR_FOLLOWER",
        7 => "REQUEST_TIMED_OUT",
        8 => "BROKER_NOT_AVAILABLE",
        17 => "INVALID_TOPIC_EXCEPTION",
        29 => "TOPIC_AUTHORIZATION_FAILED",
        31 => "CLUSTER_AUTHORIZATION_FAILED",
        33 => "UNSUPPORTED_SASL_MECHANISM",
        34 => "ILLEGAL_SASL_STATE",
        35 => "UNSUPPORTED_VERSION",
        58 => "SASL_AUTHENTICATION_FAILED",
        _ => "UNKNOWN_SERVER_ERROR",
    }
}

pub const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
pub const INVALID_TOPIC: i16 = 17;
pub const TOPIC_AUTHORIZATION_FAILED: i16 = 29;
pub const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
pub const SASL_AUTHENTICATION_FAILED: i16 = 58;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_framed_with_size_and_header_v1() {
        let framed = frame(API_VERSIONS, 7, "sd", &[]);
        assert_eq!(
            framed,
            vec![0, 0, 0, 12, 0, 18, 0, 0, 0, 0, 0, 7, 0, 2, b's', b'd']
        );
    }

    #[test]
    fn metadata_v4_asks_for_one_topic_without_creating_it() {
        assert_eq!(encode_metadata("t"), vec![0, 0, 0, 1, 0, 1, b't', 0]);
    }

    #[test]
    fn metadata_v4_response_decodes() {
        let mut w = Writer::default();
        w.i32(0) // throttle
            .i32(1)
            .i32(1)
            .string("localhost")
            .i32(9092)
            .i16(-1) // rack null
            .i16(-1) // cluster id null
            .i32(1) // controller
            .i32(1)
            .i16(0)
            .string("orders")
            .i8(0)
            .i32(1)
            .i16(0)
            .i32(0)
            .i32(1)
            .i32(1)
            .i32(1)
            .i32(1)
            .i32(1);
        let metadata = decode_metadata(&w.0).unwrap();
        assert_eq!(
            metadata.brokers,
            vec![Broker {
                node_id: 1,
                host: "localhost".into(),
                port: 9092
            }]
        );
        assert_eq!(metadata.topics[0].name, "orders");
        assert_eq!(
            metadata.topics[0].partitions,
            vec![PartitionMetadata {
                error: 0,
                partition: 0,
                leader: 1
            }]
        );
    }

    #[test]
    fn truncated_responses_are_malformed_not_panics() {
        assert!(decode_metadata(&[0, 0, 0]).is_err());
        assert!(decode_api_versions(&[0, 0, 0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(decode_fetch(&[0, 0, 0, 0, 0, 0, 0, 1, 0, 5]).is_err());
        assert!(decode_sasl_authenticate(&[0]).is_err());
    }

    #[test]
    fn sasl_authenticate_response_decodes_error_and_message() {
        let mut w = Writer::default();
        w.i16(58).string("bad credentials").bytes(b"");
        assert_eq!(
            decode_sasl_authenticate(&w.0).unwrap(),
            SaslAnswer {
                error: 58,
                message: Some("bad credentials".into()),
                auth_bytes: Vec::new()
            }
        );
    }

    #[test]
    fn list_offsets_v1_round_trip_of_the_request_layout() {
        let body = encode_list_offsets("t", &[0, 1], LATEST);
        let mut r = Reader(&body);
        assert_eq!(r.i32().unwrap(), -1);
        assert_eq!(r.i32().unwrap(), 1);
        assert_eq!(r.string().unwrap(), "t");
        assert_eq!(r.i32().unwrap(), 2);
        assert_eq!((r.i32().unwrap(), r.i64().unwrap()), (0, -1));
        assert_eq!((r.i32().unwrap(), r.i64().unwrap()), (1, -1));
        assert!(r.0.is_empty());
    }
}
