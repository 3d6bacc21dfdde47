//! The `:` command line over the flash line: `:kind postgresql`, `:kind`, `:env NAME`, `:env`
//! (a picker of the environments), `:q`.
//! Its keys are the one-line input's table ([`LINE_KEYS`]).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::domain::Kind;
use crate::tui::app::App;
use crate::tui::keys::{Answer, LINE_KEYS, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request};
use crate::tui::theme::Theme;
use crate::tui::update::{flash, refilter, selection_changed, send};

pub(crate) fn on_command_bar_key(app: &mut App, mut text: String, key: KeyEvent) -> Vec<Command> {
    match lookup(LINE_KEYS, &key, &(), app.readonly).map(|b| b.action) {
        Some(Answer::Dismiss) => Vec::new(),
        Some(Answer::Confirm) => run_command_line(app, &text),
        Some(Answer::Edit) | None => {
            // Backspace on an empty line closes the bar.
            let keep = match key.code {
                KeyCode::Backspace => text.pop().is_some(),
                KeyCode::Char(c) => {
                    text.push(c);
                    true
                }
                _ => true,
            };
            if keep {
                app.layers.push(Layer::CommandBar { text });
            }
            Vec::new()
        }
    }
}

/// `:kind postgresql`, `:kind` (clears), `:pg` and other kind names, `:env NAME`, `:env`, `:q`.
pub(crate) fn run_command_line(app: &mut App, line: &str) -> Vec<Command> {
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else {
        return Vec::new();
    };
    let argument = words.collect::<Vec<_>>().join(" ");
    match command {
        "q" | "q!" | "quit" | "exit" => {
            app.quit = true;
            vec![Command::Quit]
        }
        "kind" | "k" if argument.is_empty() => {
            app.kind_filter = None;
            refilter(app);
            flash(app, "showing every kind", false);
            selection_changed(app)
        }
        "kind" | "k" => set_kind_filter(app, &argument),
        "env" | "environment" if argument.is_empty() => super::env_picker::open_env_picker(app),
        "env" | "environment" => switch_environment(app, argument),
        "help" | "h" => {
            app.layers.push(Layer::Help { scroll: 0 });
            Vec::new()
        }
        other => match other.parse::<Kind>() {
            Ok(_) if argument.is_empty() => set_kind_filter(app, other),
            _ => {
                flash(
                    app,
                    format!("unknown command :{other}; try :kind NAME, :env NAME, :q or ?"),
                    true,
                );
                Vec::new()
            }
        },
    }
}

/// Switches to environment `name` (`:env NAME`, or chosen in the `:env` picker).
pub(crate) fn switch_environment(app: &mut App, name: String) -> Vec<Command> {
    flash(app, format!("switching to environment {name}…"), false);
    vec![send(app, Request::SwitchEnvironment { name })]
}

pub(crate) fn set_kind_filter(app: &mut App, text: &str) -> Vec<Command> {
    match text.parse::<Kind>() {
        Ok(kind) => {
            app.kind_filter = Some(kind);
            refilter(app);
            flash(
                app,
                format!("showing {} sources (:kind clears)", kind.display_name()),
                false,
            );
            selection_changed(app)
        }
        Err(error) => {
            flash(app, error.to_string(), true);
            Vec::new()
        }
    }
}

/// The `:` command line, over the flash line (drawn for [`Layer::CommandBar`]).
///
/// [`Layer::CommandBar`]: super::super::layer::Layer::CommandBar
pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, text: &str, theme: Theme) {
    let line = Line::from(vec![
        Span::styled(":", theme.key()),
        Span::raw(text.to_string()),
        Span::styled("█", theme.dim()),
        Span::styled("   kind NAME · env [NAME] · q", theme.dim()),
    ]);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(line), area);
}
