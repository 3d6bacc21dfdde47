//! TDS carries its TLS handshake inside PRELOGIN packets: while the handshake runs, every TLS
//! byte the client writes goes out wrapped in a TDS packet header and every TDS packet the server
//! sends is unwrapped back to TLS bytes. Once the handshake is over, TLS records flow on the bare
//! TCP stream. This adapter sits between rustls and the socket and does that switch.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The TDS packet type of PRELOGIN (and of the TLS handshake inside it).
const PRELOGIN: u8 = 0x12;
/// The largest packet payload sent during the handshake (4096-byte packets).
const MAX_PAYLOAD: usize = 4096 - 8;

pub struct PreloginWrapper<S> {
    stream: S,
    /// Wrap and unwrap while true.
    handshaking: bool,
    /// Bytes left of the TDS packet being read.
    read_remaining: usize,
    header: [u8; 8],
    header_filled: usize,
    /// TLS bytes written since the last flush.
    pending: Vec<u8>,
    /// Framed bytes being written, and how much of them went out.
    out: Vec<u8>,
    out_written: usize,
}

impl<S> PreloginWrapper<S> {
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            handshaking: true,
            read_remaining: 0,
            header: [0; 8],
            header_filled: 0,
            pending: Vec::new(),
            out: Vec::new(),
            out_written: 0,
        }
    }

    /// Ends the wrapping: TLS records go on the bare stream from now on.
    pub fn handshake_done(&mut self) {
        self.handshaking = false;
    }

    pub fn into_inner(self) -> S {
        self.stream
    }
}

/// `payload` as PRELOGIN packets of at most 4096 bytes, the last marked end of message.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    let chunks: Vec<&[u8]> = payload.chunks(MAX_PAYLOAD).collect();
    for (index, chunk) in chunks.iter().enumerate() {
        let last = index + 1 == chunks.len();
        out.push(PRELOGIN);
        out.push(u8::from(last));
        out.extend_from_slice(&((chunk.len() + 8) as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0, (index as u8).wrapping_add(1), 0]);
        out.extend_from_slice(chunk);
    }
    out
}

impl<S: AsyncRead + Unpin> AsyncRead for PreloginWrapper<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.handshaking {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        while this.read_remaining == 0 {
            while this.header_filled < 8 {
                let mut header = ReadBuf::new(&mut this.header[this.header_filled..]);
                ready!(Pin::new(&mut this.stream).poll_read(cx, &mut header))?;
                let got = header.filled().len();
                if got == 0 {
                    return Poll::Ready(Ok(())); // end of stream
                }
                this.header_filled += got;
            }
            this.header_filled = 0;
            let length = usize::from(u16::from_be_bytes([this.header[2], this.header[3]]));
            if length < 8 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "bad TDS packet during the TLS handshake",
                )));
            }
            this.read_remaining = length - 8;
        }
        let limit = this.read_remaining.min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(limit));
        ready!(Pin::new(&mut this.stream).poll_read(cx, &mut limited))?;
        let got = limited.filled().len();
        if got == 0 {
            return Poll::Ready(Ok(()));
        }
        buf.advance(got);
        this.read_remaining -= got;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PreloginWrapper<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.handshaking {
            return Pin::new(&mut this.stream).poll_write(cx, data);
        }
        this.pending.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.out_written == this.out.len() && !this.pending.is_empty() {
            this.out = frame(&this.pending);
            this.out_written = 0;
            this.pending.clear();
        }
        while this.out_written < this.out.len() {
            let written =
                ready!(Pin::new(&mut this.stream).poll_write(cx, &this.out[this.out_written..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            this.out_written += written;
        }
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn payloads_are_framed_as_prelogin_packets() {
        assert_eq!(frame(b"ab"), vec![0x12, 1, 0, 10, 0, 0, 1, 0, b'a', b'b']);
        let big = frame(&vec![7; MAX_PAYLOAD + 1]);
        assert_eq!(big.len(), MAX_PAYLOAD + 1 + 16);
        assert_eq!(&big[..4], &[0x12, 0, 0x10, 0]);
        assert_eq!(&big[4096..4100], &[0x12, 1, 0, 9]);
    }

    #[tokio::test]
    async fn writes_are_wrapped_and_reads_unwrapped_until_the_handshake_ends() {
        let (near, mut far) = tokio::io::duplex(1 << 16);
        let mut wrapper = PreloginWrapper::new(near);
        wrapper.write_all(b"hello").await.unwrap();
        wrapper.flush().await.unwrap();
        let mut framed = [0u8; 13];
        far.read_exact(&mut framed).await.unwrap();
        assert_eq!(&framed[..], &frame(b"hello")[..]);

        far.write_all(&frame(b"world")).await.unwrap();
        let mut unwrapped = [0u8; 5];
        wrapper.read_exact(&mut unwrapped).await.unwrap();
        assert_eq!(&unwrapped, b"world");

        wrapper.handshake_done();
        wrapper.write_all(b"raw").await.unwrap();
        wrapper.flush().await.unwrap();
        let mut raw = [0u8; 3];
        far.read_exact(&mut raw).await.unwrap();
        assert_eq!(&raw, b"raw");
    }
}
