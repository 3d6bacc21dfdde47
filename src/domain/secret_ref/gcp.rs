//! GCP Secret Manager resource names: parsing
//! `projects/PROJECT[/locations/LOCATION]/secrets/SECRET[/versions/latest]` into the secret id,
//! and the project and region shapes that the store configuration shares.

use std::fmt;

use super::names::GCP_NAME_RULES;
use super::text::quoted;
use super::{RefError, RefErrorReason, RefForm, SecretReference};

/// The GCP resource-name shape, quoted in messages.
pub(super) const GCP_FORMAT: &str =
    "projects/PROJECT[/locations/LOCATION]/secrets/SECRET[/versions/latest]";
/// The optional full-resource-name prefix of GCP resource names.
pub(super) const GCP_SERVICE_PREFIX: &str = "//secretmanager.googleapis.com/";

/// Parses `projects/P[/locations/L]/secrets/S[/versions/V]` (any service prefix already gone).
pub(super) fn parse_gcp_resource(path: &str) -> Result<SecretReference, RefError> {
    let mut segments = path.split('/');
    expect_gcp_keyword(segments.next(), "projects")?;
    let project = expect_gcp_value(segments.next(), "project")?;
    let mut next = segments.next();
    let mut location = None;
    if next == Some("locations") {
        location = Some(expect_gcp_value(segments.next(), "location")?);
        next = segments.next();
    }
    expect_gcp_keyword(next, "secrets")?;
    let name = expect_gcp_value(segments.next(), "secret id")?;
    let version = match segments.next() {
        None => None,
        Some(keyword) => {
            expect_gcp_keyword(Some(keyword), "versions")?;
            Some(expect_gcp_value(segments.next(), "version")?)
        }
    };
    if let Some(extra) = segments.next() {
        return Err(gcp_malformed(format!(
            "unexpected segment {} after the version",
            quoted(extra)
        )));
    }
    if !is_gcp_project(project) {
        return Err(gcp_malformed(format!(
            "project {} is malformed: a project ID has 6-30 lowercase letters, digits and hyphens and starts with a letter, a project number only digits",
            quoted(project)
        )));
    }
    if let Some(location) = location
        && !is_gcp_location(location)
    {
        return Err(gcp_malformed(format!(
            "location {} is malformed: expected lowercase letters, digits and hyphens such as us-central1",
            quoted(location)
        )));
    }
    GCP_NAME_RULES.check(name)?;
    if let Some(version) = version {
        check_gcp_version(version)?;
    }
    let mut reference = SecretReference::new(RefForm::GcpResource, name);
    reference.project = Some(project.to_string());
    reference.region = location.map(str::to_string);
    reference.version = version.map(str::to_string);
    Ok(reference)
}

/// A malformed-resource-name error that repeats the expected shape.
fn gcp_malformed(detail: impl fmt::Display) -> RefError {
    RefError::new(
        RefErrorReason::Malformed,
        format!("GCP resource name: {detail}; expected {GCP_FORMAT}"),
    )
}

/// Requires the next segment to be the collection keyword `keyword`.
fn expect_gcp_keyword(segment: Option<&str>, keyword: &str) -> Result<(), RefError> {
    match segment {
        Some(found) if found == keyword => Ok(()),
        Some(found) => Err(gcp_malformed(format!(
            "found {} where {keyword}/ was expected",
            quoted(found)
        ))),
        None => Err(gcp_malformed(format!(
            "it ends where {keyword}/ was expected"
        ))),
    }
}

/// Requires the next segment to be a non-empty value (a project, location, secret id, version).
fn expect_gcp_value<'a>(segment: Option<&'a str>, what: &str) -> Result<&'a str, RefError> {
    match segment {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(gcp_malformed(format!("the {what} is missing"))),
    }
}

/// Accepts only the `latest` alias; numbers and other aliases are explicit versions.
fn check_gcp_version(version: &str) -> Result<(), RefError> {
    if version == "latest" {
        return Ok(());
    }
    let what = if version.chars().all(|c| c.is_ascii_digit()) {
        "explicit version"
    } else {
        "version alias"
    };
    Err(RefError::new(
        RefErrorReason::NonLatestVersion,
        format!(
            "{what} {} is not supported; expected /versions/latest or no version, because the latest version is always read",
            quoted(version)
        ),
    ))
}

/// A GCP project ID (6-30 lowercase letters, digits, hyphens; starts with a letter; does not
/// end with a hyphen) or a project number.
pub(super) fn is_gcp_project(text: &str) -> bool {
    if !text.is_empty() && text.len() <= 20 && text.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    (6..=30).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && !text.ends_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A location segment: 1-63 lowercase letters, digits and hyphens.
fn is_gcp_location(text: &str) -> bool {
    (1..=63).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A store's GCP region such as `us-central1`: a location that starts with a letter and ends
/// with a digit.
pub(super) fn is_gcp_store_region(text: &str) -> bool {
    is_gcp_location(text)
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.ends_with(|c: char| c.is_ascii_digit())
}
