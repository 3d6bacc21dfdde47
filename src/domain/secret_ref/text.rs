//! Small text helpers for messages: case-insensitive prefixes, and quoting fragments of the
//! input bounded in length, so a pasted blob never floods a message.

/// The longest fragment of the input quoted in a message.
const MAX_QUOTED_CHARS: usize = 80;

/// `text` without `prefix`, compared ASCII-case-insensitively.
pub(super) fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// At most [`MAX_QUOTED_CHARS`] characters of `text`, and whether it was cut.
fn head(text: &str) -> (String, bool) {
    let head: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    let cut = head.len() < text.len();
    (head, cut)
}

/// `text` cut to [`MAX_QUOTED_CHARS`] characters, with `…` when cut.
pub(super) fn truncate(text: &str) -> String {
    match head(text) {
        (head, true) => format!("{head}…"),
        (head, false) => head,
    }
}

/// A fragment of the input for a message: quoted, escaped and cut like [`truncate`].
pub(super) fn quoted(text: &str) -> String {
    match head(text) {
        (head, true) => format!("{head:?}…"),
        (head, false) => format!("{head:?}"),
    }
}
