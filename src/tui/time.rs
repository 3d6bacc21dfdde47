//! Times as the console shows them: relative ages for the list ("3m ago"), UTC stamps for the
//! detail pane. Both take "now" as an argument so renders are pure and snapshots stable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A protobuf timestamp as a `SystemTime`.
pub fn to_system_time(ts: Option<&prost_types::Timestamp>) -> Option<SystemTime> {
    let ts = ts?;
    let seconds = u64::try_from(ts.seconds).ok()?;
    let nanos = u32::try_from(ts.nanos).unwrap_or(0);
    Some(UNIX_EPOCH + Duration::new(seconds, nanos))
}

/// `just now`, `42s ago`, `5m ago`, `3h ago`, `12d ago`.
pub fn age(then: Option<SystemTime>, now: SystemTime) -> String {
    let Some(then) = then else { return "-".into() };
    let seconds = now.duration_since(then).unwrap_or_default().as_secs();
    match seconds {
        0..=4 => "just now".into(),
        5..=59 => format!("{seconds}s ago"),
        60..=3599 => format!("{}m ago", seconds / 60),
        3600..=86_399 => format!("{}h ago", seconds / 3600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

/// `2026-11-28 17:03:12 UTC`.
pub fn stamp(ts: Option<&prost_types::Timestamp>) -> String {
    crate::present::timestamp(ts)
        .replace('T', " ")
        .replace('Z', " UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ago = |s| age(Some(now - Duration::from_secs(s)), now);
        assert_eq!(ago(1), "just now");
        assert_eq!(ago(42), "42s ago");
        assert_eq!(ago(300), "5m ago");
        assert_eq!(ago(3 * 3600), "3h ago");
        assert_eq!(ago(12 * 86_400), "12d ago");
        assert_eq!(age(None, now), "-");
    }

    #[test]
    fn stamps_are_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_795_000_000,
            nanos: 0,
        };
        let shown = stamp(Some(&ts));
        assert!(shown.ends_with(" UTC"), "{shown}");
        assert_eq!(shown.len(), "2026-11-18 00:26:40 UTC".len(), "{shown}");
        assert_eq!(shown.as_bytes()[10], b' ', "{shown}");
    }
}
