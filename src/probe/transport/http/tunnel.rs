//! The CONNECT tunnel through an HTTP proxy to an https target: one `CONNECT host:port` request,
//! its answer's head read byte by byte (so not one byte of the target's TLS is consumed), then
//! the socket is the target's. A proxy that refuses fails the connect stage naming the proxy
//! (never its credentials) and what it answered.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::proxy::{Proxy, host_port};
use super::text::one_line;
use crate::probe::{Stage, StageError};

/// The most of a CONNECT answer's head the client reads.
const HEAD_LIMIT: usize = 16 * 1024;

/// Asks `proxy`, over `stream`, for a tunnel to `host:port`.
pub async fn open(
    stream: &mut TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), StageError> {
    let target = host_port(host, port);
    let failed = |what: String| {
        StageError::new(
            Stage::Connect,
            format!(
                "proxy {} could not open a tunnel to {target}: {what}",
                proxy.describe()
            ),
        )
    };
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = proxy.authorization() {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|error| failed(error.to_string()))?;
    let head = read_head(stream).await.map_err(failed)?;
    let status_line = head.lines().next().unwrap_or_default();
    match status_of(status_line) {
        Some(200..=299) => Ok(()),
        Some(407) => Err(failed(format!(
            "it answered {} (its credentials are missing or refused)",
            one_line(status_line, 120)
        ))),
        Some(_) => Err(failed(format!(
            "it answered {}",
            one_line(status_line, 120)
        ))),
        None => Err(failed("it did not answer in HTTP/1.1".into())),
    }
}

/// The answer's head up to its blank line, read one byte at a time.
async fn read_head(stream: &mut TcpStream) -> Result<String, String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= HEAD_LIMIT {
            return Err(format!("its answer's head is over {HEAD_LIMIT} bytes"));
        }
        let byte = stream.read_u8().await.map_err(|error| match error.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "it closed the connection without an answer".into()
            }
            _ => error.to_string(),
        })?;
        head.push(byte);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The status code of `HTTP/1.x NNN reason`.
fn status_of(line: &str) -> Option<u16> {
    let mut words = line.split_whitespace();
    words
        .next()
        .filter(|version| version.starts_with("HTTP/1."))?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_parse() {
        assert_eq!(status_of("HTTP/1.1 200 Connection established"), Some(200));
        assert_eq!(
            status_of("HTTP/1.0 407 Proxy Authentication Required"),
            Some(407)
        );
        assert_eq!(status_of("SSH-2.0-OpenSSH"), None);
        assert_eq!(status_of(""), None);
    }
}
