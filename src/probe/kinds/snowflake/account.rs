//! Which Snowflake account a check logs in to: `SNOWFLAKE_ACCOUNT_ID` (or its alias
//! `SNOWFLAKE_ACCOUNT`) as an account identifier reached at `{account}.snowflakecomputing.com`,
//! or as a URL used as given, and the account name that login and the JWT want.

use crate::probe::config::value;
use crate::probe::transport::http::{Endpoint, parse_host};
use crate::probe::{ResolvedConfig, Stage, StageError};
const DOMAIN: &str = ".snowflakecomputing.com";

/// Where to log in and as which account.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Account {
    pub(super) endpoint: Endpoint,
    /// The account name as login and JWT want it (upper case, no region).
    pub(super) name: String,
}

/// The account's endpoint and name, from `SNOWFLAKE_ACCOUNT_ID` or `SNOWFLAKE_ACCOUNT`.
pub(super) fn account(config: &ResolvedConfig) -> Result<Account, StageError> {
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

pub(super) fn parse_account(key: &str, raw: &str) -> Result<Account, StageError> {
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
pub(super) fn account_name(identifier: &str) -> String {
    identifier
        .split('.')
        .next()
        .unwrap_or(identifier)
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
