//! One module (or folder) per family of kinds, each exporting its checks; [`check_for`] is the
//! table from a kind to its check with the one signature every check implements ([`Check`]).
//! Checks written as `async fn(CheckInput) -> Outcome` are boxed here, in one place, instead of
//! each family repeating an entry point per kind.

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
    let check: Check = match kind {
        Kind::Postgresql => sql::probe_postgres,
        Kind::Redshift => sql::probe_redshift,
        Kind::Mysql => mysql::probe,
        Kind::Athena => |input| Box::pin(aws::athena(input)),
        Kind::Dynamodb => |input| Box::pin(aws::dynamodb(input)),
        Kind::Kinesis => |input| Box::pin(aws::kinesis(input)),
        Kind::Bigquery => |input| Box::pin(google::bigquery(input)),
        Kind::Spanner => |input| Box::pin(google::spanner(input)),
        Kind::Pubsub => |input| Box::pin(google::pubsub(input)),
        Kind::Kafka => kafka::probe,
        Kind::Mssql => mssql::probe,
        Kind::Clickhouse => clickhouse::probe,
        Kind::Databricks => databricks::probe,
        Kind::Snowflake => snowflake::probe,
        Kind::Trino => trino::probe,
        _ => return None,
    };
    Some(check)
}
