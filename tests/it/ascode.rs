//! Sources as code against a real server and the real binary: `export`, `plan` and `apply` round
//! trips, drift made through the official Python SDK, `{env}` secrets compared without being
//! printed, prune, promotion between two environments (one server each), every file error, and
//! random secrets that never appear in any output.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{CLIENT_ID, CLIENT_SECRET, Cli, Run, TestServer, closed_port};
use sourcedeck::domain::{ConfigValue, Kind, Secret};

const CHANGES: i32 = 4;

fn random_secret(tag: &str) -> String {
    format!(
        "{tag}-{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

fn write(cli: &Cli, name: &str, text: &str) -> String {
    let path = cli.home_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn run(cli: &Cli, args: &[&str]) -> Run {
    cli.run_async(args, None).await
}

fn set_env(cli: &mut Cli, name: &str, value: &str) {
    cli.env.retain(|(key, _)| key != name);
    cli.env.push((name.into(), value.into()));
}

/// A PostgreSQL source `orders` with a secret literal, and a Kafka source with a link.
async fn seed(server: &TestServer, password: &str) {
    let session = server.session().await;
    let pg = BTreeMap::from([
        (
            "PGHOST".to_string(),
            ConfigValue::Literal(Secret::new("db.internal")),
        ),
        (
            "PGPORT".to_string(),
            ConfigValue::Literal(Secret::new("5432")),
        ),
        (
            "PGDATABASE".to_string(),
            ConfigValue::Literal(Secret::new("orders")),
        ),
        (
            "PGUSER".to_string(),
            ConfigValue::Literal(Secret::new("app")),
        ),
        (
            "PGPASSWORD".to_string(),
            ConfigValue::Literal(Secret::new(password)),
        ),
    ]);
    session
        .create(Kind::Postgresql, "orders", &pg)
        .await
        .unwrap();
    let kafka = BTreeMap::from([
        (
            "KAFKA_BOOTSTRAP_SERVER".to_string(),
            ConfigValue::Literal(Secret::new("kafka-1:9092")),
        ),
        (
            "KAFKA_SASL_PASSWORD".to_string(),
            ConfigValue::Linked("kafka-password".into()),
        ),
    ]);
    session.create(Kind::Kafka, "events", &kafka).await.unwrap();
}

async fn names(server: &TestServer) -> Vec<String> {
    let mut names: Vec<String> = server
        .session()
        .await
        .list()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|i| i.name)
        .collect();
    names.sort();
    names
}

async fn reveal(server: &TestServer, name: &str, key: &str) -> String {
    let session = server.session().await;
    let id = session.find(name).await.unwrap().integration.id;
    session.reveal(&id, key).await.unwrap().expose().to_string()
}

#[tokio::test]
async fn export_then_plan_reports_no_changes_and_never_a_secret() {
    let server = TestServer::start().await;
    let password = random_secret("pw");
    seed(&server, &password).await;
    let cli = Cli::against(&server);
    let export = run(&cli, &["export"]).await;
    export.assert_ok();
    export.assert_never_shows(&password);
    assert!(
        export.stdout.contains("PGPASSWORD: {keep: true}"),
        "{}",
        export.stdout
    );
    assert!(
        export
            .stdout
            .contains("KAFKA_SASL_PASSWORD: {secret: \"kafka-password\"}")
    );
    assert!(export.stdout.contains("PGHOST: \"db.internal\""));
    let file = write(&cli, "sources.yaml", &export.stdout);
    let plan = run(&cli, &["plan", &file]).await;
    plan.assert_ok();
    assert!(
        plan.stdout
            .contains("0 to create, 0 to update, 0 to delete, 2 unchanged"),
        "{}",
        plan.stdout
    );
    let json = run(&cli, &["plan", &file, "--json"]).await;
    json.assert_ok();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["changes"], false);
    let out = run(&cli, &["export", "-o", "out.yaml"]).await;
    out.assert_ok();
    assert_eq!(
        std::fs::read_to_string(cli.home_dir().join("out.yaml")).unwrap(),
        export.stdout
    );
}

/// Changes PGHOST of `orders` through the official Python SDK.
fn python_sdk_update(url: &str, home: &Path, id: &str) {
    let python = common::venv_python();
    let address = url.trim_start_matches("http://").to_string();
    let script = format!(
        "from chalk.client import ChalkClient\nChalkClient().api.datasources.update(id={id:?}, config={{'PGHOST': 'db.changed-by-hand'}})\n"
    );
    let status = Command::new(python)
        .arg("-c")
        .arg(script)
        .env("CHALK_CLIENT_ID", CLIENT_ID)
        .env("CHALK_CLIENT_SECRET", CLIENT_SECRET)
        .env("CHALK_API_SERVER", address)
        .env("HOME", home)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn a_change_through_the_python_sdk_is_drift_and_apply_repairs_it() {
    let server = TestServer::start().await;
    let password = random_secret("pw");
    seed(&server, &password).await;
    let cli = Cli::against(&server);
    let export = run(&cli, &["export"]).await;
    let file = write(&cli, "sources.yaml", &export.stdout);
    let id = server
        .session()
        .await
        .find("orders")
        .await
        .unwrap()
        .integration
        .id;
    let (url, home) = (server.url(), server.dir.path().to_path_buf());
    tokio::task::spawn_blocking(move || python_sdk_update(&url, &home, &id))
        .await
        .unwrap();
    let plan = run(&cli, &["plan", &file]).await;
    assert_eq!(plan.code, CHANGES, "{plan:?}");
    assert!(
        plan.stdout.contains("~ orders (postgresql)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("PGHOST: \"db.changed-by-hand\" → \"db.internal\""),
        "{}",
        plan.stdout
    );
    let refused = run(&cli, &["apply", &file]).await;
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("--yes"));
    assert_eq!(
        reveal(&server, "orders", "PGHOST").await,
        "db.changed-by-hand"
    );
    let apply = run(&cli, &["apply", &file, "--yes"]).await;
    apply.assert_ok();
    apply.assert_never_shows(&password);
    run(&cli, &["plan", &file]).await.assert_ok();
    assert_eq!(reveal(&server, "orders", "PGHOST").await, "db.internal");
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, password);
}

const ENV_FILE: &str = "version: 1\nsources:\n  orders:\n    kind: postgresql\n    config:\n      PGHOST: db\n      PGPASSWORD: {env: ORDERS_PW}\n";

#[tokio::test]
async fn env_secrets_are_compared_in_memory_and_never_printed() {
    let server = TestServer::start().await;
    let mut cli = Cli::against(&server);
    let first = random_secret("first");
    let second = random_secret("second");
    let file = write(&cli, "s.yaml", ENV_FILE);
    set_env(&mut cli, "ORDERS_PW", &first);
    let create = run(&cli, &["apply", &file, "--yes"]).await;
    create.assert_ok();
    create.assert_never_shows(&first);
    assert!(
        create.stdout.contains("+ orders (postgresql)"),
        "{}",
        create.stdout
    );
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, first);
    for args in [vec!["plan", &file], vec!["plan", &file, "--json"]] {
        let same = run(&cli, &args).await;
        same.assert_ok();
        same.assert_never_shows(&first);
    }
    set_env(&mut cli, "ORDERS_PW", &second);
    for args in [vec!["plan", &file], vec!["plan", &file, "--json"]] {
        let changed = run(&cli, &args).await;
        assert_eq!(changed.code, CHANGES, "{changed:?}");
        assert!(changed.stdout.contains("PGPASSWORD") && changed.stdout.contains("secret"));
        changed.assert_never_shows(&first);
        changed.assert_never_shows(&second);
    }
    let apply = run(&cli, &["apply", &file, "--yes", "--json"]).await;
    apply.assert_ok();
    apply.assert_never_shows(&first);
    apply.assert_never_shows(&second);
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, second);
    let export = run(&cli, &["export"]).await;
    export.assert_never_shows(&second);
    // An unset variable is a file error naming the key; nothing is printed of the others.
    cli.env.retain(|(key, _)| key != "ORDERS_PW");
    let missing = run(&cli, &["plan", &file]).await;
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains(
            ":7:7: source orders, key PGPASSWORD: env: the variable ORDERS_PW is not set"
        ),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn keys_the_file_leaves_out_are_cleared_and_prune_deletes_unnamed_sources() {
    let server = TestServer::start().await;
    let password = random_secret("pw");
    seed(&server, &password).await;
    let cli = Cli::against(&server);
    let file = write(
        &cli,
        "s.yaml",
        "version: 1\nsources:\n  orders:\n    kind: postgresql\n    config:\n      PGHOST: db.internal\n      PGPORT: 5432\n      PGDATABASE: orders\n      PGUSER: app\n",
    );
    let plan = run(&cli, &["plan", &file]).await;
    assert_eq!(plan.code, CHANGES);
    assert!(
        plan.stdout.contains("PGPASSWORD: - (cleared)"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("1 unmanaged"), "{}", plan.stdout);
    plan.assert_never_shows(&password);
    let pruned = run(&cli, &["plan", &file, "--prune"]).await;
    assert!(
        pruned.stdout.contains("- events (kafka)"),
        "{}",
        pruned.stdout
    );
    run(&cli, &["apply", &file, "--prune", "--yes"])
        .await
        .assert_ok();
    assert_eq!(names(&server).await, vec!["orders".to_string()]);
    assert_eq!(reveal(&server, "orders", "PGPASSWORD").await, "");
    run(&cli, &["plan", &file, "--prune"]).await.assert_ok();
}

#[tokio::test]
async fn export_from_one_environment_applies_to_another() {
    let staging = TestServer::start().await;
    let prod = TestServer::start().await;
    let session = staging.session().await;
    let config = BTreeMap::from([
        (
            "KAFKA_BOOTSTRAP_SERVER".to_string(),
            ConfigValue::Literal(Secret::new("kafka-1:9092")),
        ),
        (
            "KAFKA_SASL_PASSWORD".to_string(),
            ConfigValue::Linked("kafka-password".into()),
        ),
    ]);
    session
        .create(Kind::Kafka, "events", &config)
        .await
        .unwrap();
    let export = run(&Cli::against(&staging), &["export"]).await;
    export.assert_ok();
    let prod_cli = Cli::against(&prod);
    let apply = prod_cli
        .run_async(&["apply", "-", "--yes"], Some(&export.stdout))
        .await;
    apply.assert_ok();
    let plan = prod_cli
        .run_async(&["plan", "-"], Some(&export.stdout))
        .await;
    plan.assert_ok();
    // A stored secret literal exports as {keep}, which cannot create a source elsewhere.
    let password = random_secret("pw");
    let pg = BTreeMap::from([
        (
            "PGHOST".to_string(),
            ConfigValue::Literal(Secret::new("db")),
        ),
        (
            "PGPASSWORD".to_string(),
            ConfigValue::Literal(Secret::new(password.as_str())),
        ),
    ]);
    session
        .create(Kind::Postgresql, "orders", &pg)
        .await
        .unwrap();
    let export = run(&Cli::against(&staging), &["export"]).await;
    let refused = prod_cli
        .run_async(&["apply", "-", "--yes"], Some(&export.stdout))
        .await;
    assert_eq!(refused.code, 1);
    refused.assert_never_shows(&password);
    assert!(
        refused.stderr.contains(
            "source orders, key PGPASSWORD: {keep: true} on a source that does not exist yet"
        ),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("{env: VAR}") && refused.stderr.contains("{secret: NAME}"));
    assert_eq!(names(&prod).await, vec!["events".to_string()]);
}

#[tokio::test]
async fn file_errors_name_position_source_and_key_and_nothing_is_written() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let leaked = random_secret("leak");
    let text = format!(
        "version: 1\nsources:\n  good:\n    kind: mysql\n    config:\n      MYSQL_HOST: h\n  bad:\n    kind: postgresql\n    config:\n      PGPASSWORD: {leaked}\n      PGHOTS: x\n      PGUSER: {{env: 9X}}\n  worse:\n    kind: nosuchkind\n"
    );
    let file = write(&cli, "s.yaml", &text);
    let apply = run(&cli, &["apply", &file, "--yes"]).await;
    assert_eq!(apply.code, 1);
    apply.assert_never_shows(&leaked);
    assert!(
        apply
            .stderr
            .contains("s.yaml:10:19: source bad, key PGPASSWORD: a secret key"),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("s.yaml:11:7: source bad, key PGHOTS:")
            && apply.stderr.contains("did you mean PGHOST"),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("s.yaml:12:21: source bad, key PGUSER: env:"),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stderr.contains("s.yaml:14:11: source worse: kind:"),
        "{}",
        apply.stderr
    );
    assert!(apply.stderr.contains("nothing was changed"));
    assert!(names(&server).await.is_empty());
    let missing = run(&cli, &["plan", "no-such-file.yaml"]).await;
    assert_eq!(missing.code, 1);
    let usage = run(&cli, &["plan"]).await;
    assert_eq!(usage.code, 2);
}

#[tokio::test]
async fn one_failing_source_does_not_stop_the_others() {
    let server = TestServer::start().await;
    let cli = Cli::against(&server);
    let file = write(
        &cli,
        "s.yaml",
        "version: 1\nsources:\n  a_bad:\n    kind: mysql\n    config:\n      MYSQL_PWD: {secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'}\n  b_good:\n    kind: mysql\n    config:\n      MYSQL_HOST: h\n",
    );
    let apply = run(&cli, &["apply", &file, "--yes"]).await;
    assert_eq!(apply.code, 1, "{apply:?}");
    assert!(apply.stdout.contains("failed a_bad"), "{}", apply.stdout);
    assert!(apply.stdout.contains("ok b_good"), "{}", apply.stdout);
    assert!(
        apply.stdout.contains("1 applied, 0 skipped, 1 failed"),
        "{}",
        apply.stdout
    );
    assert_eq!(names(&server).await, vec!["b_good".to_string()]);
}

#[tokio::test]
async fn apply_test_exits_3_when_a_source_does_not_answer() {
    let server = TestServer::with_test_timeout(std::time::Duration::from_secs(2)).await;
    let mut cli = Cli::against(&server);
    set_env(&mut cli, "PW", "x");
    let file = write(
        &cli,
        "s.yaml",
        &format!(
            "version: 1\nsources:\n  closed:\n    kind: postgresql\n    config:\n      PGHOST: 127.0.0.1\n      PGPORT: {}\n      PGDATABASE: test\n      PGUSER: postgres\n      PGPASSWORD: {{env: PW}}\n",
            closed_port()
        ),
    );
    let apply = run(&cli, &["apply", &file, "--yes", "--test"]).await;
    assert_eq!(apply.code, 3, "{apply:?}");
    assert_eq!(names(&server).await, vec!["closed".to_string()]);
    assert!(Path::new(&file).is_file());
}

/// Apply re-reads each source before changing it and skips one that changed on the server after
/// the plan was computed: here the plan is computed in process (as `apply` computes it), then a
/// key of `orders` is changed through the API, then the plan is applied.
#[tokio::test]
async fn apply_skips_a_source_changed_on_the_server_after_the_plan() {
    use sourcedeck::ascode::plan;
    use sourcedeck::cli::ascode::{Outcome, apply_planned, load};
    use sourcedeck::client::ascode_state::fetch_for_plan;

    let server = TestServer::start().await;
    let password = random_secret("pw");
    seed(&server, &password).await;
    let cli = Cli::against(&server);
    let file = write(
        &cli,
        "sources.yaml",
        "version: 1\nsources:\n  orders:\n    kind: postgresql\n    config:\n      PGHOST: db-new.internal\n      PGPORT: 5432\n      PGDATABASE: orders\n      PGUSER: app\n      PGPASSWORD: {keep: true}\n  events:\n    kind: kafka\n    config:\n      KAFKA_BOOTSTRAP_SERVER: kafka-2:9092\n      KAFKA_SASL_PASSWORD: {secret: kafka-password}\n",
    );
    let loaded = load(&file).unwrap();
    let session = std::sync::Arc::new(server.session().await);
    let state = fetch_for_plan(&session, &loaded.manifest).await.unwrap();
    let planned = plan::compute(
        &loaded.manifest,
        &loaded.read,
        &state.server,
        &state.stored,
        false,
    )
    .unwrap();
    assert_eq!(planned.summary().update, 2, "{planned:?}");

    // Someone changes `orders` by hand after the plan.
    let id = session.find("orders").await.unwrap().integration.id;
    session
        .update(
            &id,
            None,
            &BTreeMap::from([(
                "PGDATABASE".to_string(),
                ConfigValue::Literal(Secret::new("orders_by_hand")),
            )]),
        )
        .await
        .unwrap();

    let outcomes = apply_planned(&session, &planned, &state.server, false).await;
    let names: Vec<&str> = planned
        .sources
        .iter()
        .filter(|s| s.action != plan::Action::Unchanged)
        .map(|s| s.name.as_str())
        .collect();
    let by_name: BTreeMap<&str, &Outcome> = names.into_iter().zip(&outcomes).collect();
    assert!(
        matches!(by_name["orders"], Outcome::Skipped(why) if why.contains("plan again")),
        "{outcomes:?}"
    );
    assert!(
        matches!(by_name["events"], Outcome::Done { .. }),
        "{outcomes:?}"
    );
    // The hand change stands and the plan's change of `orders` was not made; `events` was.
    assert_eq!(
        reveal(&server, "orders", "PGDATABASE").await,
        "orders_by_hand"
    );
    assert_eq!(reveal(&server, "orders", "PGHOST").await, "db.internal");
    assert_eq!(
        reveal(&server, "events", "KAFKA_BOOTSTRAP_SERVER").await,
        "kafka-2:9092"
    );
    // Planned again, the file's change of `orders` applies.
    let again = run(&cli, &["apply", &file, "--yes"]).await;
    again.assert_ok();
    assert_eq!(reveal(&server, "orders", "PGHOST").await, "db-new.internal");
}
