//! A front for the machine's PostgreSQL on 127.0.0.1 whose TLS the test controls: with a
//! certificate it answers PostgreSQL's SSLRequest with 'S', runs the TLS handshake and relays
//! the decrypted session to 127.0.0.1:5432; without one it answers 'N' (a server with TLS off)
//! and relays in plain text. So the PostgreSQL-protocol checks are tested over real TLS, with
//! certificates made by the test, against a real server whatever its own `ssl` setting is.

#![allow(dead_code)]

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

pub struct PgTlsProxy {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PgTlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PgTlsProxy {
    pub async fn start(tls: Option<Arc<rustls::ServerConfig>>, upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    relay(stream, acceptor, upstream_port).await;
                });
            }
        });
        Self { port, task }
    }
}

async fn relay(
    mut stream: TcpStream,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    upstream_port: u16,
) {
    let mut request = [0u8; 8];
    if stream.read_exact(&mut request).await.is_err() || request != SSL_REQUEST {
        return;
    }
    let answer: &[u8] = if acceptor.is_some() { b"S" } else { b"N" };
    if stream.write_all(answer).await.is_err() {
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", upstream_port)).await else {
        return;
    };
    match acceptor {
        Some(acceptor) => {
            let Ok(mut encrypted) = acceptor.accept(stream).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut encrypted, &mut upstream).await;
        }
        None => {
            let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
        }
    }
}
