//! The client side of the Chalk API: credentials, endpoint rules, token exchange and refresh,
//! the authenticated channel, and a typed async API used by the CLI and the console.

pub mod credentials;
pub mod endpoint;
