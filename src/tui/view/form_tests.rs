//! Snapshots of the config form for six kinds (PostgreSQL, Snowflake, BigQuery, Kafka, Kinesis,
//! DynamoDB), each clean, changed, with errors, with a linked secret and with a secret revealed,
//! plus the form's prompts, editor and picker. States are reached through the reducer where a
//! user would reach them, and every snapshot checks that a typed secret is on screen only when
//! it was revealed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::catalog::ValueType;
use crate::domain::secret_ref::SecretStore;
use crate::domain::{Kind, Secret};
use crate::tui::app::{App, TestResult};
use crate::tui::fixtures::{local_app, render, saved_postgres};
use crate::tui::form::{DraftTest, Form, KindPicker, Prompt, Slot};
use crate::tui::layer::Layer;
use crate::tui::msg::{ConnectionState, Msg};
use crate::tui::update::update;

const SECRET: &str = "s3cr3t-Hunter2-value";

/// Renders at 100×30 (and 80×24 when `narrow`), checks the secret shows only when `revealed`.
fn check(name: &str, app: &App, revealed: bool, narrow: bool) {
    let sizes: &[(u16, u16)] = if narrow {
        &[(100, 30), (80, 24)]
    } else {
        &[(100, 30)]
    };
    for (width, height) in sizes {
        let screen = render(app, *width, *height);
        assert_eq!(
            screen.contains(SECRET),
            revealed,
            "{name} at {width}x{height}: the secret must show only when revealed\n{screen}"
        );
        insta::assert_snapshot!(format!("form_{name}_{width}x{height}"), screen);
    }
}

fn idle_app() -> App {
    let mut app = local_app("default", false);
    app.connection = ConnectionState::Connected {
        environment: "default".into(),
        environment_id: "env-1".into(),
    };
    app.loaded = true;
    app
}

fn with_form(form: Form) -> App {
    let mut app = idle_app();
    app.layers.push(Layer::Form(Box::new(form)));
    app
}

fn form_of(app: &mut App) -> &mut Form {
    app.form_mut().expect("no form")
}

fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    update(app, Msg::Key(KeyEvent::new(code, modifiers)));
}

fn set(form: &mut Form, key: &str, value: &str) {
    let index = form.field_index(key).expect("a catalog key");
    form.fields[index].clear_input();
    form.fields[index].type_text(value);
}

fn focus(form: &mut Form, key: &str) {
    let index = form.field_index(key).expect("a catalog key");
    form.focus(Slot::Field(index));
}

/// A plausible value for a key of `value_type`.
fn sample(value_type: ValueType, choices: &[String]) -> String {
    match value_type {
        ValueType::Port => "5432".into(),
        ValueType::Integer => "30".into(),
        ValueType::Boolean => "true".into(),
        ValueType::Enum => choices.first().cloned().unwrap_or_default(),
        ValueType::JsonObject => "{\"pool_size\": 5}".into(),
        ValueType::Base64 => "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=".into(),
        ValueType::Text | ValueType::Multiline => "example".into(),
    }
}

/// The six kinds the issue names, each with the key its snapshots focus on and the secret key
/// typed into.
struct Case {
    kind: Kind,
    slug: &'static str,
    focus: &'static str,
    secret: &'static str,
}

const CASES: &[Case] = &[
    Case {
        kind: Kind::Postgresql,
        slug: "postgresql",
        focus: "PGPORT",
        secret: "PGPASSWORD",
    },
    Case {
        kind: Kind::Snowflake,
        slug: "snowflake",
        focus: "SNOWFLAKE_PASSWORD",
        secret: "SNOWFLAKE_PASSWORD",
    },
    Case {
        kind: Kind::Bigquery,
        slug: "bigquery",
        focus: "BQ_CREDENTIALS_BASE64",
        secret: "BQ_CREDENTIALS_BASE64",
    },
    Case {
        kind: Kind::Kafka,
        slug: "kafka",
        focus: "KAFKA_SASL_MECHANISM",
        secret: "KAFKA_SASL_PASSWORD",
    },
    Case {
        kind: Kind::Kinesis,
        slug: "kinesis",
        focus: "KINESIS_STREAM_NAME",
        secret: "KINESIS_AWS_SECRET_ACCESS_KEY",
    },
    Case {
        kind: Kind::Dynamodb,
        slug: "dynamodb",
        focus: "DYNAMODB_AWS_ROLE_ARN_OVERRIDE",
        secret: "DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE",
    },
];

fn blank(case: &Case) -> Form {
    Form::new_source(case.kind, Some(SecretStore::Local)).expect("a managed kind")
}

/// A form with a name, every required key and the first option of each one-of rule filled.
fn filled(case: &Case) -> Form {
    let mut form = blank(case);
    form.name = format!("{}_source", case.slug);
    let needed: Vec<(String, ValueType, Vec<String>)> = form
        .fields
        .iter()
        .filter(|field| field.is_required())
        .map(|field| {
            let spec = field.spec.expect("catalog key");
            (field.key.clone(), spec.value_type, spec.choices.clone())
        })
        .collect();
    for (key, value_type, choices) in needed {
        set(&mut form, &key, &sample(value_type, &choices));
    }
    form
}

fn changed(case: &Case) -> App {
    let mut form = filled(case);
    match case.kind {
        Kind::Snowflake | Kind::Kafka | Kind::Kinesis | Kind::Dynamodb | Kind::Postgresql => {
            set(&mut form, case.secret, SECRET);
        }
        _ => {}
    }
    form.show_optional = true;
    match case.kind {
        Kind::Kafka => {
            set(&mut form, "KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
            set(&mut form, "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
            set(&mut form, "KAFKA_SASL_USERNAME", "svc_events");
        }
        Kind::Kinesis => set(&mut form, "KINESIS_STREAM_NAME", "clicks"),
        Kind::Dynamodb => set(&mut form, "DYNAMODB_AWS_CLIENT_ID_OVERRIDE", "AKIAEXAMPLE"),
        _ => {}
    }
    focus(&mut form, case.focus);
    let mut app = with_form(form);
    if case.kind == Kind::Bigquery {
        // The product document's example: a service-account key file, encoded on load.
        update(
            &mut app,
            Msg::FileLoaded {
                key: "BQ_CREDENTIALS_BASE64".into(),
                path: "~/keys/sa.json".into(),
                result: Ok(Secret::new(SECRET)),
            },
        );
    }
    app
}

fn with_errors(case: &Case) -> App {
    let mut form = blank(case);
    // PostgreSQL's errors start at a bad name; the others' at their first key.
    form.name = if case.kind == Kind::Postgresql {
        "orders pg".to_string()
    } else {
        format!("{}_source", case.slug)
    };
    match case.kind {
        Kind::Postgresql => set(&mut form, "PGPORT", "99999"),
        Kind::Kafka => set(&mut form, "KAFKA_SASL_USERNAME", "svc_events"),
        Kind::Dynamodb => {
            set(
                &mut form,
                "DYNAMODB_AWS_ROLE_ARN_OVERRIDE",
                "arn:aws:iam::123456789012:role/r",
            );
            set(&mut form, "DYNAMODB_AWS_CLIENT_ID_OVERRIDE", "AKIAEXAMPLE");
            set(&mut form, case.secret, SECRET);
        }
        Kind::Bigquery => set(&mut form, "BQ_CREDENTIALS_BASE64", "not base64 ***"),
        _ => {}
    }
    let mut app = with_form(form);
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    app
}

fn linked(case: &Case) -> App {
    let mut form = filled(case);
    focus(&mut form, case.secret);
    let mut app = with_form(form);
    key(&mut app, KeyCode::Char('l'), KeyModifiers::CONTROL);
    for c in "prod/source/credential".chars() {
        key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    app
}

fn revealed(case: &Case) -> App {
    let mut form = filled(case);
    set(&mut form, case.secret, SECRET);
    focus(&mut form, case.secret);
    let mut app = with_form(form);
    key(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
    app
}

#[test]
fn six_kinds_in_five_states() {
    for case in CASES {
        let narrow = case.kind == Kind::Postgresql;
        check(
            &format!("{}_clean", case.slug),
            &with_form(blank(case)),
            false,
            narrow,
        );
        check(
            &format!("{}_changed", case.slug),
            &changed(case),
            false,
            narrow,
        );
        check(
            &format!("{}_errors", case.slug),
            &with_errors(case),
            false,
            narrow,
        );
        check(
            &format!("{}_linked", case.slug),
            &linked(case),
            false,
            false,
        );
        check(
            &format!("{}_revealed", case.slug),
            &revealed(case),
            true,
            false,
        );
    }
}

fn editing() -> App {
    with_form(Form::edit_source(&saved_postgres("01JPG"), Some(SecretStore::Local), &[]).unwrap())
}

#[test]
fn edit_shows_configured_secrets_and_linked_names_never_values() {
    let mut app = editing();
    form_of(&mut app).focus(Slot::Field(0));
    check("edit_clean", &app, false, true);
    let form = form_of(&mut app);
    set(form, "PGPORT", "5433");
    let password = form.field_index("PGPASSWORD").unwrap();
    form.focus(Slot::Field(password));
    key(&mut app, KeyCode::Char('k'), KeyModifiers::CONTROL);
    check("edit_changed_and_cleared", &app, false, false);
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    check("edit_review", &app, false, true);
}

#[test]
fn prompts_editor_and_picker() {
    let mut app = changed(&CASES[0]);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    check("discard_prompt", &app, false, false);

    let mut app = with_form(blank(&CASES[0]));
    key(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    check("help", &app, false, true);

    let mut app = with_form(blank(&CASES[0]));
    focus(form_of(&mut app), "ENGINE_ARGUMENTS");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    for c in "{\"pool_size\": 5,".chars() {
        key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    for c in " \"echo\": true}".chars() {
        key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    check("json_editor", &app, false, false);

    let mut app = changed(&CASES[1]);
    let form = form_of(&mut app);
    focus(form, "SNOWFLAKE_PRIVATE_KEY_B64");
    let field = form.field_index("SNOWFLAKE_PRIVATE_KEY_B64").unwrap();
    app.layers.push(Layer::Prompt(Prompt::LoadFile {
        field,
        path: "~/keys/rsa_key.p8".into(),
        encode: true,
    }));
    check("load_file_prompt", &app, false, false);

    let mut app = with_form(blank(&CASES[0]));
    key(&mut app, KeyCode::Char('a'), KeyModifiers::CONTROL);
    for c in "PGHOTS".chars() {
        key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    check("custom_key_prompt", &app, false, false);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    check("custom_key_did_you_mean", &app, false, false);

    let mut app = idle_app();
    app.layers.push(Layer::PickKind(KindPicker::default()));
    check("kind_picker", &app, false, true);
    app.layers.pop();
    app.layers.push(Layer::PickKind(KindPicker {
        filter: "goo".into(),
        selected: 1,
    }));
    check("kind_picker_filtered", &app, false, false);
}

#[test]
fn draft_test_result_and_saving() {
    let mut app = changed(&CASES[0]);
    let form = form_of(&mut app);
    form.test = Some(DraftTest::Done(TestResult {
        success: true,
        message: "connected to PostgreSQL 15.19 (resolve 0 ms, connect 1 ms, query 2 ms)".into(),
        latency_ms: Some(3),
        preview: Vec::new(),
    }));
    form.saving = Some(7);
    check("tested_and_saving", &app, false, false);
}

#[test]
fn the_form_draws_on_tiny_and_huge_terminals_without_panicking() {
    let mut app = changed(&CASES[1]);
    app.layers.push(Layer::Prompt(Prompt::Review));
    for (width, height) in [(40, 12), (20, 6), (1, 1), (250, 80)] {
        let _ = render(&app, width, height);
    }
    let mut app = with_form(blank(&CASES[0]));
    focus(form_of(&mut app), "ENGINE_ARGUMENTS");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    for (width, height) in [(30, 8), (3, 3)] {
        let _ = render(&app, width, height);
    }
}
