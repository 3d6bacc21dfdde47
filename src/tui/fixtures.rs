//! Builders the console's unit tests share (reducer and view tests), so each test states only
//! what is particular to it.

use std::time::Instant;

use crate::proto::{SecretSource, SecretWithValue};

use super::app::{App, ServerInfo, TestResult, TestStatus};

/// An app on the embedded local server in `environment`.
pub fn local_app(environment: &str, readonly: bool) -> App {
    App::new(
        ServerInfo {
            address: "127.0.0.1:50051".into(),
            local: true,
        },
        environment.into(),
        readonly,
        Instant::now(),
    )
}

/// One config key as GetIntegration answers it (`value` is withheld for secret literals).
pub fn key_row(
    name: &str,
    value: Option<&str>,
    source: SecretSource,
    full_name: &str,
) -> SecretWithValue {
    SecretWithValue {
        name: name.into(),
        full_name: full_name.into(),
        value: value.map(String::from),
        source: source as i32,
        ..Default::default()
    }
}

/// A finished connectivity test.
pub fn finished(success: bool, message: &str, latency_ms: u64) -> TestStatus {
    TestStatus::Done(TestResult {
        success,
        message: message.into(),
        latency_ms: Some(latency_ms),
        preview: vec![],
    })
}
