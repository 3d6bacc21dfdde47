use super::*;

fn errors(text: &str) -> Vec<String> {
    read(text)
        .errors
        .iter()
        .map(|p| p.display("f.yaml").to_string())
        .collect()
}

#[test]
fn a_full_file_reads_with_every_value_form() {
    let read = read(
        "version: 1\nenvironment: staging\nsources:\n  orders_pg:\n    kind: postgresql\n    config:\n      PGHOST: db\n      PGPORT: 5432\n      PGPASSWORD: {env: PW}\n  wh:\n    kind: snowflake\n    config:\n      SNOWFLAKE_PRIVATE_KEY_B64: {file: k.b64}\n      SNOWFLAKE_PASSWORD: {keep: true}\n      SNOWFLAKE_USER: {secret: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf}\n",
    );
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    let m = read.manifest;
    assert_eq!(m.environment.as_deref(), Some("staging"));
    assert_eq!(m.sources[0].keys[1].value, FileValue::Plain("5432".into()));
    assert_eq!(m.sources[0].keys[2].value, FileValue::Env("PW".into()));
    assert_eq!(m.sources[1].keys[1].value, FileValue::Keep);
    assert!(matches!(&m.sources[1].keys[2].value, FileValue::Link { name, .. } if name == "db"));
}

#[test]
fn every_error_names_file_line_column_source_and_key() {
    let e = errors(
        "version: 1\nsources:\n  a:\n    kind: postgresql\n    config:\n      PGPASSWORD: hunter2-plain\n",
    );
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("f.yaml:6:19: source a, key PGPASSWORD: a secret key"),
        "{e:?}"
    );
    assert!(!e[0].contains("hunter2"));
    let e = errors("version: 1\nsources:\n  a:\n    kind: nosuch\n");
    assert!(e[0].starts_with("f.yaml:4:11: source a: kind:"), "{e:?}");
    let e = errors("version: 2\nsources: {}\n");
    assert!(e[0].starts_with("f.yaml:1:10: version"), "{e:?}");
    let e = errors(
        "version: 1\nsources:\n  a:\n    kind: mysql\n    config:\n      X: {bogus: 1}\n      Y: [1]\n      Z: {env: 1BAD}\n      W:\n",
    );
    assert_eq!(e.len(), 4, "{e:?}");
    assert!(e[0].contains("source a, key X: unknown value form"));
    assert!(e[1].contains("source a, key Y"));
    assert!(e[2].contains("source a, key Z: env"));
    assert!(e[3].contains("source a, key W: no value"));
    let e = errors(
        "version: 1\nsources:\n  a:\n    kind: mysql\n    config:\n      L: {secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:pw::'}\n",
    );
    assert!(e[0].contains("source a, key L: secret:"), "{e:?}");
    let e = errors("version: 1\nsources:\n  a:\n    kind: mysql\n  a:\n    kind: mysql\n");
    assert!(
        e[0].starts_with("f.yaml:5:3: source a: this source is named twice"),
        "{e:?}"
    );
    let e = errors("version: 1\nsources:\n  a: [\n");
    assert!(
        e[0].starts_with("f.yaml:") && e[0].contains("YAML"),
        "{e:?}"
    );
    let e = errors("version: 1\nsources:\n  bad-name:\n    kind: mysql\n");
    assert!(e[0].contains("source bad-name"), "{e:?}");
}

#[test]
fn unknown_keys_warn_with_did_you_mean() {
    let read =
        read("version: 1\nsources:\n  a:\n    kind: postgresql\n    config:\n      PGHOTS: x\n");
    assert!(read.errors.is_empty());
    let w = read.warnings[0].display("f").to_string();
    assert!(
        w.contains("key PGHOTS") && w.contains("did you mean PGHOST"),
        "{w}"
    );
}
