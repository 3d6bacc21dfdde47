//! Where connectivity tests may connect: a credential holder can make `serve` open connections,
//! so `serve --test-allow CIDR` / `--test-deny CIDR` bound them, and link-local ranges (cloud
//! metadata at 169.254.169.254, fe80::/10) are denied by default. The policy is pure; the TCP
//! transport asks it about every resolved address and connects only to an address it allowed.
//!
//! Precedence, first match wins:
//! 1. an explicit `--test-deny` range holding the address denies it;
//! 2. a default deny holding it denies it, unless an explicit `--test-allow` range that lies
//!    inside that default range (as narrow or narrower) holds the address: `--test-allow
//!    169.254.10.0/24` opens that part, `--test-allow 0.0.0.0/0` does not open the defaults;
//! 3. with one or more `--test-allow` ranges, an address in none of them is denied;
//! 4. otherwise the address is allowed.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:169.254.169.254`) are matched as the IPv4 address they
//! carry, so a mapped form cannot slip past an IPv4 rule.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

/// Address ranges are domain data (the CLI parses `serve`'s flags into them); the policy is here.
pub use crate::domain::cidr::Cidr;

/// The ranges denied unless narrowed by an explicit allow: link-local, where cloud metadata lives.
pub const DEFAULT_DENY: [Cidr; 2] = [
    Cidr::v4(169, 254, 0, 0, 16),
    Cidr::v6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
];

/// The `--test-allow` and `--test-deny` ranges `serve` was started with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    pub allow: Vec<Cidr>,
    pub deny: Vec<Cidr>,
}

impl EgressPolicy {
    /// `Ok` when a test may connect to `address`, else the rule that forbids it, as a phrase
    /// (`is denied by --test-deny 10.0.0.0/8`).
    pub fn check(&self, address: IpAddr) -> Result<(), String> {
        if let Some(rule) = self.deny.iter().find(|rule| rule.contains(address)) {
            return Err(format!("is denied by --test-deny {rule}"));
        }
        if let Some(default) = DEFAULT_DENY.iter().find(|rule| rule.contains(address)) {
            let opened = self
                .allow
                .iter()
                .any(|allow| default.covers(allow) && allow.contains(address));
            if !opened {
                return Err(format!(
                    "is denied by the default --test-deny {default} (link-local; open a part of it with --test-allow)"
                ));
            }
            return Ok(());
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|rule| rule.contains(address)) {
            return Err("is outside every --test-allow range".to_string());
        }
        Ok(())
    }
}

tokio::task_local! {
    /// The policy of the check running on this task; `probe::run` sets it.
    static POLICY: Arc<EgressPolicy>;
}

/// Runs `future` (a check) under `policy`.
pub async fn scoped<F: std::future::Future>(policy: Arc<EgressPolicy>, future: F) -> F::Output {
    POLICY.scope(policy, future).await
}

/// The policy of the running check; the defaults outside one (a check's unit test).
pub fn current() -> Arc<EgressPolicy> {
    POLICY
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::new(EgressPolicy::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn cidr(text: &str) -> Cidr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_parse_normalise_and_refuse_nonsense() {
        assert_eq!(cidr("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(cidr("127.0.0.2").to_string(), "127.0.0.2/32");
        assert_eq!(cidr("0.0.0.0/0").to_string(), "0.0.0.0/0");
        assert_eq!(cidr("fe80::1/10").to_string(), "fe80::/10");
        assert_eq!(cidr("::/0").to_string(), "::/0");
        assert_eq!(cidr("::ffff:10.0.0.1/32").to_string(), "10.0.0.1/32");
        for bad in ["10.0.0.0/33", "fe80::/129", "host/8", "", "10.0.0.0/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn link_local_is_denied_by_default_in_every_form() {
        let policy = EgressPolicy::default();
        for denied in [
            "169.254.169.254",
            "::ffff:169.254.169.254",
            "fe80::1",
            "febf::1",
        ] {
            let error = policy.check(ip(denied)).unwrap_err();
            assert!(error.contains("default --test-deny"), "{denied}: {error}");
        }
        assert!(
            policy
                .check(ip("169.254.169.254"))
                .unwrap_err()
                .contains("169.254.0.0/16")
        );
        for allowed in ["127.0.0.1", "::1", "10.0.0.1", "169.253.255.255", "fec0::1"] {
            assert_eq!(policy.check(ip(allowed)), Ok(()), "{allowed}");
        }
    }

    #[test]
    fn explicit_denies_win_and_name_their_rule() {
        let policy = EgressPolicy {
            allow: vec![cidr("127.0.0.0/8")],
            deny: vec![cidr("127.0.0.2/32")],
        };
        assert_eq!(
            policy.check(ip("127.0.0.2")),
            Err("is denied by --test-deny 127.0.0.2/32".into())
        );
        assert_eq!(
            policy.check(ip("::ffff:127.0.0.2")),
            Err("is denied by --test-deny 127.0.0.2/32".into())
        );
        assert_eq!(policy.check(ip("127.0.0.1")), Ok(()));
        assert_eq!(
            policy.check(ip("10.0.0.1")),
            Err("is outside every --test-allow range".into())
        );
    }

    #[test]
    fn only_a_narrower_allow_opens_a_default_deny() {
        let broad = EgressPolicy {
            allow: vec![cidr("0.0.0.0/0"), cidr("::/0")],
            deny: vec![],
        };
        assert!(broad.check(ip("169.254.169.254")).is_err());
        assert!(broad.check(ip("fe80::1")).is_err());
        let narrow = EgressPolicy {
            allow: vec![cidr("169.254.10.0/24")],
            deny: vec![],
        };
        assert_eq!(narrow.check(ip("169.254.10.7")), Ok(()));
        assert!(narrow.check(ip("169.254.169.254")).is_err());
        let denied_anyway = EgressPolicy {
            allow: vec![cidr("169.254.10.0/24")],
            deny: vec![cidr("169.254.10.7/32")],
        };
        assert!(denied_anyway.check(ip("169.254.10.7")).is_err());
    }
}
