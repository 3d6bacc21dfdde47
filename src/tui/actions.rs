//! Every key of the main screen as data: which action it triggers, how the hint bar and the help
//! describe it, which group the help puts it in, and whether it changes data (those disappear in
//! `--readonly`). Keys, hints and help all come from this one table ([`super::keys`]), so they
//! cannot disagree.

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Focus};
use super::keys::{Binding, Key, bind, hints, lookup};

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    SwitchFocus,
    /// Esc: the detail pane back to the list, else the filter cleared.
    Back,
    Filter,
    CommandBar,
    CycleSort,
    Refresh,
    Test,
    TestAll,
    Delete,
    New,
    Edit,
    CopyId,
    CopyName,
    Reveal,
    /// The selected source's audit history.
    History,
    Help,
    Quit,
}

/// The help's sections, in order.
pub const NAVIGATE: &str = "Navigate";
pub const FIND_AND_SORT: &str = "Find and sort";
pub const INSPECT: &str = "Inspect and copy";
pub const OPERATE: &str = "Operate";
pub const GENERAL: &str = "General";

/// What the main table's rows depend on: the focus, which relabels some hints, and whether the
/// credential may open configs (without SECRETS_DECRYPT reveal and edit are gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    pub focus: Focus,
    pub may_open: bool,
}

impl Screen {
    /// The screen as it is for a credential that may do everything (or a server that did not
    /// say).
    pub fn full(focus: Focus) -> Self {
        Self {
            focus,
            may_open: true,
        }
    }

    pub fn of(app: &App) -> Self {
        Self {
            focus: app.focus,
            may_open: app.may_open_configs(),
        }
    }
}

/// One row of the main screen's table.
pub type ActionInfo = Binding<Action, Screen>;

fn in_detail(screen: &Screen) -> bool {
    screen.focus == Focus::Detail
}

fn may_open(screen: &Screen) -> bool {
    screen.may_open
}

fn switch_focus_hint(screen: &Screen) -> Option<&'static str> {
    Some(if in_detail(screen) { "list" } else { "detail" })
}

fn copy_hint(screen: &Screen) -> Option<&'static str> {
    Some(if in_detail(screen) {
        "copy value"
    } else {
        "copy id"
    })
}

/// `x` works anywhere (it says how to reveal), but is hinted only where it reveals.
fn reveal_hint(screen: &Screen) -> Option<&'static str> {
    in_detail(screen).then_some("reveal")
}

/// The table, in help order.
pub const ACTIONS: &[ActionInfo] = &[
    bind(
        Action::Down,
        &[Key::Char('j'), Key::Code(KeyCode::Down)],
        "j ↓",
    )
    .help("move down")
    .group(NAVIGATE),
    bind(Action::Up, &[Key::Char('k'), Key::Code(KeyCode::Up)], "k ↑")
        .help("move up")
        .group(NAVIGATE),
    bind(
        Action::Top,
        &[Key::Char('g'), Key::Code(KeyCode::Home)],
        "g",
    )
    .help("first row")
    .group(NAVIGATE),
    bind(
        Action::Bottom,
        &[Key::Char('G'), Key::Code(KeyCode::End)],
        "G",
    )
    .help("last row")
    .group(NAVIGATE),
    bind(Action::PageDown, &[Key::Code(KeyCode::PageDown)], "PgDn")
        .help("page down")
        .group(NAVIGATE),
    bind(Action::PageUp, &[Key::Code(KeyCode::PageUp)], "PgUp")
        .help("page up")
        .group(NAVIGATE),
    bind(
        Action::SwitchFocus,
        &[
            Key::Code(KeyCode::Tab),
            Key::Code(KeyCode::BackTab),
            Key::Code(KeyCode::Enter),
        ],
        "Tab ⏎",
    )
    .hint_for(switch_focus_hint)
    .help("list ⇄ detail pane")
    .group(NAVIGATE),
    bind(Action::Back, &[Key::Code(KeyCode::Esc)], "Esc")
        .help("back to the list; clears the filter")
        .group(NAVIGATE),
    bind(Action::Filter, &[Key::Char('/')], "/")
        .hint("filter")
        .help("filter (substring; !x hides x; ⏎ keeps, Esc clears)")
        .group(FIND_AND_SORT),
    bind(Action::CommandBar, &[Key::Char(':')], ":")
        .help("command: :kind postgresql, :kind, :env [NAME], :q")
        .group(FIND_AND_SORT),
    bind(Action::CycleSort, &[Key::Char('s')], "s")
        .help("sort by name, kind, updated, status")
        .group(FIND_AND_SORT),
    bind(Action::Reveal, &[Key::Char('x')], "x")
        .when(may_open)
        .hint_for(reveal_hint)
        .help("reveal the secret under the cursor (30 s)")
        .group(INSPECT),
    bind(Action::CopyId, &[Key::Char('y')], "y")
        .hint_for(copy_hint)
        .help("copy the id (in the detail pane: the value)")
        .group(INSPECT),
    bind(Action::CopyName, &[Key::Char('Y')], "Y")
        .help("copy the name")
        .group(INSPECT),
    bind(Action::History, &[Key::Char('h')], "h")
        .help("history: who changed the source, when, which keys")
        .group(INSPECT),
    bind(Action::Test, &[Key::Char('t')], "t")
        .hint("test")
        .help("test the selected source")
        .group(OPERATE),
    bind(Action::TestAll, &[Key::Char('T')], "T")
        .hint("test all")
        .help("test every source shown (Esc cancels, f retries failures)")
        .group(OPERATE),
    bind(Action::Refresh, &[Key::Char('r')], "r")
        .hint("refresh")
        .help("reload the list")
        .group(OPERATE),
    bind(Action::New, &[Key::Char('n')], "n")
        .hint("new")
        .help("new source: pick a kind, fill its form")
        .group(OPERATE)
        .mutating(),
    bind(Action::Edit, &[Key::Char('e')], "e")
        .hint("edit")
        .help("edit the selected source's config in a form")
        .group(OPERATE)
        .when(may_open)
        .mutating(),
    bind(Action::Delete, &[Key::Char('d')], "d")
        .hint("delete")
        .help("delete the selected source (asks first)")
        .group(OPERATE)
        .mutating(),
    bind(Action::Quit, &[Key::Char('q'), Key::Ctrl('c')], "q Ctrl-C")
        .hint("quit")
        .help("quit")
        .group(GENERAL),
    bind(
        Action::Help,
        &[Key::Char('?'), Key::Code(KeyCode::F(1))],
        "?",
    )
    .hint("help")
    .help("this help")
    .group(GENERAL),
];

/// The action a key triggers on the main screen, if any and if allowed.
pub fn action_for(key: KeyEvent, screen: Screen, readonly: bool) -> Option<Action> {
    lookup(ACTIONS, &key, &screen, readonly).map(|info| info.action)
}

/// Whether `action` is available (mutating actions are not in read-only mode).
pub fn allowed(action: Action, readonly: bool) -> bool {
    info_of(action).is_none_or(|info| info.allowed(readonly))
}

fn info_of(action: Action) -> Option<&'static ActionInfo> {
    ACTIONS.iter().find(|info| info.action == action)
}

/// The actions available, in table order.
pub fn available(readonly: bool) -> impl Iterator<Item = &'static ActionInfo> {
    ACTIONS.iter().filter(move |info| info.allowed(readonly))
}

/// The main screen's hint bar.
pub fn main_hints(screen: Screen, readonly: bool) -> Vec<(&'static str, &'static str)> {
    hints(ACTIONS, &screen, readonly)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::shadowed;
    use crossterm::event::KeyModifiers;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows_agree() {
        assert_eq!(
            action_for(key(KeyCode::Char('j')), Screen::full(Focus::List), false),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(key(KeyCode::Down), Screen::full(Focus::List), false),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(key(KeyCode::Char('k')), Screen::full(Focus::List), false),
            Some(Action::Up)
        );
        assert_eq!(
            action_for(key(KeyCode::Up), Screen::full(Focus::List), false),
            Some(Action::Up)
        );
    }

    #[test]
    fn readonly_removes_mutating_actions_from_keys_and_table() {
        assert_eq!(
            action_for(key(KeyCode::Char('d')), Screen::full(Focus::List), true),
            None
        );
        assert_eq!(
            action_for(key(KeyCode::Char('d')), Screen::full(Focus::List), false),
            Some(Action::Delete)
        );
        assert!(available(true).all(|info| !info.mutating));
        assert!(available(false).any(|info| info.action == Action::Delete));
    }

    #[test]
    fn every_action_is_described_once() {
        for info in ACTIONS {
            assert_eq!(
                ACTIONS
                    .iter()
                    .filter(|other| other.action == info.action)
                    .count(),
                1
            );
            assert!(!info.help.is_empty());
        }
    }

    #[test]
    fn every_key_of_the_table_dispatches_to_its_action_in_either_pane() {
        for focus in [Focus::List, Focus::Detail] {
            assert_eq!(
                shadowed(ACTIONS, &Screen::full(focus)),
                Vec::new(),
                "{focus:?}"
            );
            for info in ACTIONS {
                for key in info.keys {
                    assert_eq!(
                        action_for(key.example(), Screen::full(focus), false),
                        Some(info.action),
                        "{key:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_hint_names_a_key_that_triggers_its_action() {
        for readonly in [false, true] {
            for focus in [Focus::List, Focus::Detail] {
                let shown = main_hints(Screen::full(focus), readonly);
                assert!(!shown.is_empty());
                for (hint_key, label) in shown {
                    let info = ACTIONS
                        .iter()
                        .find(|info| info.hint_in(&Screen::full(focus)) == Some((hint_key, label)))
                        .expect("a hint comes from a row");
                    assert_eq!(
                        action_for(info.keys[0].example(), Screen::full(focus), readonly),
                        Some(info.action),
                        "{hint_key} {label}"
                    );
                    assert!(!(readonly && info.mutating), "{label} hidden in read-only");
                }
            }
        }
        let labels = |focus| {
            main_hints(Screen::full(focus), false)
                .into_iter()
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
        };
        assert!(labels(Focus::Detail).contains(&"reveal"));
        assert!(
            !labels(Focus::List).contains(&"reveal"),
            "x is hinted where it reveals"
        );
    }

    #[test]
    fn readonly_disables_every_mutating_key() {
        for info in ACTIONS.iter().filter(|info| info.mutating) {
            for key in info.keys {
                assert_eq!(
                    action_for(key.example(), Screen::full(Focus::List), true),
                    None
                );
            }
        }
        assert!(crate::tui::keys::help(ACTIONS, true).all(|info| !info.mutating));
    }

    #[test]
    fn ctrl_c_quits_and_other_control_keys_do_nothing() {
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(
            action_for(ctrl('c'), Screen::full(Focus::List), true),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(ctrl('d'), Screen::full(Focus::List), false),
            None
        );
    }
}
