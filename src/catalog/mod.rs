//! The kind catalog: each kind's keys, labels, help, types, defaults and group rules, loaded at
//! compile time from `assets/catalog.toml` so the form, the validator, the CLI and the testers
//! read one source of truth.
//!
//! CONTRACT (placeholder; the full implementation replaces it).
