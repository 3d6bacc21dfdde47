//! Tests of value checks, warnings and the secret-key heuristic, through the public entry points
//! and against the real catalog.

use super::*;

fn lit(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, ValueView<'static>)> {
    pairs
        .iter()
        .map(|(key, value)| (*key, ValueView::Literal(value)))
        .collect()
}

fn errors(kind: Kind, pairs: &[(&'static str, &'static str)]) -> Vec<FieldError> {
    check_values(kind, lit(pairs)).err().unwrap_or_default()
}

fn accepts(kind: Kind, key: &'static str, value: &'static str) {
    assert_eq!(errors(kind, &[(key, value)]), vec![], "{key}={value:?}");
}

fn rejects(kind: Kind, key: &'static str, value: &'static str) -> String {
    let found = errors(kind, &[(key, value)]);
    assert_eq!(found.len(), 1, "{key}={value:?} should be rejected");
    found[0].to_string()
}

fn titles(found: &[ConfigWarning]) -> Vec<&str> {
    found.iter().map(|warning| warning.title.as_str()).collect()
}

#[test]
fn ports() {
    for value in ["1", "5432", "65535", " 5432 "] {
        accepts(Kind::Postgresql, "PGPORT", value);
    }
    for value in ["0", "65536", "-1", "+5432", "abc", "54 32", "5432.0"] {
        rejects(Kind::Postgresql, "PGPORT", value);
    }
    assert_eq!(
        rejects(Kind::Postgresql, "PGPORT", "abc"),
        "PGPORT: \"abc\" is not a port; expected a whole number from 1 to 65535"
    );
}

#[test]
fn integers() {
    let key = "CLICKHOUSE_PARQUET_ROW_GROUP_SIZE";
    for value in ["0", "1000000", "-5", "+7"] {
        accepts(Kind::Clickhouse, key, value);
    }
    for value in ["1e6", "1,000", "ten", "-", "99999999999999999999"] {
        rejects(Kind::Clickhouse, key, value);
    }
}

#[test]
fn booleans() {
    for value in [
        "1", "true", "TRUE", "yes", "t", "y", "0", "false", "No", "f", "n",
    ] {
        accepts(Kind::Postgresql, "PG_AWS_IAM_AUTH", value);
    }
    let message = rejects(Kind::Postgresql, "PG_AWS_IAM_AUTH", "maybe");
    assert!(message.contains("\"maybe\" is not a boolean"), "{message}");
    assert!(message.contains("1, true, yes, t, y (on)"), "{message}");
    accepts(Kind::Kafka, "KAFKA_MSK_IAM_AUTH", "yes");
    let message = rejects(Kind::Kafka, "KAFKA_MSK_IAM_AUTH", "t");
    assert!(message.contains("true, 1, yes (on)"), "{message}");
}

#[test]
fn enums_are_exact_with_a_case_hint() {
    accepts(Kind::Kafka, "KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    accepts(Kind::Kafka, "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
    accepts(Kind::Kinesis, "KINESIS_DLQ_FORMAT", "json_envelope");
    let message = rejects(Kind::Kafka, "KAFKA_SECURITY_PROTOCOL", "sasl_ssl");
    assert!(message.contains("did you mean SASL_SSL?"), "{message}");
    let message = rejects(Kind::Kafka, "KAFKA_SASL_MECHANISM", "KERBEROS");
    assert!(
        message
            .contains("expected one of PLAIN, GSSAPI, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER"),
        "{message}"
    );
    rejects(Kind::Kinesis, "KINESIS_DLQ_FORMAT", "xml");
}

#[test]
fn json_objects() {
    accepts(Kind::Mysql, "ENGINE_ARGUMENTS", r#"{"pool_size": 5}"#);
    accepts(Kind::Kafka, "KAFKA_ADDITIONAL_KAFKA_ARGS", "{}");
    for value in ["[1]", "5", "\"x\"", "{", "pool_size=5"] {
        rejects(Kind::Mysql, "ENGINE_ARGUMENTS", value);
    }
    let message = rejects(Kind::Mysql, "ENGINE_ARGUMENTS", "[1]");
    assert!(message.contains("is not a JSON object"), "{message}");
}

#[test]
fn base64_in_either_alphabet_with_optional_padding() {
    let key = "BQ_CREDENTIALS_BASE64";
    for value in [
        "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=",
        "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0",
        "-_-_",
        "+/+/",
        "YWJj\nZGVm\n",
    ] {
        accepts(Kind::Bigquery, key, value);
    }
    for value in ["not base64!", "abc$", "a"] {
        rejects(Kind::Bigquery, key, value);
    }
}

#[test]
fn text_takes_anything_and_empty_clears() {
    accepts(Kind::Postgresql, "PGHOST", "any thing at all {");
    for key in ["PGPORT", "PG_AWS_IAM_AUTH", "ENGINE_ARGUMENTS"] {
        accepts(Kind::Postgresql, key, "");
    }
}

#[test]
fn secret_values_are_never_echoed() {
    let message = rejects(Kind::Snowflake, "SNOWFLAKE_PRIVATE_KEY_B64", "hunter2!!");
    assert!(
        message.starts_with("SNOWFLAKE_PRIVATE_KEY_B64: not valid base64"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    let message = rejects(
        Kind::Pubsub,
        "PUBSUB_SERVICE_ACCOUNT_CREDENTIALS_B64",
        "s3cr3t%%",
    );
    assert!(!message.contains("s3cr3t"), "{message}");
}

#[test]
fn linked_values_unknown_keys_and_unmanaged_kinds_are_not_checked() {
    let linked = vec![("PGPORT", ValueView::Linked("not-a-port"))];
    assert_eq!(check_values(Kind::Postgresql, linked), Ok(()));
    accepts(Kind::Postgresql, "MY_CUSTOM", "whatever");
    accepts(Kind::Aws, "PGPORT", "abc");
    assert!(warnings(Kind::Openai, lit(&[("ANYTHING", "x")])).is_empty());
}

#[test]
fn all_errors_are_collected_and_aliases_are_checked() {
    let found = errors(
        Kind::Postgresql,
        &[
            ("PGPORT", "x"),
            ("PG_AWS_IAM_AUTH", "maybe"),
            ("ENGINE_ARGUMENTS", "[]"),
        ],
    );
    let keys: Vec<&str> = found.iter().map(|error| error.key.as_str()).collect();
    assert_eq!(keys, ["ENGINE_ARGUMENTS", "PGPORT", "PG_AWS_IAM_AUTH"]);
    let snowflake = errors(Kind::Snowflake, &[("SNOWFLAKE_ACCOUNT", "ok")]);
    assert!(snowflake.is_empty());
}

#[test]
fn catalog_defaults_pass_their_own_checks() {
    for spec in catalog::kind_specs() {
        let defaults: Vec<(&str, ValueView<'_>)> = spec
            .keys
            .iter()
            .filter_map(|key| {
                Some((
                    key.key.as_str(),
                    ValueView::Literal(key.default.as_deref()?),
                ))
            })
            .collect();
        assert_eq!(check_values(spec.kind, defaults), Ok(()), "{:?}", spec.kind);
    }
}

#[test]
fn the_product_documents_examples_are_clean() {
    let bigquery = lit(&[
        ("BQ_PROJECT", "my-gcp-project"),
        ("BQ_DATASET", "my_dataset"),
        (
            "BQ_CREDENTIALS_BASE64",
            "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=",
        ),
    ]);
    let snowflake = lit(&[
        ("SNOWFLAKE_USER", "admin"),
        ("SNOWFLAKE_PASSWORD", "secret"),
        ("SNOWFLAKE_ACCOUNT", "xy12345.us-east-1"),
        ("SNOWFLAKE_DATABASE", "PROD_DB"),
        ("SNOWFLAKE_WAREHOUSE", "COMPUTE_WH"),
        ("SNOWFLAKE_SCHEMA", "PUBLIC"),
        ("SNOWFLAKE_ROLE", "ANALYST_ROLE"),
    ]);
    let postgres = lit(&[
        ("PGHOST", "db.example.com"),
        ("PGPORT", "5432"),
        ("PGDATABASE", "mydb"),
        ("PGUSER", "admin"),
        ("PGPASSWORD", "secret"),
    ]);
    let mut linked_snowflake = snowflake.clone();
    linked_snowflake.retain(|(key, _)| *key != "SNOWFLAKE_PASSWORD");
    linked_snowflake.push((
        "SNOWFLAKE_PRIVATE_KEY_B64",
        ValueView::Linked("snowflake-prod-key"),
    ));
    for (kind, config) in [
        (Kind::Bigquery, bigquery),
        (Kind::Snowflake, snowflake),
        (Kind::Postgresql, postgres),
        (Kind::Snowflake, linked_snowflake),
    ] {
        assert_eq!(check_values(kind, config.clone()), Ok(()), "{kind:?}");
        let found = warnings(kind, config);
        let noisy: Vec<&ConfigWarning> = found
            .iter()
            .filter(|w| {
                matches!(
                    w.title.as_str(),
                    "Missing required keys" | "Unknown key" | "One of several keys needed"
                )
            })
            .collect();
        assert!(noisy.is_empty(), "{kind:?}: {noisy:?}");
    }
}

#[test]
fn missing_required_keys_are_one_warning() {
    let found = warnings(Kind::Postgresql, lit(&[("PGHOST", "h"), ("PGUSER", " ")]));
    assert_eq!(titles(&found), ["Missing required keys"]);
    // PGPORT has a default (5432), so it is never required.
    assert_eq!(found[0].config_keys, ["PGDATABASE", "PGUSER"]);
    assert_eq!(
        found[0].message,
        "PGDATABASE and PGUSER are not set; PostgreSQL cannot connect without them."
    );
    let linked = vec![
        ("PGHOST", ValueView::Literal("h")),
        ("PGPORT", ValueView::Literal("5432")),
        ("PGDATABASE", ValueView::Linked("db-name")),
        ("PGUSER", ValueView::Linked("db-user")),
    ];
    assert!(warnings(Kind::Postgresql, linked).is_empty());
}

#[test]
fn unknown_keys_get_a_did_you_mean() {
    let found = warnings(
        Kind::Trino,
        lit(&[
            ("TRINO_HOST", "h"),
            ("TRINO_CATALOG", "c"),
            ("TRINO_USER", "u"),
            ("TRINO_HOTS", "x"),
            ("ZZZ", "y"),
        ]),
    );
    assert_eq!(titles(&found), ["Unknown key", "Unknown key"]);
    assert_eq!(
        found[0].message,
        "TRINO_HOTS is not a known Trino key; did you mean TRINO_HOST?"
    );
    assert_eq!(found[0].config_keys, ["TRINO_HOTS"]);
    assert_eq!(
        found[1].message,
        "ZZZ is not a known Trino key; the engine ignores it."
    );
    let pg = warnings(Kind::Postgresql, lit(&[("PGHOTS", "x")]));
    assert!(
        pg.iter()
            .any(|w| w.message.contains("did you mean PGHOST?"))
    );
}

#[test]
fn one_of_rules() {
    let base = [
        ("SNOWFLAKE_ACCOUNT_ID", "a"),
        ("SNOWFLAKE_USER", "u"),
        ("SNOWFLAKE_UNLOAD_STAGE", "s"),
    ];
    let found = warnings(Kind::Snowflake, lit(&base));
    assert_eq!(titles(&found), ["One of several keys needed"]);
    assert_eq!(
        found[0].config_keys,
        ["SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_B64"]
    );
    assert!(
        found[0]
            .message
            .starts_with("Set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_B64: ")
    );

    let databricks = [("DATABRICKS_HOST", "h"), ("DATABRICKS_HTTP_PATH", "p")];
    let found = warnings(Kind::Databricks, lit(&databricks));
    assert!(found[0].message.starts_with(
        "Set DATABRICKS_TOKEN or (DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)"
    ));
    let mut with_token = databricks.to_vec();
    with_token.push(("DATABRICKS_TOKEN", "t"));
    assert!(warnings(Kind::Databricks, lit(&with_token)).is_empty());

    let found = warnings(Kind::Kinesis, lit(&[("KINESIS_REGION_NAME", "r")]));
    assert_eq!(titles(&found), ["One of several keys needed"]);
    let ok = warnings(
        Kind::Kinesis,
        lit(&[("KINESIS_REGION_NAME", "r"), ("KINESIS_STREAM_ARN", "arn")]),
    );
    assert!(ok.is_empty());
}

#[test]
fn exclusive_and_together_rules() {
    let found = warnings(
        Kind::Dynamodb,
        lit(&[
            ("DYNAMODB_AWS_ROLE_ARN_OVERRIDE", "arn"),
            ("DYNAMODB_AWS_CLIENT_ID_OVERRIDE", "id"),
        ]),
    );
    assert_eq!(titles(&found), ["Incomplete key group", "Conflicting keys"]);
    assert_eq!(
        found[0].message,
        "Set DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE along with DYNAMODB_AWS_CLIENT_ID_OVERRIDE, or clear both: The SDK rejects one override without the other."
    );
    assert_eq!(found[1].config_keys.len(), 3);
    assert!(found[1].message.starts_with(
        "Use only one of DYNAMODB_AWS_ROLE_ARN_OVERRIDE or (DYNAMODB_AWS_CLIENT_ID_OVERRIDE and DYNAMODB_AWS_CLIENT_SECRET_OVERRIDE): "
    ));
    assert!(
        warnings(
            Kind::Dynamodb,
            lit(&[("DYNAMODB_AWS_ROLE_ARN_OVERRIDE", "arn")])
        )
        .is_empty()
    );

    let athena = warnings(
        Kind::Athena,
        lit(&[
            ("ATHENA_AWS_REGION", "r"),
            ("ATHENA_S3_STAGING_DIR", "s3://b"),
            ("ATHENA_AWS_ACCESS_KEY_SECRET", "x"),
        ]),
    );
    assert_eq!(titles(&athena), ["Incomplete key group"]);
    let mssql = warnings(
        Kind::Mssql,
        lit(&[
            ("MSSQL_HOST", "h"),
            ("MSSQL_DATABASE", "d"),
            ("MSSQL_USER", "u"),
        ]),
    );
    assert_eq!(mssql[0].config_keys, ["MSSQL_USER", "MSSQL_PWD"]);
}

#[test]
fn conditional_rules() {
    let base = [
        ("PGHOST", "h"),
        ("PGPORT", "5432"),
        ("PGDATABASE", "d"),
        ("PGUSER", "u"),
    ];
    let mut on = base.to_vec();
    on.push(("PG_AWS_IAM_AUTH", "Yes"));
    let found = warnings(Kind::Postgresql, lit(&on));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].config_keys, ["PG_AWS_IAM_AUTH", "PG_AWS_REGION"]);
    assert!(
        found[0]
            .message
            .starts_with("Set PG_AWS_REGION because PG_AWS_IAM_AUTH is on")
    );
    let mut off = base.to_vec();
    off.push(("PG_AWS_IAM_AUTH", "false"));
    assert!(warnings(Kind::Postgresql, lit(&off)).is_empty());
    assert!(
        warnings(Kind::Postgresql, lit(&base)).is_empty(),
        "default is off"
    );

    let kafka = [("KAFKA_BOOTSTRAP_SERVER", "b:9092"), ("KAFKA_TOPIC", "t")];
    let mut msk = kafka.to_vec();
    msk.push(("KAFKA_MSK_IAM_AUTH", "true"));
    assert_eq!(
        warnings(Kind::Kafka, lit(&msk))[0].config_keys,
        ["KAFKA_MSK_IAM_AUTH", "KAFKA_AWS_REGION"]
    );
    let mut not_msk = kafka.to_vec();
    not_msk.push(("KAFKA_MSK_IAM_AUTH", "t"));
    assert!(
        warnings(Kind::Kafka, lit(&not_msk)).is_empty(),
        "t is not on for MSK"
    );
}

#[test]
fn aliases_count_for_their_key_and_are_noted() {
    let found = warnings(
        Kind::Snowflake,
        lit(&[
            ("SNOWFLAKE_ACCOUNT", "a"),
            ("SNOWFLAKE_USER", "u"),
            ("SNOWFLAKE_PRIVATE_KEY_B64", "YWJj"),
            ("SNOWFLAKE_UNLOAD_STAGE", "s"),
            ("SNOWSQL_SCHEMA", "PUBLIC"),
            ("SNOWFLAKE_SCHEMA", "PUBLIC"),
        ]),
    );
    assert_eq!(titles(&found), ["Alias key", "Key set twice"]);
    assert_eq!(
        found[0].message,
        "SNOWFLAKE_ACCOUNT is another name for SNOWFLAKE_ACCOUNT_ID; the engine reads SNOWFLAKE_ACCOUNT_ID."
    );
    assert_eq!(
        found[0].config_keys,
        ["SNOWFLAKE_ACCOUNT", "SNOWFLAKE_ACCOUNT_ID"]
    );
    assert!(
        found[1]
            .message
            .contains("the engine reads SNOWFLAKE_SCHEMA and ignores SNOWSQL_SCHEMA")
    );
    let kafka = warnings(
        Kind::Kafka,
        lit(&[
            ("KAFKA_BOOTSTRAP_SERVER", "b"),
            ("KAFKA_TOPIC", "t"),
            ("KAFKA_DLQ_TOPIC", "dlq"),
        ]),
    );
    assert_eq!(titles(&kafka), ["Alias key"]);
}

#[test]
fn snowflake_advisories_carry_their_wire_codes() {
    let found = warnings(
        Kind::Snowflake,
        lit(&[
            ("SNOWFLAKE_ACCOUNT_ID", "a"),
            ("SNOWFLAKE_USER", "u"),
            ("SNOWFLAKE_PASSWORD", "p"),
        ]),
    );
    let codes: Vec<WarningCode> = found.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        [
            WarningCode::SnowflakeUnloadNotConfigured,
            WarningCode::SnowflakePasswordAuthentication
        ]
    );
    assert_eq!(found[0].config_keys, ["SNOWFLAKE_UNLOAD_STAGE"]);
    let keypair = warnings(
        Kind::Snowflake,
        lit(&[
            ("SNOWFLAKE_ACCOUNT_ID", "a"),
            ("SNOWFLAKE_USER", "u"),
            ("SNOWFLAKE_PASSWORD", "p"),
            ("SNOWFLAKE_PRIVATE_KEY_B64", "YWJj"),
            ("SNOWFLAKE_UNLOAD_STAGE", "s"),
        ]),
    );
    assert!(keypair.is_empty(), "{keypair:?}");
}

#[test]
fn warnings_do_not_depend_on_entry_order() {
    let mut entries = lit(&[
        ("B_UNKNOWN", "1"),
        ("PGHOST", "h"),
        ("A_UNKNOWN", "2"),
        ("PG_AWS_IAM_AUTH", "1"),
    ]);
    let forward = warnings(Kind::Postgresql, entries.clone());
    entries.reverse();
    assert_eq!(warnings(Kind::Postgresql, entries), forward);
    assert_eq!(
        forward.last().map(|w| w.config_keys.clone()),
        Some(vec!["B_UNKNOWN".to_string()])
    );
}

#[test]
fn secret_keys() {
    assert!(is_secret_key(Kind::Postgresql, "PGPASSWORD"));
    assert!(!is_secret_key(Kind::Postgresql, "PGHOST"));
    assert!(
        !is_secret_key(Kind::Athena, "ATHENA_AWS_ACCESS_KEY_ID"),
        "catalog wins"
    );
    assert!(is_secret_key(Kind::Kafka, "KAFKA_SASL_PASSWORD"));
    assert!(!is_secret_key(Kind::Snowflake, "SNOWFLAKE_ACCOUNT"));
    for key in [
        "MY_PASSWORD",
        "DB_PWD",
        "CLIENT_SECRET",
        "GITHUB_TOKEN",
        "PRIVATE_KEY_PEM",
        "GCP_CREDENTIALS",
        "OPENAI_API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "SSH_KEY",
        "STORAGE_SAS",
    ] {
        assert!(is_secret_key(Kind::Postgresql, key), "{key}");
        assert!(is_secret_key(Kind::Openai, key), "{key}");
    }
    for key in ["PGHOST_EXTRA", "REGION", "MONKEY_COUNT", "TOKENIZER_NAME_X"] {
        let expected = key.contains("TOKEN");
        assert_eq!(is_secret_key(Kind::Aws, key), expected, "{key}");
    }
}
