//! The terminal guard: raw mode and the alternate screen while the console runs, and the
//! terminal restored on every way out (`q`, Ctrl-C, an error, a panic). The panic hook restores
//! first and then prints the message with any revealed secret blanked out.

use std::io::{self, Write};
use std::sync::Mutex;

use crossterm::{cursor, execute, terminal};

use crate::domain::Secret;

/// Secret values currently on screen; a panic message is scrubbed of them before printing.
static ON_SCREEN: Mutex<Vec<Secret>> = Mutex::new(Vec::new());

/// Records the secrets now shown (replacing the previous set).
pub fn set_on_screen(secrets: Vec<Secret>) {
    if let Ok(mut shown) = ON_SCREEN.lock() {
        *shown = secrets;
    }
}

/// `message` with every on-screen secret replaced by `[redacted]`.
pub fn scrub_panic_message(message: &str) -> String {
    let mut cleaned = message.to_string();
    if let Ok(shown) = ON_SCREEN.lock() {
        for secret in shown.iter().filter(|s| !s.expose().is_empty()) {
            cleaned = cleaned.replace(secret.expose(), crate::domain::secret::REDACTED);
        }
    }
    cleaned
}

fn restore() {
    let _ = terminal::disable_raw_mode();
    let mut stdout = io::stdout();
    let _ = execute!(stdout, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = stdout.flush();
}

/// Raw mode and the alternate screen for as long as it lives; dropping it restores the terminal.
pub struct TerminalGuard(());

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(error) = execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(error);
        }
        Ok(Self(()))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(move |info| {
        restore();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "sourcedeck: internal error{location}: {}\nThe terminal has been restored. Please report this.",
            scrub_panic_message(&payload)
        );
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_lose_the_secrets_on_screen() {
        set_on_screen(vec![Secret::new("hunter2-on-screen")]);
        assert_eq!(
            scrub_panic_message("boom near hunter2-on-screen!"),
            "boom near [redacted]!"
        );
        set_on_screen(Vec::new());
    }
}
