//! The client side of the Chalk API: credentials, endpoint rules, token exchange and refresh,
//! the authenticated channel, a typed async API used by the CLI and the console, and the
//! embedded default server.

pub mod api;
pub mod credentials;
pub mod embedded;
pub mod endpoint;
pub mod session;

pub use api::TestTarget;
pub use session::{ClientError, Session};
