//! Copying to the user's clipboard: the system clipboard (arboard) on a desktop session, OSC 52
//! otherwise, which reaches the local terminal's clipboard over SSH. The flash line names the
//! route taken, since OSC 52 depends on the terminal allowing it.

use std::io::Write;

use base64::Engine as _;

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

    /// Copies `text`, writing OSC 52 to `terminal` when there is no system clipboard.
    pub fn copy(&mut self, text: &Secret, terminal: &mut impl Write) -> std::io::Result<Route> {
        if let Some(system) = self.system.as_mut()
            && system.set_text(text.expose().to_string()).is_ok()
        {
            return Ok(Route::System);
        }
        terminal.write_all(osc52(text.expose()).as_bytes())?;
        terminal.flush()?;
        Ok(Route::Osc52)
    }
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
    fn osc52_carries_base64_of_the_text() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
    }
}
