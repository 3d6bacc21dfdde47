//! The credentials `serve` accepts and what each may do: the `--client-id/--client-secret`
//! credential (every permission on every environment) and the clients of a `--clients` TOML file
//! (argon2id secret hashes, environments, a role or explicit Chalk permissions).
//!
//! Secrets are verified without revealing a matching prefix or the length: the flag credential is
//! compared as SHA-256 digests with `subtle`, the file's as argon2id hashes.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::domain::Secret;
use crate::proto::chalk::auth::v1::Permission;

/// Client secrets shorter than this are refused at start-up.
pub const MIN_SECRET_BYTES: usize = 16;

/// Every permission a method of `serve` checks.
pub const ALL_PERMISSIONS: [Permission; 5] = [
    Permission::Authenticated,
    Permission::SecretsList,
    Permission::SecretsDecrypt,
    Permission::SecretsWrite,
    Permission::MonitoringRead,
];

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// How a client's secret is checked.
enum Verifier {
    /// SHA-256 of the secret given on the command line.
    Digest([u8; 32]),
    /// An argon2id PHC string from the clients file.
    Argon2(String),
}

/// Which environments a client may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Named(BTreeSet<String>),
}

impl Scope {
    /// Whether the environment called `name` is in scope (names compare ignoring case).
    pub fn allows(&self, name: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Named(names) => names.contains(&name.to_ascii_lowercase()),
        }
    }
}

/// One accepted client.
pub struct Client {
    pub id: String,
    verifier: Verifier,
    pub scope: Scope,
    pub permissions: BTreeSet<Permission>,
}

impl Client {
    /// The `--client-id/--client-secret` credential: everything, everywhere.
    pub fn all_powerful(id: &str, secret: &Secret) -> Result<Self> {
        if secret.expose().len() < MIN_SECRET_BYTES {
            bail!(
                "--client-secret: at least {MIN_SECRET_BYTES} bytes are required (a short secret is guessable)"
            );
        }
        Ok(Self {
            id: id.to_string(),
            verifier: Verifier::Digest(sha256(secret.expose().as_bytes())),
            scope: Scope::All,
            permissions: ALL_PERMISSIONS.into_iter().collect(),
        })
    }

    /// What identifies this client's current credential (the digest or the hash, never the
    /// secret): bound into its tokens, so a token stops working when the secret is changed.
    pub fn credential_tag(&self) -> &[u8] {
        match &self.verifier {
            Verifier::Digest(digest) => digest,
            Verifier::Argon2(hash) => hash.as_bytes(),
        }
    }

    /// Whether `secret` is this client's secret.
    pub fn verify(&self, secret: &str) -> bool {
        match &self.verifier {
            Verifier::Digest(expected) => bool::from(sha256(secret.as_bytes()).ct_eq(expected)),
            Verifier::Argon2(hash) => PasswordHash::new(hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            }),
        }
    }
}

/// The permissions of a role named in the clients file.
pub fn role_permissions(role: &str) -> Option<Vec<Permission>> {
    use Permission::*;
    let viewer = vec![Authenticated, SecretsList];
    let reader = [viewer.clone(), vec![SecretsDecrypt]].concat();
    let editor = [reader.clone(), vec![SecretsWrite]].concat();
    let admin = [editor.clone(), vec![MonitoringRead]].concat();
    match role {
        "viewer" => Some(viewer),
        "reader" => Some(reader),
        "editor" => Some(editor),
        "admin" => Some(admin),
        _ => None,
    }
}

/// A permission by its Chalk name, with or without the `PERMISSION_` prefix.
pub fn permission_named(name: &str) -> Option<Permission> {
    let upper = name.trim().to_ascii_uppercase();
    let full = if upper.starts_with("PERMISSION_") {
        upper
    } else {
        format!("PERMISSION_{upper}")
    };
    Permission::from_str_name(&full).filter(|p| *p != Permission::Unspecified)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientsFile {
    #[serde(default)]
    client: Vec<ClientEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    id: String,
    secret_hash: String,
    environments: Vec<String>,
    role: Option<String>,
    permissions: Option<Vec<String>>,
}

fn entry_to_client(entry: ClientEntry, index: usize, served: &[String]) -> Result<Client> {
    let at = format!("client #{} ({:?})", index + 1, short(&entry.id));
    if entry.id.is_empty() {
        bail!("{at}: id is empty");
    }
    let parsed = PasswordHash::new(&entry.secret_hash).map_err(|_| {
        anyhow!("{at}: secret_hash is not a PHC string; use `sourcedeck serve hash-secret`")
    })?;
    if parsed.algorithm.as_str() != "argon2id" {
        bail!("{at}: secret_hash must be argon2id");
    }
    let permissions: Vec<Permission> = match (&entry.role, &entry.permissions) {
        (Some(role), None) => role_permissions(role).ok_or_else(|| {
            anyhow!(
                "{at}: role {:?}: use viewer, reader, editor or admin",
                short(role)
            )
        })?,
        (None, Some(names)) => names
            .iter()
            .map(|name| {
                permission_named(name).ok_or_else(|| {
                    anyhow!(
                        "{at}: permissions: {:?} is not a Chalk permission",
                        short(name)
                    )
                })
            })
            .collect::<Result<_>>()?,
        _ => bail!("{at}: give either role or permissions"),
    };
    let scope = if entry.environments.iter().any(|e| e == "*") {
        Scope::All
    } else {
        let names: BTreeSet<String> = entry
            .environments
            .iter()
            .map(|name| name.to_ascii_lowercase())
            .collect();
        for name in &names {
            if !served.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                bail!(
                    "{at}: environment {:?} is not served (add --environment {name})",
                    short(name)
                );
            }
        }
        Scope::Named(names)
    };
    let mut permissions: BTreeSet<Permission> = permissions.into_iter().collect();
    permissions.insert(Permission::Authenticated);
    Ok(Client {
        id: entry.id,
        verifier: Verifier::Argon2(entry.secret_hash),
        scope,
        permissions,
    })
}

/// At most 40 characters of user input in an error.
fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Parses a clients file's text; `served` are the environment names served.
pub fn parse_clients(text: &str, served: &[String]) -> Result<Vec<Client>> {
    let file: ClientsFile = toml::from_str(text).map_err(|error| anyhow!("{}", error.message()))?;
    let mut seen = BTreeSet::new();
    let mut clients = Vec::new();
    for (index, entry) in file.client.into_iter().enumerate() {
        if !seen.insert(entry.id.clone()) {
            bail!(
                "client #{}: id {:?} appears twice",
                index + 1,
                short(&entry.id)
            );
        }
        clients.push(entry_to_client(entry, index, served)?);
    }
    Ok(clients)
}

/// Reads and parses the clients file at `path`.
pub fn load_clients(path: &Path, served: &[String]) -> Result<Vec<Client>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--clients {}: cannot read", path.display()))?;
    parse_clients(&text, served).with_context(|| format!("--clients {}", path.display()))
}

/// The argon2id PHC hash of a client secret, for the clients file.
pub fn hash_secret(secret: &Secret) -> Result<String> {
    if secret.expose().len() < MIN_SECRET_BYTES {
        bail!("the secret must be at least {MIN_SECRET_BYTES} bytes");
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| anyhow!("hashing the secret failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grow_by_one_permission_each() {
        use Permission::*;
        assert_eq!(
            role_permissions("viewer").unwrap(),
            [Authenticated, SecretsList]
        );
        assert!(
            role_permissions("reader")
                .unwrap()
                .contains(&SecretsDecrypt)
        );
        assert!(!role_permissions("reader").unwrap().contains(&SecretsWrite));
        assert!(role_permissions("editor").unwrap().contains(&SecretsWrite));
        assert!(
            !role_permissions("editor")
                .unwrap()
                .contains(&MonitoringRead)
        );
        assert!(role_permissions("admin").unwrap().contains(&MonitoringRead));
        assert!(role_permissions("root").is_none());
    }

    #[test]
    fn a_clients_file_parses_and_verifies_secrets() {
        let hash = hash_secret(&Secret::new("ci-deployer-secret-0123")).unwrap();
        let text = format!(
            "[[client]]\nid = \"ci\"\nsecret_hash = \"{hash}\"\nenvironments = [\"staging\"]\nrole = \"editor\"\n\n[[client]]\nid = \"audit\"\nsecret_hash = \"{hash}\"\nenvironments = [\"*\"]\npermissions = [\"MONITORING_READ\"]\n"
        );
        let served = vec!["staging".to_string(), "prod".to_string()];
        let clients = parse_clients(&text, &served).unwrap();
        assert!(clients[0].verify("ci-deployer-secret-0123"));
        assert!(!clients[0].verify("ci-deployer-secret-0124"));
        assert!(clients[0].scope.allows("STAGING") && !clients[0].scope.allows("prod"));
        assert!(clients[1].scope.allows("prod"));
        assert!(clients[1].permissions.contains(&Permission::MonitoringRead));
        assert!(!clients[1].permissions.contains(&Permission::SecretsList));
        let unserved = text.replace("[\"staging\"]", "[\"qa\"]");
        let error = format!("{:#}", parse_clients(&unserved, &served).err().unwrap());
        assert!(error.contains("\"qa\" is not served"), "{error}");
    }

    #[test]
    fn short_secrets_are_refused_and_digests_compare() {
        assert!(Client::all_powerful("id", &Secret::new("x")).is_err());
        let client = Client::all_powerful("id", &Secret::new("sixteen-bytes-ok")).unwrap();
        assert!(client.verify("sixteen-bytes-ok"));
        assert!(!client.verify("sixteen-bytes-o"));
        assert!(hash_secret(&Secret::new("short")).is_err());
    }
}
