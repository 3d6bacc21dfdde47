//! A one-node fake Kafka broker on 127.0.0.1 for the Kafka connectivity test's integration
//! tests. It decodes the requests it is sent (ApiVersions v0, SaslHandshake v1,
//! SaslAuthenticate v0, Metadata v4, ListOffsets v1, Fetch v4) and answers with the real
//! response encodings: record batches v2 with CRC-32C, a SASL PLAIN check and the server side of
//! SCRAM-SHA-256/512 (RFC 5802) that checks the client's proof against the password. It is
//! written independently of the client in `src/probe/kinds/kafka` so it can catch its bugs.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::{digest, hmac, pbkdf2};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A message stored in a partition.
#[derive(Clone)]
pub struct Message {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub timestamp_ms: i64,
}

/// Offsets of every partition start here.
pub const BASE_OFFSET: i64 = 100;

#[derive(Clone)]
pub struct Topic {
    pub name: String,
    /// Messages per partition.
    pub partitions: Vec<Vec<Message>>,
    /// Described only with TOPIC_AUTHORIZATION_FAILED.
    pub denied: bool,
}

#[derive(Clone)]
pub struct Sasl {
    /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
    pub mechanism: &'static str,
    pub user: String,
    pub password: String,
}

#[derive(Clone, Default)]
pub struct Options {
    pub topics: Vec<Topic>,
    pub sasl: Option<Sasl>,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// This broker's node id (0 by default).
    pub node_id: i32,
    /// Other brokers of the cluster, `(node id, port on 127.0.0.1)`, advertised in Metadata.
    pub others: Vec<(i32, u16)>,
    /// The leader of each partition by index; this broker when unlisted.
    pub leaders: Vec<i32>,
    /// The SCRAM iteration count this broker asks for (4096 when unset).
    pub scram_iterations: Option<u32>,
    /// Record batches made elsewhere (a client library's encoder), served as partition 0 of the
    /// named topic instead of batches made from its messages; the first batch's base offset is
    /// set to [`BASE_OFFSET`] as a broker assigns offsets on append (the CRC does not cover it).
    pub raw_batches: Vec<(String, Vec<u8>)>,
}

/// What the broker saw, for assertions.
#[derive(Default)]
pub struct Seen {
    /// Every `(api key, version)` requested.
    pub requests: Mutex<Vec<(i16, i16)>>,
    /// A Metadata request asked to create topics.
    pub auto_create_asked: AtomicBool,
    /// The partitions Fetch requests asked for.
    pub fetched_partitions: Mutex<Vec<i32>>,
}

/// The partitions a Fetch v4 body asks for.
fn fetched_partitions(body: &[u8]) -> Vec<i32> {
    let mut r = Reader(body);
    let (_replica, _wait, _min, _max, _isolation) = (r.i32(), r.i32(), r.i32(), r.i32(), r.i8());
    let mut partitions = Vec::new();
    for _ in 0..r.i32() {
        r.string();
        for _ in 0..r.i32() {
            partitions.push(r.i32());
            let (_offset, _max) = (r.i64(), r.i32());
        }
    }
    partitions
}

pub struct Broker {
    pub port: u16,
    pub seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Broker {
    pub async fn start(options: Options) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let seen = Arc::new(Seen::default());
        let shared = Arc::new(options);
        let seen_by_task = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let options = shared.clone();
                let seen = seen_by_task.clone();
                tokio::spawn(async move {
                    serve_connection(stream, options, seen, port).await;
                });
            }
        });
        Self { port, seen, task }
    }

    pub fn requested(&self, api: (i16, i16)) -> bool {
        self.seen.requests.lock().unwrap().contains(&api)
    }
}

async fn serve_connection(stream: TcpStream, options: Arc<Options>, seen: Arc<Seen>, port: u16) {
    match options.tls.clone() {
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            if let Ok(tls) = acceptor.accept(stream).await {
                serve(tls, &options, &seen, port).await;
            }
        }
        None => serve(stream, &options, &seen, port).await,
    }
}

/// Per-connection SASL state.
enum Auth {
    NotStarted,
    Handshaken,
    ScramFirst {
        client_first_bare: String,
        server_first: String,
    },
    Done,
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    options: &Options,
    seen: &Seen,
    port: u16,
) {
    let mut auth = if options.sasl.is_some() {
        Auth::NotStarted
    } else {
        Auth::Done
    };
    loop {
        let mut size = [0u8; 4];
        if stream.read_exact(&mut size).await.is_err() {
            return;
        }
        let mut request = vec![0u8; i32::from_be_bytes(size) as usize];
        if stream.read_exact(&mut request).await.is_err() {
            return;
        }
        let mut r = Reader(&request);
        let (key, version, correlation) = (r.i16(), r.i16(), r.i32());
        let _client_id = r.string();
        seen.requests.lock().unwrap().push((key, version));
        if key == 1 {
            seen.fetched_partitions
                .lock()
                .unwrap()
                .extend(fetched_partitions(r.0));
        }
        let authenticated = matches!(auth, Auth::Done);
        let body = match (key, version) {
            (18, 0) => api_versions(),
            (17, 1) => handshake(&mut r, options, &mut auth),
            (36, 0) => match sasl_authenticate(&mut r, options, &mut auth) {
                Some(body) => body,
                None => return,
            },
            // Like a real broker: nothing but the SASL exchange before it succeeds.
            _ if !authenticated => return,
            (3, 4) => metadata(&mut r, options, seen, port),
            (2, 1) => list_offsets(&mut r, options),
            (1, 4) => fetch(&mut r, options),
            _ => return, // a version this broker does not offer: hang up
        };
        let mut out = W::default();
        out.i32((body.len() + 4) as i32).i32(correlation);
        out.0.extend(body);
        if stream.write_all(&out.0).await.is_err() {
            return;
        }
    }
}

fn api_versions() -> Vec<u8> {
    // What a Kafka 3.x broker offers for these APIs.
    let ranges: [(i16, i16, i16); 6] = [
        (1, 0, 13),
        (2, 0, 7),
        (3, 0, 12),
        (17, 0, 1),
        (18, 0, 3),
        (36, 0, 2),
    ];
    let mut w = W::default();
    w.i16(0).i32(ranges.len() as i32);
    for (key, min, max) in ranges {
        w.i16(key).i16(min).i16(max);
    }
    w.0
}

fn handshake(r: &mut Reader<'_>, options: &Options, auth: &mut Auth) -> Vec<u8> {
    let asked = r.string();
    let offered = options
        .sasl
        .as_ref()
        .map(|s| s.mechanism)
        .unwrap_or("PLAIN");
    let mut w = W::default();
    w.i16(if asked == offered { 0 } else { 33 })
        .i32(1)
        .string(offered);
    if asked == offered {
        *auth = Auth::Handshaken;
    }
    w.0
}

/// `None` closes the connection (a step out of order).
fn sasl_authenticate(r: &mut Reader<'_>, options: &Options, auth: &mut Auth) -> Option<Vec<u8>> {
    let sasl = options.sasl.as_ref()?;
    let bytes = r.bytes().to_vec();
    let state = std::mem::replace(auth, Auth::NotStarted);
    let (error, message, reply) = match (sasl.mechanism, state) {
        ("PLAIN", Auth::Handshaken) => {
            let expected = format!("\0{}\0{}", sasl.user, sasl.password);
            if bytes == expected.as_bytes() {
                *auth = Auth::Done;
                (0, None, Vec::new())
            } else {
                (
                    58,
                    Some("Authentication failed: Invalid username or password".to_string()),
                    Vec::new(),
                )
            }
        }
        (mechanism, Auth::Handshaken) => {
            let text = String::from_utf8(bytes).ok()?;
            let bare = text.strip_prefix("n,,")?.to_string();
            let nonce = bare
                .split(',')
                .find_map(|f| f.strip_prefix("r="))?
                .to_string();
            let server_first = format!(
                "r={nonce}fakeBrokerNonce,s={},i={}",
                STANDARD.encode(SALT),
                options.scram_iterations.unwrap_or(4096)
            );
            if !bare.starts_with(&format!("n={},", sasl.user)) {
                (
                    58,
                    Some(format!(
                        "Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}"
                    )),
                    Vec::new(),
                )
            } else {
                *auth = Auth::ScramFirst {
                    client_first_bare: bare,
                    server_first: server_first.clone(),
                };
                (0, None, server_first.into_bytes())
            }
        }
        (
            mechanism,
            Auth::ScramFirst {
                client_first_bare,
                server_first,
            },
        ) => {
            let text = String::from_utf8(bytes).ok()?;
            let (without_proof, proof) = text.rsplit_once(",p=")?;
            let proof = STANDARD.decode(proof).ok()?;
            let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
            let iterations = options.scram_iterations.unwrap_or(4096);
            match scram_server_check(mechanism, &sasl.password, &auth_message, &proof, iterations) {
                Some(server_signature) => {
                    *auth = Auth::Done;
                    (
                        0,
                        None,
                        format!("v={}", STANDARD.encode(server_signature)).into_bytes(),
                    )
                }
                None => (
                    58,
                    Some(format!(
                        "Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}"
                    )),
                    Vec::new(),
                ),
            }
        }
        _ => return None,
    };
    let mut w = W::default();
    w.i16(error);
    match message {
        Some(text) => w.string(&text),
        None => w.i16(-1),
    };
    w.bytes(&reply);
    Some(w.0)
}

const SALT: &[u8] = b"fake broker salt";

/// The server side of SCRAM: checks the client proof, returns the server signature.
fn scram_server_check(
    mechanism: &str,
    password: &str,
    auth_message: &str,
    proof: &[u8],
    iterations: u32,
) -> Option<Vec<u8>> {
    let (mac, hash, kdf, len) = match mechanism {
        "SCRAM-SHA-256" => (
            hmac::HMAC_SHA256,
            &digest::SHA256,
            pbkdf2::PBKDF2_HMAC_SHA256,
            32,
        ),
        "SCRAM-SHA-512" => (
            hmac::HMAC_SHA512,
            &digest::SHA512,
            pbkdf2::PBKDF2_HMAC_SHA512,
            64,
        ),
        _ => return None,
    };
    let mut salted = vec![0u8; len];
    pbkdf2::derive(
        kdf,
        std::num::NonZeroU32::new(iterations)?,
        SALT,
        password.as_bytes(),
        &mut salted,
    );
    let salted = hmac::Key::new(mac, &salted);
    let client_key = hmac::sign(&salted, b"Client Key");
    let stored_key = digest::digest(hash, client_key.as_ref());
    let signature = hmac::sign(
        &hmac::Key::new(mac, stored_key.as_ref()),
        auth_message.as_bytes(),
    );
    if proof.len() != len {
        return None;
    }
    let recovered: Vec<u8> = proof
        .iter()
        .zip(signature.as_ref())
        .map(|(p, s)| p ^ s)
        .collect();
    if digest::digest(hash, &recovered).as_ref() != stored_key.as_ref() {
        return None;
    }
    let server_key = hmac::sign(&salted, b"Server Key");
    Some(
        hmac::sign(
            &hmac::Key::new(mac, server_key.as_ref()),
            auth_message.as_bytes(),
        )
        .as_ref()
        .to_vec(),
    )
}

fn metadata(r: &mut Reader<'_>, options: &Options, seen: &Seen, port: u16) -> Vec<u8> {
    let count = r.i32();
    let names: Vec<String> = (0..count.max(0)).map(|_| r.string()).collect();
    if r.i8() != 0 {
        seen.auto_create_asked.store(true, Ordering::SeqCst);
    }
    let mut w = W::default();
    w.i32(0); // throttle
    let brokers: Vec<(i32, u16)> = std::iter::once((options.node_id, port))
        .chain(options.others.iter().copied())
        .collect();
    w.i32(brokers.len() as i32);
    for (node, port) in brokers {
        w.i32(node).string("127.0.0.1").i32(port as i32).i16(-1); // no rack
    }
    w.string("fake-cluster").i32(0);
    w.i32(names.len() as i32);
    for name in names {
        match options.topics.iter().find(|t| t.name == name) {
            Some(topic) if topic.denied => {
                w.i16(29).string(&name).i8(0).i32(0);
            }
            Some(topic) => {
                w.i16(0)
                    .string(&name)
                    .i8(0)
                    .i32(topic.partitions.len() as i32);
                for index in 0..topic.partitions.len() {
                    let leader = options
                        .leaders
                        .get(index)
                        .copied()
                        .unwrap_or(options.node_id);
                    w.i16(0)
                        .i32(index as i32)
                        .i32(leader)
                        .i32(1)
                        .i32(leader)
                        .i32(1)
                        .i32(leader);
                }
            }
            None => {
                w.i16(3).string(&name).i8(0).i32(0);
            }
        }
    }
    w.0
}

fn list_offsets(r: &mut Reader<'_>, options: &Options) -> Vec<u8> {
    let _replica = r.i32();
    let topics = r.i32();
    let mut w = W::default();
    w.i32(topics);
    for _ in 0..topics {
        let name = r.string();
        let topic = options.topics.iter().find(|t| t.name == name);
        let partitions = r.i32();
        w.string(&name).i32(partitions);
        for _ in 0..partitions {
            let (index, timestamp) = (r.i32(), r.i64());
            let stored = topic.and_then(|t| t.partitions.get(index as usize));
            match stored {
                Some(messages) => {
                    let offset = if timestamp == -2 {
                        BASE_OFFSET
                    } else {
                        BASE_OFFSET + messages.len() as i64
                    };
                    w.i32(index).i16(0).i64(-1).i64(offset);
                }
                None => {
                    w.i32(index).i16(3).i64(-1).i64(-1);
                }
            }
        }
    }
    w.0
}

fn fetch(r: &mut Reader<'_>, options: &Options) -> Vec<u8> {
    let (_replica, _wait, _min, _max, _isolation) = (r.i32(), r.i32(), r.i32(), r.i32(), r.i8());
    let topics = r.i32();
    let mut w = W::default();
    w.i32(0).i32(topics);
    for _ in 0..topics {
        let name = r.string();
        let topic = options.topics.iter().find(|t| t.name == name);
        let partitions = r.i32();
        w.string(&name).i32(partitions);
        for _ in 0..partitions {
            let (index, from, _max_bytes) = (r.i32(), r.i64(), r.i32());
            let Some(messages) = topic.and_then(|t| t.partitions.get(index as usize)) else {
                w.i32(index).i16(3).i64(-1).i64(-1).i32(-1).i32(-1);
                continue;
            };
            let end = BASE_OFFSET + messages.len() as i64;
            // Whole batches of 3 from the one holding `from`, as a broker serves them.
            let mut records = Vec::new();
            for (chunk_index, chunk) in messages.chunks(3).enumerate() {
                let base = BASE_OFFSET + (chunk_index * 3) as i64;
                if base + chunk.len() as i64 > from {
                    records.extend(record_batch(base, chunk));
                }
            }
            if let Some((_, raw)) = options
                .raw_batches
                .iter()
                .find(|(topic, _)| *topic == name && index == 0)
            {
                records = raw.clone();
                records[..8].copy_from_slice(&BASE_OFFSET.to_be_bytes());
            }
            w.i32(index)
                .i16(0)
                .i64(end)
                .i64(end)
                .i32(-1)
                .bytes(&records);
        }
    }
    w.0
}

/// A record batch v2 (magic 2), uncompressed.
pub fn record_batch(base_offset: i64, messages: &[Message]) -> Vec<u8> {
    let first = messages[0].timestamp_ms;
    let max = messages.iter().map(|m| m.timestamp_ms).max().unwrap();
    let mut tail = W::default();
    tail.i16(0) // attributes
        .i32(messages.len() as i32 - 1)
        .i64(first)
        .i64(max)
        .i64(-1)
        .i16(-1)
        .i32(-1)
        .i32(messages.len() as i32);
    for (index, message) in messages.iter().enumerate() {
        let mut record = Vec::new();
        record.push(0);
        varint(&mut record, message.timestamp_ms - first);
        varint(&mut record, index as i64);
        match &message.key {
            Some(key) => {
                varint(&mut record, key.len() as i64);
                record.extend(key);
            }
            None => varint(&mut record, -1),
        }
        varint(&mut record, message.value.len() as i64);
        record.extend(&message.value);
        varint(&mut record, 1); // one header
        varint(&mut record, 2);
        record.extend(b"h1");
        varint(&mut record, 1);
        record.extend(b"x");
        varint(&mut tail.0, record.len() as i64);
        tail.0.extend(record);
    }
    let mut batch = W::default();
    batch
        .i64(base_offset)
        .i32((4 + 1 + 4 + tail.0.len()) as i32)
        .i32(0)
        .i8(2);
    batch.0.extend(crc32c_bitwise(&tail.0).to_be_bytes());
    batch.0.extend(tail.0);
    batch.0
}

fn varint(out: &mut Vec<u8>, value: i64) {
    let mut raw = ((value << 1) ^ (value >> 63)) as u64;
    while raw >= 0x80 {
        out.push((raw as u8 & 0x7f) | 0x80);
        raw >>= 7;
    }
    out.push(raw as u8);
}

/// CRC-32C computed bit by bit (the client uses a table).
fn crc32c_bitwise(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0x82F6_3B78 & mask);
        }
    }
    !crc
}

#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn i8(&mut self, v: i8) -> &mut Self {
        self.0.push(v as u8);
        self
    }
    fn i16(&mut self, v: i16) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn string(&mut self, v: &str) -> &mut Self {
        self.i16(v.len() as i16);
        self.0.extend(v.as_bytes());
        self
    }
    fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.i32(v.len() as i32);
        self.0.extend(v);
        self
    }
}

/// Reads a request; a short request reads zeros (the client under test is what is checked).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn fixed<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let got = self.take(N);
        out[..got.len()].copy_from_slice(got);
        out
    }
    fn i8(&mut self) -> i8 {
        i8::from_be_bytes(self.fixed())
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.fixed())
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.fixed())
    }
    fn i64(&mut self) -> i64 {
        i64::from_be_bytes(self.fixed())
    }
    fn string(&mut self) -> String {
        let len = self.i16().max(0) as usize;
        String::from_utf8_lossy(self.take(len)).into_owned()
    }
    fn bytes(&mut self) -> &'a [u8] {
        let len = self.i32().max(0) as usize;
        self.take(len)
    }
}
