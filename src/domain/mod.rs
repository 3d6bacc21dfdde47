//! Pure rules shared by the server, the CLI and the console: kinds, names, config values,
//! linked-secret references and validation against the kind catalog. Nothing here does I/O.

pub mod kind;
pub mod limits;
pub mod name;
pub mod secret;
pub mod secret_ref;
pub mod validate;
pub mod value;

pub use kind::{Kind, UnknownKind};
pub use secret::Secret;
pub use value::{ConfigValue, ValueView};
