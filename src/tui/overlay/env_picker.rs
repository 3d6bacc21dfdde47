//! `:env` with no name: the environments the credential may use, from Chalk's
//! `TeamService/GetEnvironments`, in a picker you type to filter (like the kind picker of `n`);
//! ⏎ switches as `:env NAME` does. A server without TeamService gets today's typed `:env NAME`.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::client::team_api::TeamError;
use crate::proto::Environment;
use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request, RequestId};
use crate::tui::theme::Theme;
use crate::tui::update::{flash, send};
use crate::tui::view::popup::popup;
use crate::tui::view::{fit, spinner};

use super::command_bar::switch_environment;

/// What the picker lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choices {
    Loading,
    /// (name, id) of each environment, in the server's order.
    Loaded(Vec<(String, String)>),
    Failed(String),
}

/// The environment picker's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvPicker {
    /// The GetEnvironments request it waits for; other answers are stale.
    pub request: RequestId,
    pub choices: Choices,
    /// Typed to narrow the list (name or id, any case).
    pub filter: String,
    /// Index into [`EnvPicker::matches`].
    pub selected: usize,
}

impl EnvPicker {
    /// The environments the filter lets through.
    pub fn matches(&self) -> Vec<&(String, String)> {
        let Choices::Loaded(all) = &self.choices else {
            return Vec::new();
        };
        let needle = self.filter.trim().to_lowercase();
        all.iter()
            .filter(|(name, id)| {
                needle.is_empty()
                    || name.to_lowercase().contains(&needle)
                    || id.to_lowercase().contains(&needle)
            })
            .collect()
    }

    fn move_cursor(&mut self, delta: isize) {
        let len = self.matches().len();
        self.selected = if len == 0 {
            0
        } else {
            (self.selected as isize + delta).clamp(0, len as isize - 1) as usize
        };
    }
}

/// What a key does in the environment picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvPickerAction {
    Cancel,
    Choose,
    Up,
    Down,
    Backspace,
    Type,
}

/// The environment picker's table.
pub const ENV_PICKER_KEYS: &[Binding<EnvPickerAction, ()>] = &[
    bind(EnvPickerAction::Cancel, &[Key::Code(KeyCode::Esc)], "Esc").help("cancel"),
    bind(EnvPickerAction::Choose, &[Key::Code(KeyCode::Enter)], "⏎").help("switch to it"),
    bind(
        EnvPickerAction::Up,
        &[Key::Code(KeyCode::Up), Key::Code(KeyCode::BackTab)],
        "↑",
    )
    .help("choose"),
    bind(
        EnvPickerAction::Down,
        &[Key::Code(KeyCode::Down), Key::Code(KeyCode::Tab)],
        "↓ Tab",
    )
    .help("choose"),
    bind(
        EnvPickerAction::Backspace,
        &[Key::Code(KeyCode::Backspace)],
        "⌫",
    )
    .help("widen the list"),
    bind(EnvPickerAction::Type, &[Key::AnyChar], "type").help("filter"),
];

/// `:env` without a name: asks for the environments and opens the picker.
pub(crate) fn open_env_picker(app: &mut App) -> Vec<Command> {
    let command = send(app, Request::Environments);
    let Command::Send { id, .. } = &command else {
        return Vec::new();
    };
    app.layers.push(Layer::EnvPicker(EnvPicker {
        request: *id,
        choices: Choices::Loading,
        filter: String::new(),
        selected: 0,
    }));
    vec![command]
}

/// GetEnvironments' answer to request `id`, for the picker if it still waits for it. Without
/// TeamService the picker closes and says to type the name.
pub(crate) fn on_environments(
    app: &mut App,
    id: RequestId,
    result: Result<Vec<Environment>, TeamError>,
) -> Vec<Command> {
    let Some(position) = app
        .layers
        .iter()
        .rposition(|layer| matches!(layer, Layer::EnvPicker(picker) if picker.request == id))
    else {
        return Vec::new();
    };
    let choices = match result {
        Ok(environments) => Choices::Loaded(
            environments
                .into_iter()
                .map(|environment| (environment.name, environment.id))
                .collect(),
        ),
        Err(TeamError::Unsupported { .. }) => {
            app.layers.remove(position);
            flash(
                app,
                "this server lists no environments: type :env NAME to switch",
                true,
            );
            return Vec::new();
        }
        Err(TeamError::Failed(error)) => Choices::Failed(format!(
            "listing the environments failed: {}; :env NAME still switches",
            error.message
        )),
    };
    if let Some(Layer::EnvPicker(picker)) = app.layers.get_mut(position) {
        // Start on the current environment.
        picker.selected = match &choices {
            Choices::Loaded(all) => all
                .iter()
                .position(|(name, id)| *name == app.environment || *id == app.environment_id)
                .unwrap_or(0),
            _ => 0,
        };
        picker.choices = choices;
    }
    Vec::new()
}

pub(crate) fn on_env_picker_key(
    app: &mut App,
    mut picker: EnvPicker,
    key: KeyEvent,
) -> Vec<Command> {
    match lookup(ENV_PICKER_KEYS, &key, &(), app.readonly).map(|b| b.action) {
        Some(EnvPickerAction::Cancel) => {
            app.pending.remove(&picker.request);
            return Vec::new();
        }
        Some(EnvPickerAction::Choose) => {
            if let Some((name, id)) = picker.matches().get(picker.selected).copied() {
                let target = if name.is_empty() { id } else { name };
                return switch_environment(app, target.clone());
            }
        }
        Some(EnvPickerAction::Up) => picker.move_cursor(-1),
        Some(EnvPickerAction::Down) => picker.move_cursor(1),
        Some(EnvPickerAction::Backspace) => {
            picker.filter.pop();
            picker.selected = 0;
        }
        Some(EnvPickerAction::Type) => {
            if let KeyCode::Char(c) = key.code {
                picker.filter.push(c);
                picker.selected = 0;
            }
        }
        None => {}
    }
    app.layers.push(Layer::EnvPicker(picker));
    Vec::new()
}

/// The picker over the main screen.
pub(crate) fn draw(frame: &mut Frame<'_>, app: &App, picker: &EnvPicker, theme: Theme) {
    let mut lines = vec![
        Line::from(vec![
            Span::styled("environment: ", theme.dim()),
            Span::raw(picker.filter.clone()),
            Span::styled("▏", theme.dim()),
        ]),
        Line::from(""),
    ];
    match &picker.choices {
        Choices::Loading => lines.push(Line::from(Span::styled(
            format!("{} loading the environments…", spinner(app)),
            theme.dim(),
        ))),
        Choices::Failed(message) => {
            lines.push(Line::from(Span::styled(message.clone(), theme.error())))
        }
        Choices::Loaded(_) => {
            let matches = picker.matches();
            if matches.is_empty() {
                lines.push(Line::from(Span::styled(
                    "no environment matches; Backspace widens the list",
                    theme.warning(),
                )));
            }
            for (position, (name, id)) in matches.iter().enumerate() {
                let selected = position == picker.selected;
                let current = *name == app.environment || *id == app.environment_id;
                lines.push(Line::from(vec![
                    Span::raw(if selected { "› " } else { "  " }),
                    Span::styled(
                        fit(name, 24),
                        if selected {
                            theme.selected(true)
                        } else {
                            theme.plain()
                        },
                    ),
                    Span::styled(fit(id, 28), theme.dim()),
                    Span::styled(if current { "current" } else { "" }, theme.ok()),
                ]));
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "type to filter · ↑↓ choose · ⏎ switches · Esc cancels",
        theme.dim(),
    )));
    popup(
        frame,
        frame.area(),
        72,
        " Switch environment ",
        lines,
        theme,
    );
}

#[cfg(test)]
mod tests;
