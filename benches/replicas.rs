//! The store backends under load (issue 14's figures; a benchmark, not a test):
//!
//! 1. creates per second with 8 callers, each creating its own names over gRPC: on PostgreSQL
//!    spread over two real `serve` replicas (4 callers each), on SQLite over one `serve`;
//! 2. ListIntegrations of 10,000 sources (5 keys each, the ones just created): the store read
//!    alone (`Store::list`, decrypting every value) and the whole RPC through an in-process
//!    server on loopback (first call, then the median of 10 warm calls; the client-observed time
//!    bounds the server-side time from above). The server-side time is the handler's own
//!    (`took_us` of its "answered ListIntegrations" debug event, from the token check to the
//!    answer built) plus prost encoding the answer, measured here.
//!
//! Run with `cargo bench --bench replicas` (PostgreSQL at 127.0.0.1:5432 as user postgres, trust
//! auth; a fresh `sd_bench_<random>` database is created and dropped). Under `cargo test` it only
//! checks that it builds.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use sourcedeck::domain::Secret;
use sourcedeck::domain::secret_ref::SecretStore;
use sourcedeck::proto::auth_service_client::AuthServiceClient;
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::{
    GetTokenRequest, InsertIntegrationRequest, IntegrationConfigValue, IntegrationKind,
    ListIntegrationsRequest, integration_config_value,
};
use sourcedeck::server::store::{Store, StoreLocation};
use sourcedeck::server::{self, ClientCredential, ServeOptions};
use tonic::transport::Channel;

const CLIENT_ID: &str = "bench";
const CLIENT_SECRET: &str = "bench-secret-0123456789";
const CALLERS: usize = 8;
const SOURCES: usize = 10_000;

/// A `serve` child process, killed when dropped.
struct Replica {
    child: Child,
    url: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_replica(data_dir: &Path, store: &str, key_file: &Path) -> Replica {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sourcedeck"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--store", store, "--key-file"])
        .arg(key_file)
        .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
        .env_remove("SOURCEDECK_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut line).expect("listening line");
    let url = line
        .strip_prefix("sourcedeck serve listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in stdout.lines() {});
    Replica { child, url }
}

fn literal(value: String) -> IntegrationConfigValue {
    IntegrationConfigValue {
        value: Some(integration_config_value::Value::Literal(value)),
    }
}

fn insert_request(name: String, index: usize) -> InsertIntegrationRequest {
    InsertIntegrationRequest {
        name,
        integration_kind: IntegrationKind::Postgresql as i32,
        environment_variables: HashMap::new(),
        config: HashMap::from([
            ("PGHOST".into(), literal(format!("db{index}.internal"))),
            ("PGPORT".into(), literal("5432".into())),
            ("PGDATABASE".into(), literal("app".into())),
            ("PGUSER".into(), literal("reader".into())),
            ("PGPASSWORD".into(), literal(format!("password-{index}"))),
        ]),
    }
}

/// An authenticated client of `url`: the stub and a request decorator.
async fn client(url: &str) -> (IntegrationsServiceClient<Channel>, String) {
    let channel = Channel::from_shared(url.to_string())
        .expect("url")
        .connect()
        .await
        .expect("connects");
    let token = AuthServiceClient::new(channel.clone())
        .get_token(GetTokenRequest {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            grant_type: "client_credentials".into(),
            ..Default::default()
        })
        .await
        .expect("token")
        .into_inner()
        .access_token;
    (IntegrationsServiceClient::new(channel), token)
}

fn request<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    metadata.insert("x-chalk-env-id", "default".parse().expect("header"));
    request
}

/// 8 callers over `urls` (round robin) creating `SOURCES` sources in all; answers creates/s.
async fn creates_per_second(urls: &[String]) -> f64 {
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let url = urls[caller % urls.len()].clone();
            tokio::spawn(async move {
                let (mut client, token) = client(&url).await;
                for i in (caller..SOURCES).step_by(CALLERS) {
                    client
                        .insert_integration(request(
                            &token,
                            insert_request(format!("source_{i:05}"), i),
                        ))
                        .await
                        .expect("create");
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.expect("caller");
    }
    SOURCES as f64 / started.elapsed().as_secs_f64()
}

/// The `took_us` of every "answered ListIntegrations" event the in-process server emits.
#[derive(Clone, Default)]
struct HandlerTimes(Arc<Mutex<Vec<u64>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for HandlerTimes {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct TookUs(Option<u64>);
        impl tracing::field::Visit for TookUs {
            fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
                if field.name() == "took_us" {
                    self.0 = Some(value);
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut took = TookUs(None);
        event.record(&mut took);
        if let (Some(took), Ok(mut times)) = (took.0, self.0.lock()) {
            times.push(took);
        }
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// The list figures of the store at `location`.
async fn list_figures(
    label: &str,
    location: StoreLocation,
    data_dir: &Path,
    key_file: &Path,
    handler_times: &HandlerTimes,
) {
    let store = {
        let (location, data_dir, key_file) = (
            location.clone(),
            data_dir.to_path_buf(),
            key_file.to_path_buf(),
        );
        tokio::task::spawn_blocking(move || {
            Store::open_location(&location, &data_dir, Some(&key_file))
        })
        .await
        .expect("task")
        .expect("store opens")
    };
    let store = Arc::new(store);
    let mut store_times = Vec::new();
    for _ in 0..5 {
        let store = store.clone();
        let (took, count) = tokio::task::spawn_blocking(move || {
            let environment = store.environment("default").expect("environment");
            let started = Instant::now();
            let count = store.list(&environment.id).expect("list").len();
            (started.elapsed(), count)
        })
        .await
        .expect("task");
        assert_eq!(count, SOURCES);
        store_times.push(took);
    }
    store_times.sort();
    let running = server::spawn(ServeOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir: data_dir.to_path_buf(),
        store: Some(location),
        key_file: Some(key_file.to_path_buf()),
        credential: ClientCredential {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        environment: "default".into(),
        secret_store: SecretStore::Local,
        tls: None,
        insecure: false,
        test_timeout: Duration::from_secs(10),
        test_egress: Default::default(),
        team: Default::default(),
        env: Default::default(),
    })
    .await
    .expect("serve");
    let (mut client, token) = client(&running.url()).await;
    if let Ok(mut times) = handler_times.0.lock() {
        times.clear();
    }
    let mut rpc_times = Vec::new();
    let mut encode_times = Vec::new();
    for _ in 0..11 {
        let started = Instant::now();
        let answer = client
            .list_integrations(request(&token, ListIntegrationsRequest {}))
            .await
            .expect("list")
            .into_inner();
        rpc_times.push(started.elapsed());
        assert_eq!(answer.integrations.len(), SOURCES);
        let started = Instant::now();
        let encoded = prost::Message::encode_to_vec(&answer);
        encode_times.push(started.elapsed());
        assert!(!encoded.is_empty());
    }
    let first = rpc_times.remove(0);
    rpc_times.sort();
    encode_times.sort();
    let mut handler: Vec<u64> = handler_times
        .0
        .lock()
        .map(|t| t.clone())
        .unwrap_or_default();
    assert_eq!(handler.len(), 11, "one handler time per call");
    let handler_first = Duration::from_micros(handler.remove(0));
    handler.sort();
    let handler_warm = Duration::from_micros(handler[5]);
    println!(
        "{label}: ListIntegrations of {SOURCES}: store read + decrypt median {}; \
         server side (handler + encoding {}) first {}, warm median {}; \
         RPC seen by the client first {}, warm median {} (min {})",
        millis(store_times[2]),
        millis(encode_times[5]),
        millis(handler_first + encode_times[5]),
        millis(handler_warm + encode_times[5]),
        millis(first),
        millis(rpc_times[5]),
        millis(rpc_times[0]),
    );
    running.shutdown().await.expect("shutdown");
}

/// Runs `sql` on the machine's PostgreSQL as postgres in database `test`.
async fn admin(sql: &str) {
    let (client, connection) = tokio_postgres::connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test",
        tokio_postgres::NoTls,
    )
    .await
    .expect("PostgreSQL at 127.0.0.1:5432");
    let driver = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("admin statement");
    drop(client);
    let _ = driver.await;
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it, and
    // then only checks that it builds (the full run takes minutes in a debug build).
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("replicas: run with `cargo bench --bench replicas`");
        return;
    }
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;
    let handler_times = HandlerTimes::default();
    let subscriber = tracing_subscriber::registry().with(
        handler_times.clone().with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("sourcedeck::server::integrations", tracing::Level::DEBUG),
        ),
    );
    tracing::subscriber::set_global_default(subscriber).expect("subscriber");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let scratch = tempfile::tempdir().expect("tempdir");
        let key_file = scratch.path().join("shared.key");
        let mut suffix = [0u8; 6];
        rand::rng().fill_bytes(&mut suffix);
        let database: String = format!(
            "sd_bench_{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        admin(&format!("CREATE DATABASE {database}")).await;
        let pg_url = format!("postgres://postgres@127.0.0.1:5432/{database}?sslmode=disable");

        // PostgreSQL: two replicas, 4 callers each.
        let a = start_replica(&scratch.path().join("a"), &pg_url, &key_file);
        let b = start_replica(&scratch.path().join("b"), &pg_url, &key_file);
        let rate = creates_per_second(&[a.url.clone(), b.url.clone()]).await;
        println!(
            "postgres: {rate:.0} creates/s ({CALLERS} callers over 2 replicas, {SOURCES} sources)"
        );
        drop((a, b));
        let location = StoreLocation::parse(&pg_url).expect("url");
        list_figures(
            "postgres",
            location,
            &scratch.path().join("a"),
            &key_file,
            &handler_times,
        )
        .await;

        // SQLite: one server (one data directory), the same 8 callers.
        let sqlite_dir = scratch.path().join("sqlite");
        let sqlite_url = format!("sqlite:{}", sqlite_dir.display());
        let one = start_replica(&sqlite_dir, &sqlite_url, &key_file);
        let rate = creates_per_second(std::slice::from_ref(&one.url)).await;
        println!(
            "sqlite: {rate:.0} creates/s ({CALLERS} callers over 1 server, {SOURCES} sources)"
        );
        drop(one);
        list_figures(
            "sqlite",
            StoreLocation::Sqlite(sqlite_dir.clone()),
            &sqlite_dir,
            &key_file,
            &handler_times,
        )
        .await;

        admin(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).await;
    });
}
