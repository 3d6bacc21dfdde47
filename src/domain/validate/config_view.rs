//! A config seen through the catalog (which canonical keys are set, directly or by an alias, and
//! whether a boolean is on), so every warning rule asks the same questions the same way.

use std::collections::BTreeMap;

use crate::catalog::KindSpec;
use crate::domain::value::ValueView;

/// A config seen through the catalog: which canonical keys are set, and which given names are
/// unknown or aliases.
pub(super) struct Config<'a> {
    spec: &'static KindSpec,
    /// The entries by given name (the last one wins when a name repeats).
    pub(super) given: BTreeMap<&'a str, ValueView<'a>>,
}

impl<'a> Config<'a> {
    pub(super) fn new(
        spec: &'static KindSpec,
        entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
    ) -> Self {
        Self {
            spec,
            given: entries.into_iter().collect(),
        }
    }

    /// The entries given for a canonical key: under its own name first, then its aliases.
    fn values_of(&self, canonical: &str) -> Vec<ValueView<'a>> {
        let names: Vec<&str> = match self.spec.key(canonical) {
            Some(key) => key.names().collect(),
            None => vec![canonical],
        };
        names
            .into_iter()
            .filter_map(|name| self.given.get(name).copied())
            .collect()
    }

    /// A key is set when given (under its name or an alias) as a non-blank literal or as a link.
    pub(super) fn is_set(&self, canonical: &str) -> bool {
        self.values_of(canonical)
            .into_iter()
            .any(|value| match value {
                ValueView::Literal(text) => !text.trim().is_empty(),
                ValueView::Linked(_) => true,
            })
    }

    /// Whether a boolean key is on: its literal value, else its catalog default. `None` when the
    /// value is linked (unknown here) or malformed.
    pub(super) fn is_on(&self, canonical: &str) -> Option<bool> {
        let key = self.spec.key(canonical)?;
        let literal = self
            .values_of(canonical)
            .into_iter()
            .find_map(|value| match value {
                ValueView::Literal(text) if !text.trim().is_empty() => Some(Some(text)),
                ValueView::Literal(_) => None,
                ValueView::Linked(_) => Some(None),
            });
        match literal {
            Some(Some(text)) => key.parse_bool(text),
            Some(None) => None,
            None => key.default.as_deref().and_then(|text| key.parse_bool(text)),
        }
    }
}
