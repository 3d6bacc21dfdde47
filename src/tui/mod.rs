//! The console: one event loop, a pure [`update`](update::update) that turns events into
//! commands, views that are pure functions of the state, and a background [`worker`] that owns the
//! gRPC session and talks to the loop only through channels, so the screen never waits on the
//! network.

pub mod actions;
pub mod app;
pub mod clipboard;
pub mod drift;
pub mod filter;
#[cfg(test)]
mod fixtures;
pub mod form;
pub mod launch;
pub mod msg;
pub mod runtime;
pub mod terminal;
pub mod theme;
pub mod time;
pub mod update;
pub mod view;
pub mod worker;

pub use app::App;
pub use msg::{Command, Msg, Outcome, Reply, Request, RequestId};
