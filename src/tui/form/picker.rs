//! The first step of `n`: a filterable list of the catalog's kinds, by display name, so a new
//! source starts from the right form.

use crate::catalog::{KindSpec, kind_specs};

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
