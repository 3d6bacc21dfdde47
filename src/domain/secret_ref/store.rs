//! The environment's secret store: parsing and printing `serve --secret-store` (`local`,
//! `aws:ACCOUNT:REGION`, `gcp:PROJECT[:REGION]`, `azure:VAULT`), and checking a reference against
//! the store, so that only names from this environment's own account, project or vault are stored.

use std::fmt;
use std::str::FromStr;

use super::aws::{is_aws_account, is_aws_store_region};
use super::azure::is_vault_name;
use super::classify::{Shape, classify, parse_full};
use super::gcp::{is_gcp_project, is_gcp_store_region};
use super::names::{AWS_NAME_RULES, AZURE_NAME_RULES, GCP_NAME_RULES, LOCAL_NAME_RULES, NameRules};
use super::text::quoted;
use super::{Provider, RefError, RefErrorReason, RefForm, SecretReference, SecretStore};

impl SecretStore {
    /// Checks a reference against this store and returns the normalized provider-local name.
    pub fn normalize(&self, input: &str) -> Result<String, RefError> {
        let shape = classify(input)?;
        if let Shape::Bare(name) = shape {
            self.name_rules().check(name)?;
            return Ok(name.to_string());
        }
        self.check_provider(shape.form())?;
        let reference = parse_full(shape)?;
        self.check_same_store(&reference)?;
        Ok(reference.name)
    }

    /// The store's provider; `None` for the local store.
    pub fn provider(&self) -> Option<Provider> {
        match self {
            SecretStore::Local => None,
            SecretStore::Aws { .. } => Some(Provider::Aws),
            SecretStore::Gcp { .. } => Some(Provider::Gcp),
            SecretStore::Azure { .. } => Some(Provider::Azure),
        }
    }

    /// A human summary, e.g. `AWS Secrets Manager (account 123456789012, region us-east-1)`.
    pub fn describe(&self) -> String {
        match self {
            SecretStore::Local => "the local store".to_string(),
            SecretStore::Aws { account, region } => {
                format!("AWS Secrets Manager (account {account}, region {region})")
            }
            SecretStore::Gcp {
                project,
                region: Some(region),
            } => format!("GCP Secret Manager (project {project}, region {region})"),
            SecretStore::Gcp {
                project,
                region: None,
            } => format!("GCP Secret Manager (project {project}, no region)"),
            SecretStore::Azure { vault } => format!("Azure Key Vault (vault {vault})"),
        }
    }

    /// The name rules a bare name must follow in this store.
    fn name_rules(&self) -> &'static NameRules {
        match self {
            SecretStore::Local => &LOCAL_NAME_RULES,
            SecretStore::Aws { .. } => &AWS_NAME_RULES,
            SecretStore::Gcp { .. } => &GCP_NAME_RULES,
            SecretStore::Azure { .. } => &AZURE_NAME_RULES,
        }
    }

    /// Refuses a full identifier of another provider than this store's (every one, for `Local`).
    fn check_provider(&self, form: RefForm) -> Result<(), RefError> {
        if self.provider() == form.provider() {
            return Ok(());
        }
        let detail = match self {
            SecretStore::Local => format!(
                "{} cannot be used here: this environment's secret store is local, and only plain secret names are accepted",
                form.label()
            ),
            _ => format!(
                "{} cannot be used here: this environment's secret store is {}; expected a secret name or an identifier from that store",
                form.label(),
                self.describe()
            ),
        };
        Err(RefError::new(RefErrorReason::WrongProvider, detail))
    }

    /// Checks the account/region, project/location or vault of a parsed full identifier of
    /// this store's provider.
    fn check_same_store(&self, reference: &SecretReference) -> Result<(), RefError> {
        match self {
            SecretStore::Local => Ok(()),
            SecretStore::Aws { account, region } => check_aws_store(reference, account, region),
            SecretStore::Gcp { project, region } => {
                check_gcp_store(reference, project, region.as_deref())
            }
            SecretStore::Azure { vault } => check_azure_store(reference, vault),
        }
    }
}

/// Refuses an ARN from another account or region than the store's.
fn check_aws_store(
    reference: &SecretReference,
    account: &str,
    region: &str,
) -> Result<(), RefError> {
    let ref_account = reference.account.as_deref().unwrap_or_default();
    if ref_account != account {
        return Err(RefError::new(
            RefErrorReason::WrongAccount,
            format!(
                "account {ref_account} does not match this environment's AWS account {account}; cross-account references are not supported"
            ),
        ));
    }
    let ref_region = reference.region.as_deref().unwrap_or_default();
    if ref_region != region {
        return Err(RefError::new(
            RefErrorReason::WrongRegion,
            format!(
                "region {ref_region} does not match this environment's AWS region {region}; cross-region references are not supported"
            ),
        ));
    }
    Ok(())
}

/// Refuses a resource name from another project, or from a location the store does not use.
fn check_gcp_store(
    reference: &SecretReference,
    project: &str,
    region: Option<&str>,
) -> Result<(), RefError> {
    let ref_project = reference.project.as_deref().unwrap_or_default();
    if ref_project != project {
        return Err(RefError::new(
            RefErrorReason::WrongProject,
            format!(
                "project {ref_project} does not match this environment's GCP project {project}; cross-project references are not supported"
            ),
        ));
    }
    match (reference.region.as_deref(), region) {
        (None, _) => Ok(()),
        (Some(location), Some(region)) if location == region => Ok(()),
        (Some(location), Some(region)) => Err(RefError::new(
            RefErrorReason::WrongRegion,
            format!(
                "location {location} does not match this environment's GCP region {region}; cross-region references are not supported"
            ),
        )),
        (Some(location), None) => Err(RefError::new(
            RefErrorReason::WrongRegion,
            format!(
                "location {location} cannot be used: this environment's GCP store (project {project}) has no region; expected the global form projects/{project}/secrets/{}",
                reference.name
            ),
        )),
    }
}

/// Refuses a URL from another vault than the store's (vault names compare case-insensitively).
fn check_azure_store(reference: &SecretReference, vault: &str) -> Result<(), RefError> {
    let ref_vault = reference.vault.as_deref().unwrap_or_default();
    if ref_vault.eq_ignore_ascii_case(vault) {
        return Ok(());
    }
    Err(RefError::new(
        RefErrorReason::WrongVault,
        format!(
            "vault {ref_vault} does not match this environment's Azure Key Vault {vault}; cross-vault references are not supported"
        ),
    ))
}

impl FromStr for SecretStore {
    type Err = String;
    /// `local`, `aws:ACCOUNT:REGION`, `gcp:PROJECT[:REGION]`, `azure:VAULT`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let fields: Vec<&str> = text.split(':').collect();
        let kind = fields
            .first()
            .copied()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let params = fields.get(1..).unwrap_or_default();
        match kind.as_str() {
            "local" if params.is_empty() => Ok(SecretStore::Local),
            "local" => Err(format!(
                "invalid secret store {}: the local store takes no parameters; expected `local`",
                quoted(text)
            )),
            "aws" => parse_aws_store(text, params),
            "gcp" => parse_gcp_store(text, params),
            "azure" => parse_azure_store(text, params),
            _ => Err(format!(
                "invalid secret store {}: expected `local`, `aws:ACCOUNT:REGION`, `gcp:PROJECT[:REGION]` or `azure:VAULT`",
                quoted(text)
            )),
        }
    }
}

/// Parses the parameters of `aws:ACCOUNT:REGION`.
fn parse_aws_store(text: &str, params: &[&str]) -> Result<SecretStore, String> {
    let [account, region] = params else {
        return Err(format!(
            "invalid secret store {}: expected `aws:ACCOUNT:REGION`, e.g. `aws:123456789012:us-east-1`",
            quoted(text)
        ));
    };
    if !is_aws_account(account) {
        return Err(format!(
            "invalid secret store {}: AWS account {} must be 12 digits, as in `aws:123456789012:us-east-1`",
            quoted(text),
            quoted(account)
        ));
    }
    if !is_aws_store_region(region) {
        return Err(format!(
            "invalid secret store {}: AWS region {} must look like `us-east-1`, as in `aws:123456789012:us-east-1`",
            quoted(text),
            quoted(region)
        ));
    }
    Ok(SecretStore::Aws {
        account: account.to_string(),
        region: region.to_string(),
    })
}

/// Parses the parameters of `gcp:PROJECT[:REGION]`.
fn parse_gcp_store(text: &str, params: &[&str]) -> Result<SecretStore, String> {
    let (project, region) = match params {
        [project] => (*project, None),
        [project, region] => (*project, Some(*region)),
        _ => {
            return Err(format!(
                "invalid secret store {}: expected `gcp:PROJECT` or `gcp:PROJECT:REGION`, e.g. `gcp:my-project:us-central1`",
                quoted(text)
            ));
        }
    };
    if !is_gcp_project(project) {
        return Err(format!(
            "invalid secret store {}: GCP project {} must be a project ID (6-30 lowercase letters, digits and hyphens, starting with a letter) or a project number",
            quoted(text),
            quoted(project)
        ));
    }
    if let Some(region) = region
        && !is_gcp_store_region(region)
    {
        return Err(format!(
            "invalid secret store {}: GCP region {} must look like `us-central1`, as in `gcp:my-project:us-central1`",
            quoted(text),
            quoted(region)
        ));
    }
    Ok(SecretStore::Gcp {
        project: project.to_string(),
        region: region.map(str::to_string),
    })
}

/// Parses the parameter of `azure:VAULT`.
fn parse_azure_store(text: &str, params: &[&str]) -> Result<SecretStore, String> {
    let [vault] = params else {
        return Err(format!(
            "invalid secret store {}: expected `azure:VAULT`, e.g. `azure:my-vault`",
            quoted(text)
        ));
    };
    if !is_vault_name(vault) {
        return Err(format!(
            "invalid secret store {}: Azure vault name {} must be 3-24 letters, digits and hyphens, start with a letter, end with a letter or digit, and have no consecutive hyphens",
            quoted(text),
            quoted(vault)
        ));
    }
    Ok(SecretStore::Azure {
        vault: vault.to_string(),
    })
}

impl fmt::Display for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretStore::Local => f.write_str("local"),
            SecretStore::Aws { account, region } => write!(f, "aws:{account}:{region}"),
            SecretStore::Gcp {
                project,
                region: None,
            } => write!(f, "gcp:{project}"),
            SecretStore::Gcp {
                project,
                region: Some(region),
            } => write!(f, "gcp:{project}:{region}"),
            SecretStore::Azure { vault } => write!(f, "azure:{vault}"),
        }
    }
}
