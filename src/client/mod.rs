//! The client side of the Chalk API: credentials, endpoint rules, token exchange and refresh,
//! the authenticated channel, a typed async API used by the CLI and the console, and where the
//! embedded default server keeps its data. (Starting that server is the binary's launch code,
//! [`crate::launch`]: the client never imports the server.)

pub mod api;
pub mod ascode_state;
pub mod audit_api;
pub mod audit_record;
pub mod credentials;
pub mod data_dir;
pub mod endpoint;
pub mod errors;
pub mod session;
pub mod team_api;

pub use api::TestTarget;
pub use session::{ClientError, Session};
