//! How CLI results look: aligned tables for people, JSON for machines. Secret literals are shown
//! as `•••• configured` unless the user revealed that key.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde_json::{Value, json};

use crate::domain::{Kind, Secret};
use crate::proto::{
    Integration, IntegrationWarning, SecretSource, SecretWithValue, TestIntegrationResponse,
};

/// The mask shown for a configured secret.
pub const MASK: &str = "•••• configured";

/// RFC 3339 in UTC for a protobuf timestamp (`-` when absent).
pub fn timestamp(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else { return "-".into() };
    let seconds = u64::try_from(ts.seconds).unwrap_or(0);
    let days = seconds / 86_400;
    let rem = seconds % 86_400;
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

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

/// Renders rows as left-aligned columns separated by two spaces.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(index) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths[index].saturating_sub(cell.chars().count());
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
    fn timestamps_are_rfc3339_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_795_880_000,
            nanos: 0,
        };
        assert_eq!(timestamp(Some(&ts)), "2026-11-28T15:33:20Z");
        assert_eq!(
            timestamp(Some(&prost_types::Timestamp {
                seconds: 0,
                nanos: 0
            })),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(timestamp(None), "-");
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
