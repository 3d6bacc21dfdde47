//! Reading a sources file (a path or `-` for stdin), checking it, and reading its `{env}`/`{file}`
//! values into `Secret`s; every problem is printed at once, with the file's name, line and column.
//! The server's side of a plan is fetched by [`crate::client::ascode_state`].

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

use crate::ascode::Loaded;
use crate::ascode::manifest::{self, FileValue, Problem};
use crate::ascode::plan::ReadSecrets;
use crate::domain::Secret;

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
