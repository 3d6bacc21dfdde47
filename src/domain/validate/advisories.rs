//! The catalog's kind advisories (e.g. Snowflake's), turned into warnings carrying their wire
//! code when their set/unset conditions hold.

use super::ConfigWarning;
use super::config_view::Config;
use crate::catalog::Advisory;

/// The advisory's warning when its conditions hold.
pub(super) fn advisory_warning(advisory: &Advisory, config: &Config<'_>) -> Option<ConfigWarning> {
    let applies = advisory.when_set.iter().all(|key| config.is_set(key))
        && !advisory.when_unset.iter().any(|key| config.is_set(key));
    applies.then(|| ConfigWarning {
        code: advisory.code.into(),
        title: advisory.title.clone(),
        message: advisory.message.clone(),
        config_keys: advisory.keys().into_iter().map(str::to_string).collect(),
    })
}
