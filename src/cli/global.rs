//! Flags before the command mean what they mean after it. Clap sees two sets of flags (the
//! top-level ones and the command's own); this module folds the top-level set into the command's
//! before anything runs, so no flag is ever dropped silently:
//!
//! - a flag the command takes is merged into the command's own flags; given in both places, the
//!   one after the command wins (`alias sd='sourcedeck --api-server URL'` then `sd list
//!   --api-server OTHER` uses OTHER), and `--json`/`--readonly` are on when given anywhere;
//! - a flag the command does not take (`--api-server` before `kinds`, anything before `serve`,
//!   whose flags mean the server's own settings) is a usage error naming it;
//! - `--readonly` refuses every command that [changes data](Command::changes_data).

use std::fmt;

use super::args::{Command, ConnectionArgs, GlobalArgs, SecretsCommand};

/// A command line that parsed but cannot run as given: exit code 2, like clap's own errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl Command {
    /// Whether the command can change stored data: `--readonly` refuses exactly these. Every new
    /// command adds its line here (the match has no catch-all on purpose).
    pub fn changes_data(&self) -> bool {
        match self {
            // A server accepts changes from its clients.
            Command::Serve(_) => true,
            Command::Create { .. } | Command::Update { .. } | Command::Delete { .. } => true,
            Command::Apply { .. } => true,
            // Export and plan only read the server.
            Command::Export { .. } | Command::Plan { .. } => false,
            // Reading the audit trail and revealing a secret change nothing (a reveal is audited).
            Command::Audit { .. } => false,
            Command::Secrets(SecretsCommand::Get { .. }) => false,
            Command::Secrets(SecretsCommand::Set { .. } | SecretsCommand::Delete { .. }) => true,
            Command::List { .. } | Command::Get { .. } | Command::Kinds { .. } => false,
            // A test (saved or draft) reads values and saves nothing.
            Command::Test { .. } => false,
            Command::Secrets(SecretsCommand::List { .. }) => false,
        }
    }

    /// The command as typed, for messages.
    pub fn display_name(&self) -> &'static str {
        match self {
            Command::Serve(_) => "serve",
            Command::List { .. } => "list",
            Command::Get { .. } => "get",
            Command::Create { .. } => "create",
            Command::Update { .. } => "update",
            Command::Delete { .. } => "delete",
            Command::Test { .. } => "test",
            Command::Kinds { .. } => "kinds",
            Command::Export { .. } => "export",
            Command::Plan { .. } => "plan",
            Command::Apply { .. } => "apply",
            Command::Audit { .. } => "audit",
            Command::Secrets(SecretsCommand::Get { .. }) => "secrets get",
            Command::Secrets(SecretsCommand::Set { .. }) => "secrets set",
            Command::Secrets(SecretsCommand::List { .. }) => "secrets list",
            Command::Secrets(SecretsCommand::Delete { .. }) => "secrets delete",
        }
    }

    /// `--readonly` given after the command.
    fn readonly_after(&self) -> bool {
        match self {
            Command::Serve(_) => false,
            Command::List { readonly, .. }
            | Command::Get { readonly, .. }
            | Command::Create { readonly, .. }
            | Command::Update { readonly, .. }
            | Command::Delete { readonly, .. }
            | Command::Test { readonly, .. }
            | Command::Export { readonly, .. }
            | Command::Plan { readonly, .. }
            | Command::Apply { readonly, .. }
            | Command::Audit { readonly, .. }
            | Command::Kinds { readonly, .. } => readonly.readonly,
            Command::Secrets(
                SecretsCommand::Set { readonly, .. }
                | SecretsCommand::List { readonly, .. }
                | SecretsCommand::Get { readonly, .. }
                | SecretsCommand::Delete { readonly, .. },
            ) => readonly.readonly,
        }
    }
}

/// The top-level flags that are set, as typed (`--client-secret` by name only).
fn given(flags: &ConnectionArgs) -> Vec<&'static str> {
    let mut names = Vec::new();
    let mut note = |set: bool, name: &'static str| {
        if set {
            names.push(name);
        }
    };
    note(flags.client_id.is_some(), "--client-id");
    note(flags.client_secret.is_some(), "--client-secret");
    note(flags.api_server.is_some(), "--api-server");
    note(flags.environment.is_some(), "--environment");
    note(flags.timeout.is_some(), "--timeout");
    note(flags.data_dir.is_some(), "--data-dir");
    note(flags.json, "--json");
    names
}

fn not_taken(flag: &str, command: &str, why: &str) -> UsageError {
    UsageError(format!(
        "{flag} before `{command}`: `{command}` does not take {flag} ({why})"
    ))
}

/// Fills the command's connection flags from the top-level ones (the command's own win).
fn merge_connection(before: ConnectionArgs, after: &mut ConnectionArgs) {
    after.client_id = after.client_id.take().or(before.client_id);
    after.client_secret = after.client_secret.take().or(before.client_secret);
    after.api_server = after.api_server.take().or(before.api_server);
    after.environment = after.environment.take().or(before.environment);
    after.timeout = after.timeout.or(before.timeout);
    after.data_dir = after.data_dir.take().or(before.data_dir);
    after.json |= before.json;
}

/// Folds the top-level flags into the command's, then applies `--readonly`. On success the
/// command's own flags are the whole truth.
pub fn apply(global: GlobalArgs, command: &mut Command) -> Result<(), UsageError> {
    let name = command.display_name();
    if global.plan.is_some() {
        return Err(UsageError(format!(
            "--plan before `{name}`: --plan is the console's drift view; for a plan on the command line run `sourcedeck plan FILE`"
        )));
    }
    let readonly = global.readonly || command.readonly_after();
    if readonly && command.changes_data() {
        return Err(UsageError(format!(
            "--readonly: `{name}` changes data; run it without --readonly"
        )));
    }
    let before = global.connection;
    match command {
        Command::Serve(_) => {
            if let Some(flag) = given(&before).first() {
                return Err(not_taken(
                    flag,
                    name,
                    "give serve's own flags after `serve`; see `sourcedeck serve --help`",
                ));
            }
        }
        Command::Kinds { json, .. } => {
            if let Some(flag) = given(&before).into_iter().find(|flag| *flag != "--json") {
                return Err(not_taken(flag, name, "it reads the built-in catalog"));
            }
            *json |= before.json;
        }
        Command::List { connection, .. }
        | Command::Get { connection, .. }
        | Command::Create { connection, .. }
        | Command::Update { connection, .. }
        | Command::Delete { connection, .. }
        | Command::Test { connection, .. }
        | Command::Export { connection, .. }
        | Command::Plan { connection, .. }
        | Command::Apply { connection, .. }
        | Command::Audit { connection, .. } => merge_connection(before, connection),
        Command::Secrets(secrets) => merge_connection(before, secrets.connection_mut()),
    }
    Ok(())
}

/// The console takes every connection flag except `--json`.
pub fn check_console(global: &GlobalArgs) -> Result<(), UsageError> {
    if global.connection.json {
        return Err(UsageError(
            "--json applies to commands, not to the console; e.g. `sourcedeck list --json`".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn applied(args: &[&str]) -> Result<Command, UsageError> {
        let cli = Cli::try_parse_from(args).unwrap();
        let mut command = cli.command.unwrap();
        apply(cli.global, &mut command).map(|()| command)
    }

    fn connection(command: &Command) -> &ConnectionArgs {
        match command {
            Command::List { connection, .. } | Command::Delete { connection, .. } => connection,
            other => panic!("no connection flags in {other:?}"),
        }
    }

    #[test]
    fn a_flag_before_the_command_reaches_it() {
        let command = applied(&[
            "sourcedeck",
            "--api-server",
            "h:1",
            "--client-id",
            "i",
            "-e",
            "prod",
            "--timeout",
            "5",
            "--data-dir",
            "/d",
            "--json",
            "--client-secret",
            "s",
            "list",
        ])
        .unwrap();
        let flags = connection(&command);
        assert_eq!(flags.api_server.as_deref(), Some("h:1"));
        assert_eq!(flags.client_id.as_deref(), Some("i"));
        assert_eq!(flags.environment.as_deref(), Some("prod"));
        assert_eq!(flags.timeout, Some(5.0));
        assert_eq!(flags.data_dir.as_deref(), Some(std::path::Path::new("/d")));
        assert!(flags.json);
        assert!(flags.client_secret.is_some());
    }

    #[test]
    fn given_twice_the_flag_after_the_command_wins() {
        let command = applied(&[
            "sourcedeck",
            "--api-server",
            "before:1",
            "--timeout",
            "5",
            "list",
            "--api-server",
            "after:1",
        ])
        .unwrap();
        let flags = connection(&command);
        assert_eq!(flags.api_server.as_deref(), Some("after:1"));
        assert_eq!(flags.timeout, Some(5.0));
    }

    #[test]
    fn readonly_in_either_position_refuses_exactly_the_commands_that_change_data() {
        for position in [0, 1] {
            let with = |args: &[&str]| {
                let mut full = vec!["sourcedeck"];
                if position == 0 {
                    full.push("--readonly");
                    full.extend(args);
                } else {
                    full.extend(args);
                    full.push("--readonly");
                }
                applied(&full)
            };
            for refused in [
                &["delete", "x", "--yes"][..],
                &["create", "--kind", "postgresql", "--name", "x"],
                &["update", "x", "--name", "y"],
                &["secrets", "set", "n"],
                &["secrets", "delete", "n"],
            ] {
                let error = with(refused).unwrap_err();
                assert!(error.0.contains("changes data"), "{refused:?}: {error}");
            }
            for allowed in [
                &["list"][..],
                &["get", "x"],
                &["test", "x"],
                &["kinds"],
                &["secrets", "list"],
                &["secrets", "get", "n"],
                &["audit"],
            ] {
                assert!(with(allowed).is_ok(), "{allowed:?}");
            }
        }
        assert!(applied(&["sourcedeck", "--readonly", "serve"]).is_err());
    }

    #[test]
    fn plan_before_a_command_is_refused_it_is_the_consoles() {
        let error = applied(&["sourcedeck", "--plan", "f.yaml", "list"]).unwrap_err();
        assert!(error.0.contains("--plan before `list`"), "{error}");
        assert!(Cli::try_parse_from(["sourcedeck", "--prune"]).is_err());
        let cli = Cli::try_parse_from(["sourcedeck", "--plan", "f.yaml", "--prune"]).unwrap();
        assert!(cli.command.is_none() && cli.global.prune);
    }

    #[test]
    fn a_flag_the_command_does_not_take_is_refused_by_name() {
        let error = applied(&["sourcedeck", "--api-server", "h:1", "kinds"]).unwrap_err();
        assert!(error.0.contains("--api-server"), "{error}");
        let error = applied(&["sourcedeck", "--data-dir", "/d", "serve"]).unwrap_err();
        assert!(error.0.contains("--data-dir before `serve`"), "{error}");
        assert!(applied(&["sourcedeck", "--json", "kinds"]).is_ok());
        // Secrets and the audit trail talk to the server: they take every connection flag.
        assert!(applied(&["sourcedeck", "--timeout", "3", "secrets", "list"]).is_ok());
        assert!(applied(&["sourcedeck", "--json", "-e", "x", "secrets", "get", "n"]).is_ok());
        assert!(
            applied(&[
                "sourcedeck",
                "--api-server",
                "h:1",
                "audit",
                "--since",
                "1d"
            ])
            .is_ok()
        );
    }
}
