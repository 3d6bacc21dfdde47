//! Linked secrets read from the real secret managers by the real `serve` binary: a MySQL source
//! whose password is a linked secret passes its test against the machine's MariaDB (with a user
//! created for the test), and fails at resolve naming the key, the secret and the store when the
//! secret is gone, refused or unknown. AWS Secrets Manager is moto's server mode (SigV4 and IAM
//! enforced); GCP Secret Manager and Azure Key Vault are loopback stand-ins. No resolved value
//! may appear in a message or in the server's trace-level log. All traffic stays on 127.0.0.1.

use crate::common;
use crate::peers::moto;
use crate::peers::secret_managers;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{get_token, linked, literal, wait_until};
use moto::{Key, Moto};
use mysql_async::prelude::Queryable;
use rand::distr::{Alphanumeric, SampleString};
use secret_managers::{Flavor, SecretManagerPeer};
use sourcedeck::proto::integrations_service_client::IntegrationsServiceClient;
use sourcedeck::proto::{IntegrationKind, TestIntegrationRequest, TestIntegrationResponse};
use tonic::transport::Channel;

const CLIENT_ID: &str = "linked-test";
const CLIENT_SECRET: &str = "linked-test-client-secret-a91c";

fn random(length: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), length)
}

/// A `serve` process with a chosen environment (nothing inherited but PATH), killed on drop.
struct Serve {
    child: Child,
    url: String,
    environment_id: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(store: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("serve.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_sourcedeck"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--client-id", CLIENT_ID])
            .args(["--secret-store", store, "--data-dir"])
            .arg(dir.path().join("data"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("NO_PROXY", "*")
            .env("SOURCEDECK_CLIENT_SECRET", CLIENT_SECRET)
            .env("SOURCEDECK_LOG_LEVEL", "trace")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default();
        let word_after = |marker: &str| {
            line.split_whitespace()
                .skip_while(|word| *word != marker)
                .nth(1)
                .map(|word| word.trim_end_matches(',').to_string())
        };
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| {
                panic!(
                    "serve did not start: {line:?}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_string();
        let environment_id = word_after("id").expect("environment id in the listening line");
        Self {
            child,
            url,
            environment_id,
            log,
            _dir: dir,
        }
    }

    /// TestIntegration of a MySQL draft for `user` whose MYSQL_PWD is the linked `secret`.
    async fn test_mysql(&self, user: &str, secret: &str) -> TestIntegrationResponse {
        let channel = Channel::from_shared(self.url.clone())
            .unwrap()
            .connect()
            .await
            .unwrap();
        let token = get_token(&channel, CLIENT_ID, CLIENT_SECRET).await.unwrap();
        let headers = common::Headers {
            token: Some(token),
            environment: Some(self.environment_id.clone()),
        };
        let config = HashMap::from([
            ("MYSQL_HOST".to_string(), literal("127.0.0.1")),
            ("MYSQL_TCP_PORT".to_string(), literal("3306")),
            ("MYSQL_USER".to_string(), literal(user)),
            ("MYSQL_DATABASE".to_string(), literal("test")),
            ("MYSQL_PWD".to_string(), linked(secret)),
        ]);
        let request = headers.request(TestIntegrationRequest {
            kind: IntegrationKind::Mysql as i32,
            config,
            ..Default::default()
        });
        let mut client = IntegrationsServiceClient::new(channel);
        tokio::time::timeout(Duration::from_secs(60), client.test_integration(request))
            .await
            .expect("the test RPC answers within a minute")
            .expect("the test RPC succeeds")
            .into_inner()
    }

    /// Polls the test until `accept` holds (deadline 30 s); returns the last answer.
    async fn poll_mysql(
        &self,
        user: &str,
        secret: &str,
        accept: impl Fn(&TestIntegrationResponse) -> bool,
    ) -> TestIntegrationResponse {
        let last = std::sync::Mutex::new(None);
        let reached = wait_until(Duration::from_secs(30), || async {
            let result = self.test_mysql(user, secret).await;
            let ok = accept(&result);
            *last.lock().unwrap() = Some(result);
            ok
        })
        .await;
        let result = last.into_inner().unwrap().expect("at least one test ran");
        assert!(
            reached,
            "never reached the expected outcome; last: {}",
            result.message
        );
        result
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

#[track_caller]
fn assert_passed(result: &TestIntegrationResponse) {
    assert!(result.success, "expected success: {}", result.message);
}

#[track_caller]
fn assert_resolve_failed(result: &TestIntegrationResponse, needles: &[&str]) {
    common::assert_failed(result, "resolve", "MYSQL_PWD");
    for needle in needles {
        assert!(
            result.message.contains(needle),
            "{needle:?} not in {:?}",
            result.message
        );
    }
}

/// A MariaDB user with a random password, dropped when the guard goes.
struct MariaUser {
    name: String,
    password: String,
}

fn mariadb() -> mysql_async::Pool {
    mysql_async::Pool::new("mysql://root@127.0.0.1:3306/test")
}

impl MariaUser {
    async fn create() -> Self {
        let user = Self {
            name: format!("ls_{}", random(10).to_lowercase()),
            password: random(24),
        };
        let mut conn = mariadb()
            .get_conn()
            .await
            .expect("MariaDB at 127.0.0.1:3306");
        conn.query_drop(format!(
            "CREATE USER '{}'@'%' IDENTIFIED BY '{}'",
            user.name, user.password
        ))
        .await
        .unwrap();
        conn.query_drop(format!("GRANT SELECT ON test.* TO '{}'@'%'", user.name))
            .await
            .unwrap();
        user
    }

    async fn set_password(&mut self, password: String) {
        let mut conn = mariadb().get_conn().await.unwrap();
        conn.query_drop(format!(
            "ALTER USER '{}'@'%' IDENTIFIED BY '{password}'",
            self.name
        ))
        .await
        .unwrap();
        self.password = password;
    }
}

impl Drop for MariaUser {
    fn drop(&mut self) {
        let statement = format!("DROP USER IF EXISTS '{}'@'%'", self.name);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut conn) = mariadb().get_conn().await {
                    let _ = conn.query_drop(statement).await;
                }
            });
        })
        .join();
    }
}

/// Runs tests/python/moto_secrets.py (boto3) against `moto` as `key`, `value` on stdin.
fn moto_secret(moto: &Moto, key: &Key, operation: &str, name: &str, value: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/moto_secrets.py");
    let mut child = Command::new(common::venv_python())
        .arg(script)
        .args([&moto.url(), &key.id, &key.secret, operation, name])
        .env("NO_PROXY", "*")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "moto_secrets.py {operation} {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const AWS_STORE: &str = "aws:123456789012:us-east-1";

#[tokio::test(flavor = "multi_thread")]
async fn aws_secrets_manager_in_moto_resolves_rotates_and_refuses() {
    let moto = tokio::task::spawn_blocking(Moto::start).await.unwrap();
    let mut user = MariaUser::create().await;
    let name = format!("prod/mysql/{}", random(8));
    let first_password = user.password.clone();
    moto_secret(&moto, &moto.checker, "create", &name, &user.password);
    let endpoint = moto.url();
    let serve = Serve::start(
        AWS_STORE,
        &[
            ("AWS_ACCESS_KEY_ID", &moto.checker.id),
            ("AWS_SECRET_ACCESS_KEY", &moto.checker.secret),
            ("AWS_ENDPOINT_URL", &endpoint),
            ("SOURCEDECK_LINKED_SECRET_TTL_SECONDS", "1"),
        ],
    );
    assert_passed(&serve.test_mysql(&user.name, &name).await);

    // Rotation: the database and the secret get a new password; once the cached value expires
    // the new version is read and the test passes again.
    let second_password = random(24);
    user.set_password(second_password.clone()).await;
    moto_secret(&moto, &moto.checker, "put", &name, &second_password);
    serve
        .poll_mysql(&user.name, &name, |result| result.success)
        .await;

    // A missing secret, then the linked secret deleted: resolve fails naming key, name, store.
    let missing = serve
        .test_mysql(&user.name, "prod/mysql/never-created")
        .await;
    assert_resolve_failed(
        &missing,
        &["\"prod/mysql/never-created\"", AWS_STORE, "not found"],
    );
    moto_secret(&moto, &moto.checker, "delete", &name, "");
    let deleted = serve
        .poll_mysql(&user.name, &name, |result| {
            result.message.starts_with("resolve failed")
        })
        .await;
    assert_resolve_failed(&deleted, &[&format!("{name:?}"), AWS_STORE, "not found"]);

    // A binary secret whose bytes are the password.
    let binary = format!("prod/mysql/binary-{}", random(6));
    moto_secret(
        &moto,
        &moto.checker,
        "create-binary",
        &binary,
        &second_password,
    );
    assert_passed(&serve.test_mysql(&user.name, &binary).await);

    // A key without permission: moto's IAM refuses with AccessDeniedException.
    let refused = Serve::start(
        AWS_STORE,
        &[
            ("AWS_ACCESS_KEY_ID", &moto.nobody.id),
            ("AWS_SECRET_ACCESS_KEY", &moto.nobody.secret),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &endpoint),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ],
    );
    let denied = refused.test_mysql(&user.name, &binary).await;
    assert_resolve_failed(
        &denied,
        &["access denied", "secretsmanager:GetSecretValue", AWS_STORE],
    );

    // Credentials from a named profile in the shared credentials file.
    let profile_dir = tempfile::tempdir().unwrap();
    let credentials = profile_dir.path().join("credentials");
    std::fs::write(
        &credentials,
        format!("[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            moto.nobody.id, moto.nobody.secret, moto.checker.id, moto.checker.secret),
    )
    .unwrap();
    let from_profile = Serve::start(
        AWS_STORE,
        &[
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
            ("AWS_PROFILE", "ci"),
            ("AWS_ENDPOINT_URL", &endpoint),
        ],
    );
    assert_passed(&from_profile.test_mysql(&user.name, &binary).await);

    // A web identity: serve trades the token file for the role's keys at STS (moto's), then
    // reads the secret with them; the role may read secrets and nothing else.
    let web_token = format!("eyJ{}", random(40));
    let token_file = profile_dir.path().join("web-identity-token");
    std::fs::write(&token_file, &web_token).unwrap();
    let from_web_identity = Serve::start(
        AWS_STORE,
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap()),
            ("AWS_ROLE_ARN", &moto.secrets_reader_role),
            ("AWS_ENDPOINT_URL", &endpoint),
        ],
    );
    moto.allow_unsigned(1);
    assert_passed(&from_web_identity.test_mysql(&user.name, &binary).await);
    assert!(
        !from_web_identity.log_text().contains(&web_token),
        "the web identity token is in the serve log"
    );

    // No credentials anywhere: resolve says which variables or files to set, and no network.
    let bare = Serve::start(AWS_STORE, &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]);
    let none = bare.test_mysql(&user.name, &binary).await;
    assert_resolve_failed(&none, &["no usable credentials", "AWS_ACCESS_KEY_ID"]);

    for server in [&serve, &refused, &from_profile, &from_web_identity, &bare] {
        let log = server.log_text();
        for value in [&first_password, &second_password] {
            assert!(
                !log.contains(value.as_str()),
                "a resolved value is in the serve log"
            );
        }
    }
    for result in [&missing, &deleted, &denied, &none] {
        for value in [&first_password, &second_password] {
            assert!(
                !result.message.contains(value.as_str()),
                "{}",
                result.message
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gcp_secret_manager_stand_in_resolves_with_a_service_account() {
    let peer = SecretManagerPeer::start(Flavor::Gcp).await;
    let user = MariaUser::create().await;
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("service-account.json");
    std::fs::write(&key_file, peer.service_account_json()).unwrap();
    peer.set("mysql-password", &user.password);
    let store = format!("gcp:{}", secret_managers::GCP_PROJECT);
    let serve = Serve::start(
        &store,
        &[
            ("GOOGLE_APPLICATION_CREDENTIALS", key_file.to_str().unwrap()),
            ("CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER", &peer.url()),
            ("SOURCEDECK_LINKED_SECRET_TTL_SECONDS", "0"),
        ],
    );
    assert_passed(&serve.test_mysql(&user.name, "mysql-password").await);
    let denied = serve.test_mysql(&user.name, "forbidden-password").await;
    assert_resolve_failed(
        &denied,
        &["access denied", "secretmanager.versions.access", &store],
    );
    peer.delete("mysql-password");
    let deleted = serve.test_mysql(&user.name, "mysql-password").await;
    assert_resolve_failed(&deleted, &["\"mysql-password\"", &store, "not found"]);
    for message in [&denied.message, &deleted.message] {
        assert!(
            !message.contains(secret_managers::ACCESS_TOKEN),
            "{message}"
        );
    }
    let log = serve.log_text();
    assert!(!log.contains(&user.password) && !log.contains(secret_managers::ACCESS_TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn azure_key_vault_stand_in_resolves_with_client_credentials() {
    let peer = SecretManagerPeer::start(Flavor::Azure).await;
    let user = MariaUser::create().await;
    peer.set("mysql-password", &user.password);
    let azure = [
        ("AZURE_TENANT_ID", secret_managers::AZURE_TENANT),
        ("AZURE_CLIENT_ID", secret_managers::AZURE_CLIENT_ID),
        ("AZURE_CLIENT_SECRET", secret_managers::AZURE_CLIENT_SECRET),
    ];
    let url = peer.url();
    let mut env = azure.to_vec();
    env.extend([
        ("AZURE_AUTHORITY_HOST", url.as_str()),
        ("SOURCEDECK_AZURE_VAULT_URL", url.as_str()),
        ("SOURCEDECK_LINKED_SECRET_TTL_SECONDS", "0"),
    ]);
    let serve = Serve::start("azure:demo-vault", &env);
    assert_passed(&serve.test_mysql(&user.name, "mysql-password").await);
    let denied = serve.test_mysql(&user.name, "forbidden-password").await;
    assert_resolve_failed(
        &denied,
        &["access denied", "secrets/get", "azure:demo-vault"],
    );
    peer.delete("mysql-password");
    let deleted = serve.test_mysql(&user.name, "mysql-password").await;
    assert_resolve_failed(
        &deleted,
        &["\"mysql-password\"", "azure:demo-vault", "not found"],
    );

    // A wrong client secret: the token endpoint's refusal, never the secret itself.
    let wrong_secret = "wrong-client-secret-Zr55";
    let mut env = env.clone();
    env[2] = ("AZURE_CLIENT_SECRET", wrong_secret);
    let refused = Serve::start("azure:demo-vault", &env);
    let result = refused.test_mysql(&user.name, "mysql-password").await;
    assert_resolve_failed(
        &result,
        &["invalid_client", secret_managers::AZURE_CLIENT_ID],
    );
    assert!(!result.message.contains(wrong_secret), "{}", result.message);
    for server in [&serve, &refused] {
        let log = server.log_text();
        assert!(!log.contains(&user.password) && !log.contains(wrong_secret));
        assert!(!log.contains(secret_managers::AZURE_CLIENT_SECRET));
    }
}
