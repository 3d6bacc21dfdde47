//! Integration kinds: the wire enum, the 15 kinds the product manages, and parsing of the
//! spellings users type (the SDK's `IntegrationKind` names, any case, display names, aliases).

use std::fmt;
use std::str::FromStr;

use crate::proto::IntegrationKind as WireKind;

/// Every kind the wire enum names. Only [`Kind::MANAGED`] get catalog-driven forms and checks;
/// the others (AWS, GCP, Cohere, OpenAI, Hugging Face) are shown when a server returns them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Athena,
    Aws,
    Bigquery,
    Clickhouse,
    Cohere,
    Databricks,
    Dynamodb,
    Gcp,
    Kafka,
    Kinesis,
    Mysql,
    Openai,
    Postgresql,
    Pubsub,
    Redshift,
    Snowflake,
    Spanner,
    Trino,
    Mssql,
    Huggingface,
}

/// A kind string nobody recognises; its message lists the valid kinds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown integration kind {given:?}; valid kinds: {}",
    valid_kind_list()
)]
pub struct UnknownKind {
    /// What the user typed.
    pub given: String,
}

/// The valid kinds as the SDK's error lists them: lower-case SDK names, sorted.
pub fn valid_kind_list() -> String {
    let mut names: Vec<String> = Kind::MANAGED
        .iter()
        .map(|kind| kind.sdk_name().to_ascii_lowercase())
        .collect();
    names.sort();
    names.join(", ")
}

impl Kind {
    /// The 15 kinds the product manages, in the SDK's order.
    pub const MANAGED: [Kind; 15] = [
        Kind::Athena,
        Kind::Bigquery,
        Kind::Clickhouse,
        Kind::Databricks,
        Kind::Dynamodb,
        Kind::Kafka,
        Kind::Kinesis,
        Kind::Mssql,
        Kind::Mysql,
        Kind::Postgresql,
        Kind::Pubsub,
        Kind::Redshift,
        Kind::Snowflake,
        Kind::Spanner,
        Kind::Trino,
    ];

    /// Every kind, managed or not.
    pub const ALL: [Kind; 20] = [
        Kind::Athena,
        Kind::Aws,
        Kind::Bigquery,
        Kind::Clickhouse,
        Kind::Cohere,
        Kind::Databricks,
        Kind::Dynamodb,
        Kind::Gcp,
        Kind::Kafka,
        Kind::Kinesis,
        Kind::Mysql,
        Kind::Openai,
        Kind::Postgresql,
        Kind::Pubsub,
        Kind::Redshift,
        Kind::Snowflake,
        Kind::Spanner,
        Kind::Trino,
        Kind::Mssql,
        Kind::Huggingface,
    ];

    /// The wire enum value.
    pub fn to_wire(self) -> WireKind {
        match self {
            Kind::Athena => WireKind::Athena,
            Kind::Aws => WireKind::Aws,
            Kind::Bigquery => WireKind::Bigquery,
            Kind::Clickhouse => WireKind::Clickhouse,
            Kind::Cohere => WireKind::Cohere,
            Kind::Databricks => WireKind::Databricks,
            Kind::Dynamodb => WireKind::Dynamodb,
            Kind::Gcp => WireKind::Gcp,
            Kind::Kafka => WireKind::Kafka,
            Kind::Kinesis => WireKind::Kinesis,
            Kind::Mysql => WireKind::Mysql,
            Kind::Openai => WireKind::Openai,
            Kind::Postgresql => WireKind::Postgresql,
            Kind::Pubsub => WireKind::Pubsub,
            Kind::Redshift => WireKind::Redshift,
            Kind::Snowflake => WireKind::Snowflake,
            Kind::Spanner => WireKind::Spanner,
            Kind::Trino => WireKind::Trino,
            Kind::Mssql => WireKind::Mssql,
            Kind::Huggingface => WireKind::Huggingface,
        }
    }

    /// The kind of a wire enum number; `None` for UNSPECIFIED and numbers this build does not know.
    pub fn from_wire(value: i32) -> Option<Kind> {
        let wire = WireKind::try_from(value).ok()?;
        Kind::ALL.into_iter().find(|kind| kind.to_wire() == wire)
    }

    /// The SDK's `IntegrationKind` member name, e.g. `POSTGRESQL`.
    pub fn sdk_name(self) -> &'static str {
        match self {
            Kind::Athena => "ATHENA",
            Kind::Aws => "AWS",
            Kind::Bigquery => "BIGQUERY",
            Kind::Clickhouse => "CLICKHOUSE",
            Kind::Cohere => "COHERE",
            Kind::Databricks => "DATABRICKS",
            Kind::Dynamodb => "DYNAMODB",
            Kind::Gcp => "GCP",
            Kind::Kafka => "KAFKA",
            Kind::Kinesis => "KINESIS",
            Kind::Mysql => "MYSQL",
            Kind::Openai => "OPENAI",
            Kind::Postgresql => "POSTGRESQL",
            Kind::Pubsub => "PUBSUB",
            Kind::Redshift => "REDSHIFT",
            Kind::Snowflake => "SNOWFLAKE",
            Kind::Spanner => "SPANNER",
            Kind::Trino => "TRINO",
            Kind::Mssql => "MSSQL",
            Kind::Huggingface => "HUGGINGFACE",
        }
    }

    /// The name people read, as in the SDK docs' table.
    pub fn display_name(self) -> &'static str {
        match self {
            Kind::Athena => "AWS Athena",
            Kind::Aws => "AWS",
            Kind::Bigquery => "Google BigQuery",
            Kind::Clickhouse => "ClickHouse",
            Kind::Cohere => "Cohere",
            Kind::Databricks => "Databricks",
            Kind::Dynamodb => "Amazon DynamoDB",
            Kind::Gcp => "GCP",
            Kind::Kafka => "Apache Kafka",
            Kind::Kinesis => "Amazon Kinesis",
            Kind::Mysql => "MySQL",
            Kind::Openai => "OpenAI",
            Kind::Postgresql => "PostgreSQL",
            Kind::Pubsub => "Google Pub/Sub",
            Kind::Redshift => "Amazon Redshift",
            Kind::Snowflake => "Snowflake",
            Kind::Spanner => "Google Spanner",
            Kind::Trino => "Trino",
            Kind::Mssql => "Microsoft SQL Server",
            Kind::Huggingface => "Hugging Face",
        }
    }

    /// True for the 15 kinds with catalog-driven forms, validation and connectivity tests.
    pub fn is_managed(self) -> bool {
        Kind::MANAGED.contains(&self)
    }

    /// Extra spellings people use for a kind, compared after folding case and dropping
    /// spaces, `-`, `_` and `/`.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Kind::Postgresql => &["postgres", "pg"],
            Kind::Mssql => &["sqlserver"],
            Kind::Pubsub => &["gcppubsub"],
            Kind::Bigquery => &["bq"],
            _ => &[],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// Folds case and drops separators so "Google Pub/Sub", "pub_sub" and "PUBSUB" compare equal.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '/' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl FromStr for Kind {
    type Err = UnknownKind;

    /// Accepts the SDK member names in any case (`postgresql`, `POSTGRESQL`), the wire names
    /// (`INTEGRATION_KIND_POSTGRESQL`), the display names (`Google BigQuery`) and a few aliases.
    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let trimmed = given.trim();
        let without_prefix = trimmed
            .get(..17)
            .filter(|prefix| prefix.eq_ignore_ascii_case("INTEGRATION_KIND_"))
            .map_or(trimmed, |_| &trimmed[17..]);
        let folded = fold(without_prefix);
        if folded.is_empty() {
            return Err(UnknownKind {
                given: given.to_string(),
            });
        }
        Kind::ALL
            .into_iter()
            .find(|kind| {
                fold(kind.sdk_name()) == folded
                    || fold(kind.display_name()) == folded
                    || kind.aliases().iter().any(|alias| *alias == folded)
            })
            .ok_or_else(|| UnknownKind {
                given: given.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_the_sdk_and_people_use() {
        for (text, kind) in [
            ("postgresql", Kind::Postgresql),
            ("POSTGRESQL", Kind::Postgresql),
            (" PostgreSQL ", Kind::Postgresql),
            ("INTEGRATION_KIND_POSTGRESQL", Kind::Postgresql),
            ("integration_kind_mssql", Kind::Mssql),
            ("postgres", Kind::Postgresql),
            ("Google BigQuery", Kind::Bigquery),
            ("Google Pub/Sub", Kind::Pubsub),
            ("pub_sub", Kind::Pubsub),
            ("Microsoft SQL Server", Kind::Mssql),
            ("AWS Athena", Kind::Athena),
            ("dynamodb", Kind::Dynamodb),
        ] {
            assert_eq!(text.parse::<Kind>(), Ok(kind), "{text}");
        }
    }

    #[test]
    fn unknown_kind_lists_the_valid_ones() {
        let error = "postgre".parse::<Kind>().unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"postgre\""), "{message}");
        assert!(
            message.contains("athena, bigquery, clickhouse, databricks, dynamodb, kafka, kinesis, mssql, mysql, postgresql, pubsub, redshift, snowflake, spanner, trino"),
            "{message}"
        );
        assert!("".parse::<Kind>().is_err());
    }

    #[test]
    fn wire_numbers_round_trip_and_match_the_reference() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_wire(kind.to_wire() as i32), Some(kind));
        }
        assert_eq!(Kind::Postgresql.to_wire() as i32, 13);
        assert_eq!(Kind::Mssql.to_wire() as i32, 19);
        assert_eq!(Kind::from_wire(0), None);
        assert_eq!(Kind::from_wire(99), None);
        assert_eq!(Kind::MANAGED.iter().filter(|k| k.is_managed()).count(), 15);
    }
}
