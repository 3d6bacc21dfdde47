//! Every key of the main screen as data: which action it triggers, how the hint bar and the help
//! describe it, which group the help puts it in, and whether it changes data (those disappear in
//! `--readonly`). Keys, hints and help all come from this one table, so they cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
    Help,
    Quit,
}

/// Sections of the help screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Navigate,
    FindAndSort,
    Inspect,
    Operate,
    General,
}

impl Group {
    pub const ORDER: [Group; 5] = [
        Group::Navigate,
        Group::FindAndSort,
        Group::Inspect,
        Group::Operate,
        Group::General,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Navigate => "Navigate",
            Group::FindAndSort => "Find and sort",
            Group::Inspect => "Inspect and copy",
            Group::Operate => "Operate",
            Group::General => "General",
        }
    }
}

/// One row of the table.
pub struct ActionInfo {
    pub action: Action,
    /// How the key is written in hints and help.
    pub keys: &'static str,
    /// Short label for the hint bar (empty: not in the hint bar).
    pub hint: &'static str,
    pub help: &'static str,
    pub group: Group,
    /// Changes data on the server: hidden and disabled in read-only mode.
    pub mutating: bool,
}

const fn info(
    action: Action,
    keys: &'static str,
    hint: &'static str,
    help: &'static str,
    group: Group,
    mutating: bool,
) -> ActionInfo {
    ActionInfo {
        action,
        keys,
        hint,
        help,
        group,
        mutating,
    }
}

/// The table, in help order.
pub const ACTIONS: &[ActionInfo] = &[
    info(Action::Down, "j ↓", "", "move down", Group::Navigate, false),
    info(Action::Up, "k ↑", "", "move up", Group::Navigate, false),
    info(Action::Top, "g", "", "first row", Group::Navigate, false),
    info(Action::Bottom, "G", "", "last row", Group::Navigate, false),
    info(
        Action::PageDown,
        "PgDn",
        "",
        "page down",
        Group::Navigate,
        false,
    ),
    info(
        Action::PageUp,
        "PgUp",
        "",
        "page up",
        Group::Navigate,
        false,
    ),
    info(
        Action::SwitchFocus,
        "Tab ⏎",
        "detail",
        "list ⇄ detail pane",
        Group::Navigate,
        false,
    ),
    info(
        Action::Filter,
        "/",
        "filter",
        "filter (substring; !x hides x; ⏎ keeps, Esc clears)",
        Group::FindAndSort,
        false,
    ),
    info(
        Action::CommandBar,
        ":",
        "",
        "command: :kind postgresql, :kind, :env NAME, :q",
        Group::FindAndSort,
        false,
    ),
    info(
        Action::CycleSort,
        "s",
        "",
        "sort by name, kind, updated, status",
        Group::FindAndSort,
        false,
    ),
    info(
        Action::Reveal,
        "x",
        "reveal",
        "reveal the secret under the cursor (30 s)",
        Group::Inspect,
        false,
    ),
    info(
        Action::CopyId,
        "y",
        "copy id",
        "copy the id (in the detail pane: the value)",
        Group::Inspect,
        false,
    ),
    info(
        Action::CopyName,
        "Y",
        "",
        "copy the name",
        Group::Inspect,
        false,
    ),
    info(
        Action::Test,
        "t",
        "test",
        "test the selected source",
        Group::Operate,
        false,
    ),
    info(
        Action::TestAll,
        "T",
        "test all",
        "test every source shown (Esc cancels, f retries failures)",
        Group::Operate,
        false,
    ),
    info(
        Action::Refresh,
        "r",
        "refresh",
        "reload the list",
        Group::Operate,
        false,
    ),
    info(
        Action::New,
        "n",
        "new",
        "new source: pick a kind, fill its form",
        Group::Operate,
        true,
    ),
    info(
        Action::Edit,
        "e",
        "edit",
        "edit the selected source's config in a form",
        Group::Operate,
        true,
    ),
    info(
        Action::Delete,
        "d",
        "delete",
        "delete the selected source (asks first)",
        Group::Operate,
        true,
    ),
    info(
        Action::Quit,
        "q Ctrl-C",
        "quit",
        "quit",
        Group::General,
        false,
    ),
    info(
        Action::Help,
        "?",
        "help",
        "this help",
        Group::General,
        false,
    ),
];

/// The action a key triggers on the main screen, if any and if allowed.
pub fn action_for(key: KeyEvent, readonly: bool) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let action = match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        _ if ctrl => return None,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Enter => Action::SwitchFocus,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char(':') => Action::CommandBar,
        KeyCode::Char('s') => Action::CycleSort,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char('t') => Action::Test,
        KeyCode::Char('T') => Action::TestAll,
        KeyCode::Char('d') => Action::Delete,
        KeyCode::Char('n') => Action::New,
        KeyCode::Char('e') => Action::Edit,
        KeyCode::Char('y') => Action::CopyId,
        KeyCode::Char('Y') => Action::CopyName,
        KeyCode::Char('x') => Action::Reveal,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    };
    allowed(action, readonly).then_some(action)
}

/// Whether `action` is available (mutating actions are not in read-only mode).
pub fn allowed(action: Action, readonly: bool) -> bool {
    !(readonly && info_of(action).is_some_and(|info| info.mutating))
}

fn info_of(action: Action) -> Option<&'static ActionInfo> {
    ACTIONS.iter().find(|info| info.action == action)
}

/// The actions available, in table order.
pub fn available(readonly: bool) -> impl Iterator<Item = &'static ActionInfo> {
    ACTIONS
        .iter()
        .filter(move |info| allowed(info.action, readonly))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn vim_keys_and_arrows_agree() {
        assert_eq!(
            action_for(key(KeyCode::Char('j')), false),
            Some(Action::Down)
        );
        assert_eq!(action_for(key(KeyCode::Down), false), Some(Action::Down));
        assert_eq!(action_for(key(KeyCode::Char('k')), false), Some(Action::Up));
        assert_eq!(action_for(key(KeyCode::Up), false), Some(Action::Up));
    }

    #[test]
    fn readonly_removes_mutating_actions_from_keys_and_table() {
        assert_eq!(action_for(key(KeyCode::Char('d')), true), None);
        assert_eq!(
            action_for(key(KeyCode::Char('d')), false),
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
    fn ctrl_c_quits_and_other_control_keys_do_nothing() {
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl('c'), true), Some(Action::Quit));
        assert_eq!(action_for(ctrl('d'), false), None);
    }
}
