//! TLS to the PostgreSQL store with the PostgreSQL check's sslmode rules, through a front whose
//! TLS the test controls (`peers::pg_tls_proxy`, relaying to the machine's server): verify-full
//! with the test CA works end to end, without the CA the certificate is not trusted, and
//! `require` against a server without TLS refuses to start rather than fall back to plain text.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sourcedeck::domain::Secret;
use sourcedeck::server::store::{Store, StoreLocation};

use crate::common::certs::signed_by_test_ca;
use crate::common::pg::PgDatabase;
use crate::peers::pg_tls_proxy::PgTlsProxy;

fn server_config(dir: &Path) -> Arc<rustls::ServerConfig> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("leaf.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("leaf.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

/// Opens the store at `url` off the async workers; the error as one line when refused.
async fn open(url: String, dir: &Path) -> Result<Store, String> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let location = StoreLocation::parse(&url).map_err(|e| format!("{e:#}"))?;
        Store::open_location(&location, &dir, None).map_err(|e| format!("{e:#}"))
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_speaks_tls_as_sslmode_says() {
    let certificates = tempfile::tempdir().unwrap();
    signed_by_test_ca(certificates.path(), "leaf", "IP:127.0.0.1");
    let tls = PgTlsProxy::start(Some(server_config(certificates.path())), 5432).await;
    let plain = PgTlsProxy::start(None, 5432).await;
    let db = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let ca = certificates.path().join("ca.pem");
    let url = |port: u16, query: &str| {
        format!("postgres://postgres@127.0.0.1:{port}/{}?{query}", db.name)
    };

    let verified = url(
        tls.port,
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    );
    let store = open(verified, dir.path())
        .await
        .expect("verify-full with the CA");
    let written = tokio::task::spawn_blocking(move || {
        let env = store.environment("default").unwrap();
        store
            .set_local_secret(&env.id, "s", &Secret::new("over tls"))
            .unwrap();
        store
            .local_secret(&env.id, "s")
            .unwrap()
            .unwrap()
            .expose()
            .to_string()
    })
    .await
    .unwrap();
    assert_eq!(written, "over tls");

    let untrusted = open(url(tls.port, "sslmode=verify-full"), dir.path())
        .await
        .err()
        .expect("an unknown issuer is refused");
    assert!(untrusted.contains("certificate not trusted"), "{untrusted}");

    let refused = open(url(plain.port, "sslmode=require"), dir.path())
        .await
        .err()
        .expect("require never falls back to plain text");
    assert!(refused.contains("does not support TLS"), "{refused}");

    open(url(plain.port, "sslmode=prefer"), dir.path())
        .await
        .expect("prefer falls back to plain text");
}
