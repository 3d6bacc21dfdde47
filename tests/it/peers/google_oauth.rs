//! What the loopback peers that stand in for Google share (`google` for the checks' APIs,
//! `secret_managers` for GCP Secret Manager): the test key they trust, JSON answers in Google's
//! shapes, the HTTP/1.1 accept loop, and the JWT bearer grant at `POST /token`, which verifies
//! the assertion's RS256 signature with the public half of the test key and its `aud`, `iss`,
//! `scope` and lifetime, as Google's token endpoint does.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The test-only key the peers trust (see tests/fixtures/README.md).
pub const TEST_KEY_PEM: &str = include_str!("../../fixtures/TEST-ONLY-service-account-key.pem");

/// The DER of a PEM block.
pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body")
}

/// The public half of [`TEST_KEY_PEM`], which verifies the JWTs the peers accept.
pub fn test_public_key() -> Vec<u8> {
    let key_pair = RsaKeyPair::from_pkcs8(&pem_der(TEST_KEY_PEM)).expect("test key");
    key_pair.public_key().as_ref().to_vec()
}

/// A JSON answer.
pub fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

/// Google's error shape: `{"error": {code, message, status}}`.
pub fn google_error(code: u16, status: &str, message: &str) -> Response<Full<Bytes>> {
    reply(
        code,
        json!({"error": {"code": code, "message": message, "status": status}}),
    )
}

/// One field of a form body, still percent-encoded ("" when absent).
pub fn form_field(form: &str, name: &str) -> String {
    form.split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .to_string()
}

/// Accepts HTTP/1.1 connections on `listener` until aborted, answering each request with
/// `answer` over the peer's shared `state`.
pub fn serve<S, Answer, Answering>(
    listener: TcpListener,
    state: Arc<S>,
    answer: Answer,
) -> tokio::task::JoinHandle<()>
where
    S: Send + Sync + 'static,
    Answer: Fn(Arc<S>, Request<Incoming>) -> Answering + Copy + Send + Sync + 'static,
    Answering: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let state = state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let answering = answer(state.clone(), request);
                    async move { Ok::<_, Infallible>(answering.await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// What a JWT bearer grant must carry to be accepted.
pub struct Grant<'a> {
    pub public_key: &'a [u8],
    /// The token endpoint's own URL, which the JWT's `aud` must name.
    pub audience: &'a str,
    /// The service account, which the JWT's `iss` must name.
    pub issuer: &'a str,
}

/// Google's answer refusing the JWT bearer grant of `form`, or `None` when its assertion
/// verifies with the grant's key and names its audience and issuer.
pub fn refuse_jwt_grant(grant: &Grant<'_>, form: &str) -> Option<Response<Full<Bytes>>> {
    let invalid = |description: &str| {
        reply(
            400,
            json!({"error": "invalid_grant", "error_description": description}),
        )
    };
    if form_field(form, "grant_type") != "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" {
        return Some(reply(400, json!({"error": "unsupported_grant_type"})));
    }
    let assertion = form_field(form, "assertion");
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Some(invalid("Invalid JWT."));
    }
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_default()
    };
    let signed = format!("{}.{}", parts[0], parts[1]);
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, grant.public_key)
        .verify(signed.as_bytes(), &decode(parts[2]))
        .is_err()
    {
        return Some(invalid("Invalid JWT Signature."));
    }
    let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap_or(Value::Null);
    let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap_or(Value::Null);
    let iat = claims["iat"].as_u64().unwrap_or(0);
    let exp = claims["exp"].as_u64().unwrap_or(0);
    if header["alg"] != "RS256"
        || claims["aud"] != grant.audience
        || claims["iss"] != grant.issuer
        || claims["scope"].as_str().is_none()
        || exp <= iat
        || exp - iat > 3600
    {
        return Some(invalid("Invalid JWT claims."));
    }
    None
}

/// The answer to an accepted token request.
pub fn token_reply(access_token: &str) -> Response<Full<Bytes>> {
    reply(
        200,
        json!({"access_token": access_token, "expires_in": 3599, "token_type": "Bearer"}),
    )
}
