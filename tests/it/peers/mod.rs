//! Local peers that speak the real protocols of the kinds with no server on this machine
//! (HTTP services, Kafka, TDS, PostgreSQL TLS, Google, AWS through moto, secret managers), so
//! connectivity tests reach a real conversation on loopback.

#![allow(dead_code)]

pub mod google;
pub mod google_oauth;
pub mod http;
pub mod http_proxy;
pub mod integrations_only;
pub mod kafka_broker;
pub mod mariadb_server;
pub mod moto;
pub mod pg_tls_proxy;
pub mod secret_managers;
pub mod tds;
