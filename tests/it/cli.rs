//! The real `sourcedeck` binary against an in-process server (through CHALK_* variables) and
//! with the embedded default server: output, exit codes, and secrets that never reach the
//! terminal unless revealed.

use crate::common;

use crate::common::{Cli, Run, TestServer, closed_port};
use sourcedeck::domain::{ConfigValue, Kind, Secret};

const MASK: &str = "•••• configured";
const PASSWORD: &str = "cli-pw-Vb63-never-printed";

/// The `--set` flags of a PostgreSQL source on the machine's database (or another port).
fn pg_flags(port: u16) -> Vec<String> {
    [
        "PGHOST=127.0.0.1".to_string(),
        format!("PGPORT={port}"),
        "PGDATABASE=test".into(),
        "PGUSER=postgres".into(),
    ]
    .into_iter()
    .flat_map(|pair| ["--set".to_string(), pair])
    .collect()
}

/// `create --kind postgresql --name NAME <pg flags> --secret PGPASSWORD`.
fn create_pg_args(name: &str, port: u16) -> Vec<String> {
    let mut args: Vec<String> = ["create", "--kind", "postgresql", "--name", name]
        .map(String::from)
        .into();
    args.extend(pg_flags(port));
    args.extend(["--secret".to_string(), "PGPASSWORD".to_string()]);
    args
}

/// The arguments as the `&[&str]` that `Cli::run` takes.
fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `create --kind postgresql --name NAME <pg flags> --secret PGPASSWORD` with the password on stdin.
async fn create_pg(cli: &Cli, name: &str, port: u16) -> Run {
    let args = create_pg_args(name, port);
    let run = cli
        .run_async(&as_strs(&args), Some(&format!("{PASSWORD}\n")))
        .await;
    run.assert_ok();
    run.assert_never_shows(PASSWORD);
    run
}

/// A fresh server with one PostgreSQL source `orders` (made through the CLI), and a CLI against it.
async fn server_with_orders() -> (TestServer, Cli) {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    create_pg(&cli, "orders", 5432).await;
    (server, cli)
}

/// Replaces the variable `name` in the environment the binary runs with.
fn set_env(cli: &mut Cli, name: &str, value: &str) {
    cli.env.retain(|(key, _)| key != name);
    cli.env.push((name.into(), value.into()));
}

async fn assert_no_integrations(server: &TestServer) {
    assert!(server.session().await.list().await.unwrap().is_empty());
}

/// Runs `args` (no stdin) against `server` and expects a failure reported in one line.
async fn refused(server: &TestServer, args: &[&str]) -> Run {
    let run = Cli::against(server).run_async(args, None).await;
    assert_ne!(run.code, 0);
    run.assert_one_line_error();
    run
}

/// `create … --name x FLAG PGPASSWORD=<leaked>`: refused in one line, the value never echoed,
/// nothing stored.
async fn refused_secret_on_argv(server: &TestServer, flag: &str, leaked: &str) -> Run {
    let pair = format!("PGPASSWORD={leaked}");
    let args = ["create", "--kind", "postgresql", "--name", "x", flag, &pair];
    let run = refused(server, &args).await;
    run.assert_never_shows(leaked);
    assert_no_integrations(server).await;
    run
}

async fn reveal(server: &TestServer, name: &str, key: &str) -> String {
    let session = server.session().await;
    let found = session.find(name).await.expect("integration exists");
    let id = found.integration.id;
    session
        .reveal(&id, key)
        .await
        .expect("reveal")
        .expose()
        .to_string()
}

#[tokio::test]
async fn list_of_an_empty_server_says_so() {
    let server = TestServer::start().await;
    let run = Cli::against(&server).run_async(&["list"], None).await;
    run.assert_ok();
    assert!(
        run.stdout.starts_with("No integrations yet."),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn create_takes_plain_values_a_secret_from_stdin_and_a_link() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let run = cli
        .run_async(
            &[
                "create",
                "--kind",
                "PostgreSQL",
                "--name",
                "orders",
                "--set",
                "PGHOST=127.0.0.1",
                "--set",
                "PGPORT=5432",
                "--set",
                "PGDATABASE=test",
                "--link",
                "PGUSER=orders-db-user",
                "--secret",
                "PGPASSWORD",
            ],
            Some(&format!("{PASSWORD}\n")),
        )
        .await;
    run.assert_ok();
    run.assert_never_shows(PASSWORD);
    assert!(
        run.stdout.starts_with("created orders (POSTGRESQL) id "),
        "{}",
        run.stdout
    );
    assert_eq!(
        reveal(&server, "orders", "PGPASSWORD").await,
        PASSWORD,
        "one trailing newline stripped"
    );
    assert_eq!(reveal(&server, "orders", "PGHOST").await, "127.0.0.1");
    let session = server.session().await;
    let found = session.find("orders").await.unwrap();
    let user = found.secrets.iter().find(|s| s.name == "PGUSER").unwrap();
    assert_eq!(user.full_name, "orders-db-user");
}

#[tokio::test]
async fn create_reads_a_secret_from_a_file() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let file = cli.home_dir().join("pw.txt");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let secret_flag = format!("PGPASSWORD=@{}", file.display());
    let run = cli
        .run_async(
            &[
                "create",
                "--kind",
                "postgresql",
                "--name",
                "orders",
                "--set",
                "PGHOST=h",
                "--secret",
                &secret_flag,
            ],
            None,
        )
        .await;
    run.assert_ok();
    run.assert_never_shows(PASSWORD);
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, PASSWORD);
}

#[tokio::test]
async fn create_prints_warnings_for_missing_required_keys() {
    let server = TestServer::start().await;
    let run = Cli::against(&server)
        .run_async(
            &[
                "create",
                "--kind",
                "postgresql",
                "--name",
                "partial",
                "--set",
                "PGHOST=h",
            ],
            None,
        )
        .await;
    run.assert_ok();
    assert!(
        run.stdout.contains("Missing required keys"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("PGDATABASE"), "{}", run.stdout);
}

#[tokio::test]
async fn list_prints_a_table_and_parseable_json() {
    let (server, cli) = server_with_orders().await;
    let run = cli
        .run_async(
            &[
                "create",
                "--kind",
                "bigquery",
                "--name",
                "warehouse",
                "--set",
                "BQ_PROJECT=acme",
                "--set",
                "BQ_DATASET=raw",
            ],
            None,
        )
        .await;
    run.assert_ok();

    let table = cli.run_async(&["list"], None).await;
    table.assert_ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", table.stdout);
    for column in ["NAME", "KIND", "ID", "UPDATED", "WARNINGS"] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    assert!(
        lines[1].starts_with("orders") && lines[1].contains("POSTGRESQL"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("warehouse") && lines[2].contains("BIGQUERY"),
        "{}",
        lines[2]
    );
    table.assert_never_shows(PASSWORD);

    let json = cli.run_async(&["list", "--json"], None).await;
    json.assert_ok();
    let parsed: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("list --json is JSON");
    let items = parsed.as_array().expect("an array");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["name"], "orders");
    assert_eq!(items[0]["kind"], "POSTGRESQL");
    assert_eq!(items[0]["environment_id"], server.environment_id());
    assert!(items[0]["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(items[1]["name"], "warehouse");
    assert!(items[0].get("config").is_none(), "no values in lists");
    json.assert_never_shows(PASSWORD);
}

#[tokio::test]
async fn get_masks_a_secret_and_shows_plain_values_and_links() {
    let (_server, cli) = server_with_orders().await;
    let update = cli
        .run_async(&["update", "orders", "--link", "PGUSER=orders-user"], None)
        .await;
    update.assert_ok();
    let run = cli.run_async(&["get", "orders"], None).await;
    run.assert_ok();
    run.assert_never_shows(PASSWORD);
    let password_line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("PGPASSWORD"))
        .expect("PGPASSWORD row");
    assert!(password_line.contains(MASK), "{password_line}");
    let host_line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("PGHOST"))
        .expect("PGHOST row");
    assert!(host_line.contains("127.0.0.1"), "{host_line}");
    let user_line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("PGUSER"))
        .expect("PGUSER row");
    assert!(user_line.contains("orders-user"), "{user_line}");
}

#[tokio::test]
async fn get_json_withholds_the_secret_value() {
    let (_server, cli) = server_with_orders().await;
    let run = cli.run_async(&["get", "orders", "--json"], None).await;
    run.assert_ok();
    run.assert_never_shows(PASSWORD);
    let parsed: serde_json::Value = serde_json::from_str(&run.stdout).expect("get --json is JSON");
    assert_eq!(parsed["config"]["PGPASSWORD"]["secret"], true);
    assert!(parsed["config"]["PGPASSWORD"].get("value").is_none());
    assert_eq!(parsed["config"]["PGHOST"]["value"], "127.0.0.1");
}

#[tokio::test]
async fn get_reveal_shows_the_one_value_asked_for() {
    let (_server, cli) = server_with_orders().await;
    let run = cli
        .run_async(&["get", "orders", "--reveal", "PGPASSWORD"], None)
        .await;
    run.assert_ok();
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("PGPASSWORD"))
        .expect("PGPASSWORD row");
    assert!(line.contains(PASSWORD), "{line}");
    assert!(!run.stdout.contains(MASK));
    assert!(!run.stderr.contains(PASSWORD));
}

#[tokio::test]
async fn get_by_id_works_like_by_name() {
    let (server, cli) = server_with_orders().await;
    let session = server.session().await;
    let id = session.get_by_name("orders").await.unwrap().id;
    let run = cli.run_async(&["get", &id], None).await;
    run.assert_ok();
    assert!(run.stdout.contains("orders"), "{}", run.stdout);
}

#[tokio::test]
async fn get_of_an_unknown_integration_is_a_one_line_error() {
    let server = TestServer::start().await;
    let run = Cli::against(&server)
        .run_async(&["get", "nobody"], None)
        .await;
    assert_eq!(run.code, 1);
    run.assert_one_line_error();
    assert!(run.stderr.contains("nobody"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[tokio::test]
async fn update_changes_only_the_given_keys_and_renames() {
    let (server, cli) = server_with_orders().await;
    let run = cli
        .run_async(
            &[
                "update",
                "orders",
                "--name",
                "sales",
                "--set",
                "PGHOST=db.internal",
            ],
            None,
        )
        .await;
    run.assert_ok();
    assert!(run.stdout.starts_with("updated sales"), "{}", run.stdout);
    assert_eq!(reveal(&server, "sales", "PGHOST").await, "db.internal");
    assert_eq!(reveal(&server, "sales", "PGPASSWORD").await, PASSWORD);
    assert_eq!(reveal(&server, "sales", "PGDATABASE").await, "test");
}

#[tokio::test]
async fn update_of_a_secret_reads_it_from_stdin() {
    let (server, cli) = server_with_orders().await;
    let new_password = "rotated-pw-Nn20";
    let run = cli
        .run_async(
            &["update", "orders", "--secret", "PGPASSWORD"],
            Some(new_password),
        )
        .await;
    run.assert_ok();
    run.assert_never_shows(new_password);
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, new_password);
}

#[tokio::test]
async fn update_with_nothing_to_change_is_an_error() {
    let (_server, cli) = server_with_orders().await;
    let run = cli.run_async(&["update", "orders"], None).await;
    assert_eq!(run.code, 1);
    run.assert_one_line_error();
}

#[tokio::test]
async fn test_exits_0_when_the_source_answers() {
    let (_server, cli) = server_with_orders().await;
    let run = cli.run_async(&["test", "orders"], None).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("ok"), "{}", run.stdout);
    run.assert_never_shows(PASSWORD);
    let json = cli.run_async(&["test", "orders", "--json"], None).await;
    assert_eq!(json.code, 0);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["success"], true);
    assert!(parsed["latency_seconds"].as_f64().is_some_and(|s| s > 0.0));
}

#[tokio::test]
async fn test_exits_3_when_the_source_does_not_answer() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    create_pg(&cli, "orders", closed_port()).await;
    let run = cli.run_async(&["test", "orders"], None).await;
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("FAILED"), "{}", run.stdout);
    assert!(run.stdout.contains("connection refused"), "{}", run.stdout);
    run.assert_never_shows(PASSWORD);
}

#[tokio::test]
async fn test_of_a_draft_runs_without_saving() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let mut args = vec!["test", "--kind", "postgresql"];
    let flags = pg_flags(5432);
    args.extend(as_strs(&flags));
    let run = cli.run_async(&args, None).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_no_integrations(&server).await;
}

#[tokio::test]
async fn test_without_target_or_kind_is_an_error() {
    let server = TestServer::start().await;
    let run = Cli::against(&server).run_async(&["test"], None).await;
    assert_eq!(run.code, 1);
    run.assert_one_line_error();
}

#[tokio::test]
async fn a_linked_secret_set_with_the_cli_resolves_in_a_test() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let data_dir = server.data_dir();
    let data_dir = data_dir.to_str().unwrap();
    let run = cli
        .run_async(
            &[
                "create",
                "--kind",
                "postgresql",
                "--name",
                "orders",
                "--set",
                "PGHOST=127.0.0.1",
                "--set",
                "PGPORT=5432",
                "--set",
                "PGUSER=postgres",
                "--link",
                "PGDATABASE=orders-db-name",
            ],
            None,
        )
        .await;
    run.assert_ok();
    let before = cli.run_async(&["test", "orders"], None).await;
    assert_eq!(before.code, 3, "not in the store yet: {}", before.stdout);
    assert!(before.stdout.contains("PGDATABASE"), "{}", before.stdout);
    let set = cli
        .run_async(
            &["secrets", "set", "orders-db-name", "--data-dir", data_dir],
            Some("test\n"),
        )
        .await;
    set.assert_ok();
    let listed = cli
        .run_async(&["secrets", "list", "--data-dir", data_dir], None)
        .await;
    listed.assert_ok();
    assert!(
        listed.stdout.contains("orders-db-name"),
        "{}",
        listed.stdout
    );
    let after = cli.run_async(&["test", "orders"], None).await;
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}

#[tokio::test]
async fn secrets_list_never_shows_values() {
    let cli = Cli::isolated();
    let value = "local-secret-Rr88";
    let set = cli
        .run_async(&["secrets", "set", "api-token"], Some(value))
        .await;
    set.assert_ok();
    set.assert_never_shows(value);
    let listed = cli.run_async(&["secrets", "list"], None).await;
    listed.assert_ok();
    assert!(listed.stdout.contains("api-token"));
    listed.assert_never_shows(value);
    let json = cli.run_async(&["secrets", "list", "--json"], None).await;
    json.assert_ok();
    json.assert_never_shows(value);
}

#[tokio::test]
async fn delete_without_yes_on_a_non_terminal_stdin_refuses_and_keeps_the_integration() {
    let (server, cli) = server_with_orders().await;
    let run = cli.run_async(&["delete", "orders"], Some("orders\n")).await;
    assert_ne!(run.code, 0);
    run.assert_one_line_error();
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert_eq!(server.session().await.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn delete_with_yes_deletes() {
    let (server, cli) = server_with_orders().await;
    let run = cli.run_async(&["delete", "orders", "--yes"], None).await;
    run.assert_ok();
    assert!(run.stdout.starts_with("deleted orders"), "{}", run.stdout);
    assert_no_integrations(&server).await;
    let again = cli.run_async(&["delete", "orders", "--yes"], None).await;
    assert_eq!(again.code, 1);
    again.assert_one_line_error();
}

#[tokio::test]
async fn an_unknown_kind_is_refused_listing_the_valid_kinds() {
    let server = TestServer::start().await;
    let run = refused(&server, &["create", "--kind", "oracle", "--name", "x"]).await;
    for kind in ["oracle", "postgresql", "snowflake", "bigquery", "mysql"] {
        assert!(run.stderr.contains(kind), "{kind} not in {}", run.stderr);
    }
    assert_no_integrations(&server).await;
}

#[tokio::test]
async fn set_of_a_secret_key_is_refused_without_echoing_the_value() {
    let server = TestServer::start().await;
    let leaked = "set-pw-Jj44-must-not-echo";
    let run = refused_secret_on_argv(&server, "--set", leaked).await;
    assert!(run.stderr.contains("--secret PGPASSWORD"), "{}", run.stderr);
}

#[tokio::test]
async fn a_secret_value_on_the_command_line_is_refused_without_echoing_it() {
    let server = TestServer::start().await;
    let leaked = "argv-pw-Uu12-must-not-echo";
    refused_secret_on_argv(&server, "--secret", leaked).await;
}

#[tokio::test]
async fn a_bad_name_is_refused_naming_the_character() {
    let server = TestServer::start().await;
    let run = refused(
        &server,
        &["create", "--kind", "postgresql", "--name", "my-source"],
    )
    .await;
    assert!(run.stderr.contains("'-'"), "{}", run.stderr);
}

#[tokio::test]
async fn a_server_error_is_one_line_and_leaks_no_secret() {
    let (_server, cli) = server_with_orders().await;
    let args = create_pg_args("ORDERS", 5432);
    let run = cli.run_async(&as_strs(&args), Some(PASSWORD)).await;
    assert_eq!(run.code, 1);
    run.assert_one_line_error();
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    run.assert_never_shows(PASSWORD);
}

#[tokio::test]
async fn a_wrong_client_secret_fails_without_printing_it() {
    let server = TestServer::start().await;
    let mut cli = Cli::against(&server);
    let wrong = "wrong-client-secret-Ee90";
    set_env(&mut cli, "CHALK_CLIENT_SECRET", wrong);
    let run = cli.run_async(&["list"], None).await;
    assert_eq!(run.code, 1);
    run.assert_one_line_error();
    run.assert_never_shows(wrong);
    run.assert_never_shows(common::CLIENT_SECRET);
}

#[tokio::test]
async fn a_usage_error_exits_2() {
    let server = TestServer::start().await;
    let run = Cli::against(&server)
        .run_async(&["create", "--name", "x"], None)
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test]
async fn values_created_through_the_typed_client_show_in_the_cli() {
    let server = TestServer::start().await;
    let session = server.session().await;
    let config = [
        (
            "PGHOST".to_string(),
            ConfigValue::Literal(Secret::new("typed.host")),
        ),
        (
            "PGPASSWORD".to_string(),
            ConfigValue::Literal(Secret::new(PASSWORD)),
        ),
    ]
    .into_iter()
    .collect();
    session
        .create(Kind::Postgresql, "typed", &config)
        .await
        .unwrap();
    let run = Cli::against(&server)
        .run_async(&["get", "typed"], None)
        .await;
    run.assert_ok();
    run.assert_never_shows(PASSWORD);
    assert!(run.stdout.contains("typed.host"));
}

// ---------------------------------------------------------------------------------------------
// The embedded default server (no CHALK_* variables, no ~/.chalk.yml)
// ---------------------------------------------------------------------------------------------

#[test]
fn without_any_server_configured_list_uses_the_embedded_server() {
    let cli = Cli::isolated();
    let run = cli.run(&["list"], None);
    run.assert_ok();
    assert!(
        run.stdout.starts_with("No integrations yet."),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn the_embedded_server_keeps_data_across_invocations_in_xdg_data_home() {
    let cli = Cli::isolated();
    let args = create_pg_args("local_pg", 5432);
    let created = cli.run(&as_strs(&args), Some(PASSWORD));
    created.assert_ok();
    created.assert_never_shows(PASSWORD);

    let data = cli.home_dir().join("data").join("sourcedeck");
    assert!(
        data.join("sourcedeck.db").is_file(),
        "no database in {}",
        data.display()
    );

    let listed = cli.run(&["list"], None);
    listed.assert_ok();
    assert!(
        listed.stdout.lines().any(|l| l.starts_with("local_pg")),
        "{}",
        listed.stdout
    );

    let revealed = cli.run(&["get", "local_pg", "--reveal", "PGPASSWORD"], None);
    revealed.assert_ok();
    assert!(revealed.stdout.contains(PASSWORD));

    let tested = cli.run(&["test", "local_pg"], None);
    assert_eq!(tested.code, 0, "{}{}", tested.stdout, tested.stderr);
}

#[test]
fn an_explicit_data_dir_overrides_xdg_data_home() {
    let cli = Cli::isolated();
    let elsewhere = cli.home_dir().join("elsewhere");
    let dir = elsewhere.to_str().unwrap();
    cli.run(
        &[
            "create",
            "--kind",
            "postgresql",
            "--name",
            "pg",
            "--set",
            "PGHOST=h",
            "--data-dir",
            dir,
        ],
        None,
    )
    .assert_ok();
    assert!(elsewhere.join("sourcedeck.db").is_file());
    let default_list = cli.run(&["list"], None);
    default_list.assert_ok();
    assert!(
        default_list.stdout.starts_with("No integrations yet."),
        "{}",
        default_list.stdout
    );
    let listed = cli.run(&["list", "--data-dir", dir], None);
    assert!(
        listed.stdout.lines().any(|l| l.starts_with("pg ")),
        "{}",
        listed.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Where the CLI finds its server and credentials
// ---------------------------------------------------------------------------------------------

/// A `.chalk.yml` with one `default` token for `server`, using `secret`.
fn chalk_yml(server: &TestServer, secret: &str) -> String {
    format!(
        "tokens:\n  default:\n    name: Test Token\n    clientId: {}\n    clientSecret: {secret}\n    apiServer: {}\n",
        common::CLIENT_ID,
        server.url()
    )
}

#[tokio::test]
async fn credentials_are_read_from_chalk_yml_in_xdg_config_home() {
    let server = TestServer::start().await;
    let cli = Cli::isolated();
    let config = cli.home_dir().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join(".chalk.yml"),
        chalk_yml(&server, common::CLIENT_SECRET),
    )
    .unwrap();
    server
        .session()
        .await
        .create(Kind::Postgresql, "from_server", &Default::default())
        .await
        .unwrap();
    let run = cli.run_async(&["list"], None).await;
    run.assert_ok();
    assert!(
        run.stdout.lines().any(|l| l.starts_with("from_server")),
        "{}",
        run.stdout
    );
    run.assert_never_shows(common::CLIENT_SECRET);
}

#[tokio::test]
async fn chalk_variables_win_over_chalk_yml() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let config = cli.home_dir().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join(".chalk.yml"),
        chalk_yml(&server, "stale-secret-from-file"),
    )
    .unwrap();
    let run = cli.run_async(&["list"], None).await;
    run.assert_ok();
    run.assert_never_shows("stale-secret-from-file");
}

#[tokio::test]
async fn the_api_server_may_be_given_without_a_scheme_or_with_a_trailing_slash() {
    let server = TestServer::start().await;
    let address = server.server.address.to_string();
    for api_server in [address.clone(), format!("http://{address}/")] {
        let mut cli = Cli::against(&server);
        set_env(&mut cli, "CHALK_API_SERVER", &api_server);
        let run = cli.run_async(&["list"], None).await;
        assert_eq!(run.code, 0, "{api_server}: {}", run.stderr);
    }
}

#[tokio::test]
async fn the_environment_may_be_chosen_by_name_and_an_unknown_one_lists_the_known() {
    let server = TestServer::start().await;
    let mut cli = Cli::against(&server);
    cli.env.push(("CHALK_ENVIRONMENT".into(), "DEFAULT".into()));
    cli.run_async(&["list"], None).await.assert_ok();
    let by_id = cli
        .run_async(&["list", "--environment", &server.environment_id()], None)
        .await;
    by_id.assert_ok();
    let unknown = cli
        .run_async(&["list", "--environment", "prod"], None)
        .await;
    assert_eq!(unknown.code, 1);
    unknown.assert_one_line_error();
    assert!(unknown.stderr.contains("prod"), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains(&server.environment_id()),
        "{}",
        unknown.stderr
    );
}

#[tokio::test]
async fn update_and_test_also_refuse_a_secret_key_given_with_set() {
    let (server, cli) = server_with_orders().await;
    let leaked = "update-pw-Ff81-must-not-echo";
    let set = format!("PGPASSWORD={leaked}");
    for args in [
        vec!["update", "orders", "--set", set.as_str()],
        vec!["test", "--kind", "postgresql", "--set", set.as_str()],
        vec!["test", "orders", "--set", set.as_str()],
    ] {
        let run = cli.run_async(&args, None).await;
        assert_eq!(run.code, 1, "{args:?}");
        run.assert_one_line_error();
        run.assert_never_shows(leaked);
    }
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, PASSWORD);
}

#[test]
fn kinds_lists_the_catalog_and_one_kind_marks_its_secret_keys() {
    let cli = Cli::isolated();
    let all = cli.run(&["kinds"], None);
    all.assert_ok();
    for kind in ["postgresql", "snowflake", "bigquery", "mysql"] {
        assert!(
            all.stdout.lines().any(|l| l.starts_with(kind)),
            "{kind}: {}",
            all.stdout
        );
    }
    let pg = cli.run(&["kinds", "postgresql", "--json"], None);
    pg.assert_ok();
    let keys: serde_json::Value = serde_json::from_str(&pg.stdout).unwrap();
    let password = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["key"] == "PGPASSWORD")
        .expect("PGPASSWORD in the catalog");
    assert_eq!(password["secret"], true);
}

/// Starts six `args` at once and expects every one to succeed ("{what} failed: <stderr>" if not).
fn assert_six_parallel_runs_succeed(cli: &Cli, args: &[&str], what: &str) {
    let children: Vec<_> = (0..6)
        .map(|_| {
            cli.command(args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("binary starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("finishes");
        assert!(
            output.status.success(),
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn parallel_first_runs_on_a_fresh_data_dir_all_succeed() {
    // Scripts may start several commands at once on a machine that never ran sourcedeck.
    for _ in 0..5 {
        let cli = Cli::isolated();
        assert_six_parallel_runs_succeed(&cli, &["list"], "a parallel first run");
    }
}

#[test]
fn parallel_first_uses_of_a_new_environment_all_succeed() {
    for _ in 0..5 {
        let cli = Cli::isolated();
        cli.run(&["secrets", "list"], None).assert_ok(); // schema and "default" exist now
        assert_six_parallel_runs_succeed(
            &cli,
            &["secrets", "list", "--environment", "staging"],
            "a parallel first use of an environment",
        );
    }
}

#[tokio::test]
async fn credentials_written_into_the_api_server_url_are_never_echoed() {
    let server = TestServer::start().await;
    let leaked = "url-pw-Hh83-never-echoed";
    let mut cli = Cli::against(&server);
    let authority = server.url().trim_start_matches("http://").to_string();
    set_env(
        &mut cli,
        "CHALK_API_SERVER",
        &format!("http://admin:{leaked}@{authority}"),
    );
    let run = cli.run_async(&["list"], None).await;
    assert_ne!(run.code, 0);
    run.assert_one_line_error();
    run.assert_never_shows(leaked);
}
