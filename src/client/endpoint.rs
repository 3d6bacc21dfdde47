//! Turning a configured API server string into a gRPC endpoint (wire.md "Transport").
//!
//! Chalk users write the server in many shapes (`https://api.chalk.ai/`, `www.api.chalk.ai`,
//! `localhost:4002`); every Chalk client normalises them the same way, so this module applies the
//! same rules: strip `https://`, `http://`, `www.`, then any path; a missing port means 443, for
//! plaintext hosts too. One rule is stricter than those clients' prefix match: plaintext goes only
//! to the host `localhost`, `127.0.0.1` or `[::1]` exactly (other loopback addresses get TLS), because a
//! prefix also matches names anyone can register (`localhost.evil.com`, `127.0.0.1.nip.io`) and
//! the token would cross the network in clear text. Everything else uses TLS.

use std::net::{IpAddr, Ipv6Addr};

/// The default server when none is configured.
pub const DEFAULT_API_SERVER: &str = "https://api.chalk.ai";

/// The port used when the configured server names none.
const DEFAULT_PORT: u16 = 443;

/// Where to connect and whether to use TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port` (port 443 when none was given); IPv6 hosts keep their brackets.
    pub authority: String,
    /// The host alone (lowercase, IPv6 without brackets), for TLS server-name checks.
    pub host: String,
    /// Plaintext only for `localhost`, `127.0.0.1` and `::1` exactly.
    pub tls: bool,
}

/// Strips `https://`, `http://`, `www.`, a trailing `/` or path; decides TLS; adds `:443`.
///
/// Errors name the problem: an empty string, a missing host, a bad port, user info
/// (`user@host`), or an IPv6 address without brackets.
pub fn parse_api_server(server: &str) -> Result<Endpoint, String> {
    let trimmed = server.trim();
    if trimmed.is_empty() {
        return Err("the API server is empty; expected a host such as api.chalk.ai".to_string());
    }
    let authority = authority_part(trimmed);
    if authority.contains('@') {
        return Err("the API server must not contain user info (`user@`)".to_string());
    }
    let (host, port) = split_host_port(authority)
        .map_err(|why| format!("invalid API server {trimmed:?}: {why}"))?;
    let host = host.to_ascii_lowercase();
    let port = port.unwrap_or(DEFAULT_PORT);
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok(Endpoint {
        tls: !is_plaintext_host(&host),
        authority,
        host,
    })
}

/// How messages name a configured server: its parsed `host:port`, never the raw string, which
/// may carry `user:password@` or a path with a token in it.
pub fn describe_server(configured: Option<&str>) -> String {
    match parse_api_server(configured.unwrap_or(DEFAULT_API_SERVER)) {
        Ok(endpoint) => endpoint.authority,
        Err(_) => "the configured API server".to_string(),
    }
}

impl Endpoint {
    /// The URI tonic connects to (`http://host:port` or `https://host:port`).
    pub fn uri(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.authority
        )
    }
}

/// Removes a leading scheme and `www.` (case-insensitively), then everything from the first
/// `/`, `?` or `#` on.
fn authority_part(server: &str) -> &str {
    let rest = strip_prefix_ignore_case(server, "https://")
        .or_else(|| strip_prefix_ignore_case(server, "http://"))
        .unwrap_or(server);
    let rest = strip_prefix_ignore_case(rest, "www.").unwrap_or(rest);
    rest.split(['/', '?', '#']).next().unwrap_or_default()
}

/// `text` without `prefix`, when it starts with it in any letter case.
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Splits `host[:port]` or `[ipv6][:port]` into the bare host and the port, if any.
fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inner, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 address is missing its closing `]`")?;
        if inner.parse::<Ipv6Addr>().is_err() {
            return Err(format!("`[{inner}]` is not an IPv6 address"));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("expected `:port` after the IPv6 address")?,
            ),
        };
        (inner, port)
    } else {
        match authority.matches(':').count() {
            0 => (authority, None),
            1 => authority
                .split_once(':')
                .map(|(host, port)| (host, Some(port)))
                .unwrap_or((authority, None)),
            _ => return Err("an IPv6 address needs brackets, e.g. [::1]:4002".to_string()),
        }
    };
    check_host(host)?;
    Ok((host, port.map(parse_port).transpose()?))
}

/// Rejects an empty host or one with whitespace in it.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("no host name".to_string());
    }
    if host.chars().any(char::is_whitespace) {
        return Err("the host name contains whitespace".to_string());
    }
    Ok(())
}

/// A port number from 1 to 65535.
fn parse_port(port: &str) -> Result<u16, String> {
    match port.parse::<u16>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(format!("`{port}` is not a port number (1-65535)")),
    }
}

/// True for the hosts reached without TLS: the name `localhost` and the loopback addresses
/// `127.0.0.1` and `::1`, exactly. Every other name or address, other loopback addresses such as
/// `127.0.0.2` included, gets TLS (so a TLS `serve` on such an address can be reached).
fn is_plaintext_host(host: &str) -> bool {
    host == "localhost"
        || host.parse::<IpAddr>().is_ok_and(|ip| {
            ip == IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
                || ip == IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(server: &str) -> (String, String, bool) {
        let endpoint = parse_api_server(server).unwrap_or_else(|e| panic!("{server}: {e}"));
        (endpoint.authority, endpoint.host, endpoint.tls)
    }

    #[test]
    fn parses_the_shapes_chalk_users_write() {
        let table: &[(&str, &str, &str, bool)] = &[
            (
                "https://api.chalk.ai",
                "api.chalk.ai:443",
                "api.chalk.ai",
                true,
            ),
            (DEFAULT_API_SERVER, "api.chalk.ai:443", "api.chalk.ai", true),
            (
                "http://api.chalk.ai",
                "api.chalk.ai:443",
                "api.chalk.ai",
                true,
            ),
            (
                "HTTPS://API.Chalk.AI/",
                "api.chalk.ai:443",
                "api.chalk.ai",
                true,
            ),
            ("api.chalk.ai", "api.chalk.ai:443", "api.chalk.ai", true),
            ("www.api.chalk.ai", "api.chalk.ai:443", "api.chalk.ai", true),
            (
                "https://www.api.chalk.ai/",
                "api.chalk.ai:443",
                "api.chalk.ai",
                true,
            ),
            ("api.chalk.ai/", "api.chalk.ai:443", "api.chalk.ai", true),
            (
                "https://api.chalk.ai/v1/x?y=1",
                "api.chalk.ai:443",
                "api.chalk.ai",
                true,
            ),
            (
                "  https://api.chalk.ai  ",
                "api.chalk.ai:443",
                "api.chalk.ai",
                true,
            ),
            (
                "https://eu.chalk.ai:8443",
                "eu.chalk.ai:8443",
                "eu.chalk.ai",
                true,
            ),
            (
                "http://example.com:80/",
                "example.com:80",
                "example.com",
                true,
            ),
            ("localhost", "localhost:443", "localhost", false),
            (
                "http://localhost:4002",
                "localhost:4002",
                "localhost",
                false,
            ),
            (
                "https://localhost:4002/",
                "localhost:4002",
                "localhost",
                false,
            ),
            (
                "localhost.localdomain:9",
                "localhost.localdomain:9",
                "localhost.localdomain",
                true,
            ),
            ("127.0.0.1:4002", "127.0.0.1:4002", "127.0.0.1", false),
            ("http://127.0.0.1", "127.0.0.1:443", "127.0.0.1", false),
            ("[::1]:4002", "[::1]:4002", "::1", false),
            ("http://[::1]/", "[::1]:443", "::1", false),
            (
                "[2001:db8::1]:50051",
                "[2001:db8::1]:50051",
                "2001:db8::1",
                true,
            ),
            ("10.0.0.5:50051", "10.0.0.5:50051", "10.0.0.5", true),
        ];
        for &(input, authority, host, tls) in table {
            assert_eq!(
                ok(input),
                (authority.to_string(), host.to_string(), tls),
                "{input}"
            );
        }
    }

    #[test]
    fn plaintext_only_for_localhost_127_0_0_1_and_ipv6_loopback_exactly() {
        for plain in [
            "localhost",
            "LOCALHOST:4002",
            "http://localhost:4002/",
            "127.0.0.1:50051",
            "[::1]:50051",
            "[0:0:0:0:0:0:0:1]:1",
        ] {
            assert!(!ok(plain).2, "{plain} should be plaintext");
        }
        for tls in [
            "localhost.evil.com",
            "localhost.evil.com:4002",
            "localhostevil.com",
            "http://localhost.localdomain",
            "127.0.0.2:50051",
            "127.255.255.254",
            "127.0.0.1.nip.io",
            "127.0.0.1.nip.io:50051",
            "127.0.0.1x",
            "0.0.0.0:50051",
            "128.0.0.1",
            "10.0.0.1",
            "[::2]:1",
            "[::ffff:8.8.8.8]:1",
            "my-localhost",
            "www.localhost.evil.com",
        ] {
            assert!(ok(tls).2, "{tls} must use TLS");
        }
    }

    #[test]
    fn uri_has_the_right_scheme() {
        assert_eq!(
            parse_api_server("api.chalk.ai").unwrap().uri(),
            "https://api.chalk.ai:443"
        );
        assert_eq!(
            parse_api_server("localhost:4002").unwrap().uri(),
            "http://localhost:4002"
        );
    }

    #[test]
    fn rejects_unusable_servers_with_a_reason() {
        let table: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("www.", "no host"),
            (":4002", "no host"),
            ("api.chalk.ai:", "port"),
            ("api.chalk.ai:0", "port"),
            ("api.chalk.ai:99999", "port"),
            ("api.chalk.ai:http", "port"),
            ("::1", "brackets"),
            ("[::1", "`]`"),
            ("[nope]:1", "IPv6"),
            ("[::1]x", ":port"),
            ("user:pw@api.chalk.ai", "user info"),
            ("api chalk.ai", "whitespace"),
        ];
        for &(input, reason) in table {
            let err = parse_api_server(input).expect_err(input);
            assert!(err.contains(reason), "{input}: {err}");
        }
    }

    #[test]
    fn user_info_errors_do_not_echo_the_input() {
        let err = parse_api_server("https://id:hunter2@api.chalk.ai").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
