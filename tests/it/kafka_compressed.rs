//! Kafka previews of compressed record batches written by a real client library's encoder:
//! `tests/python/kafka_batches.py` has kafka-python build one batch per codec (gzip, snappy in
//! xerial framing, lz4 frames, zstd), the loopback broker (`peers::kafka_broker`) serves each as
//! a topic, and the preview must show the messages the script put in, key, value, offset and
//! timestamp, decoded by the project's pure-Rust codecs.

use crate::common::{TestServer, venv_python};
use crate::peers::kafka_broker::{BASE_OFFSET, Broker, Message, Options, Topic};
use crate::testers_wire::test_kafka;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// The script's messages and its batches by codec name.
fn client_batches() -> (Vec<Message>, Vec<(String, Vec<u8>)>) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/kafka_batches.py");
    let output = std::process::Command::new(venv_python())
        .arg(script)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "kafka_batches.py failed (is kafka-python in the venv? tests/python/requirements.txt): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let messages = parsed["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| Message {
            key: Some(message["key"].as_str().unwrap().as_bytes().to_vec()),
            value: message["value"].as_str().unwrap().as_bytes().to_vec(),
            timestamp_ms: message["timestamp_ms"].as_i64().unwrap(),
        })
        .collect();
    let batches = parsed["batches"]
        .as_object()
        .expect("batches")
        .iter()
        .map(|(codec, hex)| (codec.clone(), decode_hex(hex.as_str().unwrap())))
        .collect();
    (messages, batches)
}

fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&text[index..index + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn previews_decode_batches_compressed_by_kafka_python_with_every_codec() {
    let (messages, batches) = client_batches();
    let codecs: Vec<&str> = batches.iter().map(|(codec, _)| codec.as_str()).collect();
    assert_eq!(codecs, ["gzip", "lz4", "snappy", "zstd"]);
    for (codec, batch) in &batches {
        // The codec in the attributes is the one named (the encoder did compress).
        let expected = match codec.as_str() {
            "gzip" => 1,
            "snappy" => 2,
            "lz4" => 3,
            _ => 4,
        };
        assert_eq!(batch[22] & 0x07, expected, "{codec}");
    }
    let broker = Broker::start(Options {
        topics: batches
            .iter()
            .map(|(codec, _)| Topic {
                name: codec.clone(),
                partitions: vec![messages.clone()],
                denied: false,
            })
            .collect(),
        raw_batches: batches.clone(),
        ..Default::default()
    })
    .await;
    let server = TestServer::start().await;
    for (codec, _) in &batches {
        let result = test_kafka(&server, broker.port, codec, &[], true).await;
        assert!(result.success, "{codec}: {}", result.message);
        assert!(
            result.message.contains("previewed 3 recent messages")
                && !result.message.contains("not decoded"),
            "{codec}: {}",
            result.message
        );
        let mut got: Vec<(String, String, String, i64)> = result
            .preview_messages
            .iter()
            .map(|m| {
                let key = STANDARD.decode(m.key_base64.as_ref().unwrap()).unwrap();
                let value = STANDARD.decode(&m.value_base64).unwrap();
                (
                    String::from_utf8(key).unwrap(),
                    String::from_utf8(value).unwrap(),
                    m.offset.clone(),
                    m.timestamp_ms,
                )
            })
            .collect();
        got.sort_by(|a, b| a.2.cmp(&b.2));
        let expected: Vec<(String, String, String, i64)> = messages
            .iter()
            .enumerate()
            .map(|(index, m)| {
                (
                    String::from_utf8(m.key.clone().unwrap()).unwrap(),
                    String::from_utf8(m.value.clone()).unwrap(),
                    (BASE_OFFSET + index as i64).to_string(),
                    m.timestamp_ms,
                )
            })
            .collect();
        assert_eq!(got, expected, "{codec}");
    }
}
