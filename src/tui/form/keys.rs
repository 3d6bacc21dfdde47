//! The form's key table. It drives the reducer's matching, the hint bar and the form's help, so
//! a key that works is hinted where it works (`^F` on every field that takes a file) and the help
//! lists exactly the keys there are. The layers the form opens keep their tables beside their
//! state: [`super::prompt`], [`super::editor`], [`super::picker`].

use crossterm::event::KeyCode;

use crate::tui::keys::{Binding, Key, bind};

use super::field::{Field, Original};
use super::model::{Form, Slot};

/// What a key does in the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormAction {
    /// Moves the cursor by this many rows.
    Move(isize),
    Help,
    ToggleOptional,
    AddKey,
    /// Cycles a choice (backwards on ←).
    Choose,
    Type,
    Backspace,
    Enter,
    Reveal,
    Link,
    KeepOrClear,
    Empty,
    LoadFile,
    Editor,
    Save,
    Test,
    Leave,
}

fn current_field(form: &Form) -> Option<&Field> {
    form.current_field().map(|index| &form.fields[index])
}

fn on_choice(form: &Form) -> bool {
    current_field(form).is_some_and(Field::is_choice)
}

/// `?` can never be part of a name, a toggle or a choice, so there it asks for help.
fn question_asks_help(form: &Form) -> bool {
    matches!(
        form.current(),
        Slot::Name | Slot::OptionalToggle | Slot::AddCustom
    ) || on_choice(form)
}

fn on_toggle(form: &Form) -> bool {
    form.current() == Slot::OptionalToggle
}

fn on_add_custom(form: &Form) -> bool {
    form.current() == Slot::AddCustom
}

fn enter_hint(form: &Form) -> Option<&'static str> {
    current_field(form)
        .is_some_and(Field::is_multiline)
        .then_some("edit")
}

fn reveal_hint(form: &Form) -> Option<&'static str> {
    current_field(form)
        .is_some_and(|field| field.secret && !field.linked)
        .then_some("reveal")
}

fn link_hint(form: &Form) -> Option<&'static str> {
    current_field(form).map(|field| if field.linked { "literal" } else { "link" })
}

fn keep_hint(form: &Form) -> Option<&'static str> {
    match current_field(form)?.original {
        Original::Absent => None,
        Original::SecretConfigured => Some("keep/clear"),
        _ => Some("keep"),
    }
}

fn file_hint(form: &Form) -> Option<&'static str> {
    current_field(form)
        .is_some_and(Field::accepts_file)
        .then_some("file")
}

/// The form's table, in help order (which is also the hint bar's order).
pub const FORM_KEYS: &[Binding<FormAction, Form>] = &[
    bind(
        FormAction::Move(-1),
        &[Key::Code(KeyCode::Up), Key::Code(KeyCode::BackTab)],
        "↑ ↓ Tab",
    )
    .help("move between keys"),
    bind(
        FormAction::Move(1),
        &[Key::Code(KeyCode::Down), Key::Code(KeyCode::Tab)],
        "↓",
    ),
    bind(FormAction::Move(-10), &[Key::Code(KeyCode::PageUp)], "PgUp"),
    bind(
        FormAction::Move(10),
        &[Key::Code(KeyCode::PageDown)],
        "PgDn",
    ),
    bind(FormAction::Help, &[Key::Char('?')], "?").when(question_asks_help),
    bind(FormAction::ToggleOptional, &[Key::Char(' ')], "space").when(on_toggle),
    bind(FormAction::AddKey, &[Key::Char(' ')], "space").when(on_add_custom),
    bind(FormAction::Choose, &[Key::Char(' ')], "space").when(on_choice),
    bind(FormAction::Type, &[Key::AnyChar], "type").help("edit the value (secrets are masked)"),
    bind(FormAction::Backspace, &[Key::Code(KeyCode::Backspace)], "⌫"),
    bind(
        FormAction::Choose,
        &[Key::Code(KeyCode::Left), Key::Code(KeyCode::Right)],
        "← → space",
    )
    .when(on_choice)
    .hint("choose")
    .hint_key("←→")
    .help("choose a boolean or enum value"),
    bind(FormAction::Enter, &[Key::Code(KeyCode::Enter)], "⏎")
        .hint_for(enter_hint)
        .help("next key; opens the editor for multi-line values"),
    bind(FormAction::Reveal, &[Key::Ctrl('r')], "^R")
        .hint_for(reveal_hint)
        .help("reveal or mask the secret being typed"),
    bind(FormAction::Link, &[Key::Ctrl('l')], "^L")
        .hint_for(link_hint)
        .help("link the key to a secret, offered by name (⇄ literal)"),
    bind(FormAction::KeepOrClear, &[Key::Ctrl('k')], "^K")
        .hint_for(keep_hint)
        .help("keep as saved; on a configured secret: clear it"),
    bind(FormAction::Empty, &[Key::Ctrl('u')], "^U").help("empty the value"),
    bind(FormAction::LoadFile, &[Key::Ctrl('f')], "^F")
        .hint_for(file_hint)
        .help("load a file (base64 keys: encoded)"),
    bind(FormAction::Editor, &[Key::Ctrl('e')], "^E").help("open the multi-line editor"),
    bind(FormAction::ToggleOptional, &[Key::Ctrl('o')], "^O")
        .help("show or hide the optional keys"),
    bind(FormAction::AddKey, &[Key::Ctrl('a')], "^A").help("add a key the catalog does not list"),
    bind(FormAction::Save, &[Key::Ctrl('s')], "^S")
        .hint("save")
        .help("review the changes, then save"),
    bind(FormAction::Test, &[Key::Ctrl('t')], "^T")
        .hint("test")
        .help("test the draft without saving"),
    bind(FormAction::Leave, &[Key::Code(KeyCode::Esc)], "Esc")
        .hint("leave")
        .help("leave (asks when something changed)"),
    bind(FormAction::Help, &[Key::Code(KeyCode::F(1))], "F1 ?")
        .hint("help")
        .help("this help (? on the name or a choice)"),
];
