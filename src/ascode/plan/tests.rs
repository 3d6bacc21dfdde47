use super::*;
use crate::ascode::manifest::read;

fn manifest(config: &str) -> Manifest {
    let text = format!("version: 1\nsources:\n  a:\n    kind: postgresql\n    config:\n{config}");
    let read = read(&text);
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    read.manifest
}

fn server(keys: &[(&str, ServerValue)]) -> Vec<ServerSource> {
    vec![ServerSource {
        id: "id1".into(),
        name: "a".into(),
        kind: Some(Kind::Postgresql),
        updated_at: None,
        keys: keys
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }]
}

#[test]
fn plain_changes_clears_and_links_are_planned() {
    let m = manifest("      PGHOST: new\n      PGUSER: {secret: pw}\n");
    let s = server(&[
        ("PGHOST", ServerValue::Plain("old".into())),
        ("PGDATABASE", ServerValue::Plain("d".into())),
    ]);
    let plan = compute(&m, &ReadSecrets::new(), &s, &StoredSecrets::new(), false).unwrap();
    let a = &plan.sources[0];
    assert_eq!(a.action, Action::Update);
    assert_eq!(
        a.changes[0].change,
        Change::Set {
            old: Some("old".into()),
            new: "new".into()
        }
    );
    assert_eq!(a.changes[1].change, Change::Linked("pw".into()));
    assert_eq!(
        a.changes[2],
        KeyChange {
            key: "PGDATABASE".into(),
            change: Change::Cleared
        }
    );
    assert_eq!(a.send.len(), 3);
}

#[test]
fn env_secrets_compare_in_memory_and_unreadable_ones_may_change() {
    let m = manifest("      PGPASSWORD: {env: PW}\n");
    let s = server(&[("PGPASSWORD", ServerValue::SecretLiteral)]);
    assert_eq!(
        secret_checks(&m, &s),
        vec![("a".into(), "id1".into(), "PGPASSWORD".into())]
    );
    let id = ("a".to_string(), "PGPASSWORD".to_string());
    let read = ReadSecrets::from([(id.clone(), Secret::new("s1"))]);
    let same = StoredSecrets::from([(id.clone(), Some(Secret::new("s1")))]);
    assert!(compute(&m, &read, &s, &same, false).unwrap().is_empty());
    let other = StoredSecrets::from([(id.clone(), Some(Secret::new("s2")))]);
    let plan = compute(&m, &read, &s, &other, false).unwrap();
    assert_eq!(plan.sources[0].changes[0].change, Change::SecretChanges);
    let unreadable = StoredSecrets::from([(id, None)]);
    let plan = compute(&m, &read, &s, &unreadable, false).unwrap();
    assert_eq!(plan.sources[0].changes[0].change, Change::MayChange);
    assert!(!format!("{plan:?}").contains("s1"));
}

#[test]
fn keep_on_a_new_source_is_an_error_naming_key_and_alternatives() {
    let m = manifest("      PGPASSWORD: {keep: true}\n");
    let problems = compute(&m, &ReadSecrets::new(), &[], &StoredSecrets::new(), false).unwrap_err();
    let text = problems[0].display("f").to_string();
    assert!(
        text.contains("key PGPASSWORD")
            && text.contains("{env: VAR}")
            && text.contains("{secret: NAME}"),
        "{text}"
    );
}

#[test]
fn unnamed_sources_are_unmanaged_or_pruned() {
    let m = Manifest::default();
    let s = server(&[]);
    let plan = compute(&m, &ReadSecrets::new(), &s, &StoredSecrets::new(), false).unwrap();
    assert!(plan.is_empty());
    assert_eq!(plan.unmanaged, vec!["a".to_string()]);
    let plan = compute(&m, &ReadSecrets::new(), &s, &StoredSecrets::new(), true).unwrap();
    assert_eq!(plan.sources[0].action, Action::Delete);
}
