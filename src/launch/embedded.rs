//! The embedded default: when no server is configured anywhere, start `serve` in this process on
//! a loopback port with an ephemeral credential and the user's data directory, and talk to it over
//! gRPC exactly as to a remote server.

use std::path::PathBuf;

use anyhow::Result;
use base64::Engine;
use rand::Rng;

use crate::client::credentials::{Auth, CredentialSource, Credentials};
use crate::domain::Secret;
use crate::domain::secret_ref::SecretStore;
use crate::server::{self, ClientCredential, RunningServer, ServeOptions};

fn random_text(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Starts the embedded server and returns it with credentials that reach it. It serves
/// `default` and, when asked for one, `environment` too (created on first use), which the
/// credentials then name.
pub async fn start(
    data_dir: PathBuf,
    environment: Option<String>,
) -> Result<(RunningServer, Credentials)> {
    let credential = ClientCredential {
        client_id: format!("local-{}", random_text(6)),
        client_secret: Secret::new(random_text(24)),
    };
    let running = server::spawn(ServeOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir,
        store: None,
        key_file: std::env::var_os(server::key_check::KEY_FILE_ENV).map(PathBuf::from),
        credential: credential.clone(),
        environment: "default".into(),
        secret_store: SecretStore::Local,
        tls: None,
        insecure: false,
        test_timeout: server::DEFAULT_TEST_TIMEOUT,
        test_egress: Default::default(),
        team: server::TeamOptions {
            more_environments: environment.iter().cloned().collect(),
            ..Default::default()
        },
        env: server::process_env::ProcessEnv::capture(),
    })
    .await?;
    let credentials = Credentials {
        auth: Auth::ClientCredentials {
            client_id: credential.client_id,
            client_secret: credential.client_secret,
        },
        api_server: Some(running.url()),
        environment,
        source: CredentialSource::Embedded,
    };
    Ok((running, credentials))
}
