//! Per-integration size limits against a real in-process server (and the real binary for the
//! CLI): keys, value bytes, total bytes and key-name length hold across repeated updates; NUL
//! bytes are refused; huge inputs are quoted as a short prefix; the largest legal integration
//! round-trips through create, get, test and delete; oversized requests get a clear status.
//!
//! The numbers are the documented limits (README, `domain::limits`), written out here so a
//! change to them is a visible change to this test too.

use std::collections::HashMap;

use crate::common::{Api, Cli, closed_port, literal, literals};
use sourcedeck::proto::*;
use tonic::{Code, Status};

const MAX_KEYS: usize = 256;
const MAX_KEY_NAME_BYTES: usize = 128;
const MAX_VALUE_BYTES: usize = 64 * 1024;
const MAX_INTEGRATION_BYTES: usize = 256 * 1024;

const PG: IntegrationKind = IntegrationKind::Postgresql;

type WireConfig = HashMap<String, IntegrationConfigValue>;

impl Api {
    async fn insert_pg(&self, name: &str, config: WireConfig) -> Result<Integration, Status> {
        let request = self.headers.request(InsertIntegrationRequest {
            name: name.into(),
            integration_kind: PG as i32,
            environment_variables: HashMap::new(),
            config,
        });
        let response = self.client.clone().insert_integration(request).await?;
        Ok(response.into_inner().integration.expect("integration"))
    }

    async fn update_config(&self, id: &str, config: WireConfig) -> Result<Integration, Status> {
        let request = self.headers.request(UpdateIntegrationRequest {
            integration_id: id.into(),
            config,
            ..Default::default()
        });
        let response = self.client.clone().update_integration(request).await?;
        Ok(response.into_inner().integration.expect("integration"))
    }

    async fn stored_secrets(&self, id: &str) -> Vec<SecretWithValue> {
        let request = self.headers.request(GetIntegrationRequest {
            integration_id: id.into(),
        });
        let response = self.client.clone().get_integration(request).await;
        response
            .expect("get")
            .into_inner()
            .integration_with_secrets
            .expect("integration_with_secrets")
            .secrets
    }
}

/// `count` keys `K0`, `K1`, ... with the value `v`.
fn numbered_keys(from: usize, count: usize) -> WireConfig {
    (from..from + count)
        .map(|i| (format!("K{i}"), literal("v")))
        .collect()
}

fn assert_invalid(result: Result<Integration, Status>, needles: &[&str]) -> String {
    let status = result.expect_err("the write is refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    for needle in needles {
        assert!(
            status.message().contains(needle),
            "{needle:?} not in {:?}",
            status.message()
        );
    }
    status.message().to_string()
}

#[tokio::test]
async fn repeated_updates_cannot_pass_the_key_limit() {
    let api = Api::start().await;
    let created = api.insert_pg("grows", numbered_keys(0, 200)).await.unwrap();
    // Each request alone is small; together they reach the limit exactly, then one more is refused.
    api.update_config(&created.id, numbered_keys(200, 50))
        .await
        .unwrap();
    api.update_config(&created.id, numbered_keys(250, 6))
        .await
        .unwrap();
    let refused = api.update_config(&created.id, numbered_keys(256, 1)).await;
    assert_invalid(refused, &["257 keys", "256", "(256 saved, 1 new)"]);
    // Changing saved keys is still fine at the limit.
    api.update_config(&created.id, numbered_keys(0, 10))
        .await
        .unwrap();
    assert_eq!(api.stored_secrets(&created.id).await.len(), MAX_KEYS);
}

#[tokio::test]
async fn a_value_over_the_byte_limit_is_refused_naming_the_key() {
    let api = Api::start().await;
    let created = api
        .insert_pg("big", literals(&[("PGHOST", "db")]))
        .await
        .unwrap();
    let fits = "a".repeat(MAX_VALUE_BYTES);
    api.update_config(&created.id, literals(&[("CERT", &fits)]))
        .await
        .unwrap();
    let over = format!("secret-start-{}", "b".repeat(MAX_VALUE_BYTES));
    let refused = api
        .update_config(&created.id, literals(&[("CERT", &over)]))
        .await;
    let message = assert_invalid(refused, &["CERT: the value is", "65536 bytes"]);
    assert!(!message.contains("secret-start"), "{message}");
    let refused = api.insert_pg("big2", literals(&[("CERT", &over)])).await;
    assert_invalid(refused, &["CERT: the value is"]);
}

#[tokio::test]
async fn the_total_bytes_limit_counts_saved_values() {
    let api = Api::start().await;
    // Four keys of 2 bytes with values of 64 KiB - 2: exactly 256 KiB of names and values.
    let value = "t".repeat(MAX_VALUE_BYTES - 2);
    let first = literals(&[("K0", &value), ("K1", &value)]);
    let created = api.insert_pg("total", first).await.unwrap();
    let second = literals(&[("K2", &value), ("K3", &value)]);
    api.update_config(&created.id, second).await.unwrap();
    // One more byte (a 1-byte key with an empty value) is one too many.
    let refused = api.update_config(&created.id, literals(&[("X", "")])).await;
    assert_invalid(
        refused,
        &["262145 bytes", "at most 262144 bytes per integration"],
    );
    // A changed key counts at its new size: shrinking one makes room.
    api.update_config(&created.id, literals(&[("K0", "small"), ("X", "")]))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_nul_byte_is_refused_naming_the_key() {
    let api = Api::start().await;
    let refused = api
        .insert_pg("nul", literals(&[("PGPASSWORD", "hunter\0two-Zq9")]))
        .await;
    let message = assert_invalid(refused, &["PGPASSWORD:", "NUL byte"]);
    assert!(!message.contains("hunter"), "{message}");
    let created = api
        .insert_pg("nul", literals(&[("PGHOST", "db")]))
        .await
        .unwrap();
    let refused = api
        .update_config(&created.id, literals(&[("PGHOST", "db\0")]))
        .await;
    assert_invalid(refused, &["PGHOST:", "NUL byte"]);
    let refused = api
        .update_config(&created.id, literals(&[("PG\0HOST", "db")]))
        .await;
    assert_invalid(refused, &["config key \"PG\\0HOST\""]);
}

#[tokio::test]
async fn a_huge_key_name_or_id_is_quoted_as_a_short_prefix() {
    let api = Api::start().await;
    for huge in ["K".repeat(100_000), "-".repeat(100_000)] {
        let refused = api.insert_pg("huge", literals(&[(&huge, "v")])).await;
        let message = assert_invalid(refused, &["config key", "…"]);
        assert!(
            message.len() < 400,
            "{} bytes: {message:.500}",
            message.len()
        );
    }
    let long_key = "K".repeat(MAX_KEY_NAME_BYTES + 1);
    let refused = api.insert_pg("long", literals(&[(&long_key, "v")])).await;
    assert_invalid(refused, &["129 bytes is too long", "at most 128"]);
    // Lookups quote what they could not find, shortened too.
    let huge = "x".repeat(100_000);
    let request = api.headers.request(GetIntegrationRequest {
        integration_id: huge.clone(),
    });
    let status = api
        .client
        .clone()
        .get_integration(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{}", status.message());
    assert!(status.message().len() < 300, "{:.300}", status.message());
    let request = api.headers.request(GetIntegrationByNameRequest {
        integration_name: huge,
    });
    let status = api
        .client
        .clone()
        .get_integration_by_name(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{}", status.message());
    assert!(status.message().len() < 300, "{:.300}", status.message());
}

#[tokio::test]
async fn an_oversized_request_gets_a_clear_status() {
    let api = Api::start().await;
    // Each value is legal on its own; the request (about 2.5 MB) is not.
    let value = "o".repeat(MAX_VALUE_BYTES - 1);
    let config = (0..40)
        .map(|i| (format!("K{i}"), literal(&value)))
        .collect();
    let status = api.insert_pg("oversized", config).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{}", status.message());
    assert!(
        status.message().contains("message length too large"),
        "{}",
        status.message()
    );
}

/// The largest legal integration: 256 keys, names of 128 bytes (but PGHOST and PGPORT, so a test
/// fails fast at a closed loopback port), one value of 64 KiB, 256 KiB of names and values.
fn largest_legal_config(port: u16) -> HashMap<String, String> {
    let mut config = HashMap::from([
        ("PGHOST".to_string(), "127.0.0.1".to_string()),
        ("PGPORT".to_string(), port.to_string()),
    ]);
    let names: Vec<String> = (0..MAX_KEYS - 2)
        .map(|i| format!("K{i:03}_{}", "N".repeat(MAX_KEY_NAME_BYTES - 5)))
        .collect();
    let used: usize = config.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
        + names.iter().map(String::len).sum::<usize>()
        + MAX_VALUE_BYTES;
    let rest = MAX_INTEGRATION_BYTES - used;
    let others = names.len() - 1;
    for (index, name) in names.into_iter().enumerate() {
        let size = match index {
            0 => MAX_VALUE_BYTES,
            i => rest / others + usize::from(i <= rest % others),
        };
        let filler = char::from(b'a' + (index % 26) as u8);
        config.insert(name, filler.to_string().repeat(size));
    }
    config
}

#[tokio::test]
async fn the_largest_legal_integration_round_trips() {
    let api = Api::start().await;
    let config = largest_legal_config(closed_port());
    assert_eq!(config.len(), MAX_KEYS);
    let total: usize = config.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert_eq!(total, MAX_INTEGRATION_BYTES);
    assert!(config.keys().any(|key| key.len() == MAX_KEY_NAME_BYTES));
    assert!(config.values().any(|value| value.len() == MAX_VALUE_BYTES));
    let wire = config
        .iter()
        .map(|(key, value)| (key.clone(), literal(value)))
        .collect();
    let created = api.insert_pg("largest", wire).await.unwrap();

    // It is at every limit: one more key, or one more byte, is refused.
    let refused = api
        .update_config(&created.id, literals(&[("EXTRA", "")]))
        .await;
    assert_invalid(refused, &["257 keys"]);
    let (name, big) = config
        .iter()
        .find(|(_, value)| value.len() == MAX_VALUE_BYTES)
        .unwrap();
    let grown = format!("{big}+");
    let refused = api
        .update_config(&created.id, literals(&[(name, &grown)]))
        .await;
    assert_invalid(refused, &[&format!("{name}: the value is 65537 bytes")]);
    let (name, small) = config
        .iter()
        .find(|(key, _)| key.len() == MAX_KEY_NAME_BYTES)
        .map(|(key, value)| (key.clone(), format!("{value}+")))
        .unwrap();
    let refused = api
        .update_config(&created.id, literals(&[(&name, &small)]))
        .await;
    assert_invalid(refused, &["262145 bytes"]);

    // Get returns every key and value (custom keys are not secret).
    let secrets = api.stored_secrets(&created.id).await;
    assert_eq!(secrets.len(), MAX_KEYS);
    for secret in &secrets {
        assert_eq!(
            secret.value.as_ref(),
            config.get(&secret.name),
            "{}",
            secret.name
        );
    }
    // Test answers (the closed port fails the connect stage).
    let request = api.headers.request(TestIntegrationRequest {
        integration_id: Some(created.id.clone()),
        ..Default::default()
    });
    let report = api.client.clone().test_integration(request).await.unwrap();
    assert!(!report.into_inner().success);

    // The CLI gets (as JSON), tests and deletes it.
    let cli = Cli::against(&api.server);
    let run = cli.run_async(&["get", "largest", "--json"], None).await;
    run.assert_ok();
    let parsed: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let shown = parsed["config"].as_object().expect("config object");
    assert_eq!(shown.len(), MAX_KEYS);
    assert_eq!(shown[name.as_str()]["value"], config[&name].as_str());
    let run = cli.run_async(&["test", "largest"], None).await;
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("FAILED"), "{}", run.stdout);
    let run = cli.run_async(&["delete", "largest", "--yes"], None).await;
    run.assert_ok();
    let run = cli.run_async(&["get", "largest"], None).await;
    assert_ne!(run.code, 0, "{}", run.stdout);
}
