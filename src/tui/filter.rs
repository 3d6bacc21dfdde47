//! Which rows the list shows and in what order: the `/` filter (substring of name or kind, `!`
//! inverts), the `:kind` filter and the sort. Pure and allocation-light, because it runs on every
//! keystroke over up to tens of thousands of rows.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::domain::Kind;
use crate::proto::Integration;

use super::app::{SortKey, TestStatus};

/// The parsed `/` filter: lower-cased needle and whether it is inverted.
pub struct Needle {
    text: String,
    inverted: bool,
}

impl Needle {
    pub fn parse(filter: &str) -> Self {
        let (inverted, text) = match filter.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, filter),
        };
        Self {
            text: text.trim().to_lowercase(),
            inverted,
        }
    }

    /// Whether `integration` passes. An empty needle passes everything (inverted or not).
    pub fn matches(&self, integration: &Integration) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let name = integration.name.as_deref().unwrap_or_default();
        let hit = contains_ignore_case(name, &self.text)
            || Kind::from_wire(integration.kind).is_some_and(|kind| {
                contains_ignore_case(kind.sdk_name(), &self.text)
                    || contains_ignore_case(kind.display_name(), &self.text)
            });
        hit != self.inverted
    }
}

/// ASCII-case-insensitive substring test without allocating (`needle` already lower-case).
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    if needle.len() > haystack.len() {
        return false;
    }
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// Rank of a test status for the status sort: failures first, then running, passed, untested.
fn status_rank(status: Option<&TestStatus>) -> u8 {
    match status {
        Some(TestStatus::Done(result)) if !result.success => 0,
        Some(TestStatus::Running { .. }) => 1,
        Some(TestStatus::Done(_)) => 2,
        None => 3,
    }
}

fn name_of(integration: &Integration) -> &str {
    integration.name.as_deref().unwrap_or_default()
}

fn updated_of(integration: &Integration) -> (i64, i32) {
    integration
        .updated_at
        .as_ref()
        .map_or((0, 0), |ts| (ts.seconds, ts.nanos))
}

/// Indexes of the rows to show, filtered and sorted.
pub fn visible_rows(
    integrations: &[Integration],
    filter: &str,
    kind: Option<Kind>,
    sort: SortKey,
    tests: &HashMap<String, TestStatus>,
) -> Vec<usize> {
    let needle = Needle::parse(filter);
    let kind_wire = kind.map(|kind| kind.to_wire() as i32);
    let mut rows: Vec<usize> = integrations
        .iter()
        .enumerate()
        .filter(|(_, integration)| kind_wire.is_none_or(|wire| integration.kind == wire))
        .filter(|(_, integration)| needle.matches(integration))
        .map(|(index, _)| index)
        .collect();
    let by_name = |a: &Integration, b: &Integration| {
        name_of(a)
            .to_lowercase()
            .cmp(&name_of(b).to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    };
    let order = |a: &usize, b: &usize| -> Ordering {
        let (a, b) = (&integrations[*a], &integrations[*b]);
        let primary = match sort {
            SortKey::Name => Ordering::Equal,
            SortKey::Kind => a.kind.cmp(&b.kind),
            // Most recently updated first.
            SortKey::Updated => updated_of(b).cmp(&updated_of(a)),
            SortKey::Status => status_rank(tests.get(&a.id)).cmp(&status_rank(tests.get(&b.id))),
        };
        primary.then_with(|| by_name(a, b))
    };
    rows.sort_by(order);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::TestResult;

    fn integration(id: &str, name: &str, kind: Kind, updated: i64) -> Integration {
        Integration {
            id: id.into(),
            name: Some(name.into()),
            kind: kind.to_wire() as i32,
            updated_at: Some(prost_types::Timestamp {
                seconds: updated,
                nanos: 0,
            }),
            ..Default::default()
        }
    }

    fn sample() -> Vec<Integration> {
        vec![
            integration("1", "orders_pg", Kind::Postgresql, 30),
            integration("2", "Events", Kind::Kafka, 10),
            integration("3", "analytics", Kind::Snowflake, 20),
        ]
    }

    fn names(integrations: &[Integration], rows: &[usize]) -> Vec<String> {
        rows.iter()
            .map(|row| integrations[*row].name.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn substring_matches_name_or_kind_ignoring_case() {
        let all = sample();
        let tests = HashMap::new();
        let rows = visible_rows(&all, "EVE", None, SortKey::Name, &tests);
        assert_eq!(names(&all, &rows), ["Events"]);
        let rows = visible_rows(&all, "postgres", None, SortKey::Name, &tests);
        assert_eq!(names(&all, &rows), ["orders_pg"]);
    }

    #[test]
    fn bang_inverts_and_a_bare_bang_shows_all() {
        let all = sample();
        let tests = HashMap::new();
        let rows = visible_rows(&all, "!pg", None, SortKey::Name, &tests);
        assert_eq!(names(&all, &rows), ["analytics", "Events"]);
        assert_eq!(
            visible_rows(&all, "!", None, SortKey::Name, &tests).len(),
            3
        );
    }

    #[test]
    fn kind_filter_and_sorts() {
        let all = sample();
        let mut tests = HashMap::new();
        let rows = visible_rows(&all, "", Some(Kind::Kafka), SortKey::Name, &tests);
        assert_eq!(names(&all, &rows), ["Events"]);
        let rows = visible_rows(&all, "", None, SortKey::Updated, &tests);
        assert_eq!(names(&all, &rows), ["orders_pg", "analytics", "Events"]);
        tests.insert(
            "1".to_string(),
            TestStatus::Done(TestResult {
                success: false,
                message: "x".into(),
                latency_ms: None,
                preview: vec![],
            }),
        );
        let rows = visible_rows(&all, "", None, SortKey::Status, &tests);
        assert_eq!(names(&all, &rows)[0], "orders_pg");
        let rows = visible_rows(&all, "", None, SortKey::Kind, &tests);
        assert_eq!(
            names(&all, &rows)[0],
            "Events",
            "KAFKA (9) sorts before POSTGRESQL (13)"
        );
    }
}
