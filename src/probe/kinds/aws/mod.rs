//! Checks for the AWS kinds (Athena, DynamoDB, Kinesis): one SigV4-signed JSON request that is
//! cheap and reads nothing of the user's data (GetWorkGroup, ListTables, DescribeStreamSummary),
//! sent to the regional endpoint or the kind's endpoint-override key, with AWS's error types
//! turned into the stage they belong to. Kinesis can also preview records (reading from a shard
//! iterator does not consume them).
//!
//! Credentials come only from the kind's access-key keys: the check never reads this server's
//! environment, profile files or instance metadata, and it does not assume the role-ARN keys.
//! Athena has no endpoint key in the catalog, so its check honours the standard
//! `AWS_ENDPOINT_URL_ATHENA` / `AWS_ENDPOINT_URL` given as config keys.
//!
//! One module per idea: `spec` says what differs between the kinds (keys, region, endpoint,
//! credentials), `client` makes the one SigV4-signed JSON call, `errors` turns AWS's error
//! answers into stages, and `kinesis` holds the stream check and its preview.

mod client;
mod errors;
mod kinesis;
mod spec;

pub use kinesis::kinesis;

use serde_json::{Value, json};

use crate::probe::config::{required, value};
use crate::probe::{CheckInput, Outcome, Passed, Stage, StageError};
use client::Client;
use spec::{ATHENA, DYNAMODB, region};

/// Athena: `GetWorkGroup` of `ATHENA_WORK_GROUP` (default `primary`), which must be enabled.
pub async fn athena(input: CheckInput<'_>) -> Outcome {
    let CheckInput {
        config, progress, ..
    } = input;
    let region = region(config, "ATHENA_AWS_REGION")?;
    required(config, "ATHENA_S3_STAGING_DIR")?;
    let work_group = value(config, "ATHENA_WORK_GROUP").unwrap_or("primary");
    let mut client = Client::open(ATHENA, config, region, progress).await?;
    let answer = client
        .first_call(progress, "GetWorkGroup", json!({ "WorkGroup": work_group }))
        .await?;
    let Some(group) = answer.get("WorkGroup").filter(|group| group.is_object()) else {
        return Err(StageError::new(
            Stage::Query,
            format!("GetWorkGroup: work group {work_group:?} does not exist"),
        ));
    };
    let state = group
        .get("State")
        .and_then(Value::as_str)
        .unwrap_or("ENABLED");
    if state != "ENABLED" {
        return Err(StageError::new(
            Stage::Query,
            format!("work group {work_group:?} is {state}; queries in it are refused"),
        ));
    }
    Ok(Passed::from(format!(
        "signed in to Athena at {} as {}; work group {work_group:?} is {state}",
        client.endpoint.describe(),
        client.key_id()
    )))
}

/// DynamoDB: `ListTables` with `Limit` 1 (its config names no table).
pub async fn dynamodb(input: CheckInput<'_>) -> Outcome {
    let CheckInput {
        config, progress, ..
    } = input;
    let region = region(config, "DYNAMODB_AWS_REGION_OVERRIDE").map_err(|mut error| {
        if value(config, "DYNAMODB_AWS_REGION_OVERRIDE").is_none() {
            error
                .reason
                .push_str(" (the test does not read the AWS integration's region)");
        }
        error
    })?;
    let mut client = Client::open(DYNAMODB, config, region, progress).await?;
    let answer = client
        .first_call(progress, "ListTables", json!({ "Limit": 1 }))
        .await?;
    let first = answer
        .pointer("/TableNames/0")
        .and_then(Value::as_str)
        .map_or_else(
            || "no tables".to_string(),
            |name| format!("first table {name:?}"),
        );
    Ok(Passed::from(format!(
        "signed in to DynamoDB at {} as {}; ListTables ok ({first})",
        client.endpoint.describe(),
        client.key_id()
    )))
}
