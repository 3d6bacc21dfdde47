//! Why the default test concurrency is what it is: a hundred sources that each answer after
//! 100 ms, tested through the same bounded fan-out the console's `T` and `sourcedeck test --all`
//! use (a semaphore of [`TEST_CONCURRENCY`] permits, one connection per test). The peer is a
//! loopback listener that answers every connection after 100 ms. Prints the wall time for the old
//! defaults (4 and 8) and the current one (goal: under a second). It measures; it asserts nothing.
//! Run with `cargo bench --bench test_concurrency` (under `cargo test` it only checks it builds).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sourcedeck::client::api::TEST_CONCURRENCY;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const SOURCES: usize = 100;
const ANSWER_AFTER: Duration = Duration::from_millis(100);

/// A loopback peer that answers one byte on every connection after [`ANSWER_AFTER`].
async fn slow_peer() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(ANSWER_AFTER).await;
                let _ = stream.write_all(b"+").await;
            });
        }
    });
    address
}

/// Tests `SOURCES` sources at most `concurrency` at a time; returns the wall time.
async fn test_all(peer: std::net::SocketAddr, concurrency: usize) -> Duration {
    let permits = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..SOURCES {
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("permit");
            let mut stream = TcpStream::connect(peer).await.expect("connect");
            let mut answer = [0u8; 1];
            stream.read_exact(&mut answer).await.expect("answer");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("test task");
    }
    started.elapsed()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("test_concurrency: run with `cargo bench --bench test_concurrency`");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let peer = slow_peer().await;
        for concurrency in [4, 8, usize::from(TEST_CONCURRENCY)] {
            let elapsed = test_all(peer, concurrency).await;
            println!(
                "{SOURCES} sources answering in {} ms, {concurrency} at a time: {:.2} s",
                ANSWER_AFTER.as_millis(),
                elapsed.as_secs_f64()
            );
        }
    });
}
