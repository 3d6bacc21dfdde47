//! The layer stack: keys go to the top layer only, each layer's Esc closes it, Ctrl-C over a
//! changed form asks first from any layer above it, and drawing goes bottom-up.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::Kind;
use crate::domain::secret_ref::SecretStore;
use crate::tui::app::App;
use crate::tui::fixtures::{local_app, render};
use crate::tui::form::{Form, Prompt};
use crate::tui::layer::Layer;
use crate::tui::msg::{Command, Msg};

use super::update;

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

#[test]
fn keys_go_to_the_top_layer_only_and_esc_closes_it() {
    let mut app = local_app("default", false);
    press(&mut app, KeyCode::Char('/'));
    assert!(matches!(app.top(), Some(Layer::Filter)));
    // `:` and `?` are text while the filter is typed, not the command bar or the help.
    for c in ":?x".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert_eq!(app.filter.text, ":?x");
    assert_eq!(app.layers.len(), 1);
    press(&mut app, KeyCode::Enter);
    assert!(
        app.layers.is_empty(),
        "⏎ keeps the filter and closes its layer"
    );
    assert_eq!(app.filter.text, ":?x");

    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Char('j'));
    assert!(
        matches!(app.top(), Some(Layer::Help { scroll: 1 })),
        "j scrolls the help"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.layers.is_empty());
    assert_eq!(
        app.filter.text, ":?x",
        "Esc went to the help, not the filter"
    );
}

#[test]
fn ctrl_c_over_a_changed_form_asks_first_from_any_layer_above_it() {
    let mut app = local_app("default", false);
    let form = Form::new_source(Kind::Postgresql, Some(SecretStore::Local)).expect("a kind");
    app.layers.push(Layer::Form(Box::new(form)));
    press(&mut app, KeyCode::Char('o'));
    assert!(app.form().is_some_and(|form| form.is_dirty()));
    press(&mut app, KeyCode::F(1));
    assert_eq!(app.prompt(), Some(&Prompt::Help));

    assert!(ctrl(&mut app, 'c').is_empty(), "no quit yet");
    assert_eq!(app.prompt(), Some(&Prompt::Discard), "the help gave way");
    assert_eq!(app.layers.len(), 2, "form and question");
    assert!(!app.quit);
    assert_eq!(ctrl(&mut app, 'c'), vec![Command::Quit]);
    assert!(app.quit);

    // A clean form quits at once.
    let mut app = local_app("default", false);
    let form = Form::new_source(Kind::Postgresql, Some(SecretStore::Local)).expect("a kind");
    app.layers.push(Layer::Form(Box::new(form)));
    assert_eq!(ctrl(&mut app, 'c'), vec![Command::Quit]);
}

#[test]
fn layers_are_drawn_bottom_up() {
    let mut app = local_app("default", false);
    app.filter.text = "orders".into();
    app.layers.push(Layer::Filter);
    app.layers.push(Layer::Help { scroll: 0 });
    let screen = render(&app, 100, 40);
    assert!(
        screen.contains("/orders"),
        "the filter line under the help\n{screen}"
    );
    assert!(screen.contains("Help · j/k scroll"), "{screen}");

    let mut app = local_app("default", false);
    let form = Form::new_source(Kind::Postgresql, Some(SecretStore::Local)).expect("a kind");
    app.layers.push(Layer::Help { scroll: 0 });
    app.layers.push(Layer::Form(Box::new(form)));
    app.layers.push(Layer::Prompt(Prompt::Discard));
    let screen = render(&app, 100, 30);
    assert!(screen.contains("New PostgreSQL source"), "{screen}");
    assert!(
        screen.contains("Leave the form?"),
        "the prompt over the form\n{screen}"
    );
    assert!(
        !screen.contains("Help · j/k scroll"),
        "a layer under the form is hidden by it\n{screen}"
    );
}
