//! Snowflake's login request (`POST /session/v1/login-request`, the session context in its
//! query, the credential in its body) and its answer: the session token, or the reason the login
//! failed, in the stage a person would fix; a session that leaves out a requested database,
//! schema or warehouse fails as the query stage, naming it.

use serde_json::{Value, json};

use super::api::{api_error, request_id};
use super::key_pair::{Credential, jwt};
use crate::probe::transport::http::{encode, snippet};
use crate::probe::{Stage, StageError};
/// The session's optional context.
pub(super) struct Context<'a> {
    pub(super) database: Option<&'a str>,
    pub(super) schema: Option<&'a str>,
    pub(super) warehouse: Option<&'a str>,
    pub(super) role: Option<&'a str>,
}

/// The login path with the session context in its query, as the drivers send it.
pub(super) fn login_path(context: &Context<'_>) -> String {
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

pub(super) fn login_body(
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
pub(super) fn read_login(
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

/// Snowflake leaves a database, schema or warehouse out of the session when it does not exist
/// or the role may not use it.
pub(super) fn check_context(session: &Value, context: &Context<'_>) -> Result<(), StageError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::kinds::snowflake::key_pair::test_key;

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
}
