//! How CLI results look: aligned tables for people, JSON for machines. Secret literals are shown
//! as `•••• configured` unless the user revealed that key.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::domain::{Kind, Secret};
pub use crate::present::{MASK, timestamp};
use crate::proto::{
    Integration, IntegrationWarning, SecretSource, SecretWithValue, TestIntegrationResponse,
};

/// A kind's SDK name, or the raw number for kinds this build does not know.
pub fn kind_name(kind: i32) -> String {
    Kind::from_wire(kind).map_or_else(
        || format!("UNKNOWN({kind})"),
        |kind| kind.sdk_name().to_string(),
    )
}

fn warning_json(warning: &IntegrationWarning) -> Value {
    json!({
        "title": warning.title,
        "message": warning.message,
        "config_keys": warning.config_keys,
    })
}

/// The JSON of one integration (no values).
pub fn integration_json(integration: &Integration) -> Value {
    json!({
        "id": integration.id,
        "name": integration.name.clone().unwrap_or_default(),
        "kind": kind_name(integration.kind),
        "environment_id": integration.environment_id,
        "created_at": timestamp(integration.created_at.as_ref()),
        "updated_at": timestamp(integration.updated_at.as_ref()),
        "warnings": integration.warnings.iter().map(warning_json).collect::<Vec<_>>(),
    })
}

/// What a command produced, as people and as machines read it.
pub trait Render {
    /// The table or lines for a terminal, each line ending in `\n`.
    fn text(&self) -> String;
    /// The same as JSON.
    fn json(&self) -> Value;
}

/// The one place a command's result is printed: JSON with `--json`, else text.
pub fn render(output: &dyn Render, as_json: bool) -> Result<()> {
    if as_json {
        print_json(&output.json())
    } else {
        let text = output.text();
        std::io::stdout().lock().write_all(text.as_bytes())?;
        Ok(())
    }
}

/// Pretty JSON in one write (stdout is line-buffered; a list of 1,000 would be 19,000 writes).
pub fn print_json(value: &Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// Renders rows as left-aligned columns separated by two spaces. Columns line up by display
/// width (terminal columns: a CJK character takes two, a combining accent none), not by
/// characters.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(index) {
                *width = (*width).max(cell.width());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths[index].saturating_sub(cell.width());
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// The `list` table.
pub fn list_table(integrations: &[Integration]) -> String {
    if integrations.is_empty() {
        return "No integrations yet. Add one with `sourcedeck create --kind postgresql --name my_source --set PGHOST=...`.\n".into();
    }
    let rows: Vec<Vec<String>> = integrations
        .iter()
        .map(|integration| {
            vec![
                integration.name.clone().unwrap_or_default(),
                kind_name(integration.kind),
                integration.id.clone(),
                timestamp(integration.updated_at.as_ref()),
                match integration.warnings.len() {
                    0 => "-".into(),
                    n => n.to_string(),
                },
            ]
        })
        .collect();
    table(&["NAME", "KIND", "ID", "UPDATED", "WARNINGS"], &rows)
}

/// How one key's value is shown.
fn shown_value(
    secret: &SecretWithValue,
    revealed: &BTreeMap<String, Secret>,
) -> (String, &'static str) {
    if let Some(value) = revealed.get(&secret.name) {
        return (value.expose().to_string(), "revealed");
    }
    if secret.source == SecretSource::External as i32 {
        return (format!("linked → {}", secret.full_name), "linked");
    }
    match &secret.value {
        Some(value) => (value.clone(), "literal"),
        None => (MASK.to_string(), "secret"),
    }
}

/// The `get` view for people.
pub fn detail_text(
    integration: &Integration,
    secrets: &[SecretWithValue],
    revealed: &BTreeMap<String, Secret>,
) -> String {
    let kind = Kind::from_wire(integration.kind).map_or_else(
        || kind_name(integration.kind),
        |kind| kind.display_name().to_string(),
    );
    let mut out = table(
        &["FIELD", "VALUE"],
        &[
            vec!["name".into(), integration.name.clone().unwrap_or_default()],
            vec!["id".into(), integration.id.clone()],
            vec!["kind".into(), kind],
            vec!["environment".into(), integration.environment_id.clone()],
            vec!["created".into(), timestamp(integration.created_at.as_ref())],
            vec!["updated".into(), timestamp(integration.updated_at.as_ref())],
        ],
    );
    out.push('\n');
    if secrets.is_empty() {
        out.push_str("No config keys.\n");
    } else {
        let rows: Vec<Vec<String>> = secrets
            .iter()
            .map(|secret| vec![secret.name.clone(), shown_value(secret, revealed).0])
            .collect();
        out.push_str(&table(&["KEY", "VALUE"], &rows));
    }
    if !integration.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for warning in &integration.warnings {
            out.push_str(&format!("  ! {}: {}", warning.title, warning.message));
            if !warning.config_keys.is_empty() {
                out.push_str(&format!(" [{}]", warning.config_keys.join(", ")));
            }
            out.push('\n');
        }
    }
    out
}

/// The `get` JSON: the integration plus a `config` object; secret literals have no `value`
/// unless revealed.
pub fn detail_json(
    integration: &Integration,
    secrets: &[SecretWithValue],
    revealed: &BTreeMap<String, Secret>,
) -> Value {
    let mut value = integration_json(integration);
    let config: serde_json::Map<String, Value> = secrets
        .iter()
        .map(|secret| {
            let (shown, state) = shown_value(secret, revealed);
            let entry = match state {
                "linked" => json!({"source": "linked", "secret_name": secret.full_name}),
                "secret" => json!({"source": "literal", "secret": true}),
                "revealed" => json!({"source": if secret.source == SecretSource::External as i32 { "linked" } else { "literal" }, "value": shown, "revealed": true}),
                _ => json!({"source": "literal", "secret": false, "value": shown}),
            };
            (secret.name.clone(), entry)
        })
        .collect();
    if let Value::Object(map) = &mut value {
        map.insert("config".into(), Value::Object(config));
    }
    value
}

/// The `test` result for people.
pub fn test_text(result: &TestIntegrationResponse) -> String {
    let latency = result
        .latency_seconds
        .map(|s| format!(" in {} ms", (s * 1000.0).round()))
        .unwrap_or_default();
    if result.success {
        format!("ok{latency}: {}\n", result.message)
    } else {
        format!("FAILED{latency}: {}\n", result.message)
    }
}

/// The `test` JSON.
pub fn test_json(result: &TestIntegrationResponse) -> Value {
    json!({
        "kind": result.kind,
        "success": result.success,
        "message": result.message,
        "latency_seconds": result.latency_seconds,
        "preview_messages": result.preview_messages.iter().map(|m| json!({
            "topic": m.topic, "partition": m.partition, "offset": m.offset,
            "timestamp_ms": m.timestamp_ms, "key_base64": m.key_base64, "value_base64": m.value_base64,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_line_up_by_display_width() {
        // "東京" is 2 characters and 4 columns; "e\u{301}" (é with a combining accent) is 2
        // characters and 1 column.
        let rows = vec![
            vec!["東京".to_string(), "wide".to_string()],
            vec!["cafe\u{301}".to_string(), "combining".to_string()],
            vec!["plain".to_string(), "ascii".to_string()],
        ];
        let text = table(&["NAME", "VALUE"], &rows);
        let second_column: Vec<usize> = text
            .lines()
            .map(|line| {
                let cut = line.rfind("  ").unwrap() + 2;
                line[..cut].width()
            })
            .collect();
        assert_eq!(second_column, vec![7, 7, 7, 7], "{text}");
        assert_eq!(text.lines().nth(1), Some("東京   wide"));
        assert_eq!(text.lines().nth(2), Some("cafe\u{301}   combining"));
    }

    #[test]
    fn secret_literals_are_masked_unless_revealed() {
        let integration = Integration {
            id: "i".into(),
            name: Some("pg".into()),
            kind: 13,
            ..Default::default()
        };
        let secrets = vec![
            SecretWithValue {
                name: "PGHOST".into(),
                value: Some("db".into()),
                source: 1,
                ..Default::default()
            },
            SecretWithValue {
                name: "PGPASSWORD".into(),
                value: None,
                source: 1,
                ..Default::default()
            },
            SecretWithValue {
                name: "PGUSER".into(),
                full_name: "pg-user".into(),
                source: 2,
                ..Default::default()
            },
        ];
        let text = detail_text(&integration, &secrets, &BTreeMap::new());
        assert!(
            text.contains(MASK) && text.contains("linked → pg-user") && text.contains("db"),
            "{text}"
        );
        let revealed = BTreeMap::from([("PGPASSWORD".to_string(), Secret::new("pw-value"))]);
        assert!(detail_text(&integration, &secrets, &revealed).contains("pw-value"));
        let json = detail_json(&integration, &secrets, &BTreeMap::new());
        assert_eq!(
            json["config"]["PGPASSWORD"],
            json!({"source": "literal", "secret": true})
        );
        assert_eq!(json["config"]["PGUSER"]["secret_name"], "pg-user");
    }
}
