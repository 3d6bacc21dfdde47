//! The multi-line editor (tui-textarea) over one field of the form, for long values (PEM keys,
//! JSON): its state, its key table and handler, and its drawing. A secret stays masked unless
//! revealed on purpose; `Esc` puts the text into the field.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;
use tui_textarea::TextArea;

use crate::domain::Secret;
use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::theme::Theme;
use crate::tui::update::flash;
use crate::tui::view::popup::{boxed, centered};

use super::field::Field;
use super::model::Form;
use super::update::{After, toggle_reveal};

/// The multi-line editor (tui-textarea) over one field.
pub struct MultilineEditor {
    pub field: usize,
    pub area: TextArea<'static>,
}

/// The editor may hold a secret being typed: its text is never formatted.
impl std::fmt::Debug for MultilineEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultilineEditor")
            .field("field", &self.field)
            .field("lines", &self.area.lines().len())
            .finish_non_exhaustive()
    }
}

/// What a key does in the multi-line editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditorAction {
    Reveal,
    Done,
    /// Everything else goes to the text area.
    Input,
}

fn editor_reveal_hint(field: &Field) -> Option<&'static str> {
    field.secret.then_some("reveal")
}

/// The editor's table; its context is the field being edited.
pub const EDITOR_KEYS: &[Binding<EditorAction, Field>] = &[
    bind(EditorAction::Reveal, &[Key::Ctrl('r')], "^R")
        .hint_for(editor_reveal_hint)
        .help("reveal or mask the secret being typed"),
    bind(EditorAction::Done, &[Key::Code(KeyCode::Esc)], "Esc")
        .hint("done")
        .help("done: the text becomes the value"),
    bind(EditorAction::Input, &[Key::Any], "type").help("edit the text"),
];

pub(super) fn set_mask(area: &mut TextArea<'static>, masked: bool) {
    if masked {
        area.set_mask_char('•');
    } else {
        area.clear_mask_char();
    }
}

/// Opens the multi-line editor over the current field, optionally with a first character typed.
pub(super) fn open_editor(app: &mut App, form: &mut Form, typed: Option<&str>) -> After {
    let Some(index) = form.current_field() else {
        return After::Stay;
    };
    let field = &form.fields[index];
    if field.linked {
        flash(
            app,
            format!("{}: a reference is one line", field.key),
            false,
        );
        return After::Stay;
    }
    let lines: Vec<String> = field.literal.expose().lines().map(String::from).collect();
    let mut area = TextArea::new(if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    });
    area.move_cursor(tui_textarea::CursorMove::Bottom);
    area.move_cursor(tui_textarea::CursorMove::End);
    set_mask(&mut area, field.secret && !field.revealed);
    if let Some(text) = typed {
        area.insert_str(text);
    }
    After::Open(Layer::Editor(Box::new(MultilineEditor {
        field: index,
        area,
    })))
}

/// A key in the editor: `Esc` puts its text into the field and closes it, `^R` reveals or masks
/// a secret, everything else edits the text.
pub(super) fn on_editor_key(
    app: &mut App,
    form: &mut Form,
    mut editor: Box<MultilineEditor>,
    key: KeyEvent,
) -> After {
    let Some(field) = form.fields.get(editor.field) else {
        return After::Stay;
    };
    let action = lookup(EDITOR_KEYS, &key, field, app.readonly).map(|b| b.action);
    match action {
        Some(EditorAction::Done) => {
            let text = editor.area.lines().join("\n");
            let field = &mut form.fields[editor.field];
            if text != field.literal.expose() {
                field.set_literal(Secret::new(text));
            }
            flash(app, format!("{}: edited", field.key), false);
            return After::Stay;
        }
        Some(EditorAction::Reveal) => {
            toggle_reveal(app, form);
            set_mask(&mut editor.area, !form.fields[editor.field].revealed);
        }
        Some(EditorAction::Input) | None => {
            editor.area.input(key);
        }
    }
    After::Open(Layer::Editor(editor))
}

/// The multi-line editor over the form's body `area`.
pub(crate) fn draw_editor(
    frame: &mut Frame<'_>,
    area: Rect,
    form: &Form,
    editor: &MultilineEditor,
    theme: Theme,
) {
    let Some(field) = form.fields.get(editor.field) else {
        return;
    };
    let editor_area = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, editor_area);
    let reveal = if field.secret { " · ^R reveal" } else { "" };
    let title = format!(" {} · Esc done{reveal} ", field.key);
    let block = boxed(&title, theme);
    let text_area = block.inner(editor_area);
    frame.render_widget(block, editor_area);
    frame.render_widget(&editor.area, text_area);
}
