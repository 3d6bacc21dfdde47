//! Snowflake check over the REST API the drivers use: `POST /session/v1/login-request` with the
//! account and user and either the password or a key-pair JWT (authenticator `SNOWFLAKE_JWT`),
//! then `SELECT 1` through `POST /queries/v1/query-request` with the session token. A login that
//! succeeds but leaves out a requested database, schema or warehouse (Snowflake does that when
//! one does not exist or the role may not use it) fails as the query stage, naming it.
//!
//! The key pair: `SNOWFLAKE_PRIVATE_KEY_B64` is the base64 of an unencrypted PEM PKCS#8 RSA key
//! (base64 of the DER is accepted too); when it is set it wins over the password, as in the
//! engine. The JWT is RS256 with `iss` = `ACCOUNT.USER.SHA256:<base64 SHA-256 of the public key's
//! SubjectPublicKeyInfo DER>`, `sub` = `ACCOUNT.USER`, valid for 60 s.
//!
//! The account is `SNOWFLAKE_ACCOUNT_ID` (the engine's name) or its alias `SNOWFLAKE_ACCOUNT`,
//! reached at `https://{account}.snowflakecomputing.com:443`. An account given as a URL is used
//! as given (scheme, host and port), which is how tests point the check at a loopback peer; the
//! account name then comes from the URL's user part (`http://xy12345@127.0.0.1:PORT`) or from a
//! `*.snowflakecomputing.com` host.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hyper::Method;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use rand::Rng;
use ring::signature::{KeyPair, RsaKeyPair};

use crate::probe::auth::jwt;
use serde_json::{Value, json};

use crate::probe::config::{required, value};
use crate::probe::transport::http::{
    Client, Endpoint, encode, one_line, parse_host, path_of, snippet,
};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

const DOMAIN: &str = ".snowflakecomputing.com";
/// Pause between polls of a query that is still running.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Codes of a query still in progress.
const IN_PROGRESS: &[&str] = &["333333", "333334"];

/// Where to log in and as which account.
#[derive(Debug, PartialEq, Eq)]
struct Account {
    endpoint: Endpoint,
    /// The account name as login and JWT want it (upper case, no region).
    name: String,
}

/// How the check logs in.
enum Credential {
    Password(String),
    KeyPair(Box<RsaKeyPair>),
}

/// The session's optional context.
struct Context<'a> {
    database: Option<&'a str>,
    schema: Option<&'a str>,
    warehouse: Option<&'a str>,
    role: Option<&'a str>,
}

pub async fn check(config: &ResolvedConfig, progress: &Progress) -> Result<String, StageError> {
    let account = account(config)?;
    let user = required(config, "SNOWFLAKE_USER")?;
    let credential = credential(config)?;
    let context = Context {
        database: value(config, "SNOWFLAKE_DATABASE"),
        schema: value(config, "SNOWFLAKE_SCHEMA").or_else(|| value(config, "SNOWSQL_SCHEMA")),
        warehouse: value(config, "SNOWFLAKE_WAREHOUSE"),
        role: value(config, "SNOWFLAKE_ROLE"),
    };
    let mut client = Client::open(&account.endpoint, progress).await?;
    progress.enter(Stage::Authenticate);
    let body = login_body(&account.name, user, &credential, now_seconds())?;
    for secret in ["/data/PASSWORD", "/data/TOKEN"] {
        if let Some(value) = body.pointer(secret).and_then(Value::as_str) {
            client.hide(value);
        }
    }
    let request = client
        .request(Method::POST, &login_path(&context))
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json");
    let reply = client
        .send(request, body.to_string(), Stage::Authenticate)
        .await?;
    let (token, session) = read_login(reply.status, &reply.body, &credential)?;
    client.hide(&token);
    progress.enter(Stage::Query);
    check_context(&session, &context)?;
    select_one(&mut client, &token, context.warehouse.is_some()).await?;
    let how = match credential {
        Credential::Password(_) => "a password",
        Credential::KeyPair(_) => "a key pair",
    };
    let role = session
        .get("roleName")
        .and_then(Value::as_str)
        .map(|role| format!(", role {role}"))
        .unwrap_or_default();
    Ok(format!(
        "logged in to {} as {user} with {how}{role}; SELECT 1 ok",
        account.endpoint.describe()
    ))
}

/// The account's endpoint and name, from `SNOWFLAKE_ACCOUNT_ID` or `SNOWFLAKE_ACCOUNT`.
fn account(config: &ResolvedConfig) -> Result<Account, StageError> {
    let (key, raw) = match value(config, "SNOWFLAKE_ACCOUNT_ID") {
        Some(raw) => ("SNOWFLAKE_ACCOUNT_ID", raw),
        None => match value(config, "SNOWFLAKE_ACCOUNT") {
            Some(raw) => ("SNOWFLAKE_ACCOUNT", raw),
            None => {
                return Err(StageError::new(
                    Stage::Resolve,
                    "SNOWFLAKE_ACCOUNT_ID is not set (SNOWFLAKE_ACCOUNT is accepted too)",
                ));
            }
        },
    };
    parse_account(key, raw)
}

fn parse_account(key: &str, raw: &str) -> Result<Account, StageError> {
    if raw.contains("://") {
        let spec = parse_host(key, raw)?;
        let endpoint = spec.endpoint(true, 443);
        let identifier = match (&spec.user, spec.host.strip_suffix(DOMAIN)) {
            (Some(user), _) => user.clone(),
            (None, Some(identifier)) => identifier.to_string(),
            (None, None) => {
                return Err(StageError::new(
                    Stage::Resolve,
                    format!(
                        "{key} is a URL that names no account; write it as https://ACCOUNT@host or use a *.snowflakecomputing.com host"
                    ),
                ));
            }
        };
        return Ok(Account {
            endpoint,
            name: account_name(&identifier),
        });
    }
    let identifier = raw.strip_suffix(DOMAIN).unwrap_or(raw);
    if identifier.is_empty()
        || !identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(StageError::new(
            Stage::Resolve,
            format!(
                "{key} is not an account identifier; expected e.g. xy12345.us-east-1 or myorg-myaccount"
            ),
        ));
    }
    Ok(Account {
        endpoint: Endpoint {
            tls: true,
            host: format!(
                "{}{DOMAIN}",
                identifier.to_ascii_lowercase().replace('_', "-")
            ),
            port: 443,
            user: None,
            base_path: String::new(),
        },
        name: account_name(identifier),
    })
}

/// `xy12345.us-east-1` → `XY12345`; `myorg-acct` → `MYORG-ACCT`.
fn account_name(identifier: &str) -> String {
    identifier
        .split('.')
        .next()
        .unwrap_or(identifier)
        .to_ascii_uppercase()
}

/// The key pair when `SNOWFLAKE_PRIVATE_KEY_B64` is set, else the password.
fn credential(config: &ResolvedConfig) -> Result<Credential, StageError> {
    if let Some(encoded) = value(config, "SNOWFLAKE_PRIVATE_KEY_B64") {
        return parse_private_key(encoded).map(|key| Credential::KeyPair(Box::new(key)));
    }
    match value(config, "SNOWFLAKE_PASSWORD") {
        Some(password) => Ok(Credential::Password(password.to_string())),
        None => Err(StageError::new(
            Stage::Resolve,
            "no credentials: set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_B64",
        )),
    }
}

/// Reads base64 of a PEM PKCS#8 key (or of its DER). Messages never quote the value.
fn parse_private_key(encoded: &str) -> Result<RsaKeyPair, StageError> {
    let fail =
        |why: &str| StageError::new(Stage::Resolve, format!("SNOWFLAKE_PRIVATE_KEY_B64 {why}"));
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| fail("is not valid base64"))?;
    jwt::rsa_key_from_pem_or_der(&decoded).map_err(|why| fail(&why.to_string()))
}

/// `SHA256:<base64 of SHA-256 of the SubjectPublicKeyInfo DER>`, as Snowflake shows it.
fn fingerprint(key: &RsaKeyPair) -> String {
    let spki = subject_public_key_info(key.public_key().as_ref());
    format!(
        "SHA256:{}",
        STANDARD.encode(ring::digest::digest(&ring::digest::SHA256, &spki))
    )
}

/// Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo with the rsaEncryption algorithm.
fn subject_public_key_info(rsa_public_key: &[u8]) -> Vec<u8> {
    const ALGORITHM: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(rsa_public_key);
    let bit_string = der(0x03, &bits);
    der(0x30, &[ALGORITHM, &bit_string].concat())
}

/// A DER element with `tag` around `contents`.
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = contents.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|byte| *byte == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// The key-pair JWT for `account`/`user`, issued at `now` (seconds), valid for 60 s.
fn jwt(key: &RsaKeyPair, account: &str, user: &str, now: u64) -> Result<String, StageError> {
    let subject = format!("{account}.{}", user.to_ascii_uppercase());
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let claims = json!({
        "iss": format!("{subject}.{}", fingerprint(key)),
        "sub": subject,
        "iat": now,
        "exp": now + 60,
    });
    jwt::rs256_jwt(key, &header, &claims).map_err(|_| signing_failed())
}

/// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) of `message`.
#[cfg(test)]
fn sign(key: &RsaKeyPair, message: &[u8]) -> Result<Vec<u8>, StageError> {
    jwt::sign_rs256(key, message).map_err(|_| signing_failed())
}

fn signing_failed() -> StageError {
    StageError::new(Stage::Authenticate, "could not sign the login JWT")
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A random UUID (version 4), for the request ids the API wants.
fn request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The login path with the session context in its query, as the drivers send it.
fn login_path(context: &Context<'_>) -> String {
    let mut path = format!("/session/v1/login-request?request_id={}", request_id());
    for (name, value) in [
        ("databaseName", context.database),
        ("schemaName", context.schema),
        ("warehouse", context.warehouse),
        ("roleName", context.role),
    ] {
        if let Some(value) = value {
            path.push_str(&format!("&{name}={}", encode(value)));
        }
    }
    path
}

fn login_body(
    account: &str,
    user: &str,
    credential: &Credential,
    now: u64,
) -> Result<Value, StageError> {
    let mut data = json!({
        "CLIENT_APP_ID": "sourcedeck",
        "CLIENT_APP_VERSION": env!("CARGO_PKG_VERSION"),
        "ACCOUNT_NAME": account,
        "LOGIN_NAME": user,
        "CLIENT_ENVIRONMENT": {"APPLICATION": "sourcedeck-test"},
        // As the drivers do: Snowflake then refuses a login whose database, schema or warehouse
        // does not exist, instead of leaving it out of the session.
        "SESSION_PARAMETERS": {"CLIENT_VALIDATE_DEFAULT_PARAMETERS": true},
    });
    match credential {
        Credential::Password(password) => data["PASSWORD"] = json!(password),
        Credential::KeyPair(key) => {
            data["AUTHENTICATOR"] = json!("SNOWFLAKE_JWT");
            data["TOKEN"] = json!(jwt(key, account, user, now)?);
        }
    }
    Ok(json!({ "data": data }))
}

/// The session token and `sessionInfo` of a login answer, or the reason it failed.
fn read_login(
    status: u16,
    body: &[u8],
    credential: &Credential,
) -> Result<(String, Value), StageError> {
    let document: Option<Value> = serde_json::from_slice(body).ok();
    let Some(document) = document.filter(|_| (200..300).contains(&status)) else {
        let hint = if status == 403 || status == 404 {
            "; check SNOWFLAKE_ACCOUNT_ID"
        } else {
            ""
        };
        return Err(StageError::new(
            Stage::Authenticate,
            format!(
                "HTTP {status} from the login endpoint{hint}: {}",
                snippet(body)
            ),
        ));
    };
    if document.get("success").and_then(Value::as_bool) != Some(true) {
        let mut reason = api_error(&document, "the login failed");
        if matches!(credential, Credential::KeyPair(_))
            && document.get("code").and_then(Value::as_str) == Some("390144")
        {
            reason.push_str(
                "; check that the user's RSA_PUBLIC_KEY matches SNOWFLAKE_PRIVATE_KEY_B64",
            );
        }
        // A requested database/schema/warehouse/role that is missing is the query stage.
        let stage = if reason.contains("does not exist or not authorized") {
            Stage::Query
        } else {
            Stage::Authenticate
        };
        return Err(StageError::new(stage, reason));
    }
    let token = document
        .pointer("/data/token")
        .and_then(Value::as_str)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| StageError::new(Stage::Authenticate, "the login answer has no token"))?;
    let session = document
        .pointer("/data/sessionInfo")
        .cloned()
        .unwrap_or(Value::Null);
    Ok((token.to_string(), session))
}

/// `message (code N)` of a failed API answer.
fn api_error(document: &Value, fallback: &str) -> String {
    let message = document
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or(fallback);
    let message = one_line(message.lines().next().unwrap_or(message), 200);
    match document.get("code").and_then(Value::as_str) {
        Some(code) => format!("{message} (code {})", one_line(code, 40)),
        None => message,
    }
}

/// Snowflake leaves a database, schema or warehouse out of the session when it does not exist
/// or the role may not use it.
fn check_context(session: &Value, context: &Context<'_>) -> Result<(), StageError> {
    for (what, field, requested) in [
        ("database", "databaseName", context.database),
        ("schema", "schemaName", context.schema),
        ("warehouse", "warehouseName", context.warehouse),
    ] {
        let granted = session
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|name| !name.is_empty());
        if let Some(requested) = requested.filter(|_| !granted) {
            let role = session
                .get("roleName")
                .and_then(Value::as_str)
                .or(context.role)
                .map(|role| format!(" for role {role}"))
                .unwrap_or_default();
            return Err(StageError::new(
                Stage::Query,
                format!("{what} {requested:?} does not exist or is not authorized{role}"),
            ));
        }
    }
    Ok(())
}

/// Runs `SELECT 1` with the session token, polling while Snowflake says it is in progress.
async fn select_one(
    client: &mut Client,
    token: &str,
    has_warehouse: bool,
) -> Result<(), StageError> {
    let authorization = format!("Snowflake Token=\"{token}\"");
    let body = json!({
        "sqlText": "SELECT 1",
        "asyncExec": false,
        "sequenceId": 1,
        "querySubmissionTime": now_seconds() * 1000,
    });
    let request = client
        .request(
            Method::POST,
            &format!("/queries/v1/query-request?requestId={}", request_id()),
        )
        .header(AUTHORIZATION, &authorization)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/snowflake");
    let mut reply = client.send(request, body.to_string(), Stage::Query).await?;
    loop {
        match read_query(reply.status, &reply.body, has_warehouse)? {
            QueryState::Done => return Ok(()),
            QueryState::Pending(url) => {
                tokio::time::sleep(POLL_INTERVAL).await;
                let request = client
                    .request(Method::GET, &path_of(&url))
                    .header(AUTHORIZATION, &authorization)
                    .header(ACCEPT, "application/snowflake");
                reply = client.send(request, Vec::new(), Stage::Query).await?;
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum QueryState {
    Done,
    Pending(String),
}

fn read_query(status: u16, body: &[u8], has_warehouse: bool) -> Result<QueryState, StageError> {
    let document: Option<Value> = serde_json::from_slice(body).ok();
    let Some(document) = document.filter(|_| (200..300).contains(&status)) else {
        let stage = if status == 401 || status == 403 {
            Stage::Authenticate
        } else {
            Stage::Query
        };
        return Err(StageError::new(
            stage,
            format!("HTTP {status} from the query endpoint: {}", snippet(body)),
        ));
    };
    let code = document.get("code").and_then(Value::as_str);
    if let Some(url) = document
        .pointer("/data/getResultUrl")
        .and_then(Value::as_str)
        .filter(|_| code.is_some_and(|code| IN_PROGRESS.contains(&code)))
    {
        return Ok(QueryState::Pending(url.to_string()));
    }
    if document.get("success").and_then(Value::as_bool) != Some(true) {
        let mut reason = api_error(&document, "the query failed");
        if code == Some("000606") && !has_warehouse {
            reason.push_str("; set SNOWFLAKE_WAREHOUSE");
        }
        return Err(StageError::new(Stage::Query, reason));
    }
    // JSON results carry `rowset`; Arrow results (`rowsetBase64`) are not decoded here, so
    // they count by `total`.
    let total = document.pointer("/data/total").and_then(Value::as_u64);
    match document.pointer("/data/rowset") {
        Some(rows) if *rows == json!([["1"]]) || *rows == json!([[1]]) => Ok(QueryState::Done),
        Some(rows) if !rows.as_array().is_some_and(Vec::is_empty) => Err(StageError::new(
            Stage::Query,
            format!("unexpected answer to SELECT 1: {rows}"),
        )),
        _ if total == Some(1) => Ok(QueryState::Done),
        _ => Err(StageError::new(
            Stage::Query,
            "the answer to SELECT 1 has no rows",
        )),
    }
}

/// Snowflake's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use rustls::pki_types::pem::PemObject;

    use super::*;

    const TEST_KEY_PEM: &str = include_str!("../auth/testdata/snowflake_test_key.pem");
    /// `openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary | base64`
    const TEST_KEY_FINGERPRINT: &str = "SHA256:Z+dFaq2qnfB+yl5QYhDNUHHBodg0rbvRU501XFKlyy8=";
    /// `printf 'header.payload' | openssl dgst -sha256 -sign key.pem`, base64url.
    const TEST_SIGNATURE: &str = "VPTNWcMf_wAL-HzF8mvOKAyWfszV_7JQsdqnICx7nrybvJgigBda9z6BqCw2bpMf9XKYzgzNm-n4Lbcj6WjTxu-K2ZWIDq9iE_RdPsfF9h9K8kDmjlNwu3PHt0Vhmh01wGVuM_t4eLtJ8vW-e3DHJGON_IwkEu_yyMgauV5VHZbFRle739bFXKMrL1SEaXTKdT4UKbnf10RzpH-D7FfZmjJhlFanyfsCtnMzpKLLyFT74sldc81jF-yQD8LSSKft7QUw7ZPzY1LB9sm8xeIGaC_YZ9MmNDSJOxEemMHpnuIYhOZTXxoxZ6trMFwUvKFn9imO2BPD6AQoeXSMEg5IJQ";

    fn test_key() -> RsaKeyPair {
        parse_private_key(&STANDARD.encode(TEST_KEY_PEM)).unwrap()
    }

    #[test]
    fn the_fingerprint_matches_openssl() {
        assert_eq!(fingerprint(&test_key()), TEST_KEY_FINGERPRINT);
    }

    #[test]
    fn rs256_signatures_match_openssl() {
        let signature = sign(&test_key(), b"header.payload").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(signature), TEST_SIGNATURE);
    }

    #[test]
    fn the_jwt_names_account_user_and_key() {
        let token = jwt(&test_key(), "XY12345", "alice", 1_700_000_000).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT"}));
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims,
            json!({
                "iss": format!("XY12345.ALICE.{TEST_KEY_FINGERPRINT}"),
                "sub": "XY12345.ALICE",
                "iat": 1_700_000_000u64,
                "exp": 1_700_000_060u64,
            })
        );
    }

    #[test]
    fn keys_are_read_from_pem_or_der_and_bad_ones_are_named_without_their_value() {
        let der =
            rustls::pki_types::PrivateKeyDer::from_pem_slice(TEST_KEY_PEM.as_bytes()).unwrap();
        let der = der.secret_der();
        assert!(parse_private_key(&STANDARD.encode(der)).is_ok());
        let error = parse_private_key("not base64 !!").unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert_eq!(
            error.reason,
            "SNOWFLAKE_PRIVATE_KEY_B64 is not valid base64"
        );
        let pkcs1 = STANDARD
            .encode("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assert!(
            parse_private_key(&pkcs1)
                .unwrap_err()
                .reason
                .contains("PKCS#1")
        );
        let encrypted = STANDARD.encode("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n");
        assert!(
            parse_private_key(&encrypted)
                .unwrap_err()
                .reason
                .contains("encrypted")
        );
        assert!(parse_private_key(&STANDARD.encode([1u8, 2, 3])).is_err());
    }

    #[test]
    fn der_lengths_use_the_long_form_above_127() {
        assert_eq!(der(0x04, &[9; 3]), vec![0x04, 3, 9, 9, 9]);
        let long = der(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn accounts_map_to_their_host_and_name() {
        let plain = parse_account("SNOWFLAKE_ACCOUNT_ID", "xy12345.us-east-1").unwrap();
        assert_eq!(
            plain.endpoint.host,
            "xy12345.us-east-1.snowflakecomputing.com"
        );
        assert_eq!(plain.endpoint.port, 443);
        assert!(plain.endpoint.tls);
        assert_eq!(plain.name, "XY12345");
        let org = parse_account("K", "MyOrg-My_Account.snowflakecomputing.com").unwrap();
        assert_eq!(org.endpoint.host, "myorg-my-account.snowflakecomputing.com");
        assert_eq!(org.name, "MYORG-MY_ACCOUNT");
        let url = parse_account("K", "http://xy12345@127.0.0.1:4000").unwrap();
        assert_eq!(url.endpoint.describe(), "http://127.0.0.1:4000");
        assert_eq!(url.name, "XY12345");
        let hosted = parse_account("K", "https://ab1.eu-west-1.snowflakecomputing.com").unwrap();
        assert_eq!(hosted.name, "AB1");
        assert!(parse_account("K", "http://127.0.0.1:4000").is_err());
        assert!(parse_account("K", "bad account!").is_err());
    }

    #[test]
    fn login_answers_are_read() {
        let password = Credential::Password("pw".into());
        let ok = br#"{"data":{"token":"tok","masterToken":"m","sessionInfo":{"databaseName":"DB","roleName":"SYSADMIN"}},"code":null,"message":null,"success":true}"#;
        let (token, session) = read_login(200, ok, &password).unwrap();
        assert_eq!(token, "tok");
        assert_eq!(session["roleName"], "SYSADMIN");
        let wrong = br#"{"data":{"nextAction":null},"code":"390100","message":"Incorrect username or password was specified.","success":false}"#;
        let error = read_login(200, wrong, &password).unwrap_err();
        assert_eq!(error.stage, Stage::Authenticate);
        assert_eq!(
            error.reason,
            "Incorrect username or password was specified. (code 390100)"
        );
        let key = Credential::KeyPair(Box::new(test_key()));
        let jwt =
            br#"{"data":null,"code":"390144","message":"JWT token is invalid.","success":false}"#;
        assert!(
            read_login(200, jwt, &key)
                .unwrap_err()
                .reason
                .contains("RSA_PUBLIC_KEY")
        );
        let validated = br#"{"data":null,"code":"390201","message":"The requested database does not exist or not authorized.","success":false}"#;
        let missing = read_login(200, validated, &password).unwrap_err();
        assert_eq!(missing.stage, Stage::Query);
        assert_eq!(
            missing.reason,
            "The requested database does not exist or not authorized. (code 390201)"
        );
        let gone = read_login(403, b"<html>Forbidden</html>", &password).unwrap_err();
        assert!(
            gone.reason.contains("check SNOWFLAKE_ACCOUNT_ID"),
            "{}",
            gone.reason
        );
    }

    #[test]
    fn a_missing_database_is_named() {
        let context = Context {
            database: Some("NOPE"),
            schema: None,
            warehouse: None,
            role: None,
        };
        let error = check_context(
            &json!({"databaseName": null, "roleName": "PUBLIC"}),
            &context,
        )
        .unwrap_err();
        assert_eq!(error.stage, Stage::Query);
        assert_eq!(
            error.reason,
            "database \"NOPE\" does not exist or is not authorized for role PUBLIC"
        );
        assert!(check_context(&json!({"databaseName": "NOPE"}), &context).is_ok());
    }

    #[test]
    fn query_answers_are_read() {
        let done = br#"{"data":{"rowset":[["1"]],"queryId":"q"},"code":null,"success":true}"#;
        assert_eq!(read_query(200, done, true).unwrap(), QueryState::Done);
        let pending = br#"{"data":{"getResultUrl":"/queries/q/result","queryId":"q"},"code":"333334","success":true}"#;
        assert_eq!(
            read_query(200, pending, true).unwrap(),
            QueryState::Pending("/queries/q/result".into())
        );
        let no_warehouse = br#"{"data":null,"code":"000606","message":"No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n","success":false}"#;
        let error = read_query(200, no_warehouse, false).unwrap_err();
        assert_eq!(error.stage, Stage::Query);
        assert!(
            error
                .reason
                .ends_with("(code 000606); set SNOWFLAKE_WAREHOUSE")
        );
        assert_eq!(
            read_query(401, b"", true).unwrap_err().stage,
            Stage::Authenticate
        );
        let arrow = br#"{"data":{"rowtype":[{"name":"1"}],"total":1,"queryResultFormat":"arrow","rowsetBase64":"/////w=="},"success":true}"#;
        assert_eq!(read_query(200, arrow, true).unwrap(), QueryState::Done);
        let empty = br#"{"data":{"total":0,"rowsetBase64":""},"success":true}"#;
        assert!(read_query(200, empty, true).is_err());
    }

    #[test]
    fn request_ids_are_version_4_uuids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_ne!(id, request_id());
    }
}
