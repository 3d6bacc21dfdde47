//! Sources as code: a reviewed YAML file of an environment's sources, the plan that says what
//! applying it would change, and the export that writes the server's sources as such a file.
//!
//! This layer is pure (no I/O) so the CLI (`export`, `plan`, `apply`) and the console (drift marks)
//! share one reading of the file and one plan: it sits below `cli`/`tui` and uses only `domain`
//! and `catalog`. Reading `{env}`/`{file}` values and applying stay in the CLI; fetching the server's state is
//! the client's ([`crate::client::ascode_state`]).

pub mod loaded;
pub mod manifest;
pub mod plan;
pub mod render;
pub mod yaml;

pub use loaded::Loaded;
pub use manifest::{FileValue, Manifest, Problem};
pub use plan::{Action, Change, Plan, ServerSource, ServerValue};
