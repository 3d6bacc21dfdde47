//! The config form behind `n` (new) and `e` (edit), as one feature folder: one form for every
//! kind, generated from the kind catalog (`assets/catalog.toml`), so there is no per-kind view
//! code. The model is pure data: [`field`] holds one key's keep / set / clear / link state,
//! [`model`] the form and its cursor, [`check`] validates as you type, [`changes`] words the save
//! preview, [`picker`] chooses the kind of a new source,
//! [`link`] offers the environment's secret names to `^L`. [`keys`] holds the key tables of the form
//! and of the layers it opens (prompts, editor, picker), [`update`] is the reducer's part for them
//! and [`view`] draws them.

pub mod changes;
pub mod check;
pub mod editor;
pub mod field;
pub mod keys;
pub mod link;
pub mod model;
pub mod picker;
pub mod prompt;
pub mod update;
pub mod view;

#[cfg(test)]
mod tests;

pub use editor::MultilineEditor;
pub use field::{Draft, Field, Original};
pub use model::{DraftTest, Form, Mode, Slot};
pub use picker::KindPicker;
pub use prompt::Prompt;
