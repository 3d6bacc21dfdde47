//! `sourcedeck secrets list|set|get|delete`: the environment's secrets on the server through
//! Chalk's EnvironmentSecretsService, so they work against a remote `serve`, the embedded one or
//! a Chalk server alike. `set` reads the value from stdin, a no-echo prompt or `@FILE` (never
//! from an argument); `get` reveals one value and needs SECRETS_DECRYPT; `list` shows names only.

use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};

use super::{Connector, Outcome, connect};
use crate::cli::args::SecretsCommand;
use crate::cli::global::UsageError;
use crate::cli::output::{self, Render};
use crate::cli::values;
use crate::client::team_api::TeamError;
use crate::domain::Secret;

/// A one-line confirmation.
struct Done(String);

impl Render for Done {
    fn text(&self) -> String {
        format!("{}\n", self.0)
    }

    fn json(&self) -> Value {
        json!({ "message": self.0 })
    }
}

/// Secret names, ids and when each was last set (never values).
struct Names(Vec<crate::proto::Secret>);

fn updated(secret: &crate::proto::Secret) -> String {
    crate::present::timestamp(secret.updated_at.as_ref())
}

impl Render for Names {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No secrets. Add one with `sourcedeck secrets set NAME` (value on stdin).\n"
                .into();
        }
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|secret| vec![secret.name.clone(), secret.id.clone(), updated(secret)])
            .collect();
        output::table(&["NAME", "ID", "UPDATED"], &rows)
    }

    fn json(&self) -> Value {
        json!(
            self.0
                .iter()
                .map(|secret| json!({
                    "name": secret.name,
                    "id": secret.id,
                    "updated_at": updated(secret),
                }))
                .collect::<Vec<_>>()
        )
    }
}

/// One revealed value, asked for on purpose.
struct Revealed {
    name: String,
    value: Secret,
}

impl Render for Revealed {
    fn text(&self) -> String {
        format!("{}\n", self.value.expose())
    }

    fn json(&self) -> Value {
        json!({ "name": self.name, "value": self.value.expose() })
    }
}

/// A failed call as one clear line: an unsupported service or a missing permission says so.
fn failed(what: &str, permission: &str, error: TeamError) -> anyhow::Error {
    match error {
        TeamError::Unsupported { service } => anyhow!(
            "{what}: this server does not offer secrets over the wire ({service} answered UNIMPLEMENTED)"
        ),
        TeamError::Failed(error) if error.code == tonic::Code::PermissionDenied => anyhow!(
            "{what}: permission denied: this needs the {permission} permission; the server said: {error}"
        ),
        TeamError::Failed(error) => anyhow!("{what}: {error}"),
    }
}

/// The path of `@PATH`; anything else is refused without echoing it (it may be a value).
fn file_of(name: &str, file: Option<&str>) -> Result<Option<String>> {
    match file {
        None => Ok(None),
        Some(text) => match text.strip_prefix('@') {
            Some(path) if !path.is_empty() => Ok(Some(path.to_string())),
            _ => Err(UsageError(format!(
                "secrets set {name}: values are never taken from the command line; pipe the value on stdin, type it at the prompt, or give @FILE"
            ))
            .into()),
        },
    }
}

/// Runs a `secrets` command; the flag says whether to print JSON.
pub async fn run(connector: &dyn Connector, command: SecretsCommand) -> Result<(Outcome, bool)> {
    match command {
        SecretsCommand::Set {
            name,
            file,
            connection,
            ..
        } => {
            let path = file_of(&name, file.as_deref())?;
            let value = values::read_secret_value(&name, path.as_deref())?;
            if value.is_empty() {
                bail!(
                    "secrets set {name}: the value is empty; pipe the value on stdin, type it at the prompt, or give @FILE"
                );
            }
            let client = connect(connector, &connection).await?;
            let what = format!("secrets set {name}");
            client
                .session
                .upsert_secret(&name, &value)
                .await
                .map_err(|error| failed(&what, "SECRETS_WRITE", error))?;
            let done = Done(format!("stored secret {name}"));
            Ok((Outcome::ok(done)?, connection.json))
        }
        SecretsCommand::List { connection, .. } => {
            let client = connect(connector, &connection).await?;
            let secrets = client
                .session
                .list_secrets()
                .await
                .map_err(|error| failed("secrets list", "SECRETS_LIST", error))?;
            Ok((Outcome::ok(Names(secrets))?, connection.json))
        }
        SecretsCommand::Get {
            name, connection, ..
        } => {
            let client = connect(connector, &connection).await?;
            let what = format!("secrets get {name}");
            let value = client
                .session
                .get_secret_value(&name)
                .await
                .map_err(|error| failed(&what, "SECRETS_DECRYPT", error))?;
            Ok((Outcome::ok(Revealed { name, value })?, connection.json))
        }
        SecretsCommand::Delete {
            name, connection, ..
        } => {
            let client = connect(connector, &connection).await?;
            let what = format!("secrets delete {name}");
            client
                .session
                .delete_secret(&name)
                .await
                .map_err(|error| failed(&what, "SECRETS_WRITE", error))?;
            let done = Done(format!("deleted secret {name}"));
            Ok((Outcome::ok(done)?, connection.json))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_at_file_is_taken_from_the_command_line() {
        assert_eq!(file_of("n", None).unwrap(), None);
        assert_eq!(
            file_of("n", Some("@/tmp/v")).unwrap().as_deref(),
            Some("/tmp/v")
        );
        let error = file_of("n", Some("hunter2-value")).unwrap_err().to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(file_of("n", Some("@")).is_err());
    }
}
