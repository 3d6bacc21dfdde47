//! Popup helpers shared by the layers: a centred rectangle, a boxed block, a boxed text popup.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::theme::Theme;

/// A rectangle of `width`×`height` centred in `area`, shrunk to fit.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
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
pub(crate) fn popup(
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

pub(crate) fn boxed<'a>(title: &'a str, theme: Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()))
}
