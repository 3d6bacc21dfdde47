//! Drawing: a pure function from the state to a frame. The layout puts list and detail side by
//! side on wide terminals and stacks them on narrow ones (usable at 80×24); only the rows on
//! screen are built, so a frame costs the same at ten rows or ten thousand.

pub(crate) mod bars;
mod detail;
mod drift;
mod list;
pub(crate) mod popup;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

use super::app::App;
use super::form::view as form;
use super::layer::Layer;
use super::overlay;
use super::theme::Theme;
pub(crate) use list::fit;

/// The spinner's frames, advanced by ticks.
const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn spinner(app: &App) -> &'static str {
    SPINNER[(app.ticks % SPINNER.len() as u64) as usize]
}

/// Where each part of the screen goes.
struct Areas {
    header: Rect,
    list: Rect,
    detail: Rect,
    flash: Rect,
    hints: Rect,
}

/// `rows` is how many list rows there are to show: a short list leaves the room to the detail.
fn areas(area: Rect, list_rows: usize) -> Areas {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .split(area);
    let body = rows[1];
    if list_rows == 0 {
        // Nothing to detail: the list's message (loading, error, how to start) gets the room.
        return Areas {
            header: rows[0],
            list: body,
            detail: Rect::default(),
            flash: rows[2],
            hints: rows[3],
        };
    }
    let panes = if body.width >= 110 {
        Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(48), Constraint::Percentage(52)])
            .split(body)
    } else {
        let most = body.height * 45 / 100;
        let wanted = u16::try_from(list_rows.max(1) + 3).unwrap_or(u16::MAX);
        Layout::default()
            .direction(Direction::Vertical)
            .constraints([
                Constraint::Length(wanted.min(most).max(5)),
                Constraint::Min(3),
            ])
            .split(body)
    };
    Areas {
        header: rows[0],
        list: panes[0],
        detail: panes[1],
        flash: rows[2],
        hints: rows[3],
    }
}

/// How many list rows fit in a terminal of this size (for paging and scrolling).
pub fn list_page(area: Rect, app: &App) -> usize {
    usize::from(areas(area, app.visible.len()).list.height.saturating_sub(3)).max(1)
}

/// Draws the whole console: the main screen (or the form, which takes the body), its bars, then
/// the layers bottom-up. Layers under the form are hidden by it and not drawn.
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: Theme) {
    let open_form = app.form();
    let areas = areas(
        frame.area(),
        if open_form.is_some() {
            0
        } else {
            app.visible.len()
        },
    );
    bars::header(frame, areas.header, app, theme);
    match open_form {
        // The form takes the body; header and flash line stay where they always are.
        Some(open) => form::draw(frame, areas.list, app, open, theme),
        None => {
            list::draw(frame, areas.list, app, theme);
            if !areas.detail.is_empty() {
                detail::draw(frame, areas.detail, app, theme);
            }
        }
    }
    bars::flash(frame, areas.flash, app, theme);
    match open_form {
        Some(open) => form::hints(frame, areas.hints, open, app.editor(), theme),
        None => bars::hints(frame, areas.hints, app, theme),
    }
    let from = app
        .layers
        .iter()
        .rposition(|layer| matches!(layer, Layer::Form(_)))
        .unwrap_or(0);
    for layer in &app.layers[from..] {
        match layer {
            Layer::Filter => overlay::filter::draw(frame, areas.flash, app, theme),
            Layer::CommandBar { text } => {
                overlay::command_bar::draw(frame, areas.flash, text, theme)
            }
            Layer::Help { scroll } => overlay::help::draw(frame, app, *scroll, theme),
            Layer::ConfirmDelete(confirm) => {
                overlay::confirm_delete::draw(frame, app, confirm, theme)
            }
            Layer::TestAll(state) => overlay::test_all::draw(frame, app, state, theme),
            Layer::History(history) => overlay::history::draw(frame, app, history, theme),
            Layer::EnvPicker(picker) => overlay::env_picker::draw(frame, app, picker, theme),
            Layer::PickKind(picker) => crate::tui::form::picker::draw_picker(frame, picker, theme),
            Layer::Form(_) => {}
            Layer::Prompt(prompt) => {
                if let Some(open) = open_form {
                    crate::tui::form::prompt::draw_prompt(frame, areas.list, open, prompt, theme);
                }
            }
            Layer::Editor(editor) => {
                if let Some(open) = open_form {
                    crate::tui::form::editor::draw_editor(frame, areas.list, open, editor, theme);
                }
            }
        }
    }
}

#[cfg(test)]
mod access_tests;
#[cfg(test)]
mod drift_tests;
#[cfg(test)]
mod form_tests;
#[cfg(test)]
mod tests;
