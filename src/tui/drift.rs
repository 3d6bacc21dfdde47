//! Drift against a sources file (`sourcedeck --plan FILE`): the file the console was started
//! with, the plan the worker last computed from it in the background (after every list load and
//! every change), and what the list, the header and the detail pane show of it. The plan is the
//! CLI's own ([`crate::ascode::plan`]), so a mark here means exactly what `sourcedeck plan` would
//! print; the values it would send are dropped on arrival, so the console never holds them.

use std::fmt;
use std::sync::Arc;

use crate::ascode::plan::{Action, Plan, SourcePlan};
use crate::ascode::{Loaded, Problem};
use crate::client::ClientError;

use super::app::App;
use super::msg::{Command, Request};
use super::update::send_superseding;

/// The file to plan, shared with the worker's requests (compared by identity: it never changes).
#[derive(Clone)]
pub struct PlanFile {
    pub loaded: Arc<Loaded>,
    /// Sources the file does not name are planned for deletion (and marked) rather than left alone.
    pub prune: bool,
}

impl PlanFile {
    pub fn new(loaded: Loaded, prune: bool) -> Self {
        Self {
            loaded: Arc::new(loaded),
            prune,
        }
    }
}

impl PartialEq for PlanFile {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.loaded, &other.loaded) && self.prune == other.prune
    }
}

impl Eq for PlanFile {}

/// Requests are logged: the file by its name only, not its thousand sources.
impl fmt::Debug for PlanFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlanFile({}, prune: {})", self.loaded.label, self.prune)
    }
}

/// What the worker answers to [`Request::Plan`]: the plan, or the problems that forbid one (a kind
/// that cannot change, `{keep}` on a source the server lacks), or the call's error.
pub type Planned = Result<Result<Plan, Vec<Problem>>, ClientError>;

/// The console's drift state.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    pub file: PlanFile,
    /// The last plan, with nothing left to send.
    pub plan: Option<Plan>,
    /// Why the last plan failed, for the header.
    pub error: Option<String>,
}

/// A source's mark in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The server differs from the file: apply would update it.
    Update,
    /// Not in the file and `--prune` given: apply would delete it.
    Delete,
}

impl Mark {
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Update => "~",
            Mark::Delete => "-",
        }
    }
}

impl Drift {
    pub fn new(file: PlanFile) -> Self {
        Self {
            file,
            plan: None,
            error: None,
        }
    }

    /// The planned change of a source on the server, by name.
    pub fn source(&self, name: &str) -> Option<&SourcePlan> {
        self.plan.as_ref()?.source(name)
    }

    /// The list's mark for a source (none when in sync or left alone).
    pub fn mark(&self, name: &str) -> Option<Mark> {
        match self.source(name)?.action {
            Action::Update => Some(Mark::Update),
            Action::Delete => Some(Mark::Delete),
            Action::Create | Action::Unchanged => None,
        }
    }

    /// The header's note: `plan: FILE · 3 drifted · 1 to create`.
    pub fn header_note(&self, planning: bool) -> String {
        let mut note = format!("plan: {}", self.file.loaded.label);
        if let Some(error) = &self.error {
            note.push_str(&format!(" · error: {error}"));
            return note;
        }
        let Some(plan) = &self.plan else {
            note.push_str(" · planning…");
            return note;
        };
        let summary = plan.summary();
        let drifted = summary.update + summary.delete;
        if plan.is_empty() {
            note.push_str(" · in sync");
        } else {
            note.push_str(&format!(" · {drifted} drifted"));
            if summary.create > 0 {
                note.push_str(&format!(" · {} to create", summary.create));
            }
        }
        if planning {
            note.push('…');
        }
        note
    }
}

/// Whether a plan is being computed.
pub fn is_planning(app: &App) -> bool {
    app.pending
        .values()
        .any(|request| matches!(request, Request::Plan { .. }))
}

/// Asks the worker for a fresh plan, superseding one still on its way. Nothing without `--plan`.
pub fn replan(app: &mut App) -> Vec<Command> {
    let Some(drift) = &app.drift else {
        return Vec::new();
    };
    let request = Request::Plan {
        file: drift.file.clone(),
    };
    send_superseding(app, request, |pending| {
        matches!(pending, Request::Plan { .. })
    })
}

/// Keeps the worker's plan (without its values to send) or why there is none.
pub fn on_planned(app: &mut App, planned: Planned) {
    let Some(drift) = app.drift.as_mut() else {
        return;
    };
    match planned {
        Ok(Ok(mut plan)) => {
            for source in &mut plan.sources {
                source.send.clear();
            }
            drift.plan = Some(plan);
            drift.error = None;
        }
        Ok(Err(problems)) => {
            drift.plan = None;
            drift.error = Some(match problems.as_slice() {
                [one] => one.display(&drift.file.loaded.label).to_string(),
                many => format!(
                    "{} problems; run `sourcedeck plan {}` for each",
                    many.len(),
                    drift.file.loaded.label
                ),
            });
        }
        Err(error) => {
            drift.error = Some(error.message);
        }
    }
}

#[cfg(test)]
mod tests;
