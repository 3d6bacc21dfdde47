//! A SigV4-signed JSON client on one connection: opening it walks the stages up to
//! `authenticate`, and each call's AWS error answer comes back apart from transport failures.

use std::time::SystemTime;

use serde_json::Value;

use super::errors::{AwsError, parse_error, stage_error};
use super::spec::{Spec, credentials, endpoint};
use crate::probe::auth::sigv4::{self, Credentials, Scope};
use crate::probe::transport::http::{Call, Client as HttpClient, Endpoint};
use crate::probe::{Progress, ResolvedConfig, Stage, StageError};

/// A signed JSON client on one connection.
pub(super) struct Client {
    spec: &'static Spec,
    pub(super) endpoint: Endpoint,
    region: String,
    credentials: Credentials,
    connection: HttpClient,
}

impl Client {
    /// Resolves, connects, shakes hands, then enters `authenticate` with the kind's key.
    pub(super) async fn open(
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

    pub(super) fn key_id(&self) -> &str {
        &self.credentials.access_key_id
    }

    /// One signed call; `Ok(Err(_))` is an AWS error answer, `Err(_)` a transport failure.
    pub(super) async fn call(
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
    pub(super) async fn first_call(
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
    pub(super) async fn preview_call(
        &mut self,
        operation: &str,
        body: Value,
    ) -> Result<Value, String> {
        match self.call(operation, &body, Stage::Query).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(stage_error(self.spec, operation, &error).reason),
            Err(error) => Err(error.reason),
        }
    }
}
