//! Azure Key Vault secret URLs: parsing `https://VAULT.vault.azure.net/secrets/NAME` into the
//! secret name, and the vault-name shape that the store configuration shares.

use std::fmt;

use super::names::AZURE_NAME_RULES;
use super::text::{quoted, truncate};
use super::{RefError, RefErrorReason, RefForm, SecretReference};

/// The Azure Key Vault secret URL shape, quoted in messages.
pub(super) const AZURE_FORMAT: &str = "https://VAULT.vault.azure.net/secrets/NAME";
/// Key Vault DNS suffixes: public cloud, China, US Gov, Germany (legacy).
const AZURE_SUFFIXES: [&str; 4] = [
    "vault.azure.net",
    "vault.azure.cn",
    "vault.usgovcloudapi.net",
    "vault.microsoftazure.de",
];

/// Parses the part of a Key Vault URL after `https://`: `VAULT.SUFFIX/secrets/NAME[/VERSION][/]`.
pub(super) fn parse_azure_url(rest: &str) -> Result<SecretReference, RefError> {
    if rest.contains(['?', '#']) {
        return Err(azure_malformed(
            "query strings and fragments are not part of a secret identifier",
        ));
    }
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (vault, suffix) = host.split_once('.').unwrap_or((host, ""));
    let suffix = suffix.to_ascii_lowercase();
    if suffix.starts_with("managedhsm.") {
        return Err(RefError::new(
            RefErrorReason::WrongProvider,
            format!(
                "host {} is an Azure Managed HSM, which holds keys, not secrets; expected a Key Vault secret URL {AZURE_FORMAT}",
                quoted(host)
            ),
        ));
    }
    if !AZURE_SUFFIXES.contains(&suffix.as_str()) {
        return Err(azure_malformed(format!(
            "host {} is not an Azure Key Vault host (VAULT.vault.azure.net, or .vault.azure.cn, .vault.usgovcloudapi.net, .vault.microsoftazure.de)",
            quoted(host)
        )));
    }
    if !is_vault_name(vault) {
        return Err(azure_malformed(format!(
            "vault name {} is malformed: a vault name has 3-24 letters, digits and hyphens, starts with a letter, ends with a letter or digit and has no consecutive hyphens",
            quoted(vault)
        )));
    }
    let (name, version) = split_azure_path(path)?;
    AZURE_NAME_RULES.check(name)?;
    if let Some(version) = version {
        return Err(RefError::new(
            RefErrorReason::NonLatestVersion,
            format!(
                "explicit version {} is not supported; expected the base identifier https://{host}/secrets/{name} without a version, because the latest version is always read",
                quoted(version)
            ),
        ));
    }
    let mut reference = SecretReference::new(RefForm::AzureUrl, name);
    reference.vault = Some(vault.to_string());
    Ok(reference)
}

/// A malformed-URL error that repeats the expected shape.
fn azure_malformed(detail: impl fmt::Display) -> RefError {
    RefError::new(
        RefErrorReason::Malformed,
        format!("Azure Key Vault URL: {detail}; expected {AZURE_FORMAT}"),
    )
}

/// Splits the URL path `secrets/NAME[/VERSION][/]` into the name and the optional version.
fn split_azure_path(path: &str) -> Result<(&str, Option<&str>), RefError> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        ["", ..] => Err(azure_malformed("the URL has no /secrets/NAME path")),
        [kind, ..] if !kind.eq_ignore_ascii_case("secrets") => Err(azure_malformed(format!(
            "object type {} is not a secret",
            quoted(kind)
        ))),
        [_, name] if !name.is_empty() => Ok((*name, None)),
        [_, name, version] if !name.is_empty() && !version.is_empty() => {
            Ok((*name, Some(*version)))
        }
        [_] => Err(azure_malformed(
            "the secret name after /secrets/ is missing",
        )),
        _ => Err(azure_malformed(format!(
            "the path /{} has empty or extra segments",
            truncate(path)
        ))),
    }
}

/// An Azure vault name: 3-24 letters, digits and hyphens, starting with a letter, ending with a
/// letter or digit, without consecutive hyphens.
pub(super) fn is_vault_name(text: &str) -> bool {
    (3..=24).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !text.contains("--")
}
