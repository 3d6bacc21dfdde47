//! `sourcedeck serve`: a Chalk-compatible integrations server with a durable, encrypted store and
//! real connectivity tests. Teams run it; the console embeds it when no server is configured; every
//! test talks to it.

pub mod audit;
pub mod audit_retention;
pub mod audit_service;
mod audited;
pub mod auth;
mod auth_guard;
pub mod clients;
pub mod crypto;
pub mod file_modes;
pub mod health;
mod ids;
pub mod integrations;
pub mod key_check;
mod limits;
pub mod linked_secrets;
pub mod process_env;
pub mod secrets_service;
pub mod store;
pub mod store_migrations;
pub mod store_open;
pub mod team;
pub mod tokens;
mod warnings_cache;
pub mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::domain::limits::{MAX_REQUEST_MESSAGE_BYTES, MAX_RESPONSE_MESSAGE_BYTES};
use crate::domain::secret_ref::SecretStore;
use crate::proto::audit_service_server::AuditServiceServer;
use crate::proto::auth_service_server::AuthServiceServer;
use crate::proto::environment_secrets_service_server::EnvironmentSecretsServiceServer;
use crate::proto::integrations_service_server::IntegrationsServiceServer;
use crate::proto::team_service_server::TeamServiceServer;

pub use auth::ClientCredential;
pub use store::Environment;

/// The default deadline of one connectivity test.
pub const DEFAULT_TEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything `serve` needs to start.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Where the state lives (`--store`); `None` means SQLite in `data_dir`.
    pub store: Option<store::StoreLocation>,
    /// The key file (`--key-file`); `None` means `<data_dir>/secret.key`.
    pub key_file: Option<PathBuf>,
    pub credential: ClientCredential,
    pub environment: String,
    pub secret_store: SecretStore,
    /// Certificate and key PEM files.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Allow a non-loopback address without TLS.
    pub insecure: bool,
    pub test_timeout: Duration,
    /// Where connectivity tests may connect (`--test-allow` / `--test-deny`).
    pub test_egress: crate::probe::egress::EgressPolicy,
    /// More environments and credentials (a team server).
    pub team: TeamOptions,
    /// The variables cloud credentials, endpoint overrides and proxies are read from
    /// ([`process_env::ProcessEnv::capture`] for `serve`).
    pub env: process_env::ProcessEnv,
}

/// What a team server adds: more environments and a clients file.
#[derive(Clone, Debug, Default)]
pub struct TeamOptions {
    /// Environments served besides `ServeOptions::environment` (the primary).
    pub more_environments: Vec<String>,
    /// The `--clients` TOML file, reloaded by [`RunningServer::reload_clients`].
    pub clients_file: Option<PathBuf>,
    /// How long audit records are kept (`--audit-retention-days`); `None` keeps them forever.
    pub audit_retention: Option<Duration>,
}

/// A server running in this process.
pub struct RunningServer {
    /// The bound address (the real port when asked for port 0).
    pub address: SocketAddr,
    pub environment: Environment,
    pub tls: bool,
    /// Every environment served, primary first.
    pub environments: Vec<Environment>,
    auth: Arc<auth::Authenticator>,
    clients_file: Option<PathBuf>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<()>>,
}

impl RunningServer {
    /// The API server URL clients use (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.address
        )
    }

    /// A handle that reloads the clients file (on SIGHUP) while the server runs.
    pub fn clients_reloader(&self) -> ClientsReloader {
        ClientsReloader {
            auth: self.auth.clone(),
            path: self.clients_file.clone(),
            environment_names: self.environments.iter().map(|e| e.name.clone()).collect(),
        }
    }

    /// Asks the server to stop and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        self.task.await.context("server task panicked")?
    }

    /// Serves until `stop` completes (then shuts down gracefully) or the server fails by itself.
    pub async fn serve_until(mut self, stop: impl std::future::Future<Output = ()>) -> Result<()> {
        tokio::select! {
            finished = &mut self.task => finished.context("server task panicked")?,
            () = stop => self.shutdown().await,
        }
    }
}

/// Reloads the clients file of a running server.
#[derive(Clone)]
pub struct ClientsReloader {
    auth: Arc<auth::Authenticator>,
    path: Option<PathBuf>,
    environment_names: Vec<String>,
}

impl ClientsReloader {
    /// Reads the clients file again and swaps the accepted clients; on an error the clients stay
    /// as they were. Answers how many file clients are accepted now.
    pub fn reload(&self) -> Result<usize> {
        let Some(path) = &self.path else {
            return Ok(0);
        };
        let clients = clients::load_clients(path, &self.environment_names)?;
        let count = clients.len();
        self.auth.replace_clients(clients);
        Ok(count)
    }
}

/// Environment names travel in the `x-chalk-env-id` header: letters, digits, `-`, `_` and `.`.
fn check_environment_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        bail!("--environment {name:?}: use 1 to 64 letters, digits, '-', '_' or '.'");
    }
    Ok(())
}

/// Accepted connections with Nagle's algorithm off: a response larger than one write would
/// otherwise wait for the peer's delayed ACK (tens of milliseconds on every big list).
fn accepted_without_nagle(
    listener: tokio::net::TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt;
    TcpListenerStream::new(listener).map(|accepted| {
        accepted.inspect(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!("could not disable Nagle on an accepted connection: {error}");
            }
        })
    })
}

/// Opens the store, binds the listener and starts serving in a background task.
pub async fn spawn(options: ServeOptions) -> Result<RunningServer> {
    if !options.listen.ip().is_loopback() && options.tls.is_none() && !options.insecure {
        bail!(
            "refusing to listen on {} without TLS: pass --tls-cert and --tls-key, or --insecure to accept plaintext on a non-loopback address",
            options.listen
        );
    }
    if options.credential.client_id.is_empty() || options.credential.client_secret.is_empty() {
        bail!(
            "serve needs a client id and secret: --client-id/--client-secret or SOURCEDECK_CLIENT_ID/SOURCEDECK_CLIENT_SECRET"
        );
    }
    let mut environment_names = vec![options.environment.clone()];
    for name in &options.team.more_environments {
        if !environment_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
        {
            environment_names.push(name.clone());
        }
    }
    for name in &environment_names {
        check_environment_name(name)?;
    }
    let file_clients = match &options.team.clients_file {
        Some(path) => clients::load_clients(path, &environment_names)?,
        None => Vec::new(),
    };
    if !options.listen.ip().is_loopback() && options.tls.is_none() {
        tracing::warn!(
            listen = %options.listen,
            "serving plaintext on a non-loopback address (--insecure): tokens and secrets cross the network unencrypted"
        );
    }
    let data_dir = options.data_dir.clone();
    let key_file = options.key_file.clone();
    let location = options
        .store
        .clone()
        .unwrap_or_else(|| store::StoreLocation::Sqlite(data_dir.clone()));
    let store = tokio::task::spawn_blocking(move || {
        store::Store::open_location(&location, &data_dir, key_file.as_deref())
    })
    .await
    .context("opening the store")??;
    let store = Arc::new(store);
    if let Some(keep) = options.team.audit_retention {
        audit_retention::prune_now(&store, keep)
            .await
            .context("pruning the audit log at start")?;
    }
    let pruning = options.team.audit_retention.map(|keep| {
        audit_retention::prune_periodically(store.clone(), keep, audit_retention::PRUNE_PERIOD)
    });
    let environments = {
        let store = store.clone();
        let names = environment_names.clone();
        tokio::task::spawn_blocking(move || {
            names
                .iter()
                .map(|name| store.environment(name))
                .collect::<Result<Vec<_>>>()
        })
        .await
        .context("reading the environments")??
    };
    let environment = environments[0].clone();
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("binding {}", options.listen))?;
    let address = listener.local_addr()?;
    let tls = options.tls.is_some();
    let url = format!("{}://{}", if tls { "https" } else { "http" }, address);
    let authenticator = auth::Authenticator::new(
        &options.credential,
        file_clients,
        environments.clone(),
        url,
        tokens::TokenSigner::new(store.token_key()),
    )?;
    let linked =
        linked_secrets::LinkedSecrets::new(&options.secret_store, store.clone(), &options.env)
            .map_err(|error| anyhow::anyhow!("--secret-store {}: {error}", options.secret_store))?;
    let test_proxy = crate::probe::transport::http::proxy::ProxySettings::from_lookup(|name| {
        options.env.raw(name).map(str::to_string)
    })
    .map_err(|error| anyhow::anyhow!("proxy settings: {error}"))?;
    let state = Arc::new(integrations::State {
        store,
        linked: Arc::new(linked),
        auth: authenticator.clone(),
        secret_store: options.secret_store.clone(),
        test_timeout: options.test_timeout,
        test_egress: Arc::new(options.test_egress.clone()),
        test_proxy: Arc::new(test_proxy),
        warnings: Default::default(),
    });
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let watching = health::watch_store(
        health_reporter.clone(),
        state.store.clone(),
        health::PING_PERIOD,
    );
    let mut builder = Server::builder();
    if let Some((cert, key)) = &options.tls {
        let cert_pem = std::fs::read(cert)
            .with_context(|| format!("reading --tls-cert {}", cert.display()))?;
        let key_pem =
            std::fs::read(key).with_context(|| format!("reading --tls-key {}", key.display()))?;
        builder = builder
            .tls_config(ServerTlsConfig::new().identity(Identity::from_pem(cert_pem, key_pem)))
            .context("configuring TLS")?;
    }
    // Message limits derived from the per-integration limits: the largest legal integration
    // always fits an answer; a larger request is refused with OUT_OF_RANGE naming both sizes.
    let router = builder
        .add_service(health_service)
        .add_service(
            AuthServiceServer::new(auth::AuthApi(authenticator.clone()))
                .max_decoding_message_size(MAX_REQUEST_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            TeamServiceServer::new(team::TeamApi(authenticator.clone()))
                .max_decoding_message_size(MAX_REQUEST_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            AuditServiceServer::new(audit_service::AuditApi(state.clone()))
                .max_decoding_message_size(MAX_REQUEST_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            EnvironmentSecretsServiceServer::new(secrets_service::SecretsApi(state.clone()))
                .max_decoding_message_size(MAX_REQUEST_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        )
        .add_service(
            IntegrationsServiceServer::new(integrations::IntegrationsApi(state))
                .max_decoding_message_size(MAX_REQUEST_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_RESPONSE_MESSAGE_BYTES),
        );
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serving =
            router.serve_with_incoming_shutdown(accepted_without_nagle(listener), async {
                let _ = stopped.await;
                // From here no new connection is accepted; in-flight calls drain.
                health::draining(&health_reporter).await;
                tracing::info!("shutting down: draining in-flight calls");
            });
        // The pruning never ends by itself; it stops with the server.
        let pruning = async {
            match pruning {
                Some(pruning) => pruning.await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            served = serving => served.context("serving gRPC"),
            () = pruning => Ok(()),
            () = watching => Ok(()),
        }
    });
    tracing::info!(%address, environment = environment.name, "serving");
    Ok(RunningServer {
        address,
        environment,
        tls,
        environments,
        auth: authenticator,
        clients_file: options.team.clients_file.clone(),
        shutdown: Some(shutdown),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_fit_in_a_header() {
        for good in ["default", "prod-eu", "staging_2", "dev.local"] {
            assert!(check_environment_name(good).is_ok(), "{good}");
        }
        for bad in ["", "prod eu", "prød", &"x".repeat(65)] {
            let error = check_environment_name(bad).unwrap_err().to_string();
            assert!(error.starts_with("--environment"), "{error}");
        }
    }
}
