//! Pure rules shared by the server, the CLI and the console: kinds, names, config values,
//! linked-secret references and validation against the kind catalog. Nothing here does I/O.

pub mod cidr;
pub mod limits;
pub mod name;
pub mod secret;
pub mod secret_ref;
pub mod validate;
pub mod value;

/// The kinds are catalog data; re-exported so the rules read `domain::Kind`.
pub use crate::catalog::kind::{self, Kind, UnknownKind};
pub use secret::Secret;
pub use value::{ConfigValue, ValueView};
