//! Where the embedded default server keeps its data when no `--data-dir` is given. The CLI's
//! local secret store and `serve` use the same default, so it lives here, below all of them.

use std::path::PathBuf;

/// `$XDG_DATA_HOME/sourcedeck`, else `~/.local/share/sourcedeck`.
pub fn default_data_dir(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<PathBuf>,
) -> Option<PathBuf> {
    if let Some(xdg) = env("XDG_DATA_HOME").filter(|value| !value.trim().is_empty()) {
        return Some(PathBuf::from(xdg).join("sourcedeck"));
    }
    home.map(|home| home.join(".local").join("share").join("sourcedeck"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_xdg_data_home() {
        let xdg = |name: &str| (name == "XDG_DATA_HOME").then(|| "/x/data".to_string());
        assert_eq!(
            default_data_dir(&xdg, Some("/home/u".into())),
            Some(PathBuf::from("/x/data/sourcedeck"))
        );
        let none = |_: &str| None;
        assert_eq!(
            default_data_dir(&none, Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.local/share/sourcedeck"))
        );
        assert_eq!(default_data_dir(&none, None), None);
    }
}
