//! Testing every source shown, with a live table of results: its keys (Esc cancels the rest while
//! tests run, `f` retries the failures), starting the tests and drawing the table.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use std::collections::BTreeMap;

use crate::tui::app::{App, TestStatus};
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request, RequestId};
use crate::tui::theme::Theme;
use crate::tui::update::{flash, refilter, send};
use crate::tui::view::popup::{boxed, centered};
use crate::tui::view::{fit, spinner};

/// Testing every source shown, with a live table of results.
#[derive(Clone, Debug, PartialEq)]
pub struct TestAll {
    /// (id, name) in the order shown when it started.
    pub sources: Vec<(String, String)>,
    /// Request id of each source still running or queued.
    pub running: BTreeMap<String, RequestId>,
    pub cancelled: bool,
    pub scroll: usize,
}

/// What a key does in the test-all table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestAllAction {
    /// Cancels the tests still running.
    Cancel,
    Close,
    RetryFailures,
    ScrollDown,
    ScrollUp,
}

fn running(state: &TestAll) -> bool {
    !state.running.is_empty()
}

/// The test-all table's keys: Esc cancels while tests run, then closes.
pub const TEST_ALL_KEYS: &[Binding<TestAllAction, TestAll>] = &[
    bind(
        TestAllAction::Cancel,
        &[Key::Code(KeyCode::Esc), Key::Char('q')],
        "Esc q",
    )
    .help("cancel the rest; results so far are kept")
    .when(running),
    bind(
        TestAllAction::Close,
        &[
            Key::Code(KeyCode::Esc),
            Key::Char('q'),
            Key::Code(KeyCode::Enter),
        ],
        "Esc q ⏎",
    )
    .help("close"),
    bind(
        TestAllAction::RetryFailures,
        &[Key::Char('f'), Key::Char('R')],
        "f R",
    )
    .help("retry only the failures"),
    bind(
        TestAllAction::ScrollDown,
        &[Key::Char('j'), Key::Code(KeyCode::Down)],
        "j ↓",
    )
    .help("scroll down"),
    bind(
        TestAllAction::ScrollUp,
        &[Key::Char('k'), Key::Code(KeyCode::Up)],
        "k ↑",
    )
    .help("scroll up"),
];

pub(crate) fn on_test_all_key(app: &mut App, mut state: TestAll, key: KeyEvent) -> Vec<Command> {
    match lookup(TEST_ALL_KEYS, &key, &state, app.readonly).map(|b| b.action) {
        Some(TestAllAction::Cancel) => {
            let ids: Vec<RequestId> = state.running.values().copied().collect();
            for (source, _) in std::mem::take(&mut state.running) {
                if matches!(app.tests.get(&source), Some(TestStatus::Running { .. })) {
                    app.tests.remove(&source);
                }
            }
            for id in &ids {
                app.pending.remove(id);
            }
            state.cancelled = true;
            app.layers.push(Layer::TestAll(state));
            flash(app, "test-all cancelled; results so far are kept", false);
            vec![Command::Cancel(ids)]
        }
        Some(TestAllAction::Close) => {
            refilter(app);
            Vec::new()
        }
        Some(TestAllAction::RetryFailures) => {
            let failed: Vec<(String, String)> = state
                .sources
                .iter()
                .filter(|(id, _)| {
                    !state.running.contains_key(id)
                        && !matches!(app.tests.get(id), Some(TestStatus::Done(r)) if r.success)
                })
                .cloned()
                .collect();
            if failed.is_empty() {
                app.layers.push(Layer::TestAll(state));
                flash(app, "no failures to retry", false);
                return Vec::new();
            }
            state.cancelled = false;
            let commands = start_tests(app, &mut state, &failed);
            app.layers.push(Layer::TestAll(state));
            commands
        }
        Some(TestAllAction::ScrollDown) => {
            state.scroll = (state.scroll + 1).min(state.sources.len().saturating_sub(1));
            app.layers.push(Layer::TestAll(state));
            Vec::new()
        }
        Some(TestAllAction::ScrollUp) => {
            state.scroll = state.scroll.saturating_sub(1);
            app.layers.push(Layer::TestAll(state));
            Vec::new()
        }
        None => {
            app.layers.push(Layer::TestAll(state));
            Vec::new()
        }
    }
}

pub(crate) fn test_all(app: &mut App) -> Vec<Command> {
    let sources: Vec<(String, String)> = app
        .visible
        .iter()
        .filter_map(|index| app.integrations.get(*index))
        .map(|i| (i.id.clone(), i.name.clone().unwrap_or_default()))
        .collect();
    if sources.is_empty() {
        flash(app, "no sources shown to test", false);
        return Vec::new();
    }
    let mut state = TestAll {
        sources: sources.clone(),
        running: Default::default(),
        cancelled: false,
        scroll: 0,
    };
    let commands = start_tests(app, &mut state, &sources);
    app.layers.push(Layer::TestAll(state));
    commands
}

/// Sends one test per source; the worker runs at most
/// [`TEST_CONCURRENCY`](crate::client::api::TEST_CONCURRENCY) at once.
pub(crate) fn start_tests(
    app: &mut App,
    state: &mut TestAll,
    sources: &[(String, String)],
) -> Vec<Command> {
    let mut commands = Vec::new();
    for (id, _) in sources {
        let request = Request::Test { id: id.clone() };
        if app.is_pending(&request) {
            continue;
        }
        app.tests
            .insert(id.clone(), TestStatus::Running { since: app.now });
        let command = send(app, request);
        if let Command::Send { id: request_id, .. } = &command {
            state.running.insert(id.clone(), *request_id);
        }
        commands.push(command);
    }
    commands
}

pub(crate) fn draw(frame: &mut Frame<'_>, app: &App, state: &TestAll, theme: Theme) {
    let area = frame.area();
    let area = centered(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(4).max(6),
    );
    frame.render_widget(Clear, area);
    let (mut ok, mut failed) = (0, 0);
    for (id, _) in &state.sources {
        match app.tests.get(id) {
            Some(TestStatus::Done(result)) if result.success => ok += 1,
            Some(TestStatus::Done(_)) => failed += 1,
            _ => {}
        }
    }
    let running = state.running.len();
    let title = format!(
        " Testing {} sources: {ok} ok, {failed} failed, {running} to go{} ",
        state.sources.len(),
        if state.cancelled { " (cancelled)" } else { "" }
    );
    let block = boxed(&title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(1), Constraint::Length(1)])
        .split(inner);
    let width = usize::from(parts[0].width);
    let name_width = (width / 3).clamp(8, 32);
    let rows = usize::from(parts[0].height);
    let lines: Vec<Line<'static>> = state
        .sources
        .iter()
        .skip(state.scroll)
        .take(rows)
        .map(|(id, name)| {
            let (mark, latency, message, style) = match app.tests.get(id) {
                Some(TestStatus::Done(result)) => (
                    if result.success { "✓" } else { "✗" },
                    result
                        .latency_ms
                        .map(|ms| format!("{ms} ms"))
                        .unwrap_or_default(),
                    result.message.clone(),
                    if result.success {
                        theme.ok()
                    } else {
                        theme.error()
                    },
                ),
                Some(TestStatus::Running { .. }) if state.running.contains_key(id) => (
                    spinner(app),
                    String::new(),
                    "testing…".to_string(),
                    theme.warning(),
                ),
                _ => ("·", String::new(), "not run".to_string(), theme.dim()),
            };
            Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::raw(format!("{} ", fit(name, name_width))),
                Span::styled(format!("{} ", fit(&latency, 8)), theme.dim()),
                Span::styled(message, style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts[0]);
    let footer = if running > 0 {
        "Esc cancels the rest · results so far are kept"
    } else if failed > 0 {
        "f retries only the failures · Esc closes"
    } else {
        "Esc closes"
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(footer, theme.dim()))),
        parts[1],
    );
}
