//! AWS Signature Version 4, written out so the AWS checks (Athena, DynamoDB, Kinesis) can sign
//! their one or two JSON requests without an SDK: canonical request, string to sign, signing key
//! and the `Authorization` header, each a pure function tested against AWS's published suite.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::{digest, hmac};

/// An access key pair, with the session token of temporary credentials.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where a request is signed for: region and signing name (`athena`, `dynamodb`, `kinesis`).
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
}

/// The parts of a request that the signature covers. Header names are lowercase.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// `(20150830T123600Z, 20150830)` for a time given as seconds since the Unix epoch (UTC).
pub fn amz_timestamp(epoch_seconds: u64) -> (String, String) {
    let days = epoch_seconds / 86_400;
    let rest = epoch_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    let date = format!("{year:04}{month:02}{day:02}");
    let time = format!(
        "{date}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    (time, date)
}

/// Year, month, day of the `days`-th day after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// RFC 3986 percent-encoding as SigV4 wants it (unreserved characters kept; `/` kept when
/// `keep_slash`).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(char::from(byte));
            }
            b'/' if keep_slash => encoded.push('/'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// The query string with its parameters sorted by encoded name, then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (uri_encode(name, false), uri_encode(value, false))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The headers sorted by name, values trimmed with inner runs of spaces collapsed; and the
/// `;`-joined list of their names.
fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut sorted: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            (name.to_ascii_lowercase(), value)
        })
        .collect();
    sorted.sort();
    let block = sorted
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect::<String>();
    let names = sorted
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (block, names)
}

/// Task 1: the canonical request.
pub fn canonical_request(request: &Request<'_>) -> String {
    let (headers, signed) = canonical_headers(request.headers);
    let path = if request.path.is_empty() {
        "/".to_string()
    } else {
        uri_encode(request.path, true)
    };
    format!(
        "{}\n{path}\n{}\n{headers}\n{signed}\n{}",
        request.method,
        canonical_query(request.query),
        sha256_hex(request.body)
    )
}

fn credential_scope(date: &str, scope: Scope<'_>) -> String {
    format!("{date}/{}/{}/aws4_request", scope.region, scope.service)
}

/// Task 2: the string to sign.
pub fn string_to_sign(amz_date: &str, scope: Scope<'_>, canonical_request: &str) -> String {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        credential_scope(date, scope),
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Task 3: the signature of `string_to_sign` with the key derived for the date and scope.
pub fn signature(secret: &str, date: &str, scope: Scope<'_>, string_to_sign: &str) -> String {
    let key = [scope.region, scope.service, "aws4_request"].iter().fold(
        hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes()),
        |key, part| hmac_sha256(&key, part.as_bytes()),
    );
    hex(&hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// Task 4: the `Authorization` header for a request whose headers already include `x-amz-date`
/// (and `x-amz-security-token` for temporary credentials).
pub fn authorization(
    request: &Request<'_>,
    credentials: &Credentials,
    scope: Scope<'_>,
    amz_date: &str,
) -> String {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let canonical = canonical_request(request);
    let to_sign = string_to_sign(amz_date, scope, &canonical);
    let (_, signed) = canonical_headers(request.headers);
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={signed}, Signature={}",
        credentials.access_key_id,
        credential_scope(date, scope),
        signature(&credentials.secret_access_key, date, scope, &to_sign)
    )
}

/// Adds `x-amz-date`, the session token when there is one, and `authorization` to `headers`
/// (which must already hold `host` and every other header to sign), signing at `now`.
pub fn sign(
    method: &str,
    path: &str,
    headers: &mut Vec<(String, String)>,
    body: &[u8],
    credentials: &Credentials,
    scope: Scope<'_>,
    now: SystemTime,
) {
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let (amz_date, _) = amz_timestamp(seconds);
    headers.push(("x-amz-date".into(), amz_date.clone()));
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token".into(), token.clone()));
    }
    let request = Request {
        method,
        path,
        query: "",
        headers,
        body,
    };
    let value = authorization(&request, credentials, scope, &amz_date);
    headers.push(("authorization".into(), value));
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's SigV4 test suite (aws-sig-v4-test-suite): the credentials, scope and instant it uses.
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const AMZ_DATE: &str = "20150830T123600Z";
    const SCOPE: Scope<'static> = Scope {
        region: "us-east-1",
        service: "service",
    };

    fn suite_credentials() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: SECRET.into(),
            session_token: None,
        }
    }

    fn suite_headers() -> Vec<(String, String)> {
        vec![
            ("host".into(), "example.amazonaws.com".into()),
            ("x-amz-date".into(), AMZ_DATE.into()),
        ]
    }

    #[test]
    fn get_vanilla_matches_the_suite_at_every_step() {
        let headers = suite_headers();
        let request = Request {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        let canonical = canonical_request(&request);
        assert_eq!(
            canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let to_sign = string_to_sign(AMZ_DATE, SCOPE, &canonical);
        assert_eq!(
            to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        assert_eq!(
            signature(SECRET, "20150830", SCOPE, &to_sign),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            authorization(&request, &suite_credentials(), SCOPE, AMZ_DATE),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn post_vanilla_matches_the_suite() {
        let headers = suite_headers();
        let request = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        assert!(
            authorization(&request, &suite_credentials(), SCOPE, AMZ_DATE).ends_with(
                "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
            )
        );
    }

    #[test]
    fn get_vanilla_query_order_key_case_matches_the_suite() {
        let headers = suite_headers();
        let request = Request {
            method: "GET",
            path: "/",
            query: "Param2=value2&Param1=value1",
            headers: &headers,
            body: b"",
        };
        assert!(canonical_request(&request).starts_with("GET\n/\nParam1=value1&Param2=value2\n"));
        assert!(
            authorization(&request, &suite_credentials(), SCOPE, AMZ_DATE).ends_with(
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            )
        );
    }

    #[test]
    fn sign_adds_date_token_and_authorization() {
        let mut headers = vec![("host".to_string(), "example.amazonaws.com".to_string())];
        let credentials = Credentials {
            session_token: Some("session-token".into()),
            ..suite_credentials()
        };
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        sign("GET", "/", &mut headers, b"", &credentials, SCOPE, now);
        let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "host",
                "x-amz-date",
                "x-amz-security-token",
                "authorization"
            ]
        );
        assert_eq!(headers[1].1, AMZ_DATE);
        assert!(
            headers[3]
                .1
                .contains("SignedHeaders=host;x-amz-date;x-amz-security-token,")
        );
        assert!(!format!("{credentials:?}").contains(SECRET));
    }

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(
            amz_timestamp(1_440_938_160),
            ("20150830T123600Z".into(), "20150830".into())
        );
        assert_eq!(
            amz_timestamp(0),
            ("19700101T000000Z".into(), "19700101".into())
        );
        // 2024-02-29T23:59:59Z, a leap day.
        assert_eq!(
            amz_timestamp(1_709_251_199),
            ("20240229T235959Z".into(), "20240229".into())
        );
    }

    #[test]
    fn uri_encoding_keeps_unreserved_characters_only() {
        assert_eq!(uri_encode("a b/c~", false), "a%20b%2Fc~");
        assert_eq!(uri_encode("/a b/", true), "/a%20b/");
    }
}
