//! The delete confirmation: Cancel by default, a Cancel / Delete choice, or in a production
//! environment the source's name typed out. Its keys, the actions that open and answer it, and
//! its drawing.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request};
use crate::tui::theme::Theme;
use crate::tui::update::{flash, send};
use crate::tui::view::popup::popup;

/// The delete confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmDelete {
    pub id: String,
    pub name: String,
    /// Production environments: the user types the name; elsewhere a Cancel / Delete choice.
    pub typed: Option<String>,
    /// The Delete button is chosen (Cancel is the default).
    pub delete_chosen: bool,
}

/// What a key does in the delete confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Cancel ⇄ Delete.
    Toggle,
    /// Delete when chosen (or when the typed name matches), else cancel.
    Confirm,
    Cancel,
    /// The key edits the typed name.
    Edit,
}

fn typed(confirm: &ConfirmDelete) -> bool {
    confirm.typed.is_some()
}

fn chosen(confirm: &ConfirmDelete) -> bool {
    confirm.typed.is_none()
}

/// The delete confirmation's table: a typed name in production, a Cancel / Delete choice
/// elsewhere. Keys it does not list leave it open.
pub const CONFIRM_KEYS: &[Binding<ConfirmAction, ConfirmDelete>] = &[
    bind(ConfirmAction::Cancel, &[Key::Code(KeyCode::Esc)], "Esc")
        .help("cancel")
        .when(typed),
    bind(ConfirmAction::Confirm, &[Key::Code(KeyCode::Enter)], "⏎")
        .help("delete, once the name is typed")
        .when(typed)
        .mutating(),
    bind(ConfirmAction::Edit, &[Key::Any], "type")
        .help("type the name")
        .when(typed),
    bind(
        ConfirmAction::Toggle,
        &[
            Key::Code(KeyCode::Left),
            Key::Code(KeyCode::Right),
            Key::Code(KeyCode::Tab),
            Key::Char('h'),
            Key::Char('l'),
        ],
        "← →",
    )
    .help("choose Cancel or Delete")
    .when(chosen),
    bind(ConfirmAction::Confirm, &[Key::Code(KeyCode::Enter)], "⏎")
        .help("confirm the choice")
        .when(chosen)
        .mutating(),
    bind(
        ConfirmAction::Cancel,
        &[Key::Code(KeyCode::Esc), Key::Char('n'), Key::Char('q')],
        "Esc n q",
    )
    .help("cancel")
    .when(chosen),
];

pub(crate) fn on_confirm_key(
    app: &mut App,
    mut confirm: ConfirmDelete,
    key: KeyEvent,
) -> Vec<Command> {
    let action = lookup(CONFIRM_KEYS, &key, &confirm, app.readonly).map(|b| b.action);
    let confirmed = match &confirm.typed {
        Some(typed) => *typed == confirm.name,
        None => confirm.delete_chosen,
    };
    match action {
        Some(ConfirmAction::Confirm) if confirmed => return delete(app, confirm),
        Some(ConfirmAction::Confirm) if confirm.typed.is_some() => {}
        Some(ConfirmAction::Confirm | ConfirmAction::Cancel) => {
            flash(app, "delete cancelled", false);
            return Vec::new();
        }
        Some(ConfirmAction::Toggle) => confirm.delete_chosen = !confirm.delete_chosen,
        Some(ConfirmAction::Edit) => {
            if let Some(typed) = confirm.typed.as_mut() {
                match key.code {
                    KeyCode::Backspace => {
                        typed.pop();
                    }
                    KeyCode::Char(c) => typed.push(c),
                    _ => {}
                }
            }
        }
        None => {}
    }
    app.layers.push(Layer::ConfirmDelete(confirm));
    Vec::new()
}

pub(crate) fn ask_delete(app: &mut App) -> Vec<Command> {
    if app.readonly {
        return Vec::new();
    }
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    let confirm = ConfirmDelete {
        id: integration.id.clone(),
        name: integration.name.clone().unwrap_or_default(),
        typed: app.is_production().then(String::new),
        delete_chosen: false,
    };
    app.layers.push(Layer::ConfirmDelete(confirm));
    Vec::new()
}

pub(crate) fn delete(app: &mut App, confirm: ConfirmDelete) -> Vec<Command> {
    if app.readonly {
        return Vec::new();
    }
    flash(app, format!("deleting {}…", confirm.name), false);
    vec![send(app, Request::Delete { id: confirm.id })]
}

pub(crate) fn draw(frame: &mut Frame<'_>, app: &App, confirm: &ConfirmDelete, theme: Theme) {
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
