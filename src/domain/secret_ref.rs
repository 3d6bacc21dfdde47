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

use std::fmt;
use std::str::FromStr;

/// The start of every [`RefError`] message, so callers can prepend the config key.
pub const MESSAGE_PREFIX: &str = "secret reference: ";

/// The AWS ARN shape, quoted in messages.
const AWS_ARN_FORMAT: &str = "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME";
/// The GCP resource-name shape, quoted in messages.
const GCP_FORMAT: &str = "projects/PROJECT[/locations/LOCATION]/secrets/SECRET[/versions/latest]";
/// The Azure Key Vault secret URL shape, quoted in messages.
const AZURE_FORMAT: &str = "https://VAULT.vault.azure.net/secrets/NAME";
/// The optional full-resource-name prefix of GCP resource names.
const GCP_SERVICE_PREFIX: &str = "//secretmanager.googleapis.com/";
/// Key Vault DNS suffixes: public cloud, China, US Gov, Germany (legacy).
const AZURE_SUFFIXES: [&str; 4] = [
    "vault.azure.net",
    "vault.azure.cn",
    "vault.usgovcloudapi.net",
    "vault.microsoftazure.de",
];
/// The longest fragment of the input quoted in a message.
const MAX_QUOTED_CHARS: usize = 80;

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

// ---------------------------------------------------------------------------------------------
// Recognising the form

/// The input, trimmed and split by form; full identifiers keep the text after their scheme.
#[derive(Clone, Copy, Debug)]
enum Shape<'a> {
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
    fn form(self) -> RefForm {
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
fn classify(input: &str) -> Result<Shape<'_>, RefError> {
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
fn parse_full(shape: Shape<'_>) -> Result<SecretReference, RefError> {
    match shape {
        Shape::Bare(name) => Ok(SecretReference::new(RefForm::Bare, name)),
        Shape::AwsArn(rest) => parse_aws_arn(rest),
        Shape::GcpResource(path) => parse_gcp_resource(path),
        Shape::AzureUrl(rest) => parse_azure_url(rest),
    }
}

// ---------------------------------------------------------------------------------------------
// AWS

/// Parses the part of an ARN after `arn:`: partition, service, region, account, `secret`, the
/// name (suffix stripped) and the optional `:JSON-KEY:STAGE:VERSION-ID` selectors.
fn parse_aws_arn(rest: &str) -> Result<SecretReference, RefError> {
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
fn is_aws_account(text: &str) -> bool {
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
fn is_aws_store_region(text: &str) -> bool {
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

// ---------------------------------------------------------------------------------------------
// GCP

/// Parses `projects/P[/locations/L]/secrets/S[/versions/V]` (any service prefix already gone).
fn parse_gcp_resource(path: &str) -> Result<SecretReference, RefError> {
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
fn is_gcp_project(text: &str) -> bool {
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
fn is_gcp_store_region(text: &str) -> bool {
    is_gcp_location(text)
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.ends_with(|c: char| c.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Azure

/// Parses the part of a Key Vault URL after `https://`: `VAULT.SUFFIX/secrets/NAME[/VERSION][/]`.
fn parse_azure_url(rest: &str) -> Result<SecretReference, RefError> {
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
fn is_vault_name(text: &str) -> bool {
    (3..=24).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !text.contains("--")
}

// ---------------------------------------------------------------------------------------------
// Secret-name rules

/// The name rules of one provider (or of the local store).
struct NameRules {
    /// What the names are, for messages: `AWS Secrets Manager secret names`.
    subject: &'static str,
    /// Whether a character may appear in a name.
    allowed: fn(char) -> bool,
    /// The allowed characters, for messages.
    allowed_text: &'static str,
    /// The longest name, in characters.
    max: usize,
}

/// AWS Secrets Manager: ASCII letters, digits and `/_+=.@-`, at most 512.
const AWS_NAME_RULES: NameRules = NameRules {
    subject: "AWS Secrets Manager secret names",
    allowed: is_aws_name_char,
    allowed_text: "ASCII letters, digits and /_+=.@-",
    max: 512,
};

/// The local store follows the AWS rules.
const LOCAL_NAME_RULES: NameRules = NameRules {
    subject: "local-store secret names",
    ..AWS_NAME_RULES
};

/// Store-independent check: the AWS charset is a superset of the GCP and Azure ones.
const ANY_NAME_RULES: NameRules = NameRules {
    subject: "the secret names of any supported secret manager",
    ..AWS_NAME_RULES
};

/// GCP Secret Manager secret ids: `[A-Za-z0-9_-]{1,255}`.
const GCP_NAME_RULES: NameRules = NameRules {
    subject: "GCP Secret Manager secret ids",
    allowed: is_gcp_name_char,
    allowed_text: "ASCII letters, digits, - and _",
    max: 255,
};

/// Azure Key Vault secret names: `[0-9A-Za-z-]{1,127}`.
const AZURE_NAME_RULES: NameRules = NameRules {
    subject: "Azure Key Vault secret names",
    allowed: is_azure_name_char,
    allowed_text: "ASCII letters, digits and -",
    max: 127,
};

impl NameRules {
    /// Checks a provider-local name: non-empty, allowed characters only, not too long.
    fn check(&self, name: &str) -> Result<(), RefError> {
        let NameRules {
            subject,
            allowed_text,
            max,
            ..
        } = self;
        if name.is_empty() {
            return Err(RefError::new(
                RefErrorReason::BadName,
                format!("the secret name is empty; expected 1-{max} characters: {allowed_text}"),
            ));
        }
        if let Some(bad) = name.chars().find(|c| !(self.allowed)(*c)) {
            return Err(RefError::new(
                RefErrorReason::BadName,
                format!(
                    "name {} contains {bad:?}, which is not allowed in {subject}; expected {allowed_text} (1-{max} characters)",
                    quoted(name)
                ),
            ));
        }
        let length = name.chars().count();
        if length > *max {
            return Err(RefError::new(
                RefErrorReason::BadName,
                format!(
                    "name is {length} characters long; {subject} have at most {max} characters"
                ),
            ));
        }
        Ok(())
    }
}

/// An AWS name character: ASCII letter, digit or one of `/_+=.@-`.
fn is_aws_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

/// A GCP secret-id character: ASCII letter, digit, `-` or `_`.
fn is_gcp_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// An Azure secret-name character: ASCII letter, digit or `-`.
fn is_azure_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

// ---------------------------------------------------------------------------------------------
// Small text helpers

/// `text` without `prefix`, compared ASCII-case-insensitively.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// At most [`MAX_QUOTED_CHARS`] characters of `text`, and whether it was cut.
fn head(text: &str) -> (String, bool) {
    let head: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    let cut = head.len() < text.len();
    (head, cut)
}

/// `text` cut to [`MAX_QUOTED_CHARS`] characters, with `…` when cut.
fn truncate(text: &str) -> String {
    match head(text) {
        (head, true) => format!("{head}…"),
        (head, false) => head,
    }
}

/// A fragment of the input for a message: quoted, escaped and cut like [`truncate`].
fn quoted(text: &str) -> String {
    match head(text) {
        (head, true) => format!("{head:?}…"),
        (head, false) => format!("{head:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::RefErrorReason::*;
    use super::*;

    /// What a vector expects: the normalized name, or a reason plus fragments of the message.
    enum Want {
        Name(&'static str),
        Fails(RefErrorReason, &'static [&'static str]),
    }
    use Want::{Fails, Name};

    /// Store-independent: the vector runs `parse_reference` and compares the parsed name.
    const PARSE: &str = "";
    const AWS: &str = "aws:123456789012:us-east-1";
    const GCP: &str = "gcp:my-project:us-central1";
    const GCP_GLOBAL: &str = "gcp:my-project";
    const AZ: &str = "azure:myvault";
    const LOCAL: &str = "local";

    /// (store, input, expectation).
    const VECTORS: &[(&str, &str, Want)] = &[
        // --- AWS: the reference's own vectors ---
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
            Name("prod/pg/password"),
        ),
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret-abcdef-XyZ123",
            Name("my-secret-abcdef"),
        ),
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT:",
            Fails(JsonKeySelector, &["\"password\"", "whole secret"]),
        ),
        // --- AWS: accepted forms ---
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
            Name("prod/pg/password"),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password",
            Name("prod/pg/password"),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSCURRENT:",
            Name("db"),
        ),
        (
            AWS,
            "  arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\n",
            Name("db"),
        ),
        (
            AWS,
            "prod/pg/password-a1B2c3",
            Name("prod/pg/password-a1B2c3"),
        ),
        (PARSE, "  my-secret-abcdef  ", Name("my-secret-abcdef")),
        (AWS, "snowflake-prod-key", Name("snowflake-prod-key")),
        (
            "aws:123456789012:cn-north-1",
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:cn/db-AbCdEf",
            Name("cn/db"),
        ),
        (
            "aws:123456789012:us-gov-west-1",
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:gov-db",
            Name("gov-db"),
        ),
        (
            PARSE,
            "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:iso+key@x=1",
            Name("iso+key@x=1"),
        ),
        // --- AWS: rejections ---
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPREVIOUS",
            Fails(
                NonLatestVersion,
                &["\"AWSPREVIOUS\"", "expected AWSCURRENT"],
            ),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPENDING:",
            Fails(NonLatestVersion, &["\"AWSPENDING\"", "expected AWSCURRENT"]),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db::blue-green",
            Fails(NonLatestVersion, &["\"blue-green\"", "expected AWSCURRENT"]),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:::EXAMPLE1-90ab-cdef",
            Fails(
                NonLatestVersion,
                &[
                    "version id \"EXAMPLE1-90ab-cdef\"",
                    "expected no version id",
                ],
            ),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:us-east-1:210987654321:secret:db-AbCdEf",
            Fails(
                WrongAccount,
                &[
                    "secret reference: account 210987654321 does not match this environment's AWS account 123456789012; cross-account references are not supported",
                ],
            ),
        ),
        (
            AWS,
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
            Fails(
                WrongRegion,
                &["region eu-west-1", "AWS region us-east-1", "cross-region"],
            ),
        ),
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:1234:secret:db",
            Fails(Malformed, &["account \"1234\"", "expected 12 digits"]),
        ),
        (
            PARSE,
            "arn:aws:ssm:us-east-1:123456789012:parameter:db",
            Fails(Malformed, &["service \"ssm\"", "expected secretsmanager"]),
        ),
        (
            PARSE,
            "arn:gcp:secretsmanager:us-east-1:123456789012:secret:db",
            Fails(Malformed, &["partition \"gcp\"", "expected aws, aws-cn"]),
        ),
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012",
            Fails(Malformed, &["incomplete", AWS_ARN_FORMAT]),
        ),
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
            Fails(Malformed, &["no secret name", AWS_ARN_FORMAT]),
        ),
        (
            PARSE,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:a:b:c:d:e",
            Fails(Malformed, &["4 fields after the secret name"]),
        ),
        (
            PARSE,
            "my secret",
            Fails(BadName, &["name \"my secret\"", "' '", "/_+=.@-"]),
        ),
        (
            AWS,
            "db#1",
            Fails(
                BadName,
                &["'#'", "AWS Secrets Manager secret names", "/_+=.@-"],
            ),
        ),
        (
            PARSE,
            "",
            Fails(Empty, &["empty", "expected a secret name"]),
        ),
        (AWS, " \t\n", Fails(Empty, &["empty"])),
        // --- GCP ---
        (
            GCP,
            "projects/my-project/locations/us-central1/secrets/db",
            Name("db"),
        ),
        (GCP, "projects/my-project/secrets/db", Name("db")),
        (
            GCP_GLOBAL,
            "projects/my-project/secrets/db_PW-2/versions/latest",
            Name("db_PW-2"),
        ),
        (
            GCP,
            "//secretmanager.googleapis.com/projects/my-project/locations/us-central1/secrets/db/versions/latest",
            Name("db"),
        ),
        (GCP, "db_password-2", Name("db_password-2")),
        (
            GCP_GLOBAL,
            "projects/my-project/locations/us-central1/secrets/db",
            Fails(
                WrongRegion,
                &[
                    "location us-central1",
                    "no region",
                    "projects/my-project/secrets/db",
                ],
            ),
        ),
        (
            GCP,
            "projects/my-project/locations/europe-west1/secrets/db",
            Fails(
                WrongRegion,
                &[
                    "location europe-west1",
                    "GCP region us-central1",
                    "cross-region",
                ],
            ),
        ),
        (
            GCP,
            "projects/other-project/secrets/db",
            Fails(
                WrongProject,
                &[
                    "project other-project",
                    "GCP project my-project",
                    "cross-project",
                ],
            ),
        ),
        (
            GCP,
            "projects/my-project/secrets/db/versions/3",
            Fails(
                NonLatestVersion,
                &["explicit version \"3\"", "/versions/latest"],
            ),
        ),
        (
            GCP,
            "projects/my-project/secrets/db/versions/prod",
            Fails(
                NonLatestVersion,
                &["version alias \"prod\"", "/versions/latest"],
            ),
        ),
        (
            GCP,
            "projects/my-project/secrets/db.password",
            Fails(
                BadName,
                &["'.'", "GCP Secret Manager secret ids", "- and _"],
            ),
        ),
        (
            GCP,
            "db.password",
            Fails(BadName, &["'.'", "GCP Secret Manager secret ids"]),
        ),
        (
            GCP,
            "projects/my-project/secret/db",
            Fails(
                Malformed,
                &["\"secret\"", "secrets/ was expected", GCP_FORMAT],
            ),
        ),
        (
            GCP,
            "projects/my-project/secrets/db/",
            Fails(Malformed, &["versions/ was expected"]),
        ),
        (
            GCP,
            "projects/My_Project/secrets/db",
            Fails(Malformed, &["project \"My_Project\"", "6-30 lowercase"]),
        ),
        (
            GCP,
            "//storage.googleapis.com/projects/my-project/secrets/db",
            Fails(Malformed, &[GCP_SERVICE_PREFIX, GCP_FORMAT]),
        ),
        // --- Azure ---
        (
            AZ,
            "https://myvault.vault.azure.net/secrets/db-password",
            Name("db-password"),
        ),
        (
            AZ,
            "HTTPS://MYVAULT.VAULT.AZURE.NET/SECRETS/Db-Password/",
            Name("Db-Password"),
        ),
        (
            "azure:MyVault",
            "https://myvault.vault.azure.net/secrets/x",
            Name("x"),
        ),
        (AZ, "https://myvault.vault.azure.cn/secrets/db", Name("db")),
        (AZ, "db-password", Name("db-password")),
        (
            AZ,
            "https://othervault.vault.usgovcloudapi.net/secrets/db",
            Fails(
                WrongVault,
                &["vault othervault", "Azure Key Vault myvault", "cross-vault"],
            ),
        ),
        (
            AZ,
            "https://myvault.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef",
            Fails(
                NonLatestVersion,
                &[
                    "version \"0123456789abcdef0123456789abcdef\"",
                    "https://myvault.vault.azure.net/secrets/db without a version",
                ],
            ),
        ),
        (
            PARSE,
            "https://myhsm.managedhsm.azure.net/secrets/db",
            Fails(WrongProvider, &["Managed HSM", AZURE_FORMAT]),
        ),
        (
            AZ,
            "https://myvault.vault.azure.net/keys/db",
            Fails(Malformed, &["object type \"keys\"", AZURE_FORMAT]),
        ),
        (
            AZ,
            "https://myvault.blob.core.windows.net/secrets/db",
            Fails(
                Malformed,
                &["host \"myvault.blob.core.windows.net\"", "vault.azure.net"],
            ),
        ),
        (
            AZ,
            "http://myvault.vault.azure.net/secrets/db",
            Fails(Malformed, &["scheme \"http\"", AZURE_FORMAT]),
        ),
        (
            AZ,
            "https://myvault.vault.azure.net/secrets/db?api-version=7.4",
            Fails(Malformed, &["query strings", AZURE_FORMAT]),
        ),
        (
            AZ,
            "https://a.vault.azure.net/secrets/db",
            Fails(Malformed, &["vault name \"a\"", "3-24"]),
        ),
        (
            AZ,
            "https://myvault.vault.azure.net/secrets/",
            Fails(Malformed, &["secret name after /secrets/ is missing"]),
        ),
        (
            AZ,
            "https://myvault.vault.azure.net/secrets/db_pw",
            Fails(
                BadName,
                &[
                    "'_'",
                    "Azure Key Vault secret names",
                    "letters, digits and -",
                ],
            ),
        ),
        (
            AZ,
            "db/password",
            Fails(BadName, &["'/'", "Azure Key Vault secret names"]),
        ),
        // --- Cross-provider and local store ---
        (
            AWS,
            "https://myvault.vault.azure.net/secrets/db",
            Fails(
                WrongProvider,
                &[
                    "an Azure Key Vault secret URL cannot be used",
                    "AWS Secrets Manager (account 123456789012, region us-east-1)",
                ],
            ),
        ),
        (
            AWS,
            "projects/my-project/secrets/db",
            Fails(
                WrongProvider,
                &["a GCP Secret Manager resource name", "AWS Secrets Manager"],
            ),
        ),
        (
            GCP,
            "https://myvault.vault.azure.net/secrets/db",
            Fails(
                WrongProvider,
                &[
                    "Azure Key Vault secret URL",
                    "GCP Secret Manager (project my-project, region us-central1)",
                ],
            ),
        ),
        (
            AZ,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
            Fails(
                WrongProvider,
                &[
                    "an AWS Secrets Manager ARN",
                    "Azure Key Vault (vault myvault)",
                ],
            ),
        ),
        (
            LOCAL,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPREVIOUS",
            Fails(
                WrongProvider,
                &[
                    "an AWS Secrets Manager ARN",
                    "store is local",
                    "only plain secret names",
                ],
            ),
        ),
        (
            LOCAL,
            "projects/my-project/secrets/db",
            Fails(
                WrongProvider,
                &["store is local", "only plain secret names"],
            ),
        ),
        (
            LOCAL,
            "https://myvault.vault.azure.net/secrets/db",
            Fails(WrongProvider, &["store is local"]),
        ),
        (
            LOCAL,
            "prod/pg/password-a1B2c3",
            Name("prod/pg/password-a1B2c3"),
        ),
        (
            LOCAL,
            "db password",
            Fails(BadName, &["' '", "local-store secret names", "/_+=.@-"]),
        ),
        (
            LOCAL,
            "ftp://host/db",
            Fails(Malformed, &["scheme \"ftp\""]),
        ),
    ];

    /// Every reason; the match makes this list fail to compile when a variant is added.
    fn all_reasons() -> Vec<RefErrorReason> {
        let all = vec![
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
        ];
        for reason in &all {
            match reason {
                Empty | Malformed | NonLatestVersion | JsonKeySelector | WrongProvider
                | WrongAccount | WrongRegion | WrongProject | WrongVault | BadName => {}
            }
        }
        all
    }

    /// Runs one vector: `parse_reference` for [`PARSE`], else the store's `normalize`.
    fn run(store: &str, input: &str) -> Result<String, RefError> {
        if store == PARSE {
            return parse_reference(input).map(|r| r.name);
        }
        let store: SecretStore = store.parse().unwrap();
        store.normalize(input)
    }

    #[test]
    fn vectors() {
        assert!(VECTORS.len() >= 40, "only {} vectors", VECTORS.len());
        for (store, input, want) in VECTORS {
            let got = run(store, input);
            match want {
                Name(name) => {
                    assert_eq!(
                        got,
                        Ok(name.to_string()),
                        "store {store:?}, input {input:?}"
                    );
                    // The console's store-independent parse shows the same name.
                    assert_eq!(parse_reference(input).map(|r| r.name), Ok(name.to_string()));
                }
                Fails(reason, parts) => {
                    let err = got.expect_err(&format!("store {store:?}, input {input:?}"));
                    assert_eq!(err.reason, *reason, "input {input:?}: {}", err.message);
                    assert!(err.message.starts_with(MESSAGE_PREFIX), "{}", err.message);
                    assert_eq!(err.to_string(), err.message);
                    for part in *parts {
                        assert!(
                            err.message.contains(part),
                            "input {input:?}: {:?} lacks {part:?}",
                            err.message
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn vectors_cover_every_reason() {
        for reason in all_reasons() {
            assert!(
                VECTORS
                    .iter()
                    .any(|(_, _, want)| matches!(want, Fails(r, _) if *r == reason)),
                "no vector for {reason:?}"
            );
        }
    }

    #[test]
    fn parse_fills_every_part_of_an_arn() {
        let parsed = parse_reference(
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:prod/pg-a1B2c3::AWSCURRENT",
        )
        .unwrap();
        assert_eq!(
            parsed,
            SecretReference {
                form: RefForm::AwsArn,
                provider: Some(Provider::Aws),
                partition: Some("aws-cn".to_string()),
                account: Some("123456789012".to_string()),
                region: Some("cn-north-1".to_string()),
                project: None,
                vault: None,
                name: "prod/pg".to_string(),
                version: Some("AWSCURRENT".to_string()),
                json_key: None,
            }
        );
        assert_eq!(
            parsed.describe(),
            "AWS Secrets Manager · partition aws-cn · account 123456789012 · region cn-north-1 · name prod/pg · version AWSCURRENT"
        );
    }

    #[test]
    fn parse_fills_gcp_azure_and_bare_parts() {
        let gcp =
            parse_reference("projects/my-project/locations/us-central1/secrets/db/versions/latest")
                .unwrap();
        assert_eq!(gcp.form, RefForm::GcpResource);
        assert_eq!(gcp.project.as_deref(), Some("my-project"));
        assert_eq!(gcp.region.as_deref(), Some("us-central1"));
        assert_eq!(gcp.version.as_deref(), Some("latest"));
        assert_eq!(
            gcp.describe(),
            "GCP Secret Manager · project my-project · location us-central1 · name db · version latest"
        );
        let global = parse_reference("projects/123456/secrets/db").unwrap();
        assert_eq!(
            global.describe(),
            "GCP Secret Manager · project 123456 · global · name db"
        );

        let azure = parse_reference("https://MyVault.vault.azure.net/secrets/Db").unwrap();
        assert_eq!(azure.form, RefForm::AzureUrl);
        assert_eq!(azure.provider, Some(Provider::Azure));
        assert_eq!(azure.vault.as_deref(), Some("MyVault"));
        assert_eq!(
            azure.describe(),
            "Azure Key Vault · vault MyVault · name Db"
        );

        let bare = parse_reference("snowflake-prod-key").unwrap();
        assert_eq!(
            bare,
            SecretReference::new(RefForm::Bare, "snowflake-prod-key")
        );
        assert_eq!(bare.provider, None);
        assert_eq!(bare.describe(), "secret name · name snowflake-prod-key");

        let aws = parse_reference(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
        )
        .unwrap();
        assert_eq!(
            aws.describe(),
            "AWS Secrets Manager · account 123456789012 · region us-east-1 · name prod/pg/password"
        );
    }

    #[test]
    fn name_length_limits_per_provider() {
        let cases = [
            (
                AWS,
                512,
                "AWS Secrets Manager secret names have at most 512",
            ),
            (LOCAL, 512, "local-store secret names have at most 512"),
            (GCP, 255, "GCP Secret Manager secret ids have at most 255"),
            (AZ, 127, "Azure Key Vault secret names have at most 127"),
        ];
        for (store, max, message) in cases {
            let store: SecretStore = store.parse().unwrap();
            let longest = "a".repeat(max);
            assert_eq!(store.normalize(&longest), Ok(longest.clone()));
            let err = store.normalize(&format!("{longest}b")).unwrap_err();
            assert_eq!(err.reason, BadName);
            assert!(
                err.message
                    .contains(&format!("name is {} characters long", max + 1))
            );
            assert!(err.message.contains(message), "{}", err.message);
        }
        // Messages quote at most a bounded part of the input.
        let err = parse_reference(&format!("{} x", "a".repeat(1000))).unwrap_err();
        assert!(err.message.chars().count() < 300, "{}", err.message);
    }

    #[test]
    fn store_round_trips() {
        for text in [
            "local",
            "aws:123456789012:us-east-1",
            "aws:123456789012:us-gov-west-1",
            "gcp:my-project",
            "gcp:my-project:us-central1",
            "gcp:123456789:europe-west4",
            "azure:my-vault",
            "azure:MyVault1",
        ] {
            let store: SecretStore = text.parse().unwrap();
            assert_eq!(store.to_string(), text);
            assert_eq!(store.to_string().parse::<SecretStore>(), Ok(store));
        }
        assert_eq!(" LOCAL ".parse::<SecretStore>(), Ok(SecretStore::Local));
        assert_eq!(SecretStore::default(), SecretStore::Local);
        assert_eq!(
            "gcp:my-project:us-central1".parse::<SecretStore>(),
            Ok(SecretStore::Gcp {
                project: "my-project".to_string(),
                region: Some("us-central1".to_string()),
            })
        );
        assert_eq!(
            "aws:123456789012:us-east-1".parse::<SecretStore>(),
            Ok(SecretStore::Aws {
                account: "123456789012".to_string(),
                region: "us-east-1".to_string(),
            })
        );
    }

    #[test]
    fn bad_store_strings_say_what_was_expected() {
        let cases = [
            ("", "expected `local`, `aws:ACCOUNT:REGION`"),
            ("vault:x", "expected `local`, `aws:ACCOUNT:REGION`"),
            ("local:x", "takes no parameters"),
            ("aws", "expected `aws:ACCOUNT:REGION`"),
            ("aws:123456789012", "expected `aws:ACCOUNT:REGION`"),
            (
                "aws:12345:us-east-1",
                "AWS account \"12345\" must be 12 digits",
            ),
            (
                "aws:123456789012:useast1",
                "AWS region \"useast1\" must look like `us-east-1`",
            ),
            ("aws:123456789012:US-EAST-1", "AWS region \"US-EAST-1\""),
            ("gcp", "expected `gcp:PROJECT` or `gcp:PROJECT:REGION`"),
            (
                "gcp:a:b:c",
                "expected `gcp:PROJECT` or `gcp:PROJECT:REGION`",
            ),
            (
                "gcp:My_Project",
                "GCP project \"My_Project\" must be a project ID",
            ),
            (
                "gcp:my-project:",
                "GCP region \"\" must look like `us-central1`",
            ),
            ("azure", "expected `azure:VAULT`"),
            ("azure:ab", "Azure vault name \"ab\" must be 3-24"),
            ("azure:my--vault", "no consecutive hyphens"),
            ("azure:1vault", "start with a letter"),
        ];
        for (text, part) in cases {
            let err = text.parse::<SecretStore>().unwrap_err();
            assert!(err.starts_with("invalid secret store"), "{err}");
            assert!(err.contains(part), "{text:?}: {err:?} lacks {part:?}");
        }
    }

    #[test]
    fn store_helpers() {
        let store: SecretStore = AWS.parse().unwrap();
        assert_eq!(store.provider(), Some(Provider::Aws));
        assert_eq!(SecretStore::Local.provider(), None);
        assert_eq!(
            GCP_GLOBAL.parse::<SecretStore>().unwrap().describe(),
            "GCP Secret Manager (project my-project, no region)"
        );
        assert_eq!(Provider::Gcp.to_string(), "GCP Secret Manager");
        assert_eq!(RefForm::AzureUrl.provider(), Some(Provider::Azure));
    }
}
