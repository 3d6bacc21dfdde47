//! What operating replicas relies on: every replica answers the standard gRPC health service
//! (`grpc.health.v1.Health`), NOT_SERVING while its store is unreachable and SERVING again when it
//! is back; SIGTERM drains in-flight calls (a call running when the signal arrives gets its answer)
//! and the process then exits cleanly.

use std::time::{Duration, Instant};

use sourcedeck::proto::TestIntegrationRequest;
use sourcedeck::proto::{IntegrationKind, ListIntegrationsRequest};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::common::serve_process::{ServeProcess, serve_log};
use crate::common::{SilentListener, literals};
use crate::pg_replicas::{Replicas, raw};

async fn status(url: &str, service: &str) -> Result<i32, tonic::Status> {
    let channel = Channel::from_shared(url.to_string())
        .unwrap()
        .connect()
        .await
        .map_err(|error| tonic::Status::unavailable(error.to_string()))?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_string(),
        })
        .await?;
    Ok(answer.into_inner().status)
}

/// Polls until `url` reports `wanted` for the whole server, within 20 s.
async fn wait_for_status(url: &str, wanted: ServingStatus) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = status(url, "").await;
        if now.as_ref().ok() == Some(&(wanted as i32)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url} never reported {wanted:?}: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_answers_health_and_follows_its_store() {
    let replicas = Replicas::start();
    for url in [&replicas.a.url, &replicas.b.url] {
        wait_for_status(url, ServingStatus::Serving).await;
        assert_eq!(
            status(url, "chalk.server.v1.IntegrationsService")
                .await
                .unwrap(),
            ServingStatus::Serving as i32
        );
        let unknown = status(url, "no.such.Service").await.unwrap_err();
        assert_eq!(unknown.code(), tonic::Code::NotFound);
    }
    replicas.db.set_reachable(false);
    for url in [&replicas.a.url, &replicas.b.url] {
        wait_for_status(url, ServingStatus::NotServing).await;
    }
    replicas.db.set_reachable(true);
    for url in [&replicas.a.url, &replicas.b.url] {
        wait_for_status(url, ServingStatus::Serving).await;
    }
    let (mut client, headers) = raw(&replicas.a.url).await;
    client
        .list_integrations(headers.request(ListIntegrationsRequest {}))
        .await
        .expect("the store answers again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_call_in_flight_finish_then_exits_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut server = ServeProcess::start_with(
        home.path(),
        &home.path().join("data"),
        &["--test-timeout", "3"],
        &[],
    );
    let silent = SilentListener::start().await;
    let (mut client, headers) = raw(&server.url).await;
    let port = silent.port.to_string();
    let request = headers.request(TestIntegrationRequest {
        kind: IntegrationKind::Postgresql as i32,
        config: literals(&[
            ("PGHOST", "127.0.0.1"),
            ("PGPORT", &port),
            ("PGDATABASE", "d"),
            ("PGUSER", "u"),
        ]),
        ..Default::default()
    });
    let started = Instant::now();
    let in_flight = tokio::spawn(async move { client.test_integration(request).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !in_flight.is_finished(),
        "the check should still be running"
    );
    let pid = server.child.id().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let answer = tokio::time::timeout(Duration::from_secs(20), in_flight)
        .await
        .expect("the in-flight call ends")
        .unwrap()
        .expect("the in-flight call is answered, not cut off")
        .into_inner();
    assert!(!answer.success);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it ran to its own deadline"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}; log:\n{}", serve_log(home.path()));
    drop(silent);
}
