//! One module (or folder) per family of kinds, each exporting entry points with the one signature
//! every check implements ([`Check`]); [`check_for`] is the table from a kind to its check.

pub mod aws;
pub mod clickhouse;
pub mod databricks;
pub mod google;
pub mod kafka;
pub mod mssql;
pub mod mysql;
pub mod snowflake;
pub mod sql;
pub mod trino;

use super::Check;
use crate::domain::Kind;

/// The check that speaks `kind`'s protocol, or `None` for kinds with no check.
pub fn check_for(kind: Kind) -> Option<Check> {
    Some(match kind {
        Kind::Postgresql => sql::probe_postgres,
        Kind::Redshift => sql::probe_redshift,
        Kind::Mysql => mysql::probe,
        Kind::Athena => aws::probe_athena,
        Kind::Dynamodb => aws::probe_dynamodb,
        Kind::Kinesis => aws::probe_kinesis,
        Kind::Bigquery => google::probe_bigquery,
        Kind::Spanner => google::probe_spanner,
        Kind::Pubsub => google::probe_pubsub,
        Kind::Kafka => kafka::probe,
        Kind::Mssql => mssql::probe,
        Kind::Clickhouse => clickhouse::probe,
        Kind::Databricks => databricks::probe,
        Kind::Snowflake => snowflake::probe,
        Kind::Trino => trino::probe,
        _ => return None,
    })
}
