//! How a Databricks check logs in: OAuth machine-to-machine when both client keys are set (they
//! win over a token, as in the engine), traded for an access token at the workspace's OIDC
//! endpoint, else `DATABRICKS_TOKEN` as a bearer token; every secret is hidden from replies.

use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

use crate::probe::config::value;
use crate::probe::transport::http::{Client, basic_auth, one_line, snippet};
use crate::probe::{ResolvedConfig, Stage, StageError};
/// How the check logs in.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Login<'a> {
    Token(&'a str),
    OAuth { client_id: &'a str, secret: &'a str },
}

/// OAuth when both client keys are set, else the token; a half-set pair names the missing key.
pub(super) fn login(config: &ResolvedConfig) -> Result<Login<'_>, StageError> {
    let client_id = value(config, "DATABRICKS_CLIENT_ID");
    let secret = value(config, "DATABRICKS_CLIENT_SECRET");
    let token = value(config, "DATABRICKS_TOKEN");
    match (client_id, secret, token) {
        (Some(client_id), Some(secret), _) => Ok(Login::OAuth { client_id, secret }),
        (_, _, Some(token)) => Ok(Login::Token(token)),
        (Some(_), None, None) => Err(StageError::new(
            Stage::Resolve,
            "DATABRICKS_CLIENT_SECRET is not set; OAuth needs it with DATABRICKS_CLIENT_ID",
        )),
        (None, Some(_), None) => Err(StageError::new(
            Stage::Resolve,
            "DATABRICKS_CLIENT_ID is not set; OAuth needs it with DATABRICKS_CLIENT_SECRET",
        )),
        (None, None, None) => Err(StageError::new(
            Stage::Resolve,
            "no credentials: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
        )),
    }
}

/// Trades the client id and secret for an access token at the workspace's OIDC endpoint.
pub(super) async fn oauth_token(
    client: &mut Client,
    client_id: &str,
    secret: &str,
) -> Result<String, StageError> {
    let header = basic_auth(client_id, secret);
    client.hide(secret);
    client.hide(header.trim_start_matches("Basic "));
    let request = client
        .request(Method::POST, "/oidc/v1/token")
        .header(AUTHORIZATION, &header)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    let reply = client
        .send(
            request,
            "grant_type=client_credentials&scope=all-apis",
            Stage::Authenticate,
        )
        .await?;
    let token = read_token(reply.status, &reply.body, client_id)?;
    client.hide(&token);
    Ok(token)
}

pub(super) fn read_token(status: u16, body: &[u8], client_id: &str) -> Result<String, StageError> {
    let document: Option<Value> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status)
        && let Some(token) = document
            .as_ref()
            .and_then(|doc| doc.get("access_token"))
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
    {
        return Ok(token.to_string());
    }
    let text = |key: &str| {
        document
            .as_ref()
            .and_then(|doc| doc.get(key))
            .and_then(Value::as_str)
    };
    let why = match (text("error"), text("error_description")) {
        (Some(error), Some(description)) => one_line(&format!("{error}: {description}"), 200),
        (Some(error), None) => one_line(error, 200),
        _ if (200..300).contains(&status) => "the answer has no access_token".to_string(),
        _ => snippet(body),
    };
    Err(StageError::new(
        Stage::Authenticate,
        format!("OAuth login of client {client_id} failed (HTTP {status}): {why}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

    #[test]
    fn oauth_wins_over_a_token_and_half_pairs_name_the_missing_key() {
        let both = config(&[
            ("DATABRICKS_TOKEN", "dapi1"),
            ("DATABRICKS_CLIENT_ID", "id"),
            ("DATABRICKS_CLIENT_SECRET", "s"),
        ]);
        assert_eq!(
            login(&both).unwrap(),
            Login::OAuth {
                client_id: "id",
                secret: "s"
            }
        );
        let token = config(&[
            ("DATABRICKS_TOKEN", "dapi1"),
            ("DATABRICKS_CLIENT_ID", "id"),
        ]);
        assert_eq!(login(&token).unwrap(), Login::Token("dapi1"));
        let half = config(&[("DATABRICKS_CLIENT_ID", "id")]);
        assert!(
            login(&half)
                .unwrap_err()
                .reason
                .starts_with("DATABRICKS_CLIENT_SECRET is not set")
        );
        assert!(
            login(&config(&[]))
                .unwrap_err()
                .reason
                .contains("DATABRICKS_TOKEN")
        );
    }

    #[test]
    fn token_answers_are_read() {
        assert_eq!(
            read_token(
                200,
                br#"{"access_token":"eyJ","token_type":"Bearer"}"#,
                "id"
            )
            .unwrap(),
            "eyJ"
        );
        let error = read_token(
            401,
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            "sp-1",
        )
        .unwrap_err();
        assert_eq!(error.stage, Stage::Authenticate);
        assert_eq!(
            error.reason,
            "OAuth login of client sp-1 failed (HTTP 401): invalid_client: Client authentication failed"
        );
    }
}
