//! The I/O around a plan: reading the sources file and its `{env}`/`{file}` values into `Secret`s,
//! fetching the server's sources (GetIntegration per source, concurrently) and the stored secrets
//! the plan compares in memory (GetIntegrationValue; PERMISSION_DENIED means "may change").

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tonic::Code;

use crate::ascode::manifest::{self, FileValue, Manifest, Problem};
use crate::ascode::plan::{ReadSecrets, ServerSource, ServerValue, StoredSecrets};
use crate::client::Session;
use crate::domain::{Kind, Secret};
use crate::proto::{SecretSource, SecretWithValue};

/// How many calls run at once while fetching state.
const CONCURRENCY: usize = 16;

/// A read and checked sources file.
pub struct Loaded {
    /// The name errors use (`-` is stdin).
    pub label: String,
    pub manifest: Manifest,
    pub read: ReadSecrets,
}

/// Reads `FILE` or `-`, checks it, reads its `{env}`/`{file}` values; every problem at once.
pub fn load(path: &str) -> Result<Loaded> {
    let (label, text, base) = if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("reading stdin")?;
        ("-".to_string(), text, PathBuf::from("."))
    } else {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let base = Path::new(path)
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        (path.to_string(), text, base)
    };
    let checked = manifest::read(&text);
    for warning in &checked.warnings {
        eprintln!("warning: {}", warning.display(&label));
    }
    let mut errors = checked.errors;
    let mut read = ReadSecrets::new();
    for source in &checked.manifest.sources {
        for key in &source.keys {
            let problem = |message: String| Problem {
                pos: key.pos,
                source: Some(source.name.clone()),
                key: Some(key.key.clone()),
                message,
            };
            let value = match &key.value {
                FileValue::Env(var) => match std::env::var(var) {
                    Ok(value) => Secret::new(value),
                    Err(_) => {
                        errors.push(problem(format!(
                            "env: the variable {var} is not set (or not UTF-8)"
                        )));
                        continue;
                    }
                },
                FileValue::File(file) => {
                    let full = base.join(file);
                    match std::fs::read_to_string(&full) {
                        Ok(text) => Secret::from_text_input(text),
                        Err(error) => {
                            errors.push(problem(format!(
                                "file: cannot read {}: {error}",
                                full.display()
                            )));
                            continue;
                        }
                    }
                }
                _ => continue,
            };
            read.insert((source.name.clone(), key.key.clone()), value);
        }
    }
    fail_on(&label, &errors)?;
    Ok(Loaded {
        label,
        manifest: checked.manifest,
        read,
    })
}

/// Prints every problem and fails when there is any.
pub fn fail_on(label: &str, problems: &[Problem]) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    for problem in problems {
        eprintln!("error: {}", problem.display(label));
    }
    Err(anyhow!(
        "{label}: {} error(s); nothing was changed",
        problems.len()
    ))
}

fn server_value(secret: &SecretWithValue) -> ServerValue {
    if secret.source == SecretSource::External as i32 {
        ServerValue::Linked(secret.full_name.clone())
    } else {
        match &secret.value {
            Some(value) => ServerValue::Plain(value.clone()),
            None => ServerValue::SecretLiteral,
        }
    }
}

/// One source's state by id.
pub async fn fetch_one(session: &Session, id: &str) -> Result<ServerSource> {
    let found = session.get(id).await?;
    let integration = found
        .integration
        .ok_or_else(|| anyhow!("the server's answer lacks the integration"))?;
    Ok(ServerSource {
        id: integration.id.clone(),
        name: integration.name.clone().unwrap_or_default(),
        kind: Kind::from_wire(integration.kind),
        updated_at: integration.updated_at.map(|t| (t.seconds, t.nanos)),
        keys: found
            .secrets
            .iter()
            .map(|secret| (secret.name.clone(), server_value(secret)))
            .collect(),
    })
}

/// Every source of the environment with its keys, sorted by name.
pub async fn fetch_all(session: &Arc<Session>) -> Result<Vec<ServerSource>> {
    let integrations = session.list().await?;
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for integration in integrations {
        let session = session.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            fetch_one(&session, &integration.id).await
        });
    }
    let mut sources = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        sources.push(joined.context("fetching a source")??);
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
}

/// Fetches the stored secrets the plan compares; `None` where the credential may not read them.
pub async fn fetch_stored(
    session: &Arc<Session>,
    checks: Vec<(String, String, String)>,
) -> Result<StoredSecrets> {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (source, id, key) in checks {
        let session = session.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let value = match session.reveal(&id, &key).await {
                Ok(value) => Ok(Some(value)),
                Err(error) if error.code == Code::PermissionDenied => Ok(None),
                Err(error) => Err(anyhow!("reading the stored {key} of {source}: {error}")),
            };
            value.map(|value| ((source, key), value))
        });
    }
    let mut stored = StoredSecrets::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, value) = joined.context("fetching a stored secret")??;
        stored.insert(id, value);
    }
    Ok(stored)
}
