//! Linked-secret references: parsing, normalization to the provider-local name, and the
//! rejection rules of shared/reference/secret-refs.md.
//!
//! CONTRACT (placeholder bodies; the full implementation replaces them, keeping these signatures).

use std::fmt;
use std::str::FromStr;

/// A cloud secret manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Aws,
    Gcp,
    Azure,
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

/// The environment's secret store, from `serve --secret-store`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SecretStore {
    /// The server's own local store.
    #[default]
    Local,
    Aws { account: String, region: String },
    Gcp { project: String, region: Option<String> },
    Azure { vault: String },
}

/// Why a reference was refused; the message says which part is wrong and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RefError {
    pub reason: RefErrorReason,
    pub message: String,
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
pub fn parse_reference(_input: &str) -> Result<SecretReference, RefError> {
    todo!("secret_ref::parse_reference")
}

impl SecretStore {
    /// Checks a reference against this store and returns the normalized provider-local name.
    pub fn normalize(&self, _input: &str) -> Result<String, RefError> {
        todo!("secret_ref::SecretStore::normalize")
    }
}

impl FromStr for SecretStore {
    type Err = String;
    /// `local`, `aws:ACCOUNT:REGION`, `gcp:PROJECT[:REGION]`, `azure:VAULT`.
    fn from_str(_text: &str) -> Result<Self, Self::Err> {
        todo!("secret_ref::SecretStore::from_str")
    }
}

impl fmt::Display for SecretStore {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("secret_ref::SecretStore::fmt")
    }
}
