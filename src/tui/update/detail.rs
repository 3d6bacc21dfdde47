//! The detail pane's secrets: which keys it shows, revealing a value for a while, and copying
//! an id, a name or a value (the clipboard itself is a command for the runtime).

use crate::domain::Secret;
use crate::proto::{SecretSource, SecretWithValue};
use crate::tui::app::{App, ClipboardClear, Focus};
use crate::tui::clipboard::Fingerprint;
use crate::tui::msg::{Command, Request};

use super::{REVEAL_FOR, flash, send};

/// Says on the flash line where a copy went (and that a secret is cleared again).
pub(super) fn on_copied(
    app: &mut App,
    what: String,
    secret: bool,
    result: Result<crate::tui::clipboard::Route, String>,
) -> Vec<Command> {
    let (message, failed) = match result {
        Ok(route) if secret => (
            format!(
                "copied {what} to the {}; cleared in {} s",
                route.describe(),
                REVEAL_FOR.as_secs()
            ),
            false,
        ),
        Ok(route) => (format!("copied {what} to the {}", route.describe()), false),
        Err(error) => (format!("copying {what} failed: {error}"), true),
    };
    flash(app, message, failed);
    Vec::new()
}

/// The detail pane's keys, in order (as the server sent them, sorted by name on arrival).
pub fn detail_keys(app: &App) -> &[SecretWithValue] {
    app.selected_integration()
        .and_then(|i| app.details.get(&i.id))
        .map_or(&[], |detail| detail.integration.secrets.as_slice())
}

/// Whether a key's value is a secret literal the server withholds.
pub fn is_withheld(secret: &SecretWithValue) -> bool {
    secret.source != SecretSource::External as i32 && secret.value.is_none()
}

pub(super) fn reveal(app: &mut App) -> Vec<Command> {
    if app.focus != Focus::Detail {
        flash(
            app,
            "press Tab, move to a secret key, then x to reveal it",
            false,
        );
        return Vec::new();
    }
    let Some(integration_id) = app.selected_integration().map(|i| i.id.clone()) else {
        return Vec::new();
    };
    let Some(secret) = detail_keys(app).get(app.detail_cursor).cloned() else {
        return Vec::new();
    };
    if !is_withheld(&secret) {
        let what = if secret.source == SecretSource::External as i32 {
            "a linked secret lives in its store; its name is shown"
        } else {
            "not a secret: its value is already shown"
        };
        flash(app, format!("{}: {what}", secret.name), false);
        return Vec::new();
    }
    if app
        .revealed
        .as_ref()
        .is_some_and(|r| r.integration_id == integration_id && r.key == secret.name)
    {
        app.revealed = None;
        return Vec::new();
    }
    vec![send(
        app,
        Request::Reveal {
            id: integration_id,
            key: secret.name,
        },
    )]
}

pub(super) fn copy_id_or_value(app: &mut App) -> Vec<Command> {
    if app.focus == Focus::Detail {
        return copy_value(app);
    }
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    vec![Command::Copy {
        text: Secret::new(integration.id.clone()),
        what: "id".into(),
        secret: false,
    }]
}

pub(super) fn copy_name(app: &mut App) -> Vec<Command> {
    let Some(integration) = app.selected_integration() else {
        return Vec::new();
    };
    vec![Command::Copy {
        text: Secret::new(integration.name.clone().unwrap_or_default()),
        what: "name".into(),
        secret: false,
    }]
}

/// Copies the value under the detail cursor: plain values as they are, a secret only while it
/// is revealed (and the clipboard is cleared after [`REVEAL_FOR`]).
pub(super) fn copy_value(app: &mut App) -> Vec<Command> {
    let Some(secret) = detail_keys(app).get(app.detail_cursor).cloned() else {
        return Vec::new();
    };
    if let Some(value) = &secret.value {
        return vec![Command::Copy {
            text: Secret::new(value.clone()),
            what: secret.name,
            secret: false,
        }];
    }
    if secret.source == SecretSource::External as i32 {
        return vec![Command::Copy {
            text: Secret::new(secret.full_name.clone()),
            what: format!("{} (secret name)", secret.name),
            secret: false,
        }];
    }
    match &app.revealed {
        Some(revealed) if revealed.key == secret.name => {
            app.clipboard_clear = Some(ClipboardClear {
                at: app.now + REVEAL_FOR,
                holding: Fingerprint::of(revealed.value.expose()),
            });
            vec![Command::Copy {
                text: revealed.value.clone(),
                what: secret.name,
                secret: true,
            }]
        }
        _ => {
            flash(
                app,
                format!("{}: reveal it with x before copying", secret.name),
                true,
            );
            Vec::new()
        }
    }
}
