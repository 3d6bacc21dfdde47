//! The network layers checks are built on: TCP to resolved addresses ([`tcp`], where the egress
//! policy is enforced), TLS ([`tls`]), an HTTP/1.1 client ([`http`]), and the TLS upgrades of the
//! PostgreSQL ([`pg_tls`]) and TDS ([`tds_tls`]) protocols.

pub mod error_body;
pub mod http;
pub mod pg_tls;
pub mod tcp;
pub mod tds_tls;
pub mod tls;
