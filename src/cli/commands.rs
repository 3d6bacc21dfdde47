//! The CLI's commands: connect (flags, environment, ~/.chalk.yml, else the embedded server), run
//! one operation, print a table or JSON, and map failures to exit codes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;

use super::args::{Cli, Command, ConnectionArgs, SecretsCommand, StoreArgs};
use super::{EXIT_TEST_FAILED, output, progress, serve, test_all, values};
use crate::catalog;
use crate::client::credentials::{self, Lookup, NoCredentials, Overrides};
use crate::client::embedded::{self, default_data_dir};
use crate::client::{Session, TestTarget};
use crate::domain::Kind;
use crate::domain::name::validate_name;
use crate::domain::secret_ref::SecretStore;
use crate::server::RunningServer;
use crate::server::store::Store;

/// A session and, when no server was configured, the embedded server behind it.
pub(super) struct Connection {
    pub(super) session: Arc<Session>,
    _embedded: Option<RunningServer>,
}

fn home_dir() -> Option<std::path::PathBuf> {
    std::env::home_dir()
}

fn data_dir_or_default(data_dir: Option<std::path::PathBuf>) -> Result<std::path::PathBuf> {
    match data_dir {
        Some(dir) => Ok(dir),
        None => default_data_dir(&|name| std::env::var(name).ok(), home_dir())
            .ok_or_else(|| anyhow!("no home directory for the local data; pass --data-dir")),
    }
}

/// The credentials to use and, when nothing names a server, the embedded one started for them.
pub async fn resolve_credentials(
    args: &ConnectionArgs,
) -> Result<(credentials::Credentials, Option<RunningServer>)> {
    let overrides = Overrides {
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        api_server: args.api_server.clone(),
        environment: args.environment.clone(),
    };
    let env = |name: &str| std::env::var(name).ok();
    let lookup = Lookup {
        env: &env,
        cwd: std::env::current_dir().context("reading the current directory")?,
        home: home_dir(),
    };
    match credentials::resolve(&overrides, &lookup) {
        Ok(credentials) => Ok((credentials, None)),
        Err(NoCredentials) if args.api_server.is_none() => {
            let dir = data_dir_or_default(args.data_dir.clone())?;
            let (running, credentials) = embedded::start(dir)
                .await
                .context("starting the embedded local server")?;
            Ok((credentials, Some(running)))
        }
        Err(error) => Err(error.into()),
    }
}

fn call_timeout(args: &ConnectionArgs) -> Result<Duration> {
    Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            anyhow!(
                "--timeout: {} is not a positive number of seconds",
                args.timeout
            )
        })
}

pub(super) async fn connect(args: &ConnectionArgs) -> Result<Connection> {
    let timeout = call_timeout(args)?;
    let (credentials, embedded) = resolve_credentials(args).await?;
    let session = Session::connect(&credentials, timeout)
        .await
        .with_context(|| {
            format!(
                "connecting to {}",
                crate::client::endpoint::describe_server(credentials.api_server.as_deref())
            )
        })?;
    Ok(Connection {
        session: Arc::new(session),
        _embedded: embedded,
    })
}

/// Pretty JSON in one write (stdout is line-buffered; a list of 1,000 would be 19,000 writes).
pub(super) fn print_json(value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn parse_kind(text: &str) -> Result<Kind> {
    text.parse::<Kind>()
        .map_err(|error| anyhow!("--kind: {error}"))
}

/// Opens the console; it needs a terminal on stdin and stdout.
async fn console(args: &super::args::ConsoleArgs) -> Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!(
            "the console needs a terminal; for scripts use the commands (`sourcedeck --help`), e.g. `sourcedeck list --json`"
        );
    }
    let connection = args.connection();
    let (credentials, embedded) = resolve_credentials(&connection).await?;
    crate::tui::launch::run(crate::tui::launch::Launch {
        connector: crate::tui::worker::Connector {
            credentials,
            call_timeout: call_timeout(&connection)?,
        },
        readonly: args.readonly,
        embedded,
    })
    .await
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    match dispatch(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sourcedeck: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error chain on one line, outermost first.
fn one_line(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        return console(&cli.console).await.map(|()| ExitCode::SUCCESS);
    };
    match command {
        Command::Serve(args) => serve::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::List { connection } => {
            let client = connect(&connection).await?;
            let integrations = client.session.list().await?;
            if connection.json {
                print_json(&json!(
                    integrations
                        .iter()
                        .map(output::integration_json)
                        .collect::<Vec<_>>()
                ))?;
            } else {
                print!("{}", output::list_table(&integrations));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Get {
            target,
            reveal,
            connection,
        } => {
            let client = connect(&connection).await?;
            let found = client.session.find(&target).await?;
            let integration = &found.integration;
            let mut revealed = BTreeMap::new();
            for key in reveal {
                let value = client
                    .session
                    .reveal(&integration.id, &key)
                    .await
                    .with_context(|| format!("--reveal {key}"))?;
                revealed.insert(key, value);
            }
            if connection.json {
                print_json(&output::detail_json(integration, &found.secrets, &revealed))?;
            } else {
                print!(
                    "{}",
                    output::detail_text(integration, &found.secrets, &revealed)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Create {
            kind,
            name,
            values,
            connection,
        } => {
            let kind = parse_kind(&kind)?;
            validate_name(&name).map_err(|error| anyhow!("--{error}"))?;
            let config = values::collect(Some(kind), &values)?;
            let client = connect(&connection).await?;
            let created = client.session.create(kind, &name, &config).await?;
            if connection.json {
                print_json(&output::integration_json(&created))?;
            } else {
                println!("created {} ({}) id {}", name, kind.sdk_name(), created.id);
                for warning in &created.warnings {
                    println!("  ! {}: {}", warning.title, warning.message);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Update {
            target,
            name,
            values,
            connection,
        } => {
            if let Some(name) = &name {
                validate_name(name).map_err(|error| anyhow!("--{error}"))?;
            }
            let client = connect(&connection).await?;
            let integration = client.session.find(&target).await?.integration;
            let config = values::collect(Kind::from_wire(integration.kind), &values)?;
            if name.is_none() && config.is_empty() {
                bail!("update: nothing to change; give --name, --set, --secret or --link");
            }
            let updated = client
                .session
                .update(&integration.id, name.as_deref(), &config)
                .await?;
            if connection.json {
                print_json(&output::integration_json(&updated))?;
            } else {
                let keys: Vec<&str> = config.keys().map(String::as_str).collect();
                println!(
                    "updated {} ({}){}",
                    updated.name.clone().unwrap_or_default(),
                    updated.id,
                    if keys.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", keys.join(", "))
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Delete {
            target,
            yes,
            connection,
        } => {
            let client = connect(&connection).await?;
            let integration = client.session.find(&target).await?.integration;
            let name = integration.name.clone().unwrap_or_default();
            if !yes {
                confirm_delete(&name)?;
            }
            client.session.delete(&integration.id).await?;
            if connection.json {
                print_json(&json!({"deleted": integration.id, "name": name}))?;
            } else {
                println!("deleted {name} ({})", integration.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            all: true,
            concurrency,
            connection,
            ..
        } => {
            let client = connect(&connection).await?;
            test_all::run(client.session, usize::from(concurrency), connection.json).await
        }
        Command::Test {
            target,
            kind,
            preview,
            values,
            connection,
            ..
        } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let client = connect(&connection).await?;
            let integration_id = match &target {
                Some(target) => Some(client.session.find(target).await?.integration),
                None => None,
            };
            if integration_id.is_none() && kind.is_none() {
                bail!(
                    "test: name a saved integration, or give --kind (and values) to test a draft"
                );
            }
            let value_kind = kind.or_else(|| {
                integration_id
                    .as_ref()
                    .and_then(|i| Kind::from_wire(i.kind))
            });
            let config = values::collect(value_kind, &values)?;
            let target = TestTarget {
                kind,
                integration_id: integration_id.map(|integration| integration.id),
                config,
                include_preview: preview,
            };
            let label = match &target.integration_id {
                Some(_) => "testing connectivity".to_string(),
                None => "testing the draft".to_string(),
            };
            let result = progress::with_spinner(&label, client.session.test(&target)).await?;
            if connection.json {
                print_json(&output::test_json(&result))?;
            } else {
                print!("{}", output::test_text(&result));
            }
            Ok(if result.success {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_TEST_FAILED)
            })
        }
        Command::Secrets(command) => secrets(command).await.map(|()| ExitCode::SUCCESS),
        Command::Kinds { kind, json } => kinds(kind.as_deref(), json).map(|()| ExitCode::SUCCESS),
        Command::Export { output, connection } => {
            super::ascode::export(output.as_deref(), &connection).await
        }
        Command::Plan {
            file,
            prune,
            connection,
        } => super::ascode::plan(&file, prune, &connection).await,
        Command::Apply {
            file,
            prune,
            yes,
            test,
            connection,
        } => {
            super::ascode::apply(
                &file,
                super::ascode::ApplyFlags { prune, yes, test },
                &connection,
            )
            .await
        }
    }
}

/// Asks for the name when on a terminal; refuses without `--yes` otherwise.
fn confirm_delete(name: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("delete: stdin is not a terminal; pass --yes to delete {name} without a prompt");
    }
    eprint!("Type the name ({name}) to delete it: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if answer.trim() != name {
        bail!("delete: cancelled; the name did not match");
    }
    Ok(())
}

async fn open_store(args: &StoreArgs) -> Result<(Store, String)> {
    let dir = data_dir_or_default(args.data_dir.clone())?;
    let environment = args.environment.clone();
    tokio::task::spawn_blocking(move || -> Result<(Store, String)> {
        let key_file = std::env::var_os(embedded::KEY_FILE_ENV).map(std::path::PathBuf::from);
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

async fn secrets(command: SecretsCommand) -> Result<()> {
    match command {
        SecretsCommand::Set { name, store } => {
            check_secret_name(&name)?;
            let value = values::collect(
                None,
                &super::args::ValueArgs {
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
            println!("stored secret {name}");
        }
        SecretsCommand::List { store, json } => {
            let (store, environment_id) = open_store(&store).await?;
            let names = store.local_secret_names(&environment_id)?;
            if json {
                print_json(&json!(names.iter().map(|(name, updated)| json!({
                    "name": name,
                    "updated_at": output::timestamp(Some(&prost_types::Timestamp::from(*updated))),
                })).collect::<Vec<_>>()))?;
            } else if names.is_empty() {
                println!(
                    "No local secrets. Add one with `sourcedeck secrets set NAME` (value on stdin)."
                );
            } else {
                let rows: Vec<Vec<String>> = names
                    .iter()
                    .map(|(name, updated)| {
                        vec![
                            name.clone(),
                            output::timestamp(Some(&prost_types::Timestamp::from(*updated))),
                        ]
                    })
                    .collect();
                print!("{}", output::table(&["NAME", "UPDATED"], &rows));
            }
        }
        SecretsCommand::Delete { name, store } => {
            let (store, environment_id) = open_store(&store).await?;
            if !store.delete_local_secret(&environment_id, &name)? {
                bail!("no local secret named {name:?}");
            }
            println!("deleted secret {name}");
        }
    }
    Ok(())
}

fn kinds(kind: Option<&str>, as_json: bool) -> Result<()> {
    let Some(kind) = kind else {
        let rows: Vec<Vec<String>> = Kind::MANAGED
            .iter()
            .map(|kind| {
                vec![
                    kind.sdk_name().to_ascii_lowercase(),
                    kind.display_name().to_string(),
                ]
            })
            .collect();
        if as_json {
            print_json(&json!(
                Kind::MANAGED
                    .iter()
                    .map(|k| json!({"kind": k.sdk_name(), "display_name": k.display_name()}))
                    .collect::<Vec<_>>()
            ))?;
        } else {
            print!("{}", output::table(&["KIND", "NAME"], &rows));
        }
        return Ok(());
    };
    let kind = parse_kind(kind)?;
    let spec = catalog::kind_spec(kind).ok_or_else(|| anyhow!("{kind} has no catalog entry"))?;
    if as_json {
        print_json(&json!(
            spec.keys
                .iter()
                .map(|key| json!({
                    "key": key.key, "label": key.label, "help": key.help, "required": key.required,
                    "secret": key.secret, "type": key.value_type.name(),
                    "default": key.default, "choices": key.choices, "aliases": key.aliases,
                }))
                .collect::<Vec<_>>()
        ))?;
    } else {
        let rows: Vec<Vec<String>> = spec
            .keys
            .iter()
            .map(|key| {
                vec![
                    key.key.clone(),
                    if key.required {
                        "required".into()
                    } else {
                        "optional".into()
                    },
                    if key.secret {
                        "secret".into()
                    } else {
                        String::new()
                    },
                    key.value_type.name().to_string(),
                    key.default.clone().unwrap_or_default(),
                    key.help.clone(),
                ]
            })
            .collect();
        println!(
            "{} ({})",
            kind.display_name(),
            kind.sdk_name().to_ascii_lowercase()
        );
        print!(
            "{}",
            output::table(
                &["KEY", "REQUIRED", "SECRET", "TYPE", "DEFAULT", "HELP"],
                &rows
            )
        );
    }
    Ok(())
}
