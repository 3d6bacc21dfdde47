//! AWS Secrets Manager ARNs: parsing `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`
//! into the provider-local name (the random suffix stripped), and the account and region shapes
//! that the store configuration shares.

use std::fmt;

use super::names::AWS_NAME_RULES;
use super::text::quoted;
use super::{RefError, RefErrorReason, RefForm, SecretReference};

/// The AWS ARN shape, quoted in messages.
pub(super) const AWS_ARN_FORMAT: &str = "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME";

/// Parses the part of an ARN after `arn:`: partition, service, region, account, `secret`, the
/// name (suffix stripped) and the optional `:JSON-KEY:STAGE:VERSION-ID` selectors.
pub(super) fn parse_aws_arn(rest: &str) -> Result<SecretReference, RefError> {
    let fields: Vec<&str> = rest.split(':').collect();
    let [
        partition,
        service,
        region,
        account,
        resource,
        name_field,
        selectors @ ..,
    ] = fields.as_slice()
    else {
        return Err(aws_malformed("the ARN is incomplete"));
    };
    check_aws_partition(partition)?;
    if *service != "secretsmanager" {
        return Err(aws_malformed(format!(
            "service {} in the ARN is not Secrets Manager; expected secretsmanager",
            quoted(service)
        )));
    }
    if !is_arn_region(region) {
        return Err(aws_malformed(format!(
            "region {} in the ARN is malformed; expected a region such as us-east-1",
            quoted(region)
        )));
    }
    if !is_aws_account(account) {
        return Err(aws_malformed(format!(
            "account {} in the ARN is malformed; expected 12 digits",
            quoted(account)
        )));
    }
    if *resource != "secret" {
        return Err(aws_malformed(format!(
            "resource type {} in the ARN is not a secret; expected secret",
            quoted(resource)
        )));
    }
    if name_field.is_empty() {
        return Err(aws_malformed("the ARN has no secret name after secret:"));
    }
    let name = strip_aws_suffix(name_field);
    AWS_NAME_RULES.check(name)?;
    let version = check_aws_selectors(selectors)?;
    let mut reference = SecretReference::new(RefForm::AwsArn, name);
    reference.partition = Some(partition.to_string());
    reference.region = Some(region.to_string());
    reference.account = Some(account.to_string());
    reference.version = version;
    Ok(reference)
}

/// A malformed-ARN error that repeats the expected shape.
fn aws_malformed(detail: impl fmt::Display) -> RefError {
    RefError::new(
        RefErrorReason::Malformed,
        format!("{detail}; expected {AWS_ARN_FORMAT}"),
    )
}

/// Accepts `aws`, `aws-cn`, `aws-us-gov` and the ISO partitions `aws-iso*`.
fn check_aws_partition(partition: &str) -> Result<(), RefError> {
    let iso = partition
        .strip_prefix("aws-iso")
        .is_some_and(|tail| tail.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
    if iso || matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Ok(());
    }
    Err(RefError::new(
        RefErrorReason::Malformed,
        format!(
            "partition {} in the ARN is not an AWS partition; expected aws, aws-cn, aws-us-gov or aws-iso*",
            quoted(partition)
        ),
    ))
}

/// Strips the trailing `-` + 6 alphanumerics that AWS appends to a secret's name in a full ARN
/// (only the last one: `my-secret-abcdef-XyZ123` gives `my-secret-abcdef`). A field without
/// that suffix comes from a partial ARN and is the name as written.
fn strip_aws_suffix(field: &str) -> &str {
    match field.rsplit_once('-') {
        Some((head, tail))
            if !head.is_empty()
                && tail.len() == 6
                && tail.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            head
        }
        _ => field,
    }
}

/// Checks the ECS-style selectors after the name (`JSON-KEY`, `VERSION-STAGE`, `VERSION-ID`,
/// each possibly empty). Only no selector or the stage `AWSCURRENT` is accepted; returns the
/// stage when one was written.
fn check_aws_selectors(selectors: &[&str]) -> Result<Option<String>, RefError> {
    if selectors.len() > 3 {
        return Err(aws_malformed(format!(
            "the ARN has {} fields after the secret name, more than JSON-KEY:VERSION-STAGE:VERSION-ID",
            selectors.len()
        )));
    }
    let field = |index: usize| selectors.get(index).copied().filter(|s| !s.is_empty());
    if let Some(key) = field(0) {
        return Err(RefError::new(
            RefErrorReason::JsonKeySelector,
            format!(
                "JSON-key selector {} after the secret name is not supported; expected the ARN of the whole secret, ending at its name",
                quoted(key)
            ),
        ));
    }
    let stage = field(1);
    if let Some(stage) = stage.filter(|s| *s != "AWSCURRENT") {
        return Err(RefError::new(
            RefErrorReason::NonLatestVersion,
            format!(
                "version stage {} is not the latest version; expected AWSCURRENT or no stage, because the latest version is always read",
                quoted(stage)
            ),
        ));
    }
    if let Some(id) = field(2) {
        return Err(RefError::new(
            RefErrorReason::NonLatestVersion,
            format!(
                "explicit version id {} is not supported; expected no version id, because the latest version is always read",
                quoted(id)
            ),
        ));
    }
    Ok(stage.map(str::to_string))
}

/// A 12-digit AWS account id.
pub(super) fn is_aws_account(text: &str) -> bool {
    text.len() == 12 && text.chars().all(|c| c.is_ascii_digit())
}

/// A region field of an ARN: 1-32 lowercase letters, digits and hyphens.
fn is_arn_region(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A store's AWS region such as `us-east-1` or `us-gov-west-1`: lowercase words joined by
/// hyphens, ending in a number.
pub(super) fn is_aws_store_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    parts.len() >= 3
        && is_arn_region(text)
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
}
