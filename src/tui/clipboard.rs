//! Copying to the user's clipboard: the system clipboard (arboard) on a desktop session, OSC 52
//! otherwise, which reaches the local terminal's clipboard over SSH. The flash line names the
//! route taken, since OSC 52 depends on the terminal allowing it.
//!
//! A copied secret is marked to stay out of clipboard-manager history where the platform has a
//! convention for it (arboard's `exclude_from_history`: the KDE password hint on Linux, the
//! Windows history/cloud flags, nspasteboard on macOS). OSC 52 has no such mark: the terminal
//! decides what it keeps. After 30 s the console clears the clipboard only if it still holds what
//! sourcedeck put there, which it checks against a [`Fingerprint`] (a keyed hash, so the secret is
//! not kept around for the comparison). OSC 52 cannot read the clipboard back, so that route
//! clears unconditionally, as before.

use std::io::Write;
use std::sync::OnceLock;

use base64::Engine as _;
use ring::hmac;

use crate::domain::Secret;

/// Which way a copy went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    System,
    Osc52,
}

impl Route {
    pub fn describe(self) -> &'static str {
        match self {
            Route::System => "system clipboard",
            Route::Osc52 => "terminal clipboard via OSC 52",
        }
    }
}

/// The clipboard the console copies to.
pub struct Clipboard {
    system: Option<arboard::Clipboard>,
}

/// Over SSH the system clipboard (if any) belongs to the remote machine, not the user's.
fn over_ssh() -> bool {
    std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some()
}

impl Clipboard {
    pub fn new() -> Self {
        let system = if over_ssh() {
            None
        } else {
            arboard::Clipboard::new().ok()
        };
        Self { system }
    }

    /// Copies `text`, writing OSC 52 to `terminal` when there is no system clipboard. A `secret`
    /// is marked to stay out of clipboard-manager history where the platform allows.
    pub fn copy(
        &mut self,
        text: &Secret,
        secret: bool,
        terminal: &mut impl Write,
    ) -> std::io::Result<Route> {
        if let Some(system) = self.system.as_mut()
            && set_text(system, text.expose(), secret).is_ok()
        {
            return Ok(Route::System);
        }
        terminal.write_all(osc52(text.expose()).as_bytes())?;
        terminal.flush()?;
        Ok(Route::Osc52)
    }

    /// Empties the clipboard if it still holds the text `fingerprint` was taken of; true when
    /// it was cleared. Through OSC 52 the clipboard cannot be read back, so it is cleared.
    pub fn clear_if_holding(
        &mut self,
        fingerprint: &Fingerprint,
        terminal: &mut impl Write,
    ) -> std::io::Result<bool> {
        if let Some(system) = self.system.as_mut() {
            let holds = system
                .get_text()
                .is_ok_and(|current| fingerprint.matches(&current));
            if holds {
                system
                    .set_text(String::new())
                    .map_err(std::io::Error::other)?;
            }
            return Ok(holds);
        }
        terminal.write_all(osc52("").as_bytes())?;
        terminal.flush()?;
        Ok(true)
    }
}

/// Sets the system clipboard's text, asking clipboard managers not to keep a `secret`.
fn set_text(
    system: &mut arboard::Clipboard,
    text: &str,
    secret: bool,
) -> Result<(), arboard::Error> {
    let set = system.set();
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = if secret {
        arboard::SetExtLinux::exclude_from_history(set)
    } else {
        set
    };
    #[cfg(windows)]
    let set = if secret {
        arboard::SetExtWindows::exclude_from_history(set)
    } else {
        set
    };
    #[cfg(target_os = "macos")]
    let set = if secret {
        arboard::SetExtApple::exclude_from_history(set)
    } else {
        set
    };
    #[cfg(any(target_os = "android", target_os = "emscripten"))]
    let _ = secret;
    set.text(text)
}

/// A keyed hash (HMAC-SHA-256 under a key made at start and never stored) of text put on the
/// clipboard: enough to tell later whether the clipboard still holds it, without keeping it.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(text: &str) -> Self {
        let tag = hmac::sign(fingerprint_key(), text.as_bytes());
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(tag.as_ref());
        Self(bytes)
    }

    /// Whether `text` is the text this fingerprint was taken of.
    pub fn matches(&self, text: &str) -> bool {
        hmac::verify(fingerprint_key(), text.as_bytes(), &self.0).is_ok()
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(..)")
    }
}

/// The process's fingerprint key: random, so a fingerprint says nothing outside this process.
fn fingerprint_key() -> &'static hmac::Key {
    static KEY: OnceLock<hmac::Key> = OnceLock::new();
    KEY.get_or_init(|| hmac::Key::new(hmac::HMAC_SHA256, &rand::random::<[u8; 32]>()))
}

impl Default for Clipboard {
    fn default() -> Self {
        Self::new()
    }
}

/// The OSC 52 sequence that sets the clipboard to `text` (an empty text clears it).
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_matches_its_text_only_and_never_shows_it() {
        let secret = format!("clip-{}", rand::random::<u64>());
        let fingerprint = Fingerprint::of(&secret);
        assert!(fingerprint.matches(&secret));
        assert_eq!(fingerprint, Fingerprint::of(&secret));
        assert!(!fingerprint.matches(&format!("{secret} ")));
        assert!(!fingerprint.matches(""));
        assert_ne!(fingerprint, Fingerprint::of("something else"));
        let shown = format!("{fingerprint:?}");
        assert!(
            !shown.contains(&secret) && !shown.contains("clip-"),
            "{shown}"
        );
    }

    #[test]
    fn osc52_cannot_read_back_so_it_clears() {
        let mut clipboard = Clipboard { system: None };
        let mut terminal = Vec::new();
        let cleared = clipboard
            .clear_if_holding(&Fingerprint::of("x"), &mut terminal)
            .unwrap();
        assert!(cleared);
        assert_eq!(String::from_utf8(terminal).unwrap(), osc52(""));
    }

    #[test]
    fn osc52_carries_base64_of_the_text() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
    }
}
