//! The layers over the main screen, one file each with its key table and handler and its
//! drawing: the `/` filter, the `:` command bar, the help, the delete confirmation, the
//! test-all table, a source's history and the `:env` picker. The form and its own layers live in [`super::form`].

pub mod command_bar;
pub mod confirm_delete;
pub mod env_picker;
pub mod filter;
pub mod help;
pub mod history;
pub mod test_all;
