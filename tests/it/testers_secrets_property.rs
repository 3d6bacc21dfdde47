//! A property test of the connectivity checks' promise that no secret ever reaches a message:
//! for random secret values, every kind's check runs with every secret key (and, as linked
//! secrets, every user key) set to that value, against a loopback peer that echoes whatever it
//! receives back inside an HTTP error answer; the message must never contain the value.
//! Traffic goes only to 127.0.0.1.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proptest::prelude::*;
use sourcedeck::catalog::{ValueType, kind_spec};
use sourcedeck::domain::{Kind, Secret};
use sourcedeck::probe::{self as testers, ResolvedConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Accepts connections; for each, reads what arrives first and sends it back as the body of an
/// HTTP 401, the worst case of a server quoting a request in its error.
async fn echo_peer() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut received = vec![0u8; 16 * 1024];
                let read =
                    tokio::time::timeout(Duration::from_millis(300), stream.read(&mut received))
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or(0);
                let body = &received[..read];
                let head = format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\nrejected: ",
                    body.len() + 10
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

/// A config for `kind` whose secret keys all hold `secret`, pointed at 127.0.0.1:`port`.
fn config_for(kind: Kind, secret: &str, port: u16) -> (ResolvedConfig, BTreeSet<String>) {
    let spec = kind_spec(kind).expect("managed kind");
    let mut config = BTreeMap::new();
    let mut linked = BTreeSet::new();
    for key in &spec.keys {
        let name = key.key.as_str();
        let value = if key.secret {
            secret.to_string()
        } else if name.ends_with("_USER") || name.ends_with("USERNAME") {
            // A user name that came from a secret store is just as sensitive.
            linked.insert(name.to_string());
            secret.to_string()
        } else if name.contains("BOOTSTRAP") {
            format!("127.0.0.1:{port}")
        } else if name.contains("ENDPOINT") || name.contains("URL") || name.contains("EMULATOR") {
            format!("http://127.0.0.1:{port}")
        } else if name.ends_with("HOST")
            && matches!(
                kind,
                Kind::Postgresql | Kind::Redshift | Kind::Mysql | Kind::Mssql
            )
        {
            // The SQL kinds take a bare host (a URL would be looked up as a name, off loopback).
            "127.0.0.1".into()
        } else if name.ends_with("HOST") {
            format!("http://127.0.0.1:{port}")
        } else if name == "SNOWFLAKE_ACCOUNT_ID" {
            format!("http://acct@127.0.0.1:{port}")
        } else if name == "DATABRICKS_HTTP_PATH" {
            "/sql/1.0/warehouses/abc123".into()
        } else {
            match key.value_type {
                ValueType::Port => port.to_string(),
                ValueType::Integer => "1".into(),
                ValueType::Boolean => "false".into(),
                ValueType::Enum => key.choices.first().cloned().unwrap_or_default(),
                ValueType::JsonObject => "{}".into(),
                _ => "x".into(),
            }
        };
        config.insert(key.key.clone(), Secret::new(value));
    }
    (config, linked)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn no_secret_value_ever_appears_in_a_message(
        secret in "Zq[A-Za-z0-9!#%&*+=_.-]{6,24}",
    ) {
        let messages = runtime().block_on(async {
            let port = echo_peer().await;
            let checks = Kind::MANAGED.into_iter().map(|kind| {
                let secret = secret.clone();
                async move {
                    let (config, linked) = config_for(kind, &secret, port);
                    let report =
                        testers::run(kind, &config, &linked, Duration::from_secs(2), true).await;
                    (kind, report.message)
                }
            });
            let mut messages = Vec::new();
            for check in checks {
                messages.push(check.await);
            }
            messages
        });
        for (kind, message) in messages {
            prop_assert!(!message.contains(&secret), "{kind:?} leaked the secret: {message}");
            prop_assert!(!message.contains('\n'), "{kind:?}: one line: {message}");
            prop_assert!(!message.is_empty(), "{kind:?}: an empty message");
        }
    }
}

/// Shapes a fuzzer may miss: a secret that is also a common word, quoted, or URL-encoded.
#[test]
fn awkward_secrets_stay_out_of_messages() {
    for secret in ["password", "p@ss word:/%?&", "\"quoted\"", "ünïcødé-secret"] {
        let messages = runtime().block_on(async {
            let port = echo_peer().await;
            let mut messages = Vec::new();
            for kind in Kind::MANAGED {
                let (config, linked) = config_for(kind, secret, port);
                let report =
                    testers::run(kind, &config, &linked, Duration::from_secs(2), true).await;
                messages.push((kind, report.message));
            }
            messages
        });
        for (kind, message) in messages {
            assert!(
                !message.contains(secret),
                "{kind:?} leaked {secret:?}: {message}"
            );
        }
    }
}
