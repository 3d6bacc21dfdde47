//! Checks for the Google kinds (BigQuery, Spanner, Pub/Sub) over their REST APIs: sign in with
//! the kind's base64 service-account key (see `google_auth`), then one cheap read of what the
//! config names: the BigQuery dataset, a `SELECT 1` in a Spanner session, the Pub/Sub
//! subscription.
//!
//! Endpoints: `SPANNER_EMULATOR_HOST`, and the standard `BIGQUERY_EMULATOR_HOST` /
//! `PUBSUB_EMULATOR_HOST` given as config keys, replace the API host (`host:port` means plain
//! HTTP; Spanner's must be the emulator's REST port, 9020 by default). Against an emulator the
//! key is optional: without one the check reads unauthenticated, as Google's clients do; with
//! one it signs in at the key's `token_uri` as usual. Pub/Sub offers no preview: a pull leases
//! messages away from the live subscribers and counts toward dead-lettering, so it is not a
//! read that leaves the subscription as it was.
//!
//! One module per idea: this one holds what differs between the kinds and their checks,
//! `session` signs in and makes the API calls, `api_error` turns Google's error answers into
//! stages.

mod api_error;
mod session;

use serde_json::{Value, json};

use crate::probe::config::required;
use crate::probe::transport::http::one_line;
use crate::probe::{CheckInput, Outcome, Passed, Stage, StageError};
use session::Session;

/// What differs between the Google kinds.
struct Spec {
    host: &'static str,
    emulator_key: &'static str,
    credentials_key: &'static str,
    /// Where else the engine may find credentials, which the test does not read.
    other_credentials: &'static str,
    /// The permission a 403 most likely lacks.
    permission: &'static str,
}

const BIGQUERY: &Spec = &Spec {
    host: "bigquery.googleapis.com",
    emulator_key: "BIGQUERY_EMULATOR_HOST",
    credentials_key: "BQ_CREDENTIALS_BASE64",
    other_credentials: "BQ_CREDENTIALS_PATH and the GCP integration's credentials",
    permission: "bigquery.datasets.get",
};

const SPANNER: &Spec = &Spec {
    host: "spanner.googleapis.com",
    emulator_key: "SPANNER_EMULATOR_HOST",
    credentials_key: "SPANNER_CREDENTIALS_BASE64",
    other_credentials: "the GCP integration's credentials",
    permission: "spanner.databases.select",
};

const PUBSUB: &Spec = &Spec {
    host: "pubsub.googleapis.com",
    emulator_key: "PUBSUB_EMULATOR_HOST",
    credentials_key: "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64",
    other_credentials: "application default credentials",
    permission: "pubsub.subscriptions.get",
};

/// BigQuery: `GET /bigquery/v2/projects/{project}/datasets/{dataset}`.
pub async fn bigquery(input: CheckInput<'_>) -> Outcome {
    let CheckInput {
        config, progress, ..
    } = input;
    let project = required(config, "BQ_PROJECT")?;
    let dataset = required(config, "BQ_DATASET")?;
    let mut session = Session::open(BIGQUERY, config, progress).await?;
    let path = format!(
        "/bigquery/v2/projects/{}/datasets/{}",
        segment(project),
        segment(dataset)
    );
    let answer = session.read(http::Method::GET, &path, None).await?;
    let location = answer
        .get("location")
        .and_then(Value::as_str)
        .map(|location| format!(" in {location}"))
        .unwrap_or_default();
    Ok(Passed::from(format!(
        "{}; BigQuery dataset {project}:{dataset} found{location}",
        session.signed_in()
    )))
}

/// Spanner: create a session on the database, `SELECT 1` in it, delete the session.
pub async fn spanner(input: CheckInput<'_>) -> Outcome {
    let CheckInput {
        config, progress, ..
    } = input;
    let project = required(config, "SPANNER_PROJECT")?;
    let instance = required(config, "SPANNER_INSTANCE")?;
    let database = required(config, "SPANNER_DATABASE")?;
    let mut session = Session::open(SPANNER, config, progress).await?;
    let database_path = format!(
        "/v1/projects/{}/instances/{}/databases/{}",
        segment(project),
        segment(instance),
        segment(database)
    );
    let created = session
        .read(
            http::Method::POST,
            &format!("{database_path}/sessions"),
            Some(json!({})),
        )
        .await?;
    let name = created
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| name.starts_with("projects/"))
        .ok_or_else(|| StageError::new(Stage::Query, "Spanner created a session without a name"))?
        .to_string();
    let result = session
        .read(
            http::Method::POST,
            &format!("/v1/{name}:executeSql"),
            Some(json!({ "sql": "SELECT 1" })),
        )
        .await;
    // Best effort: an abandoned session expires by itself after an hour idle.
    let _ = session
        .read(http::Method::DELETE, &format!("/v1/{name}"), None)
        .await;
    let rows = result?;
    let one = rows.pointer("/rows/0/0").and_then(Value::as_str);
    if one != Some("1") {
        return Err(StageError::new(
            Stage::Query,
            format!(
                "SELECT 1 answered {}",
                one_line(&rows.get("rows").unwrap_or(&Value::Null).to_string(), 100)
            ),
        ));
    }
    Ok(Passed::from(format!(
        "{}; Spanner database {project}/{instance}/{database}: SELECT 1 ok",
        session.signed_in()
    )))
}

/// Pub/Sub: `GET /v1/projects/{project}/subscriptions/{subscription}`.
pub async fn pubsub(input: CheckInput<'_>) -> Outcome {
    let CheckInput {
        config, progress, ..
    } = input;
    let project = required(config, "PUBSUB_PROJECT_ID")?;
    let subscription = required(config, "PUBSUB_SUBSCRIPTION_ID")?;
    let mut session = Session::open(PUBSUB, config, progress).await?;
    let path = format!(
        "/v1/projects/{}/subscriptions/{}",
        segment(project),
        segment(subscription)
    );
    let answer = session.read(http::Method::GET, &path, None).await?;
    let topic = answer
        .get("topic")
        .and_then(Value::as_str)
        .map(|topic| format!(" on {topic}"))
        .unwrap_or_default();
    let mut summary = format!(
        "{}; Pub/Sub subscription {project}/{subscription} found{topic}",
        session.signed_in()
    );
    if input.include_preview {
        summary.push_str(
            "; no preview for Pub/Sub: a pull would lease messages away from the subscribers \
             and count toward dead-lettering",
        );
    }
    Ok(Passed::from(summary))
}

/// A path segment, percent-encoded (`:` kept, for domain-scoped projects).
fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_but_keep_domain_scoped_projects() {
        assert_eq!(segment("example.com:proj"), "example.com:proj");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
