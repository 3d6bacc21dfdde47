//! One config value of a sources file: a plain value, or one of the tagged forms (`{env}`,
//! `{file}`, `{secret}`, `{keep}`), each checked against the key it is given for (a secret key
//! never takes a plain value) with the problem reported at its line and column.

use super::yaml::{Node, Pos};
use super::{FileValue, Reader, short};
use crate::domain::Kind;
use crate::domain::secret_ref::parse_reference;
use crate::domain::validate::is_secret_key;

const FORMS: &str = "a plain value, {env: VAR}, {file: PATH}, {secret: NAME} or {keep: true}";

pub(super) fn read_value(
    reader: &mut Reader,
    source: &str,
    kind: Kind,
    key: &str,
    node: &Node,
) -> Option<FileValue> {
    let mut fail = |pos: Pos, message: String| {
        reader.error(pos, Some(source), Some(key), message);
        None
    };
    match node {
        Node::Scalar { text, .. } => {
            if node.is_null() {
                return fail(
                    node.pos(),
                    format!("no value; leave the key out to clear it, or give {FORMS}"),
                );
            }
            if is_secret_key(kind, key) {
                return fail(
                    node.pos(),
                    "a secret key must not hold a plain value in a file under review; use {env: VAR}, {file: PATH}, {secret: NAME} or {keep: true}".into(),
                );
            }
            Some(FileValue::Plain(text.clone()))
        }
        Node::Seq { pos } => fail(*pos, format!("a list is not a value; expected {FORMS}")),
        Node::Map { entries, pos } => {
            let [(form, argument)] = entries.as_slice() else {
                return fail(*pos, format!("expected exactly one of {FORMS}"));
            };
            let text = argument.as_scalar().filter(|_| !argument.is_null());
            match (form.as_scalar(), text) {
                (Some("env"), Some(var)) if is_env_name(var) => {
                    Some(FileValue::Env(var.to_string()))
                }
                (Some("env"), _) => fail(
                    argument.pos(),
                    "env: expected an environment variable name".into(),
                ),
                (Some("file"), Some(path)) => Some(FileValue::File(path.to_string())),
                (Some("file"), None) => fail(argument.pos(), "file: expected a path".into()),
                (Some("secret"), Some(reference)) => match parse_reference(reference) {
                    Ok(parsed) => Some(FileValue::Link {
                        written: reference.to_string(),
                        name: parsed.name,
                    }),
                    Err(error) => fail(argument.pos(), format!("secret: {error}")),
                },
                (Some("secret"), None) => fail(
                    argument.pos(),
                    "secret: expected a secret name or identifier".into(),
                ),
                (Some("keep"), Some("true")) => Some(FileValue::Keep),
                (Some("keep"), _) => fail(
                    argument.pos(),
                    "keep: only `{keep: true}` is meaningful".into(),
                ),
                (other, _) => fail(
                    form.pos(),
                    format!(
                        "unknown value form {}; expected {FORMS}",
                        short(other.unwrap_or("?"))
                    ),
                ),
            }
        }
    }
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
