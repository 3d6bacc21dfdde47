//! The one home of the testers' TLS client plumbing: rustls with the ring provider and the
//! platform's trusted roots (plus a configured CA file), a verifier that tells a self-signed
//! certificate from one of an unknown issuer, and handshake failures as one line a person can act
//! on ("certificate not trusted: self-signed") instead of a rustls debug dump. The binary-protocol
//! checks (Kafka, PostgreSQL, MSSQL) and the HTTP ones (`http`: AWS, Google, ClickHouse, Trino,
//! Databricks, Snowflake) all shake hands through it, so a failure reads the same for every kind.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientConfig, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;

use crate::probe::{Stage, StageError};

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// Chain to a trusted root and the host name (the default of every TLS client).
    Full,
    /// Chain to a trusted root only (PostgreSQL's `verify-ca`).
    ChainOnly,
    /// Encrypt without checking the certificate (PostgreSQL's `require` and `prefer`).
    Nothing,
}

/// A client configuration trusting the platform's roots and, when given, the certificates of a
/// PEM file's contents (`ca_pem`).
pub fn client_config(
    verify: Verify,
    ca_pem: Option<&[u8]>,
) -> Result<Arc<ClientConfig>, StageError> {
    client_config_for(verify, ca_pem, rustls::DEFAULT_VERSIONS)
}

/// [`client_config`] limited to `versions` (TDS 7.x encrypts with TLS 1.2 at most).
pub fn client_config_for(
    verify: Verify,
    ca_pem: Option<&[u8]>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<Arc<ClientConfig>, StageError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = roots(ca_pem)?;
    let inner = if verify == Verify::Nothing || roots.is_empty() {
        None
    } else {
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|error| {
                    StageError::new(Stage::Tls, format!("cannot check certificates: {error}"))
                })?;
        Some(verifier)
    };
    let verifier = Arc::new(Verifier {
        inner,
        verify,
        provider: provider.clone(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|error| StageError::new(Stage::Tls, error.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The platform's trusted roots plus those of `ca_pem`; a CA file that holds no certificate fails.
fn roots(ca_pem: Option<&[u8]>) -> Result<RootCertStore, StageError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = ca_pem {
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
            .filter_map(Result::ok)
            .collect();
        let (added, _) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(StageError::new(
                Stage::Tls,
                "the CA file holds no PEM certificate",
            ));
        }
    }
    Ok(roots)
}

/// A CA bundle a config names by a path on this machine (`file://` allowed), read up to 1 MiB;
/// failures name `key` and never quote the file's contents.
pub async fn read_ca_file(key: &str, file: &str) -> Result<Vec<u8>, StageError> {
    use tokio::io::AsyncReadExt;
    let path = file.strip_prefix("file://").unwrap_or(file);
    let fail = |reason: String| StageError::new(Stage::Tls, format!("{key}: {reason}"));
    let opened = tokio::fs::File::open(path)
        .await
        .map_err(|error| fail(format!("cannot open {path}: {}", error.kind())))?;
    let mut pem = Vec::new();
    opened
        .take(MAX_CA_FILE)
        .read_to_end(&mut pem)
        .await
        .map_err(|error| fail(format!("cannot read {path}: {}", error.kind())))?;
    Ok(pem)
}

/// A CA file larger than this is not a PEM bundle.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// Runs the TLS handshake over `stream` for `host` (a name or an IP address); a failure is one
/// line of the TLS stage.
pub async fn handshake<S>(
    stream: S,
    host: &str,
    config: Arc<ClientConfig>,
) -> Result<TlsStream<S>, StageError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let name = ServerName::try_from(host.to_string()).map_err(|_| {
        StageError::new(
            Stage::Tls,
            format!("{host:?} is not a valid TLS server name"),
        )
    })?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|error| StageError::new(Stage::Tls, describe_io(&error, host)))
}

/// A handshake failure as one line.
pub fn describe_io(error: &std::io::Error, host: &str) -> String {
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return describe(tls, host);
    }
    match error.kind() {
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
            "the server closed the connection during the TLS handshake; does it speak TLS on this port?".into()
        }
        _ => format!("TLS handshake failed: {error}"),
    }
}

/// A rustls error as one line.
pub fn describe(error: &rustls::Error, host: &str) -> String {
    match error {
        rustls::Error::InvalidCertificate(certificate) => describe_certificate(certificate, host),
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused the TLS handshake (alert {alert:?})")
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer with TLS; is this a plain (non-TLS) port?".into()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

fn describe_certificate(error: &CertificateError, host: &str) -> String {
    match error {
        CertificateError::Other(other) if other.0.is::<SelfSigned>() => {
            "certificate not trusted: self-signed".into()
        }
        CertificateError::UnknownIssuer => "certificate not trusted: unknown issuer".into(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("certificate is for a different host than {host}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate not valid yet".into()
        }
        CertificateError::Revoked => "certificate revoked".into(),
        // An issuer of the right name whose key did not sign it: a CA other than the one used.
        CertificateError::BadSignature => {
            "certificate not trusted: not signed by the trusted CA of that name".into()
        }
        CertificateError::BadEncoding => "certificate is malformed".into(),
        other => format!("certificate not trusted: {other:?}"),
    }
}

/// Marks an unknown issuer that is the certificate itself.
#[derive(Debug)]
struct SelfSigned;

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("self-signed certificate")
    }
}

impl std::error::Error for SelfSigned {}

/// WebPKI verification that can skip the name or the whole certificate, and that tells a
/// self-signed certificate from one whose issuer is merely unknown: when it refuses a lone
/// certificate that names itself as its issuer (for want of a trusted issuer, for its signature,
/// or because it is a CA certificate used as a server's, as `openssl req -x509` makes them), it
/// says "self-signed".
#[derive(Debug)]
struct Verifier {
    inner: Option<Arc<WebPkiServerVerifier>>,
    verify: Verify,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.verify == Verify::Nothing {
            return Ok(ServerCertVerified::assertion());
        }
        let outcome = match &self.inner {
            Some(inner) => {
                inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        match outcome {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.verify == Verify::ChainOnly => Ok(ServerCertVerified::assertion()),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
                | CertificateError::BadSignature
                | CertificateError::Other(_),
            )) if intermediates.is_empty() && is_self_signed(end_entity) => {
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(SelfSigned)),
                )))
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Whether an X.509 certificate's issuer equals its subject.
pub fn is_self_signed(certificate: &[u8]) -> bool {
    issuer_and_subject(certificate).is_some_and(|(issuer, subject)| issuer == subject)
}

/// The DER bytes of a certificate's issuer and subject names.
fn issuer_and_subject(certificate: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, certificate, _) = der_element(certificate)?;
    let (_, tbs, _) = der_element(certificate)?;
    let mut rest = tbs;
    let mut fields = Vec::new();
    while !rest.is_empty() && fields.len() < 6 {
        let (tag, _, after) = der_element(rest)?;
        let whole = &rest[..rest.len() - after.len()];
        if fields.is_empty() && tag == 0xa0 {
            rest = after; // the explicit version
            continue;
        }
        fields.push(whole);
        rest = after;
    }
    // serial, signature algorithm, issuer, validity, subject
    Some((fields.get(2)?, fields.get(4)?))
}

/// One DER element: (tag, contents, rest after it). Only definite lengths, as DER requires.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    Some((tag, &rest[..length], &rest[length..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wraps `content` in a DER element with `tag`.
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if content.len() < 0x80 {
            out.push(content.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(content.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(content);
        out
    }

    fn certificate(issuer: &str, subject: &str, padding: usize) -> Vec<u8> {
        let name = |text: &str| der(0x30, &der(0x0c, text.as_bytes()));
        let mut tbs = der(0xa0, &der(0x02, &[2]));
        tbs.extend(der(0x02, &[1, 2, 3]));
        tbs.extend(der(0x30, &der(0x06, &[42])));
        tbs.extend(name(issuer));
        tbs.extend(der(0x30, &vec![0; padding]));
        tbs.extend(name(subject));
        tbs.extend(der(0x30, &[]));
        let mut whole = der(0x30, &tbs);
        whole.extend(der(0x30, &der(0x06, &[42])));
        whole.extend(der(0x03, &[0, 1]));
        der(0x30, &whole)
    }

    #[test]
    fn a_certificate_issued_by_itself_is_self_signed() {
        assert!(is_self_signed(&certificate("test", "test", 4)));
        assert!(is_self_signed(&certificate("test", "test", 300)));
        assert!(!is_self_signed(&certificate("some CA", "test", 4)));
    }

    #[test]
    fn garbage_is_not_self_signed() {
        assert!(!is_self_signed(&[]));
        assert!(!is_self_signed(&[0x30, 0x85, 1, 2]));
        assert!(!is_self_signed(&[0x30, 0x10, 1]));
    }

    #[test]
    fn certificate_errors_read_as_one_line() {
        let self_signed = rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(SelfSigned)),
        ));
        assert_eq!(
            describe(&self_signed, "h"),
            "certificate not trusted: self-signed"
        );
        let other_host = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert_eq!(
            describe(&other_host, "db.example"),
            "certificate is for a different host than db.example"
        );
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(
            describe(&unknown, "h"),
            "certificate not trusted: unknown issuer"
        );
    }
}
