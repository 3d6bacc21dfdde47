//! The help over the main screen: every key of the main table with a help line, grouped by
//! purpose (read-only mode leaves out the keys that change data). `j`/`k` scroll, `q` quits, any
//! other key closes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::actions::{ACTIONS, Screen};
use crate::tui::app::App;
use crate::tui::keys::{self, Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::Command;
use crate::tui::theme::Theme;
use crate::tui::view::fit;
use crate::tui::view::popup::{boxed, centered};

/// What a key does in the help over the main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelpAction {
    ScrollDown,
    ScrollUp,
    Quit,
    Close,
}

/// The help's table: j/k scroll, q quits, any other key closes.
pub const HELP_KEYS: &[Binding<HelpAction, ()>] = &[
    bind(
        HelpAction::ScrollDown,
        &[Key::Char('j'), Key::Code(KeyCode::Down)],
        "j ↓",
    )
    .help("scroll down"),
    bind(
        HelpAction::ScrollUp,
        &[Key::Char('k'), Key::Code(KeyCode::Up)],
        "k ↑",
    )
    .help("scroll up"),
    bind(HelpAction::Quit, &[Key::Char('q')], "q").help("quit"),
    bind(HelpAction::Close, &[Key::Any], "Esc").help("close"),
];

pub(crate) fn on_help_key(app: &mut App, scroll: usize, key: KeyEvent) -> Vec<Command> {
    let action = lookup(HELP_KEYS, &key, &(), app.readonly).map(|b| b.action);
    let scroll = match action {
        Some(HelpAction::ScrollDown) => scroll + 1,
        Some(HelpAction::ScrollUp) => scroll.saturating_sub(1),
        Some(HelpAction::Quit) => {
            app.quit = true;
            return vec![Command::Quit];
        }
        Some(HelpAction::Close) | None => return Vec::new(),
    };
    app.layers.push(Layer::Help { scroll });
    Vec::new()
}

pub(crate) fn draw(frame: &mut Frame<'_>, app: &App, scroll: usize, theme: Theme) {
    let mut lines = Vec::new();
    let mut group = None;
    // The table is in help order, each group's rows together.
    let screen = Screen::of(app);
    for info in keys::help_in(ACTIONS, &screen, app.readonly) {
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
    if let Some(reason) = app.readonly_reason() {
        lines.push(Line::from(Span::styled(
            format!(
                "Read-only ({reason} in {}): changing sources is off.",
                app.environment
            ),
            theme.warning(),
        )));
    } else if app.readonly {
        lines.push(Line::from(Span::styled(
            "Read-only: actions that change sources are off.",
            theme.warning(),
        )));
    }
    if !app.may_open_configs() {
        lines.push(Line::from(Span::styled(
            "No SECRETS_DECRYPT: sources can be listed and tested, configs not opened.",
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
