//! Presentation helpers shared by the CLI and the console: how a configured secret is masked and
//! how a timestamp is written. They live below both front ends (which are siblings and must not
//! import each other), so a secret looks the same in a table and on screen.

/// The mask shown for a configured secret.
pub const MASK: &str = "•••• configured";

/// RFC 3339 in UTC for a protobuf timestamp (`-` when absent).
pub fn timestamp(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else { return "-".into() };
    let seconds = u64::try_from(ts.seconds).unwrap_or(0);
    let days = seconds / 86_400;
    let rem = seconds % 86_400;
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_795_880_000,
            nanos: 0,
        };
        assert_eq!(timestamp(Some(&ts)), "2026-11-28T15:33:20Z");
        assert_eq!(
            timestamp(Some(&prost_types::Timestamp {
                seconds: 0,
                nanos: 0
            })),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(timestamp(None), "-");
    }
}
