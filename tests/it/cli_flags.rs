//! Every connection flag and `--readonly` means the same before and after the command: each is
//! tested in both positions with the real binary against a real server (a flag that was dropped
//! would fall back to the environment, which points somewhere that fails). Given in both places,
//! the flag after the command wins.

use std::time::{Duration, Instant};

use crate::common::{CLIENT_ID, CLIENT_SECRET, Cli, Run, SilentListener, TestServer, closed_port};
use sourcedeck::domain::{ConfigValue, Kind, Secret};

/// `flags` before `command`, then after it.
fn both_positions(flags: &[&str], command: &[&str]) -> [Vec<String>; 2] {
    let owned = |parts: &[&[&str]]| -> Vec<String> {
        parts
            .iter()
            .flat_map(|part| part.iter().map(|s| s.to_string()))
            .collect()
    };
    [owned(&[flags, command]), owned(&[command, flags])]
}

async fn run(cli: &Cli, args: &[String], stdin: Option<&str>) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cli.run_async(&args, stdin).await
}

/// A server holding one integration, `orders`.
async fn server_with_orders() -> TestServer {
    let server = TestServer::start().await;
    let config = [(
        "PGHOST".to_string(),
        ConfigValue::Literal(Secret::new("db.example")),
    )]
    .into_iter()
    .collect();
    server
        .session()
        .await
        .create(Kind::Postgresql, "orders", &config)
        .await
        .unwrap();
    server
}

#[track_caller]
fn assert_lists_orders(run: &Run, args: &[String]) {
    run.assert_ok();
    assert!(
        run.stdout.lines().any(|line| line.starts_with("orders ")),
        "{args:?}: {}",
        run.stdout
    );
}

#[track_caller]
fn assert_usage_error(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run.assert_one_line_error();
    assert!(
        run.stderr.contains(needle),
        "{needle:?} in {:?}",
        run.stderr
    );
}

/// The environment names the server except for `name`, which holds `wrong`.
fn cli_with(server: &TestServer, name: &str, wrong: &str) -> Cli {
    let mut cli = Cli::against(server);
    cli.env.retain(|(key, _)| key != name);
    cli.env.push((name.into(), wrong.into()));
    cli
}

#[tokio::test]
async fn api_server_in_either_position_picks_the_server() {
    let server = server_with_orders().await;
    let cli = cli_with(
        &server,
        "CHALK_API_SERVER",
        &format!("127.0.0.1:{}", closed_port()),
    );
    for args in both_positions(&["--api-server", &server.url()], &["list"]) {
        assert_lists_orders(&run(&cli, &args, None).await, &args);
    }
}

#[tokio::test]
async fn api_server_and_client_id_before_list_never_fall_back_to_the_embedded_store() {
    // The report: `sourcedeck --api-server URL --client-id ID list` answered from the local store.
    let server = server_with_orders().await;
    let mut cli = Cli::isolated();
    cli.env
        .push(("CHALK_CLIENT_SECRET".into(), CLIENT_SECRET.into()));
    for args in both_positions(
        &["--api-server", &server.url(), "--client-id", CLIENT_ID],
        &["list"],
    ) {
        assert_lists_orders(&run(&cli, &args, None).await, &args);
    }
    assert!(
        !cli.home_dir().join("data").join("sourcedeck").exists(),
        "the embedded server was started"
    );
}

#[tokio::test]
async fn client_id_in_either_position_is_the_one_used() {
    let server = server_with_orders().await;
    let cli = cli_with(&server, "CHALK_CLIENT_ID", "someone-else");
    for args in both_positions(&["--client-id", CLIENT_ID], &["list"]) {
        assert_lists_orders(&run(&cli, &args, None).await, &args);
    }
}

#[tokio::test]
async fn client_secret_in_either_position_is_the_one_used() {
    let server = server_with_orders().await;
    let cli = cli_with(&server, "CHALK_CLIENT_SECRET", "a-wrong-secret-0000");
    for args in both_positions(&["--client-secret", CLIENT_SECRET], &["list"]) {
        let run = run(&cli, &args, None).await;
        assert_lists_orders(&run, &args);
        run.assert_never_shows(CLIENT_SECRET);
    }
}

#[tokio::test]
async fn environment_in_either_position_is_the_one_asked_for() {
    let server = server_with_orders().await;
    let cli = Cli::against(&server);
    for flag in ["-e", "--environment"] {
        for args in both_positions(&[flag, "no_such_env"], &["list"]) {
            let run = run(&cli, &args, None).await;
            assert_ne!(run.code, 0, "{args:?}: {}", run.stdout);
            assert!(
                run.stderr.contains("no_such_env"),
                "{args:?}: {}",
                run.stderr
            );
        }
        for args in both_positions(&[flag, "default"], &["list"]) {
            assert_lists_orders(&run(&cli, &args, None).await, &args);
        }
    }
}

#[tokio::test]
async fn timeout_in_either_position_is_the_deadline_used() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    for args in both_positions(&["--timeout", "0"], &["list"]) {
        let run = run(&cli, &args, None).await;
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("--timeout: 0 is not"), "{}", run.stderr);
    }
    let silent = SilentListener::start().await;
    let cli = cli_with(
        &server,
        "CHALK_API_SERVER",
        &format!("127.0.0.1:{}", silent.port),
    );
    for args in both_positions(&["--timeout", "0.5"], &["list"]) {
        let started = Instant::now();
        let run = run(&cli, &args, None).await;
        assert_ne!(run.code, 0, "{args:?}: {}", run.stdout);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{args:?} took {:?}, not the 0.5 s deadline",
            started.elapsed()
        );
    }
}

#[test]
fn data_dir_in_either_position_is_the_store_used() {
    for position in [0, 1] {
        let cli = Cli::isolated();
        let elsewhere = cli.home_dir().join("elsewhere");
        let dir = elsewhere.to_str().unwrap();
        let create = [
            "create",
            "--kind",
            "postgresql",
            "--name",
            "pg",
            "--set",
            "PGHOST=h",
        ];
        let args = &both_positions(&["--data-dir", dir], &create)[position];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.run(&args, None).assert_ok();
        assert!(elsewhere.join("sourcedeck.db").is_file(), "{args:?}");
        let listed = &both_positions(&["--data-dir", dir], &["list"])[position];
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        let run = cli.run(&listed, None);
        assert!(
            run.stdout.lines().any(|l| l.starts_with("pg ")),
            "{listed:?}: {}",
            run.stdout
        );
        let default = cli.run(&["list"], None);
        assert!(
            default.stdout.starts_with("No integrations yet."),
            "{}",
            default.stdout
        );
    }
}

#[tokio::test]
async fn json_in_either_position_prints_json() {
    let server = server_with_orders().await;
    let cli = Cli::against(&server);
    for command in [&["list"][..], &["get", "orders"]] {
        for args in both_positions(&["--json"], command) {
            let run = run(&cli, &args, None).await;
            run.assert_ok();
            let parsed: serde_json::Value = serde_json::from_str(&run.stdout)
                .unwrap_or_else(|error| panic!("{args:?}: {error}: {}", run.stdout));
            assert!(parsed.to_string().contains("orders"), "{parsed}");
        }
    }
}

#[tokio::test]
async fn readonly_in_either_position_refuses_delete_and_keeps_the_integration() {
    // The report: `sourcedeck --readonly delete NAME --yes` deleted.
    let server = server_with_orders().await;
    let cli = Cli::against(&server);
    for args in both_positions(&["--readonly"], &["delete", "orders", "--yes"]) {
        let run = run(&cli, &args, None).await;
        assert_usage_error(&run, "--readonly: `delete` changes data");
    }
    let remaining = server.session().await.list().await.unwrap();
    assert_eq!(remaining.len(), 1);
}

#[tokio::test]
async fn readonly_refuses_every_command_that_changes_data_and_runs_the_others() {
    let server = server_with_orders().await;
    let cli = Cli::against(&server);
    let changing: [&[&str]; 5] = [
        &[
            "create",
            "--kind",
            "postgresql",
            "--name",
            "other",
            "--set",
            "PGHOST=h",
        ],
        &["update", "orders", "--name", "renamed"],
        &["delete", "orders", "--yes"],
        &["secrets", "set", "token"],
        &["secrets", "delete", "token"],
    ];
    for command in changing {
        for args in both_positions(&["--readonly"], command) {
            let run = run(&cli, &args, Some("value\n")).await;
            assert_usage_error(&run, "changes data");
        }
    }
    let serve = cli.run_async(&["--readonly", "serve"], None).await;
    assert_usage_error(&serve, "`serve` changes data");
    let listed = server.session().await.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name.as_deref(), Some("orders"));

    let reading: [&[&str]; 4] = [
        &["list"],
        &["get", "orders"],
        &["kinds"],
        &["secrets", "list"],
    ];
    for command in reading {
        for args in both_positions(&["--readonly"], command) {
            run(&cli, &args, None).await.assert_ok();
        }
    }
}

#[tokio::test]
async fn a_flag_given_before_and_after_the_command_takes_the_one_after() {
    let server = server_with_orders().await;
    let cli = Cli::isolated();
    let closed = format!("127.0.0.1:{}", closed_port());
    let mut cli = cli;
    cli.env.push(("CHALK_CLIENT_ID".into(), CLIENT_ID.into()));
    cli.env
        .push(("CHALK_CLIENT_SECRET".into(), CLIENT_SECRET.into()));
    let args: Vec<String> = [
        "--api-server",
        &closed,
        "list",
        "--api-server",
        &server.url(),
    ]
    .map(String::from)
    .into();
    assert_lists_orders(&run(&cli, &args, None).await, &args);
    let args: Vec<String> = [
        "--api-server",
        &server.url(),
        "list",
        "--api-server",
        &closed,
    ]
    .map(String::from)
    .into();
    let run = run(&cli, &args, None).await;
    assert_eq!(
        run.code, 1,
        "the closed port after the command wins: {}",
        run.stdout
    );
}

#[tokio::test]
async fn a_flag_the_command_does_not_take_is_a_usage_error_not_ignored() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let run = cli
        .run_async(&["--api-server", &server.url(), "kinds"], None)
        .await;
    assert_usage_error(&run, "--api-server before `kinds`");
    let run = cli
        .run_async(&["--data-dir", "/nonexistent", "serve"], None)
        .await;
    assert_usage_error(&run, "--data-dir before `serve`");
    let run = cli.run_async(&["--json", "kinds"], None).await;
    run.assert_ok();
    assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_ok());
}
