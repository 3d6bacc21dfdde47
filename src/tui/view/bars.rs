//! The one-line bars: the header (server, environment, local, read-only, connection), the flash
//! line (results and errors; the `/` filter and `:` command layers draw over it) and the hint bar,
//! which is built from the same action table as the help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::super::actions::{Screen, main_hints};
use super::super::app::App;
use super::super::msg::ConnectionState;
use super::super::theme::Theme;
use super::spinner;

pub fn header(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let mut spans = vec![
        Span::styled(" sourcedeck ", theme.title()),
        Span::styled(" server ", theme.dim()),
        Span::raw(app.server.address.clone()),
    ];
    if app.server.local {
        spans.push(Span::styled(" (local)", theme.ok()));
    }
    spans.push(Span::styled("  env ", theme.dim()));
    spans.push(Span::raw(app.environment.clone()));
    if app.readonly {
        spans.push(Span::raw("  "));
        let used: usize = spans.iter().map(|span| span.content.width()).sum();
        let badge = match app.readonly_reason() {
            // The connection state after it needs about 14 columns; short when they would lack.
            Some(reason) if used + reason.width() + 26 <= usize::from(area.width) => {
                format!(" READ-ONLY: {reason} ")
            }
            Some(_) => " READ-ONLY: no write ".into(),
            None => " READ-ONLY ".into(),
        };
        spans.push(Span::styled(badge, theme.badge()));
    }
    spans.push(Span::raw("  "));
    spans.push(match &app.connection {
        ConnectionState::Connecting => {
            Span::styled(format!("{} connecting…", spinner(app)), theme.warning())
        }
        ConnectionState::Connected { .. } if !app.pending.is_empty() => {
            Span::styled(format!("{} connected", spinner(app)), theme.ok())
        }
        ConnectionState::Connected { .. } => Span::styled("● connected", theme.ok()),
        ConnectionState::Disconnected { retry_at, .. } => {
            let seconds = retry_at
                .saturating_duration_since(app.now)
                .as_secs_f64()
                .ceil();
            Span::styled(
                format!("○ disconnected, retrying in {seconds:.0}s"),
                theme.error(),
            )
        }
    });
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn flash(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let line = if let Some(flash) = &app.flash {
        let style = if flash.error {
            theme.error()
        } else {
            theme.ok()
        };
        Line::from(Span::styled(flash.text.clone(), style))
    } else if let ConnectionState::Disconnected { reason, .. } = &app.connection {
        Line::from(Span::styled(reason.clone(), theme.error()))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn hints(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let pairs = main_hints(Screen::of(app), app.readonly);
    frame.render_widget(Paragraph::new(hint_line(&pairs, area.width, theme)), area);
}

/// Key hints that fit in `width`: in order, skipping what does not fit, but always keeping the
/// last (help), so the way to every other key is never cut off.
pub fn hint_line(pairs: &[(&str, &str)], width: u16, theme: Theme) -> Line<'static> {
    let cost = |(key, label): &(&str, &str)| key.width() + label.width() + 3;
    let Some((last, rest)) = pairs.split_last() else {
        return Line::default();
    };
    let mut room = usize::from(width).saturating_sub(cost(last));
    let mut spans = Vec::new();
    for pair in rest.iter().chain(std::iter::once(last)) {
        let needed = cost(pair);
        if !std::ptr::eq(pair, last) {
            if needed > room {
                continue;
            }
            room -= needed;
        }
        spans.push(Span::styled(format!(" {}", pair.0), theme.key()));
        spans.push(Span::styled(format!(" {} ", pair.1), theme.dim()));
    }
    Line::from(spans)
}
