//! A sources file as read and checked, with the values of its `{env}`/`{file}` keys: everything
//! a plan needs from the file's side. The CLI's loader does the reading (file, stdin,
//! environment); `plan`/`apply` and the console's drift marks all start from this value.

use super::manifest::Manifest;
use super::plan::ReadSecrets;

/// A read and checked sources file.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The name errors use (`-` is stdin).
    pub label: String,
    pub manifest: Manifest,
    /// The `{env}`/`{file}` values (their `Debug` redacts).
    pub read: ReadSecrets,
}
