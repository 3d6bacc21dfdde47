//! English lists of key names for warning messages, so every warning joins keys the same way.

/// `A`, `A and B`, `A, B and C`.
pub(super) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
