"""Kafka record batches (message format v2) compressed by a real client library's encoder:
kafka-python's DefaultRecordBatchBuilder, with its gzip, snappy (xerial framing, as the Java
client writes it), lz4 (frame format) and zstd codecs. The Kafka preview test serves them from
its loopback broker and checks the decoded messages against MESSAGES.

Prints one JSON object: {"messages": [...], "batches": {"gzip": HEX, ...}}; each batch holds the
messages at offsets 0..N-1 (a broker rewrites the base offset, which the CRC does not cover).
"""

import json
import sys

from kafka.record.default_records import DefaultRecordBatchBuilder

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BASE_TIMESTAMP = 1_700_000_000_000
MESSAGES = [
    {
        "key": f"key-{index}",
        # Repetitive enough that every codec shrinks it (the builder keeps a batch plain otherwise).
        "value": f"value {index} " + "compressible payload " * 40,
        "timestamp_ms": BASE_TIMESTAMP + index,
    }
    for index in range(3)
]


def batch(codec):
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=codec,
        is_transactional=False,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1024 * 1024,
    )
    for offset, message in enumerate(MESSAGES):
        builder.append(
            offset,
            timestamp=message["timestamp_ms"],
            key=message["key"].encode(),
            value=message["value"].encode(),
            headers=[("origin", b"kafka-python")],
        )
    built = bytes(builder.build())
    attributes = int.from_bytes(built[21:23], "big")
    if attributes & 0x07 != codec:
        sys.exit(f"codec {codec} was not applied (attributes {attributes:#x})")
    return built.hex()


json.dump(
    {"messages": MESSAGES, "batches": {name: batch(codec) for name, codec in CODECS.items()}},
    sys.stdout,
)
