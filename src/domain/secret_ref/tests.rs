//! The table of reference vectors for every provider and store, plus the parsing and store
//! round-trip tests: one place that shows every accepted form and every refusal reason.

use super::RefErrorReason::*;
use super::aws::AWS_ARN_FORMAT;
use super::azure::AZURE_FORMAT;
use super::gcp::{GCP_FORMAT, GCP_SERVICE_PREFIX};
use super::*;

/// What a vector expects: the normalized name, or a reason plus fragments of the message.
enum Want {
    Name(&'static str),
    Fails(RefErrorReason, &'static [&'static str]),
}
use Want::{Fails, Name};

/// Store-independent: the vector runs `parse_reference` and compares the parsed name.
const PARSE: &str = "";
const AWS: &str = "aws:123456789012:us-east-1";
const GCP: &str = "gcp:my-project:us-central1";
const GCP_GLOBAL: &str = "gcp:my-project";
const AZ: &str = "azure:myvault";
const LOCAL: &str = "local";

/// (store, input, expectation).
const VECTORS: &[(&str, &str, Want)] = &[
    // --- AWS: the reference's own vectors ---
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
        Name("prod/pg/password"),
    ),
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret-abcdef-XyZ123",
        Name("my-secret-abcdef"),
    ),
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT:",
        Fails(JsonKeySelector, &["\"password\"", "whole secret"]),
    ),
    // --- AWS: accepted forms ---
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
        Name("prod/pg/password"),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password",
        Name("prod/pg/password"),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSCURRENT:",
        Name("db"),
    ),
    (
        AWS,
        "  arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\n",
        Name("db"),
    ),
    (
        AWS,
        "prod/pg/password-a1B2c3",
        Name("prod/pg/password-a1B2c3"),
    ),
    (PARSE, "  my-secret-abcdef  ", Name("my-secret-abcdef")),
    (AWS, "snowflake-prod-key", Name("snowflake-prod-key")),
    (
        "aws:123456789012:cn-north-1",
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:cn/db-AbCdEf",
        Name("cn/db"),
    ),
    (
        "aws:123456789012:us-gov-west-1",
        "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:gov-db",
        Name("gov-db"),
    ),
    (
        PARSE,
        "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:iso+key@x=1",
        Name("iso+key@x=1"),
    ),
    // --- AWS: rejections ---
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPREVIOUS",
        Fails(
            NonLatestVersion,
            &["\"AWSPREVIOUS\"", "expected AWSCURRENT"],
        ),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPENDING:",
        Fails(NonLatestVersion, &["\"AWSPENDING\"", "expected AWSCURRENT"]),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db::blue-green",
        Fails(NonLatestVersion, &["\"blue-green\"", "expected AWSCURRENT"]),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:::EXAMPLE1-90ab-cdef",
        Fails(
            NonLatestVersion,
            &[
                "version id \"EXAMPLE1-90ab-cdef\"",
                "expected no version id",
            ],
        ),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:us-east-1:210987654321:secret:db-AbCdEf",
        Fails(
            WrongAccount,
            &[
                "secret reference: account 210987654321 does not match this environment's AWS account 123456789012; cross-account references are not supported",
            ],
        ),
    ),
    (
        AWS,
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
        Fails(
            WrongRegion,
            &["region eu-west-1", "AWS region us-east-1", "cross-region"],
        ),
    ),
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:1234:secret:db",
        Fails(Malformed, &["account \"1234\"", "expected 12 digits"]),
    ),
    (
        PARSE,
        "arn:aws:ssm:us-east-1:123456789012:parameter:db",
        Fails(Malformed, &["service \"ssm\"", "expected secretsmanager"]),
    ),
    (
        PARSE,
        "arn:gcp:secretsmanager:us-east-1:123456789012:secret:db",
        Fails(Malformed, &["partition \"gcp\"", "expected aws, aws-cn"]),
    ),
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012",
        Fails(Malformed, &["incomplete", AWS_ARN_FORMAT]),
    ),
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
        Fails(Malformed, &["no secret name", AWS_ARN_FORMAT]),
    ),
    (
        PARSE,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:a:b:c:d:e",
        Fails(Malformed, &["4 fields after the secret name"]),
    ),
    (
        PARSE,
        "my secret",
        Fails(BadName, &["name \"my secret\"", "' '", "/_+=.@-"]),
    ),
    (
        AWS,
        "db#1",
        Fails(
            BadName,
            &["'#'", "AWS Secrets Manager secret names", "/_+=.@-"],
        ),
    ),
    (
        PARSE,
        "",
        Fails(Empty, &["empty", "expected a secret name"]),
    ),
    (AWS, " \t\n", Fails(Empty, &["empty"])),
    // --- GCP ---
    (
        GCP,
        "projects/my-project/locations/us-central1/secrets/db",
        Name("db"),
    ),
    (GCP, "projects/my-project/secrets/db", Name("db")),
    (
        GCP_GLOBAL,
        "projects/my-project/secrets/db_PW-2/versions/latest",
        Name("db_PW-2"),
    ),
    (
        GCP,
        "//secretmanager.googleapis.com/projects/my-project/locations/us-central1/secrets/db/versions/latest",
        Name("db"),
    ),
    (GCP, "db_password-2", Name("db_password-2")),
    (
        GCP_GLOBAL,
        "projects/my-project/locations/us-central1/secrets/db",
        Fails(
            WrongRegion,
            &[
                "location us-central1",
                "no region",
                "projects/my-project/secrets/db",
            ],
        ),
    ),
    (
        GCP,
        "projects/my-project/locations/europe-west1/secrets/db",
        Fails(
            WrongRegion,
            &[
                "location europe-west1",
                "GCP region us-central1",
                "cross-region",
            ],
        ),
    ),
    (
        GCP,
        "projects/other-project/secrets/db",
        Fails(
            WrongProject,
            &[
                "project other-project",
                "GCP project my-project",
                "cross-project",
            ],
        ),
    ),
    (
        GCP,
        "projects/my-project/secrets/db/versions/3",
        Fails(
            NonLatestVersion,
            &["explicit version \"3\"", "/versions/latest"],
        ),
    ),
    (
        GCP,
        "projects/my-project/secrets/db/versions/prod",
        Fails(
            NonLatestVersion,
            &["version alias \"prod\"", "/versions/latest"],
        ),
    ),
    (
        GCP,
        "projects/my-project/secrets/db.password",
        Fails(
            BadName,
            &["'.'", "GCP Secret Manager secret ids", "- and _"],
        ),
    ),
    (
        GCP,
        "db.password",
        Fails(BadName, &["'.'", "GCP Secret Manager secret ids"]),
    ),
    (
        GCP,
        "projects/my-project/secret/db",
        Fails(
            Malformed,
            &["\"secret\"", "secrets/ was expected", GCP_FORMAT],
        ),
    ),
    (
        GCP,
        "projects/my-project/secrets/db/",
        Fails(Malformed, &["versions/ was expected"]),
    ),
    (
        GCP,
        "projects/My_Project/secrets/db",
        Fails(Malformed, &["project \"My_Project\"", "6-30 lowercase"]),
    ),
    (
        GCP,
        "//storage.googleapis.com/projects/my-project/secrets/db",
        Fails(Malformed, &[GCP_SERVICE_PREFIX, GCP_FORMAT]),
    ),
    // --- Azure ---
    (
        AZ,
        "https://myvault.vault.azure.net/secrets/db-password",
        Name("db-password"),
    ),
    (
        AZ,
        "HTTPS://MYVAULT.VAULT.AZURE.NET/SECRETS/Db-Password/",
        Name("Db-Password"),
    ),
    (
        "azure:MyVault",
        "https://myvault.vault.azure.net/secrets/x",
        Name("x"),
    ),
    (AZ, "https://myvault.vault.azure.cn/secrets/db", Name("db")),
    (AZ, "db-password", Name("db-password")),
    (
        AZ,
        "https://othervault.vault.usgovcloudapi.net/secrets/db",
        Fails(
            WrongVault,
            &["vault othervault", "Azure Key Vault myvault", "cross-vault"],
        ),
    ),
    (
        AZ,
        "https://myvault.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef",
        Fails(
            NonLatestVersion,
            &[
                "version \"0123456789abcdef0123456789abcdef\"",
                "https://myvault.vault.azure.net/secrets/db without a version",
            ],
        ),
    ),
    (
        PARSE,
        "https://myhsm.managedhsm.azure.net/secrets/db",
        Fails(WrongProvider, &["Managed HSM", AZURE_FORMAT]),
    ),
    (
        AZ,
        "https://myvault.vault.azure.net/keys/db",
        Fails(Malformed, &["object type \"keys\"", AZURE_FORMAT]),
    ),
    (
        AZ,
        "https://myvault.blob.core.windows.net/secrets/db",
        Fails(
            Malformed,
            &["host \"myvault.blob.core.windows.net\"", "vault.azure.net"],
        ),
    ),
    (
        AZ,
        "http://myvault.vault.azure.net/secrets/db",
        Fails(Malformed, &["scheme \"http\"", AZURE_FORMAT]),
    ),
    (
        AZ,
        "https://myvault.vault.azure.net/secrets/db?api-version=7.4",
        Fails(Malformed, &["query strings", AZURE_FORMAT]),
    ),
    (
        AZ,
        "https://a.vault.azure.net/secrets/db",
        Fails(Malformed, &["vault name \"a\"", "3-24"]),
    ),
    (
        AZ,
        "https://myvault.vault.azure.net/secrets/",
        Fails(Malformed, &["secret name after /secrets/ is missing"]),
    ),
    (
        AZ,
        "https://myvault.vault.azure.net/secrets/db_pw",
        Fails(
            BadName,
            &[
                "'_'",
                "Azure Key Vault secret names",
                "letters, digits and -",
            ],
        ),
    ),
    (
        AZ,
        "db/password",
        Fails(BadName, &["'/'", "Azure Key Vault secret names"]),
    ),
    // --- Cross-provider and local store ---
    (
        AWS,
        "https://myvault.vault.azure.net/secrets/db",
        Fails(
            WrongProvider,
            &[
                "an Azure Key Vault secret URL cannot be used",
                "AWS Secrets Manager (account 123456789012, region us-east-1)",
            ],
        ),
    ),
    (
        AWS,
        "projects/my-project/secrets/db",
        Fails(
            WrongProvider,
            &["a GCP Secret Manager resource name", "AWS Secrets Manager"],
        ),
    ),
    (
        GCP,
        "https://myvault.vault.azure.net/secrets/db",
        Fails(
            WrongProvider,
            &[
                "Azure Key Vault secret URL",
                "GCP Secret Manager (project my-project, region us-central1)",
            ],
        ),
    ),
    (
        AZ,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        Fails(
            WrongProvider,
            &[
                "an AWS Secrets Manager ARN",
                "Azure Key Vault (vault myvault)",
            ],
        ),
    ),
    (
        LOCAL,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPREVIOUS",
        Fails(
            WrongProvider,
            &[
                "an AWS Secrets Manager ARN",
                "store is local",
                "only plain secret names",
            ],
        ),
    ),
    (
        LOCAL,
        "projects/my-project/secrets/db",
        Fails(
            WrongProvider,
            &["store is local", "only plain secret names"],
        ),
    ),
    (
        LOCAL,
        "https://myvault.vault.azure.net/secrets/db",
        Fails(WrongProvider, &["store is local"]),
    ),
    (
        LOCAL,
        "prod/pg/password-a1B2c3",
        Name("prod/pg/password-a1B2c3"),
    ),
    (
        LOCAL,
        "db password",
        Fails(BadName, &["' '", "local-store secret names", "/_+=.@-"]),
    ),
    (
        LOCAL,
        "ftp://host/db",
        Fails(Malformed, &["scheme \"ftp\""]),
    ),
];

/// Every reason; the match makes this list fail to compile when a variant is added.
fn all_reasons() -> Vec<RefErrorReason> {
    let all = vec![
        Empty,
        Malformed,
        NonLatestVersion,
        JsonKeySelector,
        WrongProvider,
        WrongAccount,
        WrongRegion,
        WrongProject,
        WrongVault,
        BadName,
    ];
    for reason in &all {
        match reason {
            Empty | Malformed | NonLatestVersion | JsonKeySelector | WrongProvider
            | WrongAccount | WrongRegion | WrongProject | WrongVault | BadName => {}
        }
    }
    all
}

/// Runs one vector: `parse_reference` for [`PARSE`], else the store's `normalize`.
fn run(store: &str, input: &str) -> Result<String, RefError> {
    if store == PARSE {
        return parse_reference(input).map(|r| r.name);
    }
    let store: SecretStore = store.parse().unwrap();
    store.normalize(input)
}

#[test]
fn vectors() {
    assert!(VECTORS.len() >= 40, "only {} vectors", VECTORS.len());
    for (store, input, want) in VECTORS {
        let got = run(store, input);
        match want {
            Name(name) => {
                assert_eq!(
                    got,
                    Ok(name.to_string()),
                    "store {store:?}, input {input:?}"
                );
                // The console's store-independent parse shows the same name.
                assert_eq!(parse_reference(input).map(|r| r.name), Ok(name.to_string()));
            }
            Fails(reason, parts) => {
                let err = got.expect_err(&format!("store {store:?}, input {input:?}"));
                assert_eq!(err.reason, *reason, "input {input:?}: {}", err.message);
                assert!(err.message.starts_with(MESSAGE_PREFIX), "{}", err.message);
                assert_eq!(err.to_string(), err.message);
                for part in *parts {
                    assert!(
                        err.message.contains(part),
                        "input {input:?}: {:?} lacks {part:?}",
                        err.message
                    );
                }
            }
        }
    }
}

#[test]
fn vectors_cover_every_reason() {
    for reason in all_reasons() {
        assert!(
            VECTORS
                .iter()
                .any(|(_, _, want)| matches!(want, Fails(r, _) if *r == reason)),
            "no vector for {reason:?}"
        );
    }
}

#[test]
fn parse_fills_every_part_of_an_arn() {
    let parsed = parse_reference(
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:prod/pg-a1B2c3::AWSCURRENT",
    )
    .unwrap();
    assert_eq!(
        parsed,
        SecretReference {
            form: RefForm::AwsArn,
            provider: Some(Provider::Aws),
            partition: Some("aws-cn".to_string()),
            account: Some("123456789012".to_string()),
            region: Some("cn-north-1".to_string()),
            project: None,
            vault: None,
            name: "prod/pg".to_string(),
            version: Some("AWSCURRENT".to_string()),
            json_key: None,
        }
    );
    assert_eq!(
        parsed.describe(),
        "AWS Secrets Manager · partition aws-cn · account 123456789012 · region cn-north-1 · name prod/pg · version AWSCURRENT"
    );
}

#[test]
fn parse_fills_gcp_azure_and_bare_parts() {
    let gcp =
        parse_reference("projects/my-project/locations/us-central1/secrets/db/versions/latest")
            .unwrap();
    assert_eq!(gcp.form, RefForm::GcpResource);
    assert_eq!(gcp.project.as_deref(), Some("my-project"));
    assert_eq!(gcp.region.as_deref(), Some("us-central1"));
    assert_eq!(gcp.version.as_deref(), Some("latest"));
    assert_eq!(
        gcp.describe(),
        "GCP Secret Manager · project my-project · location us-central1 · name db · version latest"
    );
    let global = parse_reference("projects/123456/secrets/db").unwrap();
    assert_eq!(
        global.describe(),
        "GCP Secret Manager · project 123456 · global · name db"
    );

    let azure = parse_reference("https://MyVault.vault.azure.net/secrets/Db").unwrap();
    assert_eq!(azure.form, RefForm::AzureUrl);
    assert_eq!(azure.provider, Some(Provider::Azure));
    assert_eq!(azure.vault.as_deref(), Some("MyVault"));
    assert_eq!(
        azure.describe(),
        "Azure Key Vault · vault MyVault · name Db"
    );

    let bare = parse_reference("snowflake-prod-key").unwrap();
    assert_eq!(
        bare,
        SecretReference::new(RefForm::Bare, "snowflake-prod-key")
    );
    assert_eq!(bare.provider, None);
    assert_eq!(bare.describe(), "secret name · name snowflake-prod-key");

    let aws = parse_reference(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg/password-a1B2c3",
    )
    .unwrap();
    assert_eq!(
        aws.describe(),
        "AWS Secrets Manager · account 123456789012 · region us-east-1 · name prod/pg/password"
    );
}

#[test]
fn name_length_limits_per_provider() {
    let cases = [
        (
            AWS,
            512,
            "AWS Secrets Manager secret names have at most 512",
        ),
        (LOCAL, 512, "local-store secret names have at most 512"),
        (GCP, 255, "GCP Secret Manager secret ids have at most 255"),
        (AZ, 127, "Azure Key Vault secret names have at most 127"),
    ];
    for (store, max, message) in cases {
        let store: SecretStore = store.parse().unwrap();
        let longest = "a".repeat(max);
        assert_eq!(store.normalize(&longest), Ok(longest.clone()));
        let err = store.normalize(&format!("{longest}b")).unwrap_err();
        assert_eq!(err.reason, BadName);
        assert!(
            err.message
                .contains(&format!("name is {} characters long", max + 1))
        );
        assert!(err.message.contains(message), "{}", err.message);
    }
    // Messages quote at most a bounded part of the input.
    let err = parse_reference(&format!("{} x", "a".repeat(1000))).unwrap_err();
    assert!(err.message.chars().count() < 300, "{}", err.message);
}

#[test]
fn store_round_trips() {
    for text in [
        "local",
        "aws:123456789012:us-east-1",
        "aws:123456789012:us-gov-west-1",
        "gcp:my-project",
        "gcp:my-project:us-central1",
        "gcp:123456789:europe-west4",
        "azure:my-vault",
        "azure:MyVault1",
    ] {
        let store: SecretStore = text.parse().unwrap();
        assert_eq!(store.to_string(), text);
        assert_eq!(store.to_string().parse::<SecretStore>(), Ok(store));
    }
    assert_eq!(" LOCAL ".parse::<SecretStore>(), Ok(SecretStore::Local));
    assert_eq!(SecretStore::default(), SecretStore::Local);
    assert_eq!(
        "gcp:my-project:us-central1".parse::<SecretStore>(),
        Ok(SecretStore::Gcp {
            project: "my-project".to_string(),
            region: Some("us-central1".to_string()),
        })
    );
    assert_eq!(
        "aws:123456789012:us-east-1".parse::<SecretStore>(),
        Ok(SecretStore::Aws {
            account: "123456789012".to_string(),
            region: "us-east-1".to_string(),
        })
    );
}

#[test]
fn bad_store_strings_say_what_was_expected() {
    let cases = [
        ("", "expected `local`, `aws:ACCOUNT:REGION`"),
        ("vault:x", "expected `local`, `aws:ACCOUNT:REGION`"),
        ("local:x", "takes no parameters"),
        ("aws", "expected `aws:ACCOUNT:REGION`"),
        ("aws:123456789012", "expected `aws:ACCOUNT:REGION`"),
        (
            "aws:12345:us-east-1",
            "AWS account \"12345\" must be 12 digits",
        ),
        (
            "aws:123456789012:useast1",
            "AWS region \"useast1\" must look like `us-east-1`",
        ),
        ("aws:123456789012:US-EAST-1", "AWS region \"US-EAST-1\""),
        ("gcp", "expected `gcp:PROJECT` or `gcp:PROJECT:REGION`"),
        (
            "gcp:a:b:c",
            "expected `gcp:PROJECT` or `gcp:PROJECT:REGION`",
        ),
        (
            "gcp:My_Project",
            "GCP project \"My_Project\" must be a project ID",
        ),
        (
            "gcp:my-project:",
            "GCP region \"\" must look like `us-central1`",
        ),
        ("azure", "expected `azure:VAULT`"),
        ("azure:ab", "Azure vault name \"ab\" must be 3-24"),
        ("azure:my--vault", "no consecutive hyphens"),
        ("azure:1vault", "start with a letter"),
    ];
    for (text, part) in cases {
        let err = text.parse::<SecretStore>().unwrap_err();
        assert!(err.starts_with("invalid secret store"), "{err}");
        assert!(err.contains(part), "{text:?}: {err:?} lacks {part:?}");
    }
}

#[test]
fn store_helpers() {
    let store: SecretStore = AWS.parse().unwrap();
    assert_eq!(store.provider(), Some(Provider::Aws));
    assert_eq!(SecretStore::Local.provider(), None);
    assert_eq!(
        GCP_GLOBAL.parse::<SecretStore>().unwrap().describe(),
        "GCP Secret Manager (project my-project, no region)"
    );
    assert_eq!(Provider::Gcp.to_string(), "GCP Secret Manager");
    assert_eq!(RefForm::AzureUrl.provider(), Some(Provider::Azure));
}
