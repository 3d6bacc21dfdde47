//! `^L` with the environment's secret names: the form asks `EnvironmentSecretsService/ListSecrets`
//! in the background when it opens, then linking a key offers those names in a prompt you type to
//! filter (⏎ takes the one chosen, or what was typed when none matches, so an ARN or a resource
//! name still goes in), and the check warns when a linked name matches no secret of the
//! environment. A server without the service leaves `^L` as it was: type the reference.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

use crate::client::team_api::TeamError;
use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Request, RequestId};
use crate::tui::theme::Theme;
use crate::tui::update::send;

use super::model::Form;
use super::prompt::{Prompt, edit_line};
use super::update::{After, ask};

/// The environment's secret names, as far as the form knows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SecretNames {
    /// Not asked, or the server does not say (no EnvironmentSecretsService, or it failed).
    #[default]
    Unknown,
    /// ListSecrets is on its way.
    Loading(RequestId),
    /// Sorted.
    Known(Vec<String>),
}

/// How many names the prompt lists at most.
const SHOWN: usize = 8;

/// The form just opened: ask for the secret names in the background.
pub(crate) fn fetch_names(app: &mut App, form: &mut Form) -> Vec<Command> {
    let command = send(app, Request::SecretNames);
    if let Command::Send { id, .. } = &command {
        form.secret_names = SecretNames::Loading(*id);
    }
    vec![command]
}

/// ListSecrets' answer to request `id`, for the form that asked (if it is still open).
pub(crate) fn on_secret_names(
    app: &mut App,
    id: RequestId,
    result: Result<Vec<crate::proto::Secret>, TeamError>,
) -> Vec<Command> {
    let waiting = app.layers.iter_mut().rev().find_map(|layer| match layer {
        Layer::Form(form) if form.secret_names == SecretNames::Loading(id) => Some(form),
        _ => None,
    });
    if let Some(form) = waiting {
        form.secret_names = match result {
            Ok(secrets) => {
                let mut names: Vec<String> = secrets.into_iter().map(|s| s.name).collect();
                names.sort();
                names.dedup();
                SecretNames::Known(names)
            }
            Err(error) => {
                tracing::debug!(%error, "the form has no secret names to complete from");
                SecretNames::Unknown
            }
        };
    }
    Vec::new()
}

/// The known names that match `text` (case-insensitive): those starting with it first.
pub fn matches<'n>(names: &'n [String], text: &str) -> Vec<&'n String> {
    let needle = text.trim().to_lowercase();
    let (mut starting, containing): (Vec<&String>, Vec<&String>) = names
        .iter()
        .filter(|name| name.to_lowercase().contains(&needle))
        .partition(|name| name.to_lowercase().starts_with(&needle));
    starting.extend(containing);
    starting
}

/// A note for a linked field whose stored name is not among the environment's secrets.
pub fn unknown_name_note(form: &Form, stored_as: &str) -> Option<String> {
    match &form.secret_names {
        SecretNames::Known(names) if !names.iter().any(|name| name == stored_as) => Some(format!(
            "no secret named {stored_as} in this environment ({} known)",
            names.len()
        )),
        _ => None,
    }
}

/// After `^L` made field `field` linked: the names to choose from, when the form has them.
pub(super) fn offer_names(form: &Form, field: usize) -> Option<After> {
    match &form.secret_names {
        SecretNames::Known(names) if !names.is_empty() => Some(ask(Prompt::LinkSecret {
            field,
            text: form.fields[field].reference.clone(),
            selected: 0,
        })),
        _ => None,
    }
}

/// What a key does in the secret-name prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkAction {
    Cancel,
    Take,
    Up,
    Down,
    Edit,
}

/// The secret-name prompt's table.
pub const LINK_KEYS: &[Binding<LinkAction, ()>] = &[
    bind(LinkAction::Cancel, &[Key::Code(KeyCode::Esc)], "Esc")
        .help("keep the link, type the reference in the form"),
    bind(LinkAction::Take, &[Key::Code(KeyCode::Enter)], "⏎")
        .help("link the chosen name (or what was typed)"),
    bind(
        LinkAction::Up,
        &[Key::Code(KeyCode::Up), Key::Code(KeyCode::BackTab)],
        "↑",
    )
    .help("choose"),
    bind(
        LinkAction::Down,
        &[Key::Code(KeyCode::Down), Key::Code(KeyCode::Tab)],
        "↓ Tab",
    )
    .help("choose"),
    bind(LinkAction::Edit, &[Key::Any], "type").help("filter the names"),
];

/// A key for the secret-name prompt over field `field`.
pub(super) fn on_link_key(
    app: &App,
    form: &mut Form,
    (field, mut text, mut selected): (usize, String, usize),
    key: KeyEvent,
) -> After {
    let names = match &form.secret_names {
        SecretNames::Known(names) => names.clone(),
        _ => Vec::new(),
    };
    let found = matches(&names, &text).len();
    match lookup(LINK_KEYS, &key, &(), app.readonly).map(|b| b.action) {
        Some(LinkAction::Cancel) => return After::Stay,
        Some(LinkAction::Take) => {
            let chosen = matches(&names, &text)
                .get(selected)
                .map(|name| name.to_string())
                .unwrap_or_else(|| text.trim().to_string());
            if let Some(target) = form.fields.get_mut(field) {
                target.reference = chosen;
            }
            return After::Stay;
        }
        Some(LinkAction::Up) => selected = selected.saturating_sub(1),
        Some(LinkAction::Down) => selected = (selected + 1).min(found.saturating_sub(1)),
        Some(LinkAction::Edit) | None => {
            edit_line(&mut text, key.code);
            selected = 0;
        }
    }
    ask(Prompt::LinkSecret {
        field,
        text,
        selected,
    })
}

/// The prompt's lines: the typed text, then the matching names with the chosen one marked.
pub(super) fn prompt_lines(
    form: &Form,
    text: &str,
    selected: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let names = match &form.secret_names {
        SecretNames::Known(names) => names.as_slice(),
        _ => &[],
    };
    let found = matches(names, text);
    let mut lines = vec![Line::from(vec![
        Span::styled("secret: ", theme.dim()),
        Span::raw(text.to_string()),
        Span::styled("▏", theme.dim()),
    ])];
    if found.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("no secret of this environment matches; ⏎ links {text:?} as typed"),
            theme.warning(),
        )));
    }
    // Keep the chosen name in view.
    let skip = selected.saturating_sub(SHOWN - 1);
    for (position, name) in found.iter().enumerate().skip(skip).take(SHOWN) {
        let chosen = position == selected;
        lines.push(Line::from(vec![
            Span::raw(if chosen { "› " } else { "  " }),
            Span::styled(
                name.to_string(),
                if chosen {
                    theme.selected(true)
                } else {
                    theme.plain()
                },
            ),
        ]));
    }
    if found.len() > SHOWN {
        lines.push(Line::from(Span::styled(
            format!("… {} more; type to narrow", found.len() - SHOWN),
            theme.dim(),
        )));
    }
    lines.push(Line::from(Span::styled(
        "type to filter · ↑↓ choose · ⏎ links · Esc types it in the form",
        theme.dim(),
    )));
    lines
}

#[cfg(test)]
mod tests;
