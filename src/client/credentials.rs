//! Where a Chalk user's credentials come from: command-line flags, then the `CHALK_*`
//! environment variables, then `~/.chalk.yml` (shared/reference/wire.md), never rewritten.
//!
//! Chalk users already have credentials set up for the Chalk CLI and SDKs; this module reads
//! them from the same places with the same precedence, so sourcedeck works without a separate
//! login.
//!
//! Resolution rules:
//! - Each setting (client id, client secret, API server, environment) is taken from the
//!   highest-precedence place that has it: flags, then environment variables, then the chosen
//!   `.chalk.yml` entry. Empty (or blank) values count as unset everywhere. The reported
//!   [`CredentialSource`] is where the client id came from.
//! - `CHALK_WEB_IDENTITY_TOKEN_FILE` selects [`Auth::WebIdentityTokenFile`] unless the flags give
//!   a client id and a client secret is found (flags beat the environment). It also wins over
//!   `CHALK_CLIENT_ID`/`CHALK_CLIENT_SECRET`: it is the more specific instruction of the two.
//! - Every `CHALK_*` variable is also read with a leading `_` (the deprecated form). For the
//!   environment, the plain forms `CHALK_ENVIRONMENT`, `CHALK_ACTIVE_ENVIRONMENT`,
//!   `CHALK_ENVIRONMENT_ID` are tried in that order, then the deprecated forms in the same order,
//!   so a plain form always wins over a deprecated one.
//! - The file is `$XDG_CONFIG_HOME/.chalk.yml` when `XDG_CONFIG_HOME` is set, else
//!   `<home>/.chalk.yml`; `.chalk.yaml` in the same directory is used when the `.chalk.yml` is
//!   missing, is not valid YAML, or has no `tokens` mapping (such a file counts as absent).
//! - The entry is the first usable one of: the project root (nearest directory at or above the
//!   cwd holding `chalk.yaml` or `chalk.yml`), the cwd and each of its parents, `default`. Keys
//!   are compared as paths (a trailing `/` does not matter). An entry without a non-empty
//!   `clientId` and `clientSecret` is skipped; optional fields of the wrong type are ignored;
//!   unknown keys are ignored. Scalars (strings and numbers) are accepted as text.

use std::fs;
use std::path::{Path, PathBuf};

use serde_norway::Value;
use zeroize::Zeroizing;

use crate::domain::Secret;

/// Values given on the command line; each one wins over every other source.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub api_server: Option<String>,
    pub environment: Option<String>,
}

/// Where the settings were found, for `--verbose` and error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    Flags,
    Environment,
    /// The file and the token entry used (project root path, directory or `default`).
    ChalkYml {
        file: PathBuf,
        entry: String,
    },
    /// No server was configured: the embedded default started in this process.
    Embedded,
}

/// How the client authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Exchange a client id and secret for a bearer token with GetToken.
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
    },
    /// `CHALK_WEB_IDENTITY_TOKEN_FILE`: the file's JWT is the bearer token; no exchange.
    WebIdentityTokenFile(PathBuf),
}

/// Everything needed to reach a Chalk API server.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub auth: Auth,
    /// As configured (scheme, `www.`, path not yet stripped); `None` means the default server.
    pub api_server: Option<String>,
    /// An environment id or name, as configured.
    pub environment: Option<String>,
    pub source: CredentialSource,
}

/// What the resolver may read; tests pass a fake.
pub struct Lookup<'a> {
    /// Reads an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The current directory.
    pub cwd: PathBuf,
    /// The home directory, if known.
    pub home: Option<PathBuf>,
}

/// No usable credentials (a client id and secret, or a web identity token file) anywhere.
/// Display: one sentence naming the flags, the `CHALK_*` variables, `~/.chalk.yml` and
/// `chalk login`.
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "no Chalk credentials found: pass --client-id/--client-secret, set CHALK_CLIENT_ID and CHALK_CLIENT_SECRET, or run `chalk login` to write ~/.chalk.yml"
)]
pub struct NoCredentials;

/// Resolves credentials by precedence (see the module docs for the exact rules).
/// A malformed `.chalk.yml` entry is skipped; other entries still count.
pub fn resolve(overrides: &Overrides, lookup: &Lookup<'_>) -> Result<Credentials, NoCredentials> {
    let file = find_file_entry(lookup);
    let mut places = vec![
        Place {
            layer: Layer::from_overrides(overrides),
            source: CredentialSource::Flags,
        },
        Place {
            layer: Layer::from_env(lookup.env),
            source: CredentialSource::Environment,
        },
    ];
    places.extend(file);
    let token_file = chalk_var(lookup.env, "CHALK_WEB_IDENTITY_TOKEN_FILE").map(PathBuf::from);
    let (auth, source) = choose_auth(&places, token_file).ok_or(NoCredentials)?;
    Ok(Credentials {
        auth,
        api_server: first(&places, |layer| layer.api_server.clone()).map(|(value, _)| value),
        environment: first(&places, |layer| layer.environment.clone()).map(|(value, _)| value),
        source,
    })
}

/// The settings one place holds; any of them may be missing.
#[derive(Clone, Debug, Default)]
struct Layer {
    client_id: Option<String>,
    client_secret: Option<Secret>,
    api_server: Option<String>,
    environment: Option<String>,
}

/// A layer and where it came from.
#[derive(Debug)]
struct Place {
    layer: Layer,
    source: CredentialSource,
}

impl Layer {
    /// The command-line values, with empty ones dropped.
    fn from_overrides(overrides: &Overrides) -> Self {
        Self {
            client_id: non_blank(overrides.client_id.clone()),
            client_secret: overrides
                .client_secret
                .clone()
                .filter(|secret| !secret.expose().trim().is_empty()),
            api_server: non_blank(overrides.api_server.clone()),
            environment: non_blank(overrides.environment.clone()),
        }
    }

    /// The `CHALK_*` variables (plain form first, then the deprecated `_CHALK_*` form).
    fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            client_id: chalk_var(env, "CHALK_CLIENT_ID"),
            client_secret: chalk_var(env, "CHALK_CLIENT_SECRET").map(Secret::new),
            api_server: chalk_var(env, "CHALK_API_SERVER"),
            environment: environment_var(env),
        }
    }
}

/// The variables naming the environment, in order of preference.
const ENVIRONMENT_VARS: [&str; 3] = [
    "CHALK_ENVIRONMENT",
    "CHALK_ACTIVE_ENVIRONMENT",
    "CHALK_ENVIRONMENT_ID",
];

/// The environment from the variables: every plain form in order, then every `_` form.
fn environment_var(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    ENVIRONMENT_VARS
        .iter()
        .find_map(|name| var(env, name))
        .or_else(|| {
            ENVIRONMENT_VARS
                .iter()
                .find_map(|name| var(env, &format!("_{name}")))
        })
}

/// A `CHALK_*` variable, falling back to its deprecated `_CHALK_*` form.
fn chalk_var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    var(env, name).or_else(|| var(env, &format!("_{name}")))
}

/// An environment variable; empty or blank counts as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    non_blank(env(name))
}

/// The value unless it is empty or only whitespace.
fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty())
}

/// The first value `pick` finds, in precedence order, with where it was found.
fn first<T>(
    places: &[Place],
    pick: impl Fn(&Layer) -> Option<T>,
) -> Option<(T, &CredentialSource)> {
    places
        .iter()
        .find_map(|place| pick(&place.layer).map(|value| (value, &place.source)))
}

/// Picks the authentication: a client id from the flags (with a secret found anywhere) beats the
/// web identity token file, which beats client credentials from the environment or the file.
fn choose_auth(places: &[Place], token_file: Option<PathBuf>) -> Option<(Auth, CredentialSource)> {
    let client_id = first(places, |layer| layer.client_id.clone());
    let client_secret =
        first(places, |layer| layer.client_secret.clone()).map(|(secret, _)| secret);
    let client_credentials = |client_id: String, client_secret: Secret| Auth::ClientCredentials {
        client_id,
        client_secret,
    };
    match (client_id, client_secret, token_file) {
        (Some((id, CredentialSource::Flags)), Some(secret), _) => {
            Some((client_credentials(id, secret), CredentialSource::Flags))
        }
        (_, _, Some(path)) => Some((
            Auth::WebIdentityTokenFile(path),
            CredentialSource::Environment,
        )),
        (Some((id, source)), Some(secret), None) => {
            Some((client_credentials(id, secret), source.clone()))
        }
        _ => None,
    }
}

/// The file names tried, in order, in the configuration directory.
const FILE_NAMES: [&str; 2] = [".chalk.yml", ".chalk.yaml"];

/// The `.chalk.yml` entry that applies to the cwd, as a place, if any.
fn find_file_entry(lookup: &Lookup<'_>) -> Option<Place> {
    let dir = config_dir(lookup)?;
    let (file, tokens) = FILE_NAMES
        .iter()
        .find_map(|name| read_tokens(&dir.join(name)))?;
    let (entry, layer) = pick_entry(&tokens, &lookup.cwd)?;
    Some(Place {
        layer,
        source: CredentialSource::ChalkYml { file, entry },
    })
}

/// `$XDG_CONFIG_HOME` when set (and not blank), else the home directory.
fn config_dir(lookup: &Lookup<'_>) -> Option<PathBuf> {
    var(lookup.env, "XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| lookup.home.clone())
}

/// The `tokens` mapping of a file; `None` when the file is missing, unreadable, not YAML, or has
/// no `tokens` mapping. The file text is zeroized after parsing since it holds secrets.
fn read_tokens(path: &Path) -> Option<(PathBuf, serde_norway::Mapping)> {
    let text = Zeroizing::new(fs::read_to_string(path).ok()?);
    let document: Value = serde_norway::from_str(&text).ok()?;
    match document.get("tokens")? {
        Value::Mapping(tokens) => Some((path.to_path_buf(), tokens.clone())),
        _ => None,
    }
}

/// The first usable entry: project root, then the cwd and its parents, then `default`.
/// Returns the entry's key as written in the file.
fn pick_entry(tokens: &serde_norway::Mapping, cwd: &Path) -> Option<(String, Layer)> {
    let root = project_root(cwd);
    root.into_iter()
        .chain(cwd.ancestors())
        .find_map(|dir| path_entry(tokens, dir))
        .or_else(|| {
            let layer = parse_entry(tokens.get("default")?)?;
            Some(("default".to_string(), layer))
        })
}

/// The nearest directory at or above `cwd` holding `chalk.yaml` or `chalk.yml`.
fn project_root(cwd: &Path) -> Option<&Path> {
    cwd.ancestors()
        .find(|dir| dir.join("chalk.yaml").is_file() || dir.join("chalk.yml").is_file())
}

/// A usable entry whose key names `dir` (compared as paths, so a trailing `/` is fine).
fn path_entry(tokens: &serde_norway::Mapping, dir: &Path) -> Option<(String, Layer)> {
    tokens.iter().find_map(|(key, value)| {
        let key = key.as_str()?;
        if key == "default" || Path::new(key) != dir {
            return None;
        }
        Some((key.to_string(), parse_entry(value)?))
    })
}

/// One token entry; `None` unless it has a non-empty `clientId` and `clientSecret`.
fn parse_entry(entry: &Value) -> Option<Layer> {
    let field = |name: &str| entry.get(name).and_then(scalar_text);
    Some(Layer {
        client_id: Some(field("clientId")?),
        client_secret: Some(Secret::new(field("clientSecret")?)),
        api_server: field("apiServer"),
        environment: field("activeEnvironment"),
    })
}

/// A string or number as text; anything else (and blank text) is `None`.
fn scalar_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    non_blank(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use tempfile::TempDir;

    /// A fake world: variables, a home directory, and a cwd inside a temp tree.
    struct World {
        vars: HashMap<String, String>,
        tmp: TempDir,
        cwd: PathBuf,
    }

    impl World {
        fn new() -> Self {
            let tmp = tempfile::tempdir().unwrap();
            let cwd = tmp.path().join("work/proj/sub");
            fs::create_dir_all(&cwd).unwrap();
            fs::create_dir_all(tmp.path().join("home")).unwrap();
            Self {
                vars: HashMap::new(),
                tmp,
                cwd,
            }
        }

        fn var(mut self, name: &str, value: &str) -> Self {
            self.vars.insert(name.to_string(), value.to_string());
            self
        }

        fn home(&self) -> PathBuf {
            self.tmp.path().join("home")
        }

        fn path(&self, relative: &str) -> PathBuf {
            self.tmp.path().join(relative)
        }

        /// Writes `<home>/<name>`.
        fn home_file(self, name: &str, text: &str) -> Self {
            fs::write(self.home().join(name), text).unwrap();
            self
        }

        fn resolve(&self, overrides: &Overrides) -> Result<Credentials, NoCredentials> {
            let env = |name: &str| self.vars.get(name).cloned();
            let lookup = Lookup {
                env: &env,
                cwd: self.cwd.clone(),
                home: Some(self.home()),
            };
            resolve(overrides, &lookup)
        }

        fn ok(&self) -> Credentials {
            self.resolve(&Overrides::default()).unwrap()
        }
    }

    fn client(credentials: &Credentials) -> (&str, &str) {
        match &credentials.auth {
            Auth::ClientCredentials {
                client_id,
                client_secret,
            } => (client_id, client_secret.expose()),
            other => panic!("expected client credentials, got {other:?}"),
        }
    }

    fn flags() -> Overrides {
        Overrides {
            client_id: Some("flag-id".into()),
            client_secret: Some(Secret::new("flag-secret")),
            api_server: Some("flag.example".into()),
            environment: Some("flag-env".into()),
        }
    }

    const DEFAULT_YML: &str = "tokens:
  default:
    clientId: yml-id
    clientSecret: yml-secret
    apiServer: yml.example
    activeEnvironment: yml-env
";

    fn full_env(world: World) -> World {
        world
            .var("CHALK_CLIENT_ID", "env-id")
            .var("CHALK_CLIENT_SECRET", "env-secret")
            .var("CHALK_API_SERVER", "env.example")
            .var("CHALK_ENVIRONMENT", "env-env")
    }

    fn yml_source(credentials: &Credentials) -> (PathBuf, String) {
        match &credentials.source {
            CredentialSource::ChalkYml { file, entry } => (file.clone(), entry.clone()),
            other => panic!("expected .chalk.yml, got {other:?}"),
        }
    }

    #[test]
    fn flags_beat_everything() {
        let world = full_env(World::new()).home_file(".chalk.yml", DEFAULT_YML);
        let credentials = world.resolve(&flags()).unwrap();
        assert_eq!(client(&credentials), ("flag-id", "flag-secret"));
        assert_eq!(credentials.api_server.as_deref(), Some("flag.example"));
        assert_eq!(credentials.environment.as_deref(), Some("flag-env"));
        assert_eq!(credentials.source, CredentialSource::Flags);
    }

    #[test]
    fn environment_beats_the_file() {
        let world = full_env(World::new()).home_file(".chalk.yml", DEFAULT_YML);
        let credentials = world.ok();
        assert_eq!(client(&credentials), ("env-id", "env-secret"));
        assert_eq!(credentials.api_server.as_deref(), Some("env.example"));
        assert_eq!(credentials.environment.as_deref(), Some("env-env"));
        assert_eq!(credentials.source, CredentialSource::Environment);
    }

    #[test]
    fn the_file_is_used_when_nothing_else_is_set() {
        let world = World::new().home_file(".chalk.yml", DEFAULT_YML);
        let credentials = world.ok();
        assert_eq!(client(&credentials), ("yml-id", "yml-secret"));
        assert_eq!(credentials.api_server.as_deref(), Some("yml.example"));
        assert_eq!(credentials.environment.as_deref(), Some("yml-env"));
        let expected = (world.home().join(".chalk.yml"), "default".to_string());
        assert_eq!(yml_source(&credentials), expected);
    }

    #[test]
    fn server_and_environment_default_to_none() {
        let world = World::new()
            .var("CHALK_CLIENT_ID", "id")
            .var("CHALK_CLIENT_SECRET", "secret");
        let credentials = world.ok();
        assert_eq!(credentials.api_server, None);
        assert_eq!(credentials.environment, None);
    }

    #[test]
    fn each_setting_comes_from_the_highest_place_that_has_it() {
        let world = World::new()
            .var("CHALK_API_SERVER", "env.example")
            .home_file(".chalk.yml", DEFAULT_YML);
        let overrides = Overrides {
            environment: Some("flag-env".into()),
            ..Overrides::default()
        };
        let credentials = world.resolve(&overrides).unwrap();
        assert_eq!(client(&credentials), ("yml-id", "yml-secret"));
        assert_eq!(credentials.api_server.as_deref(), Some("env.example"));
        assert_eq!(credentials.environment.as_deref(), Some("flag-env"));
        assert!(matches!(
            credentials.source,
            CredentialSource::ChalkYml { .. }
        ));
    }

    #[test]
    fn the_source_is_where_the_client_id_came_from() {
        let world = World::new()
            .var("CHALK_CLIENT_SECRET", "env-secret")
            .home_file(".chalk.yml", DEFAULT_YML);
        let overrides = Overrides {
            client_id: Some("flag-id".into()),
            ..Overrides::default()
        };
        let credentials = world.resolve(&overrides).unwrap();
        assert_eq!(client(&credentials), ("flag-id", "env-secret"));
        assert_eq!(credentials.source, CredentialSource::Flags);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let world = full_env(World::new())
            .var("CHALK_CLIENT_ID", "")
            .var("CHALK_API_SERVER", "  ")
            .home_file(".chalk.yml", DEFAULT_YML);
        let overrides = Overrides {
            client_id: Some(String::new()),
            client_secret: Some(Secret::new("")),
            api_server: Some(String::new()),
            environment: Some(String::new()),
        };
        let credentials = world.resolve(&overrides).unwrap();
        assert_eq!(client(&credentials), ("yml-id", "env-secret"));
        assert_eq!(credentials.api_server.as_deref(), Some("yml.example"));
        assert_eq!(credentials.environment.as_deref(), Some("env-env"));
    }

    #[test]
    fn deprecated_underscore_variables_are_read_and_lose_to_plain_ones() {
        let world = World::new()
            .var("_CHALK_CLIENT_ID", "old-id")
            .var("_CHALK_CLIENT_SECRET", "old-secret")
            .var("_CHALK_API_SERVER", "old.example")
            .var("CHALK_API_SERVER", "new.example")
            .var("_CHALK_ACTIVE_ENVIRONMENT", "old-env");
        let credentials = world.ok();
        assert_eq!(client(&credentials), ("old-id", "old-secret"));
        assert_eq!(credentials.api_server.as_deref(), Some("new.example"));
        assert_eq!(credentials.environment.as_deref(), Some("old-env"));
        assert_eq!(credentials.source, CredentialSource::Environment);
    }

    #[test]
    fn environment_variables_are_tried_in_order() {
        let base = || {
            World::new()
                .var("CHALK_CLIENT_ID", "id")
                .var("CHALK_CLIENT_SECRET", "secret")
        };
        let env_of = |world: World| world.ok().environment;
        let all = base()
            .var("CHALK_ENVIRONMENT", "a")
            .var("CHALK_ACTIVE_ENVIRONMENT", "b")
            .var("CHALK_ENVIRONMENT_ID", "c");
        assert_eq!(env_of(all).as_deref(), Some("a"));
        let two = base()
            .var("CHALK_ACTIVE_ENVIRONMENT", "b")
            .var("CHALK_ENVIRONMENT_ID", "c");
        assert_eq!(env_of(two).as_deref(), Some("b"));
        let last = base().var("CHALK_ENVIRONMENT_ID", "c");
        assert_eq!(env_of(last).as_deref(), Some("c"));
        let plain_beats_deprecated = base()
            .var("_CHALK_ENVIRONMENT", "old")
            .var("CHALK_ENVIRONMENT_ID", "c");
        assert_eq!(env_of(plain_beats_deprecated).as_deref(), Some("c"));
    }

    #[test]
    fn xdg_config_home_replaces_the_home_directory() {
        let world = World::new().home_file(".chalk.yml", DEFAULT_YML);
        let xdg = world.path("xdg");
        fs::create_dir_all(&xdg).unwrap();
        let xdg_yml = DEFAULT_YML.replace("yml-id", "xdg-id");
        fs::write(xdg.join(".chalk.yml"), xdg_yml).unwrap();
        let world = world.var("XDG_CONFIG_HOME", xdg.to_str().unwrap());
        let credentials = world.ok();
        assert_eq!(client(&credentials).0, "xdg-id");
        assert_eq!(yml_source(&credentials).0, xdg.join(".chalk.yml"));
    }

    #[test]
    fn chalk_yaml_spelling_is_read() {
        let world = World::new().home_file(".chalk.yaml", DEFAULT_YML);
        let credentials = world.ok();
        assert_eq!(client(&credentials).0, "yml-id");
        assert_eq!(yml_source(&credentials).0, world.home().join(".chalk.yaml"));
    }

    #[test]
    fn invalid_yaml_counts_as_absent() {
        let broken = "tokens: [unclosed\n  : {";
        assert!(serde_norway::from_str::<Value>(broken).is_err());
        let world = World::new().home_file(".chalk.yml", broken);
        assert!(world.resolve(&Overrides::default()).is_err());
        let world = world.home_file(".chalk.yaml", DEFAULT_YML);
        assert_eq!(client(&world.ok()).0, "yml-id");
    }

    /// A file with entries for the project root, the cwd's parent `work` and `default`.
    fn entries_file(world: &World, with_project_root: bool) -> String {
        let root = world.path("work/proj");
        if with_project_root {
            fs::write(root.join("chalk.yaml"), "project: x\n").unwrap();
        }
        let sub = world.path("work/proj/sub");
        format!(
            "tokens:
  {work}:
    clientId: work-id
    clientSecret: s
  {root}/:
    clientId: root-id
    clientSecret: s
  {sub}:
    clientId: sub-id
    clientSecret: s
  default:
    clientId: default-id
    clientSecret: s
",
            work = world.path("work").display(),
            root = root.display(),
            sub = sub.display(),
        )
    }

    #[test]
    fn project_root_entry_wins_over_cwd_entries() {
        let world = World::new();
        let text = entries_file(&world, true);
        let world = world.home_file(".chalk.yml", &text);
        let credentials = world.ok();
        assert_eq!(client(&credentials).0, "root-id");
        let entry = format!("{}/", world.path("work/proj").display());
        assert_eq!(yml_source(&credentials).1, entry);
    }

    #[test]
    fn without_a_project_root_the_nearest_directory_wins() {
        let world = World::new();
        let text = entries_file(&world, false);
        let world = world.home_file(".chalk.yml", &text);
        assert_eq!(client(&world.ok()).0, "sub-id");
    }

    #[test]
    fn a_parent_entry_beats_default() {
        let world = World::new();
        let text = format!(
            "tokens:\n  default: {{clientId: default-id, clientSecret: s}}\n  {}: {{clientId: work-id, clientSecret: s}}\n",
            world.path("work").display()
        );
        let world = world.home_file(".chalk.yml", &text);
        let credentials = world.ok();
        assert_eq!(client(&credentials).0, "work-id");
    }

    #[test]
    fn malformed_entries_are_skipped() {
        let world = World::new();
        let text = format!(
            "tokens:
  {root}:
    clientId: root-id
  {sub}:
    clientId: [not, a, string]
    clientSecret: s
  {work}: just a string
  7: {{clientId: number-key, clientSecret: s}}
  default:
    clientId: default-id
    clientSecret: good
    apiServer: [wrong, type]
    activeEnvironment: 12345
    somethingNew: {{ nested: true }}
    jwt: {{ value: eyJ, validUntil: 2025-06-01T12:00:00Z }}
    validUntil: \"2025-06-01 12:00:00.123456789 +0000 UTC\"
",
            root = world.path("work/proj").display(),
            sub = world.path("work/proj/sub").display(),
            work = world.path("work").display(),
        );
        fs::write(world.path("work/proj/chalk.yml"), "").unwrap();
        let world = world.home_file(".chalk.yml", &text);
        let credentials = world.ok();
        assert_eq!(client(&credentials), ("default-id", "good"));
        assert_eq!(credentials.api_server, None);
        assert_eq!(credentials.environment.as_deref(), Some("12345"));
    }

    #[test]
    fn a_file_without_usable_entries_gives_no_credentials() {
        let world = World::new().home_file(".chalk.yml", "tokens:\n  default:\n    clientId: x\n");
        assert!(world.resolve(&Overrides::default()).is_err());
        let world = World::new().home_file(".chalk.yml", "other: 1\n");
        assert!(world.resolve(&Overrides::default()).is_err());
    }

    #[test]
    fn the_file_is_never_written() {
        let world = World::new().home_file(".chalk.yml", DEFAULT_YML);
        world.ok();
        let text = fs::read_to_string(world.home().join(".chalk.yml")).unwrap();
        assert_eq!(text, DEFAULT_YML);
    }

    #[test]
    fn web_identity_token_file_needs_no_secret() {
        let world = World::new()
            .var("CHALK_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")
            .var("CHALK_ENVIRONMENT_ID", "env-id")
            .var("CHALK_CLIENT_ID", "env-id-ignored")
            .home_file(".chalk.yml", DEFAULT_YML);
        let credentials = world.ok();
        match &credentials.auth {
            Auth::WebIdentityTokenFile(path) => assert_eq!(path, Path::new("/var/run/token")),
            other => panic!("expected a token file, got {other:?}"),
        }
        assert_eq!(credentials.source, CredentialSource::Environment);
        assert_eq!(credentials.environment.as_deref(), Some("env-id"));
        assert_eq!(credentials.api_server.as_deref(), Some("yml.example"));
        let from_flags = world.resolve(&flags()).unwrap();
        assert_eq!(client(&from_flags).0, "flag-id");
    }

    #[test]
    fn nothing_configured_names_every_place() {
        let world = World::new().var("CHALK_CLIENT_ID", "id-without-secret");
        let err = world.resolve(&Overrides::default()).unwrap_err();
        let message = err.to_string();
        for needle in [
            "--client-id",
            "CHALK_CLIENT_ID",
            "~/.chalk.yml",
            "chalk login",
        ] {
            assert!(message.contains(needle), "{message}");
        }
        let no_home = |_: &str| None;
        let lookup = Lookup {
            env: &no_home,
            cwd: PathBuf::from("/"),
            home: None,
        };
        assert!(resolve(&Overrides::default(), &lookup).is_err());
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let world = World::new().home_file(".chalk.yml", DEFAULT_YML);
        let credentials = world.ok();
        let printed = format!("{credentials:?} {credentials:#?}");
        assert!(!printed.contains("yml-secret"), "{printed}");
        let from_flags = world.resolve(&flags()).unwrap();
        let printed = format!("{from_flags:?} {:?}", flags());
        assert!(!printed.contains("flag-secret"), "{printed}");
        let world = World::new().home_file(".chalk.yml", DEFAULT_YML);
        let env = |name: &str| world.vars.get(name).cloned();
        let lookup = Lookup {
            env: &env,
            cwd: world.cwd.clone(),
            home: Some(world.home()),
        };
        let place = find_file_entry(&lookup).unwrap();
        assert!(!format!("{place:?}").contains("yml-secret"));
    }
}
