//! The record-batch codecs of Kafka (the low three bits of a v2 batch's attributes), decoded with
//! pure-Rust crates so the build needs no C: gzip (`flate2`'s Rust backend), snappy (`snap`;
//! raw, or in the xerial block framing the Java client and librdkafka write), lz4 (`lz4_flex`,
//! the LZ4 frame format Kafka uses since message format v1) and zstd (`ruzstd`). Output is
//! capped ([`LIMIT`]) so a small batch cannot expand without bound in a preview.

use std::io::Read;

use super::records::BadBatch;

/// The most a batch's records may expand to.
pub const LIMIT: usize = 16 * 1024 * 1024;

/// A batch's compression codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Codec {
    /// The codec of batch `attributes`; `Ok(None)` for none, `Err` for an unknown one.
    pub fn of(attributes: i16) -> Result<Option<Self>, BadBatch> {
        Ok(Some(match attributes & 0x07 {
            0 => return Ok(None),
            1 => Self::Gzip,
            2 => Self::Snappy,
            3 => Self::Lz4,
            4 => Self::Zstd,
            _ => return Err(BadBatch("unknown compression codec")),
        }))
    }
}

/// The records section of a batch, decompressed.
pub fn decompress(codec: Codec, data: &[u8]) -> Result<Vec<u8>, BadBatch> {
    let read = match codec {
        Codec::Gzip => read_capped(flate2::read::GzDecoder::new(data)),
        Codec::Snappy => return snappy(data),
        Codec::Lz4 => read_capped(lz4_flex::frame::FrameDecoder::new(data)),
        Codec::Zstd => match ruzstd::decoding::StreamingDecoder::new(data) {
            Ok(decoder) => read_capped(decoder),
            Err(_) => Err(()),
        },
    };
    read.map_err(|()| corrupt(codec))
}

fn corrupt(codec: Codec) -> BadBatch {
    BadBatch(match codec {
        Codec::Gzip => "gzip-compressed batch does not decompress",
        Codec::Snappy => "snappy-compressed batch does not decompress",
        Codec::Lz4 => "lz4-compressed batch does not decompress",
        Codec::Zstd => "zstd-compressed batch does not decompress",
    })
}

/// Everything `reader` yields, failing past [`LIMIT`].
fn read_capped(reader: impl Read) -> Result<Vec<u8>, ()> {
    let mut out = Vec::new();
    reader
        .take(LIMIT as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| ())?;
    if out.len() > LIMIT {
        return Err(());
    }
    Ok(out)
}

/// The xerial snappy stream header: magic, version 1, compatible version 1.
const XERIAL_MAGIC: &[u8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;

/// Raw snappy, or xerial framing: the header, then blocks of a 4-byte big-endian length and
/// that many bytes of raw snappy.
fn snappy(data: &[u8]) -> Result<Vec<u8>, BadBatch> {
    let bad = || corrupt(Codec::Snappy);
    let mut decoder = snap::raw::Decoder::new();
    let mut block = |compressed: &[u8], out: &mut Vec<u8>| -> Result<(), BadBatch> {
        let size = snap::raw::decompress_len(compressed).map_err(|_| bad())?;
        if out.len() + size > LIMIT {
            return Err(bad());
        }
        let start = out.len();
        out.resize(start + size, 0);
        decoder
            .decompress(compressed, &mut out[start..])
            .map_err(|_| bad())?;
        Ok(())
    };
    let mut out = Vec::new();
    if !data.starts_with(XERIAL_MAGIC) {
        block(data, &mut out)?;
        return Ok(out);
    }
    let mut rest = data.get(XERIAL_HEADER_LEN..).ok_or_else(bad)?;
    while !rest.is_empty() {
        let length: [u8; 4] = rest
            .get(..4)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?;
        let length = u32::from_be_bytes(length) as usize;
        let compressed = rest.get(4..4 + length).ok_or_else(bad)?;
        block(compressed, &mut out)?;
        rest = &rest[4 + length..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_come_from_the_low_three_bits() {
        assert_eq!(Codec::of(0x10).unwrap(), None);
        assert_eq!(Codec::of(0x21).unwrap(), Some(Codec::Gzip));
        assert_eq!(Codec::of(4).unwrap(), Some(Codec::Zstd));
        assert!(Codec::of(5).is_err());
    }

    #[test]
    fn raw_and_xerial_snappy_decode() {
        let text = b"snappy snappy snappy snappy snappy".repeat(10);
        let raw = snap::raw::Encoder::new().compress_vec(&text).unwrap();
        assert_eq!(snappy(&raw).unwrap(), text);
        let mut xerial = XERIAL_MAGIC.to_vec();
        xerial.extend([0, 0, 0, 1, 0, 0, 0, 1]);
        for half in text.chunks(text.len() / 2) {
            let block = snap::raw::Encoder::new().compress_vec(half).unwrap();
            xerial.extend((block.len() as u32).to_be_bytes());
            xerial.extend(block);
        }
        assert_eq!(snappy(&xerial).unwrap(), text);
        xerial.truncate(xerial.len() - 1);
        assert!(snappy(&xerial).is_err());
    }

    #[test]
    fn garbage_fails_for_every_codec_without_panicking() {
        for codec in [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd] {
            let error = decompress(codec, b"\x00\x01not compressed at all").unwrap_err();
            let name = format!("{codec:?}").to_lowercase();
            assert!(error.0.starts_with(&name), "{}", error.0);
        }
    }

    #[test]
    fn output_past_the_limit_is_refused() {
        let zeros = vec![0u8; LIMIT + 1];
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &zeros).unwrap();
        let bomb = encoder.finish().unwrap();
        assert!(decompress(Codec::Gzip, &bomb).is_err());
    }
}
