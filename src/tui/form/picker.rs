//! The first step of `n`: a filterable list of the catalog's kinds, by display name, so a new
//! source starts from the right form. Its state, its key table and handler, and its drawing.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::catalog::{KindSpec, kind_specs};
use crate::tui::app::App;
use crate::tui::keys::{Binding, Key, bind, lookup};
use crate::tui::layer::Layer;
use crate::tui::msg::Command;
use crate::tui::theme::Theme;
use crate::tui::view::fit;
use crate::tui::view::popup::popup;

use super::model::Form;

/// The kind picker's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindPicker {
    /// Typed to narrow the list (display name or SDK name, any case).
    pub filter: String,
    /// Index into [`KindPicker::matches`].
    pub selected: usize,
}

impl KindPicker {
    /// The kinds the filter lets through, in catalog order.
    pub fn matches(&self) -> Vec<&'static KindSpec> {
        let needle = self.filter.trim().to_lowercase();
        kind_specs()
            .iter()
            .filter(|spec| {
                needle.is_empty()
                    || spec.display_name.to_lowercase().contains(&needle)
                    || spec.kind.sdk_name().to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// The kind under the cursor.
    pub fn chosen(&self) -> Option<&'static KindSpec> {
        self.matches().get(self.selected).copied()
    }

    pub fn move_cursor(&mut self, delta: isize) {
        let len = self.matches().len();
        if len == 0 {
            self.selected = 0;
            return;
        }
        self.selected = (self.selected as isize + delta).clamp(0, len as isize - 1) as usize;
    }

    pub fn type_char(&mut self, c: char) {
        self.filter.push(c);
        self.selected = 0;
    }

    pub fn backspace(&mut self) {
        self.filter.pop();
        self.selected = 0;
    }
}

/// What a key does in the kind picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerAction {
    Quit,
    Cancel,
    Open,
    Up,
    Down,
    Backspace,
    Type,
}

/// The kind picker's table.
pub const PICKER_KEYS: &[Binding<PickerAction, ()>] = &[
    bind(PickerAction::Quit, &[Key::Ctrl('c')], "^C").help("quit"),
    bind(PickerAction::Cancel, &[Key::Code(KeyCode::Esc)], "Esc").help("cancel"),
    bind(PickerAction::Open, &[Key::Code(KeyCode::Enter)], "⏎").help("open its form"),
    bind(PickerAction::Up, &[Key::Code(KeyCode::Up)], "↑").help("choose"),
    bind(
        PickerAction::Down,
        &[Key::Code(KeyCode::Down), Key::Code(KeyCode::Tab)],
        "↓ Tab",
    )
    .help("choose"),
    bind(
        PickerAction::Backspace,
        &[Key::Code(KeyCode::Backspace)],
        "⌫",
    )
    .help("widen the list"),
    bind(PickerAction::Type, &[Key::AnyChar], "type").help("filter"),
];

pub(crate) fn on_picker_key(app: &mut App, mut picker: KindPicker, key: KeyEvent) -> Vec<Command> {
    let action = lookup(PICKER_KEYS, &key, &(), app.readonly).map(|binding| binding.action);
    match action {
        Some(PickerAction::Quit) => {
            app.quit = true;
            return vec![Command::Quit];
        }
        Some(PickerAction::Cancel) => return Vec::new(),
        Some(PickerAction::Open) => {
            if let Some(spec) = picker.chosen() {
                return match Form::new_source(spec.kind, app.known_store()) {
                    Some(form) => super::update::open_form(app, form),
                    None => Vec::new(),
                };
            }
        }
        Some(PickerAction::Up) => picker.move_cursor(-1),
        Some(PickerAction::Down) => picker.move_cursor(1),
        Some(PickerAction::Backspace) => picker.backspace(),
        Some(PickerAction::Type) => {
            if let KeyCode::Char(c) = key.code {
                picker.type_char(c);
            }
        }
        None => {}
    }
    app.layers.push(Layer::PickKind(picker));
    Vec::new()
}

/// The kind picker over the main screen.
pub(crate) fn draw_picker(frame: &mut Frame<'_>, picker: &KindPicker, theme: Theme) {
    let matches = picker.matches();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("kind: ", theme.dim()),
            Span::raw(picker.filter.clone()),
            Span::styled("▏", theme.dim()),
        ]),
        Line::from(""),
    ];
    if matches.is_empty() {
        lines.push(Line::from(Span::styled(
            "no kind matches; Backspace widens the list",
            theme.warning(),
        )));
    }
    for (position, spec) in matches.iter().enumerate() {
        let selected = position == picker.selected;
        let style = if selected {
            theme.selected(true)
        } else {
            theme.plain()
        };
        lines.push(Line::from(vec![
            Span::raw(if selected { "› " } else { "  " }),
            Span::styled(fit(&spec.display_name, 24), style),
            Span::styled(spec.kind.sdk_name().to_string(), theme.dim()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "type to filter · ↑↓ choose · ⏎ opens its form · Esc cancels",
        theme.dim(),
    )));
    popup(
        frame,
        frame.area(),
        64,
        " New source: pick a kind ",
        lines,
        theme,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_fifteen_kinds_and_filters_by_display_or_sdk_name() {
        let mut picker = KindPicker::default();
        assert_eq!(picker.matches().len(), 15);
        for c in "snow".chars() {
            picker.type_char(c);
        }
        let names: Vec<&str> = picker
            .matches()
            .iter()
            .map(|s| s.display_name.as_str())
            .collect();
        assert_eq!(names, ["Snowflake"]);
        picker.filter = "POSTGRES".into();
        assert_eq!(
            picker.chosen().map(|s| s.kind.sdk_name()),
            Some("POSTGRESQL")
        );
        picker.filter = "amazon".into();
        assert_eq!(picker.matches().len(), 3, "DynamoDB, Kinesis, Redshift");
        picker.move_cursor(10);
        assert_eq!(picker.selected, picker.matches().len() - 1);
        picker.filter = "zzz".into();
        assert!(picker.chosen().is_none());
    }
}
