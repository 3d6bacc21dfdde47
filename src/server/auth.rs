//! Authentication and authorization for `serve`: the GetToken exchange, and the check every data
//! call passes through (bearer token, environment header, and the Chalk permission the method
//! needs).
//!
//! Tokens are signed, not stored ([`super::tokens`]): every replica sharing the store key accepts
//! them until they expire; clients re-exchange on UNAUTHENTICATED, as the Chalk clients do. The
//! client table is swapped whole on reload (SIGHUP): a removed client's tokens stop working at its
//! next call, and a changed secret's too. Secrets are
//! compared in constant time and never logged; failures are aggregated and throttled per peer
//! (`auth_guard`).

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use tonic::{Request, Response, Status};

use crate::domain::Secret;
use crate::domain::validate::quote_shortened;
use crate::proto::chalk::auth::v1::Permission;
use crate::proto::{GetTokenRequest, GetTokenResponse, auth_service_server::AuthService};

use super::auth_guard::{self, AuthGuard};
use super::clients::Client;
use super::store::Environment;
use super::tokens::TokenSigner;

/// How long an issued token lives.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The `--client-id/--client-secret` credential.
#[derive(Clone, Debug)]
pub struct ClientCredential {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Who is calling, in which environment, from where.
#[derive(Clone, Debug)]
pub struct Caller {
    pub client_id: String,
    pub environment: Environment,
    pub peer: Option<SocketAddr>,
}

/// Issued tokens, the accepted clients and the environments served.
pub struct Authenticator {
    primary: Client,
    file_clients: RwLock<Arc<Vec<Client>>>,
    environments: Vec<Environment>,
    api_server: String,
    signer: TokenSigner,
    guard: AuthGuard,
}

/// The refusal of an environment the credential may not use.
fn not_allowed_in(environment: &Environment) -> Status {
    Status::permission_denied(format!(
        "this credential may not use environment {:?}",
        environment.name
    ))
}

/// Chalk's name of a permission, for messages.
pub fn permission_name(permission: Permission) -> &'static str {
    permission.as_str_name()
}

impl Authenticator {
    /// An authenticator for the flag credential, the clients of a file, and the environments
    /// served (primary first), signing tokens with `signer`.
    pub fn new(
        credential: &ClientCredential,
        file_clients: Vec<Client>,
        environments: Vec<Environment>,
        api_server: String,
        signer: TokenSigner,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            primary: Client::all_powerful(&credential.client_id, &credential.client_secret)?,
            file_clients: RwLock::new(Arc::new(file_clients)),
            environments,
            api_server,
            signer,
            guard: AuthGuard::default(),
        }))
    }

    /// Replaces the clients of the file (a reload); tokens of removed clients stop working.
    pub fn replace_clients(&self, clients: Vec<Client>) {
        *self
            .file_clients
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(clients);
    }

    /// The environments served, primary first.
    pub fn environments(&self) -> &[Environment] {
        &self.environments
    }

    fn file_clients(&self) -> Arc<Vec<Client>> {
        self.file_clients
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Runs `use_client` on the client with this id, if it is (still) accepted.
    fn with_client<T>(&self, client_id: &str, use_client: impl FnOnce(&Client) -> T) -> Option<T> {
        if client_id == self.primary.id {
            return Some(use_client(&self.primary));
        }
        let clients = self.file_clients();
        clients.iter().find(|c| c.id == client_id).map(use_client)
    }

    /// The environments `client_id` may use, primary first.
    pub fn environments_of(&self, client_id: &str) -> Vec<Environment> {
        self.with_client(client_id, |client| {
            self.environments
                .iter()
                .filter(|e| client.scope.allows(&e.name))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    }

    /// The permissions of `client_id` in each environment it may use.
    pub fn permissions_of(&self, client_id: &str) -> Vec<(Environment, Vec<Permission>)> {
        self.with_client(client_id, |client| {
            self.environments
                .iter()
                .filter(|e| client.scope.allows(&e.name))
                .map(|e| (e.clone(), client.permissions.iter().copied().collect()))
                .collect()
        })
        .unwrap_or_default()
    }

    /// Checks a client credential from `peer` and issues a token. Slow for file clients
    /// (argon2id): call it off the async workers.
    pub fn exchange(
        &self,
        peer: Option<SocketAddr>,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(String, Duration), Status> {
        let now = Instant::now();
        let peer_ip = peer.map(|p| p.ip());
        if let Some(retry_after) = self.guard.throttled(peer_ip, now) {
            return Err(auth_guard::throttled_status(retry_after));
        }
        let verified = self
            .with_client(client_id, |client| client.verify(client_secret))
            .unwrap_or_else(|| {
                // Same work for an unknown id as for a known one with a wrong secret.
                let _ = self.primary.verify(client_secret);
                false
            });
        if !verified {
            let (action, summary) = self.guard.record_failure(peer_ip, client_id, now);
            auth_guard::log_failure(&action, summary);
            return Err(Status::unauthenticated(
                "invalid client credentials: unknown client id or wrong client secret",
            ));
        }
        let token = self
            .with_client(client_id, |client| {
                self.signer.issue(
                    client_id,
                    client.credential_tag(),
                    SystemTime::now(),
                    TOKEN_LIFETIME,
                )
            })
            .ok_or_else(|| Status::unauthenticated("the client was removed meanwhile"))?;
        Ok((token, TOKEN_LIFETIME))
    }

    /// The client id behind the bearer token of `request`.
    fn authenticate<T>(&self, request: &Request<T>) -> Result<String, Status> {
        let header = request
            .metadata()
            .get("authorization")
            .ok_or_else(|| {
                Status::unauthenticated(
                    "missing authorization header; call AuthService/GetToken first",
                )
            })?
            .to_str()
            .map_err(|_| Status::unauthenticated("authorization header is not valid text"))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| {
                Status::unauthenticated("authorization header must be `Bearer <token>`")
            })?;
        let signed =
            self.signer
                .claims(token.trim(), SystemTime::now())
                .filter(|(claims, payload, tag)| {
                    self.with_client(&claims.client_id, |client| {
                        self.signer.verify(payload, tag, client.credential_tag())
                    }) == Some(true)
                });
        match signed {
            Some((claims, _, _)) => Ok(claims.client_id),
            None => Err(Status::unauthenticated(
                "access token is invalid or expired; exchange credentials again",
            )),
        }
    }

    /// Checks the token, the environment header (an id or a name) and that the caller holds
    /// `needed` there.
    pub fn authorize<T>(&self, request: &Request<T>, needed: Permission) -> Result<Caller, Status> {
        let client_id = self.authenticate(request)?;
        let environment = request
            .metadata()
            .get("x-chalk-env-id")
            .ok_or_else(|| {
                Status::invalid_argument("missing x-chalk-env-id header naming the environment")
            })?
            .to_str()
            .map_err(|_| Status::invalid_argument("x-chalk-env-id header is not valid text"))?;
        let served = self.served(environment)?;
        let allowed = self
            .with_client(&client_id, |client| {
                (
                    client.scope.allows(&served.name),
                    client.permissions.contains(&needed),
                )
            })
            .unwrap_or((false, false));
        match allowed {
            (false, _) => Err(not_allowed_in(served)),
            (true, false) => Err(Status::permission_denied(format!(
                "this credential lacks {} on environment {:?}",
                permission_name(needed),
                served.name
            ))),
            (true, true) => Ok(Caller {
                client_id,
                environment: served.clone(),
                peer: request.remote_addr(),
            }),
        }
    }

    /// The served environment `wanted` names (an id or a name), or PERMISSION_DENIED.
    fn served(&self, wanted: &str) -> Result<&Environment, Status> {
        self.environments
            .iter()
            .find(|e| e.id == wanted || e.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let names: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
                Status::permission_denied(format!(
                    "environment {} is not served here; this server serves {names:?}",
                    quote_shortened(wanted)
                ))
            })
    }

    /// Checks the token only (AUTHENTICATED methods); answers the client id.
    pub fn authenticated<T>(&self, request: &Request<T>) -> Result<String, Status> {
        self.authenticate(request)
    }

    /// Checks the token and, when the request names an environment (`x-chalk-env-id`), that it
    /// is served and the caller may use it, as Chalk does: PERMISSION_DENIED otherwise. For the
    /// AUTHENTICATED methods that answer across environments (GetAgent, GetEnvironments).
    pub fn authenticated_in_named_environment<T>(
        &self,
        request: &Request<T>,
    ) -> Result<String, Status> {
        let client_id = self.authenticate(request)?;
        let Some(header) = request.metadata().get("x-chalk-env-id") else {
            return Ok(client_id);
        };
        let wanted = header
            .to_str()
            .map_err(|_| Status::invalid_argument("x-chalk-env-id header is not valid text"))?;
        let served = self.served(wanted)?;
        let allowed = self
            .with_client(&client_id, |client| client.scope.allows(&served.name))
            .unwrap_or(false);
        if !allowed {
            return Err(not_allowed_in(served));
        }
        Ok(client_id)
    }

    fn token_response(
        &self,
        client_id: &str,
        access_token: String,
        lifetime: Duration,
    ) -> GetTokenResponse {
        let expires_at = SystemTime::now() + lifetime;
        let environments = self.environments_of(client_id);
        GetTokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: i32::try_from(lifetime.as_secs()).unwrap_or(i32::MAX),
            expires_at: Some(expires_at.into()),
            api_server: self.api_server.clone(),
            primary_environment: environments.first().map(|e| e.id.clone()),
            environment_id_to_name: environments.into_iter().map(|e| (e.id, e.name)).collect(),
            ..Default::default()
        }
    }
}

/// The AuthService gRPC service.
pub struct AuthApi(pub Arc<Authenticator>);

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn get_token(
        &self,
        request: Request<GetTokenRequest>,
    ) -> Result<Response<GetTokenResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        if !request.grant_type.is_empty() && request.grant_type != "client_credentials" {
            return Err(Status::invalid_argument(format!(
                "grant_type: {} is not supported; use \"client_credentials\"",
                quote_shortened(&request.grant_type)
            )));
        }
        let client_secret = Secret::new(request.client_secret);
        let client_id = request.client_id;
        let auth = self.0.clone();
        let (client_id, (token, lifetime)) = tokio::task::spawn_blocking(move || {
            let issued = auth.exchange(peer, &client_id, client_secret.expose());
            issued.map(|issued| (client_id, issued))
        })
        .await
        .map_err(|_| Status::internal("the credential check failed"))??;
        tracing::info!(
            client_id = auth_guard::truncated_id(&client_id),
            "issued an access token"
        );
        Ok(Response::new(
            self.0.token_response(&client_id, token, lifetime),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "unit-test-secret-0123";

    fn authenticator() -> Arc<Authenticator> {
        Authenticator::new(
            &ClientCredential {
                client_id: "id".into(),
                client_secret: Secret::new(SECRET),
            },
            Vec::new(),
            vec![Environment {
                id: "envid".into(),
                name: "default".into(),
            }],
            "http://127.0.0.1:1".into(),
            TokenSigner::new(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[5; 32])),
        )
        .unwrap()
    }

    fn request(token: Option<&str>, env: Option<&str>) -> Request<()> {
        let mut request = Request::new(());
        if let Some(token) = token {
            request
                .metadata_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        if let Some(env) = env {
            request
                .metadata_mut()
                .insert("x-chalk-env-id", env.parse().unwrap());
        }
        request
    }

    #[test]
    fn exchange_and_authorize() {
        let auth = authenticator();
        let list = Permission::SecretsList;
        assert_eq!(
            auth.exchange(None, "id", "wrong").unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        assert_eq!(
            auth.exchange(None, "other", SECRET).unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        let (token, _) = auth.exchange(None, "id", SECRET).unwrap();
        let caller = auth
            .authorize(&request(Some(&token), Some("envid")), list)
            .unwrap();
        assert_eq!(caller.client_id, "id");
        assert_eq!(caller.environment.name, "default");
        assert!(
            auth.authorize(&request(Some(&token), Some("DEFAULT")), list)
                .is_ok()
        );
        assert_eq!(
            auth.authorize(&request(Some(&token), Some("prod")), list)
                .unwrap_err()
                .code(),
            tonic::Code::PermissionDenied
        );
        assert_eq!(
            auth.authorize(&request(Some(&token), None), list)
                .unwrap_err()
                .code(),
            tonic::Code::InvalidArgument
        );
        assert_eq!(
            auth.authorize(&request(Some("nope"), Some("envid")), list)
                .unwrap_err()
                .code(),
            tonic::Code::Unauthenticated
        );
        assert_eq!(
            auth.authorize(&request(None, Some("envid")), list)
                .unwrap_err()
                .code(),
            tonic::Code::Unauthenticated
        );
    }

    #[test]
    fn a_flooding_peer_is_throttled_and_another_peer_is_not() {
        let auth = authenticator();
        let flooder: SocketAddr = "127.0.0.7:4000".parse().unwrap();
        let other: SocketAddr = "127.0.0.8:4000".parse().unwrap();
        let codes: Vec<tonic::Code> = (0..auth_guard::MAX_FAILURES_PER_PEER + 5)
            .map(|_| {
                auth.exchange(Some(flooder), "id", "wrong")
                    .unwrap_err()
                    .code()
            })
            .collect();
        assert!(
            codes[..auth_guard::MAX_FAILURES_PER_PEER]
                .iter()
                .all(|c| *c == tonic::Code::Unauthenticated)
        );
        assert!(
            codes[auth_guard::MAX_FAILURES_PER_PEER..]
                .iter()
                .all(|c| *c == tonic::Code::ResourceExhausted)
        );
        assert_eq!(
            auth.exchange(Some(flooder), "id", SECRET)
                .unwrap_err()
                .code(),
            tonic::Code::ResourceExhausted
        );
        assert!(auth.exchange(Some(other), "id", SECRET).is_ok());
    }
}
