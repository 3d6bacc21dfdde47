//! sourcedeck: manage a feature platform's data source integrations from a terminal, and serve a
//! Chalk-compatible integrations API for them.

pub mod ascode;
pub mod catalog;
pub mod cli;
pub mod client;
pub mod domain;
pub mod launch;
pub mod present;
pub mod probe;
pub mod proto;
pub mod server;
pub mod tui;
