//! Linked secrets read where they live: the server's local store (the default), AWS Secrets
//! Manager, GCP Secret Manager or Azure Key Vault, chosen by `serve --secret-store`. Exists so a
//! connectivity test resolves a linked config value from the environment's real store, always
//! the latest version, with a short in-memory cache ([`cache`]) and failures that name the
//! config key, the secret, the store and what the store said, never a value.
//!
//! Use: [`LinkedSecrets::new`] once per server, then [`LinkedSecrets::resolve`] per linked key
//! and [`LinkedSecrets::list_names`] to page through the store's secret names.

mod aws;
mod aws_credentials;
mod azure;
pub mod cache;
mod gcp;

use std::sync::Arc;

use crate::domain::Secret;
use crate::domain::secret_ref::SecretStore;

use super::process_env::ProcessEnv;
use super::store::Store;
use crate::probe::transport::http::proxy::{self, ProxySettings};
use crate::probe::transport::http::{Call, Client as HttpClient, Endpoint, Reply};
use crate::probe::{Progress, Stage};
use cache::SecretCache;

/// What a store said when a secret could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    NotFound,
    /// Refused; `action` is the permission the server's identity lacks.
    AccessDenied {
        action: String,
        detail: String,
    },
    Throttled,
    /// The store's credentials are missing or unusable (names the variable or file at fault).
    Credentials(String),
    /// Anything else: unreachable, an unexpected answer, a value that is not text.
    Other(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => write!(f, "not found"),
            Self::AccessDenied { action, detail } => {
                write!(f, "access denied ({action} not allowed): {detail}")
            }
            Self::Throttled => write!(f, "throttled by the store; try again shortly"),
            Self::Credentials(detail) => write!(f, "no usable credentials: {detail}"),
            Self::Other(detail) => write!(f, "{detail}"),
        }
    }
}

/// One page of secret names and the token of the next page, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamesPage {
    pub names: Vec<String>,
    pub next_page_token: Option<String>,
}

impl NamesPage {
    /// A page of a store's JSON listing: the `name` field of each entry of the `list` array, as
    /// `short` shortens it to the secret's name, and the `next` field as the next page's token
    /// when it is not empty. Every cloud store lists this way; only the field names differ.
    fn from_listing(
        json: &serde_json::Value,
        [list, name, next]: [&str; 3],
        short: fn(&str) -> &str,
    ) -> Self {
        let names = json[list]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|entry| entry[name].as_str())
                    .map(|full| short(full).to_string())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            names,
            next_page_token: json[next]
                .as_str()
                .filter(|token| !token.is_empty())
                .map(str::to_string),
        }
    }
}

/// The part of a resource name or id after its last `/secrets/` (all of it when there is none).
fn after_secrets(full: &str) -> &str {
    full.rsplit("/secrets/").next().unwrap_or(full)
}

enum Backend {
    /// The local store holds secrets per environment.
    Local {
        store: Arc<Store>,
    },
    // Boxed: the cloud clients are large and only one backend exists per server.
    Aws(Box<aws::AwsSecrets>),
    Gcp(Box<gcp::GcpSecrets>),
    Azure(Box<azure::AzureSecrets>),
}

/// The environment's linked-secret resolver.
pub struct LinkedSecrets {
    store: SecretStore,
    backend: Backend,
    cache: SecretCache,
    /// The proxies the cloud stores are reached through, as the cloud SDKs honour them.
    proxies: Arc<ProxySettings>,
}

impl LinkedSecrets {
    /// The resolver for `secret_store`, configured from the server's captured environment (credentials,
    /// endpoint overrides, [`cache::TTL_VARIABLE`]). Reads no network and no credentials yet.
    /// A cloud store is one per server; the local store keeps each environment's secrets apart.
    pub fn new(
        secret_store: &SecretStore,
        local: Arc<Store>,
        env: &ProcessEnv,
    ) -> Result<Self, String> {
        let backend = match secret_store {
            SecretStore::Local => Backend::Local { store: local },
            SecretStore::Aws { region, .. } => {
                Backend::Aws(Box::new(aws::AwsSecrets::from_env(region, env)?))
            }
            SecretStore::Gcp { project, region } => Backend::Gcp(Box::new(
                gcp::GcpSecrets::from_env(project, region.as_deref(), env)?,
            )),
            SecretStore::Azure { vault } => {
                Backend::Azure(Box::new(azure::AzureSecrets::from_env(vault, env)?))
            }
        };
        Ok(Self {
            store: secret_store.clone(),
            backend,
            cache: SecretCache::new(SecretCache::ttl_from_env(env)?),
            proxies: Arc::new(ProxySettings::from_lookup(|name| {
                env.raw(name).map(str::to_string)
            })?),
        })
    }

    /// The latest value of the secret `name` (a normalized name) for the config key `key` of a
    /// source in `environment_id`. The error is one line naming the key, the secret and the store.
    pub async fn resolve(
        &self,
        environment_id: &str,
        key: &str,
        name: &str,
    ) -> Result<Secret, String> {
        let cache_key = match self.backend {
            Backend::Local { .. } => format!("{environment_id}\0{name}"),
            _ => name.to_string(),
        };
        if let Some(secret) = self.cache.get(&cache_key) {
            return Ok(secret);
        }
        let secret = self
            .fetch(environment_id, name)
            .await
            .map_err(|error| self.explain(key, name, &error))?;
        self.cache.put(&cache_key, &secret);
        Ok(secret)
    }

    /// Forgets a cached local value of `name` in `environment_id` after it changed over the wire,
    /// so the next test resolves the new value at once.
    pub fn forget(&self, environment_id: &str, name: &str) {
        if let Backend::Local { .. } = self.backend {
            self.cache.remove(&format!("{environment_id}\0{name}"));
        }
    }

    fn explain(&self, key: &str, name: &str, error: &ResolveError) -> String {
        match (&self.backend, error) {
            (Backend::Local { .. }, ResolveError::NotFound) => format!(
                "{key}: linked secret {name:?} is not in the local secret store (add it with `sourcedeck secrets set {name}`)"
            ),
            _ => format!("{key}: linked secret {name:?} in {}: {error}", self.store),
        }
    }

    async fn fetch(&self, environment_id: &str, name: &str) -> Result<Secret, ResolveError> {
        match &self.backend {
            Backend::Local { store } => {
                let (store, environment_id, name) =
                    (store.clone(), environment_id.to_string(), name.to_string());
                tokio::task::spawn_blocking(move || store.local_secret(&environment_id, &name))
                    .await
                    .map_err(|_| ResolveError::Other("the local store task failed".into()))?
                    .map_err(|error| {
                        tracing::error!("reading local secret: {error:#}");
                        ResolveError::Other("could not be read from the local store".into())
                    })?
                    .ok_or(ResolveError::NotFound)
            }
            Backend::Aws(aws) => proxy::scoped(self.proxies.clone(), aws.get(name)).await,
            Backend::Gcp(gcp) => proxy::scoped(self.proxies.clone(), gcp.get(name)).await,
            Backend::Azure(azure) => proxy::scoped(self.proxies.clone(), azure.get(name)).await,
        }
    }

    /// One page of the store's secret names (`page_token` from the previous page, `None` for
    /// the first), at most about `page_size` names. The error names the store.
    pub async fn list_names(
        &self,
        environment_id: &str,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<NamesPage, String> {
        let page_size = page_size.clamp(1, 100);
        let page = match &self.backend {
            Backend::Local { store } => {
                let (store, environment_id) = (store.clone(), environment_id.to_string());
                let names =
                    tokio::task::spawn_blocking(move || store.local_secret_names(&environment_id))
                        .await
                        .map_err(|_| ResolveError::Other("the local store task failed".into()))
                        .and_then(|result| {
                            result.map_err(|error| {
                                tracing::error!("listing local secrets: {error:#}");
                                ResolveError::Other("the local store could not be read".into())
                            })
                        });
                names.map(|names| {
                    local_page(
                        names.into_iter().map(|(name, _)| name).collect(),
                        page_token,
                        page_size,
                    )
                })
            }
            Backend::Aws(aws) => {
                proxy::scoped(self.proxies.clone(), aws.list(page_token, page_size)).await
            }
            Backend::Gcp(gcp) => {
                proxy::scoped(self.proxies.clone(), gcp.list(page_token, page_size)).await
            }
            Backend::Azure(azure) => {
                proxy::scoped(self.proxies.clone(), azure.list(page_token, page_size)).await
            }
        };
        page.map_err(|error| format!("listing secrets in {}: {error}", self.store))
    }
}

/// A page of sorted local names after the name in `page_token`.
fn local_page(mut names: Vec<String>, page_token: Option<&str>, page_size: u32) -> NamesPage {
    names.sort();
    let rest: Vec<String> = names
        .into_iter()
        .filter(|name| page_token.is_none_or(|after| name.as_str() > after))
        .collect();
    let size = page_size as usize;
    let next_page_token = (rest.len() > size).then(|| rest[size - 1].clone());
    NamesPage {
        names: rest.into_iter().take(size).collect(),
        next_page_token,
    }
}

/// An endpoint from the URL in variable `name`; `Err` names the variable.
fn endpoint_from(url: &str, name: &str) -> Result<Endpoint, String> {
    Endpoint::parse_url(url, name).map_err(|error| error.reason)
}

/// Sends one request on a fresh connection, blanking `hide` out of the answer; transport
/// failures become [`ResolveError::Other`] naming the endpoint.
async fn send(endpoint: &Endpoint, call: Call, hide: &[&str]) -> Result<Reply, ResolveError> {
    let unreachable =
        |reason: String| ResolveError::Other(format!("{}: {reason}", endpoint.describe()));
    let mut client = HttpClient::open(endpoint, &Progress::default())
        .await
        .map_err(|error| unreachable(error.reason))?;
    for secret in hide {
        client.hide(secret);
    }
    client
        .call(call, Stage::Resolve)
        .await
        .map_err(|error| unreachable(error.reason))
}

/// A GET with `token` as its bearer (blanked out of the answer): the reply when it succeeded,
/// else the store's error as `error_of` reads it. Every token-based store reads this way.
async fn bearer_get(
    endpoint: &Endpoint,
    path: String,
    token: &Secret,
    error_of: impl FnOnce(&Reply) -> ResolveError,
) -> Result<Reply, ResolveError> {
    let bearer = zeroize::Zeroizing::new(format!("Bearer {}", token.expose()));
    let call = Call {
        method: http::Method::GET,
        path,
        headers: vec![("authorization".into(), bearer.to_string())],
        body: Vec::new(),
    };
    let reply = send(endpoint, call, &[token.expose()]).await?;
    if reply.is_success() {
        Ok(reply)
    } else {
        Err(error_of(&reply))
    }
}

/// The error code at `code_pointer` (else the HTTP status) and the one-line message at
/// `/error/message` (else a description of the body) of a JSON error answer, as Google's and
/// Azure's stores give them.
fn json_error(reply: &Reply, code_pointer: &str) -> (String, String) {
    let json = reply.json().unwrap_or(serde_json::Value::Null);
    let code = json
        .pointer(code_pointer)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {}", reply.status));
    let message = json
        .pointer("/error/message")
        .and_then(serde_json::Value::as_str)
        .map(|text| crate::probe::transport::http::one_line(text, 200))
        .unwrap_or_else(|| reply.body_line());
    (code, message)
}

/// A reply with `status` and `body`, for the stores' error tests.
#[cfg(test)]
fn test_reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: Default::default(),
        body: body.as_bytes().to_vec(),
    }
}

/// `text` percent-encoded for a query value or path segment.
fn encode(text: &str) -> String {
    crate::probe::transport::http::encode(text)
}

/// A secret value from raw bytes that must be UTF-8 text (a password, key or token).
fn text_secret(bytes: Vec<u8>, what: &str) -> Result<Secret, ResolveError> {
    String::from_utf8(bytes).map(Secret::new).map_err(|error| {
        let mut bytes = error.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        ResolveError::Other(format!("{what} is not UTF-8 text"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_page_in_order() {
        let names = vec!["c".to_string(), "a".into(), "b".into()];
        let first = local_page(names.clone(), None, 2);
        assert_eq!(first.names, ["a", "b"]);
        assert_eq!(first.next_page_token.as_deref(), Some("b"));
        let second = local_page(names, first.next_page_token.as_deref(), 2);
        assert_eq!(second.names, ["c"]);
        assert_eq!(second.next_page_token, None);
    }

    #[test]
    fn cloud_listings_read_as_name_pages() {
        let aws = serde_json::json!({
            "SecretList": [{"Name": "prod/db/password"}, {"Name": "api-key"}],
            "NextToken": "t2",
        });
        let page = NamesPage::from_listing(&aws, ["SecretList", "Name", "NextToken"], |name| name);
        assert_eq!(page.names, ["prod/db/password", "api-key"]);
        assert_eq!(page.next_page_token.as_deref(), Some("t2"));
        let gcp = serde_json::json!({
            "secrets": [{"name": "projects/123/secrets/db-password"}],
            "nextPageToken": "",
        });
        let page =
            NamesPage::from_listing(&gcp, ["secrets", "name", "nextPageToken"], after_secrets);
        assert_eq!(page.names, ["db-password"]);
        assert_eq!(page.next_page_token, None);
        let azure = serde_json::json!({
            "value": [{"id": "https://v.vault.azure.net/secrets/db-password/"}, {"other": 1}],
            "nextLink": null,
        });
        let page = NamesPage::from_listing(&azure, ["value", "id", "nextLink"], |id| {
            after_secrets(id).trim_end_matches('/')
        });
        assert_eq!(page.names, ["db-password"]);
        assert_eq!(page.next_page_token, None);
        assert_eq!(
            NamesPage::from_listing(&serde_json::Value::Null, ["a", "b", "c"], |name| name),
            NamesPage::default()
        );
    }

    #[test]
    fn errors_say_what_the_store_said() {
        let denied = ResolveError::AccessDenied {
            action: "secretsmanager:GetSecretValue".into(),
            detail: "not authorized".into(),
        };
        assert!(
            denied
                .to_string()
                .contains("secretsmanager:GetSecretValue not allowed")
        );
        assert_eq!(ResolveError::NotFound.to_string(), "not found");
        assert!(ResolveError::Throttled.to_string().contains("throttled"));
    }

    #[test]
    fn non_utf8_values_are_refused_without_quoting_them() {
        let error = text_secret(vec![0xff, 0xfe, b's'], "the binary secret").unwrap_err();
        assert_eq!(error.to_string(), "the binary secret is not UTF-8 text");
    }
}
