//! The plan: what applying a sources file would change on the server, computed from the checked
//! file, the values the CLI read for `{env}`/`{file}` keys, the server's state and the stored
//! secrets the CLI fetched for comparison. A pure value the CLI prints, applies from, and the
//! console can show as drift; it never holds a secret in a printable field (the values to send
//! sit in [`SourcePlan::send`], whose `Debug` redacts).

use std::collections::BTreeMap;

use super::manifest::{FileValue, Manifest, Problem};
use crate::domain::{ConfigValue, Kind, Secret};

/// One key as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerValue {
    /// A value the server shows (not secret).
    Plain(String),
    /// A literal the server withholds.
    SecretLiteral,
    /// A linked secret, by its stored (normalized) name.
    Linked(String),
}

/// One source as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSource {
    pub id: String,
    pub name: String,
    /// `None` for a wire kind this build does not know.
    pub kind: Option<Kind>,
    /// The server's last-change stamp, to notice a change between plan and apply.
    pub updated_at: Option<(i64, i32)>,
    pub keys: BTreeMap<String, ServerValue>,
}

/// A stored secret fetched for comparison: the value, or `None` when the credential may not read it.
pub type Stored = Option<Secret>;

/// `(source name, key)` → what the server holds, for the keys [`secret_checks`] named.
pub type StoredSecrets = BTreeMap<(String, String), Stored>;

/// `(source name, key)` → the value read for an `{env}`/`{file}` key.
pub type ReadSecrets = BTreeMap<(String, String), Secret>;

/// What happens to a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
}

/// What happens to one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A plain value set: old (`None` when unset, secret or linked before) → new.
    Set { old: Option<String>, new: String },
    /// A secret literal set or changed (never shown).
    SecretChanges,
    /// The key becomes a link to this secret name.
    Linked(String),
    /// The server has the key and the file does not: apply clears it.
    Cleared,
    /// A secret the credential may not read: apply sets it, whether or not it differs.
    MayChange,
}

/// One key's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyChange {
    pub key: String,
    pub change: Change,
}

/// One source's part of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePlan {
    pub name: String,
    /// The kind's SDK name (`POSTGRESQL`), or the wire number for a kind this build does not know.
    pub kind: String,
    pub id: Option<String>,
    pub action: Action,
    pub changes: Vec<KeyChange>,
    /// The server's stamp when planned; apply skips the source when it moved since.
    pub updated_at: Option<(i64, i32)>,
    /// The kind to create with.
    pub create_kind: Option<Kind>,
    /// The values to send: only the changed keys (Debug redacts literals).
    pub send: BTreeMap<String, ConfigValue>,
}

/// The whole plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Every source of the file and, with prune, every source to delete; file order, then deletions.
    pub sources: Vec<SourcePlan>,
    /// Server sources the file does not name, left alone (without prune).
    pub unmanaged: Vec<String>,
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub unchanged: usize,
    pub unmanaged: usize,
}

impl Plan {
    /// True when applying would change nothing.
    pub fn is_empty(&self) -> bool {
        self.sources
            .iter()
            .all(|source| source.action == Action::Unchanged)
    }

    /// Counts per action.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            unmanaged: self.unmanaged.len(),
            ..Summary::default()
        };
        for source in &self.sources {
            match source.action {
                Action::Create => summary.create += 1,
                Action::Update => summary.update += 1,
                Action::Delete => summary.delete += 1,
                Action::Unchanged => summary.unchanged += 1,
            }
        }
        summary
    }

    /// The planned change of one source, by name (what the console shows beside it).
    pub fn source(&self, name: &str) -> Option<&SourcePlan> {
        self.sources.iter().find(|source| source.name == name)
    }
}

/// The stored secrets the CLI must fetch (GetIntegrationValue) before planning: `(source name,
/// integration id, key)` for each `{env}`/`{file}` key whose stored value is a secret literal, and
/// for each withheld key the file leaves out (an already-cleared key is empty and stays so).
pub fn secret_checks(
    manifest: &Manifest,
    server: &[ServerSource],
) -> Vec<(String, String, String)> {
    let mut checks = Vec::new();
    for entry in &manifest.sources {
        let Some(current) = server.iter().find(|source| source.name == entry.name) else {
            continue;
        };
        for (key, value) in &current.keys {
            if *value != ServerValue::SecretLiteral {
                continue;
            }
            let wanted = entry.keys.iter().find(|k| &k.key == key).map(|k| &k.value);
            if matches!(wanted, None | Some(FileValue::Env(_) | FileValue::File(_))) {
                checks.push((entry.name.clone(), current.id.clone(), key.clone()));
            }
        }
    }
    checks
}

/// Computes the plan, or the problems that forbid one (`{keep}` on a new source, a kind change).
pub fn compute(
    manifest: &Manifest,
    read: &ReadSecrets,
    server: &[ServerSource],
    stored: &StoredSecrets,
    prune: bool,
) -> Result<Plan, Vec<Problem>> {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for entry in &manifest.sources {
        let current = server.iter().find(|source| source.name == entry.name);
        let problem = |pos, key: Option<&str>, message: String| Problem {
            pos,
            source: Some(entry.name.clone()),
            key: key.map(str::to_string),
            message,
        };
        if let Some(current) = current
            && current.kind != Some(entry.kind)
        {
            problems.push(problem(
                entry.pos,
                None,
                format!(
                    "the server's source is {}, the file says {}; a kind cannot change (delete it, or rename the file's source)",
                    kind_label(current),
                    entry.kind.sdk_name()
                ),
            ));
            continue;
        }
        let mut changes = Vec::new();
        let mut send = BTreeMap::new();
        for key in &entry.keys {
            let old = current.and_then(|c| c.keys.get(&key.key));
            let old =
                old.filter(|value| !matches!(value, ServerValue::Plain(text) if text.is_empty()));
            let id = (entry.name.clone(), key.key.clone());
            let change = match &key.value {
                FileValue::Keep if current.is_none() => {
                    problems.push(problem(
                        key.pos,
                        Some(&key.key),
                        format!(
                            "{{keep: true}} on a source that does not exist yet: there is no value to keep; give {} as {{env: VAR}}, {{file: PATH}} or {{secret: NAME}}, or create the source first",
                            key.key
                        ),
                    ));
                    None
                }
                FileValue::Keep => None,
                FileValue::Plain(new) => match old {
                    Some(ServerValue::Plain(text)) if text == new => None,
                    Some(ServerValue::Plain(text)) => Some(Change::Set {
                        old: Some(text.clone()),
                        new: new.clone(),
                    }),
                    _ => Some(Change::Set {
                        old: None,
                        new: new.clone(),
                    }),
                }
                .inspect(|_| {
                    send.insert(
                        key.key.clone(),
                        ConfigValue::Literal(Secret::new(new.as_str())),
                    );
                }),
                FileValue::Link { written, name } => match old {
                    Some(ServerValue::Linked(stored)) if stored == name => None,
                    _ => {
                        send.insert(key.key.clone(), ConfigValue::Linked(written.clone()));
                        Some(Change::Linked(name.clone()))
                    }
                },
                FileValue::Env(_) | FileValue::File(_) => {
                    let Some(value) = read.get(&id) else {
                        // The CLI reports the unreadable value at this key; nothing to plan.
                        continue;
                    };
                    let change = match (old, stored.get(&id)) {
                        (Some(ServerValue::SecretLiteral), Some(Some(held))) if held == value => {
                            None
                        }
                        (Some(ServerValue::SecretLiteral), Some(None)) => Some(Change::MayChange),
                        (Some(ServerValue::Plain(text)), _) if text == value.expose() => None,
                        _ => Some(Change::SecretChanges),
                    };
                    if change.is_some() {
                        send.insert(key.key.clone(), ConfigValue::Literal(value.clone()));
                    }
                    change
                }
            };
            if let Some(change) = change {
                changes.push(KeyChange {
                    key: key.key.clone(),
                    change,
                });
            }
        }
        if let Some(current) = current {
            for (key, value) in &current.keys {
                if entry.keys.iter().any(|k| &k.key == key) {
                    continue;
                }
                let already_clear = match value {
                    ServerValue::Plain(text) => text.is_empty(),
                    ServerValue::SecretLiteral => matches!(
                        stored.get(&(entry.name.clone(), key.clone())),
                        Some(Some(held)) if held.is_empty()
                    ),
                    ServerValue::Linked(_) => false,
                };
                if !already_clear {
                    changes.push(KeyChange {
                        key: key.clone(),
                        change: Change::Cleared,
                    });
                    send.insert(key.clone(), ConfigValue::Literal(Secret::new("")));
                }
            }
        }
        let action = match (current, changes.is_empty()) {
            (None, _) => Action::Create,
            (Some(_), true) => Action::Unchanged,
            (Some(_), false) => Action::Update,
        };
        plan.sources.push(SourcePlan {
            name: entry.name.clone(),
            kind: entry.kind.sdk_name().to_string(),
            id: current.map(|c| c.id.clone()),
            action,
            changes,
            updated_at: current.and_then(|c| c.updated_at),
            create_kind: Some(entry.kind),
            send,
        });
    }
    for source in server {
        if manifest
            .sources
            .iter()
            .any(|entry| entry.name == source.name)
        {
            continue;
        }
        if prune {
            plan.sources.push(SourcePlan {
                name: source.name.clone(),
                kind: kind_label(source),
                id: Some(source.id.clone()),
                action: Action::Delete,
                changes: Vec::new(),
                updated_at: source.updated_at,
                create_kind: None,
                send: BTreeMap::new(),
            });
        } else {
            plan.unmanaged.push(source.name.clone());
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

fn kind_label(source: &ServerSource) -> String {
    source.kind.map_or_else(
        || "an unknown kind".to_string(),
        |kind| kind.sdk_name().to_string(),
    )
}

#[cfg(test)]
mod tests;
