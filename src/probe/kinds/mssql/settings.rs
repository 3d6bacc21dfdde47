//! What a SQL Server config asks of the check: SQL authentication (Microsoft Entra and managed
//! identity logins are named, not attempted), and whether ENGINE_ARGUMENTS tell the driver to
//! trust the server's certificate.

use crate::probe::config::value;
use crate::probe::{ResolvedConfig, Stage, StageError};
/// ENGINE_ARGUMENTS `connect_args` with `TrustServerCertificate` yes/true/1: the driver would
/// not check the certificate of a server that forces encryption.
pub(super) fn trust_server_certificate(config: &ResolvedConfig) -> bool {
    crate::probe::transport::pg_tls::engine_connect_args(config).is_some_and(|args| {
        args.iter().any(|(key, value)| {
            key.eq_ignore_ascii_case("TrustServerCertificate")
                && match value {
                    serde_json::Value::Bool(flag) => *flag,
                    serde_json::Value::String(text) => {
                        ["yes", "true", "1"].contains(&text.to_ascii_lowercase().as_str())
                    }
                    serde_json::Value::Number(number) => number.as_i64() == Some(1),
                    _ => false,
                }
        })
    })
}

/// How the check logs in.
pub(super) enum LoginMode<'a> {
    Sql { user: &'a str, password: &'a str },
    Unsupported(&'static str),
}

/// SQL login when MSSQL_USER is set; Azure AD logins are named, not attempted.
pub(super) fn login_mode(config: &ResolvedConfig) -> Result<LoginMode<'_>, StageError> {
    if let Some(user) = value(config, "MSSQL_USER") {
        let password = config
            .get("MSSQL_PWD")
            .map(|secret| secret.expose())
            .unwrap_or_default();
        return Ok(LoginMode::Sql { user, password });
    }
    if value(config, "MSSQL_CLIENT_ID").is_some() {
        return Ok(LoginMode::Unsupported(
            "Microsoft Entra service principal login (MSSQL_CLIENT_ID)",
        ));
    }
    if value(config, "MSSQL_PWD").is_some() {
        return Err(StageError::new(Stage::Resolve, "MSSQL_USER is not set"));
    }
    Ok(LoginMode::Unsupported(
        "managed identity login (no MSSQL_USER or MSSQL_CLIENT_ID)",
    ))
}
