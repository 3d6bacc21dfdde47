//! A Kafka source's settings read from its config: bootstrap servers, security protocol, SASL
//! mechanism and credentials, CA file, topic. Every problem fails the resolve stage naming its
//! key; apart from the check so the rules are tested without a broker.

use super::scram;
use crate::probe::config::{required, value};
use crate::probe::{ResolvedConfig, Stage, StageError};

/// The default broker port.
const DEFAULT_PORT: u16 = 9092;

/// How to log in after connecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    Plain,
    Scram(scram::Hash),
    /// Known to Kafka, not spoken by this check: the reason says which and why.
    Unsupported(&'static str),
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Scram(scram::Hash::Sha256) => "SCRAM-SHA-256",
            Mechanism::Scram(scram::Hash::Sha512) => "SCRAM-SHA-512",
            Mechanism::Unsupported(name) => name,
        }
    }
}

/// A Kafka source's settings, read from its config.
#[derive(Debug, PartialEq, Eq)]
pub struct Settings {
    pub servers: Vec<(String, u16)>,
    pub topic: String,
    /// KAFKA_SECURITY_PROTOCOL as given (upper case).
    pub protocol: &'static str,
    pub tls: bool,
    /// `None` without SASL.
    pub sasl: Option<Mechanism>,
    pub user: Option<String>,
    pub ca_file: Option<String>,
    pub client_id: String,
}

/// Reads and checks the settings; every problem names its key.
pub fn settings(config: &ResolvedConfig) -> Result<Settings, StageError> {
    let servers = parse_servers(required(config, "KAFKA_BOOTSTRAP_SERVER")?).map_err(|reason| {
        StageError::new(Stage::Resolve, format!("KAFKA_BOOTSTRAP_SERVER: {reason}"))
    })?;
    let topic = required(config, "KAFKA_TOPIC")?.to_string();
    let msk_iam = value(config, "KAFKA_MSK_IAM_AUTH")
        .is_some_and(|text| ["true", "1", "yes"].contains(&text.to_ascii_lowercase().as_str()));
    let protocol_text = value(config, "KAFKA_SECURITY_PROTOCOL")
        .unwrap_or("PLAINTEXT")
        .to_ascii_uppercase();
    let (protocol, tls, sasl) = match (msk_iam, protocol_text.as_str()) {
        (true, _) => ("SASL_SSL", true, true),
        (false, "PLAINTEXT") => ("PLAINTEXT", false, false),
        (false, "SSL") => ("SSL", true, false),
        (false, "SASL_PLAINTEXT") => ("SASL_PLAINTEXT", false, true),
        (false, "SASL_SSL") => ("SASL_SSL", true, true),
        (false, other) => {
            return Err(StageError::new(
                Stage::Resolve,
                format!(
                    "KAFKA_SECURITY_PROTOCOL {other:?} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"
                ),
            ));
        }
    };
    let sasl = if !sasl {
        None
    } else if msk_iam {
        Some(Mechanism::Unsupported(
            "Amazon MSK IAM (SASL OAUTHBEARER with AWS credentials)",
        ))
    } else {
        Some(mechanism(
            value(config, "KAFKA_SASL_MECHANISM").unwrap_or("PLAIN"),
        )?)
    };
    let user = match sasl {
        Some(Mechanism::Plain | Mechanism::Scram(_)) => {
            required(config, "KAFKA_SASL_PASSWORD")?;
            Some(required(config, "KAFKA_SASL_USERNAME")?.to_string())
        }
        _ => None,
    };
    let prefix = value(config, "KAFKA_CLIENT_ID_PREFIX").unwrap_or("chalk/");
    Ok(Settings {
        servers,
        topic,
        protocol,
        tls,
        sasl,
        user,
        ca_file: value(config, "KAFKA_SSL_CA_FILE").map(str::to_string),
        client_id: format!("{prefix}sourcedeck-test"),
    })
}

fn mechanism(text: &str) -> Result<Mechanism, StageError> {
    Ok(match text.to_ascii_uppercase().as_str() {
        "PLAIN" => Mechanism::Plain,
        "SCRAM-SHA-256" => Mechanism::Scram(scram::Hash::Sha256),
        "SCRAM-SHA-512" => Mechanism::Scram(scram::Hash::Sha512),
        "GSSAPI" => Mechanism::Unsupported("SASL GSSAPI (Kerberos)"),
        "OAUTHBEARER" => Mechanism::Unsupported("SASL OAUTHBEARER"),
        other => {
            return Err(StageError::new(
                Stage::Resolve,
                format!(
                    "KAFKA_SASL_MECHANISM {other:?} is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER"
                ),
            ));
        }
    })
}

/// `host:port` entries separated by commas or whitespace; the port defaults to 9092 and an IPv6
/// address is written in brackets (`[::1]:9092`).
pub fn parse_servers(text: &str) -> Result<Vec<(String, u16)>, String> {
    let servers = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(parse_server)
        .collect::<Result<Vec<_>, _>>()?;
    if servers.is_empty() {
        return Err("no broker address".into());
    }
    Ok(servers)
}

fn parse_server(entry: &str) -> Result<(String, u16), String> {
    let entry = entry
        .strip_prefix("PLAINTEXT://")
        .or_else(|| entry.strip_prefix("SSL://"))
        .or_else(|| entry.strip_prefix("SASL_SSL://"))
        .or_else(|| entry.strip_prefix("SASL_PLAINTEXT://"))
        .unwrap_or(entry);
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{entry:?} has no closing bracket"))?;
        (host, after.strip_prefix(':'))
    } else if entry.matches(':').count() > 1 {
        (entry, None) // a bare IPv6 address
    } else {
        match entry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (entry, None),
        }
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|port| *port > 0)
            .ok_or_else(|| format!("{entry:?} has no valid port"))?,
    };
    if host.is_empty() {
        return Err(format!("{entry:?} has no host"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::literal_config as config;

    #[test]
    fn bootstrap_servers_split_on_commas_and_whitespace_with_default_port() {
        assert_eq!(
            parse_servers("a:1, b\n[::1]:3 SSL://c:4").unwrap(),
            vec![
                ("a".to_string(), 1),
                ("b".to_string(), 9092),
                ("::1".to_string(), 3),
                ("c".to_string(), 4)
            ]
        );
        assert!(parse_servers(" , ").is_err());
        assert!(parse_servers("a:0").is_err());
        assert!(parse_servers("a:x").is_err());
        assert!(parse_servers(":9092").is_err());
    }

    #[test]
    fn plaintext_is_the_default_and_sasl_needs_credentials() {
        let plain = settings(&config(&[
            ("KAFKA_BOOTSTRAP_SERVER", "localhost"),
            ("KAFKA_TOPIC", "t"),
        ]))
        .unwrap();
        assert_eq!(
            (plain.protocol, plain.tls, plain.sasl),
            ("PLAINTEXT", false, None)
        );
        let missing = settings(&config(&[
            ("KAFKA_BOOTSTRAP_SERVER", "localhost"),
            ("KAFKA_TOPIC", "t"),
            ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            ("KAFKA_SASL_PASSWORD", "pw"),
        ]))
        .unwrap_err();
        assert_eq!(missing.stage, Stage::Resolve);
        assert_eq!(missing.reason, "KAFKA_SASL_USERNAME is not set");
        let topic = settings(&config(&[("KAFKA_BOOTSTRAP_SERVER", "x")])).unwrap_err();
        assert_eq!(topic.reason, "KAFKA_TOPIC is not set");
    }

    #[test]
    fn msk_iam_forces_sasl_ssl_and_is_reported_unsupported() {
        let msk = settings(&config(&[
            ("KAFKA_BOOTSTRAP_SERVER", "b-1.example:9098"),
            ("KAFKA_TOPIC", "t"),
            ("KAFKA_MSK_IAM_AUTH", "yes"),
        ]))
        .unwrap();
        assert_eq!((msk.protocol, msk.tls), ("SASL_SSL", true));
        assert!(matches!(msk.sasl, Some(Mechanism::Unsupported(_))));
        let gssapi = settings(&config(&[
            ("KAFKA_BOOTSTRAP_SERVER", "b"),
            ("KAFKA_TOPIC", "t"),
            ("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext"),
            ("KAFKA_SASL_MECHANISM", "GSSAPI"),
        ]))
        .unwrap();
        assert_eq!(
            gssapi.sasl,
            Some(Mechanism::Unsupported("SASL GSSAPI (Kerberos)"))
        );
        assert_eq!(gssapi.user, None);
    }

    #[test]
    fn unknown_protocols_and_mechanisms_name_their_key() {
        let error = settings(&config(&[
            ("KAFKA_BOOTSTRAP_SERVER", "b"),
            ("KAFKA_TOPIC", "t"),
            ("KAFKA_SECURITY_PROTOCOL", "TLS"),
        ]))
        .unwrap_err();
        assert!(error.reason.starts_with("KAFKA_SECURITY_PROTOCOL \"TLS\""));
        assert!(
            mechanism("SCRAM-SHA-1")
                .unwrap_err()
                .reason
                .starts_with("KAFKA_SASL_MECHANISM")
        );
    }
}
