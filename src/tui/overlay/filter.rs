//! The `/` filter being typed, over the flash line: its keys and its line. The filter's text
//! lives in [`App::filter`] because it stays applied after the layer closes.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::Command;
use crate::tui::theme::Theme;
use crate::tui::update::{refilter, selection_changed};

/// What a key does while the `/` filter is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterAction {
    Keep,
    Clear,
    Backspace,
    Type,
}

/// The filter's table (shown on the flash line while it is typed).
pub const FILTER_KEYS: &[Binding<FilterAction, ()>] = &[
    bind(FilterAction::Keep, &[Key::Code(KeyCode::Enter)], "⏎").help("keep"),
    bind(FilterAction::Clear, &[Key::Code(KeyCode::Esc)], "Esc").help("clear"),
    bind(
        FilterAction::Backspace,
        &[Key::Code(KeyCode::Backspace)],
        "⌫",
    )
    .help("delete a character"),
    bind(FilterAction::Type, &[Key::AnyChar], "type").help("substring; !x hides x"),
];

pub(crate) fn on_filter_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let before = app.selected_integration().map(|i| i.id.clone());
    match lookup(FILTER_KEYS, &key, &(), app.readonly).map(|b| b.action) {
        Some(FilterAction::Keep) => {}
        Some(FilterAction::Clear) => app.filter.text.clear(),
        Some(FilterAction::Backspace) => {
            app.filter.text.pop();
            app.layers.push(Layer::Filter);
        }
        Some(FilterAction::Type) => {
            if let KeyCode::Char(c) = key.code {
                app.filter.text.push(c);
            }
            app.layers.push(Layer::Filter);
        }
        None => {
            app.layers.push(Layer::Filter);
            return Vec::new();
        }
    }
    refilter(app);
    if app.selected_integration().map(|i| i.id.clone()) != before {
        return selection_changed(app);
    }
    Vec::new()
}

/// The `/` filter being typed, over the flash line (drawn for [`Layer::Filter`]).
///
/// [`Layer::Filter`]: super::super::layer::Layer::Filter
pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let line = Line::from(vec![
        Span::styled("/", theme.key()),
        Span::raw(app.filter.text.clone()),
        Span::styled("█", theme.dim()),
        Span::styled("   ⏎ keep · Esc clear · !x hides x", theme.dim()),
    ]);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(line), area);
}
