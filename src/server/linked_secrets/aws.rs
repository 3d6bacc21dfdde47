//! AWS Secrets Manager: GetSecretValue (latest version, `AWSCURRENT`) and ListSecrets over the
//! JSON protocol, signed with SigV4 using credentials from [`aws_credentials::Chain`]. The
//! endpoint is `AWS_ENDPOINT_URL_SECRETS_MANAGER`, else `AWS_ENDPOINT_URL`, else
//! `https://secretsmanager.{region}.amazonaws.com`.

use std::time::SystemTime;

use base64::Engine as _;
use http::Method;
use serde_json::{Value, json};
use zeroize::Zeroize;

use super::aws_credentials::{Chain, xml_text};
use super::{NamesPage, ResolveError, endpoint_from, send, text_secret};
use crate::domain::Secret;
use crate::probe::auth::sigv4::{self, Scope};
use crate::probe::transport::http::{Call, Endpoint, Reply, one_line};
use crate::server::process_env::ProcessEnv;

pub struct AwsSecrets {
    region: String,
    endpoint: Endpoint,
    chain: Chain,
}

impl AwsSecrets {
    pub fn from_env(region: &str, env: &ProcessEnv) -> Result<Self, String> {
        let endpoint = match env.first(&["AWS_ENDPOINT_URL_SECRETS_MANAGER"]) {
            Some(url) => endpoint_from(&url, "AWS_ENDPOINT_URL_SECRETS_MANAGER")?,
            None => match env.first(&["AWS_ENDPOINT_URL"]) {
                Some(url) => endpoint_from(&url, "AWS_ENDPOINT_URL")?,
                None => Endpoint::https(&format!("secretsmanager.{region}.amazonaws.com")),
            },
        };
        Ok(Self {
            region: region.to_string(),
            endpoint,
            chain: Chain::from_env(region, env)?,
        })
    }

    /// One signed JSON call; `Err` is a transport failure or the AWS error, mapped.
    async fn call(&self, operation: &str, body: &Value) -> Result<Reply, ResolveError> {
        let credentials = self.chain.credentials().await?;
        let body = body.to_string().into_bytes();
        let path = self.endpoint.path("/");
        let mut headers = vec![
            ("host".to_string(), self.endpoint.authority()),
            (
                "content-type".to_string(),
                "application/x-amz-json-1.1".to_string(),
            ),
            (
                "x-amz-target".to_string(),
                format!("secretsmanager.{operation}"),
            ),
        ];
        let scope = Scope {
            region: &self.region,
            service: "secretsmanager",
        };
        sigv4::sign(
            "POST",
            &path,
            &mut headers,
            &body,
            &credentials,
            scope,
            SystemTime::now(),
        );
        headers.retain(|(name, _)| name != "host");
        let mut hide = vec![credentials.secret_access_key.as_str()];
        if let Some(token) = &credentials.session_token {
            hide.push(token);
        }
        let call = Call {
            method: Method::POST,
            path,
            headers,
            body,
        };
        let reply = send(&self.endpoint, call, &hide).await?;
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(error_of(&reply, operation, &credentials.access_key_id))
        }
    }

    /// The `AWSCURRENT` value of `name`: `SecretString`, else `SecretBinary` as UTF-8 text.
    pub async fn get(&self, name: &str) -> Result<Secret, ResolveError> {
        let mut reply = self
            .call("GetSecretValue", &json!({ "SecretId": name }))
            .await?;
        let parsed: Result<Value, _> = serde_json::from_slice(&reply.body);
        reply.body.zeroize();
        let mut json = parsed.map_err(|_| {
            ResolveError::Other("GetSecretValue answered something that is not JSON".into())
        })?;
        if let Some(Value::String(text)) = json.get_mut("SecretString").map(Value::take) {
            return Ok(Secret::new(text));
        }
        if let Some(Value::String(mut encoded)) = json.get_mut("SecretBinary").map(Value::take) {
            let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim());
            encoded.zeroize();
            let bytes = decoded.map_err(|_| {
                ResolveError::Other(
                    "GetSecretValue answered a SecretBinary that is not base64".into(),
                )
            })?;
            return text_secret(bytes, "the secret's SecretBinary");
        }
        Err(ResolveError::Other(
            "GetSecretValue answered neither SecretString nor SecretBinary".into(),
        ))
    }

    /// One page of ListSecrets (names only).
    pub async fn list(&self, token: Option<&str>, size: u32) -> Result<NamesPage, ResolveError> {
        let mut body = json!({ "MaxResults": size, "SortOrder": "asc" });
        if let Some(token) = token {
            body["NextToken"] = json!(token);
        }
        let reply = self.call("ListSecrets", &body).await?;
        let json = reply.json().unwrap_or(Value::Null);
        Ok(NamesPage::from_listing(
            &json,
            ["SecretList", "Name", "NextToken"],
            |name| name,
        ))
    }
}

/// AWS's JSON error (`__type`, `message`) as a [`ResolveError`].
pub fn error_of(reply: &Reply, operation: &str, key_id: &str) -> ResolveError {
    let json = reply.json().unwrap_or(Value::Null);
    let raw = json
        .get("__type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            reply
                .header("x-amzn-errortype")
                .map(|text| text.split(':').next().unwrap_or(text).to_string())
        })
        .or_else(|| xml_text(&String::from_utf8_lossy(&reply.body), "Code"))
        .unwrap_or_else(|| format!("HTTP {}", reply.status));
    let code = raw.rsplit('#').next().unwrap_or(&raw).to_string();
    let message = json
        .get("message")
        .or_else(|| json.get("Message"))
        .and_then(Value::as_str)
        .map(|text| one_line(text, 200))
        .or_else(|| {
            xml_text(&String::from_utf8_lossy(&reply.body), "Message")
                .map(|text| one_line(&text, 200))
        })
        .unwrap_or_else(|| reply.body_line());
    match code.as_str() {
        "ResourceNotFoundException" => ResolveError::NotFound,
        // Secrets Manager answers JSON; an IAM layer in front of it (moto's, a proxy's) may
        // answer the query protocol's XML `AccessDenied`.
        "AccessDeniedException" | "AccessDenied" => ResolveError::AccessDenied {
            action: format!("secretsmanager:{operation}"),
            detail: message,
        },
        "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => {
            ResolveError::Throttled
        }
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch" => {
            ResolveError::Credentials(format!("{code} for access key {key_id}: {message}"))
        }
        _ => ResolveError::Other(format!("{operation} failed: {code}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn aws_errors_are_classified() {
        let denied = reply(
            400,
            r#"{"__type":"AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: secretsmanager:GetSecretValue"}"#,
        );
        match error_of(&denied, "GetSecretValue", "AKID") {
            ResolveError::AccessDenied { action, detail } => {
                assert_eq!(action, "secretsmanager:GetSecretValue");
                assert!(detail.contains("user/nobody"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        let missing = reply(
            400,
            r#"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
        );
        assert_eq!(
            error_of(&missing, "GetSecretValue", "AKID"),
            ResolveError::NotFound
        );
        let throttled = reply(
            400,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        );
        assert_eq!(
            error_of(&throttled, "GetSecretValue", "AKID"),
            ResolveError::Throttled
        );
        let xml = reply(
            403,
            "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: x is not authorized</Message></Error></Errors></ErrorResponse>",
        );
        assert!(matches!(
            error_of(&xml, "GetSecretValue", "AKID"),
            ResolveError::AccessDenied { .. }
        ));
        let other = error_of(&reply(500, "oops"), "GetSecretValue", "AKID").to_string();
        assert!(other.contains("HTTP 500"), "{other}");
    }
}
