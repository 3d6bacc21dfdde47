//! An authenticated session with a Chalk API server: token exchange and refresh, environment
//! selection, the three headers every call carries, deadlines, and retries (wire.md steps 1–6).
//!
//! One exchange runs at a time; a token is refreshed at half its life (at the latest 60 s before
//! it expires); UNAUTHENTICATED from a data call re-exchanges once and retries once; UNAVAILABLE is
//! retried up to five attempts with jittered backoff from 0.1 s doubling to 1 s.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::RngExt;
use tokio::sync::Mutex;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, ClientTlsConfig};
use tonic::{Code, Request, Response, Status};

use super::errors::is_transport_failure;
pub use super::errors::{ClientError, Retry};

use super::credentials::{Auth, Credentials};
use super::endpoint::{DEFAULT_API_SERVER, Endpoint, parse_api_server};
use crate::domain::Secret;
use crate::domain::limits;
use crate::proto::auth_service_client::AuthServiceClient;
use crate::proto::integrations_service_client::IntegrationsServiceClient;
use crate::proto::{GetTokenRequest, GetTokenResponse};

/// The deadline of one data call unless told otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The deadline of one token exchange.
pub const TOKEN_EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_ATTEMPTS: u32 = 5;

/// A bearer token and when to refresh it.
struct Token {
    access: Secret,
    refresh_at: Instant,
}

enum TokenSource {
    Exchange {
        client_id: String,
        client_secret: Secret,
        current: Mutex<Option<Token>>,
    },
    File(PathBuf),
}

/// A connected, authenticated session.
pub struct Session {
    channel: Channel,
    tokens: TokenSource,
    environment_id: String,
    environment_name: Option<String>,
    server: String,
    call_timeout: Duration,
}

fn refresh_time(issued: Instant, lifetime: Duration) -> Instant {
    let half = lifetime / 2;
    let latest = lifetime.saturating_sub(Duration::from_secs(60));
    issued + half.min(latest)
}

fn jittered(backoff: Duration) -> Duration {
    let factor: f64 = rand::rng().random_range(0.5..=1.0);
    backoff.mul_f64(factor)
}

/// Picks the environment id (wire.md step 2).
fn choose_environment(
    configured: Option<&str>,
    token: &GetTokenResponse,
) -> Result<String, ClientError> {
    let names = &token.environment_id_to_name;
    let Some(configured) = configured.filter(|value| !value.is_empty()) else {
        return token
            .primary_environment
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ClientError::new(
                    Code::InvalidArgument,
                    "no environment configured and the server names no primary environment; pass --environment",
                )
            });
    };
    if names.contains_key(configured) {
        return Ok(configured.to_string());
    }
    let matches: Vec<&String> = names
        .iter()
        .filter(|(_, name)| name.eq_ignore_ascii_case(configured))
        .map(|(id, _)| id)
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let mut known: Vec<String> = names
                .iter()
                .map(|(id, name)| format!("{name} ({id})"))
                .collect();
            known.sort();
            Err(ClientError::new(
                Code::NotFound,
                format!(
                    "no environment named {configured:?}; known: {}",
                    known.join(", ")
                ),
            ))
        }
        several => {
            let mut ids: Vec<&str> = several.iter().map(|id| id.as_str()).collect();
            ids.sort();
            Err(ClientError::new(
                Code::InvalidArgument,
                format!(
                    "several environments are named {configured:?}: {}; pass an id",
                    ids.join(", ")
                ),
            ))
        }
    }
}

fn channel_for(endpoint: &Endpoint) -> Result<Channel, ClientError> {
    let mut builder = Channel::from_shared(endpoint.uri())
        .map_err(|error| ClientError::new(Code::InvalidArgument, format!("API server: {error}")))?
        .connect_timeout(Duration::from_secs(10))
        .tcp_nodelay(true);
    if endpoint.tls {
        builder = builder
            .tls_config(
                ClientTlsConfig::new()
                    .with_native_roots()
                    .domain_name(endpoint.host.clone()),
            )
            .map_err(|error| ClientError::new(Code::InvalidArgument, format!("TLS: {error}")))?;
    }
    Ok(builder.connect_lazy())
}

async fn exchange(
    channel: &Channel,
    client_id: &str,
    client_secret: &Secret,
) -> Result<(GetTokenResponse, Instant), ClientError> {
    let mut attempt = 0;
    let mut backoff = Duration::from_millis(100);
    loop {
        attempt += 1;
        let mut request = Request::new(GetTokenRequest {
            client_id: client_id.to_string(),
            client_secret: client_secret.expose().to_string(),
            grant_type: "client_credentials".into(),
            ..Default::default()
        });
        request
            .metadata_mut()
            .insert("x-chalk-server", MetadataValue::from_static("go-api"));
        request.set_timeout(TOKEN_EXCHANGE_TIMEOUT);
        let issued = Instant::now();
        match AuthServiceClient::new(channel.clone())
            .max_decoding_message_size(limits::MAX_RESPONSE_MESSAGE_BYTES)
            .max_encoding_message_size(limits::MAX_REQUEST_MESSAGE_BYTES)
            .get_token(request)
            .await
        {
            Ok(response) => return Ok((response.into_inner(), issued)),
            Err(status) if Retry::Idempotent.allows(&status) && attempt < MAX_ATTEMPTS => {
                tokio::time::sleep(jittered(backoff)).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            Err(status) => return Err(status.into()),
        }
    }
}

impl Session {
    /// Connects and authenticates; the first exchange also picks the environment.
    pub async fn connect(
        credentials: &Credentials,
        call_timeout: Duration,
    ) -> Result<Self, ClientError> {
        let server = credentials
            .api_server
            .clone()
            .unwrap_or_else(|| DEFAULT_API_SERVER.to_string());
        let endpoint = parse_api_server(&server).map_err(|message| {
            ClientError::new(Code::InvalidArgument, format!("API server: {message}"))
        })?;
        let channel = channel_for(&endpoint)?;
        let (tokens, environment_id, environment_name) = match &credentials.auth {
            Auth::ClientCredentials {
                client_id,
                client_secret,
            } => {
                let (response, issued) = exchange(&channel, client_id, client_secret).await?;
                let environment_id =
                    choose_environment(credentials.environment.as_deref(), &response)?;
                let environment_name = response
                    .environment_id_to_name
                    .get(&environment_id)
                    .cloned();
                let lifetime =
                    Duration::from_secs(u64::try_from(response.expires_in).unwrap_or(0).max(1));
                let token = Token {
                    access: Secret::new(response.access_token),
                    refresh_at: refresh_time(issued, lifetime),
                };
                (
                    TokenSource::Exchange {
                        client_id: client_id.clone(),
                        client_secret: client_secret.clone(),
                        current: Mutex::new(Some(token)),
                    },
                    environment_id,
                    environment_name,
                )
            }
            Auth::WebIdentityTokenFile(path) => {
                let environment_id = credentials.environment.clone().filter(|e| !e.is_empty()).ok_or_else(|| {
                    ClientError::new(
                        Code::InvalidArgument,
                        "CHALK_WEB_IDENTITY_TOKEN_FILE needs an environment id (CHALK_ENVIRONMENT_ID)",
                    )
                })?;
                (TokenSource::File(path.clone()), environment_id, None)
            }
        };
        Ok(Self {
            channel,
            tokens,
            environment_id,
            environment_name,
            server: endpoint.authority,
            call_timeout,
        })
    }

    /// The environment id every call names.
    pub fn environment_id(&self) -> &str {
        &self.environment_id
    }

    /// The environment's name, when the server said it.
    pub fn environment_name(&self) -> Option<&str> {
        self.environment_name.as_deref()
    }

    /// `host:port` of the server.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The current bearer token, exchanging a new one when due (one exchange at a time).
    async fn bearer(&self, force_refresh: bool) -> Result<Secret, ClientError> {
        match &self.tokens {
            TokenSource::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|error| {
                    ClientError::new(
                        Code::Unauthenticated,
                        format!(
                            "reading the web identity token file {}: {error}",
                            path.display()
                        ),
                    )
                })?;
                Ok(Secret::new(text.trim()))
            }
            TokenSource::Exchange {
                client_id,
                client_secret,
                current,
            } => {
                let mut guard = current.lock().await;
                if let Some(token) = guard
                    .as_ref()
                    .filter(|t| !force_refresh && Instant::now() < t.refresh_at)
                {
                    return Ok(token.access.clone());
                }
                let (response, issued) = exchange(&self.channel, client_id, client_secret).await?;
                let lifetime =
                    Duration::from_secs(u64::try_from(response.expires_in).unwrap_or(0).max(1));
                let token = Token {
                    access: Secret::new(response.access_token),
                    refresh_at: refresh_time(issued, lifetime),
                };
                let access = token.access.clone();
                *guard = Some(token);
                Ok(access)
            }
        }
    }

    fn authorized<T>(&self, message: T, token: &Secret) -> Result<Request<T>, ClientError> {
        let mut request = Request::new(message);
        let metadata = request.metadata_mut();
        metadata.insert("x-chalk-server", MetadataValue::from_static("go-api"));
        metadata.insert(
            "x-chalk-env-id",
            self.environment_id.parse().map_err(|_| {
                ClientError::new(
                    Code::InvalidArgument,
                    "environment id is not valid header text",
                )
            })?,
        );
        metadata.insert(
            "authorization",
            format!("Bearer {}", token.expose()).parse().map_err(|_| {
                ClientError::new(
                    Code::Unauthenticated,
                    "access token is not valid header text",
                )
            })?,
        );
        request.set_timeout(self.call_timeout);
        Ok(request)
    }

    /// Runs one IntegrationsService call with headers, deadline, re-auth and retries.
    pub async fn call<M, R, F, Fut>(
        &self,
        retry: Retry,
        message: M,
        method: F,
    ) -> Result<R, ClientError>
    where
        M: Clone,
        F: Fn(IntegrationsServiceClient<Channel>, Request<M>) -> Fut,
        Fut: Future<Output = Result<Response<R>, Status>>,
    {
        self.call_on(retry, message, |channel, request| {
            // Limits derived from the per-integration limits: the largest legal integration
            // always fits an answer.
            let client = IntegrationsServiceClient::new(channel)
                .max_decoding_message_size(limits::MAX_RESPONSE_MESSAGE_BYTES)
                .max_encoding_message_size(limits::MAX_REQUEST_MESSAGE_BYTES);
            method(client, request)
        })
        .await
    }

    /// Runs one call of any service on the session's channel with headers, deadline, re-auth
    /// and retries (`method` builds its client from the channel).
    pub async fn call_on<M, R, F, Fut>(
        &self,
        retry: Retry,
        message: M,
        method: F,
    ) -> Result<R, ClientError>
    where
        M: Clone,
        F: Fn(Channel, Request<M>) -> Fut,
        Fut: Future<Output = Result<Response<R>, Status>>,
    {
        let mut attempt = 0;
        let mut reauthenticated = false;
        let mut backoff = Duration::from_millis(100);
        let mut force_refresh = false;
        loop {
            attempt += 1;
            let token = self.bearer(force_refresh).await?;
            force_refresh = false;
            let request = self.authorized(message.clone(), &token)?;
            match method(self.channel.clone(), request).await {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) if status.code() == Code::Unauthenticated && !reauthenticated => {
                    if matches!(self.tokens, TokenSource::File(_)) {
                        return Err(status.into());
                    }
                    reauthenticated = true;
                    force_refresh = true;
                }
                Err(status) if retry.allows(&status) && attempt < MAX_ATTEMPTS => {
                    tokio::time::sleep(jittered(backoff)).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
                Err(status) if is_transport_failure(&status) => {
                    return Err(ClientError::new(
                        Code::Unavailable,
                        format!(
                            "the connection to {} dropped mid-call; the change may or may not have been applied: check before retrying",
                            self.server
                        ),
                    ));
                }
                Err(status) => return Err(status.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn token(names: &[(&str, &str)], primary: Option<&str>) -> GetTokenResponse {
        GetTokenResponse {
            primary_environment: primary.map(str::to_string),
            environment_id_to_name: names
                .iter()
                .map(|(id, name)| (id.to_string(), name.to_string()))
                .collect::<HashMap<_, _>>(),
            ..Default::default()
        }
    }

    #[test]
    fn environment_selection_follows_the_wire_rules() {
        let t = token(
            &[("e1", "prod"), ("e2", "staging"), ("e3", "Staging")],
            Some("e1"),
        );
        assert_eq!(choose_environment(None, &t).unwrap(), "e1");
        assert_eq!(choose_environment(Some("e2"), &t).unwrap(), "e2");
        assert_eq!(choose_environment(Some("PROD"), &t).unwrap(), "e1");
        let several = choose_environment(Some("staging"), &t).unwrap_err();
        assert!(several.message.contains("e2, e3"), "{}", several.message);
        let none = choose_environment(Some("dev"), &t).unwrap_err();
        assert!(none.message.contains("prod (e1)"), "{}", none.message);
        assert!(choose_environment(None, &token(&[], None)).is_err());
    }

    #[test]
    fn refresh_happens_at_half_life_or_a_minute_before_expiry() {
        let now = Instant::now();
        assert_eq!(
            refresh_time(now, Duration::from_secs(3600)),
            now + Duration::from_secs(1800)
        );
        assert_eq!(
            refresh_time(now, Duration::from_secs(100)),
            now + Duration::from_secs(40)
        );
        assert_eq!(refresh_time(now, Duration::from_secs(30)), now);
    }
}
