//! The layers over the main screen: help (grouped by purpose, from the action table), the delete
//! confirmation (Cancel by default; the typed name in production), and the live test-all table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::super::actions::ACTIONS;
use super::super::app::{App, ConfirmDelete, TestAll, TestStatus};
use super::super::keys;
use super::super::theme::Theme;
use super::list::fit;
use super::spinner;

/// A rectangle of `width`×`height` centred in `area`, shrunk to fit.
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A boxed, wrapped text popup as tall as its lines, at most `width` wide, centred in `within`
/// over whatever is drawn there.
pub(super) fn popup(
    frame: &mut Frame<'_>,
    within: Rect,
    width: u16,
    title: &str,
    lines: Vec<Line<'_>>,
    theme: Theme,
) {
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(within, width, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(title, theme))
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub(super) fn boxed<'a>(title: &'a str, theme: Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()))
}

pub(super) fn help(frame: &mut Frame<'_>, app: &App, scroll: usize, theme: Theme) {
    let mut lines = Vec::new();
    let mut group = None;
    // The table is in help order, each group's rows together.
    for info in keys::help(ACTIONS, app.readonly) {
        if group != Some(info.group) {
            if group.is_some() {
                lines.push(Line::from(""));
            }
            group = Some(info.group);
            lines.push(Line::from(Span::styled(info.group, theme.title())));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", fit(info.shown, 10)), theme.key()),
            Span::raw(info.help),
        ]));
    }
    if group.is_some() {
        lines.push(Line::from(""));
    }
    if app.readonly {
        lines.push(Line::from(Span::styled(
            "Read-only: actions that change sources are off.",
            theme.warning(),
        )));
    }
    lines.push(Line::from(Span::styled(
        "Esc closes · j/k scroll · logs: SOURCEDECK_LOG=FILE",
        theme.dim(),
    )));
    let area = centered(frame.area(), 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let scroll = u16::try_from(scroll).unwrap_or(0);
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(" Help · j/k scroll · Esc closes ", theme))
            .scroll((scroll, 0)),
        area,
    );
}

pub(super) fn confirm_delete(
    frame: &mut Frame<'_>,
    app: &App,
    confirm: &ConfirmDelete,
    theme: Theme,
) {
    let mut lines = vec![
        Line::from(vec![
            Span::raw("Delete "),
            Span::styled(confirm.name.clone(), theme.title()),
            Span::raw(format!(" from environment {}?", app.environment)),
        ]),
        Line::from("Its config and secrets are removed from the server. This cannot be undone."),
        Line::from(""),
    ];
    match &confirm.typed {
        Some(typed) => {
            lines.push(Line::from(Span::styled(
                "This looks like a production environment: type the source's name to delete it.",
                theme.warning(),
            )));
            let matches = *typed == confirm.name;
            lines.push(Line::from(vec![
                Span::raw("name: "),
                Span::styled(
                    typed.clone(),
                    if matches {
                        theme.error()
                    } else {
                        theme.plain()
                    },
                ),
                Span::styled("█", theme.dim()),
            ]));
            lines.push(Line::from(Span::styled(
                if matches {
                    "⏎ deletes · Esc cancels"
                } else {
                    "Esc cancels"
                },
                theme.dim(),
            )));
        }
        None => {
            let (cancel, delete) = if confirm.delete_chosen {
                (theme.plain(), theme.selected(true).patch(theme.error()))
            } else {
                (theme.selected(true), theme.plain())
            };
            lines.push(Line::from(vec![
                Span::raw("        "),
                Span::styled("[ Cancel ]", cancel),
                Span::raw("    "),
                Span::styled("[ Delete ]", delete),
            ]));
            lines.push(Line::from(Span::styled(
                "←/→ choose · ⏎ confirms the choice · Esc cancels",
                theme.dim(),
            )));
        }
    }
    popup(frame, frame.area(), 78, " Confirm delete ", lines, theme);
}

pub(super) fn test_all(frame: &mut Frame<'_>, app: &App, state: &TestAll, theme: Theme) {
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
