//! TestIntegration for the cloud-API kinds through the real RPC: Athena, DynamoDB and Kinesis
//! against moto's server mode (which recomputes every SigV4 signature with botocore and applies
//! IAM policies), BigQuery, Spanner and Pub/Sub against a loopback peer that verifies the
//! service-account JWT; plus closed ports, a silent listener hitting the deadline, a self-signed
//! certificate, and no secret in any message. All traffic stays on 127.0.0.1.

use crate::peers::google;
use crate::peers::moto;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::certs::{rsa_key, self_signed};
use crate::common::{
    Api, SilentListener, TestServer, assert_failed, assert_kept_a_1s_deadline, closed_port,
    literals,
};
use google::GooglePeer;
use moto::Moto;
use sourcedeck::proto::{IntegrationKind, TestIntegrationRequest, TestIntegrationResponse};
use tokio::net::TcpListener;

/// The outer bound of any await in these tests.
const TEST_BOUND: Duration = Duration::from_secs(120);

async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_BOUND, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {TEST_BOUND:?}"))
}

/// TestIntegration on the shared [`Api`].
impl Api {
    async fn run_check(
        &self,
        kind: IntegrationKind,
        pairs: &[(&str, &str)],
        include_preview: bool,
    ) -> TestIntegrationResponse {
        let request = self.headers.request(TestIntegrationRequest {
            kind: kind as i32,
            config: literals(pairs),
            include_preview: Some(include_preview),
            ..Default::default()
        });
        bounded(
            "TestIntegration",
            self.client.clone().test_integration(request),
        )
        .await
        .expect("TestIntegration answers")
        .into_inner()
    }

    /// Tests a draft without a preview; it must fail at `stage` with `needle` in its message and
    /// show none of `secrets`.
    async fn test_fails(
        &self,
        kind: IntegrationKind,
        pairs: &[(&str, &str)],
        stage: &str,
        needle: &str,
        secrets: &[&str],
    ) -> TestIntegrationResponse {
        let result = self.run_check(kind, pairs, false).await;
        assert_failed(&result, stage, needle);
        assert_no_secret(&result, secrets);
        result
    }
}

#[track_caller]
fn assert_passed(result: &TestIntegrationResponse) {
    assert!(result.success, "expected success: {}", result.message);
    assert!(!result.message.contains('\n'), "{}", result.message);
}

/// Asserts success with each of `needles` in the one-line message.
#[track_caller]
fn assert_passed_with(result: &TestIntegrationResponse, needles: &[&str]) {
    assert_passed(result);
    for needle in needles {
        assert!(result.message.contains(needle), "{}", result.message);
    }
}

/// A draft that must fail at resolve: its kind, its config, and what the message says.
type Unresolvable<'a> = (IntegrationKind, &'a [(&'a str, &'a str)], &'a str);

/// Tests each draft and asserts it fails at resolve with its needle.
async fn assert_resolve_fails(api: &Api, drafts: &[Unresolvable<'_>]) {
    for (kind, pairs, needle) in drafts {
        let result = api.run_check(*kind, pairs, false).await;
        assert_failed(&result, "resolve", needle);
    }
}

/// Asserts none of `secrets` appears in the message or a previewed message.
#[track_caller]
fn assert_no_secret(result: &TestIntegrationResponse, secrets: &[&str]) {
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        assert!(
            !result.message.contains(secret),
            "a secret leaked into: {}",
            result.message
        );
        for preview in &result.preview_messages {
            assert!(!format!("{preview:?}").contains(secret), "{preview:?}");
        }
    }
}

async fn start_moto() -> Moto {
    bounded("moto start", tokio::task::spawn_blocking(Moto::start))
        .await
        .expect("moto starts")
}

// ---------------------------------------------------------------------------------------------
// AWS: Athena, DynamoDB, Kinesis against moto
// ---------------------------------------------------------------------------------------------

fn athena_config<'a>(url: &'a str, id: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("ATHENA_AWS_REGION", "us-east-1"),
        ("ATHENA_S3_STAGING_DIR", "s3://results/chalk"),
        ("ATHENA_AWS_ACCESS_KEY_ID", id),
        ("ATHENA_AWS_ACCESS_KEY_SECRET", secret),
        ("AWS_ENDPOINT_URL_ATHENA", url),
    ]
}

fn dynamodb_config<'a>(url: &'a str, id: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("DYNAMODB_AWS_REGION_OVERRIDE", "us-east-1"),
        ("DYNAMODB_AWS_CLIENT_ID_OVERRIDE", id),
        ("DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE", secret),
        ("DYNAMODB_ENDPOINT_OVERRIDE", url),
    ]
}

fn kinesis_config<'a>(
    url: &'a str,
    id: &'a str,
    secret: &'a str,
    stream: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("KINESIS_REGION_NAME", "us-east-1"),
        ("KINESIS_STREAM_NAME", stream),
        ("KINESIS_AWS_ACCESS_KEY_ID", id),
        ("KINESIS_AWS_SECRET_ACCESS_KEY", secret),
        ("KINESIS_ENDPOINT_URL", url),
    ]
}

const WRONG_SECRET: &str = "wrong-secret-Hq82nX0pLw7";

#[tokio::test]
async fn athena_against_moto_signs_in_finds_the_work_group_and_names_each_failure() {
    let moto = start_moto().await;
    let api = Api::start().await;
    let url = moto.url();
    let key = &moto.checker;

    let mut config = athena_config(&url, &key.id, &key.secret);
    config.push(("ATHENA_WORK_GROUP", "analytics"));
    let passed = api.run_check(IntegrationKind::Athena, &config, false).await;
    assert_passed_with(&passed, &["work group \"analytics\" is ENABLED"]);
    assert_no_secret(&passed, &[&key.secret]);

    // Without ATHENA_WORK_GROUP the check reads Athena's default work group.
    let default = athena_config(&url, &key.id, &key.secret);
    let passed = api
        .run_check(IntegrationKind::Athena, &default, false)
        .await;
    assert_passed_with(&passed, &["work group \"primary\" is ENABLED"]);

    let wrong = athena_config(&url, &key.id, WRONG_SECRET);
    api.test_fails(
        IntegrationKind::Athena,
        &wrong,
        "authenticate",
        "SignatureDoesNotMatch",
        &[WRONG_SECRET, &key.secret],
    )
    .await;

    let unknown = athena_config(&url, "AKIAUNKNOWNKEY000000", &key.secret);
    api.test_fails(
        IntegrationKind::Athena,
        &unknown,
        "authenticate",
        "InvalidClientTokenId",
        &[&key.secret],
    )
    .await;

    let mut missing = athena_config(&url, &key.id, &key.secret);
    missing.push(("ATHENA_WORK_GROUP", "no-such-group"));
    api.test_fails(
        IntegrationKind::Athena,
        &missing,
        "query",
        "work group \"no-such-group\" does not exist",
        &[],
    )
    .await;

    let nobody = athena_config(&url, &moto.nobody.id, &moto.nobody.secret);
    api.test_fails(
        IntegrationKind::Athena,
        &nobody,
        "query",
        "AccessDenied",
        &[&moto.nobody.secret],
    )
    .await;
}

#[tokio::test]
async fn dynamodb_against_moto_lists_a_table_and_refuses_bad_or_unprivileged_keys() {
    let moto = start_moto().await;
    let api = Api::start().await;
    let url = moto.url();
    let key = &moto.checker;

    let passed = api
        .run_check(
            IntegrationKind::Dynamodb,
            &dynamodb_config(&url, &key.id, &key.secret),
            false,
        )
        .await;
    assert_passed_with(&passed, &["first table \"orders\""]);
    assert_no_secret(&passed, &[&key.secret]);

    let result = api
        .test_fails(
            IntegrationKind::Dynamodb,
            &dynamodb_config(&url, &key.id, WRONG_SECRET),
            "authenticate",
            "SignatureDoesNotMatch",
            &[WRONG_SECRET, &key.secret],
        )
        .await;
    assert!(
        result
            .message
            .contains("DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE"),
        "{}",
        result.message
    );

    // DynamoDB's config names no table, so the resource it can miss is the permission to list.
    let nobody = dynamodb_config(&url, &moto.nobody.id, &moto.nobody.secret);
    let result = api
        .test_fails(
            IntegrationKind::Dynamodb,
            &nobody,
            "query",
            "AccessDenied",
            &[&moto.nobody.secret],
        )
        .await;
    assert!(
        result.message.contains("dynamodb:ListTables"),
        "{}",
        result.message
    );
}

#[tokio::test]
async fn kinesis_against_moto_describes_the_stream_and_previews_its_records() {
    let moto = start_moto().await;
    let api = Api::start().await;
    let url = moto.url();
    let key = &moto.checker;

    let config = kinesis_config(&url, &key.id, &key.secret, "clicks");
    let passed = api.run_check(IntegrationKind::Kinesis, &config, true).await;
    assert_passed_with(
        &passed,
        &[
            "stream \"clicks\" is ACTIVE with 1 open shard",
            "previewed 3",
        ],
    );
    let values: Vec<Vec<u8>> = passed
        .preview_messages
        .iter()
        .map(|message| decode(&message.value_base64))
        .collect();
    assert_eq!(
        values,
        [
            b"click-0".to_vec(),
            b"click-1".to_vec(),
            b"click-2".to_vec()
        ]
    );
    let first = &passed.preview_messages[0];
    assert_eq!(
        first.key_base64.as_deref().map(decode),
        Some(b"user-0".to_vec())
    );
    assert_eq!(first.topic, "clicks");
    assert!(first.partition.starts_with("shardId-"), "{first:?}");
    assert!(!first.offset.is_empty(), "{first:?}");
    assert!(first.timestamp_ms > 1_600_000_000_000, "{first:?}");
    assert_no_secret(&passed, &[&key.secret]);

    // Reading did not consume: a second preview sees the same records.
    let again = api.run_check(IntegrationKind::Kinesis, &config, true).await;
    assert_eq!(again.preview_messages.len(), 3, "{}", again.message);

    let without = api
        .run_check(IntegrationKind::Kinesis, &config, false)
        .await;
    assert_passed(&without);
    assert!(without.preview_messages.is_empty());

    // A stream ARN names the stream and its region on its own.
    let by_arn = [
        (
            "KINESIS_STREAM_ARN",
            "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
        ),
        ("KINESIS_AWS_ACCESS_KEY_ID", key.id.as_str()),
        ("KINESIS_AWS_SECRET_ACCESS_KEY", key.secret.as_str()),
        ("KINESIS_ENDPOINT_URL", url.as_str()),
    ];
    let passed = api.run_check(IntegrationKind::Kinesis, &by_arn, true).await;
    assert_passed(&passed);
    assert_eq!(passed.preview_messages.len(), 3, "{}", passed.message);

    let missing = kinesis_config(&url, &key.id, &key.secret, "no-such-stream");
    api.test_fails(
        IntegrationKind::Kinesis,
        &missing,
        "query",
        "ResourceNotFoundException",
        &[],
    )
    .await;

    let wrong = kinesis_config(&url, &key.id, WRONG_SECRET, "clicks");
    api.test_fails(
        IntegrationKind::Kinesis,
        &wrong,
        "authenticate",
        "SignatureDoesNotMatch",
        &[WRONG_SECRET, &key.secret],
    )
    .await;
}

fn decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

#[tokio::test]
async fn aws_kinds_against_a_closed_port_say_connection_refused() {
    let api = Api::start().await;
    let url = format!("http://127.0.0.1:{}", closed_port());
    let port = url.rsplit(':').next().unwrap_or_default().to_string();
    for (kind, config) in [
        (
            IntegrationKind::Athena,
            athena_config(&url, "AKID", WRONG_SECRET),
        ),
        (
            IntegrationKind::Dynamodb,
            dynamodb_config(&url, "AKID", WRONG_SECRET),
        ),
        (
            IntegrationKind::Kinesis,
            kinesis_config(&url, "AKID", WRONG_SECRET, "s"),
        ),
    ] {
        let result = api.run_check(kind, &config, false).await;
        assert_failed(&result, "connect", "connection refused by 127.0.0.1:");
        assert!(result.message.contains(&port), "{}", result.message);
        assert_no_secret(&result, &[WRONG_SECRET]);
    }
}

#[tokio::test]
async fn an_aws_check_against_a_silent_listener_times_out_while_authenticating() {
    let api = Api::over(TestServer::with_test_timeout(Duration::from_secs(1)).await).await;
    let silent = SilentListener::start().await;
    let url = format!("http://127.0.0.1:{}", silent.port);
    let started = Instant::now();
    let result = api
        .run_check(
            IntegrationKind::Dynamodb,
            &dynamodb_config(&url, "AKID", WRONG_SECRET),
            false,
        )
        .await;
    let took = started.elapsed();
    assert_failed(&result, "authenticate", "timed out after 1.0 s");
    assert_kept_a_1s_deadline(took, &result);
    assert_no_secret(&result, &[WRONG_SECRET]);

    // Over https the same listener never completes the handshake: the TLS stage times out.
    let url = format!("https://localhost:{}", silent.port);
    api.test_fails(
        IntegrationKind::Kinesis,
        &kinesis_config(&url, "AKID", WRONG_SECRET, "clicks"),
        "TLS",
        "timed out after 1.0 s",
        &[],
    )
    .await;
}

#[tokio::test]
async fn aws_checks_name_missing_keys_and_credentials() {
    let api = Api::start().await;
    assert_resolve_fails(
        &api,
        &[
            (
                IntegrationKind::Athena,
                &[("ATHENA_S3_STAGING_DIR", "s3://b/p")],
                "ATHENA_AWS_REGION is not set",
            ),
            (
                IntegrationKind::Kinesis,
                &[("KINESIS_REGION_NAME", "us-east-1")],
                "KINESIS_STREAM_NAME is not set",
            ),
            (
                IntegrationKind::Dynamodb,
                &[],
                "DYNAMODB_AWS_REGION_OVERRIDE is not set (the test does not read the AWS integration's region)",
            ),
        ],
    )
    .await;

    let silent = SilentListener::start().await;
    let url = format!("http://127.0.0.1:{}", silent.port);
    api.test_fails(
        IntegrationKind::Dynamodb,
        &[
            ("DYNAMODB_AWS_REGION_OVERRIDE", "us-east-1"),
            ("DYNAMODB_ENDPOINT_OVERRIDE", &url),
        ],
        "authenticate",
        "set DYNAMODB_AWS_CLIENT_ID_OVERRIDE and DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE",
        &[],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

/// A TLS listener on 127.0.0.1 with a self-signed certificate for localhost made by openssl
/// (`extra` adds extensions); answers nothing after the handshake. Aborted on drop.
async fn self_signed_listener(extra: &[&str]) -> (SilentListener, String) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut extensions = vec!["subjectAltName=DNS:localhost,IP:127.0.0.1"];
    extensions.extend_from_slice(extra);
    let (certificate, key) = self_signed(dir.path(), "self", "localhost", &extensions);
    let private_key_pem = std::fs::read_to_string(&key).expect("key");
    let certificate = CertificateDer::from_pem_file(certificate).expect("cert");
    let key = PrivateKeyDer::from_pem_file(key).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![certificate], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            if let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
            {
                held.push(tls);
            }
        }
    });
    (SilentListener { port, task }, private_key_pem)
}

#[tokio::test]
async fn an_https_endpoint_with_a_self_signed_certificate_fails_tls_saying_so() {
    let api = Api::start().await;
    for extra in [
        &["basicConstraints=critical,CA:FALSE"][..],
        &[][..], // openssl's default: a CA certificate serving as its own leaf
    ] {
        let (listener, private_key) = self_signed_listener(extra).await;
        let url = format!("https://localhost:{}", listener.port);
        let result = api
            .test_fails(
                IntegrationKind::Athena,
                &athena_config(&url, "AKID", WRONG_SECRET),
                "TLS",
                "certificate not trusted: self-signed",
                &[WRONG_SECRET],
            )
            .await;
        let key_body: String = private_key.lines().nth(1).unwrap_or_default().into();
        assert_no_secret(&result, &[&key_body]);
    }
}

// ---------------------------------------------------------------------------------------------
// Google: BigQuery, Spanner, Pub/Sub against the loopback peer
// ---------------------------------------------------------------------------------------------

/// An RSA key the peer does not trust, made by openssl for this test.
fn untrusted_key_pem() -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::read_to_string(rsa_key(dir.path(), "k.pem")).expect("key")
}

/// The secrets a Google check must never show: the key's body, the base64 JSON, the token.
fn google_secrets(credentials: &str) -> Vec<String> {
    let key_line = google::TEST_KEY_PEM.lines().nth(1).unwrap_or_default();
    vec![
        key_line.to_string(),
        credentials.to_string(),
        google::ACCESS_TOKEN.to_string(),
    ]
}

#[track_caller]
fn assert_no_google_secret(result: &TestIntegrationResponse, credentials: &str) {
    let secrets = google_secrets(credentials);
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(result, &refs);
}

fn bigquery_config<'a>(
    peer: &'a str,
    credentials: &'a str,
    dataset: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("BQ_PROJECT", google::PROJECT),
        ("BQ_DATASET", dataset),
        ("BQ_CREDENTIALS_BASE64", credentials),
        ("BIGQUERY_EMULATOR_HOST", peer),
    ]
}

fn spanner_config<'a>(
    peer: &'a str,
    credentials: &'a str,
    database: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("SPANNER_PROJECT", google::PROJECT),
        ("SPANNER_INSTANCE", google::INSTANCE),
        ("SPANNER_DATABASE", database),
        ("SPANNER_CREDENTIALS_BASE64", credentials),
        ("SPANNER_EMULATOR_HOST", peer),
    ]
}

fn pubsub_config<'a>(
    peer: &'a str,
    credentials: &'a str,
    subscription: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("PUBSUB_PROJECT_ID", google::PROJECT),
        ("PUBSUB_SUBSCRIPTION_ID", subscription),
        ("PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64", credentials),
        ("PUBSUB_EMULATOR_HOST", peer),
    ]
}

/// A Google kind's config: (peer address, base64 service-account JSON, the resource checked).
type GoogleConfig = for<'a> fn(&'a str, &'a str, &'a str) -> Vec<(&'a str, &'a str)>;

/// A signed-in Google peer, a server, and one kind's config: each check of a kind tries a trusted
/// key, then a missing resource, then a key the peer does not trust.
struct GoogleCase {
    peer: GooglePeer,
    api: Api,
    address: String,
    credentials: String,
    kind: IntegrationKind,
    config: GoogleConfig,
}

impl GoogleCase {
    async fn start(kind: IntegrationKind, config: GoogleConfig) -> Self {
        let peer = GooglePeer::start(true).await;
        let api = Api::start().await;
        let address = peer.address();
        let credentials = google::credentials_b64(google::TEST_KEY_PEM, &peer.token_uri());
        Self {
            peer,
            api,
            address,
            credentials,
            kind,
            config,
        }
    }

    /// Tests the kind signing in with `credentials` and checking `resource`.
    async fn check(
        &self,
        credentials: &str,
        resource: &str,
        include_preview: bool,
    ) -> TestIntegrationResponse {
        let config = (self.config)(&self.address, credentials, resource);
        self.api
            .run_check(self.kind, &config, include_preview)
            .await
    }

    /// Checks `resource`, which does not exist, with the trusted key: fails at query with `needle`.
    async fn assert_missing_fails(&self, resource: &str, needle: &str) -> TestIntegrationResponse {
        let result = self.check(&self.credentials, resource, false).await;
        assert_failed(&result, "query", needle);
        result
    }

    /// Checks `resource` signing in with a key the peer does not trust: fails at authenticate
    /// with `needle`, showing none of those credentials. Returns the result and the key (PEM).
    async fn assert_untrusted_key_fails(
        &self,
        resource: &str,
        needle: &str,
    ) -> (TestIntegrationResponse, String) {
        let untrusted = untrusted_key_pem();
        let wrong = google::credentials_b64(&untrusted, &self.peer.token_uri());
        let result = self.check(&wrong, resource, false).await;
        assert_failed(&result, "authenticate", needle);
        assert_no_google_secret(&result, &wrong);
        (result, untrusted)
    }
}

#[tokio::test]
async fn bigquery_signs_in_with_the_service_account_and_finds_the_dataset() {
    let case = GoogleCase::start(IntegrationKind::Bigquery, bigquery_config).await;
    let credentials = case.credentials.as_str();

    let passed = case.check(credentials, google::DATASET, false).await;
    assert_passed_with(
        &passed,
        &[
            &format!("signed in as {}", google::CLIENT_EMAIL),
            "BigQuery dataset demo-project:analytics found in US",
        ],
    );
    assert_eq!(case.peer.tokens_issued(), 1);
    assert_no_google_secret(&passed, credentials);

    let result = case
        .assert_missing_fails(
            "missing",
            "NOT_FOUND: Not found: Dataset demo-project:missing",
        )
        .await;
    assert_no_google_secret(&result, credentials);

    let (result, untrusted) = case
        .assert_untrusted_key_fails(google::DATASET, "invalid_grant: Invalid JWT Signature.")
        .await;
    assert!(
        result.message.contains("BQ_CREDENTIALS_BASE64"),
        "{}",
        result.message
    );
    let untrusted_line = untrusted.lines().nth(1).unwrap_or_default();
    assert_no_secret(&result, &[untrusted_line]);

    // Without a key against an endpoint that wants one: the API's 401 is the authenticate stage.
    let no_key = [
        ("BQ_PROJECT", google::PROJECT),
        ("BQ_DATASET", google::DATASET),
        ("BIGQUERY_EMULATOR_HOST", case.address.as_str()),
    ];
    let result = case
        .api
        .run_check(IntegrationKind::Bigquery, &no_key, false)
        .await;
    assert_failed(
        &result,
        "authenticate",
        "the access token was refused: UNAUTHENTICATED",
    );
    assert!(
        result
            .message
            .contains("(no key was sent: set BQ_CREDENTIALS_BASE64)"),
        "{}",
        result.message
    );
}

#[tokio::test]
async fn spanner_runs_select_1_in_a_session_and_names_a_missing_database() {
    let case = GoogleCase::start(IntegrationKind::Spanner, spanner_config).await;
    let credentials = case.credentials.as_str();

    let passed = case.check(credentials, google::DATABASE, false).await;
    assert_passed_with(
        &passed,
        &["Spanner database demo-project/main/orders: SELECT 1 ok"],
    );
    assert_no_google_secret(&passed, credentials);

    case.assert_missing_fails(
        "nope",
        "NOT_FOUND: Database not found: projects/demo-project/instances/main/databases/nope",
    )
    .await;
    case.assert_untrusted_key_fails(google::DATABASE, "Invalid JWT Signature")
        .await;
}

#[tokio::test]
async fn a_spanner_emulator_without_a_key_is_read_without_sign_in() {
    let emulator = GooglePeer::start(false).await;
    let api = Api::start().await;
    let address = emulator.address();
    let config = [
        ("SPANNER_PROJECT", google::PROJECT),
        ("SPANNER_INSTANCE", google::INSTANCE),
        ("SPANNER_DATABASE", google::DATABASE),
        ("SPANNER_EMULATOR_HOST", address.as_str()),
    ];
    let passed = api
        .run_check(IntegrationKind::Spanner, &config, false)
        .await;
    assert_passed_with(&passed, &["no key, so no sign-in"]);
    assert_eq!(emulator.tokens_issued(), 0);
}

#[tokio::test]
async fn pubsub_finds_the_subscription_and_explains_why_it_offers_no_preview() {
    let case = GoogleCase::start(IntegrationKind::Pubsub, pubsub_config).await;
    let credentials = case.credentials.as_str();

    let passed = case.check(credentials, google::SUBSCRIPTION, true).await;
    assert_passed_with(
        &passed,
        &[
            "subscription demo-project/events-sub found on projects/demo-project/topics/events",
            "no preview for Pub/Sub",
        ],
    );
    assert!(passed.preview_messages.is_empty());
    assert_no_google_secret(&passed, credentials);

    case.assert_missing_fails("gone", "NOT_FOUND: Resource not found (resource=gone).")
        .await;
    case.assert_untrusted_key_fails(
        google::SUBSCRIPTION,
        "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64",
    )
    .await;
}

#[tokio::test]
async fn google_checks_say_connection_refused_for_the_api_or_the_token_endpoint() {
    let api = Api::start().await;
    let closed = format!("127.0.0.1:{}", closed_port());
    let credentials = google::credentials_b64(google::TEST_KEY_PEM, "http://127.0.0.1:1/token");
    let result = api
        .test_fails(
            IntegrationKind::Bigquery,
            &bigquery_config(&closed, &credentials, google::DATASET),
            "connect",
            &format!("connection refused by {closed}"),
            &[],
        )
        .await;
    assert_no_google_secret(&result, &credentials);

    let peer = GooglePeer::start(true).await;
    let token_uri = format!("http://{}/token", closed);
    let credentials = google::credentials_b64(google::TEST_KEY_PEM, &token_uri);
    let result = api
        .test_fails(
            IntegrationKind::Pubsub,
            &pubsub_config(&peer.address(), &credentials, google::SUBSCRIPTION),
            "authenticate",
            &format!("token endpoint http://{closed}/token: connection refused by {closed}"),
            &[],
        )
        .await;
    assert_no_google_secret(&result, &credentials);
}

#[tokio::test]
async fn a_google_check_whose_token_endpoint_never_answers_times_out_while_authenticating() {
    let api = Api::over(TestServer::with_test_timeout(Duration::from_secs(1)).await).await;
    let peer = GooglePeer::start(true).await;
    let silent = SilentListener::start().await;
    let credentials = google::credentials_b64(
        google::TEST_KEY_PEM,
        &format!("http://127.0.0.1:{}/token", silent.port),
    );
    let started = Instant::now();
    let result = api
        .run_check(
            IntegrationKind::Pubsub,
            &pubsub_config(&peer.address(), &credentials, google::SUBSCRIPTION),
            false,
        )
        .await;
    let took = started.elapsed();
    assert_failed(&result, "authenticate", "timed out after 1.0 s");
    assert!(
        took < Duration::from_secs(8),
        "took {took:?} with a 1 s deadline"
    );
    assert_no_google_secret(&result, &credentials);
}

#[tokio::test]
async fn google_checks_name_missing_keys_at_resolve() {
    let api = Api::start().await;
    assert_resolve_fails(
        &api,
        &[
            (
                IntegrationKind::Bigquery,
                &[("BQ_PROJECT", "p")],
                "BQ_DATASET is not set",
            ),
            (
                IntegrationKind::Spanner,
                &[("SPANNER_PROJECT", "p"), ("SPANNER_DATABASE", "d")],
                "SPANNER_INSTANCE is not set",
            ),
            (
                IntegrationKind::Pubsub,
                &[("PUBSUB_SUBSCRIPTION_ID", "s")],
                "PUBSUB_PROJECT_ID is not set",
            ),
        ],
    )
    .await;
}
