//! The missing-required-keys warning: one warning naming every required key that is not set.

use super::config_view::Config;
use super::wording::and_list;
use super::{ConfigWarning, WarningCode};
use crate::catalog::KindSpec;

/// One warning listing every required key that is not set.
pub(super) fn missing_required(spec: &KindSpec, config: &Config<'_>) -> Option<ConfigWarning> {
    let missing: Vec<String> = spec
        .required_keys()
        .filter(|key| !config.is_set(&key.key))
        .map(|key| key.key.clone())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let (them, verb) = if missing.len() == 1 {
        ("it", "is")
    } else {
        ("them", "are")
    };
    Some(ConfigWarning {
        code: WarningCode::Unspecified,
        title: "Missing required keys".to_string(),
        message: format!(
            "{} {verb} not set; {} cannot connect without {them}.",
            and_list(&missing),
            spec.display_name
        ),
        config_keys: missing,
    })
}
