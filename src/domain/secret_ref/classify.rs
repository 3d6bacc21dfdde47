//! Recognising which form a reference was written in (bare name, ARN, GCP resource name, Azure
//! URL) from how it starts, so that each provider's parser only ever sees its own form.

use super::aws::parse_aws_arn;
use super::azure::{AZURE_FORMAT, parse_azure_url};
use super::gcp::{GCP_FORMAT, GCP_SERVICE_PREFIX, parse_gcp_resource};
use super::text::{quoted, strip_prefix_ci};
use super::{RefError, RefErrorReason, RefForm, SecretReference};

/// The input, trimmed and split by form; full identifiers keep the text after their scheme.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape<'a> {
    /// A provider-local name.
    Bare(&'a str),
    /// The text after `arn:`.
    AwsArn(&'a str),
    /// The resource name without any `//secretmanager.googleapis.com/` prefix.
    GcpResource(&'a str),
    /// The text after `https://`.
    AzureUrl(&'a str),
}

impl Shape<'_> {
    /// The form this shape stands for.
    pub(super) fn form(self) -> RefForm {
        match self {
            Shape::Bare(_) => RefForm::Bare,
            Shape::AwsArn(_) => RefForm::AwsArn,
            Shape::GcpResource(_) => RefForm::GcpResource,
            Shape::AzureUrl(_) => RefForm::AzureUrl,
        }
    }
}

/// Trims the input and decides its form from its start; refuses empty input and URLs that
/// cannot be a supported identifier.
pub(super) fn classify(input: &str) -> Result<Shape<'_>, RefError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(RefError::new(
            RefErrorReason::Empty,
            "the reference is empty; expected a secret name or a full identifier such as an ARN",
        ));
    }
    if let Some(rest) = strip_prefix_ci(text, "arn:") {
        return Ok(Shape::AwsArn(rest));
    }
    if let Some(rest) = strip_prefix_ci(text, GCP_SERVICE_PREFIX) {
        return Ok(Shape::GcpResource(rest));
    }
    if text.starts_with("//") {
        return Err(RefError::new(
            RefErrorReason::Malformed,
            format!(
                "{} is not a Secret Manager resource name; expected an optional {GCP_SERVICE_PREFIX} followed by {GCP_FORMAT}",
                quoted(text)
            ),
        ));
    }
    if text.starts_with("projects/") {
        return Ok(Shape::GcpResource(text));
    }
    if let Some(rest) = strip_prefix_ci(text, "https://") {
        return Ok(Shape::AzureUrl(rest));
    }
    if let Some((scheme, _)) = text.split_once("://") {
        return Err(RefError::new(
            RefErrorReason::Malformed,
            format!(
                "URL scheme {} is not supported; expected an Azure Key Vault secret URL {AZURE_FORMAT}",
                quoted(scheme)
            ),
        ));
    }
    Ok(Shape::Bare(text))
}

/// Parses a full identifier of any provider.
pub(super) fn parse_full(shape: Shape<'_>) -> Result<SecretReference, RefError> {
    match shape {
        Shape::Bare(name) => Ok(SecretReference::new(RefForm::Bare, name)),
        Shape::AwsArn(rest) => parse_aws_arn(rest),
        Shape::GcpResource(path) => parse_gcp_resource(path),
        Shape::AzureUrl(rest) => parse_azure_url(rest),
    }
}
