//! Test certificates and keys made with `openssl`, shared by every test binary that needs them: a
//! self-signed certificate, a test CA with certificates it signed, an RSA key. One place, so the
//! binaries that test TLS failures and successes all make their certificates the same way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `openssl` in `dir`.
pub fn openssl(args: &[&str], dir: &Path) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(status.success(), "openssl {args:?}");
}

/// A fresh 2048-bit RSA private key (PKCS#8 PEM) written to `dir`/`name`; its path.
pub fn rsa_key(dir: &Path, name: &str) -> PathBuf {
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            name,
        ],
        dir,
    );
    dir.join(name)
}

/// A self-signed certificate with the common name `common_name` and each of `extensions` (e.g.
/// `subjectAltName=IP:127.0.0.1`) added: (`name`.pem, `name`.key) paths in `dir`. Without a
/// `basicConstraints` extension openssl makes it a CA certificate serving as its own leaf.
pub fn self_signed(
    dir: &Path,
    name: &str,
    common_name: &str,
    extensions: &[&str],
) -> (PathBuf, PathBuf) {
    let subject = format!("/CN={common_name}");
    let key = format!("{name}.key");
    let certificate = format!("{name}.pem");
    let mut args = vec![
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", &subject,
    ];
    for extension in extensions {
        args.extend(["-addext", extension]);
    }
    args.extend(["-keyout", &key, "-out", &certificate]);
    openssl(&args, dir);
    (dir.join(certificate), dir.join(key))
}

/// A test CA (`ca.pem`, `ca.key` in `dir`, made once) and a certificate it signed for `san` (e.g.
/// `IP:127.0.0.1` or `DNS:other.example`): (CA certificate, certificate, key) PEM paths, the
/// latter two named after `name`.
pub fn signed_by_test_ca(dir: &Path, name: &str, san: &str) -> (PathBuf, PathBuf, PathBuf) {
    if !dir.join("ca.pem").exists() {
        openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=sourcedeck test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
            dir,
        );
    }
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let certificate = format!("{name}.pem");
    let extensions = format!("{name}.cnf");
    openssl(
        &[
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test", "-keyout", &key, "-out",
            &csr,
        ],
        dir,
    );
    std::fs::write(
        dir.join(&extensions),
        format!("subjectAltName={san}\nbasicConstraints=CA:FALSE\n"),
    )
    .expect("extensions file");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            &extensions,
            "-out",
            &certificate,
        ],
        dir,
    );
    (dir.join("ca.pem"), dir.join(certificate), dir.join(key))
}
