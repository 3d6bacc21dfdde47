//! Reading config values from CLI flags: plain values from `--set`, secrets only from stdin, a
//! no-echo prompt or a file (never from the command line), links from `--link`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};

use anyhow::{Context, Result, bail};

use super::args::ValueArgs;
use crate::domain::secret_ref::parse_reference;
use crate::domain::validate::is_secret_key;
use crate::domain::{ConfigValue, Kind, Secret};

/// Where a secret value comes from.
#[derive(Debug, PartialEq, Eq)]
enum SecretInput {
    Stdin,
    File(String),
}

fn split_pair<'a>(flag: &str, pair: &'a str) -> Result<(&'a str, &'a str)> {
    pair.split_once('=')
        .filter(|(key, _)| !key.trim().is_empty())
        .ok_or_else(|| anyhow::anyhow!("{flag} {pair:?}: expected KEY=VALUE"))
}

fn parse_secret_flag(flag: &str) -> Result<(String, SecretInput)> {
    match flag.split_once('=') {
        None => Ok((flag.to_string(), SecretInput::Stdin)),
        Some((key, value)) => match value.strip_prefix('@') {
            Some(path) if !path.is_empty() => {
                Ok((key.to_string(), SecretInput::File(path.to_string())))
            }
            _ => bail!(
                "--secret {key}: secret values are never taken from the command line; use --secret {key} (stdin or prompt) or --secret {key}=@FILE"
            ),
        },
    }
}

fn read_secret(key: &str, input: &SecretInput, stdin_used: &mut bool) -> Result<Secret> {
    match input {
        SecretInput::File(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--secret {key}: reading {path}"))?;
            Ok(Secret::from_text_input(text))
        }
        SecretInput::Stdin if std::io::stdin().is_terminal() => {
            let value = rpassword::prompt_password(format!("{key} (input hidden): "))
                .with_context(|| format!("--secret {key}: reading the prompt"))?;
            Ok(Secret::new(value))
        }
        SecretInput::Stdin => {
            if *stdin_used {
                bail!(
                    "--secret {key}: stdin already gave another secret; use --secret {key}=@FILE for the others"
                );
            }
            *stdin_used = true;
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .with_context(|| format!("--secret {key}: reading stdin"))?;
            Ok(Secret::from_text_input(text))
        }
    }
}

/// One secret value for `label` from `@FILE` (`file`, the path after the `@`) or else stdin or
/// a no-echo prompt; never from an argument.
pub fn read_secret_value(label: &str, file: Option<&str>) -> Result<Secret> {
    let input = match file {
        Some(path) if !path.is_empty() => SecretInput::File(path.to_string()),
        _ => SecretInput::Stdin,
    };
    read_secret(label, &input, &mut false)
}

/// Collects the values of `--set`, `--secret` and `--link`. A secret key given with `--set`
/// is refused (when the kind is known), so a password never lands in shell history.
pub fn collect(kind: Option<Kind>, args: &ValueArgs) -> Result<BTreeMap<String, ConfigValue>> {
    let mut values = BTreeMap::new();
    let mut insert = |key: &str, value: ConfigValue| -> Result<()> {
        if values.insert(key.to_string(), value).is_some() {
            bail!("{key}: given more than once");
        }
        Ok(())
    };
    for pair in &args.set {
        let (key, value) = split_pair("--set", pair)?;
        if let Some(kind) = kind.filter(|kind| is_secret_key(*kind, key)) {
            bail!(
                "--set {key}: {key} holds a secret for {kind}; pass it with --secret {key} (stdin or prompt) or --secret {key}=@FILE"
            );
        }
        insert(key, ConfigValue::Literal(Secret::new(value)))?;
    }
    for pair in &args.link {
        let (key, reference) = split_pair("--link", pair)?;
        parse_reference(reference).map_err(|error| anyhow::anyhow!("--link {key}: {error}"))?;
        insert(key, ConfigValue::Linked(reference.to_string()))?;
    }
    let mut stdin_used = false;
    for flag in &args.secret {
        let (key, input) = parse_secret_flag(flag)?;
        let secret = read_secret(&key, &input, &mut stdin_used)?;
        insert(&key, ConfigValue::Literal(secret))?;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_taken_from_arguments() {
        let error = parse_secret_flag("PGPASSWORD=hunter2")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert_eq!(
            parse_secret_flag("PGPASSWORD").unwrap(),
            ("PGPASSWORD".into(), SecretInput::Stdin)
        );
        assert_eq!(
            parse_secret_flag("K=@/tmp/k").unwrap(),
            ("K".into(), SecretInput::File("/tmp/k".into()))
        );
        let args = ValueArgs {
            set: vec!["PGPASSWORD=hunter2".into()],
            ..Default::default()
        };
        let error = collect(Some(Kind::Postgresql), &args)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--secret PGPASSWORD") && !error.contains("hunter2"),
            "{error}"
        );
    }

    #[test]
    fn collects_plain_values_links_and_file_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\n").unwrap();
        let args = ValueArgs {
            set: vec!["PGHOST=db=1".into()],
            secret: vec![format!("PGPASSWORD=@{}", path.display())],
            link: vec!["PGUSER=pg-user".into()],
        };
        let values = collect(Some(Kind::Postgresql), &args).unwrap();
        assert_eq!(values["PGHOST"], ConfigValue::Literal(Secret::new("db=1")));
        assert_eq!(
            values["PGPASSWORD"],
            ConfigValue::Literal(Secret::new("s3cret"))
        );
        assert_eq!(values["PGUSER"], ConfigValue::Linked("pg-user".into()));
        let twice = ValueArgs {
            set: vec!["A=1".into(), "A=2".into()],
            ..Default::default()
        };
        assert!(
            collect(None, &twice)
                .unwrap_err()
                .to_string()
                .contains("more than once")
        );
        let bad_link = ValueArgs {
            link: vec!["K=projects/p/secrets/s/versions/3".into()],
            ..Default::default()
        };
        assert!(
            collect(None, &bad_link)
                .unwrap_err()
                .to_string()
                .starts_with("--link K: ")
        );
    }
}
