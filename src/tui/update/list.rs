//! The list screen's movement: cursor and paging, the selection (and the detail it fetches),
//! and the live re-filtering of the rows (the `/` filter's layer is in `overlay::filter`).

use crate::tui::access::Access;
use crate::tui::app::{App, Focus};
use crate::tui::filter::visible_rows;
use crate::tui::msg::{Command, Request};

use super::detail::detail_keys;
use super::send_superseding;

pub(super) fn page(app: &App) -> usize {
    app.page.max(1)
}

/// Moves the list cursor, or the detail pane's cursor when it has focus.
pub(super) fn move_cursor(app: &mut App, delta: isize) -> Vec<Command> {
    if app.focus == Focus::Detail {
        let rows = detail_keys(app).len();
        app.detail_cursor = shift(app.detail_cursor, delta, rows);
        return Vec::new();
    }
    let before = app.selected;
    app.selected = shift(app.selected, delta, app.visible.len());
    keep_cursor_in_view(app);
    if app.selected != before {
        return selection_changed(app);
    }
    Vec::new()
}

/// Scrolls the list just enough that the cursor row is on screen.
pub fn keep_cursor_in_view(app: &mut App) {
    let page = page(app);
    if app.selected < app.scroll {
        app.scroll = app.selected;
    } else if app.selected >= app.scroll + page {
        app.scroll = app.selected + 1 - page;
    }
    app.scroll = app.scroll.min(app.visible.len().saturating_sub(1));
}

pub(super) fn shift(position: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let target = (position as isize).saturating_add(delta);
    target.clamp(0, len as isize - 1) as usize
}

/// The selection moved: mask any revealed secret, reset the detail cursor, fetch the detail.
pub(crate) fn selection_changed(app: &mut App) -> Vec<Command> {
    app.revealed = None;
    app.detail_cursor = 0;
    let selected = app.selected_integration().map(|i| i.id.clone());
    // An edit waiting for another source's detail is dropped: `e` meant the source it was on.
    app.edit_when_loaded
        .take_if(|(waiting, _)| selected.as_ref() != Some(waiting));
    let Some(id) = selected else {
        return Vec::new();
    };
    fetch_detail(app, id)
}

pub(crate) fn fetch_detail(app: &mut App, id: String) -> Vec<Command> {
    let request = Request::Get { id: id.clone() };
    if app.details.contains_key(&id) || app.is_pending(&request) {
        return Vec::new();
    }
    // Until GetAgent answers it is not known whether configs may be opened; after, only if so.
    if app.access == Access::Asking || !app.may_open_configs() {
        return Vec::new();
    }
    send_superseding(app, request, |pending| {
        matches!(pending, Request::Get { .. })
    })
}

/// Recomputes the visible rows, keeping the cursor on the same source when it is still shown.
pub(crate) fn refilter(app: &mut App) {
    let selected_id = app.selected_integration().map(|i| i.id.clone());
    app.visible = visible_rows(
        &app.integrations,
        &app.filter.text,
        app.kind_filter,
        app.sort,
        &app.tests,
    );
    app.selected = selected_id
        .and_then(|id| {
            app.visible
                .iter()
                .position(|index| app.integrations[*index].id == id)
        })
        .unwrap_or(0)
        .min(app.visible.len().saturating_sub(1));
    keep_cursor_in_view(app);
}
