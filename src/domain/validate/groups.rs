//! The catalog's group rules (one-of, exclusive, together, conditional-on): whether a config
//! breaks one, and the warning that says which keys to set or clear.

use super::config_view::Config;
use super::wording::and_list;
use super::{ConfigWarning, WarningCode};
use crate::catalog::GroupRule;

/// The warning for a broken group rule, if it is broken.
pub(super) fn broken_rule(rule: &GroupRule, config: &Config<'_>) -> Option<ConfigWarning> {
    let (title, main) = match rule {
        GroupRule::OneOf { options, .. } => broken_one_of(options, config)?,
        GroupRule::Exclusive { options, .. } => broken_exclusive(options, config)?,
        GroupRule::Together { keys, .. } => broken_together(keys, config)?,
        GroupRule::Conditional {
            when_truthy,
            require,
            ..
        } => broken_conditional(when_truthy, require, config)?,
    };
    let message = match rule.note() {
        "" => format!("{main}."),
        note => format!("{main}: {note}"),
    };
    Some(ConfigWarning {
        code: WarningCode::Unspecified,
        title: title.to_string(),
        message,
        config_keys: rule.keys().into_iter().map(str::to_string).collect(),
    })
}

/// True when any key of an option is set.
fn option_touched(option: &[String], config: &Config<'_>) -> bool {
    option.iter().any(|key| config.is_set(key))
}

/// `A`, or `(A and B)` for a multi-key option.
fn option_text(option: &[String]) -> String {
    match option {
        [single] => single.clone(),
        keys => format!("({})", and_list(keys)),
    }
}

/// The options joined with "or".
fn options_text(options: &[Vec<String>]) -> String {
    let texts: Vec<String> = options.iter().map(|option| option_text(option)).collect();
    texts.join(" or ")
}

fn broken_one_of(options: &[Vec<String>], config: &Config<'_>) -> Option<(&'static str, String)> {
    if options.iter().any(|option| option_touched(option, config)) {
        return None;
    }
    Some((
        "One of several keys needed",
        format!("Set {}", options_text(options)),
    ))
}

fn broken_exclusive(
    options: &[Vec<String>],
    config: &Config<'_>,
) -> Option<(&'static str, String)> {
    let touched: Vec<Vec<String>> = options
        .iter()
        .filter(|option| option_touched(option, config))
        .cloned()
        .collect();
    if touched.len() < 2 {
        return None;
    }
    Some((
        "Conflicting keys",
        format!("Use only one of {}", options_text(&touched)),
    ))
}

fn broken_together(keys: &[String], config: &Config<'_>) -> Option<(&'static str, String)> {
    let (set, unset): (Vec<String>, Vec<String>) =
        keys.iter().cloned().partition(|key| config.is_set(key));
    if set.is_empty() || unset.is_empty() {
        return None;
    }
    Some((
        "Incomplete key group",
        format!(
            "Set {} along with {}, or clear both",
            and_list(&unset),
            and_list(&set)
        ),
    ))
}

fn broken_conditional(
    trigger: &str,
    require: &[String],
    config: &Config<'_>,
) -> Option<(&'static str, String)> {
    if config.is_on(trigger) != Some(true) {
        return None;
    }
    let missing: Vec<String> = require
        .iter()
        .filter(|key| !config.is_set(key))
        .cloned()
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some((
        "Missing required keys",
        format!("Set {} because {trigger} is on", and_list(&missing)),
    ))
}
