//! The integrations list: name, kind, last test and age, one row per source. Only the rows in
//! the window are formatted, which keeps a frame cheap at 10,000 sources.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::Kind;
use crate::proto::Integration;

use super::super::app::{App, Focus, TestStatus};
use super::super::drift::{Mark, is_planning};
use super::super::theme::Theme;
use super::super::time::{age, to_system_time};
use super::spinner;

const KIND_WIDTH: usize = 11;
const TEST_WIDTH: usize = 10;
const AGE_WIDTH: usize = 8;

/// `text` cut or padded to exactly `width` columns (an ellipsis marks a cut).
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        let mut padded = text.to_string();
        padded.push_str(&" ".repeat(width - text.width()));
        return padded;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

fn kind_label(kind: i32) -> String {
    Kind::from_wire(kind).map_or_else(|| format!("#{kind}"), |k| k.sdk_name().to_lowercase())
}

/// The TEST column: a spinner while running, then a mark and the latency.
fn test_cell(app: &App, integration: &Integration, theme: Theme) -> Span<'static> {
    match app.tests.get(&integration.id) {
        None => Span::styled(fit("-", TEST_WIDTH), theme.dim()),
        Some(TestStatus::Running { .. }) => Span::styled(
            fit(&format!("{} testing", spinner(app)), TEST_WIDTH),
            theme.warning(),
        ),
        Some(TestStatus::Done(result)) => {
            let latency = result
                .latency_ms
                .map(|ms| format!(" {ms}ms"))
                .unwrap_or_default();
            if result.success {
                Span::styled(fit(&format!("✓{latency}"), TEST_WIDTH), theme.ok())
            } else {
                Span::styled(fit(&format!("✗{latency}"), TEST_WIDTH), theme.error())
            }
        }
    }
}

/// The drift column (`--plan` only): `~` the server differs from the file, `-` prune deletes it.
fn drift_cell(app: &App, integration: &Integration, theme: Theme) -> Span<'static> {
    let Some(drift) = &app.drift else {
        return Span::raw("");
    };
    let name = integration.name.as_deref().unwrap_or_default();
    match drift.mark(name) {
        Some(mark @ Mark::Update) => Span::styled(mark.symbol(), theme.warning()),
        Some(mark @ Mark::Delete) => Span::styled(mark.symbol(), theme.error()),
        None => Span::raw(" "),
    }
}

/// The list's heading note with `--plan`: `plan: FILE · 3 drifted · 1 to create` (in the list's
/// title, where the counts are and where it has room even at 80 columns).
fn drift_note(app: &App, theme: Theme) -> Span<'static> {
    let Some(drift) = &app.drift else {
        return Span::raw("");
    };
    let style = if drift.error.is_some() {
        theme.error()
    } else {
        theme.warning()
    };
    Span::styled(format!("{} ", drift.header_note(is_planning(app))), style)
}

fn title(app: &App) -> String {
    let mut title = format!(" Integrations ({}", app.visible.len());
    if app.visible.len() != app.integrations.len() {
        title.push_str(&format!(" of {}", app.integrations.len()));
    }
    title.push(')');
    if let Some(kind) = app.kind_filter {
        title.push_str(&format!(" kind:{}", kind.sdk_name().to_lowercase()));
    }
    if !app.filter.text.is_empty() {
        title.push_str(&format!(" /{}", app.filter.text));
    }
    title.push_str(&format!(" ↕{} ", app.sort.label()));
    title
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Focus::List && !app.popup_open();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(vec![
            Span::styled(title(app), theme.title()),
            drift_note(app, theme),
        ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(message) = empty_message(app) {
        frame.render_widget(
            Paragraph::new(message)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let width = usize::from(inner.width);
    // With `--plan`, one more column before the name: the drift mark.
    let mark_width = usize::from(app.drift.is_some());
    let name_width = width
        .saturating_sub(KIND_WIDTH + TEST_WIDTH + AGE_WIDTH + 6 + mark_width)
        .max(4);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {}{} {} {} {}",
            " ".repeat(mark_width),
            fit("NAME", name_width),
            fit("KIND", KIND_WIDTH),
            fit("TEST", TEST_WIDTH),
            fit("UPDATED", AGE_WIDTH)
        ),
        theme.dim(),
    ))];
    let rows = usize::from(inner.height.saturating_sub(1));
    let start = app.scroll.min(app.visible.len().saturating_sub(1));
    for (position, index) in app.visible.iter().enumerate().skip(start).take(rows) {
        let Some(integration) = app.integrations.get(*index) else {
            continue;
        };
        let marker = if position == app.selected { "▸" } else { " " };
        let mut line = Line::from(vec![
            Span::raw(marker),
            drift_cell(app, integration, theme),
            Span::raw(format!(
                "{} {} ",
                fit(
                    integration.name.as_deref().unwrap_or("(unnamed)"),
                    name_width
                ),
                fit(&kind_label(integration.kind), KIND_WIDTH)
            )),
            test_cell(app, integration, theme),
            Span::raw(format!(
                " {}",
                fit(
                    &age(to_system_time(integration.updated_at.as_ref()), app.wall),
                    AGE_WIDTH
                )
            )),
        ]);
        if !integration.warnings.is_empty() {
            line.spans.push(Span::styled("!", theme.warning()));
        }
        if position == app.selected {
            line = line.style(theme.selected(focused));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What the list says instead of rows: loading, an error, or how to add a first source.
fn empty_message(app: &App) -> Option<Vec<Line<'static>>> {
    if let Some(error) = &app.list_error
        && app.integrations.is_empty()
    {
        return Some(vec![
            Line::from(format!("Could not load integrations: {error}")),
            Line::from(""),
            Line::from("Press r to try again."),
        ]);
    }
    if !app.loaded {
        return Some(vec![Line::from(format!(
            "{} Loading integrations…",
            spinner(app)
        ))]);
    }
    if app.integrations.is_empty() {
        let empty = Line::from(format!(
            "No integrations in environment {} yet.",
            app.environment
        ));
        let how_to_add = if app.readonly {
            "The console is read-only: nothing can be added here."
        } else {
            "Press n to add one: choose a kind, fill in its keys, test and save."
        };
        return Some(vec![
            empty,
            Line::from(""),
            Line::from(how_to_add),
            Line::from(""),
            Line::from("sourcedeck kinds lists the 15 kinds and their keys. Press ? for help."),
        ]);
    }
    if app.visible.is_empty() {
        return Some(vec![Line::from(
            "Nothing matches the filter. Esc clears it; :kind shows every kind.",
        )]);
    }
    None
}
