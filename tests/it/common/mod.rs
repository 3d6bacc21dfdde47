//! Shared helpers of the integration tests: an in-process server on a loopback port with its own
//! data directory, authenticated clients (the typed `Session` and the raw gRPC stub), the real
//! binary run with a controlled environment, and a deadline-bounded poller.
//!
//! Every test gets its own temporary directory and server, so tests run in parallel.

#![allow(dead_code)]

pub mod certs;
pub mod pg;
pub mod serve_process;
pub mod team;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sourcedeck::client::Session;
use sourcedeck::client::credentials::{Auth, CredentialSource, Credentials};
use sourcedeck::domain::secret_ref::SecretStore;
use sourcedeck::domain::{ConfigValue, Secret};
use sourcedeck::proto::auth_service_client::AuthServiceClient;
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::{
    GetTokenRequest, IntegrationConfigValue, IntegrationKind, TestIntegrationRequest,
    TestIntegrationResponse, integration_config_value,
};
use sourcedeck::server::{self, ClientCredential, RunningServer, ServeOptions};
use tempfile::TempDir;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Request, Status};

/// Asserts a TestIntegration failure at `stage` with `needle` in its one-line message.
#[track_caller]
pub fn assert_failed(result: &TestIntegrationResponse, stage: &str, needle: &str) {
    assert!(!result.success, "expected failure: {}", result.message);
    assert!(
        result.message.starts_with(&format!("{stage} failed: ")),
        "expected the {stage} stage to fail: {}",
        result.message
    );
    assert!(
        result.message.contains(needle),
        "expected {needle:?} in: {}",
        result.message
    );
    assert!(
        !result.message.contains('\n'),
        "one line: {}",
        result.message
    );
}

/// Asserts a check on a server with a 1 s test deadline gave up in time: the call took `took`,
/// under 8 s, and the latency it reports is between 0.9 and 8 s.
#[track_caller]
pub fn assert_kept_a_1s_deadline(took: Duration, result: &TestIntegrationResponse) {
    assert!(
        took < Duration::from_secs(8),
        "took {took:?} with a 1 s deadline"
    );
    assert!(
        result
            .latency_seconds
            .is_some_and(|s| (0.9..8.0).contains(&s)),
        "{:?}",
        result.latency_seconds
    );
}

/// A listener on 127.0.0.1 that accepts every connection and never answers, for deadlines;
/// aborted on drop.
pub struct SilentListener {
    pub port: u16,
    /// The task holding the accepted connections (or any stand-in for it).
    pub task: tokio::task::JoinHandle<()>,
}

impl SilentListener {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        Self { port, task }
    }
}

impl Drop for SilentListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The client id every test server accepts.
pub const CLIENT_ID: &str = "test-client";
/// The client secret every test server accepts.
pub const CLIENT_SECRET: &str = "test-client-secret-7f3a9c";
/// The environment every test server serves.
pub const ENVIRONMENT: &str = "default";
/// The deadline of one call from a test client.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A server running in this process with its data directory; dropping it removes the directory.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: TempDir,
    /// The PostgreSQL database the server keeps its state in, when not SQLite.
    pub pg: Option<pg::PgDatabase>,
}

impl TestServer {
    /// A server with the defaults: local secret store, 10 s test timeout.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose options `adjust` may change (secret store, test timeout, ...).
    pub async fn start_with(adjust: impl FnOnce(&mut ServeOptions)) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut options = serve_options(&dir.path().join("data"));
        adjust(&mut options);
        let server = server::spawn(options).await.expect("server starts");
        Self {
            server,
            dir,
            pg: None,
        }
    }

    /// A server keeping its state in a fresh PostgreSQL database (the key in its data directory).
    pub async fn on_postgres() -> Self {
        let database = pg::PgDatabase::create();
        let location = database.location();
        let mut started = Self::start_with(|options| options.store = Some(location)).await;
        started.pg = Some(database);
        started
    }

    /// A server with a short connectivity-test deadline.
    pub async fn with_test_timeout(timeout: Duration) -> Self {
        Self::start_with(|options| options.test_timeout = timeout).await
    }

    /// A server whose outside-world settings (proxies, cloud credentials and endpoints) are
    /// these variables, as `serve` would read them from its environment.
    pub async fn with_env(pairs: &[(&str, &str)]) -> Self {
        let env = pairs.iter().map(|(name, value)| (*name, *value)).collect();
        Self::start_with(|options| options.env = env).await
    }

    /// A server whose linked secrets live in AWS Secrets Manager (account 123456789012, us-east-1),
    /// without credentials and with every AWS endpoint pinned to a closed loopback port: it can
    /// never reach AWS, whatever credentials the machine has.
    pub async fn with_aws_store() -> Self {
        let nowhere = format!("http://127.0.0.1:{}", closed_port());
        Self::start_with(|options| {
            options.secret_store = SecretStore::Aws {
                account: AWS_ACCOUNT.into(),
                region: AWS_REGION.into(),
            };
            options.env = [
                ("AWS_ENDPOINT_URL", nowhere.as_str()),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", nowhere.as_str()),
                ("AWS_ENDPOINT_URL_STS", nowhere.as_str()),
            ]
            .into_iter()
            .collect();
        })
        .await
    }

    /// The data directory (database and key file).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn environment_id(&self) -> String {
        self.server.environment.id.clone()
    }

    /// A typed, authenticated session.
    pub async fn session(&self) -> Session {
        Session::connect(&credentials(&self.url()), CALL_TIMEOUT)
            .await
            .expect("session connects")
    }

    /// A raw gRPC channel to the server.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url())
            .expect("valid url")
            .connect()
            .await
            .expect("channel connects")
    }

    /// The raw IntegrationsService stub plus a header set that authenticates as the test client.
    pub async fn raw(&self) -> (IntegrationsServiceClient<Channel>, Headers) {
        let channel = self.channel().await;
        let token = get_token(&channel, CLIENT_ID, CLIENT_SECRET)
            .await
            .expect("token exchange");
        let headers = Headers {
            token: Some(token),
            environment: Some(self.environment_id()),
        };
        (IntegrationsServiceClient::new(channel), headers)
    }

    /// Runs TestIntegration on a draft of `kind` whose config is `pairs` as literals; the call
    /// must answer within a minute.
    pub async fn check_draft(
        &self,
        kind: IntegrationKind,
        pairs: &[(&str, &str)],
    ) -> TestIntegrationResponse {
        let (mut client, headers) = self.raw().await;
        let request = headers.request(TestIntegrationRequest {
            kind: kind as i32,
            config: literals(pairs),
            ..Default::default()
        });
        tokio::time::timeout(Duration::from_secs(60), client.test_integration(request))
            .await
            .expect("the test RPC answers within a minute")
            .expect("the test RPC succeeds")
            .into_inner()
    }

    /// Stores a secret in the server's local secret store through a second handle on its data
    /// directory (behind the server's back; `sourcedeck secrets set` goes over the wire).
    pub fn set_local_secret(&self, name: &str, value: &str) {
        let store = sourcedeck::server::store::Store::open(&self.data_dir()).expect("store opens");
        let environment = store.environment(ENVIRONMENT).expect("environment");
        store
            .set_local_secret(&environment.id, name, &Secret::new(value))
            .expect("secret stored");
    }
}

/// A server plus an authenticated raw IntegrationsService client; each test binary adds the
/// methods it calls.
pub struct Api {
    pub server: TestServer,
    pub client: IntegrationsServiceClient<Channel>,
    pub headers: Headers,
}

impl Api {
    /// An API over a server with the defaults.
    pub async fn start() -> Self {
        Self::over(TestServer::start().await).await
    }

    /// An API over `server`.
    pub async fn over(server: TestServer) -> Self {
        let (client, headers) = server.raw().await;
        Self {
            server,
            client,
            headers,
        }
    }
}

pub const AWS_ACCOUNT: &str = "123456789012";
pub const AWS_REGION: &str = "us-east-1";

/// The options of a loopback test server with the test credential.
pub fn serve_options(data_dir: &Path) -> ServeOptions {
    ServeOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir: data_dir.to_path_buf(),
        store: None,
        key_file: None,
        credential: ClientCredential {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        environment: ENVIRONMENT.into(),
        secret_store: SecretStore::Local,
        tls: None,
        insecure: false,
        test_timeout: server::DEFAULT_TEST_TIMEOUT,
        test_egress: Default::default(),
        team: Default::default(),
        // Nothing from the test process: no cloud credential or endpoint of the machine's.
        env: Default::default(),
    }
}

/// Client credentials for a server at `url`.
pub fn credentials(url: &str) -> Credentials {
    Credentials {
        auth: Auth::ClientCredentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        api_server: Some(url.to_string()),
        environment: None,
        source: CredentialSource::Flags,
    }
}

/// GetToken with `x-chalk-server: go-api`; returns the access token.
pub async fn get_token(
    channel: &Channel,
    client_id: &str,
    client_secret: &str,
) -> Result<String, Status> {
    let mut request = Request::new(GetTokenRequest {
        client_id: client_id.into(),
        client_secret: client_secret.into(),
        grant_type: "client_credentials".into(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("x-chalk-server", MetadataValue::from_static("go-api"));
    let response = AuthServiceClient::new(channel.clone())
        .get_token(request)
        .await?;
    Ok(response.into_inner().access_token)
}

/// The headers of a data call; `None` leaves a header out.
#[derive(Clone, Debug)]
pub struct Headers {
    pub token: Option<String>,
    pub environment: Option<String>,
}

impl Headers {
    /// Wraps `message` in a request carrying `authorization: Bearer`, `x-chalk-env-id` and
    /// `x-chalk-server: go-api`.
    pub fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        let metadata = request.metadata_mut();
        metadata.insert("x-chalk-server", MetadataValue::from_static("go-api"));
        if let Some(token) = &self.token {
            metadata.insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
        }
        if let Some(environment) = &self.environment {
            metadata.insert("x-chalk-env-id", environment.parse().expect("header"));
        }
        request.set_timeout(CALL_TIMEOUT);
        request
    }

    pub fn with_token(&self, token: Option<&str>) -> Self {
        Self {
            token: token.map(str::to_string),
            ..self.clone()
        }
    }

    pub fn with_environment(&self, environment: Option<&str>) -> Self {
        Self {
            environment: environment.map(str::to_string),
            ..self.clone()
        }
    }
}

/// A literal config value on the wire.
pub fn literal(value: &str) -> IntegrationConfigValue {
    IntegrationConfigValue {
        value: Some(integration_config_value::Value::Literal(value.into())),
    }
}

/// A linked-secret config value on the wire.
pub fn linked(reference: &str) -> IntegrationConfigValue {
    IntegrationConfigValue {
        value: Some(integration_config_value::Value::SecretId(reference.into())),
    }
}

/// A wire config map of literals.
pub fn literals(pairs: &[(&str, &str)]) -> HashMap<String, IntegrationConfigValue> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), literal(value)))
        .collect()
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Polls `condition` every 20 ms until it holds or `deadline` passes; returns whether it held.
pub async fn wait_until<F, Fut>(deadline: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = Instant::now() + deadline;
    loop {
        if condition().await {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Blocking variant of [`wait_until`] for synchronous tests.
pub fn wait_until_blocking(deadline: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts `needle` is in neither stdout nor stderr.
    pub fn assert_never_shows(&self, needle: &str) {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "{needle:?} leaked into the output:\nstdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
    }

    pub fn assert_ok(&self) {
        assert_eq!(
            self.code, 0,
            "expected success:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
    }

    /// Asserts a failure reported in one line of stderr, `sourcedeck: …`.
    #[track_caller]
    pub fn assert_one_line_error(&self) {
        assert_ne!(self.code, 0, "expected a failure:\nstdout: {}", self.stdout);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr, got {:?}", self.stderr);
        assert!(lines[0].starts_with("sourcedeck: "), "{:?}", lines[0]);
    }
}

/// A way to run the real `sourcedeck` binary with a clean, controlled environment: every
/// inherited `CHALK_*`/`SOURCEDECK_*` variable removed, HOME and the XDG directories pointed at
/// a temporary directory (so the machine's ~/.chalk.yml is never read), cwd in that directory.
pub struct Cli {
    pub home: TempDir,
    pub env: Vec<(String, String)>,
}

impl Cli {
    /// A CLI with no server configured (the embedded default applies).
    pub fn isolated() -> Self {
        Self {
            home: tempfile::tempdir().expect("temporary home"),
            env: Vec::new(),
        }
    }

    /// A CLI pointed at `server` through CHALK_CLIENT_ID, CHALK_CLIENT_SECRET and CHALK_API_SERVER.
    pub fn against(server: &TestServer) -> Self {
        let mut cli = Self::isolated();
        cli.env = vec![
            ("CHALK_CLIENT_ID".into(), CLIENT_ID.into()),
            ("CHALK_CLIENT_SECRET".into(), CLIENT_SECRET.into()),
            ("CHALK_API_SERVER".into(), server.url()),
        ];
        cli
    }

    pub fn home_dir(&self) -> &Path {
        self.home.path()
    }

    /// The command with the controlled environment.
    pub fn command(&self, args: &[&str]) -> Command {
        sourcedeck_command(self.home.path(), &self.env, args)
    }

    /// Runs with `stdin` as standard input (empty when `None`); blocking.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        run_command(self.command(args), stdin)
    }

    /// [`Cli::run`] off the async threads, for tests that also hold an in-process server.
    pub async fn run_async(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let command = self.command(args);
        let stdin = stdin.map(str::to_string);
        tokio::task::spawn_blocking(move || run_command(command, stdin.as_deref()))
            .await
            .expect("cli task")
    }
}

/// The real binary with `args`, every inherited `CHALK_*`/`SOURCEDECK_*` variable removed, HOME
/// and the XDG directories under `home` (so the machine's ~/.chalk.yml is never read), cwd
/// `home`, then `env` applied.
pub fn sourcedeck_command(home: &Path, env: &[(String, String)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sourcedeck"));
    command.args(args);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().to_string();
        let upper = name.to_ascii_uppercase();
        if upper.starts_with("CHALK_")
            || upper.starts_with("_CHALK_")
            || upper.starts_with("SOURCEDECK_")
        {
            command.env_remove(&name);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .current_dir(home);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Runs a prepared command, feeding `stdin` (then closing it), and collects its outcome.
pub fn run_command(mut command: Command, stdin: Option<&str>) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("binary finishes");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A PostgreSQL config pointing at the machine's PostgreSQL (127.0.0.1:5432, database `test`,
/// user `postgres`) with `password`.
pub fn machine_postgres(password: &str) -> BTreeMap<String, ConfigValue> {
    [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", "5432"),
        ("PGDATABASE", "test"),
        ("PGUSER", "postgres"),
        ("PGPASSWORD", password),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), ConfigValue::Literal(Secret::new(value))))
    .collect()
}

/// `sourcedeck create` arguments for a source `name` pointing at the machine's PostgreSQL; the
/// password comes from stdin (`--secret PGPASSWORD`).
pub fn create_machine_postgres(name: &str) -> [&str; 15] {
    [
        "create",
        "--kind",
        "postgresql",
        "--name",
        name,
        "--set",
        "PGHOST=127.0.0.1",
        "--set",
        "PGPORT=5432",
        "--set",
        "PGDATABASE=test",
        "--set",
        "PGUSER=postgres",
        "--secret",
        "PGPASSWORD",
    ]
}

/// The Python of the project's venv (`$SOURCEDECK_TEST_PYTHON`, else `<repo>/.venv/bin/python`),
/// which `.ci/run` creates from tests/python/requirements.txt: the official SDK (chalkpy), moto's
/// server mode and the fakesnow emulator. Fails loudly when it is missing, never skips.
pub fn venv_python() -> PathBuf {
    let python = match std::env::var_os("SOURCEDECK_TEST_PYTHON") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
    };
    assert!(
        python.is_file(),
        "no Python venv at {}: run `bash .ci/run` once (it creates .venv from \
         tests/python/requirements.txt: chalkpy, moto[server], fakesnow[server]), or point \
         SOURCEDECK_TEST_PYTHON at a python that has them",
        python.display()
    );
    python
}
