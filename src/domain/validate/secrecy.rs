//! The name heuristic for keys the catalog does not know, so a credential under an unexpected
//! name is still withheld from reads.

/// Name fragments that mark a credential anywhere in a key name.
const SECRET_FRAGMENTS: [&str; 11] = [
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "PRIVATE",
    "CREDENTIAL",
    "APIKEY",
    "API_KEY",
    "SIGNATURE",
    "CONNECTION_STRING",
];

/// Whole name parts (between `_`, `-` or `.`) that mark a credential.
const SECRET_PARTS: [&str; 8] = ["KEY", "KEYS", "PWD", "PW", "PASS", "AUTH", "SAS", "DSN"];

/// The heuristic for keys the catalog does not know.
pub(super) fn looks_secret(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SECRET_FRAGMENTS
        .iter()
        .any(|fragment| upper.contains(fragment))
        || upper
            .split(['_', '-', '.'])
            .any(|part| SECRET_PARTS.contains(&part))
}
