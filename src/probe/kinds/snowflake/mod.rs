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
//!
//! One module per idea: `account` (where to log in and as which account), `key_pair` (the
//! credential, with the key-pair JWT), `login` (the login request and its answer), `query` (the
//! `SELECT 1` and its polling), `api` (what every call to the API shares).

mod account;
mod api;
mod key_pair;
mod login;
mod query;

use hyper::Method;
use hyper::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;

use crate::probe::config::{required, value};
use crate::probe::transport::http::Client;
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};
use account::account;
use api::now_seconds;
use key_pair::{Credential, credential};
use login::{Context, check_context, login_body, login_path, read_login};
use query::select_one;

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

/// Snowflake's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}
