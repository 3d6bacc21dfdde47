//! What differs between the AWS kinds (signing name, JSON target, their keys), and what the
//! config says about where to send a check and with which key: the region, the endpoint and
//! the access key, each failing in the stage a person would fix.

use crate::probe::auth::sigv4::Credentials;
use crate::probe::config::{required, value};
use crate::probe::transport::http::Endpoint;
use crate::probe::{ResolvedConfig, Stage, StageError};

/// What differs between the AWS kinds.
pub(super) struct Spec {
    /// SigV4 signing name and endpoint prefix.
    pub(super) service: &'static str,
    /// `X-Amz-Target` prefix.
    pub(super) target: &'static str,
    /// `application/x-amz-json-{version}`.
    pub(super) json_version: &'static str,
    pub(super) endpoint_keys: &'static [&'static str],
    pub(super) access_key_id: &'static str,
    pub(super) secret_access_key: &'static str,
    pub(super) session_token: Option<&'static str>,
    pub(super) role_arn: &'static str,
}

pub(super) const ATHENA: &Spec = &Spec {
    service: "athena",
    target: "AmazonAthena",
    json_version: "1.1",
    endpoint_keys: &["AWS_ENDPOINT_URL_ATHENA", "AWS_ENDPOINT_URL"],
    access_key_id: "ATHENA_AWS_ACCESS_KEY_ID",
    secret_access_key: "ATHENA_AWS_ACCESS_KEY_SECRET",
    session_token: None,
    role_arn: "ATHENA_ROLE_ARN",
};

pub(super) const DYNAMODB: &Spec = &Spec {
    service: "dynamodb",
    target: "DynamoDB_20120810",
    json_version: "1.0",
    endpoint_keys: &["DYNAMODB_ENDPOINT_OVERRIDE"],
    access_key_id: "DYNAMODB_AWS_CLIENT_ID_OVERRIDE",
    secret_access_key: "DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE",
    session_token: None,
    role_arn: "DYNAMODB_AWS_ROLE_ARN_OVERRIDE",
};

pub(super) const KINESIS: &Spec = &Spec {
    service: "kinesis",
    target: "Kinesis_20131202",
    json_version: "1.1",
    endpoint_keys: &["KINESIS_ENDPOINT_URL"],
    access_key_id: "KINESIS_AWS_ACCESS_KEY_ID",
    secret_access_key: "KINESIS_AWS_SECRET_ACCESS_KEY",
    session_token: Some("KINESIS_AWS_SESSION_TOKEN"),
    role_arn: "KINESIS_CONSUMER_ROLE_ARN",
};

/// A region from `key`, required, and safe to put in a host name.
pub(super) fn region<'a>(config: &'a ResolvedConfig, key: &str) -> Result<&'a str, StageError> {
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
pub(super) fn endpoint(
    spec: &Spec,
    config: &ResolvedConfig,
    region: &str,
) -> Result<Endpoint, StageError> {
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
pub(super) fn credentials(spec: &Spec, config: &ResolvedConfig) -> Result<Credentials, StageError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

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
}
