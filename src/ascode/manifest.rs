//! Reads a sources file (`version: 1`) into checked source entries, collecting every problem with
//! its line, column, source and key instead of stopping at the first, so one run shows them all
//! and nothing is written while any remains.
//!
//! Pure: the `{env}` and `{file}` values are only named here; the CLI reads them.

use std::fmt;

use super::yaml::{self, Node, Pos};
use crate::catalog;
use crate::domain::Kind;
use crate::domain::name::validate_name;

/// How the file gives one key's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileValue {
    /// A plain value, kept as written (numbers and booleans as their text).
    Plain(String),
    /// A literal read from this environment variable of the applying process.
    Env(String),
    /// A literal read from this file, relative to the sources file.
    File(String),
    /// A linked secret: the reference as written and the provider-local name it stores as.
    Link { written: String, name: String },
    /// Whatever the server holds; never read or changed.
    Keep,
}

/// One key of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    pub key: String,
    pub value: FileValue,
    pub pos: Pos,
}

/// One source of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceEntry {
    pub name: String,
    pub kind: Kind,
    pub pos: Pos,
    pub keys: Vec<KeyEntry>,
}

/// A checked file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub environment: Option<String>,
    pub sources: Vec<SourceEntry>,
}

/// An error or warning about the file, at a position, naming the source and key when it has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub pos: Pos,
    pub source: Option<String>,
    pub key: Option<String>,
    pub message: String,
}

impl Problem {
    /// `FILE:LINE:COLUMN: source S, key K: message`.
    pub fn display<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        DisplayProblem {
            problem: self,
            file,
        }
    }
}

struct DisplayProblem<'a> {
    problem: &'a Problem,
    file: &'a str,
}

impl fmt::Display for DisplayProblem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.problem;
        write!(f, "{}:{}:{}: ", self.file, p.pos.line, p.pos.column)?;
        match (&p.source, &p.key) {
            (Some(source), Some(key)) => write!(f, "source {source}, key {key}: ")?,
            (Some(source), None) => write!(f, "source {source}: ")?,
            _ => {}
        }
        f.write_str(&p.message)
    }
}

/// The file read: the manifest (complete only when `errors` is empty) and what was wrong.
#[derive(Clone, Debug, Default)]
pub struct Read {
    pub manifest: Manifest,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// At most this many characters of bad input are quoted in a message.
const QUOTE: usize = 40;

fn short(text: &str) -> String {
    let mut out: String = text.chars().take(QUOTE).collect();
    if text.chars().count() > QUOTE {
        out.push('…');
    }
    format!("{out:?}")
}

struct Reader {
    read: Read,
}

impl Reader {
    fn error(&mut self, pos: Pos, source: Option<&str>, key: Option<&str>, message: String) {
        self.read.errors.push(Problem {
            pos,
            source: source.map(str::to_string),
            key: key.map(str::to_string),
            message,
        });
    }
}

/// Reads and checks a sources file's text.
pub fn read(text: &str) -> Read {
    let mut reader = Reader {
        read: Read::default(),
    };
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) => {
            reader.error(error.pos, None, None, format!("YAML: {}", error.message));
            return reader.read;
        }
    };
    let Node::Map { entries, pos } = &root else {
        reader.error(
            root.pos(),
            None,
            None,
            "expected a mapping with `version` and `sources`".into(),
        );
        return reader.read;
    };
    let mut version_seen = false;
    let mut sources_seen = false;
    for (key, value) in entries {
        match key.as_scalar() {
            Some("version") => {
                version_seen = true;
                if value.as_scalar() != Some("1") {
                    reader.error(
                        value.pos(),
                        None,
                        None,
                        "version: only `version: 1` is understood".into(),
                    );
                }
            }
            Some("environment") => match value.as_scalar() {
                Some(name) if !value.is_null() => {
                    reader.read.manifest.environment = Some(name.to_string())
                }
                _ => reader.error(
                    value.pos(),
                    None,
                    None,
                    "environment: expected a name".into(),
                ),
            },
            Some("sources") => {
                sources_seen = true;
                read_sources(&mut reader, value);
            }
            other => reader.error(
                key.pos(),
                None,
                None,
                format!(
                    "unknown top-level field {}; expected version, environment, sources",
                    short(other.unwrap_or("?"))
                ),
            ),
        }
    }
    if !version_seen {
        reader.error(*pos, None, None, "missing `version: 1`".into());
    }
    if !sources_seen {
        reader.error(*pos, None, None, "missing `sources:`".into());
    }
    reader.read
}

fn read_sources(reader: &mut Reader, node: &Node) {
    if node.is_null() {
        return;
    }
    let Node::Map { entries, .. } = node else {
        reader.error(
            node.pos(),
            None,
            None,
            "sources: expected a mapping of source names".into(),
        );
        return;
    };
    for (index, (key, value)) in entries.iter().enumerate() {
        let Some(name) = key.as_scalar() else {
            reader.error(key.pos(), None, None, "a source name must be text".into());
            continue;
        };
        if entries[..index]
            .iter()
            .any(|(earlier, _)| earlier.as_scalar() == Some(name))
        {
            reader.error(
                key.pos(),
                Some(name),
                None,
                "this source is named twice".into(),
            );
            continue;
        }
        if let Err(error) = validate_name(name) {
            reader.error(key.pos(), Some(name), None, error.to_string());
            continue;
        }
        if let Some(source) = read_source(reader, name, key.pos(), value) {
            reader.read.manifest.sources.push(source);
        }
    }
}

fn read_source(reader: &mut Reader, name: &str, pos: Pos, node: &Node) -> Option<SourceEntry> {
    let Node::Map { entries, .. } = node else {
        reader.error(
            node.pos(),
            Some(name),
            None,
            "expected `kind:` and `config:`".into(),
        );
        return None;
    };
    let mut kind = None;
    let mut config = None;
    for (key, value) in entries {
        match key.as_scalar() {
            Some("kind") => match value.as_scalar().map(str::parse::<Kind>) {
                Some(Ok(parsed)) => kind = Some(parsed),
                Some(Err(error)) => {
                    reader.error(value.pos(), Some(name), None, format!("kind: {error}"))
                }
                None => reader.error(
                    value.pos(),
                    Some(name),
                    None,
                    "kind: expected a kind name".into(),
                ),
            },
            Some("config") => config = Some(value),
            other => reader.error(
                key.pos(),
                Some(name),
                None,
                format!(
                    "unknown field {}; expected kind, config",
                    short(other.unwrap_or("?"))
                ),
            ),
        }
    }
    let Some(kind) = kind else {
        if !entries
            .iter()
            .any(|(key, _)| key.as_scalar() == Some("kind"))
        {
            reader.error(pos, Some(name), None, "missing `kind:`".into());
        }
        return None;
    };
    let keys = config
        .map(|node| read_config(reader, name, kind, node))
        .unwrap_or_default();
    Some(SourceEntry {
        name: name.to_string(),
        kind,
        pos,
        keys,
    })
}

fn read_config(reader: &mut Reader, source: &str, kind: Kind, node: &Node) -> Vec<KeyEntry> {
    if node.is_null() {
        return Vec::new();
    }
    let Node::Map { entries, .. } = node else {
        reader.error(
            node.pos(),
            Some(source),
            None,
            "config: expected a mapping of keys".into(),
        );
        return Vec::new();
    };
    let spec = catalog::kind_spec(kind);
    let mut keys: Vec<KeyEntry> = Vec::new();
    for (key_node, value) in entries {
        let Some(key) = key_node.as_scalar() else {
            reader.error(
                key_node.pos(),
                Some(source),
                None,
                "a key name must be text".into(),
            );
            continue;
        };
        let pos = key_node.pos();
        if let Err(error) = crate::domain::name::validate_key_name(key) {
            reader.error(pos, Some(source), Some(key), error.to_string());
            continue;
        }
        if keys.iter().any(|earlier| earlier.key == key) {
            reader.error(
                pos,
                Some(source),
                Some(key),
                "this key is given twice".into(),
            );
            continue;
        }
        if let Some(spec) = spec
            && spec.key(key).is_none()
        {
            let hint = spec
                .suggest(key)
                .map(|name| format!("; did you mean {name}?"))
                .unwrap_or_default();
            reader.read.warnings.push(Problem {
                pos,
                source: Some(source.to_string()),
                key: Some(key.to_string()),
                message: format!("{} does not read this key{hint}", kind.display_name()),
            });
        }
        if let Some(parsed) = read_value(reader, source, kind, key, value) {
            keys.push(KeyEntry {
                key: key.to_string(),
                value: parsed,
                pos,
            });
        }
    }
    keys
}

mod value;

use value::read_value;

#[cfg(test)]
mod tests;
