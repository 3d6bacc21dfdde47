//! Starting the console for real: with the server the binary's launch code found (flags, CHALK_*
//! variables, ~/.chalk.yml, else the embedded default it started), take over the terminal, and run the loop with terminal input and a
//! ticker feeding the same channel as the worker's answers.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use crossterm::event::{self, Event, KeyEventKind};

use crate::client::credentials::CredentialSource;
use crate::client::endpoint::parse_api_server;
use crate::domain::Secret;

use super::app::{App, ServerInfo};
use super::clipboard::{Clipboard, Fingerprint, Route};
use super::msg::Msg;
use super::runtime::{Copier, Runtime};
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::worker::Connector;

/// How often the clock ticks (spinner, countdowns, expiries).
const TICK: Duration = Duration::from_millis(150);

/// Everything the console needs to start.
pub struct Launch {
    pub connector: Connector,
    pub readonly: bool,
    /// The `--plan` file, read and checked.
    pub plan: Option<super::drift::PlanFile>,
    /// Kept alive for as long as the console runs (the embedded default).
    pub embedded: Option<Box<dyn std::any::Any + Send>>,
}

/// The system clipboard, or OSC 52 written to the terminal.
struct TerminalCopier(Clipboard);

impl Copier for TerminalCopier {
    fn copy(&mut self, text: &Secret) -> io::Result<Route> {
        self.0.copy(text, false, &mut io::stdout())
    }

    fn copy_secret(&mut self, text: &Secret) -> io::Result<Route> {
        self.0.copy(text, true, &mut io::stdout())
    }

    fn clear_if_holding(&mut self, fingerprint: &Fingerprint) -> io::Result<bool> {
        self.0.clear_if_holding(fingerprint, &mut io::stdout())
    }
}

/// What the header says about the server.
pub fn server_info(launch: &Launch) -> ServerInfo {
    let credentials = &launch.connector.credentials;
    let configured = credentials.api_server.clone().unwrap_or_default();
    let address = parse_api_server(&configured)
        .map(|endpoint| endpoint.authority)
        .unwrap_or(configured);
    ServerInfo {
        address,
        local: credentials.source == CredentialSource::Embedded,
    }
}

/// Runs the console until the user quits.
pub async fn run(launch: Launch) -> Result<()> {
    let server = server_info(&launch);
    let environment = launch
        .connector
        .credentials
        .environment
        .clone()
        .unwrap_or_else(|| "…".into());
    let guard = TerminalGuard::enter().context("taking over the terminal")?;
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let mut app = App::new(server, environment, launch.readonly, Instant::now());
    app.drift = launch.plan.clone().map(super::drift::Drift::new);
    let theme = Theme::new(Theme::color_from_env());
    let mut runtime = Runtime::start(
        app,
        terminal,
        theme,
        launch.connector.clone(),
        Box::new(TerminalCopier(Clipboard::new())),
    );
    spawn_input(runtime.sender());
    spawn_ticker(runtime.sender());
    runtime.tick();
    runtime.draw()?;
    while !runtime.app.quit {
        if runtime.step(Duration::from_secs(1)).await {
            runtime.draw()?;
        }
    }
    runtime.finish();
    let _ = io::stdout().flush();
    drop(runtime);
    drop(guard);
    drop(launch.embedded);
    Ok(())
}

/// Terminal input on its own thread (crossterm's read blocks), forwarded as messages.
fn spawn_input(sender: tokio::sync::mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
                Ok(Event::Resize(..)) => Msg::Resize,
                Ok(_) => continue,
                Err(_) => break,
            };
            if sender.send(msg).is_err() {
                break;
            }
        }
    });
}

fn spawn_ticker(sender: tokio::sync::mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            let msg = Msg::Tick {
                now: Instant::now(),
                wall: SystemTime::now(),
            };
            if sender.send(msg).is_err() {
                break;
            }
        }
    });
}
