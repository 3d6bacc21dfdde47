//! Request signing and sign-in shared by checks: AWS Signature V4 ([`sigv4`]), Google
//! service-account sign-in ([`google`]), and the one PEM/RS256 JWT module both Google and
//! Snowflake use ([`jwt`]).

pub mod google;
pub mod jwt;
pub mod sigv4;
