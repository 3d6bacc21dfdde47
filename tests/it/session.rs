//! The client session against a real `serve`: it survives a server restart (UNAVAILABLE retried,
//! the stale token re-exchanged once), picks environments by id or name, and reports bad
//! credentials and unknown environments clearly, never echoing the client secret.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use sourcedeck::client::Session;
use sourcedeck::client::credentials::{Auth, CredentialSource, Credentials};
use sourcedeck::domain::secret_ref::SecretStore;
use sourcedeck::domain::{Kind, Secret};
use sourcedeck::server::{self, ClientCredential, RunningServer, ServeOptions};
use tonic::Code;

const CLIENT_ID: &str = "session-test";
const CLIENT_SECRET: &str = "session-test-secret-7d1f";

async fn start(dir: &Path, listen: SocketAddr, environment: &str) -> RunningServer {
    server::spawn(ServeOptions {
        listen,
        data_dir: dir.to_path_buf(),
        store: None,
        key_file: None,
        credential: ClientCredential {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        environment: environment.into(),
        secret_store: SecretStore::Local,
        tls: None,
        insecure: false,
        test_timeout: Duration::from_secs(5),
        test_egress: Default::default(),
        team: Default::default(),
        env: Default::default(),
    })
    .await
    .expect("serve starts")
}

fn credentials(url: &str, secret: &str, environment: Option<&str>) -> Credentials {
    Credentials {
        auth: Auth::ClientCredentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(secret),
        },
        api_server: Some(url.to_string()),
        environment: environment.map(str::to_string),
        source: CredentialSource::Flags,
    }
}

#[tokio::test]
async fn a_restarted_server_is_reached_again_with_a_fresh_token() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), ([127, 0, 0, 1], 0).into(), "default").await;
    let address = first.address;
    let url = first.url();
    let session = Session::connect(
        &credentials(&url, CLIENT_SECRET, None),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let created = session
        .create(Kind::Postgresql, "before_restart", &Default::default())
        .await
        .unwrap();
    first.shutdown().await.unwrap();

    // Same port, same data: tokens issued before the restart are unknown to the new process.
    let second = start(dir.path(), address, "default").await;
    let listed = session.list().await.expect("retried and re-authenticated");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn environments_are_chosen_by_id_or_name_and_unknown_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), ([127, 0, 0, 1], 0).into(), "staging").await;
    let url = running.url();
    let by_name = Session::connect(
        &credentials(&url, CLIENT_SECRET, Some("STAGING")),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(by_name.environment_id(), running.environment.id);
    assert_eq!(by_name.environment_name(), Some("staging"));
    let by_id = Session::connect(
        &credentials(&url, CLIENT_SECRET, Some(&running.environment.id)),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(by_id.environment_id(), running.environment.id);
    let unknown = Session::connect(
        &credentials(&url, CLIENT_SECRET, Some("prod")),
        Duration::from_secs(10),
    )
    .await
    .err()
    .expect("unknown environment refused");
    assert_eq!(unknown.code, Code::NotFound);
    assert!(
        unknown.message.contains("\"prod\"") && unknown.message.contains("staging"),
        "{}",
        unknown.message
    );
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_are_unauthenticated_without_echoing_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), ([127, 0, 0, 1], 0).into(), "default").await;
    let wrong = "wrong-secret-value-91ac";
    let error = Session::connect(
        &credentials(&running.url(), wrong, None),
        Duration::from_secs(10),
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(error.code, Code::Unauthenticated);
    assert!(
        !error.message.contains(wrong) && !error.message.contains(CLIENT_SECRET),
        "{}",
        error.message
    );
    assert!(!format!("{error:?}").contains(wrong));
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_fails_after_bounded_retries() {
    // A port nobody listens on: bind, read the port, close.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let started = std::time::Instant::now();
    let error = Session::connect(
        &credentials(&format!("127.0.0.1:{port}"), CLIENT_SECRET, None),
        Duration::from_secs(5),
    )
    .await
    .err()
    .expect("unreachable");
    assert_eq!(error.code, Code::Unavailable, "{}", error.message);
    // Five attempts with backoff capped at 1 s stay well under ten seconds.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
