//! Key bindings as data. Every screen and layer of the console has one table of [`Binding`]s:
//! which keys trigger which action, when the binding applies, how the hint bar and the help
//! describe it and whether it changes data. Matching ([`lookup`]), the hint bar ([`hints`]), the
//! help ([`help`]) and read-only filtering all read that one table, so they cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key a binding answers to. Shift is part of the character (`G`), so it is not checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A character typed without Ctrl.
    Char(char),
    /// Ctrl plus a character.
    Ctrl(char),
    /// A named key (arrows, Enter, Esc, F1, ...) without Ctrl.
    Code(KeyCode),
    /// Any character typed without Ctrl.
    AnyChar,
    /// Any key at all (what a text input or a "press any key" prompt takes).
    Any,
}

impl Key {
    pub fn matches(self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Key::Char(c) => !ctrl && key.code == KeyCode::Char(c),
            Key::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
            Key::Code(code) => !ctrl && key.code == code,
            Key::AnyChar => !ctrl && matches!(key.code, KeyCode::Char(_)),
            Key::Any => true,
        }
    }

    /// A key press this key matches (tests walk the tables with it).
    pub fn example(self) -> KeyEvent {
        match self {
            Key::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
            Key::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
            Key::AnyChar => KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE),
            Key::Any => KeyEvent::new(KeyCode::Insert, KeyModifiers::NONE),
        }
    }
}

/// One row of a screen's table: `action` on any of `keys`, when `when` holds in the context `C`.
pub struct Binding<A: 'static, C: 'static> {
    pub action: A,
    pub keys: &'static [Key],
    /// How the keys are written in the help (`j ↓`); its first word is the hint bar's key.
    pub shown: &'static str,
    /// The hint bar's label (empty: not in the hint bar).
    pub hint: &'static str,
    /// The help's line (empty: not in the help).
    pub help: &'static str,
    /// The help's section (empty on screens whose help has no sections).
    pub group: &'static str,
    /// Changes data on the server: hidden and disabled in read-only mode.
    pub mutating: bool,
    /// When the binding applies (e.g. only on a choice field); always when `None`.
    pub when: Option<fn(&C) -> bool>,
    /// The hint's label when it depends on the state (`None` from it: not hinted now).
    pub hint_for: Option<fn(&C) -> Option<&'static str>>,
    /// The hint bar's key when it is not the first word of `shown` (`←→`).
    pub hint_key: Option<&'static str>,
}

/// A binding with no hint, no help line and no condition; the builder methods add them.
pub const fn bind<A, C>(action: A, keys: &'static [Key], shown: &'static str) -> Binding<A, C> {
    Binding {
        action,
        keys,
        shown,
        hint: "",
        help: "",
        group: "",
        mutating: false,
        when: None,
        hint_for: None,
        hint_key: None,
    }
}

impl<A, C> Binding<A, C> {
    pub const fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }

    pub const fn group(mut self, group: &'static str) -> Self {
        self.group = group;
        self
    }

    pub const fn mutating(mut self) -> Self {
        self.mutating = true;
        self
    }

    pub const fn when(mut self, when: fn(&C) -> bool) -> Self {
        self.when = Some(when);
        self
    }

    pub const fn hint_for(mut self, hint_for: fn(&C) -> Option<&'static str>) -> Self {
        self.hint_for = Some(hint_for);
        self
    }

    pub const fn hint_key(mut self, key: &'static str) -> Self {
        self.hint_key = Some(key);
        self
    }

    /// Whether the binding applies in `context`.
    pub fn applies(&self, context: &C) -> bool {
        self.when.is_none_or(|when| when(context))
    }

    /// Whether the binding is available (mutating ones are not in read-only mode).
    pub fn allowed(&self, readonly: bool) -> bool {
        !(readonly && self.mutating)
    }

    /// Whether one of the binding's keys is `key`.
    pub fn answers(&self, key: &KeyEvent) -> bool {
        self.keys.iter().any(|candidate| candidate.matches(key))
    }

    /// The hint bar's (key, label) in `context`, if the binding is hinted there.
    pub fn hint_in(&self, context: &C) -> Option<(&'static str, &'static str)> {
        let label = match self.hint_for {
            Some(hint_for) => hint_for(context)?,
            None => self.hint,
        };
        if label.is_empty() {
            return None;
        }
        let key = self
            .hint_key
            .unwrap_or_else(|| self.shown.split(' ').next().unwrap_or(self.shown));
        Some((key, label))
    }
}

/// The binding `key` triggers in `context`: the first one that answers to it and applies. A
/// mutating one in read-only mode triggers nothing (it does not fall through to a later row).
pub fn lookup<'t, A, C>(
    table: &'t [Binding<A, C>],
    key: &KeyEvent,
    context: &C,
    readonly: bool,
) -> Option<&'t Binding<A, C>> {
    table
        .iter()
        .find(|binding| binding.answers(key) && binding.applies(context))
        .filter(|binding| binding.allowed(readonly))
}

/// The hint bar of a screen: (key, label) of each binding hinted in `context`, in table order.
pub fn hints<A, C>(
    table: &[Binding<A, C>],
    context: &C,
    readonly: bool,
) -> Vec<(&'static str, &'static str)> {
    table
        .iter()
        .filter(|binding| binding.allowed(readonly) && binding.applies(context))
        .filter_map(|binding| binding.hint_in(context))
        .collect()
}

/// The help of a screen: each binding with a help line, in table order.
pub fn help<A, C>(table: &[Binding<A, C>], readonly: bool) -> impl Iterator<Item = &Binding<A, C>> {
    table
        .iter()
        .filter(move |binding| binding.allowed(readonly) && !binding.help.is_empty())
}

/// The help of a screen whose rows depend on its state: each binding with a help line that
/// applies in `context` (a key the state has taken away is not offered).
pub fn help_in<'t, A, C>(
    table: &'t [Binding<A, C>],
    context: &'t C,
    readonly: bool,
) -> impl Iterator<Item = &'t Binding<A, C>> {
    help(table, readonly).filter(move |binding| binding.applies(context))
}

/// For tests walking a table: every key of every binding that applies in `context` triggers that
/// binding, unless an earlier applicable row takes the same key first (listed in the result so a
/// test can say which shadowing it expects).
/// How a prompt answers a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Yes, save, load, add.
    Confirm,
    /// No, back, cancel, close.
    Dismiss,
    /// The key edits the prompt's one-line input.
    Edit,
}

/// A one-line input (a file path, a key name, the `:` command): shared by the layers that have one.
pub const LINE_KEYS: &[Binding<Answer, ()>] = &[
    bind(Answer::Dismiss, &[Key::Code(KeyCode::Esc)], "Esc").help("cancel"),
    bind(Answer::Confirm, &[Key::Code(KeyCode::Enter)], "⏎").help("confirm"),
    bind(Answer::Edit, &[Key::Any], "type").help("edit the line"),
];

#[cfg(test)]
pub fn shadowed<A: Copy + PartialEq + std::fmt::Debug, C>(
    table: &[Binding<A, C>],
    context: &C,
) -> Vec<(A, Key)> {
    let mut shadowed = Vec::new();
    for binding in table.iter().filter(|binding| binding.applies(context)) {
        for key in binding.keys {
            let found = lookup(table, &key.example(), context, false).map(|found| found.action);
            if found != Some(binding.action) {
                shadowed.push((binding.action, *key));
            }
        }
    }
    shadowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Act {
        Save,
        Delete,
        Type,
    }

    const TABLE: &[Binding<Act, bool>] = &[
        bind(Act::Save, &[Key::Ctrl('s')], "^S").hint("save"),
        bind(Act::Delete, &[Key::Char('d')], "d")
            .hint("delete")
            .mutating()
            .when(|on| *on),
        bind(Act::Type, &[Key::AnyChar], "type").help("type text"),
    ];

    #[test]
    fn the_first_applicable_row_wins_and_read_only_stops_a_mutating_one() {
        let d = Key::Char('d').example();
        let action = |on: bool, readonly| lookup(TABLE, &d, &on, readonly).map(|b| b.action);
        assert_eq!(action(true, false), Some(Act::Delete));
        assert_eq!(action(false, false), Some(Act::Type), "not applicable");
        assert_eq!(action(true, true), None, "read-only: no fall-through");
        assert_eq!(
            hints(TABLE, &true, false),
            [("^S", "save"), ("d", "delete")]
        );
        assert_eq!(hints(TABLE, &true, true), [("^S", "save")]);
        assert_eq!(help(TABLE, false).count(), 1);
        assert_eq!(shadowed(TABLE, &true), Vec::new());
    }

    #[test]
    fn ctrl_is_part_of_the_key_and_shift_is_not() {
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert!(Key::Char('G').matches(&shifted));
        assert!(!Key::Char('s').matches(&Key::Ctrl('s').example()));
        assert!(!Key::AnyChar.matches(&Key::Ctrl('s').example()));
        assert!(
            !Key::Code(KeyCode::Down).matches(&KeyEvent::new(KeyCode::Down, KeyModifiers::CONTROL))
        );
        assert!(Key::Any.matches(&Key::Ctrl('x').example()));
    }
}
