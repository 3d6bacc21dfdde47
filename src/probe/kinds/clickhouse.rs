//! ClickHouse check over the HTTP interface (what the SDK's client speaks): `SELECT 1` with the
//! `X-ClickHouse-User`/`X-ClickHouse-Key` headers, first without a database (authenticate), then
//! with the `database` parameter (query), so a wrong password and a missing database are told
//! apart. ClickHouse error bodies (`Code: 516. DB::Exception: ...`) become one clean line.
//!
//! TLS is on unless `CLICKHOUSE_USE_TLS` is false (`1/true/yes/t/y` are true); the default port
//! is 8443 with TLS and 8123 without. `CLICKHOUSE_TCP_PORT`, when set, is used as the HTTP(S)
//! port, except the native protocol's well-known ports 9000/9440, which the HTTP interface never
//! listens on: then the HTTP default is checked and the summary says so. A `CLICKHOUSE_HOST`
//! with a scheme (`http://127.0.0.1:8123`) is used as given: its scheme decides TLS and its port
//! wins.

use hyper::Method;

use crate::probe::config::{port, required, value};
use crate::probe::transport::http::{
    Client, encode, one_line, parse_host, snippet, status_stage, truthy,
};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

/// Error codes ClickHouse answers when the login itself is refused.
const AUTH_CODES: &[u32] = &[
    192, // UNKNOWN_USER
    193, // WRONG_PASSWORD
    194, // REQUIRED_PASSWORD
    195, // IP_ADDRESS_NOT_ALLOWED
    516, // AUTHENTICATION_FAILED
];

pub async fn check(config: &ResolvedConfig, progress: &Progress) -> Result<String, StageError> {
    let host = parse_host("CLICKHOUSE_HOST", required(config, "CLICKHOUSE_HOST")?)?;
    let tls = value(config, "CLICKHOUSE_USE_TLS").is_none_or(truthy);
    let (http_port, note) = choose_port(port(config, "CLICKHOUSE_TCP_PORT", 0)?, tls);
    let database = required(config, "CLICKHOUSE_DATABASE")?;
    let user = required(config, "CLICKHOUSE_USER")?;
    let password = value(config, "CLICKHOUSE_PWD");
    let endpoint = host.endpoint(tls, http_port);
    let mut client = Client::open(&endpoint, progress).await?;
    if let Some(password) = password {
        client.hide(password);
    }
    progress.enter(Stage::Authenticate);
    select_one(&mut client, user, password, None, Stage::Authenticate).await?;
    progress.enter(Stage::Query);
    select_one(&mut client, user, password, Some(database), Stage::Query).await?;
    Ok(format!(
        "connected to {} as {user}, database {database:?}; SELECT 1 ok{note}",
        endpoint.describe()
    ))
}

/// The HTTP port to use for `CLICKHOUSE_TCP_PORT` (0 when unset), and a note for the summary.
fn choose_port(configured: u16, tls: bool) -> (u16, String) {
    let default = if tls { 8443 } else { 8123 };
    match configured {
        0 => (default, String::new()),
        9000 | 9440 => (
            default,
            format!(
                " (CLICKHOUSE_TCP_PORT {configured} is the native protocol's port; checked the HTTP interface on {default})"
            ),
        ),
        other => (other, String::new()),
    }
}

async fn select_one(
    client: &mut Client,
    user: &str,
    password: Option<&str>,
    database: Option<&str>,
    stage: Stage,
) -> Result<(), StageError> {
    let mut path = format!("/?query={}", encode("SELECT 1"));
    if let Some(database) = database {
        path.push_str(&format!("&database={}", encode(database)));
    }
    let mut request = client
        .request(Method::GET, &path)
        .header("X-ClickHouse-User", user);
    if let Some(password) = password {
        request = request.header("X-ClickHouse-Key", password);
    }
    let reply = client.send(request, Vec::new(), stage).await?;
    if !reply.is_success() {
        return Err(error_of(
            reply.status,
            reply.header("X-ClickHouse-Exception-Code"),
            &reply.body,
            stage,
        ));
    }
    let text = String::from_utf8_lossy(&reply.body);
    if text.trim() == "1" {
        Ok(())
    } else {
        Err(StageError::new(
            Stage::Query,
            format!("unexpected answer to SELECT 1: {}", reply.body_line()),
        ))
    }
}

/// A failed answer as one line, in the stage its error code belongs to.
fn error_of(status: u16, header_code: Option<&str>, body: &[u8], stage: Stage) -> StageError {
    let text = String::from_utf8_lossy(body);
    let code = header_code
        .and_then(|code| code.trim().parse::<u32>().ok())
        .or_else(|| body_code(&text));
    let Some(code) = code else {
        return StageError::new(
            if status_stage(status) == Stage::Authenticate {
                Stage::Authenticate
            } else {
                stage
            },
            format!(
                "HTTP {status} from the ClickHouse HTTP interface: {}",
                snippet(body)
            ),
        );
    };
    let stage = if AUTH_CODES.contains(&code) {
        Stage::Authenticate
    } else {
        Stage::Query
    };
    StageError::new(
        stage,
        format!("ClickHouse error {code}: {}", clean_message(&text)),
    )
}

/// `Code: 81. DB::Exception: ...` → 81.
fn body_code(text: &str) -> Option<u32> {
    let rest = text.trim_start().strip_prefix("Code:")?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The first line of an exception without the code prefix, `DB::Exception: `, the version or
/// the stack trace. Both formats: `Code: 81. DB::Exception: ... (version ...)` (since 20.x) and
/// `Code: 81, e.displayText() = DB::Exception: ..., e.what() = DB::Exception` (older servers).
fn clean_message(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("(no message)");
    let line = match line.split_once("DB::Exception: ") {
        Some((_, message)) => message,
        None => match line.strip_prefix("Code:") {
            Some(rest) => rest.split_once(". ").map_or(rest, |(_, message)| message),
            None => line,
        },
    };
    let line = [" (version ", ", e.what() = ", ", Stack trace"]
        .iter()
        .fold(line, |line, cut| line.split(cut).next().unwrap_or(line));
    one_line(line.trim(), 200)
}

/// ClickHouse's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_ports_fall_back_to_the_http_default() {
        assert_eq!(choose_port(0, true).0, 8443);
        assert_eq!(choose_port(0, false).0, 8123);
        assert_eq!(choose_port(18123, false), (18123, String::new()));
        let (port, note) = choose_port(9440, true);
        assert_eq!(port, 8443);
        assert!(note.contains("native"), "{note}");
    }

    #[test]
    fn authentication_errors_are_the_authenticate_stage() {
        let body = b"Code: 516. DB::Exception: admin: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 24.3.1.1)\n";
        let error = error_of(403, None, body, Stage::Authenticate);
        assert_eq!(error.stage, Stage::Authenticate);
        assert_eq!(
            error.reason,
            "ClickHouse error 516: admin: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)"
        );
    }

    #[test]
    fn a_missing_database_is_the_query_stage() {
        let body = b"Code: 81. DB::Exception: Database nope does not exist. (UNKNOWN_DATABASE) (version 23.8.2.7 (official build))\n";
        let error = error_of(404, Some("81"), body, Stage::Query);
        assert_eq!(error.stage, Stage::Query);
        assert_eq!(
            error.reason,
            "ClickHouse error 81: Database nope does not exist. (UNKNOWN_DATABASE)"
        );
    }

    #[test]
    fn answers_without_a_code_quote_the_status() {
        let error = error_of(502, None, b"<html>Bad gateway</html>", Stage::Authenticate);
        assert_eq!(error.stage, Stage::Authenticate);
        assert_eq!(
            error.reason,
            "HTTP 502 from the ClickHouse HTTP interface: an answer of 24 bytes in no known format"
        );
        assert_eq!(
            error_of(401, None, b"", Stage::Query).stage,
            Stage::Authenticate
        );
    }

    /// Verbatim answers of a real ClickHouse 18.16 HTTP interface (Debian's clickhouse-server).
    #[test]
    fn answers_of_an_old_server_are_cleaned() {
        let wrong = b"Code: 193, e.displayText() = DB::Exception: Wrong password for user admin, e.what() = DB::Exception\n";
        let error = error_of(401, None, wrong, Stage::Authenticate);
        assert_eq!(error.stage, Stage::Authenticate);
        assert_eq!(
            error.reason,
            "ClickHouse error 193: Wrong password for user admin"
        );
        let missing = b"Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist, e.what() = DB::Exception\n";
        let error = error_of(404, None, missing, Stage::Query);
        assert_eq!(error.stage, Stage::Query);
        assert_eq!(
            error.reason,
            "ClickHouse error 81: Database nope doesn't exist"
        );
    }

    #[test]
    fn old_style_messages_are_cleaned() {
        assert_eq!(
            body_code("Code: 193, e.displayText() = DB::Exception: x"),
            Some(193)
        );
        assert_eq!(
            clean_message("Code: 60. DB::Exception: Table x.y doesn't exist, Stack trace: ..."),
            "Table x.y doesn't exist"
        );
    }
}
