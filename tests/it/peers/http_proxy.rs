//! A small, real HTTP proxy on loopback for the proxy tests: CONNECT tunnels (answered `200`,
//! then bytes copied both ways) and absolute-form requests (`GET http://host:port/path`, sent
//! on in origin form, one per connection, answered with `Connection: close`). It records every
//! request it saw (method, target, Proxy-Authorization), can demand credentials (`407`), and
//! only ever dials 127.0.0.1 or localhost: a target elsewhere is answered `403`.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One request that reached the proxy.
#[derive(Clone, Debug)]
pub struct Passed {
    pub method: String,
    /// `host:port` for CONNECT, the absolute URL otherwise.
    pub target: String,
    pub proxy_authorization: Option<String>,
}

/// A running proxy on 127.0.0.1.
pub struct ProxyPeer {
    pub port: u16,
    seen: Arc<Mutex<Vec<Passed>>>,
    task: JoinHandle<()>,
}

impl Drop for ProxyPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ProxyPeer {
    /// A proxy that lets every request through.
    pub async fn open() -> Self {
        Self::start(None).await
    }

    /// A proxy that answers 407 unless Proxy-Authorization is `authorization`.
    pub async fn requiring(authorization: &str) -> Self {
        Self::start(Some(authorization.to_string())).await
    }

    async fn start(required: Option<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = recorded.clone();
                let required = required.clone();
                tokio::spawn(async move {
                    let _ = handle(stream, recorded, required).await;
                });
            }
        });
        Self { port, seen, task }
    }

    /// `http://127.0.0.1:PORT`, with `user:password@` when given.
    pub fn url(&self, credentials: Option<&str>) -> String {
        match credentials {
            Some(credentials) => format!("http://{credentials}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Passed> {
        self.seen.lock().expect("lock").clone()
    }
}

/// A request head: request line words and headers.
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Reads up to the blank line, one byte at a time (nothing after it is consumed).
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(stream.read_u8().await?);
        if head.len() > 64 * 1024 {
            return Err(std::io::Error::other("head too long"));
        }
    }
    Ok(head)
}

fn parse(head: &[u8]) -> Option<Head> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut words = lines.next()?.split(' ');
    let method = words.next()?.to_string();
    let target = words.next()?.to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Some(Head {
        method,
        target,
        headers,
    })
}

/// The loopback `host:port` of a target, or `None` for anywhere else.
fn loopback(authority: &str) -> Option<String> {
    let (host, port) = authority.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    matches!(host, "127.0.0.1" | "localhost").then(|| format!("127.0.0.1:{port}"))
}

async fn handle(
    mut client: TcpStream,
    recorded: Arc<Mutex<Vec<Passed>>>,
    required: Option<String>,
) -> std::io::Result<()> {
    let raw = read_head(&mut client).await?;
    let head = parse(&raw).ok_or_else(|| std::io::Error::other("bad head"))?;
    recorded.lock().expect("lock").push(Passed {
        method: head.method.clone(),
        target: head.target.clone(),
        proxy_authorization: head.header("proxy-authorization").map(str::to_string),
    });
    if let Some(required) = &required
        && head.header("proxy-authorization") != Some(required.as_str())
    {
        let answer = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return client.write_all(answer.as_bytes()).await;
    }
    let forbidden = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if head.method.eq_ignore_ascii_case("CONNECT") {
        let Some(address) = loopback(&head.target) else {
            return client.write_all(forbidden.as_bytes()).await;
        };
        let mut upstream = TcpStream::connect(address).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }
    let Some(rest) = head.target.strip_prefix("http://") else {
        return client.write_all(forbidden.as_bytes()).await;
    };
    let (authority, path) = match rest.find('/') {
        Some(index) => rest.split_at(index),
        None => (rest, "/"),
    };
    let Some(address) = loopback(authority) else {
        return client.write_all(forbidden.as_bytes()).await;
    };
    let length: usize = head
        .header("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    client.read_exact(&mut body).await?;
    let mut request = format!("{} {path} HTTP/1.1\r\n", head.method);
    for (name, value) in &head.headers {
        let hop = ["proxy-authorization", "proxy-connection", "connection"];
        if !hop.iter().any(|hop| name.eq_ignore_ascii_case(hop)) {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut upstream = TcpStream::connect(address).await?;
    upstream.write_all(request.as_bytes()).await?;
    upstream.write_all(&body).await?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).await?;
    let split = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no answer head"))?;
    let (answer_head, answer_body) = answer.split_at(split + 4);
    let answer_head = String::from_utf8_lossy(answer_head);
    let mut relayed = String::new();
    for line in answer_head.split("\r\n").filter(|line| !line.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            relayed.push_str(line);
            relayed.push_str("\r\n");
        }
    }
    relayed.push_str("Connection: close\r\n\r\n");
    client.write_all(relayed.as_bytes()).await?;
    client.write_all(answer_body).await?;
    client.shutdown().await
}
