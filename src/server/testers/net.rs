//! The network steps every check shares: resolve a host, then open TCP to the first address that
//! answers, each as its own stage with a message naming the address and how long it took.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::TcpStream;

use super::{Progress, Stage, StageError, format_duration};

/// Resolves `host:port` to addresses.
pub async fn resolve(
    host: &str,
    port: u16,
    progress: &Progress,
) -> Result<Vec<SocketAddr>, StageError> {
    progress.enter(Stage::Resolve);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|error| {
            StageError::new(
                Stage::Resolve,
                format!("could not resolve host {host:?}: {error}"),
            )
        })?
        .collect();
    if addresses.is_empty() {
        return Err(StageError::new(
            Stage::Resolve,
            format!("host {host:?} resolved to no address"),
        ));
    }
    Ok(addresses)
}

/// Opens TCP to the first address that answers.
pub async fn connect(
    addresses: &[SocketAddr],
    progress: &Progress,
) -> Result<TcpStream, StageError> {
    progress.enter(Stage::Connect);
    let mut last = None;
    for address in addresses {
        let started = Instant::now();
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => {
                let what = match error.kind() {
                    std::io::ErrorKind::ConnectionRefused => "connection refused by".to_string(),
                    _ => format!("{error} connecting to"),
                };
                last = Some(format!(
                    "{what} {address} after {}",
                    format_duration(started.elapsed())
                ));
            }
        }
    }
    Err(StageError::new(
        Stage::Connect,
        last.unwrap_or_else(|| "no address to connect to".into()),
    ))
}
