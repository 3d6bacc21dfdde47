//! The layers over the main screen, one file each with its key table and handler and its
//! drawing: the `/` filter, the `:` command bar, the help, the delete confirmation, the
//! test-all table and a source's history. The form and its own layers live in [`super::form`].

pub mod command_bar;
pub mod confirm_delete;
pub mod filter;
pub mod help;
pub mod history;
pub mod test_all;
