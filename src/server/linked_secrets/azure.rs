//! Azure Key Vault: GET of a secret's current version (`api-version=7.4`) and the secrets
//! listing, with a bearer token from the OAuth 2.0 client-credentials grant of Microsoft Entra
//! ID (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, authority from
//! `AZURE_AUTHORITY_HOST`). The vault URL is `https://{vault}.vault.azure.net` unless
//! `SOURCEDECK_AZURE_VAULT_URL` overrides it (sovereign clouds, loopback stand-ins).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::Method;
use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

use super::{
    NamesPage, ResolveError, after_secrets, bearer_get, encode, endpoint_from, json_error, send,
};
use crate::domain::Secret;
use crate::probe::transport::http::{Call, Endpoint, Reply, one_line};
use crate::server::process_env::ProcessEnv;

const API_VERSION: &str = "7.4";
/// How long an access token (valid an hour or more) is reused.
const TOKEN_REUSE: Duration = Duration::from_secs(30 * 60);
const VAULT_URL_VARIABLE: &str = "SOURCEDECK_AZURE_VAULT_URL";

pub struct AzureSecrets {
    vault: Endpoint,
    authority: Endpoint,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    token: Mutex<Option<(Secret, Instant)>>,
}

impl AzureSecrets {
    pub fn from_env(vault: &str, env: &ProcessEnv) -> Result<Self, String> {
        let vault = match env.first(&[VAULT_URL_VARIABLE]) {
            Some(url) => endpoint_from(&url, VAULT_URL_VARIABLE)?,
            None => Endpoint::https(&format!("{vault}.vault.azure.net")),
        };
        let authority = endpoint_from(
            &env.first(&["AZURE_AUTHORITY_HOST"])
                .unwrap_or_else(|| "https://login.microsoftonline.com".into()),
            "AZURE_AUTHORITY_HOST",
        )?;
        Ok(Self {
            vault,
            authority,
            tenant: env.first(&["AZURE_TENANT_ID"]),
            client_id: env.first(&["AZURE_CLIENT_ID"]),
            client_secret: env
                .raw("AZURE_CLIENT_SECRET")
                .filter(|value| !value.is_empty())
                .map(Secret::new),
            token: Mutex::new(None),
        })
    }

    async fn access_token(&self) -> Result<Secret, ResolveError> {
        if let Ok(cached) = self.token.lock()
            && let Some((token, read)) = cached.as_ref()
            && read.elapsed() < TOKEN_REUSE
        {
            return Ok(token.clone());
        }
        let (Some(tenant), Some(client_id), Some(client_secret)) =
            (&self.tenant, &self.client_id, &self.client_secret)
        else {
            return Err(ResolveError::Credentials(
                "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET".into(),
            ));
        };
        let body = Zeroizing::new(format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
            encode(client_id),
            encode(client_secret.expose()),
            encode("https://vault.azure.net/.default")
        ));
        let call = Call {
            method: Method::POST,
            path: self
                .authority
                .path(&format!("/{}/oauth2/v2.0/token", encode(tenant))),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: body.as_bytes().to_vec(),
        };
        let mut reply = send(&self.authority, call, &[client_secret.expose()]).await?;
        let json = reply.json().unwrap_or(Value::Null);
        reply.body.zeroize();
        if let Some(token) = json["access_token"].as_str().filter(|_| reply.is_success()) {
            let token = Secret::new(token);
            if let Ok(mut cached) = self.token.lock() {
                *cached = Some((token.clone(), Instant::now()));
            }
            return Ok(token);
        }
        let detail = match (json["error"].as_str(), json["error_description"].as_str()) {
            (Some(error), Some(description)) => format!("{error}: {}", one_line(description, 200)),
            (Some(error), None) => error.to_string(),
            _ => format!("HTTP {}", reply.status),
        };
        Err(ResolveError::Credentials(format!(
            "the token endpoint {} refused client {client_id} of tenant {tenant}: {detail}",
            self.authority.describe()
        )))
    }

    async fn get_json(&self, path: String, permission: &str) -> Result<Reply, ResolveError> {
        let token = self.access_token().await?;
        bearer_get(&self.vault, path, &token, |reply| {
            error_of(reply, permission)
        })
        .await
    }

    /// The current version's `value` of the secret `name`.
    pub async fn get(&self, name: &str) -> Result<Secret, ResolveError> {
        let path = self.vault.path(&format!(
            "/secrets/{}?api-version={API_VERSION}",
            encode(name)
        ));
        let mut reply = self.get_json(path, "secrets/get").await?;
        let parsed: Result<Value, _> = serde_json::from_slice(&reply.body);
        reply.body.zeroize();
        let mut json = parsed.map_err(|_| {
            ResolveError::Other("the vault answered something that is not JSON".into())
        })?;
        match json.get_mut("value").map(Value::take) {
            Some(Value::String(value)) => Ok(Secret::new(value)),
            _ => Err(ResolveError::Other(
                "the vault answered without a value".into(),
            )),
        }
    }

    /// One page of the vault's secret names; the page token is the vault's `nextLink`, followed
    /// only when it points into the same vault.
    pub async fn list(&self, token: Option<&str>, size: u32) -> Result<NamesPage, ResolveError> {
        let path = match token {
            None => self.vault.path(&format!(
                "/secrets?api-version={API_VERSION}&maxresults={}",
                size.min(25)
            )),
            Some(link) => link
                .strip_prefix(&self.vault.describe())
                .filter(|rest| rest.starts_with('/'))
                .map(|rest| self.vault.path(rest))
                .ok_or_else(|| {
                    ResolveError::Other("the page token is not a link into this vault".into())
                })?,
        };
        let reply = self.get_json(path, "secrets/list").await?;
        let json = reply.json().unwrap_or(Value::Null);
        Ok(NamesPage::from_listing(
            &json,
            ["value", "id", "nextLink"],
            |id| after_secrets(id).trim_end_matches('/'),
        ))
    }
}

/// Key Vault's JSON error (`error.code`, `error.message`) as a [`ResolveError`].
pub fn error_of(reply: &Reply, permission: &str) -> ResolveError {
    let (code, message) = json_error(reply, "/error/code");
    match (reply.status, code.as_str()) {
        (404, _) | (_, "SecretNotFound") => ResolveError::NotFound,
        (403, _) | (_, "Forbidden") => ResolveError::AccessDenied {
            action: permission.to_string(),
            detail: message,
        },
        (429, _) | (_, "Throttled") => ResolveError::Throttled,
        (401, _) => ResolveError::Credentials(format!("{code}: {message}")),
        _ => ResolveError::Other(format!("{code}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_vault_errors_are_classified() {
        let reply = crate::server::linked_secrets::test_reply;
        let missing = reply(
            404,
            r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) x was not found in this key vault."}}"#,
        );
        assert_eq!(error_of(&missing, "secrets/get"), ResolveError::NotFound);
        let denied = reply(
            403,
            r#"{"error":{"code":"Forbidden","message":"The user does not have secrets get permission on key vault","innererror":{"code":"AccessDenied"}}}"#,
        );
        match error_of(&denied, "secrets/get") {
            ResolveError::AccessDenied { action, .. } => assert_eq!(action, "secrets/get"),
            other => panic!("{other:?}"),
        }
        let busy = reply(
            429,
            r#"{"error":{"code":"Throttled","message":"Rate limit"}}"#,
        );
        assert_eq!(error_of(&busy, "secrets/get"), ResolveError::Throttled);
    }
}
