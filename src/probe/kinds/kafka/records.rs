//! Decoding Kafka record batches (message format v2, "magic 2") into the messages a preview
//! shows: zig-zag varints, the batch header, its CRC-32C, and each record's key, value, offset and
//! timestamp. Pure byte work; compressed batches are decompressed first ([`super::compression`]),
//! legacy (magic 0/1) batches are counted, not decoded.

use super::compression::{self, Codec};

/// One decoded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: i64,
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
}

/// What a partition's record set held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    pub records: Vec<Record>,
    /// Batches skipped because they are in a legacy format (magic 0/1).
    pub skipped_batches: usize,
}

/// A batch that does not decode.
#[derive(Debug, PartialEq, Eq)]
pub struct BadBatch(pub &'static str);

/// Decodes every complete batch of `data` (a fetch may end with a partial batch, ignored).
pub fn decode_batches(mut data: &[u8]) -> Result<Decoded, BadBatch> {
    let mut decoded = Decoded::default();
    // baseOffset (8) + batchLength (4)
    while data.len() >= 12 {
        let length = i32::from_be_bytes([data[8], data[9], data[10], data[11]]);
        let Ok(length) = usize::try_from(length) else {
            return Err(BadBatch("negative batch length"));
        };
        if data.len() < 12 + length {
            break;
        }
        let (batch, rest) = data.split_at(12 + length);
        decode_batch(batch, &mut decoded)?;
        data = rest;
    }
    Ok(decoded)
}

/// Offset of the magic byte: baseOffset, batchLength, partitionLeaderEpoch.
const MAGIC_AT: usize = 16;
/// The CRC covers everything from the attributes on.
const ATTRIBUTES_AT: usize = 21;
/// Bytes of the batch header up to the record count.
const HEADER_LEN: usize = 61;

fn decode_batch(batch: &[u8], decoded: &mut Decoded) -> Result<(), BadBatch> {
    let magic = *batch.get(MAGIC_AT).ok_or(BadBatch("batch too short"))?;
    if magic != 2 {
        decoded.skipped_batches += 1;
        return Ok(());
    }
    if batch.len() < HEADER_LEN {
        return Err(BadBatch("batch too short"));
    }
    let mut header = Cursor(batch);
    let base_offset = header.i64()?;
    header.skip(9)?; // batchLength, partitionLeaderEpoch, magic
    let crc = header.u32()?;
    if crc != crc32c(&batch[ATTRIBUTES_AT..]) {
        return Err(BadBatch("record batch CRC mismatch"));
    }
    let attributes = header.i16()?;
    header.skip(4)?; // lastOffsetDelta
    let base_timestamp = header.i64()?;
    header.skip(8 + 8 + 2 + 4)?; // maxTimestamp, producerId, producerEpoch, baseSequence
    let count = header.i32()?;
    let control = attributes & 0x20 != 0;
    if control {
        return Ok(());
    }
    let decompressed;
    let mut records = match Codec::of(attributes)? {
        None => header,
        Some(codec) => {
            decompressed = compression::decompress(codec, header.0)?;
            Cursor(&decompressed)
        }
    };
    for _ in 0..count.max(0) {
        decoded
            .records
            .push(decode_record(&mut records, base_offset, base_timestamp)?);
    }
    Ok(())
}

fn decode_record(
    cursor: &mut Cursor<'_>,
    base_offset: i64,
    base_timestamp: i64,
) -> Result<Record, BadBatch> {
    let length =
        usize::try_from(cursor.varint()?).map_err(|_| BadBatch("negative record length"))?;
    let mut record = Cursor(cursor.take(length)?);
    record.skip(1)?; // attributes
    let timestamp_delta = record.varint()?;
    let offset_delta = record.varint()?;
    let key = record.varbytes()?.map(<[u8]>::to_vec);
    let value = record.varbytes()?.unwrap_or_default().to_vec();
    Ok(Record {
        offset: base_offset.saturating_add(offset_delta),
        timestamp_ms: base_timestamp.saturating_add(timestamp_delta),
        key,
        value,
    })
}

/// Reads a record batch's fields.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], BadBatch> {
        if self.0.len() < count {
            return Err(BadBatch("record ended early"));
        }
        let (head, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(head)
    }
    fn skip(&mut self, count: usize) -> Result<(), BadBatch> {
        self.take(count).map(|_| ())
    }
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], BadBatch> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn i16(&mut self) -> Result<i16, BadBatch> {
        Ok(i16::from_be_bytes(self.fixed()?))
    }
    fn i32(&mut self) -> Result<i32, BadBatch> {
        Ok(i32::from_be_bytes(self.fixed()?))
    }
    fn u32(&mut self) -> Result<u32, BadBatch> {
        Ok(u32::from_be_bytes(self.fixed()?))
    }
    fn i64(&mut self) -> Result<i64, BadBatch> {
        Ok(i64::from_be_bytes(self.fixed()?))
    }
    /// A zig-zag varint (varint and varlong alike).
    fn varint(&mut self) -> Result<i64, BadBatch> {
        let (value, used) = read_varint(self.0).ok_or(BadBatch("bad varint"))?;
        self.0 = &self.0[used..];
        Ok(value)
    }
    /// Varint length then bytes; -1 is null.
    fn varbytes(&mut self) -> Result<Option<&'a [u8]>, BadBatch> {
        let length = self.varint()?;
        if length < 0 {
            return Ok(None);
        }
        let length = usize::try_from(length).map_err(|_| BadBatch("bad length"))?;
        self.take(length).map(Some)
    }
}

/// A zig-zag varint at the start of `input`: (value, bytes used).
pub fn read_varint(input: &[u8]) -> Option<(i64, usize)> {
    let mut raw: u64 = 0;
    for (index, byte) in input.iter().enumerate().take(10) {
        raw |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            let value = ((raw >> 1) as i64) ^ -((raw & 1) as i64);
            return Some((value, index + 1));
        }
    }
    None
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as record batches carry.
pub fn crc32c(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (index, entry) in table.iter_mut().enumerate() {
            let mut crc = index as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0x82F6_3B78
                } else {
                    crc >> 1
                };
            }
            *entry = crc;
        }
        table
    });
    !data.iter().fold(!0u32, |crc, byte| {
        table[((crc ^ u32::from(*byte)) & 0xff) as usize] ^ (crc >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zigzag(value: i64) -> Vec<u8> {
        let mut raw = ((value << 1) ^ (value >> 63)) as u64;
        let mut out = Vec::new();
        loop {
            if raw < 0x80 {
                out.push(raw as u8);
                return out;
            }
            out.push((raw as u8 & 0x7f) | 0x80);
            raw >>= 7;
        }
    }

    fn record(
        offset_delta: i64,
        timestamp_delta: i64,
        key: Option<&[u8]>,
        value: &[u8],
    ) -> Vec<u8> {
        let mut body = vec![0];
        body.extend(zigzag(timestamp_delta));
        body.extend(zigzag(offset_delta));
        match key {
            Some(key) => {
                body.extend(zigzag(key.len() as i64));
                body.extend_from_slice(key);
            }
            None => body.extend(zigzag(-1)),
        }
        body.extend(zigzag(value.len() as i64));
        body.extend_from_slice(value);
        body.extend(zigzag(0)); // headers
        let mut out = zigzag(body.len() as i64);
        out.extend(body);
        out
    }

    fn batch(base_offset: i64, attributes: i16, records: &[Vec<u8>]) -> Vec<u8> {
        batch_of(base_offset, attributes, records.len(), records.concat())
    }

    /// A batch of `count` records whose section (compressed or not) is `section`.
    fn batch_of(base_offset: i64, attributes: i16, count: usize, section: Vec<u8>) -> Vec<u8> {
        let mut tail = Vec::new();
        tail.extend_from_slice(&attributes.to_be_bytes());
        tail.extend_from_slice(&(count as i32 - 1).to_be_bytes());
        tail.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
        tail.extend_from_slice(&1_700_000_000_100i64.to_be_bytes());
        tail.extend_from_slice(&(-1i64).to_be_bytes());
        tail.extend_from_slice(&(-1i16).to_be_bytes());
        tail.extend_from_slice(&(-1i32).to_be_bytes());
        tail.extend_from_slice(&(count as i32).to_be_bytes());
        tail.extend(section);
        let mut out = base_offset.to_be_bytes().to_vec();
        out.extend_from_slice(&((4 + 1 + 4 + tail.len()) as i32).to_be_bytes());
        out.extend_from_slice(&0i32.to_be_bytes());
        out.push(2);
        out.extend_from_slice(&crc32c(&tail).to_be_bytes());
        out.extend(tail);
        out
    }

    #[test]
    fn crc32c_matches_the_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
    }

    #[test]
    fn varints_are_zig_zag() {
        assert_eq!(read_varint(&[0x00]), Some((0, 1)));
        assert_eq!(read_varint(&[0x01]), Some((-1, 1)));
        assert_eq!(read_varint(&[0x02]), Some((1, 1)));
        assert_eq!(read_varint(&[0xac, 0x02]), Some((150, 2)));
        assert_eq!(read_varint(&[0x80]), None);
        for value in [0, 1, -1, 63, -64, 64, 300, -300, i32::MAX as i64, i64::MIN] {
            assert_eq!(read_varint(&zigzag(value)).map(|(v, _)| v), Some(value));
        }
    }

    #[test]
    fn a_batch_decodes_to_its_records() {
        let data = batch(
            40,
            0,
            &[record(0, 0, Some(b"k1"), b"v1"), record(1, 5, None, b"v2")],
        );
        let decoded = decode_batches(&data).unwrap();
        assert_eq!(
            decoded.records,
            vec![
                Record {
                    offset: 40,
                    timestamp_ms: 1_700_000_000_000,
                    key: Some(b"k1".to_vec()),
                    value: b"v1".to_vec()
                },
                Record {
                    offset: 41,
                    timestamp_ms: 1_700_000_000_005,
                    key: None,
                    value: b"v2".to_vec()
                },
            ]
        );
    }

    #[test]
    fn a_trailing_partial_batch_is_ignored_and_a_bad_crc_is_refused() {
        let mut data = batch(0, 0, &[record(0, 0, None, b"v")]);
        let whole = data.len();
        data.extend_from_slice(&batch(1, 0, &[record(0, 0, None, b"w")])[..20]);
        assert_eq!(decode_batches(&data).unwrap().records.len(), 1);
        data.truncate(whole);
        data[whole - 1] ^= 0xff;
        assert_eq!(
            decode_batches(&data),
            Err(BadBatch("record batch CRC mismatch"))
        );
    }

    #[test]
    fn compressed_batches_decode_legacy_ones_are_counted_and_control_batches_dropped() {
        let records = [
            record(0, 0, Some(b"k"), b"zipped one"),
            record(1, 5, None, b"zipped two"),
        ];
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, &records.concat()).unwrap();
        let mut data = batch_of(7, 1, 2, encoder.finish().unwrap());
        data.extend(batch(9, 0x20, &[record(0, 0, None, b"marker")]));
        let mut legacy = batch(10, 0, &[record(0, 0, None, b"old")]);
        legacy[16] = 1;
        data.extend(legacy);
        let decoded = decode_batches(&data).unwrap();
        let values: Vec<&[u8]> = decoded.records.iter().map(|r| r.value.as_slice()).collect();
        assert_eq!(values, [&b"zipped one"[..], &b"zipped two"[..]]);
        assert_eq!(decoded.records[1].offset, 8);
        assert_eq!(decoded.skipped_batches, 1);
        let corrupt = batch_of(0, 1, 1, b"not gzip".to_vec());
        assert_eq!(
            decode_batches(&corrupt),
            Err(BadBatch("gzip-compressed batch does not decompress"))
        );
    }
}
