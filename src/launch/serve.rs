//! `sourcedeck serve`: flags to [`ServeOptions`], start, print where it listens, run until
//! interrupted. It lives in the launch code, the one layer that starts servers; the CLI keeps the
//! flags ([`ServeArgs`]) and checks them, then hands them here through its `Connector`.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};

use crate::cli::args::{ServeAction, ServeArgs};
use crate::client::data_dir::default_data_dir;
use crate::domain::secret_ref::SecretStore;
use crate::probe::egress::EgressPolicy;
use crate::server::{self, ClientCredential, ClientsReloader, ServeOptions, TeamOptions};

fn seconds(flag: &str, value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow!("{flag}: {value} is not a positive number of seconds"))
}

/// Builds the options from the flags.
fn options(args: ServeArgs) -> Result<ServeOptions> {
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?}: expected an address like 127.0.0.1:50051",
            args.listen
        )
    })?;
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => default_data_dir(&|name| std::env::var(name).ok(), std::env::home_dir())
            .ok_or_else(|| {
                anyhow!("--data-dir: no home directory to default to; pass --data-dir")
            })?,
    };
    let store = args
        .store
        .as_deref()
        .map(server::store::StoreLocation::parse)
        .transpose()?
        .map(|store| store.or_password(std::env::var("PGPASSWORD").ok()));
    let secret_store: SecretStore = args
        .secret_store
        .parse()
        .map_err(|error: String| anyhow!("--secret-store: {error}"))?;
    let client_id = args
        .client_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| anyhow!("serve needs a client id: --client-id or SOURCEDECK_CLIENT_ID"))?;
    let client_secret = args
        .client_secret
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            anyhow!("serve needs a client secret: --client-secret or SOURCEDECK_CLIENT_SECRET")
        })?;
    let mut environments = args.environment.into_iter();
    let primary = environments.next().unwrap_or_else(|| "default".to_string());
    Ok(ServeOptions {
        listen,
        data_dir,
        store,
        key_file: args.key_file,
        credential: ClientCredential {
            client_id,
            client_secret,
        },
        environment: primary,
        secret_store,
        tls: args.tls_cert.zip(args.tls_key),
        insecure: args.insecure,
        test_timeout: seconds("--test-timeout", args.test_timeout)?,
        test_egress: EgressPolicy {
            allow: args.test_allow,
            deny: args.test_deny,
        },
        team: TeamOptions {
            more_environments: environments.collect(),
            clients_file: args.clients,
            audit_retention: args
                .audit_retention_days
                .and_then(server::audit_retention::retention_of_days),
        },
        env: crate::server::process_env::ProcessEnv::capture(),
    })
}

/// Resolves on the first Ctrl-C or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled, so a signal sent right after the listening line is caught.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt =
            signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut terminate =
            signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("stopping");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("stopping");
        })
    }
}

/// Runs the server until Ctrl-C or SIGTERM, then shuts down gracefully.
pub async fn run(args: ServeArgs) -> Result<()> {
    match args.action {
        Some(ServeAction::HashSecret) => return print_secret_hash(),
        Some(ServeAction::MigrateStore { from, to, key_file }) => {
            let (key_file, data_dir) = (key_file.or(args.key_file), args.data_dir);
            return tokio::task::spawn_blocking(move || {
                super::migrate_store::run(&from, &to, key_file, data_dir)
            })
            .await
            .context("migrate-store failed")?;
        }
        None => {}
    }
    let options = options(args)?;
    let data = match &options.store {
        Some(location) => location.to_string(),
        None => options.data_dir.display().to_string(),
    };
    let store = options.secret_store.clone();
    let stop = stop_signal()?;
    let running = server::spawn(options).await?;
    reload_on_hangup(running.clients_reloader())?;
    // One parseable line on stdout: tests and scripts read the bound port from it.
    println!(
        "sourcedeck serve listening on {} (environment {} id {}, data {}, secret store {store})",
        running.url(),
        running.environment.name,
        running.environment.id,
        data,
    );
    running.serve_until(stop).await
}

/// Reloads the clients file on every SIGHUP, keeping connections and the old clients on error.
fn reload_on_hangup(reloader: ClientsReloader) -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                match reloader.reload() {
                    Ok(count) => tracing::info!(clients = count, "reloaded the clients file"),
                    Err(error) => {
                        tracing::error!(
                            "reloading the clients file failed, keeping the old clients: {error:#}"
                        )
                    }
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = reloader;
    Ok(())
}

/// `serve hash-secret`: one secret from stdin (a trailing newline dropped), its hash on stdout.
fn print_secret_hash() -> Result<()> {
    use std::io::Read;
    let mut text = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .context("reading the secret from stdin")?;
    let secret = crate::domain::Secret::new(text.trim_end_matches(['\n', '\r']));
    drop(zeroize::Zeroizing::new(text));
    let hash = server::clients::hash_secret(&secret).context("serve hash-secret")?;
    println!("{hash}");
    Ok(())
}
