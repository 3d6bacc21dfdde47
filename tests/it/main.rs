//! The integration tests, one binary: each module is one area (RPCs, CLI, console flows,
//! connectivity checks against local peers, the Python SDK), sharing `common` and `peers`.
//! One binary links tonic, rusqlite and ratatui once instead of once per area.
//!
//! `tests/testers_http_tls.rs` stays apart: it sets `SSL_CERT_FILE` for its whole process,
//! which must not leak into the tests here.

mod common;
mod peers;

mod ascode;
mod audit;
mod cli;
mod cli_flags;
mod cli_team;
mod cli_test_all;
mod console_drift;
mod console_flow;
mod console_form_flow;
mod console_team;
mod console_tmux;
mod crash_safety;
mod kafka_compressed;
mod limits;
mod linked_secrets;
mod list_warnings;
mod migrate_store;
mod mysql_tls;
mod pg_replicas;
mod pg_store;
mod pg_store_tls;
mod proxy;
mod python_sdk;
mod redshift;
mod rpc;
mod secrets_wire;
mod serve_binary;
mod serve_lifecycle;
mod session;
mod store_key;
mod team;
mod testers_cloud;
mod testers_http;
mod testers_http_bodies;
mod testers_secrets_property;
mod testers_wire;
