//! A team server for the console's tests: a clients file with one client per role (each in every
//! environment), a second environment `staging`, and credentials to sign in as a role.

use sourcedeck::client::credentials::{Auth, CredentialSource, Credentials};
use sourcedeck::domain::Secret;
use sourcedeck::server::clients::hash_secret;

use super::TestServer;

/// Every role's client secret.
pub const ROLE_SECRET: &str = "console-role-secret-3e9f";

/// A server with the clients `viewer`, `reader`, `editor` and `admin` (each its role) and the
/// environments `default` (primary) and `staging`.
pub async fn role_server() -> TestServer {
    let hash = hash_secret(&Secret::new(ROLE_SECRET)).expect("hash");
    let clients: String = ["viewer", "reader", "editor", "admin"]
        .iter()
        .map(|role| {
            format!(
                "[[client]]\nid = \"{role}\"\nsecret_hash = \"{hash}\"\nenvironments = [\"*\"]\nrole = \"{role}\"\n\n"
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("clients.toml");
    std::fs::write(&file, clients).expect("clients file");
    let server = TestServer::start_with(move |options| {
        options.team.more_environments = vec!["staging".into()];
        options.team.clients_file = Some(file);
    })
    .await;
    // The clients file only has to live until start-up.
    drop(dir);
    server
}

/// Credentials of the client `role` for the server at `url`.
pub fn role_credentials(url: &str, role: &str) -> Credentials {
    Credentials {
        auth: Auth::ClientCredentials {
            client_id: role.into(),
            client_secret: Secret::new(ROLE_SECRET),
        },
        api_server: Some(url.to_string()),
        environment: None,
        source: CredentialSource::Flags,
    }
}
