//! The console: one event loop, a pure [`update`](update::update) that turns events into
//! commands, views that are pure functions of the state, and a background [`worker`] that owns the
//! gRPC session and talks to the loop only through channels, so the screen never waits on the
//! network.
//!
//! What is on screen is the main screen (list and detail) plus an ordered stack of
//! [`layer`]s over it (filter, command bar, help, confirmations, test-all, kind picker, form, the
//! form's prompts and editor): keys go to the top layer, drawing goes bottom-up. Each screen and
//! layer has one table of [`keys`] that drives its key matching, its hint bar, its help and
//! read-only filtering.

pub mod access;
pub mod actions;
pub mod app;
pub mod clipboard;
pub mod drift;
pub mod filter;
#[cfg(test)]
mod fixtures;
pub mod form;
pub mod keys;
pub mod launch;
pub mod layer;
pub mod msg;
pub mod overlay;
pub mod runtime;
pub mod terminal;
pub mod theme;
pub mod time;
pub mod update;
pub mod view;
pub mod worker;

pub use app::App;
pub use msg::{Command, Msg, Outcome, Reply, Request, RequestId};
