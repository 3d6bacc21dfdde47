//! The network steps every check shares: resolve a host, then open TCP to the first address that
//! answers, each as its own stage with a message naming the address and how long it took. Every
//! address is checked against the egress policy ([`crate::probe::egress`]) right before it is
//! dialled, and the socket goes to that same address: nothing here resolves a name twice.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::TcpStream;

use crate::probe::{Progress, Stage, StageError, format_duration};

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
    let policy = crate::probe::egress::current();
    let mut last = None;
    let mut denied = None;
    for address in addresses {
        if let Err(rule) = policy.check(address.ip()) {
            denied.get_or_insert_with(|| format!("{address} {rule}"));
            continue;
        }
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
    // A denial says more than "refused" by another address: it names the rule to change.
    Err(StageError::new(
        Stage::Connect,
        denied
            .or(last)
            .unwrap_or_else(|| "no address to connect to".into()),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::probe::egress::{self, Cidr, EgressPolicy};

    async fn dial(host: &str, policy: EgressPolicy) -> Result<TcpStream, StageError> {
        egress::scoped(Arc::new(policy), async {
            let progress = Progress::default();
            let addresses = resolve(host, 9, &progress).await?;
            connect(&addresses, &progress).await
        })
        .await
    }

    #[tokio::test]
    async fn a_name_resolving_to_denied_addresses_fails_at_connect_naming_the_rule() {
        let deny: Vec<Cidr> = vec!["127.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        let error = dial(
            "localhost",
            EgressPolicy {
                allow: vec![],
                deny,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(error.stage, Stage::Connect);
        assert!(
            error.reason.contains(":9 is denied by --test-deny "),
            "{}",
            error.reason
        );
    }

    /// The default deny holds before any packet is sent: the check runs on the resolved address,
    /// so this never dials 169.254.169.254 (nor its IPv4-mapped form).
    #[tokio::test]
    async fn link_local_metadata_addresses_are_refused_before_connecting() {
        for host in ["169.254.169.254", "::ffff:169.254.169.254"] {
            let error = dial(host, EgressPolicy::default()).await.unwrap_err();
            assert_eq!(error.stage, Stage::Connect);
            assert!(
                error
                    .reason
                    .contains("is denied by the default --test-deny 169.254.0.0/16"),
                "{}",
                error.reason
            );
        }
    }
}
