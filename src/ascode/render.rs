//! The plan as text for people (`+`/`~`/`-` lines, a summary) and as JSON for machines, and the
//! export as a sources file. Pure: colour is a flag the CLI decides (terminal, `NO_COLOR`).
//! Nothing here can print a secret: plans carry none in their printable fields and exports write
//! withheld literals as `{keep: true}`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::plan::{Action, Change, Plan, ServerSource, ServerValue};

const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

/// A YAML scalar that reads back as exactly this string (JSON strings are YAML double-quoted).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// One key's change as the text plan shows it.
pub fn change_text(change: &Change) -> String {
    match change {
        Change::Set {
            old: Some(old),
            new,
        } => format!("{} → {}", quote(old), quote(new)),
        Change::Set { old: None, new } => format!("(unset) → {}", quote(new)),
        Change::SecretChanges => "secret changes".into(),
        Change::Linked(name) => format!("linked → {name}"),
        Change::Cleared => "- (cleared)".into(),
        Change::MayChange => "may change (the credential may not read the stored secret)".into(),
    }
}

/// The plan for people.
pub fn plan_text(plan: &Plan, colour: bool) -> String {
    let paint = |code: &'static str| if colour { code } else { "" };
    let reset = paint(RESET);
    let mut out = String::new();
    for source in &plan.sources {
        let (mark, code) = match source.action {
            Action::Create => ("+", GREEN),
            Action::Update => ("~", YELLOW),
            Action::Delete => ("-", RED),
            Action::Unchanged => continue,
        };
        let _ = writeln!(
            out,
            "{}{mark} {} ({}){reset}",
            paint(code),
            source.name,
            source.kind.to_ascii_lowercase()
        );
        for change in &source.changes {
            let _ = writeln!(out, "    {}: {}", change.key, change_text(&change.change));
        }
    }
    let summary = plan.summary();
    let _ = writeln!(
        out,
        "Plan: {} to create, {} to update, {} to delete, {} unchanged, {} unmanaged.",
        summary.create, summary.update, summary.delete, summary.unchanged, summary.unmanaged
    );
    out
}

fn change_json(change: &Change) -> Value {
    match change {
        Change::Set { old, new } => json!({"change": "set", "old": old, "new": new}),
        Change::SecretChanges => json!({"change": "secret_changes"}),
        Change::Linked(name) => json!({"change": "linked", "secret": name}),
        Change::Cleared => json!({"change": "cleared"}),
        Change::MayChange => json!({"change": "may_change"}),
    }
}

/// The plan for machines: the same content as the text.
pub fn plan_json(plan: &Plan) -> Value {
    let summary = plan.summary();
    json!({
        "changes": !plan.is_empty(),
        "sources": plan.sources.iter().map(|source| json!({
            "name": source.name,
            "kind": source.kind,
            "id": source.id,
            "action": match source.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Delete => "delete",
                Action::Unchanged => "unchanged",
            },
            "keys": source.changes.iter().map(|change| {
                let mut value = change_json(&change.change);
                value["key"] = json!(change.key);
                value
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unmanaged": plan.unmanaged,
        "summary": {
            "create": summary.create, "update": summary.update, "delete": summary.delete,
            "unchanged": summary.unchanged, "unmanaged": summary.unmanaged,
        },
    })
}

/// The server's sources as a sources file: plain keys as values, linked keys as `{secret: NAME}`,
/// withheld literals as `{keep: true}`; cleared (empty) plain keys are left out.
pub fn export(environment: Option<&str>, sources: &[ServerSource]) -> String {
    let mut out = String::from("version: 1\n");
    if let Some(environment) = environment {
        let _ = writeln!(out, "environment: {}", quote(environment));
    }
    if sources.is_empty() {
        out.push_str("sources: {}\n");
        return out;
    }
    out.push_str("sources:\n");
    for source in sources {
        let kind = source.kind.map_or("unknown", |kind| kind.sdk_name());
        let _ = writeln!(
            out,
            "  {}:\n    kind: {}",
            source.name,
            kind.to_ascii_lowercase()
        );
        let keys: Vec<_> = source
            .keys
            .iter()
            .filter(|(_, value)| !matches!(value, ServerValue::Plain(text) if text.is_empty()))
            .collect();
        if keys.is_empty() {
            out.push_str("    config: {}\n");
            continue;
        }
        out.push_str("    config:\n");
        for (key, value) in keys {
            let value = match value {
                ServerValue::Plain(text) => quote(text),
                ServerValue::SecretLiteral => "{keep: true}".into(),
                ServerValue::Linked(name) => format!("{{secret: {}}}", quote(name)),
            };
            let _ = writeln!(out, "      {key}: {value}");
        }
    }
    out
}
