//! How long listing takes at 1,000 integrations, layer by layer: the store (SQLite read plus
//! decrypting every value), the catalog warnings computed for every integration, and the whole
//! ListIntegrations round trip through a real in-process `serve` and the client session.
//! Run with `cargo bench --bench list`; criterion prints the figures.

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use sourcedeck::client::Session;
use sourcedeck::client::credentials::{Auth, CredentialSource, Credentials};
use sourcedeck::domain::secret_ref::{SecretStore, parse_reference};
use sourcedeck::domain::validate;
use sourcedeck::domain::{ConfigValue, Kind, Secret};
use sourcedeck::server::store::Store;
use sourcedeck::server::{self, ClientCredential, ServeOptions};

const COUNT: usize = 1_000;

fn postgres_config(index: usize) -> BTreeMap<String, ConfigValue> {
    let literal = |value: String| ConfigValue::Literal(Secret::new(value));
    BTreeMap::from([
        ("PGHOST".to_string(), literal(format!("db{index}.internal"))),
        ("PGPORT".to_string(), literal("5432".into())),
        ("PGDATABASE".to_string(), literal("app".into())),
        ("PGUSER".to_string(), literal("reader".into())),
        (
            "PGPASSWORD".to_string(),
            literal(format!("password-{index}")),
        ),
    ])
}

fn fill(store: &Store, environment_id: &str) {
    for index in 0..COUNT {
        store
            .insert(
                environment_id,
                &format!("source_{index:04}"),
                Kind::Postgresql.to_wire() as i32,
                &postgres_config(index),
            )
            .expect("insert");
    }
}

fn store_and_validation(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open store");
    let environment = store.environment("default").expect("environment");
    fill(&store, &environment.id);
    c.bench_function("store.list (1000 integrations, 5000 sealed values)", |b| {
        b.iter(|| store.list(&environment.id).expect("list"))
    });
    let records = store.list(&environment.id).expect("list");
    c.bench_function("validate::warnings for 1000 configs", |b| {
        b.iter(|| {
            records
                .iter()
                .map(|record| {
                    validate::warnings(
                        Kind::Postgresql,
                        record
                            .config
                            .iter()
                            .map(|(key, stored)| (key.as_str(), stored.value.as_view())),
                    )
                    .len()
                })
                .sum::<usize>()
        })
    });
    let aws = SecretStore::Aws {
        account: "123456789012".into(),
        region: "us-east-1".into(),
    };
    c.bench_function("secret reference: parse + normalize an AWS ARN", |b| {
        b.iter(|| {
            parse_reference(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
            )
            .expect("parse");
            aws.normalize(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
            )
            .expect("normalize")
        })
    });
}

fn list_round_trip(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).expect("open store");
        let environment = store.environment("default").expect("environment");
        fill(&store, &environment.id);
    }
    let (running, session) = runtime.block_on(async {
        let running = server::spawn(ServeOptions {
            listen: ([127, 0, 0, 1], 0).into(),
            data_dir: dir.path().to_path_buf(),
            store: None,
            credential: ClientCredential {
                client_id: "bench".into(),
                client_secret: Secret::new("bench-secret-0123456"),
            },
            environment: "default".into(),
            secret_store: SecretStore::Local,
            tls: None,
            insecure: false,
            test_timeout: Duration::from_secs(10),
            test_egress: Default::default(),
            key_file: None,
            team: Default::default(),
            env: Default::default(),
        })
        .await
        .expect("serve");
        let credentials = Credentials {
            auth: Auth::ClientCredentials {
                client_id: "bench".into(),
                client_secret: Secret::new("bench-secret-0123456"),
            },
            api_server: Some(running.url()),
            environment: None,
            source: CredentialSource::Flags,
        };
        let session = Session::connect(&credentials, Duration::from_secs(30))
            .await
            .expect("connect");
        (running, session)
    });
    c.bench_function("ListIntegrations round trip (1000 integrations)", |b| {
        b.iter(|| runtime.block_on(session.list()).expect("list").len())
    });
    runtime.block_on(running.shutdown()).expect("shutdown");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = store_and_validation, list_round_trip
}
criterion_main!(benches);
