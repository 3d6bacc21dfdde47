//! The environment variables `serve` takes its outside-world settings from (cloud credentials,
//! endpoint overrides, proxies, the linked-secret cache time), captured once when it starts.
//! Exists so a server in this process (the embedded console server, the tests) can be handed a
//! set of its own instead of the process's: a test then pins every endpoint to loopback without
//! mutating the environment other tests share.

use std::collections::BTreeMap;
use std::fmt;

/// A captured set of environment variables.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProcessEnv {
    vars: BTreeMap<String, String>,
}

impl ProcessEnv {
    /// The process's variables (those that are valid UTF-8), as they are now.
    pub fn capture() -> Self {
        std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect()
    }

    /// The value of `name` exactly as set (possibly empty).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The first of `names` that is set to something besides blanks, trimmed.
    pub fn first(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| {
            self.raw(name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        })
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for ProcessEnv {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        }
    }
}

/// Names only: values may be credentials.
impl fmt::Debug for ProcessEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_skips_blank_values_and_debug_shows_no_value() {
        let env: ProcessEnv = [("A", "  "), ("B", " b-value "), ("SECRET", "hunter22")]
            .into_iter()
            .collect();
        assert_eq!(
            env.first(&["MISSING", "A", "B"]).as_deref(),
            Some("b-value")
        );
        assert_eq!(env.raw("A"), Some("  "));
        let shown = format!("{env:?}");
        assert!(
            shown.contains("SECRET") && !shown.contains("hunter22"),
            "{shown}"
        );
    }
}
