//! `h` on a source: its history from Chalk's `AuditService/GetAuditLogs`, newest first (when,
//! who, what, which keys, outcome), in a popup that scrolls and closes with Esc. It shows loading
//! and error states; PERMISSION_DENIED is shown as the permission missing (MONITORING_READ), and
//! a credential known to lack it is told so when it presses `h`, rather than failing silently.
//! Records hold key names only, so the overlay can never show a value.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tonic::Code;

use crate::client::audit_record;
use crate::client::team_api::TeamError;
use crate::proto::AuditLog;
use crate::proto::chalk::auth::v1::Permission;
use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request, RequestId};
use crate::tui::theme::Theme;
use crate::tui::time::stamp;
use crate::tui::update::{flash, send};
use crate::tui::view::popup::{boxed, centered};
use crate::tui::view::{fit, spinner};

/// How many records the overlay asks for.
pub const HISTORY_LIMIT: usize = 200;

/// What the history overlay shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Records {
    Loading,
    Loaded(Vec<AuditLog>),
    Failed(String),
}

/// The history overlay of one source.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub integration_id: String,
    pub name: String,
    /// The request its records come from; other answers are stale.
    pub request: RequestId,
    pub records: Records,
    pub scroll: usize,
}

/// What a key does in the history overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryAction {
    Close,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
}

/// The history's table.
pub const HISTORY_KEYS: &[Binding<HistoryAction, ()>] = &[
    bind(
        HistoryAction::Close,
        &[Key::Code(KeyCode::Esc), Key::Char('q'), Key::Char('h')],
        "Esc q h",
    )
    .help("close"),
    bind(
        HistoryAction::Down,
        &[Key::Char('j'), Key::Code(KeyCode::Down)],
        "j ↓",
    )
    .help("scroll down"),
    bind(
        HistoryAction::Up,
        &[Key::Char('k'), Key::Code(KeyCode::Up)],
        "k ↑",
    )
    .help("scroll up"),
    bind(
        HistoryAction::PageDown,
        &[Key::Code(KeyCode::PageDown)],
        "PgDn",
    )
    .help("page down"),
    bind(HistoryAction::PageUp, &[Key::Code(KeyCode::PageUp)], "PgUp").help("page up"),
    bind(
        HistoryAction::Top,
        &[Key::Char('g'), Key::Code(KeyCode::Home)],
        "g",
    )
    .help("newest"),
    bind(
        HistoryAction::Bottom,
        &[Key::Char('G'), Key::Code(KeyCode::End)],
        "G",
    )
    .help("oldest"),
];

/// `h`: opens the selected source's history and asks for it.
pub(crate) fn open_history(app: &mut App) -> Vec<Command> {
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    if !app.may(Permission::MonitoringRead) {
        flash(
            app,
            "history needs the MONITORING_READ permission, which this credential lacks here",
            true,
        );
        return Vec::new();
    }
    let integration_id = integration.id.clone();
    let name = integration.name.clone().unwrap_or_default();
    let command = send(
        app,
        Request::History {
            integration_id: integration_id.clone(),
            name: name.clone(),
        },
    );
    let Command::Send { id, .. } = &command else {
        return Vec::new();
    };
    app.layers.push(Layer::History(History {
        integration_id,
        name,
        request: *id,
        records: Records::Loading,
        scroll: 0,
    }));
    vec![command]
}

/// GetAuditLogs' answer to request `id`, for the overlay if it still waits for it.
pub(crate) fn on_history(
    app: &mut App,
    id: RequestId,
    result: Result<Vec<AuditLog>, TeamError>,
) -> Vec<Command> {
    let Some(history) = app.layers.iter_mut().rev().find_map(|layer| match layer {
        Layer::History(history) if history.request == id => Some(history),
        _ => None,
    }) else {
        return Vec::new();
    };
    history.records = match result {
        Ok(mut logs) => {
            // Newest first, whatever order the server pages in.
            logs.sort_by_key(|log| {
                std::cmp::Reverse(log.at.as_ref().map(|at| (at.seconds, at.nanos)))
            });
            Records::Loaded(logs)
        }
        Err(TeamError::Unsupported { .. }) => {
            Records::Failed("this server does not offer an audit log (no AuditService)".into())
        }
        Err(TeamError::Failed(error)) if error.code == Code::PermissionDenied => {
            Records::Failed(format!(
                "reading the history needs the MONITORING_READ permission; the server said: {}",
                error.message
            ))
        }
        Err(TeamError::Failed(error)) => {
            Records::Failed(format!("reading the history failed: {}", error.message))
        }
    };
    Vec::new()
}

pub(crate) fn on_history_key(app: &mut App, mut history: History, key: KeyEvent) -> Vec<Command> {
    let rows = match &history.records {
        Records::Loaded(logs) => logs.len(),
        _ => 0,
    };
    let last = rows.saturating_sub(1);
    let page = app.page.max(1);
    history.scroll = match lookup(HISTORY_KEYS, &key, &(), app.readonly).map(|b| b.action) {
        Some(HistoryAction::Close) => {
            // Its answer, if still to come, is stale now.
            app.pending.remove(&history.request);
            return vec![Command::Cancel(vec![history.request])];
        }
        Some(HistoryAction::Down) => (history.scroll + 1).min(last),
        Some(HistoryAction::Up) => history.scroll.saturating_sub(1),
        Some(HistoryAction::PageDown) => (history.scroll + page).min(last),
        Some(HistoryAction::PageUp) => history.scroll.saturating_sub(page),
        Some(HistoryAction::Top) => 0,
        Some(HistoryAction::Bottom) => last,
        None => history.scroll,
    };
    app.layers.push(Layer::History(history));
    Vec::new()
}

/// The history popup over the main screen.
pub(crate) fn draw(frame: &mut Frame<'_>, app: &App, history: &History, theme: Theme) {
    let area = centered(
        frame.area(),
        frame.area().width.saturating_sub(4),
        frame.area().height.saturating_sub(4),
    );
    frame.render_widget(Clear, area);
    let title = format!(" History of {} · j/k scroll · Esc closes ", history.name);
    let block = boxed(&title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    match &history.records {
        Records::Loading => lines.push(Line::from(Span::styled(
            format!(" {} loading the audit log…", spinner(app)),
            theme.dim(),
        ))),
        Records::Failed(message) => lines.push(Line::from(Span::styled(
            format!(" {message}"),
            theme.error(),
        ))),
        Records::Loaded(logs) if logs.is_empty() => lines.push(Line::from(Span::styled(
            " No audit records for this source yet.",
            theme.dim(),
        ))),
        Records::Loaded(logs) => {
            let (when, who, what) = columns(width);
            lines.push(Line::from(Span::styled(
                format!(
                    " {}{}{}KEYS",
                    fit("WHEN (UTC)", when),
                    fit("WHO", who),
                    fit("WHAT", what)
                ),
                theme.dim(),
            )));
            for log in logs.iter().skip(history.scroll) {
                lines.push(record_line(log, width, theme));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The widths of the when, who and what columns in `width`; the keys get the rest.
fn columns(width: usize) -> (usize, usize, usize) {
    let (when, who) = (20, 12);
    let what = (width.saturating_sub(1 + when + who) * 2 / 3).min(33);
    (when, who, what)
}

/// One record: when, who, what, which keys (and how it failed, when it did).
fn record_line(log: &AuditLog, width: usize, theme: Theme) -> Line<'static> {
    let keys = audit_record::keys(log);
    let outcome = audit_record::outcome(log);
    let failed = outcome != "ok";
    let mut keys = if keys.is_empty() {
        "-".to_string()
    } else {
        keys.join(", ")
    };
    if failed {
        keys = format!("{keys} ✗ {outcome}");
    }
    let (when_width, who_width, what_width) = columns(width);
    let room = width.saturating_sub(1 + when_width + who_width + what_width);
    let when = stamp(log.at.as_ref()).trim_end_matches(" UTC").to_string();
    let style = if failed { theme.error() } else { theme.plain() };
    Line::from(vec![
        Span::raw(format!(" {}", fit(&when, when_width))),
        Span::styled(fit(&audit_record::who(log), who_width), theme.key()),
        Span::styled(fit(&audit_record::action(log), what_width), style),
        Span::styled(fit(&keys, room), style),
    ])
}

#[cfg(test)]
mod tests;
