//! Warnings about the names given rather than the values: unknown keys (with a did-you-mean)
//! and aliases (which name the engine reads, and when both were given).

use super::config_view::Config;
use super::{ConfigWarning, WarningCode};
use crate::catalog::KindSpec;

/// One warning per given name the kind does not know, with a did-you-mean when one is close.
pub(super) fn unknown_keys(spec: &KindSpec, config: &Config<'_>) -> Vec<ConfigWarning> {
    config
        .given
        .keys()
        .filter(|name| spec.key(name).is_none())
        .map(|name| {
            let hint = match spec.suggest(name) {
                Some(known) => format!("did you mean {known}?"),
                None => "the engine ignores it.".to_string(),
            };
            ConfigWarning {
                code: WarningCode::Unspecified,
                title: "Unknown key".to_string(),
                message: format!("{name} is not a known {} key; {hint}", spec.display_name),
                config_keys: vec![name.to_string()],
            }
        })
        .collect()
}

/// One note per alias given: which name the engine reads, and whether both were given.
pub(super) fn alias_notes(spec: &KindSpec, config: &Config<'_>) -> Vec<ConfigWarning> {
    config
        .given
        .keys()
        .filter_map(|name| {
            let key = spec.key(name).filter(|key| key.key != *name)?;
            let canonical = &key.key;
            let (title, message) = if config.given.contains_key(canonical.as_str()) {
                (
                    "Key set twice",
                    format!(
                        "{name} and {canonical} are both set; the engine reads {canonical} and ignores {name}."
                    ),
                )
            } else {
                (
                    "Alias key",
                    format!("{name} is another name for {canonical}; the engine reads {canonical}."),
                )
            };
            Some(ConfigWarning {
                code: WarningCode::Unspecified,
                title: title.to_string(),
                message,
                config_keys: vec![name.to_string(), canonical.clone()],
            })
        })
        .collect()
}
