//! Authentication for `serve`: the GetToken exchange and the bearer-token check every
//! IntegrationsService call passes through.
//!
//! Tokens are random, held in memory with their expiry (a restart invalidates them; clients
//! re-exchange on UNAUTHENTICATED, as the Chalk clients do). The configured client secret is
//! compared in constant time and never logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use rand::RngCore;
use tonic::{Request, Response, Status};

use crate::domain::Secret;
use crate::domain::validate::quote_shortened;
use crate::proto::{GetTokenRequest, GetTokenResponse, auth_service_server::AuthService};

use super::store::Environment;

/// How long an issued token lives.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The one client credential `serve` accepts.
#[derive(Clone, Debug)]
pub struct ClientCredential {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Issued tokens and the credential they were issued for.
pub struct Authenticator {
    credential: ClientCredential,
    environment: Environment,
    api_server: String,
    tokens: Mutex<HashMap<String, Instant>>,
}

/// Compares without an early exit, so timing does not reveal a matching prefix.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Authenticator {
    /// An authenticator for one credential and one environment.
    pub fn new(
        credential: ClientCredential,
        environment: Environment,
        api_server: String,
    ) -> Arc<Self> {
        Arc::new(Self {
            credential,
            environment,
            api_server,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // A poisoned map only means a panic elsewhere mid-insert; the data is still usable.
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks a client credential and issues a token.
    pub fn exchange(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(String, Duration), Status> {
        let id_ok = constant_time_eq(client_id.as_bytes(), self.credential.client_id.as_bytes());
        let secret_ok = constant_time_eq(
            client_secret.as_bytes(),
            self.credential.client_secret.expose().as_bytes(),
        );
        if !(id_ok && secret_ok) {
            tracing::warn!(
                client_id,
                "GetToken refused: unknown client id or wrong secret"
            );
            return Err(Status::unauthenticated(
                "invalid client credentials: unknown client id or wrong client secret",
            ));
        }
        let token = new_token();
        let now = Instant::now();
        let mut tokens = self.tokens();
        tokens.retain(|_, expiry| *expiry > now);
        tokens.insert(token.clone(), now + TOKEN_LIFETIME);
        Ok((token, TOKEN_LIFETIME))
    }

    /// Checks the bearer token and the environment header of a data call.
    pub fn authorize<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let metadata = request.metadata();
        let header = metadata
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
        let valid = self
            .tokens()
            .get(token.trim())
            .is_some_and(|expiry| *expiry > Instant::now());
        if !valid {
            return Err(Status::unauthenticated(
                "access token is invalid or expired; exchange credentials again",
            ));
        }
        let environment = metadata
            .get("x-chalk-env-id")
            .ok_or_else(|| {
                Status::invalid_argument("missing x-chalk-env-id header naming the environment")
            })?
            .to_str()
            .map_err(|_| Status::invalid_argument("x-chalk-env-id header is not valid text"))?;
        if environment != self.environment.id
            && !environment.eq_ignore_ascii_case(&self.environment.name)
        {
            return Err(Status::permission_denied(format!(
                "environment {} is not served here; this server serves {:?} (id {})",
                quote_shortened(environment),
                self.environment.name,
                self.environment.id
            )));
        }
        Ok(())
    }

    fn token_response(&self, access_token: String, lifetime: Duration) -> GetTokenResponse {
        let expires_at = SystemTime::now() + lifetime;
        GetTokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: i32::try_from(lifetime.as_secs()).unwrap_or(i32::MAX),
            expires_at: Some(expires_at.into()),
            api_server: self.api_server.clone(),
            primary_environment: Some(self.environment.id.clone()),
            environment_id_to_name: HashMap::from([(
                self.environment.id.clone(),
                self.environment.name.clone(),
            )]),
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
        let request = request.into_inner();
        if !request.grant_type.is_empty() && request.grant_type != "client_credentials" {
            return Err(Status::invalid_argument(format!(
                "grant_type: {} is not supported; use \"client_credentials\"",
                quote_shortened(&request.grant_type)
            )));
        }
        let client_secret = Secret::new(request.client_secret);
        let (token, lifetime) = self
            .0
            .exchange(&request.client_id, client_secret.expose())?;
        tracing::info!(client_id = request.client_id, "issued an access token");
        Ok(Response::new(self.0.token_response(token, lifetime)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authenticator() -> Arc<Authenticator> {
        Authenticator::new(
            ClientCredential {
                client_id: "id".into(),
                client_secret: Secret::new("shh"),
            },
            Environment {
                id: "envid".into(),
                name: "default".into(),
            },
            "http://127.0.0.1:1".into(),
        )
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
        assert_eq!(
            auth.exchange("id", "wrong").unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        assert_eq!(
            auth.exchange("other", "shh").unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        let (token, _) = auth.exchange("id", "shh").unwrap();
        assert!(
            auth.authorize(&request(Some(&token), Some("envid")))
                .is_ok()
        );
        assert!(
            auth.authorize(&request(Some(&token), Some("DEFAULT")))
                .is_ok()
        );
        assert_eq!(
            auth.authorize(&request(Some(&token), Some("prod")))
                .unwrap_err()
                .code(),
            tonic::Code::PermissionDenied
        );
        assert_eq!(
            auth.authorize(&request(Some(&token), None))
                .unwrap_err()
                .code(),
            tonic::Code::InvalidArgument
        );
        assert_eq!(
            auth.authorize(&request(Some("nope"), Some("envid")))
                .unwrap_err()
                .code(),
            tonic::Code::Unauthenticated
        );
        assert_eq!(
            auth.authorize(&request(None, Some("envid")))
                .unwrap_err()
                .code(),
            tonic::Code::Unauthenticated
        );
    }
}
