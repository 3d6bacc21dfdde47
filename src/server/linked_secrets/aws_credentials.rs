//! The standard AWS credential chain for the Secrets Manager resolver, in the SDKs' order:
//! environment variables, the shared credentials/config files (profile from `AWS_PROFILE`, else
//! `default`), a web identity token exchanged at STS (AssumeRoleWithWebIdentity), and, only when
//! `SOURCEDECK_AWS_USE_IMDS=true` asks for it, the EC2 instance metadata service (IMDSv2).
//! Exists apart from the API calls so each source is a small, separately tested function.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::Method;
use serde_json::Value;

use super::{ResolveError, endpoint_from, send};
use crate::probe::auth::sigv4::Credentials;
use crate::probe::transport::http::{Call, Endpoint};
use crate::server::process_env::ProcessEnv;

/// How long temporary credentials (web identity, IMDS) are reused; they live an hour or more.
const TEMPORARY_REUSE: Duration = Duration::from_secs(10 * 60);

/// Where credentials come from, as configured when the server started.
pub struct Chain {
    environment: Option<Credentials>,
    profile: String,
    credentials_file: Option<PathBuf>,
    config_file: Option<PathBuf>,
    web_identity: Option<WebIdentity>,
    imds: Option<Endpoint>,
    temporary: Mutex<Option<(Credentials, Instant)>>,
}

struct WebIdentity {
    role_arn: String,
    token_file: PathBuf,
    session_name: String,
    sts: Endpoint,
}

fn home_file(env: &ProcessEnv, parts: &[&str]) -> Option<PathBuf> {
    let mut path = PathBuf::from(env.first(&["HOME"])?);
    for part in parts {
        path.push(part);
    }
    Some(path)
}

impl Chain {
    /// The chain from the server's environment; `region` picks the regional STS endpoint.
    pub fn from_env(region: &str, env: &ProcessEnv) -> Result<Self, String> {
        let environment = match (
            env.first(&["AWS_ACCESS_KEY_ID"]),
            env.first(&["AWS_SECRET_ACCESS_KEY"]),
        ) {
            (Some(access_key_id), Some(secret_access_key)) => Some(Credentials {
                access_key_id,
                secret_access_key,
                session_token: env.first(&["AWS_SESSION_TOKEN"]),
            }),
            (Some(_), None) => {
                return Err("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into());
            }
            _ => None,
        };
        let web_identity = match (
            env.first(&["AWS_WEB_IDENTITY_TOKEN_FILE"]),
            env.first(&["AWS_ROLE_ARN"]),
        ) {
            (Some(token_file), Some(role_arn)) => {
                let sts = match env.first(&["AWS_ENDPOINT_URL_STS"]) {
                    Some(url) => endpoint_from(&url, "AWS_ENDPOINT_URL_STS")?,
                    None => match env.first(&["AWS_ENDPOINT_URL"]) {
                        Some(url) => endpoint_from(&url, "AWS_ENDPOINT_URL")?,
                        None => Endpoint::https(&format!("sts.{region}.amazonaws.com")),
                    },
                };
                Some(WebIdentity {
                    role_arn,
                    token_file: PathBuf::from(token_file),
                    session_name: env
                        .first(&["AWS_ROLE_SESSION_NAME"])
                        .unwrap_or_else(|| "sourcedeck-serve".into()),
                    sts,
                })
            }
            _ => None,
        };
        let imds = match env.first(&["SOURCEDECK_AWS_USE_IMDS"]).as_deref() {
            Some("1" | "true" | "TRUE" | "yes") => Some(endpoint_from(
                &env.first(&["AWS_EC2_METADATA_SERVICE_ENDPOINT"])
                    .unwrap_or_else(|| "http://169.254.169.254".into()),
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            )?),
            _ => None,
        };
        Ok(Self {
            environment,
            profile: env
                .first(&["AWS_PROFILE"])
                .unwrap_or_else(|| "default".into()),
            credentials_file: env
                .first(&["AWS_SHARED_CREDENTIALS_FILE"])
                .map(PathBuf::from)
                .or_else(|| home_file(env, &[".aws", "credentials"])),
            config_file: env
                .first(&["AWS_CONFIG_FILE"])
                .map(PathBuf::from)
                .or_else(|| home_file(env, &[".aws", "config"])),
            web_identity,
            imds,
            temporary: Mutex::new(None),
        })
    }

    /// The first source that has credentials.
    pub async fn credentials(&self) -> Result<Credentials, ResolveError> {
        if let Some(credentials) = &self.environment {
            return Ok(credentials.clone());
        }
        if let Some(credentials) = self.read_files() {
            return Ok(credentials);
        }
        if let Ok(cached) = self.temporary.lock()
            && let Some((credentials, read)) = cached.as_ref()
            && read.elapsed() < TEMPORARY_REUSE
        {
            return Ok(credentials.clone());
        }
        let fresh = if let Some(web_identity) = &self.web_identity {
            web_identity.assume().await?
        } else if let Some(imds) = &self.imds {
            from_imds(imds).await?
        } else {
            return Err(ResolveError::Credentials(format!(
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile {:?} in the shared credentials or config file, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, or SOURCEDECK_AWS_USE_IMDS=true",
                self.profile
            )));
        };
        if let Ok(mut cached) = self.temporary.lock() {
            *cached = Some((fresh.clone(), Instant::now()));
        }
        Ok(fresh)
    }

    /// Keys of the profile from the credentials file, else from the config file.
    fn read_files(&self) -> Option<Credentials> {
        let read = |path: &Option<PathBuf>, section: &str| {
            let text = std::fs::read_to_string(path.as_ref()?).ok()?;
            profile_keys(&text, section)
        };
        let config_section = if self.profile == "default" {
            "default".to_string()
        } else {
            format!("profile {}", self.profile)
        };
        read(&self.credentials_file, &self.profile)
            .or_else(|| read(&self.config_file, &config_section))
    }
}

/// `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` of `[section]` in an
/// INI text, when the first two are there.
pub fn profile_keys(text: &str, section: &str) -> Option<Credentials> {
    let mut current = None::<String>;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            current = Some(name.split_whitespace().collect::<Vec<_>>().join(" "));
            continue;
        }
        if current.as_deref() != Some(section) {
            continue;
        }
        if let Some((name, value)) = line.split_once('=') {
            let value = Some(value.trim().to_string()).filter(|value| !value.is_empty());
            match name.trim().to_ascii_lowercase().as_str() {
                "aws_access_key_id" => id = value,
                "aws_secret_access_key" => secret = value,
                "aws_session_token" => token = value,
                _ => {}
            }
        }
    }
    Some(Credentials {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
    })
}

/// The text of `<name>…</name>` in an XML answer.
pub fn xml_text(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

impl WebIdentity {
    /// AssumeRoleWithWebIdentity (an unsigned STS call) with the token file's content.
    async fn assume(&self) -> Result<Credentials, ResolveError> {
        let token = std::fs::read_to_string(&self.token_file).map_err(|error| {
            ResolveError::Credentials(format!(
                "AWS_WEB_IDENTITY_TOKEN_FILE {}: {error}",
                self.token_file.display()
            ))
        })?;
        let token = zeroize::Zeroizing::new(token.trim().to_string());
        let body = zeroize::Zeroizing::new(format!(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&WebIdentityToken={}",
            super::encode(&self.role_arn),
            super::encode(&self.session_name),
            super::encode(&token)
        ));
        let call = Call {
            method: Method::POST,
            path: self.sts.path("/"),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: body.as_bytes().to_vec(),
        };
        let reply = send(&self.sts, call, &[token.as_str()]).await?;
        let text = String::from_utf8_lossy(&reply.body).to_string();
        if !reply.is_success() {
            let code = xml_text(&text, "Code").unwrap_or_else(|| format!("HTTP {}", reply.status));
            let message = xml_text(&text, "Message").unwrap_or_default();
            return Err(ResolveError::Credentials(format!(
                "STS AssumeRoleWithWebIdentity for {} refused: {code}: {}",
                self.role_arn,
                crate::probe::transport::http::one_line(&message, 200)
            )));
        }
        match (
            xml_text(&text, "AccessKeyId"),
            xml_text(&text, "SecretAccessKey"),
        ) {
            (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
                access_key_id,
                secret_access_key,
                session_token: xml_text(&text, "SessionToken"),
            }),
            _ => Err(ResolveError::Credentials(
                "STS AssumeRoleWithWebIdentity answered without credentials".into(),
            )),
        }
    }
}

/// IMDSv2: a session token, the instance role's name, then its credentials.
async fn from_imds(imds: &Endpoint) -> Result<Credentials, ResolveError> {
    let failed = |what: &str| ResolveError::Credentials(format!("instance metadata: {what}"));
    let token_call = Call {
        method: Method::PUT,
        path: imds.path("/latest/api/token"),
        headers: vec![("x-aws-ec2-metadata-token-ttl-seconds".into(), "300".into())],
        body: Vec::new(),
    };
    let reply = send(imds, token_call, &[]).await?;
    if !reply.is_success() {
        return Err(failed(&format!(
            "token request answered HTTP {}",
            reply.status
        )));
    }
    let token = String::from_utf8_lossy(&reply.body).trim().to_string();
    let get = |path: String| Call {
        method: Method::GET,
        path: imds.path(&path),
        headers: vec![("x-aws-ec2-metadata-token".into(), token.clone())],
        body: Vec::new(),
    };
    let roles = send(
        imds,
        get("/latest/meta-data/iam/security-credentials/".into()),
        &[&token],
    )
    .await?;
    let role = String::from_utf8_lossy(&roles.body)
        .lines()
        .next()
        .map(str::trim)
        .filter(|role| roles.is_success() && !role.is_empty())
        .map(str::to_string)
        .ok_or_else(|| failed("no instance role is attached"))?;
    let path = format!(
        "/latest/meta-data/iam/security-credentials/{}",
        super::encode(&role)
    );
    let reply = send(imds, get(path), &[&token]).await?;
    let json: Value = reply.json().unwrap_or(Value::Null);
    let field = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_string);
    match (field("AccessKeyId"), field("SecretAccessKey")) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token: field("Token"),
        }),
        _ => Err(failed(&format!("no credentials for role {role:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n[profile ci]\n# comment\naws_access_key_id=AKIDCI\naws_secret_access_key=s2\naws_session_token = t2\n[ci]\naws_access_key_id=AKIDCREDS\naws_secret_access_key=s3\n";

    #[test]
    fn profiles_are_read_by_section() {
        let default = profile_keys(FILE, "default").unwrap();
        assert_eq!(default.access_key_id, "AKIDDEFAULT");
        assert_eq!(default.session_token, None);
        let ci = profile_keys(FILE, "profile ci").unwrap();
        assert_eq!(
            (ci.access_key_id.as_str(), ci.session_token.as_deref()),
            ("AKIDCI", Some("t2"))
        );
        assert_eq!(profile_keys(FILE, "ci").unwrap().access_key_id, "AKIDCREDS");
        assert!(profile_keys(FILE, "missing").is_none());
        assert!(profile_keys("[x]\naws_access_key_id=a\n", "x").is_none());
    }

    #[test]
    fn sts_answers_are_read() {
        let xml = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>sk</SecretAccessKey><SessionToken>tok</SessionToken></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
        assert_eq!(xml_text(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(xml_text(xml, "SessionToken").as_deref(), Some("tok"));
        assert_eq!(xml_text(xml, "Missing"), None);
    }
}
