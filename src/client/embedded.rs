//! The embedded default: when no server is configured anywhere, start `serve` in this process on
//! a loopback port with an ephemeral credential and the user's data directory, and talk to it over
//! gRPC exactly as to a remote server.

use std::path::PathBuf;

use anyhow::Result;
use base64::Engine;
use rand::RngCore;

use super::credentials::{Auth, CredentialSource, Credentials};
use crate::domain::Secret;
use crate::domain::secret_ref::SecretStore;
use crate::server::{self, ClientCredential, RunningServer, ServeOptions};

/// `$XDG_DATA_HOME/sourcedeck`, else `~/.local/share/sourcedeck`.
pub fn default_data_dir(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<PathBuf>,
) -> Option<PathBuf> {
    if let Some(xdg) = env("XDG_DATA_HOME").filter(|value| !value.trim().is_empty()) {
        return Some(PathBuf::from(xdg).join("sourcedeck"));
    }
    home.map(|home| home.join(".local").join("share").join("sourcedeck"))
}

fn random_text(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Starts the embedded server and returns it with credentials that reach it.
pub async fn start(data_dir: PathBuf) -> Result<(RunningServer, Credentials)> {
    let credential = ClientCredential {
        client_id: format!("local-{}", random_text(6)),
        client_secret: Secret::new(random_text(24)),
    };
    let running = server::spawn(ServeOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir,
        credential: credential.clone(),
        environment: "default".into(),
        secret_store: SecretStore::Local,
        tls: None,
        insecure: false,
        test_timeout: server::DEFAULT_TEST_TIMEOUT,
        team: Default::default(),
    })
    .await?;
    let credentials = Credentials {
        auth: Auth::ClientCredentials {
            client_id: credential.client_id,
            client_secret: credential.client_secret,
        },
        api_server: Some(running.url()),
        environment: None,
        source: CredentialSource::Embedded,
    };
    Ok((running, credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_xdg_data_home() {
        let xdg = |name: &str| (name == "XDG_DATA_HOME").then(|| "/x/data".to_string());
        assert_eq!(
            default_data_dir(&xdg, Some("/home/u".into())),
            Some(PathBuf::from("/x/data/sourcedeck"))
        );
        let none = |_: &str| None;
        assert_eq!(
            default_data_dir(&none, Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.local/share/sourcedeck"))
        );
        assert_eq!(default_data_dir(&none, None), None);
    }
}
