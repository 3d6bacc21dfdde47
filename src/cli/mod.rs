//! Non-interactive commands for scripts and CI: the console's operations with tables or JSON,
//! exit codes (0 ok, 1 error, 2 usage, 3 connectivity test failed), and `serve`.

pub mod args;
pub mod ascode;
mod commands;
pub mod connect;
pub mod global;
pub mod output;
mod progress;
mod test_all;
pub mod values;

pub use args::Cli;
pub use commands::{report, run};

/// Exit code of a connectivity test that ran and failed.
pub const EXIT_TEST_FAILED: u8 = 3;
