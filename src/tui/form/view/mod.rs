//! Drawing the config form, generically from the catalog: one row per key (label, key name on
//! wide terminals, a value widget chosen by the key's type, and the problem or note beside it),
//! a panel explaining the key under the cursor, and the hint bar from the form's (or its
//! editor's) key table. Secret values show as bullets unless revealed on purpose; a configured
//! secret shows only that it is configured. The prompts, the editor and the picker draw
//! themselves (in their own files).

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::app::App;
use crate::tui::form::changes::describe_changes;
use crate::tui::form::check::{Problems, check};
use crate::tui::form::editor::EDITOR_KEYS;
use crate::tui::form::keys::FORM_KEYS;
use crate::tui::form::{DraftTest, Form, MultilineEditor};
use crate::tui::keys;
use crate::tui::theme::Theme;
use crate::tui::view::fit;
use crate::tui::view::spinner;

/// Label column width.
const LABEL_WIDTH: usize = 22;
/// Key-name column width, shown from [`WIDE`] columns on.
const KEY_WIDTH: usize = 26;
const WIDE: usize = 96;
/// Value column width (the message column takes the rest).
const VALUE_WIDTH: usize = 30;
/// Lines of the panel that explains the key under the cursor.
const PANEL_HEIGHT: u16 = 7;

/// Draws the form into the body area.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, form: &Form, theme: Theme) {
    let problems = check(form);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {} ", form.title()), theme.title()))
        .title_bottom(status_line(app, form, &problems, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let test_height = u16::from(form.test.is_some());
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Min(3),
            Constraint::Length(test_height),
            Constraint::Length(PANEL_HEIGHT),
        ])
        .split(inner);
    draw_rows(frame, parts[0], form, &problems, theme);
    if let Some(test) = &form.test {
        frame.render_widget(
            Paragraph::new(test_line(app, test, parts[1].width, theme)),
            parts[1],
        );
    }
    draw_panel(frame, parts[2], form, &problems, theme);
}

/// The block's bottom line: how many changes, the draft test, the save in flight.
fn status_line(app: &App, form: &Form, problems: &Problems, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    let changes = describe_changes(form).len() - usize::from(form.is_new());
    let plural = if changes == 1 { "" } else { "s" };
    let count = if form.is_new() {
        format!(" {changes} key{plural} set ")
    } else {
        format!(" {changes} change{plural} ")
    };
    spans.push(Span::styled(count, theme.dim()));
    if form.attempted && problems.is_blocking() {
        spans.push(Span::styled(
            format!("· {} to fix ", problems.count()),
            theme.error(),
        ));
    }
    match &form.test {
        Some(DraftTest::Running { .. }) => spans.push(Span::styled(
            format!("· {} testing the draft ", spinner(app)),
            theme.warning(),
        )),
        Some(DraftTest::Done(result)) => {
            let latency = result
                .latency_ms
                .map(|ms| format!(" {ms} ms"))
                .unwrap_or_default();
            let (text, style) = if result.success {
                (format!("· draft test ✓ ok{latency} "), theme.ok())
            } else {
                (format!("· draft test ✗ failed{latency} "), theme.error())
            };
            spans.push(Span::styled(text, style));
        }
        None => {}
    }
    if form.saving.is_some() {
        spans.push(Span::styled(
            format!("· {} saving ", spinner(app)),
            theme.warning(),
        ));
    }
    Line::from(spans)
}

/// The draft test's result in full: verdict, latency and the server's message (which names the
/// stage that failed), kept on screen until the next test.
fn test_line(app: &App, test: &DraftTest, width: u16, theme: Theme) -> Line<'static> {
    let (text, style) = match test {
        DraftTest::Running { .. } => (
            format!(
                "{} testing the draft on the server (not saved)…",
                spinner(app)
            ),
            theme.warning(),
        ),
        DraftTest::Done(result) => {
            let latency = result
                .latency_ms
                .map(|ms| format!(" in {ms} ms"))
                .unwrap_or_default();
            let verdict = if result.success {
                "✓ ok"
            } else {
                "✗ failed"
            };
            let style = if result.success {
                theme.ok()
            } else {
                theme.error()
            };
            (
                format!("draft test {verdict}{latency}: {}", result.message),
                style,
            )
        }
    };
    Line::from(Span::styled(fit(&text, usize::from(width)), style))
}

mod panel;
mod rows;

use panel::draw_panel;
use rows::draw_rows;

/// The hint bar while the form is open: the editor's keys while it is open, else the form's
/// keys that do something on the row under the cursor, from the same tables the keys go through.
pub fn hints(
    frame: &mut Frame<'_>,
    area: Rect,
    form: &Form,
    editor: Option<&MultilineEditor>,
    theme: Theme,
) {
    let pairs = match editor {
        Some(editor) => keys::hints(EDITOR_KEYS, &form.fields[editor.field], false),
        None => keys::hints(FORM_KEYS, form, false),
    };
    frame.render_widget(
        Paragraph::new(crate::tui::view::bars::hint_line(&pairs, area.width, theme)),
        area,
    );
}
