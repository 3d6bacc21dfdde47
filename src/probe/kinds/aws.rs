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

use std::time::SystemTime;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::probe::auth::sigv4::{self, Credentials, Scope};
use crate::probe::config::{required, value};
use crate::probe::transport::http::{Call, Client as HttpClient, Endpoint, Reply, one_line};
use crate::probe::{
    CheckFuture, CheckInput, Passed, PreviewMessage, Progress, ResolvedConfig, Stage, StageError,
};

/// How many records a Kinesis preview reads at most.
const PREVIEW_LIMIT: usize = 5;
/// How many shards a Kinesis preview looks into at most.
const PREVIEW_SHARDS: usize = 10;
/// How many GetRecords calls a preview makes per shard while the iterator is behind.
const READS_PER_SHARD: usize = 3;

/// What differs between the AWS kinds.
struct Spec {
    /// SigV4 signing name and endpoint prefix.
    service: &'static str,
    /// `X-Amz-Target` prefix.
    target: &'static str,
    /// `application/x-amz-json-{version}`.
    json_version: &'static str,
    endpoint_keys: &'static [&'static str],
    access_key_id: &'static str,
    secret_access_key: &'static str,
    session_token: Option<&'static str>,
    role_arn: &'static str,
}

const ATHENA: &Spec = &Spec {
    service: "athena",
    target: "AmazonAthena",
    json_version: "1.1",
    endpoint_keys: &["AWS_ENDPOINT_URL_ATHENA", "AWS_ENDPOINT_URL"],
    access_key_id: "ATHENA_AWS_ACCESS_KEY_ID",
    secret_access_key: "ATHENA_AWS_ACCESS_KEY_SECRET",
    session_token: None,
    role_arn: "ATHENA_ROLE_ARN",
};

const DYNAMODB: &Spec = &Spec {
    service: "dynamodb",
    target: "DynamoDB_20120810",
    json_version: "1.0",
    endpoint_keys: &["DYNAMODB_ENDPOINT_OVERRIDE"],
    access_key_id: "DYNAMODB_AWS_CLIENT_ID_OVERRIDE",
    secret_access_key: "DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE",
    session_token: None,
    role_arn: "DYNAMODB_AWS_ROLE_ARN_OVERRIDE",
};

const KINESIS: &Spec = &Spec {
    service: "kinesis",
    target: "Kinesis_20131202",
    json_version: "1.1",
    endpoint_keys: &["KINESIS_ENDPOINT_URL"],
    access_key_id: "KINESIS_AWS_ACCESS_KEY_ID",
    secret_access_key: "KINESIS_AWS_SECRET_ACCESS_KEY",
    session_token: Some("KINESIS_AWS_SESSION_TOKEN"),
    role_arn: "KINESIS_CONSUMER_ROLE_ARN",
};

/// Athena: `GetWorkGroup` of `ATHENA_WORK_GROUP` (default `primary`), which must be enabled.
pub async fn athena(config: &ResolvedConfig, progress: &Progress) -> Result<Passed, StageError> {
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
pub async fn dynamodb(config: &ResolvedConfig, progress: &Progress) -> Result<Passed, StageError> {
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

/// Kinesis: `DescribeStreamSummary` of the stream (name or ARN), which must be active or
/// updating; with `include_preview`, up to 5 of the oldest retained records.
pub async fn kinesis(
    config: &ResolvedConfig,
    progress: &Progress,
    include_preview: bool,
) -> Result<Passed, StageError> {
    let stream = Stream::from_config(config)?;
    let region = match (value(config, "KINESIS_REGION_NAME"), &stream.arn_region) {
        (Some(_), _) | (None, None) => region(config, "KINESIS_REGION_NAME")?,
        (None, Some(region)) => region.as_str(),
    };
    let mut client = Client::open(KINESIS, config, region, progress).await?;
    let answer = client
        .first_call(progress, "DescribeStreamSummary", stream.field())
        .await?;
    let summary = answer
        .get("StreamDescriptionSummary")
        .unwrap_or(&Value::Null);
    let status = summary
        .get("StreamStatus")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN");
    if !matches!(status, "ACTIVE" | "UPDATING") {
        return Err(StageError::new(
            Stage::Query,
            format!("stream {} is {status}; it cannot be read", stream.label()),
        ));
    }
    let shards = summary
        .get("OpenShardCount")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut text = format!(
        "signed in to Kinesis at {} as {}; stream {} is {status} with {shards} open shard{}",
        client.endpoint.describe(),
        client.key_id(),
        stream.label(),
        if shards == 1 { "" } else { "s" }
    );
    let mut preview = Vec::new();
    if include_preview {
        match client.preview(&stream).await {
            Ok(records) => {
                text.push_str(&format!(
                    "; previewed {} of the oldest retained records",
                    records.len()
                ));
                preview = records;
            }
            Err(reason) => text.push_str(&format!("; no preview: {reason}")),
        }
    }
    Ok(Passed {
        summary: text,
        preview,
    })
}

/// A region from `key`, required, and safe to put in a host name.
fn region<'a>(config: &'a ResolvedConfig, key: &str) -> Result<&'a str, StageError> {
    let region = required(config, key)?;
    if region
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(region)
    } else {
        Err(StageError::new(
            Stage::Resolve,
            format!("{key} {region:?} is not an AWS region name such as us-east-1"),
        ))
    }
}

/// The override endpoint (first key set), else `https://{service}.{region}.amazonaws.com`.
fn endpoint(spec: &Spec, config: &ResolvedConfig, region: &str) -> Result<Endpoint, StageError> {
    for key in spec.endpoint_keys {
        if let Some(url) = value(config, key) {
            return Endpoint::parse_url(url, key);
        }
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Ok(Endpoint::https(&format!(
        "{}.{region}.{suffix}",
        spec.service
    )))
}

/// The access key from the kind's keys, or an authenticate-stage error saying what to set.
fn credentials(spec: &Spec, config: &ResolvedConfig) -> Result<Credentials, StageError> {
    let id = value(config, spec.access_key_id);
    let secret = value(config, spec.secret_access_key);
    let missing = |what: String| StageError::new(Stage::Authenticate, what);
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: spec
                .session_token
                .and_then(|key| value(config, key))
                .map(str::to_string),
        }),
        (Some(_), None) => Err(missing(format!(
            "{} is not set; it goes together with {}",
            spec.secret_access_key, spec.access_key_id
        ))),
        (None, Some(_)) => Err(missing(format!(
            "{} is not set; it goes together with {}",
            spec.access_key_id, spec.secret_access_key
        ))),
        (None, None) if value(config, spec.role_arn).is_some() => Err(missing(format!(
            "{} is assumed with the AWS integration's credentials, which this test cannot use; \
             set {} and {} to test with an access key",
            spec.role_arn, spec.access_key_id, spec.secret_access_key
        ))),
        (None, None) => Err(missing(format!(
            "no access key: set {} and {} (the test does not use the AWS integration's or this \
             server's own credentials)",
            spec.access_key_id, spec.secret_access_key
        ))),
    }
}

/// An AWS error answer: its type (without the namespace) and message.
#[derive(Debug, PartialEq, Eq)]
pub struct AwsError {
    pub code: String,
    pub message: String,
}

/// Reads the error type from `__type` (or `code`, or the `x-amzn-ErrorType` header) and the
/// message from `message` / `Message`.
pub fn parse_error(reply: &Reply) -> AwsError {
    let body = reply.json().unwrap_or(Value::Null);
    let header = reply
        .headers
        .get("x-amzn-errortype")
        .and_then(|value| value.to_str().ok())
        .map(|text| text.split(':').next().unwrap_or(text).to_string());
    let text = String::from_utf8_lossy(&reply.body);
    let raw = body
        .get("__type")
        .or_else(|| body.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(header)
        .or_else(|| xml_element(&text, "Code"))
        .unwrap_or_else(|| format!("HTTP {}", reply.status));
    let code = one_line(raw.rsplit('#').next().unwrap_or(&raw), 80);
    let message = body
        .get("message")
        .or_else(|| body.get("Message"))
        .and_then(Value::as_str)
        .map(|text| one_line(text, 200))
        .or_else(|| xml_element(&text, "Message").map(|text| one_line(&text, 200)))
        .unwrap_or_else(|| {
            if body.is_null() {
                reply.body_line()
            } else {
                String::new()
            }
        });
    AwsError { code, message }
}

/// The text of the first `<name>…</name>` in an XML error answer (the query protocol's form,
/// which some front ends use even for JSON services).
fn xml_element(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(text[start..end].trim().to_string()).filter(|inner| !inner.is_empty())
}

/// Error types that mean the request was not accepted as signed by a known key.
fn is_authentication_error(code: &str) -> bool {
    matches!(
        code,
        "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "IncompleteSignatureException"
            | "MissingAuthenticationToken"
            | "MissingAuthenticationTokenException"
            | "InvalidClientTokenId"
            | "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "AuthFailure"
    )
}

/// An AWS error as a stage error: authentication types fail `authenticate` with a hint at the
/// keys, anything else (missing resource, access denied, bad request) fails `query`.
fn stage_error(spec: &Spec, operation: &str, error: &AwsError) -> StageError {
    let text = if error.message.is_empty() {
        error.code.clone()
    } else {
        format!("{}: {}", error.code, error.message)
    };
    if is_authentication_error(&error.code) {
        let check = if error.code.contains("Signature") {
            // The key ID was found; the secret did not produce its signature.
            format!("check {}", spec.secret_access_key)
        } else {
            format!(
                "check {} and {}",
                spec.access_key_id, spec.secret_access_key
            )
        };
        StageError::new(Stage::Authenticate, format!("{text} ({check})"))
    } else if error.code.starts_with("AccessDenied") {
        StageError::new(
            Stage::Query,
            format!(
                "{text} (the key is valid but may not call {}:{operation})",
                spec.service
            ),
        )
    } else {
        StageError::new(Stage::Query, format!("{operation}: {text}"))
    }
}

/// A Kinesis stream named by `KINESIS_STREAM_NAME` or `KINESIS_STREAM_ARN`.
struct Stream {
    name: Option<String>,
    arn: Option<String>,
    arn_region: Option<String>,
}

impl Stream {
    fn from_config(config: &ResolvedConfig) -> Result<Self, StageError> {
        let name = value(config, "KINESIS_STREAM_NAME").map(str::to_string);
        let arn = value(config, "KINESIS_STREAM_ARN").map(str::to_string);
        if name.is_none() && arn.is_none() {
            return Err(StageError::new(
                Stage::Resolve,
                "KINESIS_STREAM_NAME is not set (nor KINESIS_STREAM_ARN); set one of them",
            ));
        }
        let arn_region = arn.as_deref().and_then(arn_region);
        Ok(Self {
            name,
            arn,
            arn_region,
        })
    }

    /// `{"StreamARN": …}` when an ARN is set (it is exact), else `{"StreamName": …}`.
    fn field(&self) -> Value {
        match (&self.arn, &self.name) {
            (Some(arn), _) => json!({ "StreamARN": arn }),
            (None, Some(name)) => json!({ "StreamName": name }),
            (None, None) => json!({}),
        }
    }

    fn label(&self) -> String {
        format!(
            "{:?}",
            self.name
                .as_deref()
                .or(self.arn.as_deref())
                .unwrap_or_default()
        )
    }
}

/// The region of `arn:aws:kinesis:{region}:{account}:stream/{name}`.
fn arn_region(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    let region = parts.nth(3)?;
    (!region.is_empty()).then(|| region.to_string())
}

/// Kinesis records from a GetRecords answer as preview messages.
pub fn parse_records(answer: &Value, shard: &str, topic: &str) -> Vec<PreviewMessage> {
    let decode = |text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|_| text.as_bytes().to_vec())
    };
    answer
        .get("Records")
        .and_then(Value::as_array)
        .map(|records| {
            records
                .iter()
                .map(|record| PreviewMessage {
                    key: record
                        .get("PartitionKey")
                        .and_then(Value::as_str)
                        .map(|key| key.as_bytes().to_vec()),
                    value: record
                        .get("Data")
                        .and_then(Value::as_str)
                        .map(decode)
                        .unwrap_or_default(),
                    topic: topic.to_string(),
                    partition: shard.to_string(),
                    offset: record
                        .get("SequenceNumber")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    timestamp_ms: record
                        .get("ApproximateArrivalTimestamp")
                        .and_then(Value::as_f64)
                        .map_or(0, |seconds| (seconds * 1000.0) as i64),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A signed JSON client on one connection.
struct Client {
    spec: &'static Spec,
    endpoint: Endpoint,
    region: String,
    credentials: Credentials,
    connection: HttpClient,
}

impl Client {
    /// Resolves, connects, shakes hands, then enters `authenticate` with the kind's key.
    async fn open(
        spec: &'static Spec,
        config: &ResolvedConfig,
        region: &str,
        progress: &Progress,
    ) -> Result<Self, StageError> {
        let endpoint = endpoint(spec, config, region)?;
        let credentials = credentials(spec, config);
        let connection = HttpClient::open(&endpoint, progress).await?;
        progress.enter(Stage::Authenticate);
        Ok(Self {
            spec,
            endpoint,
            region: region.to_string(),
            credentials: credentials?,
            connection,
        })
    }

    fn key_id(&self) -> &str {
        &self.credentials.access_key_id
    }

    /// One signed call; `Ok(Err(_))` is an AWS error answer, `Err(_)` a transport failure.
    async fn call(
        &mut self,
        operation: &str,
        body: &Value,
        stage: Stage,
    ) -> Result<Result<Value, AwsError>, StageError> {
        let body = body.to_string().into_bytes();
        let path = self.endpoint.path("/");
        let mut headers = vec![
            ("host".to_string(), self.endpoint.authority()),
            (
                "content-type".to_string(),
                format!("application/x-amz-json-{}", self.spec.json_version),
            ),
            (
                "x-amz-target".to_string(),
                format!("{}.{operation}", self.spec.target),
            ),
        ];
        let scope = Scope {
            region: &self.region,
            service: self.spec.service,
        };
        sigv4::sign(
            "POST",
            &path,
            &mut headers,
            &body,
            &self.credentials,
            scope,
            SystemTime::now(),
        );
        headers.retain(|(name, _)| name != "host");
        let request = Call {
            method: http::Method::POST,
            path,
            headers,
            body,
        };
        let reply = self.connection.call(request, stage).await?;
        if reply.is_success() {
            Ok(Ok(reply.json().unwrap_or(Value::Null)))
        } else {
            Ok(Err(parse_error(&reply)))
        }
    }

    /// The check's one call: its answer passes `authenticate`, then `query` judges it.
    async fn first_call(
        &mut self,
        progress: &Progress,
        operation: &str,
        body: Value,
    ) -> Result<Value, StageError> {
        match self.call(operation, &body, Stage::Authenticate).await? {
            Ok(answer) => {
                progress.enter(Stage::Query);
                Ok(answer)
            }
            Err(error) => {
                let failure = stage_error(self.spec, operation, &error);
                if failure.stage == Stage::Query {
                    progress.enter(Stage::Query);
                }
                Err(failure)
            }
        }
    }

    /// A preview call: errors as one line.
    async fn preview_call(&mut self, operation: &str, body: Value) -> Result<Value, String> {
        match self.call(operation, &body, Stage::Query).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(stage_error(self.spec, operation, &error).reason),
            Err(error) => Err(error.reason),
        }
    }

    /// Up to 5 records from the first shards, read from TRIM_HORIZON (reading consumes nothing).
    async fn preview(&mut self, stream: &Stream) -> Result<Vec<PreviewMessage>, String> {
        let mut listing = stream.field();
        listing["MaxResults"] = json!(PREVIEW_SHARDS);
        let shards = self.preview_call("ListShards", listing).await?;
        let shard_ids: Vec<String> = shards
            .get("Shards")
            .and_then(Value::as_array)
            .map(|shards| {
                shards
                    .iter()
                    .filter_map(|shard| shard.get("ShardId").and_then(Value::as_str))
                    .map(str::to_string)
                    .take(PREVIEW_SHARDS)
                    .collect()
            })
            .unwrap_or_default();
        let topic = stream
            .name
            .clone()
            .or_else(|| stream.arn.clone())
            .unwrap_or_default();
        let mut records = Vec::new();
        for shard in shard_ids {
            if records.len() >= PREVIEW_LIMIT {
                break;
            }
            let wanted = PREVIEW_LIMIT - records.len();
            records.extend(self.read_shard(stream, &shard, &topic, wanted).await?);
        }
        records.truncate(PREVIEW_LIMIT);
        Ok(records)
    }

    async fn read_shard(
        &mut self,
        stream: &Stream,
        shard: &str,
        topic: &str,
        wanted: usize,
    ) -> Result<Vec<PreviewMessage>, String> {
        let mut request = stream.field();
        request["ShardId"] = json!(shard);
        request["ShardIteratorType"] = json!("TRIM_HORIZON");
        let answer = self.preview_call("GetShardIterator", request).await?;
        let mut iterator = answer
            .get("ShardIterator")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut found = Vec::new();
        for _ in 0..READS_PER_SHARD {
            let Some(current) = iterator.take() else {
                break;
            };
            let mut request = json!({ "ShardIterator": current, "Limit": wanted });
            if let Some(arn) = &stream.arn {
                request["StreamARN"] = json!(arn);
            }
            let answer = self.preview_call("GetRecords", request).await?;
            found.extend(parse_records(&answer, shard, topic));
            let behind = answer
                .get("MillisBehindLatest")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if !found.is_empty() || behind == 0 {
                break;
            }
            iterator = answer
                .get("NextShardIterator")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        found.truncate(wanted);
        Ok(found)
    }
}

/// Athena's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_athena(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { athena(input.config, input.progress).await })
}

/// DynamoDB's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_dynamodb(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { dynamodb(input.config, input.progress).await })
}

/// Kinesis's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe_kinesis(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { kinesis(input.config, input.progress, input.include_preview).await })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

    fn reply(status: u16, body: &str, error_type: Option<&str>) -> Reply {
        let mut headers = http::HeaderMap::new();
        if let Some(error_type) = error_type {
            headers.insert("x-amzn-ErrorType", error_type.parse().unwrap());
        }
        Reply {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn error_types_lose_their_namespace_and_pick_their_stage() {
        let error = parse_error(&reply(
            400,
            r#"{"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","message":"Stream orders under account 1 not found."}"#,
            None,
        ));
        assert_eq!(error.code, "ResourceNotFoundException");
        let failure = stage_error(KINESIS, "DescribeStreamSummary", &error);
        assert_eq!(failure.stage, Stage::Query);
        assert_eq!(
            failure.reason,
            "DescribeStreamSummary: ResourceNotFoundException: Stream orders under account 1 not found."
        );
        let error = parse_error(&reply(
            400,
            r#"{"__type":"UnrecognizedClientException","Message":"The security token included in the request is invalid."}"#,
            None,
        ));
        let failure = stage_error(DYNAMODB, "ListTables", &error);
        assert_eq!(failure.stage, Stage::Authenticate);
        assert!(failure.reason.ends_with(
            "(check DYNAMODB_AWS_CLIENT_ID_OVERRIDE and DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE)"
        ));
        let signature = AwsError {
            code: "InvalidSignatureException".into(),
            message: String::new(),
        };
        assert_eq!(
            stage_error(KINESIS, "DescribeStreamSummary", &signature).reason,
            "InvalidSignatureException (check KINESIS_AWS_SECRET_ACCESS_KEY)"
        );
        let denied = parse_error(&reply(400, r#"{"__type":"AccessDeniedException"}"#, None));
        let failure = stage_error(ATHENA, "GetWorkGroup", &denied);
        assert_eq!(failure.stage, Stage::Query);
        assert!(
            failure.reason.contains("athena:GetWorkGroup"),
            "{}",
            failure.reason
        );
    }

    #[test]
    fn error_type_falls_back_to_the_header_then_the_status() {
        let error = parse_error(&reply(
            403,
            "",
            Some("InvalidSignatureException:http://internal.amazon.com/"),
        ));
        assert_eq!(error.code, "InvalidSignatureException");
        let error = parse_error(&reply(
            403,
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>\
             <Message>The request signature we calculated does not match.</Message>\
             </Error></ErrorResponse>",
            None,
        ));
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert_eq!(
            error.message,
            "The request signature we calculated does not match."
        );
        let error = parse_error(&reply(502, "<html>bad gateway</html>", None));
        assert_eq!(
            error,
            AwsError {
                code: "HTTP 502".into(),
                message: "HTTP 502 (24 bytes)".into()
            }
        );
    }

    #[test]
    fn missing_credentials_say_which_keys_to_set() {
        let error = credentials(ATHENA, &config(&[])).unwrap_err();
        assert_eq!(error.stage, Stage::Authenticate);
        assert!(
            error
                .reason
                .contains("ATHENA_AWS_ACCESS_KEY_ID and ATHENA_AWS_ACCESS_KEY_SECRET")
        );
        let error =
            credentials(KINESIS, &config(&[("KINESIS_AWS_ACCESS_KEY_ID", "AKID")])).unwrap_err();
        assert!(
            error
                .reason
                .starts_with("KINESIS_AWS_SECRET_ACCESS_KEY is not set")
        );
        let error = credentials(
            DYNAMODB,
            &config(&[("DYNAMODB_AWS_ROLE_ARN_OVERRIDE", "arn:aws:iam::1:role/r")]),
        )
        .unwrap_err();
        assert!(
            error
                .reason
                .starts_with("DYNAMODB_AWS_ROLE_ARN_OVERRIDE is assumed")
        );
    }

    #[test]
    fn endpoints_come_from_the_override_or_the_region() {
        let none = config(&[]);
        assert_eq!(
            endpoint(KINESIS, &none, "eu-west-1").unwrap().describe(),
            "https://kinesis.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            endpoint(ATHENA, &none, "cn-north-1").unwrap().describe(),
            "https://athena.cn-north-1.amazonaws.com.cn"
        );
        let both = config(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL_ATHENA", "http://127.0.0.1:2"),
        ]);
        assert_eq!(endpoint(ATHENA, &both, "us-east-1").unwrap().port, 2);
        let bad = config(&[("ATHENA_AWS_REGION", "us east")]);
        assert_eq!(
            region(&bad, "ATHENA_AWS_REGION").unwrap_err().stage,
            Stage::Resolve
        );
    }

    #[test]
    fn stream_arns_give_the_region_and_win_over_names() {
        assert_eq!(
            arn_region("arn:aws:kinesis:eu-central-1:123456789012:stream/orders").as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(arn_region("orders"), None);
        let stream = Stream::from_config(&config(&[
            ("KINESIS_STREAM_NAME", "orders"),
            (
                "KINESIS_STREAM_ARN",
                "arn:aws:kinesis:us-east-1:1:stream/orders",
            ),
        ]))
        .unwrap();
        assert_eq!(
            stream.field(),
            json!({"StreamARN": "arn:aws:kinesis:us-east-1:1:stream/orders"})
        );
        assert_eq!(
            Stream::from_config(&config(&[]))
                .err()
                .map(|error| error.stage),
            Some(Stage::Resolve)
        );
    }

    #[test]
    fn records_become_preview_messages() {
        let answer = json!({
            "Records": [{
                "SequenceNumber": "4960",
                "ApproximateArrivalTimestamp": 1700000000.5,
                "Data": "aGVsbG8=",
                "PartitionKey": "user-1"
            }],
            "MillisBehindLatest": 0
        });
        let records = parse_records(&answer, "shardId-000000000000", "orders");
        assert_eq!(
            records,
            vec![PreviewMessage {
                key: Some(b"user-1".to_vec()),
                value: b"hello".to_vec(),
                topic: "orders".into(),
                partition: "shardId-000000000000".into(),
                offset: "4960".into(),
                timestamp_ms: 1_700_000_000_500,
            }]
        );
        assert!(parse_records(&json!({}), "s", "t").is_empty());
    }
}
