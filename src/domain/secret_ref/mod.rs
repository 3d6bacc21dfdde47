//! Linked-secret references (`LinkedSecretRef(secret_id)` in the SDK, `secret_id` on the wire).
//!
//! A config value may point at a secret in the environment's cloud secret manager instead of
//! holding a literal. Users write that pointer as a provider-local secret name or as a full
//! identifier copied from their cloud console (an AWS ARN, a GCP resource name, an Azure Key
//! Vault URL). This module exists so that the server (the authority, which knows its store), the
//! CLI and the console (which check syntax while the user types) share one set of rules: which
//! forms are recognised, how a full identifier is normalized to the provider-local name that is
//! stored, and why a reference is refused (shared/reference/secret-refs.md).
//!
//! Decisions on points the reference leaves open:
//! - Surrounding whitespace is trimmed (pasted ARNs often end in a newline); a reference that is
//!   empty after trimming is refused.
//! - Input starting with `arn:` is an AWS ARN, with `projects/` or `//` a GCP resource name, with
//!   `https://` an Azure Key Vault URL; everything else is a bare name. [`parse_reference`]
//!   checks a bare name against the most permissive rules (the AWS charset), and
//!   [`SecretStore::normalize`] against the store's own provider (the local store uses AWS rules).
//! - AWS: the 6-character suffix is stripped only from an ARN; any partition is accepted as long
//!   as account and region match the store.
//! - Azure: hosts, vaults and the `secrets` segment compare case-insensitively; the returned
//!   name is the one written in the URL. A Managed HSM host is refused as
//!   [`RefErrorReason::WrongProvider`]: it is a different service that holds no secrets.
//! - Every message starts with [`MESSAGE_PREFIX`] and quotes only parts of the reference and of
//!   the store's configuration (references are not secret values).

mod aws;
mod azure;
mod classify;
mod gcp;
mod names;
mod store;
mod text;

use std::fmt;

use classify::{Shape, classify, parse_full};
use names::ANY_NAME_RULES;

/// The start of every [`RefError`] message, so callers can prepend the config key.
pub const MESSAGE_PREFIX: &str = "secret reference: ";

/// A cloud secret manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Aws,
    Gcp,
    Azure,
}

impl Provider {
    /// The product name, e.g. `AWS Secrets Manager`.
    pub const fn label(self) -> &'static str {
        match self {
            Provider::Aws => "AWS Secrets Manager",
            Provider::Gcp => "GCP Secret Manager",
            Provider::Azure => "Azure Key Vault",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which form the reference was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefForm {
    /// A provider-local secret name.
    Bare,
    /// An AWS Secrets Manager ARN (full or partial).
    AwsArn,
    /// A GCP Secret Manager resource name.
    GcpResource,
    /// An Azure Key Vault secret URL.
    AzureUrl,
}

impl RefForm {
    /// The form with an article, for sentences: `an AWS Secrets Manager ARN`.
    pub const fn label(self) -> &'static str {
        match self {
            RefForm::Bare => "a secret name",
            RefForm::AwsArn => "an AWS Secrets Manager ARN",
            RefForm::GcpResource => "a GCP Secret Manager resource name",
            RefForm::AzureUrl => "an Azure Key Vault secret URL",
        }
    }

    /// The provider a full identifier belongs to; `None` for a bare name.
    pub const fn provider(self) -> Option<Provider> {
        match self {
            RefForm::Bare => None,
            RefForm::AwsArn => Some(Provider::Aws),
            RefForm::GcpResource => Some(Provider::Gcp),
            RefForm::AzureUrl => Some(Provider::Azure),
        }
    }
}

/// What a reference says, before it is checked against a store. The console shows this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretReference {
    pub form: RefForm,
    /// `None` for a bare name.
    pub provider: Option<Provider>,
    /// AWS partition (`aws`, `aws-cn`, ...).
    pub partition: Option<String>,
    /// AWS account id.
    pub account: Option<String>,
    /// AWS region or GCP location.
    pub region: Option<String>,
    /// GCP project.
    pub project: Option<String>,
    /// Azure vault name.
    pub vault: Option<String>,
    /// The provider-local secret name (what is stored).
    pub name: String,
    /// An explicit version, stage or alias, as written (`AWSCURRENT`, `latest`, `3`, ...).
    pub version: Option<String>,
    /// An AWS JSON-key selector, as written.
    pub json_key: Option<String>,
}

impl SecretReference {
    /// A reference with only a form and a name; the parsers fill in the rest.
    fn new(form: RefForm, name: &str) -> Self {
        SecretReference {
            form,
            provider: form.provider(),
            partition: None,
            account: None,
            region: None,
            project: None,
            vault: None,
            name: name.to_string(),
            version: None,
            json_key: None,
        }
    }

    /// A one-line human summary, e.g.
    /// `AWS Secrets Manager · account 123456789012 · region us-east-1 · name prod/pg/password`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        match self.provider {
            Some(provider) => parts.push(provider.label().to_string()),
            None => parts.push("secret name".to_string()),
        }
        if let Some(partition) = self.partition.as_deref().filter(|p| *p != "aws") {
            parts.push(format!("partition {partition}"));
        }
        if let Some(account) = &self.account {
            parts.push(format!("account {account}"));
        }
        if let Some(project) = &self.project {
            parts.push(format!("project {project}"));
        }
        match (&self.region, self.provider) {
            (Some(location), Some(Provider::Gcp)) => parts.push(format!("location {location}")),
            (None, Some(Provider::Gcp)) => parts.push("global".to_string()),
            (Some(region), _) => parts.push(format!("region {region}")),
            (None, _) => {}
        }
        if let Some(vault) = &self.vault {
            parts.push(format!("vault {vault}"));
        }
        parts.push(format!("name {}", self.name));
        if let Some(version) = &self.version {
            parts.push(format!("version {version}"));
        }
        parts.join(" · ")
    }
}

/// The environment's secret store, from `serve --secret-store`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SecretStore {
    /// The server's own local store.
    #[default]
    Local,
    Aws {
        account: String,
        region: String,
    },
    Gcp {
        project: String,
        region: Option<String>,
    },
    Azure {
        vault: String,
    },
}

/// Why a reference was refused; the message says which part is wrong and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RefError {
    pub reason: RefErrorReason,
    pub message: String,
}

impl RefError {
    /// An error whose message is [`MESSAGE_PREFIX`] followed by `detail`.
    fn new(reason: RefErrorReason, detail: impl fmt::Display) -> Self {
        RefError {
            reason,
            message: format!("{MESSAGE_PREFIX}{detail}"),
        }
    }
}

/// The rejection reasons, for tests and for the console to style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefErrorReason {
    Empty,
    Malformed,
    NonLatestVersion,
    JsonKeySelector,
    WrongProvider,
    WrongAccount,
    WrongRegion,
    WrongProject,
    WrongVault,
    BadName,
}

/// Parses a reference's syntax (no store needed). Syntax errors, explicit non-latest versions
/// and JSON-key selectors are rejected here already.
pub fn parse_reference(input: &str) -> Result<SecretReference, RefError> {
    match classify(input)? {
        Shape::Bare(name) => {
            ANY_NAME_RULES.check(name)?;
            Ok(SecretReference::new(RefForm::Bare, name))
        }
        full => parse_full(full),
    }
}

#[cfg(test)]
mod tests;
