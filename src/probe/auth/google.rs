//! Google service-account sign-in for the BigQuery, Spanner and Pub/Sub checks: the base64
//! service-account JSON from the kind's key, an RS256 JWT signed with its PKCS#8 `private_key`
//! (ring), exchanged at its `token_uri` for an access token (OAuth 2.0 JWT bearer grant). Every
//! failure is the authenticate stage and names the key; no key material or token is ever shown.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Value, json};

use super::jwt;
use crate::probe::transport::http::{Call, Client as HttpClient, Endpoint, Reply, one_line};
use crate::probe::{Progress, Stage, StageError};

/// The scope every check asks for.
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Google's token endpoint, when the JSON names none.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// How long the requested token lives.
const LIFETIME_SECONDS: u64 = 3600;

/// The fields of a service-account key that sign-in needs.
#[derive(Clone)]
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key_id: Option<String>,
    private_key_pem: String,
    pub token_uri: String,
    /// The config key the account came from, for messages.
    pub key: &'static str,
}

impl fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

fn auth_error(reason: impl Into<String>) -> StageError {
    StageError::new(Stage::Authenticate, reason)
}

/// Decodes `key`'s base64 service-account JSON. Errors never quote the value.
pub fn parse_service_account(text: &str, key: &'static str) -> Result<ServiceAccount, StageError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text.trim()))
        .map_err(|_| auth_error(format!("{key} is not base64")))?;
    let json: Value = serde_json::from_slice(&bytes).map_err(|_| {
        auth_error(format!(
            "{key} does not decode to a JSON service-account key"
        ))
    })?;
    let field = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_string);
    if let Some(kind) = field("type").filter(|kind| kind != "service_account") {
        return Err(auth_error(format!(
            "{key} holds a {kind:?} credential; the test needs a service-account key"
        )));
    }
    let required = |name: &str| {
        field(name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| auth_error(format!("{key} has no {name} field")))
    };
    Ok(ServiceAccount {
        client_email: required("client_email")?,
        private_key_pem: required("private_key")?,
        private_key_id: field("private_key_id"),
        token_uri: field("token_uri").unwrap_or_else(|| DEFAULT_TOKEN_URI.to_string()),
        key,
    })
}

/// The signed JWT assertion for `account`, issued at `now` (seconds since the epoch).
pub fn assertion(account: &ServiceAccount, scope: &str, now: u64) -> Result<String, StageError> {
    let key_pair = jwt::rsa_key_from_pem(&account.private_key_pem)
        .map_err(|why| auth_error(format!("the private_key in {} {why}", account.key)))?;
    let mut header = json!({ "alg": "RS256", "typ": "JWT" });
    if let Some(id) = &account.private_key_id {
        header["kid"] = json!(id);
    }
    let claims = json!({
        "iss": account.client_email,
        "scope": scope,
        "aud": account.token_uri,
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
    });
    jwt::rs256_jwt(&key_pair, &header, &claims).map_err(|_| auth_error("signing the JWT failed"))
}

/// `application/x-www-form-urlencoded` body of the JWT bearer grant (a JWT needs no escaping).
pub fn token_request_body(assertion: &str) -> String {
    format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
    )
}

/// The access token of a token endpoint's answer, or why there is none.
pub fn parse_token_reply(reply: &Reply, account: &ServiceAccount) -> Result<String, StageError> {
    let json = reply.json().unwrap_or(Value::Null);
    if reply.is_success() {
        return json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
            .map(str::to_string)
            .ok_or_else(|| auth_error("the token endpoint answered without an access_token"));
    }
    let error = json.get("error").and_then(Value::as_str);
    let description = json.get("error_description").and_then(Value::as_str);
    let detail = match (error, description) {
        (Some(error), Some(description)) => format!("{error}: {}", one_line(description, 200)),
        (Some(error), None) => error.to_string(),
        _ => reply.body_line(),
    };
    Err(auth_error(format!(
        "the token endpoint refused the key of {} ({}): {detail}",
        account.client_email, account.key
    )))
}

/// Signs in: JWT → token endpoint → access token. Runs inside the authenticate stage; the token
/// endpoint's own resolve/connect/TLS failures are reported as authenticate, naming the endpoint.
pub async fn access_token(account: &ServiceAccount, scope: &str) -> Result<String, StageError> {
    let token_endpoint = Endpoint::parse_url(&account.token_uri, "token_uri").map_err(|error| {
        auth_error(format!(
            "the token_uri in {} is unusable: {}",
            account.key, error.reason
        ))
    })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let jwt = assertion(account, scope, now)?;
    let at_endpoint = |error: StageError| {
        auth_error(format!(
            "token endpoint {}: {}",
            token_endpoint.describe(),
            error.reason
        ))
    };
    let mut connection = HttpClient::open(&token_endpoint, &Progress::default())
        .await
        .map_err(at_endpoint)?;
    let request = Call {
        method: http::Method::POST,
        path: token_endpoint.path(""),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: token_request_body(&jwt).into_bytes(),
    };
    let reply = connection
        .call(request, Stage::Authenticate)
        .await
        .map_err(at_endpoint)?;
    parse_token_reply(&reply, account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    const TEST_KEY: &str =
        include_str!("../../../tests/fixtures/TEST-ONLY-service-account-key.pem");

    fn account_json(private_key: &str) -> String {
        let json = json!({
            "type": "service_account",
            "project_id": "demo",
            "private_key_id": "kid-1",
            "private_key": private_key,
            "client_email": "checker@demo.iam.gserviceaccount.com",
            "token_uri": "http://127.0.0.1:1/token",
        });
        base64::engine::general_purpose::STANDARD.encode(json.to_string())
    }

    #[test]
    fn the_jwt_is_rs256_over_the_documented_claims() {
        let account =
            parse_service_account(&account_json(TEST_KEY), "BQ_CREDENTIALS_BASE64").unwrap();
        let jwt = assertion(&account, SCOPE, 1_700_000_000).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |part: &str| -> Value {
            serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(part)
                    .unwrap(),
            )
            .unwrap()
        };
        assert_eq!(
            decode(parts[0]),
            json!({"alg": "RS256", "typ": "JWT", "kid": "kid-1"})
        );
        assert_eq!(
            decode(parts[1]),
            json!({
                "iss": "checker@demo.iam.gserviceaccount.com",
                "scope": SCOPE,
                "aud": "http://127.0.0.1:1/token",
                "iat": 1_700_000_000u64,
                "exp": 1_700_003_600u64,
            })
        );
        let public = jwt::rsa_key_from_pem(TEST_KEY)
            .unwrap()
            .public_key()
            .as_ref()
            .to_vec();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the signature verifies with the key's public half");
        assert!(!format!("{account:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn bad_credentials_name_the_key_without_quoting_it() {
        let key = "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64";
        let error = parse_service_account("not base64 ~~", key).unwrap_err();
        assert_eq!(
            (error.stage, error.reason.as_str()),
            (
                Stage::Authenticate,
                "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64 is not base64"
            )
        );
        let user = base64::engine::general_purpose::STANDARD
            .encode(r#"{"type":"authorized_user","client_id":"x"}"#);
        let error = parse_service_account(&user, key).unwrap_err();
        assert!(
            error.reason.contains("\"authorized_user\" credential"),
            "{}",
            error.reason
        );
        let broken = account_json("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        let account = parse_service_account(&broken, key).unwrap();
        let error = assertion(&account, SCOPE, 0).unwrap_err();
        assert_eq!(
            error.reason,
            "the private_key in PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64 is not a PKCS#8 RSA key"
        );
    }

    #[test]
    fn token_replies_give_the_token_or_the_reason() {
        let account = parse_service_account(&account_json(TEST_KEY), "K").unwrap();
        let reply = |status: u16, body: &str| Reply {
            status,
            headers: http::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        };
        assert_eq!(
            parse_token_reply(
                &reply(200, r#"{"access_token":"ya29.x","expires_in":3599}"#),
                &account
            )
            .unwrap(),
            "ya29.x"
        );
        let error = parse_token_reply(
            &reply(
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            ),
            &account,
        )
        .unwrap_err();
        assert_eq!(
            error.reason,
            "the token endpoint refused the key of checker@demo.iam.gserviceaccount.com (K): \
             invalid_grant: Invalid JWT Signature."
        );
        assert!(token_request_body("a.b.c").ends_with("&assertion=a.b.c"));
    }
}
