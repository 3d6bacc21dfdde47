//! `sourcedeck secrets`: the local secret store that linked secrets resolve from when `serve
//! --secret-store local`. It opens the store in the data directory directly (no server).

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

use super::Outcome;
use crate::cli::args::{SecretsCommand, StoreArgs, ValueArgs};
use crate::cli::connect::data_dir_or_default;
use crate::cli::output::{self, Render};
use crate::cli::values;
use crate::domain::secret_ref::SecretStore;
use crate::server::store::Store;

/// The environment of the local store when `--environment` is not given.
const DEFAULT_ENVIRONMENT: &str = "default";

/// A one-line confirmation (`set` and `delete` take no `--json`).
struct Done(String);

impl Render for Done {
    fn text(&self) -> String {
        format!("{}\n", self.0)
    }

    fn json(&self) -> Value {
        json!({ "message": self.0 })
    }
}

/// Secret names and when each was last set (never values).
struct Names(Vec<(String, std::time::SystemTime)>);

fn updated(at: &std::time::SystemTime) -> String {
    crate::present::timestamp(Some(&prost_types::Timestamp::from(*at)))
}

impl Render for Names {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No local secrets. Add one with `sourcedeck secrets set NAME` (value on stdin).\n"
                .into();
        }
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|(name, at)| vec![name.clone(), updated(at)])
            .collect();
        output::table(&["NAME", "UPDATED"], &rows)
    }

    fn json(&self) -> Value {
        json!(
            self.0
                .iter()
                .map(|(name, at)| json!({"name": name, "updated_at": updated(at)}))
                .collect::<Vec<_>>()
        )
    }
}

async fn open_store(args: &StoreArgs) -> Result<(Store, String)> {
    let dir = data_dir_or_default(args.data_dir.clone())?;
    let environment = args
        .environment
        .clone()
        .unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_string());
    tokio::task::spawn_blocking(move || -> Result<(Store, String)> {
        let key_file =
            std::env::var_os(crate::server::key_check::KEY_FILE_ENV).map(std::path::PathBuf::from);
        let store = Store::open_with_key(&dir, key_file.as_deref())?;
        let environment = store.environment(&environment)?;
        Ok((store, environment.id))
    })
    .await
    .context("opening the local store")?
}

fn check_secret_name(name: &str) -> Result<()> {
    let normalized = SecretStore::Local
        .normalize(name)
        .map_err(|error| anyhow!("{error}"))?;
    if normalized != name {
        bail!("secret name {name:?}: use the plain name {normalized:?}");
    }
    Ok(())
}

/// Runs a `secrets` command; the flag says whether to print JSON.
pub async fn run(command: SecretsCommand) -> Result<(Outcome, bool)> {
    match command {
        SecretsCommand::Set { name, store } => {
            check_secret_name(&name)?;
            let value = values::collect(
                None,
                &ValueArgs {
                    secret: vec![name.clone()],
                    ..Default::default()
                },
            )?
            .remove(&name)
            .ok_or_else(|| anyhow!("no value read for {name}"))?;
            let crate::domain::ConfigValue::Literal(secret) = value else {
                bail!("no value read for {name}");
            };
            if secret.is_empty() {
                bail!(
                    "secrets set {name}: the value is empty; pipe the value on stdin or type it at the prompt"
                );
            }
            let (store, environment_id) = open_store(&store).await?;
            store.set_local_secret(&environment_id, &name, &secret)?;
            Ok((Outcome::ok(Done(format!("stored secret {name}")))?, false))
        }
        SecretsCommand::List { store, json } => {
            let (store, environment_id) = open_store(&store).await?;
            let names = store.local_secret_names(&environment_id)?;
            Ok((Outcome::ok(Names(names))?, json))
        }
        SecretsCommand::Delete { name, store } => {
            let (store, environment_id) = open_store(&store).await?;
            if !store.delete_local_secret(&environment_id, &name)? {
                bail!("no local secret named {name:?}");
            }
            Ok((Outcome::ok(Done(format!("deleted secret {name}")))?, false))
        }
    }
}
