//! Walks every key table of the console: each binding's keys trigger its action wherever it
//! applies, every hint names a key that does what the hint says, and read-only mode hides and
//! disables the mutating ones, so matching, hints and help cannot drift apart.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::catalog::kind_specs;
use crate::domain::secret_ref::SecretStore;
use crate::tui::actions::{ACTIONS, Screen};
use crate::tui::app::{App, ConfirmDelete, Focus, TestAll};
use crate::tui::fixtures::local_app;
use crate::tui::form::editor::EDITOR_KEYS;
use crate::tui::form::keys::{FORM_KEYS, FormAction};
use crate::tui::form::link::LINK_KEYS;
use crate::tui::form::picker::PICKER_KEYS;
use crate::tui::form::prompt::{DISCARD_KEYS, FORM_HELP_KEYS, REVIEW_KEYS};
use crate::tui::form::{Form, Prompt, Slot};
use crate::tui::keys::LINE_KEYS;
use crate::tui::keys::{Binding, Key, hints, lookup, shadowed};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Msg};

use super::update;
use crate::tui::overlay::confirm_delete::CONFIRM_KEYS;
use crate::tui::overlay::env_picker::ENV_PICKER_KEYS;
use crate::tui::overlay::filter::FILTER_KEYS;
use crate::tui::overlay::help::HELP_KEYS;
use crate::tui::overlay::history::HISTORY_KEYS;
use crate::tui::overlay::test_all::{TEST_ALL_KEYS, TestAllAction};

/// Every hint shown in `context` comes from a row whose first key triggers that row's action.
fn assert_hints_are_matched<A: Copy + PartialEq + std::fmt::Debug, C>(
    table: &[Binding<A, C>],
    context: &C,
    readonly: bool,
) {
    for (hint_key, label) in hints(table, context, readonly) {
        let binding = table
            .iter()
            .find(|binding| {
                binding.applies(context) && binding.hint_in(context) == Some((hint_key, label))
            })
            .expect("a hint comes from a row");
        let found = lookup(table, &binding.keys[0].example(), context, readonly).map(|b| b.action);
        assert_eq!(found, Some(binding.action), "hint {hint_key} {label}");
    }
}

/// A form of every catalog kind with the cursor on each of its rows (optional keys shown).
fn every_form_row() -> Vec<Form> {
    let mut forms = Vec::new();
    for spec in kind_specs() {
        let Some(mut form) = Form::new_source(spec.kind, Some(SecretStore::Local)) else {
            continue;
        };
        form.show_optional = true;
        for slot in form.slots() {
            let mut at = Form::new_source(spec.kind, Some(SecretStore::Local)).expect("same kind");
            at.show_optional = true;
            at.focus(slot);
            forms.push(at);
        }
        // The same rows with each key linked to a secret.
        for index in 0..form.fields.len() {
            let mut linked =
                Form::new_source(spec.kind, Some(SecretStore::Local)).expect("same kind");
            linked.show_optional = true;
            linked.fields[index].toggle_linked();
            linked.focus(Slot::Field(index));
            forms.push(linked);
        }
    }
    forms
}

#[test]
fn the_main_table_and_its_overlays_answer_each_key_with_its_action() {
    for focus in [Focus::List, Focus::Detail] {
        for may_open in [true, false] {
            let screen = Screen { focus, may_open };
            assert_eq!(shadowed(ACTIONS, &screen), Vec::new());
            for readonly in [false, true] {
                assert_hints_are_matched(ACTIONS, &screen, readonly);
            }
        }
    }
    assert_eq!(shadowed(HELP_KEYS, &()), Vec::new());
    assert_eq!(shadowed(HISTORY_KEYS, &()), Vec::new());
    assert_eq!(shadowed(ENV_PICKER_KEYS, &()), Vec::new());
    assert_eq!(shadowed(LINK_KEYS, &()), Vec::new());
    assert_eq!(shadowed(FILTER_KEYS, &()), Vec::new());
    assert_eq!(shadowed(LINE_KEYS, &()), Vec::new());
    for typed in [None, Some(String::new())] {
        let confirm = ConfirmDelete {
            id: "id".into(),
            name: "orders".into(),
            typed,
            delete_chosen: false,
        };
        assert_eq!(shadowed(CONFIRM_KEYS, &confirm), Vec::new());
    }
    let mut state = TestAll {
        sources: Vec::new(),
        running: BTreeMap::new(),
        cancelled: false,
        scroll: 0,
    };
    assert_eq!(shadowed(TEST_ALL_KEYS, &state), Vec::new());
    state.running.insert("id".into(), 1);
    assert_eq!(
        shadowed(TEST_ALL_KEYS, &state),
        [
            (TestAllAction::Close, Key::Code(KeyCode::Esc)),
            (TestAllAction::Close, Key::Char('q')),
        ],
        "while tests run, Esc and q cancel them instead of closing"
    );
}

#[test]
fn the_form_tables_answer_each_key_with_its_action_on_every_row_of_every_kind() {
    let forms = every_form_row();
    assert!(forms.len() > 100, "{} rows", forms.len());
    for form in &forms {
        assert_eq!(
            shadowed(FORM_KEYS, form),
            Vec::new(),
            "{:?}",
            form.current()
        );
        assert_hints_are_matched(FORM_KEYS, form, false);
        for field in &form.fields {
            assert_eq!(shadowed(EDITOR_KEYS, field), Vec::new());
            assert_hints_are_matched(EDITOR_KEYS, field, false);
        }
    }
    for table in [DISCARD_KEYS, REVIEW_KEYS, LINE_KEYS, FORM_HELP_KEYS] {
        assert_eq!(shadowed(table, &()), Vec::new());
    }
    assert_eq!(shadowed(PICKER_KEYS, &()), Vec::new());
}

#[test]
fn ctrl_f_is_hinted_on_every_field_it_loads_a_file_into_and_nowhere_else() {
    let mut hinted_on_text = false;
    for form in every_form_row() {
        let hinted = hints(FORM_KEYS, &form, false).contains(&("^F", "file"));
        let accepts = form
            .current_field()
            .is_some_and(|index| form.fields[index].accepts_file());
        assert_eq!(hinted, accepts, "{:?}", form.current());
        hinted_on_text |= hinted
            && form.current_field().is_some_and(|index| {
                form.fields[index].value_type() == crate::catalog::ValueType::Text
            });
    }
    assert!(hinted_on_text, "text fields take files too, and now say so");
}

fn form_of(app: &App) -> &Form {
    app.form()
        .unwrap_or_else(|| panic!("no form open: {:?}", app.layers))
}

#[test]
fn each_hinted_form_key_does_what_its_hint_says_through_the_reducer() {
    let mut app = local_app("default", false);
    let form = Form::new_source(crate::domain::Kind::Postgresql, Some(SecretStore::Local))
        .expect("a catalog kind");
    let host = form.field_index("PGHOST").expect("PGHOST");
    app.layers.push(Layer::Form(Box::new(form)));
    if let Some(form) = app.form_mut() {
        form.focus(Slot::Field(host));
    }
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    // ^F on a text field: the file prompt.
    update(&mut app, ctrl('f'));
    assert!(matches!(
        app.prompt().cloned(),
        Some(Prompt::LoadFile { encode: false, .. })
    ));
    update(&mut app, Msg::Key(Key::Code(KeyCode::Esc).example()));
    // ^L link, then ^L literal.
    update(&mut app, ctrl('l'));
    assert!(form_of(&app).fields[host].linked);
    assert!(hints(FORM_KEYS, form_of(&app), false).contains(&("^L", "literal")));
    update(&mut app, ctrl('l'));
    assert!(!form_of(&app).fields[host].linked);
    // F1 help, any key closes it.
    update(&mut app, Msg::Key(Key::Code(KeyCode::F(1)).example()));
    assert_eq!(app.prompt().cloned(), Some(Prompt::Help));
    update(&mut app, Msg::Key(Key::Char('x').example()));
    assert_eq!(app.prompt().cloned(), None);
    assert!(
        FORM_KEYS
            .iter()
            .any(|b| b.action == FormAction::LoadFile && !b.help.is_empty())
    );
}

#[test]
fn read_only_hides_and_disables_every_mutating_key_through_the_reducer() {
    for info in ACTIONS.iter().filter(|info| info.mutating) {
        for key in info.keys {
            let mut app = local_app("default", true);
            let commands = update(&mut app, Msg::Key(key.example()));
            assert!(
                commands.iter().all(|c| !matches!(c, Command::Send { .. })),
                "{key:?}: {commands:?}"
            );
            assert!(!app.form_screen_open(), "{key:?} opened a form");
            assert!(
                !matches!(app.top(), Some(Layer::ConfirmDelete(_))),
                "{key:?} asked to delete"
            );
        }
        for focus in [Focus::List, Focus::Detail] {
            assert!(
                !hints(ACTIONS, &Screen::full(focus), true)
                    .iter()
                    .any(|(_, label)| *label == info.hint && !info.hint.is_empty()),
                "{} hinted in read-only",
                info.hint
            );
        }
    }
    let mut app = local_app("default", false);
    update(&mut app, Msg::Key(Key::Char('n').example()));
    assert!(
        matches!(app.top(), Some(Layer::PickKind(_))),
        "n works when writable"
    );
}
