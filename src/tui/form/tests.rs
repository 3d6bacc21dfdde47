//! Form-model tests against the real catalog: layout and groups for every kind, each group rule,
//! keep / set / clear on edit, linked references, custom keys, and the change preview.

use crate::catalog::{ValueType, kind_specs};
use crate::domain::secret_ref::SecretStore;
use crate::domain::{ConfigValue, Kind, Secret};
use crate::proto::{IntegrationWarning, IntegrationWithSecrets, SecretSource};
use crate::tui::fixtures::{self, key_row};

use super::changes::describe_changes;
use super::check::{check, explain_reference};
use super::{Form, Slot};

fn new_form(kind: Kind) -> Form {
    Form::new_source(kind, Some(SecretStore::Local)).expect("a managed kind")
}

fn set(form: &mut Form, key: &str, value: &str) {
    let index = form
        .field_index(key)
        .unwrap_or_else(|| panic!("{key} in the form"));
    form.fields[index].clear_input();
    form.fields[index].type_text(value);
}

fn error_of(form: &Form, key: &str) -> Option<String> {
    let index = form.field_index(key)?;
    check(form).errors.get(&index).cloned()
}

/// The shared saved source plus a key the catalog does not list.
fn saved_postgres() -> IntegrationWithSecrets {
    let mut detail = fixtures::saved_postgres("01JPG");
    detail.secrets.push(key_row(
        "PG_EXTRA_FLAG",
        Some("1"),
        SecretSource::Managed,
        "ORDERS_PG_PG_EXTRA_FLAG",
    ));
    detail
}

fn edit_postgres() -> Form {
    Form::edit_source(&saved_postgres(), Some(SecretStore::Local), &[]).expect("editable")
}

#[test]
fn every_kind_gets_a_form_with_name_first_required_next_and_add_last() {
    for spec in kind_specs() {
        let form = new_form(spec.kind);
        let slots = form.slots();
        assert_eq!(slots.first(), Some(&Slot::Name), "{}", spec.display_name);
        assert_eq!(slots.last(), Some(&Slot::AddCustom));
        assert_eq!(
            form.fields.len(),
            spec.keys.len(),
            "one field per catalog key"
        );
        let toggle = slots.iter().position(|s| *s == Slot::OptionalToggle);
        for (position, slot) in slots.iter().enumerate() {
            if let Slot::Field(index) = slot {
                let field = &form.fields[*index];
                assert!(!field.is_optional(), "optional keys start hidden");
                assert!(toggle.is_none_or(|t| position < t));
                if field.spec.is_some_and(|s| s.required) {
                    assert!(field.essential);
                }
            }
        }
        assert!(!form.is_dirty(), "a blank form has nothing to lose");
    }
}

#[test]
fn the_optional_toggle_shows_and_hides_optional_keys() {
    let mut form = new_form(Kind::Postgresql);
    let hidden = form.slots().len();
    form.toggle_optional();
    assert_eq!(form.current(), Slot::OptionalToggle);
    assert_eq!(form.slots().len(), hidden + form.optional_count());
    form.toggle_optional();
    assert_eq!(form.slots().len(), hidden);
    let password = form.field_index("PGPASSWORD").unwrap();
    form.focus(Slot::Field(password));
    assert!(
        form.show_optional,
        "focusing an optional key shows the optional keys"
    );
    assert_eq!(form.current_field(), Some(password));
}

#[test]
fn one_of_options_sit_with_the_required_keys() {
    let form = new_form(Kind::Snowflake);
    for key in ["SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_B64"] {
        let index = form.field_index(key).unwrap();
        assert!(form.slots().contains(&Slot::Field(index)), "{key} is shown");
    }
}

#[test]
fn moving_off_a_revealed_secret_masks_it() {
    let mut form = new_form(Kind::Postgresql);
    let password = form.field_index("PGPASSWORD").unwrap();
    form.focus(Slot::Field(password));
    form.fields[password].type_text("pw");
    form.fields[password].revealed = true;
    form.move_cursor(1);
    assert!(!form.fields[password].revealed);
}

#[test]
fn name_rules_apply_as_typed() {
    let mut form = new_form(Kind::Postgresql);
    assert!(check(&form).name.is_some(), "empty");
    form.name = "orders-pg".into();
    let problem = check(&form).name.unwrap();
    assert!(
        problem.contains("'-'") && problem.contains("position 7"),
        "{problem}"
    );
    form.name = "orders_pg".into();
    assert_eq!(check(&form).name, None);
}

#[test]
fn required_keys_types_and_the_first_error() {
    let mut form = new_form(Kind::Postgresql);
    form.name = "orders_pg".into();
    assert_eq!(error_of(&form, "PGHOST").as_deref(), Some("required"));
    set(&mut form, "PGHOST", "127.0.0.1");
    set(&mut form, "PGPORT", "70000");
    let port = error_of(&form, "PGPORT").unwrap();
    assert!(port.contains("65535"), "{port}");
    assert_eq!(error_of(&form, "PGHOST"), None);
    // PGPORT is optional now (it has a default), so it sorts after the required keys: fill them.
    set(&mut form, "PGDATABASE", "orders");
    set(&mut form, "PGUSER", "app");
    let problems = check(&form);
    assert!(problems.is_blocking());
    assert_eq!(
        problems.first_error(),
        Some(Slot::Field(form.field_index("PGPORT").unwrap()))
    );
}

#[test]
fn every_value_type_is_checked() {
    let mut form = new_form(Kind::Kafka);
    let boolean = form
        .fields
        .iter()
        .position(|f| f.value_type() == ValueType::Boolean)
        .unwrap();
    form.fields[boolean].type_text("maybe");
    assert!(check(&form).errors.contains_key(&boolean), "boolean word");
    let json = form
        .fields
        .iter()
        .position(|f| f.value_type() == ValueType::JsonObject)
        .unwrap();
    form.fields[json].type_text("[1, 2]");
    assert!(
        check(&form).errors.contains_key(&json),
        "a JSON array is not an object"
    );
    let choice = form.field_index("KAFKA_SECURITY_PROTOCOL").unwrap();
    form.fields[choice].type_text("sasl_ssl");
    let message = check(&form).errors.get(&choice).cloned().unwrap();
    assert!(
        message.contains("SASL_SSL"),
        "did-you-mean the right case: {message}"
    );

    let mut bigquery = new_form(Kind::Bigquery);
    let base64 = bigquery
        .fields
        .iter()
        .position(|f| f.value_type() == ValueType::Base64)
        .unwrap();
    bigquery.fields[base64].type_text("not base64 ***");
    assert!(check(&bigquery).errors.contains_key(&base64));
    bigquery.fields[base64].set_literal(Secret::new("eyJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCJ9"));
    assert!(!check(&bigquery).errors.contains_key(&base64));
}

#[test]
fn one_of_rule_needs_either_option() {
    let mut form = new_form(Kind::Snowflake);
    let rule = error_of(&form, "SNOWFLAKE_PASSWORD").unwrap();
    assert!(rule.contains("SNOWFLAKE_PRIVATE_KEY_B64"), "{rule}");
    assert_eq!(error_of(&form, "SNOWFLAKE_PRIVATE_KEY_B64"), Some(rule));
    set(&mut form, "SNOWFLAKE_PRIVATE_KEY_B64", "LS0tLS1CRUdJTg==");
    assert_eq!(error_of(&form, "SNOWFLAKE_PASSWORD"), None);
}

#[test]
fn exclusive_rule_refuses_both_options() {
    let mut form = new_form(Kind::Dynamodb);
    set(
        &mut form,
        "DYNAMODB_AWS_ROLE_ARN_OVERRIDE",
        "arn:aws:iam::123456789012:role/x",
    );
    assert_eq!(error_of(&form, "DYNAMODB_AWS_ROLE_ARN_OVERRIDE"), None);
    set(&mut form, "DYNAMODB_AWS_CLIENT_ID_OVERRIDE", "AKIA");
    set(&mut form, "DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE", "secret");
    let error = error_of(&form, "DYNAMODB_AWS_ROLE_ARN_OVERRIDE").unwrap();
    assert!(error.contains("DYNAMODB_AWS_CLIENT_ID_OVERRIDE"), "{error}");
    assert!(!error.contains("secret\""), "never the value");
}

#[test]
fn together_rule_needs_both_keys() {
    let mut form = new_form(Kind::Kinesis);
    set(&mut form, "KINESIS_AWS_ACCESS_KEY_ID", "AKIA");
    assert!(error_of(&form, "KINESIS_AWS_SECRET_ACCESS_KEY").is_some());
    set(&mut form, "KINESIS_AWS_SECRET_ACCESS_KEY", "s");
    assert_eq!(error_of(&form, "KINESIS_AWS_SECRET_ACCESS_KEY"), None);
}

#[test]
fn conditional_rule_applies_when_its_switch_is_on() {
    let mut form = new_form(Kind::Postgresql);
    set(&mut form, "PG_AWS_IAM_AUTH", "true");
    assert!(error_of(&form, "PG_AWS_REGION").is_some());
    set(&mut form, "PG_AWS_IAM_AUTH", "false");
    assert_eq!(error_of(&form, "PG_AWS_REGION"), None);
}

#[test]
fn edit_prefills_plain_values_never_secrets_and_keeps_unknown_keys() {
    let form = edit_postgres();
    let host = form.field_index("PGHOST").unwrap();
    assert_eq!(form.fields[host].literal.expose(), "db.internal");
    let password = form.field_index("PGPASSWORD").unwrap();
    assert!(form.fields[password].literal.is_empty());
    let extra = form.field_index("PG_EXTRA_FLAG").unwrap();
    assert!(form.fields[extra].is_custom());
    assert!(
        form.show_optional,
        "a set optional key shows the optional keys"
    );
    assert!(form.changes().is_empty());
    assert!(!form.is_dirty());
    assert!(
        !check(&form).is_blocking(),
        "a kept secret counts as set: {:?}",
        check(&form)
    );
}

#[test]
fn edit_sends_only_changed_keys_and_clears_with_an_empty_value() {
    let mut form = edit_postgres();
    set(&mut form, "PGPORT", "5433");
    let password = form.field_index("PGPASSWORD").unwrap();
    form.fields[password].keep_or_clear();
    let changes = form.changes();
    assert_eq!(
        changes.keys().map(String::as_str).collect::<Vec<_>>(),
        ["PGPASSWORD", "PGPORT"]
    );
    assert_eq!(changes["PGPASSWORD"], ConfigValue::Literal(Secret::new("")));
    let preview = describe_changes(&form);
    assert_eq!(preview.len(), 2, "{preview:?}");
    assert!(
        preview.iter().any(|l| l == "PGPORT: \"5432\" → \"5433\""),
        "{preview:?}"
    );
    assert!(
        preview
            .iter()
            .any(|l| l.starts_with("PGPASSWORD: cleared") && l.contains("cannot remove"))
    );
}

#[test]
fn a_new_secret_is_previewed_without_its_value() {
    let mut form = edit_postgres();
    let password = form.field_index("PGPASSWORD").unwrap();
    form.fields[password].type_text("hunter2-typed");
    let preview = describe_changes(&form).join("\n");
    assert!(
        preview.contains("PGPASSWORD: new secret value"),
        "{preview}"
    );
    assert!(!preview.contains("hunter2-typed"));
}

#[test]
fn rename_is_a_change_and_previewed() {
    let mut form = edit_postgres();
    form.name = "orders_pg_v2".into();
    assert_eq!(form.renamed_to(), Some("orders_pg_v2"));
    assert!(form.is_dirty());
    assert_eq!(describe_changes(&form), ["name: orders_pg → orders_pg_v2"]);
}

#[test]
fn linked_references_are_explained_or_refused_exactly() {
    let aws = SecretStore::Aws {
        account: "123456789012".into(),
        region: "us-east-1".into(),
    };
    let view = explain_reference(
        Some(&aws),
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg-AbCdEf",
    )
    .unwrap();
    assert!(
        view.parsed.contains("account 123456789012"),
        "{}",
        view.parsed
    );
    assert_eq!(view.stored_as, "prod/pg");
    assert!(view.checked_against_store);
    let version = explain_reference(
        None,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg-AbCdEf:password:AWSPREVIOUS:",
    )
    .unwrap_err();
    assert!(version.contains("secret reference"), "{version}");
    let gcp = explain_reference(None, "projects/p1/secrets/pg/versions/3").unwrap_err();
    assert!(gcp.contains('3') || gcp.contains("version"), "{gcp}");
    assert!(explain_reference(None, "https://").is_err());
    let local = explain_reference(
        Some(&SecretStore::Local),
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg-AbCdEf",
    )
    .unwrap_err();
    assert!(local.contains("only plain secret names"), "{local}");
    let unchecked = explain_reference(
        None,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg-AbCdEf",
    )
    .unwrap();
    assert!(!unchecked.checked_against_store);

    let mut form = new_form(Kind::Postgresql);
    let password = form.field_index("PGPASSWORD").unwrap();
    form.fields[password].toggle_linked();
    assert!(error_of(&form, "PGPASSWORD").unwrap().contains("reference"));
    form.fields[password].type_text("projects/p1/secrets/pg/versions/3");
    let refused = error_of(&form, "PGPASSWORD").unwrap();
    assert!(
        !refused.starts_with("secret reference: "),
        "prefix trimmed: {refused}"
    );
    form.fields[password].clear_input();
    form.fields[password].type_text("prod/pg/password");
    assert_eq!(error_of(&form, "PGPASSWORD"), None);
    assert_eq!(
        form.changes()["PGPASSWORD"],
        ConfigValue::Linked("prod/pg/password".into())
    );
    assert!(describe_changes(&form).contains(&"PGPASSWORD: linked → prod/pg/password".to_string()));
}

#[test]
fn custom_keys_are_added_with_a_did_you_mean_and_catalog_keys_are_found() {
    let mut form = new_form(Kind::Postgresql);
    let note = form.add_custom("PGHOTS").unwrap();
    assert!(note.contains("did you mean PGHOST"), "{note}");
    let custom = form.field_index("PGHOTS").unwrap();
    assert!(form.fields[custom].is_custom());
    assert_eq!(form.current_field(), Some(custom));
    form.fields[custom].type_text("x");
    let warning = check(&form).warnings.get(&custom).cloned().unwrap();
    assert!(warning.contains("PGHOST"), "{warning}");
    assert!(
        !check(&form).errors.contains_key(&custom),
        "warned, not forbidden"
    );

    let moved = form.add_custom("PGPORT").unwrap();
    assert!(moved.contains("already in the form"));
    assert_eq!(form.current_field(), form.field_index("PGPORT"));
    // The server's own rule for key names: refused here, not at save time.
    for bad in ["bad key", "1ABC", "PG-HOST", "  "] {
        let refused = form.add_custom(bad).unwrap_err();
        assert!(
            refused.contains(&format!("{:?}", bad.trim()))
                && refused.contains("environment-variable names"),
            "{refused}"
        );
    }
    let secretish = form.add_custom("MY_API_TOKEN").unwrap();
    assert!(secretish.contains("MY_API_TOKEN"));
    let token = form.field_index("MY_API_TOKEN").unwrap();
    assert!(
        form.fields[token].secret,
        "a credential-looking custom key is masked"
    );
}

#[test]
fn server_warnings_land_on_their_keys_until_the_key_is_edited() {
    let warning = IntegrationWarning {
        code: 0,
        title: "Unreachable".into(),
        message: "the server could not resolve PGHOST".into(),
        config_keys: vec!["PGHOST".into()],
    };
    let mut form =
        Form::edit_source(&saved_postgres(), Some(SecretStore::Local), &[warning]).unwrap();
    let host = form.field_index("PGHOST").unwrap();
    assert_eq!(
        check(&form).warnings.get(&host).map(String::as_str),
        Some("the server could not resolve PGHOST")
    );
    form.fields[host].type_text("2");
    assert_eq!(check(&form).warnings.get(&host), None);
}

#[test]
fn formatting_the_form_never_shows_what_was_typed() {
    let mut form = new_form(Kind::Snowflake);
    set(&mut form, "SNOWFLAKE_PASSWORD", "typed-secret-Qq7");
    let editor = crate::tui::layer::Layer::Editor(Box::new(super::MultilineEditor {
        field: 0,
        area: tui_textarea::TextArea::new(vec!["typed-secret-Qq7".to_string()]),
    }));
    let printed = format!("{form:?} {editor:?}");
    assert!(!printed.contains("typed-secret-Qq7"), "{printed}");
}
