//! `sourcedeck kinds`: the catalog's kinds, or one kind's keys.

use anyhow::{Result, anyhow};
use serde_json::{Value, json};

use super::{Outcome, parse_kind};
use crate::catalog::{self, KindSpec};
use crate::cli::output::{self, Render};
use crate::domain::Kind;

/// Every managed kind.
struct AllKinds;

impl Render for AllKinds {
    fn text(&self) -> String {
        let rows: Vec<Vec<String>> = Kind::MANAGED
            .iter()
            .map(|kind| {
                vec![
                    kind.sdk_name().to_ascii_lowercase(),
                    kind.display_name().to_string(),
                ]
            })
            .collect();
        output::table(&["KIND", "NAME"], &rows)
    }

    fn json(&self) -> Value {
        json!(
            Kind::MANAGED
                .iter()
                .map(|k| json!({"kind": k.sdk_name(), "display_name": k.display_name()}))
                .collect::<Vec<_>>()
        )
    }
}

/// One kind's keys.
struct OneKind {
    kind: Kind,
    spec: &'static KindSpec,
}

impl Render for OneKind {
    fn text(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .spec
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
        let mut text = format!(
            "{} ({})\n",
            self.kind.display_name(),
            self.kind.sdk_name().to_ascii_lowercase()
        );
        text.push_str(&output::table(
            &["KEY", "REQUIRED", "SECRET", "TYPE", "DEFAULT", "HELP"],
            &rows,
        ));
        text
    }

    fn json(&self) -> Value {
        json!(
            self.spec
                .keys
                .iter()
                .map(|key| json!({
                    "key": key.key, "label": key.label, "help": key.help, "required": key.required,
                    "secret": key.secret, "type": key.value_type.name(),
                    "default": key.default, "choices": key.choices, "aliases": key.aliases,
                }))
                .collect::<Vec<_>>()
        )
    }
}

pub fn run(kind: Option<&str>) -> Result<Outcome> {
    let Some(kind) = kind else {
        return Outcome::ok(AllKinds);
    };
    let kind = parse_kind(kind)?;
    let spec = catalog::kind_spec(kind).ok_or_else(|| anyhow!("{kind} has no catalog entry"))?;
    Outcome::ok(OneKind { kind, spec })
}
