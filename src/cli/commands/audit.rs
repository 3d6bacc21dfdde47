//! `sourcedeck audit [NAME] [--since DURATION] [--limit N]`: the audit trail of the environment
//! (or of one source or secret) from the server's AuditService, newest first: when, who, what,
//! which keys, outcome. Records hold key names only, so nothing here can print a value.

use std::time::{Duration, SystemTime};

use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};

use super::{Connector, Outcome, connect};
use crate::cli::args::ConnectionArgs;
use crate::cli::global::UsageError;
use crate::cli::output::{self, Render};
use crate::client::audit_api::AuditFilter;
use crate::client::audit_record::{is_about, keys, outcome, text_field, what, who};
use crate::client::team_api::TeamError;
use crate::proto::AuditLog;

/// How many records `audit` prints when `--limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most `--limit` accepts.
const MAX_LIMIT: u32 = 10_000;

/// `--since`: a whole number with a unit, `s`, `m`, `h`, `d` or `w` (`90m`, `7d`).
pub fn parse_since(text: &str) -> Result<Duration, UsageError> {
    let invalid = || {
        UsageError(format!(
            "--since {text:?}: expected a number and a unit (s, m, h, d, w), e.g. 30m or 7d"
        ))
    };
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let unit_seconds: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(invalid()),
    };
    number
        .checked_mul(unit_seconds)
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
        .ok_or_else(invalid)
}

struct Trail(Vec<AuditLog>);

impl Render for Trail {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No audit records match.\n".into();
        }
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|log| {
                let keys = keys(log);
                vec![
                    crate::present::timestamp(log.at.as_ref()),
                    who(log),
                    what(log),
                    if keys.is_empty() {
                        "-".into()
                    } else {
                        keys.join(", ")
                    },
                    outcome(log),
                ]
            })
            .collect();
        output::table(&["WHEN", "WHO", "WHAT", "KEYS", "OUTCOME"], &rows)
    }

    fn json(&self) -> Value {
        json!(
            self.0
                .iter()
                .map(|log| json!({
                    "at": crate::present::timestamp(log.at.as_ref()),
                    "agent": who(log),
                    "endpoint": log.endpoint,
                    "description": log.description,
                    "integration_id": text_field(log, "integration_id"),
                    "name": text_field(log, "name"),
                    "keys": keys(log),
                    "outcome": outcome(log),
                    "code": log.code,
                    "ip": log.ip,
                }))
                .collect::<Vec<_>>()
        )
    }
}

/// What `audit` was asked.
pub struct Request {
    pub name: Option<String>,
    pub since: Option<String>,
    pub limit: Option<u32>,
}

pub async fn run(
    connector: &dyn Connector,
    connection: &ConnectionArgs,
    request: Request,
) -> Result<Outcome> {
    let since = request.since.as_deref().map(parse_since).transpose()?;
    let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(UsageError(format!("--limit {limit}: give 1 to {MAX_LIMIT}")).into());
    }
    let client = connect(connector, connection).await?;
    let filter = AuditFilter {
        since: since.map(|ago| {
            SystemTime::now()
                .checked_sub(ago)
                .unwrap_or(SystemTime::UNIX_EPOCH)
        }),
        ..Default::default()
    };
    let name = request.name;
    let found = client
        .session
        .audit_logs(&filter, limit as usize, |log| {
            name.as_deref().is_none_or(|name| is_about(log, name))
        })
        .await;
    match found {
        Ok(logs) => Outcome::ok(Trail(logs)),
        Err(TeamError::Unsupported { .. }) => bail!(
            "audit: this server does not offer an audit log (AuditService answered UNIMPLEMENTED)"
        ),
        Err(TeamError::Failed(error)) if error.code == tonic::Code::PermissionDenied => bail!(
            "audit: reading the audit log needs the MONITORING_READ permission; the server said: {error}"
        ),
        Err(error) => Err(anyhow!(error).context("audit")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_number_and_a_unit() {
        assert_eq!(parse_since("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_since("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_since("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_since("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_since("1w").unwrap(), Duration::from_secs(604_800));
        for bad in [
            "",
            "7",
            "d",
            "0d",
            "7y",
            "-1d",
            "1.5h",
            "99999999999999999999w",
        ] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }
}
