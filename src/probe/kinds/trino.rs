//! Trino check over the HTTP statement protocol the clients speak: `POST /v1/statement` with
//! `SELECT 1` and the `X-Trino-User`/`X-Trino-Catalog`/`X-Trino-Schema` headers, following
//! `nextUri` until the query finishes (authenticate), then a look at the catalog's
//! `information_schema` so a missing catalog or schema is reported (query). Query `error`
//! objects become one line (`Catalog 'x' not found (CATALOG_NOT_FOUND)`).
//!
//! TLS: a `TRINO_HOST` with a scheme (`http://127.0.0.1:8080`) is used as given (scheme decides
//! TLS, its port wins); otherwise port 8080 means plain HTTP and every other port HTTPS, and an
//! unset port means HTTPS on 443. `TRINO_PASSWORD` is sent as HTTP basic auth, only over HTTPS:
//! Trino refuses passwords on plain HTTP, so the check says so instead of sending it in clear.
//! `nextUri` is followed on the configured endpoint (its path only), so a coordinator that
//! advertises an internal address is still reached the way the user configured it.

use hyper::Method;
use serde_json::Value;

use crate::probe::config::{port, required, value};
use crate::probe::transport::http::{
    Client, Endpoint, HostSpec, basic_auth, one_line, parse_host, path_of, snippet,
};
use crate::probe::{CheckFuture, CheckInput, Passed, Progress, ResolvedConfig, Stage, StageError};

/// Requests one statement may take before the check gives up on it (the deadline usually ends
/// it first).
const MAX_POLLS: usize = 1000;

struct Session<'a> {
    user: &'a str,
    catalog: &'a str,
    schema: Option<&'a str>,
    password: Option<&'a str>,
}

pub async fn check(config: &ResolvedConfig, progress: &Progress) -> Result<String, StageError> {
    let host = parse_host("TRINO_HOST", required(config, "TRINO_HOST")?)?;
    let endpoint = endpoint(&host, port(config, "TRINO_PORT", 0)?);
    let session = Session {
        user: required(config, "TRINO_USER")?,
        catalog: required(config, "TRINO_CATALOG")?,
        schema: value(config, "TRINO_SCHEMA"),
        password: value(config, "TRINO_PASSWORD"),
    };
    let mut client = Client::open(&endpoint, progress).await?;
    progress.enter(Stage::Authenticate);
    if session.password.is_some() && !endpoint.tls {
        return Err(StageError::new(
            Stage::Authenticate,
            format!(
                "TRINO_PASSWORD is set but {} is plain HTTP, and Trino accepts passwords only over HTTPS; use an https:// TRINO_HOST or the coordinator's TLS port",
                endpoint.describe()
            ),
        ));
    }
    if let Some(password) = session.password {
        client.hide(password);
        let header = basic_auth(session.user, password);
        client.hide(header.trim_start_matches("Basic "));
    }
    let rows = execute(&mut client, &session, "SELECT 1").await?;
    if rows != [serde_json::json!([1])] {
        return Err(StageError::new(
            Stage::Query,
            format!("unexpected answer to SELECT 1: {}", Value::Array(rows)),
        ));
    }
    progress.enter(Stage::Query);
    let rows = execute(&mut client, &session, &schema_query(&session)).await?;
    if let Some(schema) = session.schema.filter(|_| rows.is_empty()) {
        return Err(StageError::new(
            Stage::Query,
            format!(
                "schema {schema:?} does not exist in catalog {:?}",
                session.catalog
            ),
        ));
    }
    let schema = session
        .schema
        .map(|schema| format!(", schema {schema:?}"))
        .unwrap_or_default();
    Ok(format!(
        "connected to {} as {}, catalog {:?}{schema}; SELECT 1 ok",
        endpoint.describe(),
        session.user,
        session.catalog
    ))
}

/// The coordinator's endpoint: a URL's scheme wins; else port 8080 is plain HTTP and any other
/// port HTTPS; no port at all is HTTPS on 443. `configured_port` is 0 when `TRINO_PORT` is unset.
fn endpoint(host: &HostSpec, configured_port: u16) -> Endpoint {
    let port = host
        .port
        .or(Some(configured_port).filter(|port| *port != 0));
    let tls = host.tls.unwrap_or(port != Some(8080));
    host.endpoint(tls, port.unwrap_or(if tls { 443 } else { 8080 }))
}

/// A query that fails when the catalog is missing and returns no row when the schema is.
fn schema_query(session: &Session<'_>) -> String {
    let catalog = session.catalog.replace('"', "\"\"");
    let filter = session
        .schema
        .map(|schema| {
            format!(
                " WHERE schema_name = '{}'",
                schema.to_lowercase().replace('\'', "''")
            )
        })
        .unwrap_or_default();
    format!("SELECT schema_name FROM \"{catalog}\".information_schema.schemata{filter} LIMIT 1")
}

/// Runs `sql` to the end and returns its rows.
async fn execute(
    client: &mut Client,
    session: &Session<'_>,
    sql: &str,
) -> Result<Vec<Value>, StageError> {
    let mut rows = Vec::new();
    let mut next = Some("/v1/statement".to_string());
    for poll in 0..MAX_POLLS {
        let Some(path) = next.take() else {
            return Ok(rows);
        };
        let (method, body) = if poll == 0 {
            (Method::POST, sql.to_string())
        } else {
            (Method::GET, String::new())
        };
        let mut request = client
            .request(method, &path)
            .header("X-Trino-User", session.user)
            .header("X-Trino-Catalog", session.catalog)
            .header("X-Trino-Source", "sourcedeck");
        if let Some(schema) = session.schema {
            request = request.header("X-Trino-Schema", schema);
        }
        if let Some(password) = session.password {
            request = request.header(
                hyper::header::AUTHORIZATION,
                basic_auth(session.user, password),
            );
        }
        let reply = client.send(request, body, Stage::Query).await?;
        if !reply.is_success() {
            return Err(status_error(reply.status, &reply.body, session));
        }
        let results = reply.json().ok_or_else(|| {
            StageError::new(
                Stage::Query,
                format!("the answer is not Trino JSON: {}", reply.body_line()),
            )
        })?;
        let page = read_page(&results)?;
        rows.extend(page.rows);
        next = page.next_uri.map(|uri| path_of(&uri));
    }
    Err(StageError::new(
        Stage::Query,
        format!("the query did not finish after {MAX_POLLS} requests"),
    ))
}

/// One page of a statement's results.
#[derive(Debug, PartialEq)]
struct Page {
    rows: Vec<Value>,
    next_uri: Option<String>,
}

/// Reads a `QueryResults` document; its `error` object becomes the query stage's error.
fn read_page(results: &Value) -> Result<Page, StageError> {
    if let Some(error) = results.get("error").filter(|error| !error.is_null()) {
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the query failed");
        let message = one_line(message.lines().next().unwrap_or(message), 200);
        let reason = match error.get("errorName").and_then(Value::as_str) {
            Some(name) => format!("{message} ({name})"),
            None => message.to_string(),
        };
        return Err(StageError::new(Stage::Query, reason));
    }
    Ok(Page {
        rows: results
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        next_uri: results
            .get("nextUri")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// An HTTP error status of the statement protocol as one line.
fn status_error(status: u16, body: &[u8], session: &Session<'_>) -> StageError {
    match status {
        401 if session.password.is_some() => StageError::new(
            Stage::Authenticate,
            format!(
                "password authentication failed for user {} (HTTP 401)",
                session.user
            ),
        ),
        401 => StageError::new(
            Stage::Authenticate,
            "the coordinator requires authentication (HTTP 401); set TRINO_PASSWORD",
        ),
        403 => StageError::new(
            Stage::Authenticate,
            format!(
                "user {} is not allowed to run queries (HTTP 403): {}",
                session.user,
                snippet(body)
            ),
        ),
        _ => StageError::new(
            Stage::Query,
            format!(
                "HTTP {status} from the Trino coordinator: {}",
                snippet(body)
            ),
        ),
    }
}

/// Trino's entry point, with the signature every kind implements ([`crate::probe::Check`]).
pub fn probe(input: CheckInput<'_>) -> CheckFuture<'_> {
    Box::pin(async move { check(input.config, input.progress).await.map(Passed::from) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(password: Option<&'static str>) -> Session<'static> {
        Session {
            user: "alice",
            catalog: "hive",
            schema: Some("Sales's"),
            password,
        }
    }

    #[test]
    fn pages_give_rows_and_the_next_uri() {
        let page = read_page(&json!({
            "id": "q1",
            "nextUri": "http://coordinator:8080/v1/statement/executing/q1/x/1",
            "data": [[1]],
            "stats": {"state": "RUNNING"}
        }))
        .unwrap();
        assert_eq!(page.rows, vec![json!([1])]);
        assert_eq!(
            path_of(page.next_uri.as_deref().unwrap()),
            "/v1/statement/executing/q1/x/1"
        );
        let last = read_page(&json!({"id": "q1", "stats": {"state": "FINISHED"}})).unwrap();
        assert_eq!(
            last,
            Page {
                rows: vec![],
                next_uri: None
            }
        );
    }

    #[test]
    fn error_objects_become_one_line() {
        let error = read_page(&json!({
            "id": "q1",
            "error": {
                "message": "line 1:15: Catalog 'nope' not found",
                "errorCode": 44,
                "errorName": "CATALOG_NOT_FOUND",
                "errorType": "USER_ERROR",
                "failureInfo": {"stack": ["io.trino..."]}
            }
        }))
        .unwrap_err();
        assert_eq!(error.stage, Stage::Query);
        assert_eq!(
            error.reason,
            "line 1:15: Catalog 'nope' not found (CATALOG_NOT_FOUND)"
        );
    }

    #[test]
    fn statuses_name_the_stage_and_the_fix() {
        let wrong = status_error(401, b"Unauthorized", &session(Some("pw")));
        assert_eq!(wrong.stage, Stage::Authenticate);
        assert_eq!(
            wrong.reason,
            "password authentication failed for user alice (HTTP 401)"
        );
        assert!(
            status_error(401, b"", &session(None))
                .reason
                .contains("set TRINO_PASSWORD")
        );
        let other = status_error(404, b"Not Found\n", &session(None));
        assert_eq!(other.stage, Stage::Query);
        assert_eq!(
            other.reason,
            "HTTP 404 from the Trino coordinator: an answer of 10 bytes in no known format"
        );
    }

    #[test]
    fn tls_follows_the_scheme_then_the_port() {
        let describe = |host: &str, port: u16| {
            endpoint(&parse_host("TRINO_HOST", host).unwrap(), port).describe()
        };
        // Unset port: HTTPS on 443, which (being the default) goes unnamed.
        assert_eq!(
            describe("trino.example.com", 0),
            "https://trino.example.com"
        );
        assert_eq!(
            describe("trino.example.com", 8080),
            "http://trino.example.com:8080"
        );
        assert_eq!(
            describe("trino.example.com", 8443),
            "https://trino.example.com:8443"
        );
        assert_eq!(
            describe("http://127.0.0.1:9000", 8443),
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            describe("https://127.0.0.1", 8080),
            "https://127.0.0.1:8080"
        );
        assert_eq!(describe("http://127.0.0.1", 0), "http://127.0.0.1:8080");
    }

    #[test]
    fn the_schema_query_quotes_names() {
        let mut quoted = session(None);
        quoted.catalog = "we\"ird";
        assert_eq!(
            schema_query(&quoted),
            "SELECT schema_name FROM \"we\"\"ird\".information_schema.schemata WHERE schema_name = 'sales''s' LIMIT 1"
        );
        quoted.schema = None;
        assert!(!schema_query(&quoted).contains("WHERE"));
    }
}
