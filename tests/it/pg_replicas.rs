//! Two real `serve` replicas on one PostgreSQL database act as one server: what one creates the
//! other reads, a token from one works on the other, racing creates of the same names across both
//! give each name once, a `kill -9` of one during a burst loses no acknowledged create, and a
//! replica started with another key refuses to start.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::{
    GetIntegrationRequest, InsertIntegrationRequest, IntegrationKind, ListIntegrationsRequest,
};
use tonic::Code;
use tonic::transport::Channel;

use crate::common::pg::PgDatabase;
use crate::common::serve_process::{ServeProcess, serve_command, serve_log};
use crate::common::{CLIENT_ID, CLIENT_SECRET, ENVIRONMENT, Headers, get_token};

/// Two replicas on one fresh database sharing one key file, each with its own data directory.
pub struct Replicas {
    pub a: ServeProcess,
    pub b: ServeProcess,
    pub home: tempfile::TempDir,
    pub key_file: PathBuf,
    pub db: PgDatabase,
}

impl Replicas {
    pub fn start() -> Self {
        let db = PgDatabase::create();
        let home = tempfile::tempdir().unwrap();
        let key_file = home.path().join("shared.key");
        let a = start_replica(home.path(), "a", &db, &key_file);
        let b = start_replica(home.path(), "b", &db, &key_file);
        Self {
            a,
            b,
            home,
            key_file,
            db,
        }
    }
}

/// Starts one replica with its own data directory `<home>/<name>`.
pub fn start_replica(home: &Path, name: &str, db: &PgDatabase, key_file: &Path) -> ServeProcess {
    let url = db.url();
    let key = key_file.to_str().unwrap();
    ServeProcess::start_with(
        home,
        &home.join(name),
        &["--store", &url, "--key-file", key],
        &[],
    )
}

/// An authenticated raw client of the replica at `url`.
pub async fn raw(url: &str) -> (IntegrationsServiceClient<Channel>, Headers) {
    let channel = Channel::from_shared(url.to_string())
        .unwrap()
        .connect()
        .await
        .expect("connects");
    let token = get_token(&channel, CLIENT_ID, CLIENT_SECRET)
        .await
        .expect("token");
    let headers = Headers {
        token: Some(token),
        environment: Some(ENVIRONMENT.to_string()),
    };
    (IntegrationsServiceClient::new(channel), headers)
}

pub fn insert_request(name: &str) -> InsertIntegrationRequest {
    InsertIntegrationRequest {
        name: name.into(),
        integration_kind: IntegrationKind::Postgresql as i32,
        environment_variables: HashMap::new(),
        config: HashMap::from([("PGHOST".to_string(), crate::common::literal("db.internal"))]),
    }
}

pub async fn names(
    client: &mut IntegrationsServiceClient<Channel>,
    headers: &Headers,
) -> Vec<String> {
    client
        .list_integrations(headers.request(ListIntegrationsRequest {}))
        .await
        .expect("list")
        .into_inner()
        .integrations
        .into_iter()
        .filter_map(|i| i.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_one_replica_creates_the_other_reads_and_tokens_cross() {
    let replicas = Replicas::start();
    let (mut a, headers_a) = raw(&replicas.a.url).await;
    let (mut b, headers_b) = raw(&replicas.b.url).await;
    let created = a
        .insert_integration(headers_a.request(insert_request("made_on_a")))
        .await
        .expect("create on A")
        .into_inner()
        .integration
        .unwrap();
    let got = b
        .get_integration(headers_b.request(GetIntegrationRequest {
            integration_id: created.id.clone(),
        }))
        .await
        .expect("get on B")
        .into_inner();
    let got = got.integration_with_secrets.unwrap().integration.unwrap();
    assert_eq!(got.name.as_deref(), Some("made_on_a"));
    assert_eq!(names(&mut b, &headers_b).await, ["made_on_a"]);
    // A's token on B.
    assert_eq!(names(&mut b, &headers_a).await, ["made_on_a"]);
    let forged = Headers {
        token: Some(format!("{}x", headers_a.token.clone().unwrap())),
        environment: headers_a.environment.clone(),
    };
    let refused = b
        .list_integrations(forged.request(ListIntegrationsRequest {}))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_callers_creating_the_same_hundred_names_on_two_replicas_make_each_once() {
    let replicas = Replicas::start();
    let mut callers = Vec::new();
    for caller in 0..16 {
        let url = if caller % 2 == 0 {
            replicas.a.url.clone()
        } else {
            replicas.b.url.clone()
        };
        callers.push(tokio::spawn(async move {
            let (mut client, headers) = raw(&url).await;
            let (mut created, mut taken) = (0, 0);
            for i in 0..100 {
                // Each caller walks the names from a different start, so they collide everywhere.
                let name = format!("source_{:03}", (i + caller * 7) % 100);
                match client
                    .insert_integration(headers.request(insert_request(&name)))
                    .await
                {
                    Ok(_) => created += 1,
                    Err(status) if status.code() == Code::AlreadyExists => taken += 1,
                    Err(status) => panic!("{name}: unexpected {status:?}"),
                }
            }
            (created, taken)
        }));
    }
    let mut created = 0;
    for caller in callers {
        let (made, taken) = caller.await.unwrap();
        assert_eq!(made + taken, 100);
        created += made;
    }
    assert_eq!(created, 100, "each name created exactly once");
    let (mut b, headers) = raw(&replicas.b.url).await;
    let listed = names(&mut b, &headers).await;
    assert_eq!(listed.len(), 100);
    assert_eq!(listed.iter().collect::<BTreeSet<_>>().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_9_of_one_replica_loses_no_acknowledged_create() {
    let mut replicas = Replicas::start();
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut burst = Vec::new();
    for caller in 0..8 {
        let url = replicas.a.url.clone();
        let acknowledged = acknowledged.clone();
        burst.push(tokio::spawn(async move {
            let (mut client, headers) = raw(&url).await;
            for i in 0.. {
                let name = format!("burst_{caller}_{i}");
                match client
                    .insert_integration(headers.request(insert_request(&name)))
                    .await
                {
                    Ok(_) => acknowledged.lock().unwrap().push(name),
                    Err(_) => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 200 {
        assert!(Instant::now() < deadline, "the burst did not get going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    replicas.a.kill_hard();
    for caller in burst {
        tokio::time::timeout(Duration::from_secs(30), caller)
            .await
            .expect("callers notice the kill")
            .unwrap();
    }
    let acknowledged: BTreeSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    let (mut b, headers) = raw(&replicas.b.url).await;
    let stored: BTreeSet<String> = names(&mut b, &headers).await.into_iter().collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged creates lost: {lost:?}",
        lost.len()
    );
    assert!(acknowledged.len() >= 200);
}

#[test]
fn a_replica_with_another_key_refuses_to_start() {
    let replicas = Replicas::start();
    let wrong = replicas.home.path().join("wrong.key");
    std::fs::write(&wrong, [9u8; 32]).unwrap();
    let url = replicas.db.url();
    let home = replicas.home.path();
    let mut child = serve_command(
        home,
        &home.join("c"),
        "127.0.0.1:0",
        &["--store", &url, "--key-file", wrong.to_str().unwrap()],
        &[],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "the replica with the wrong key kept running; log:\n{}",
                serve_log(home)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let log = serve_log(home);
    assert!(log.contains("does not open the store"), "{log}");
    assert!(log.contains(&replicas.db.name), "{log}");
    assert!(replicas.key_file.exists());
}
