//! Turning a configured API server string into a gRPC endpoint (wire.md "Transport").
//!
//! CONTRACT (placeholder bodies; the full implementation replaces them, keeping these signatures).

/// The default server when none is configured.
pub const DEFAULT_API_SERVER: &str = "https://api.chalk.ai";

/// Where to connect and whether to use TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port` (port 443 when none was given).
    pub authority: String,
    /// The host alone, for TLS server-name checks.
    pub host: String,
    /// Plaintext only for hosts starting with `localhost` or `127.0.0.1`.
    pub tls: bool,
}

/// Strips `https://`, `http://`, `www.`, a trailing `/` or path; decides TLS; adds `:443`.
pub fn parse_api_server(_server: &str) -> Result<Endpoint, String> {
    todo!("endpoint::parse_api_server")
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
