//! The event loop's engine, independent of the real terminal: it feeds messages to `update`,
//! carries out the commands (worker requests, clipboard, file loads), and draws. It never changes
//! the state itself: what an effect came to (a copy, a clipboard clear, a loaded file, the rows a
//! frame had room for) goes back through `update` as a message. Files load on a blocking thread,
//! off the event loop. The console runs it on crossterm; the tests run it on ratatui's
//! `TestBackend` against a real `serve`.

use std::io;
use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::domain::Secret;

use super::app::App;
use super::clipboard::{Fingerprint, Route};
use super::msg::{Command, Msg};
use super::theme::Theme;
use super::update::{init, update};
use super::view;
use super::worker::{self, Connector, WorkerCommand, WorkerHandle};

/// Where copies go: the real clipboard in the console, a recorder in tests.
pub trait Copier: Send {
    fn copy(&mut self, text: &Secret) -> io::Result<Route>;

    /// Copies a secret, marked to stay out of clipboard-manager history where possible.
    fn copy_secret(&mut self, text: &Secret) -> io::Result<Route> {
        self.copy(text)
    }

    /// Empties the clipboard if it still holds the text `fingerprint` was taken of; true when
    /// cleared. A copier that cannot read the clipboard back clears it.
    fn clear_if_holding(&mut self, _fingerprint: &Fingerprint) -> io::Result<bool> {
        self.copy(&Secret::new("")).map(|_| true)
    }
}

/// The running console minus the terminal's input.
pub struct Runtime<B: Backend> {
    pub app: App,
    pub terminal: Terminal<B>,
    pub theme: Theme,
    worker: WorkerHandle,
    events: mpsc::UnboundedReceiver<Msg>,
    sender: mpsc::UnboundedSender<Msg>,
    copier: Box<dyn Copier>,
    /// What was revealed when the panic hook's list was last set.
    on_screen: OnScreen,
    /// Files being read on a blocking thread; their `Msg::FileLoaded` is still to come.
    files_loading: usize,
}

impl<B: Backend> Runtime<B> {
    /// Starts the worker and asks for the first list.
    pub fn start(
        app: App,
        terminal: Terminal<B>,
        theme: Theme,
        connector: Connector,
        copier: Box<dyn Copier>,
    ) -> Self {
        let (sender, events) = mpsc::unbounded_channel();
        let worker = worker::spawn(connector, sender.clone());
        let mut runtime = Self {
            app,
            terminal,
            theme,
            worker,
            events,
            sender,
            copier,
            on_screen: OnScreen::default(),
            files_loading: 0,
        };
        let commands = init(&mut runtime.app);
        runtime.apply(commands);
        runtime
    }

    /// A sender for input and ticks from outside (the input thread, the ticker).
    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.sender.clone()
    }

    /// Applies one message and carries out what it asks.
    pub fn handle(&mut self, msg: Msg) {
        if matches!(msg, Msg::FileLoaded { .. }) {
            self.files_loading = self.files_loading.saturating_sub(1);
        }
        let commands = update(&mut self.app, msg);
        self.apply(commands);
    }

    fn apply(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Send { id, request } => {
                    self.worker.send(WorkerCommand::Send { id, request });
                }
                Command::Cancel(ids) => self.worker.send(WorkerCommand::Cancel(ids)),
                Command::Copy { text, what, secret } => {
                    let copied = if secret {
                        self.copier.copy_secret(&text)
                    } else {
                        self.copier.copy(&text)
                    };
                    let result = copied.map_err(|error| error.to_string());
                    self.handle(Msg::Copied {
                        what,
                        secret,
                        result,
                    });
                }
                Command::ClearClipboard { if_holding } => {
                    let result = self.copier.clear_if_holding(&if_holding);
                    self.handle(Msg::ClipboardCleared(
                        result.map_err(|error| error.to_string()),
                    ));
                }
                Command::LoadFile { key, path, encode } => {
                    self.files_loading += 1;
                    let sender = self.sender.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = load_file(&path, encode);
                        let _ = sender.send(Msg::FileLoaded { key, path, result });
                    });
                }
                // `update` has set `app.quit`; the loop ends on it.
                Command::Quit => {}
            }
        }
    }

    /// On the way out: a secret still on the clipboard is cleared rather than left behind.
    pub fn finish(&mut self) {
        if let Some(clear) = &self.app.clipboard_clear {
            let _ = self.copier.clear_if_holding(&clear.holding);
        }
    }

    /// Draws a frame; remembers how many list rows fit, for paging.
    pub fn draw(&mut self) -> io::Result<()> {
        let area = self.terminal.size()?;
        let rows = view::list_page(
            ratatui::layout::Rect::new(0, 0, area.width, area.height),
            &self.app,
        );
        if rows != self.app.page {
            self.handle(Msg::ListRows(rows));
        }
        // The panic hook's list of on-screen secrets changes only when what is revealed changes.
        let on_screen = OnScreen::of(&self.app);
        if on_screen != self.on_screen {
            super::terminal::set_on_screen(revealed_values(&self.app));
            self.on_screen = on_screen;
        }
        let (app, theme) = (&self.app, self.theme);
        self.terminal.draw(|frame| view::draw(frame, app, theme))?;
        Ok(())
    }

    /// Waits for the next message (or `timeout`), then applies it and every message already
    /// queued behind it. Returns false when nothing arrived.
    pub async fn step(&mut self, timeout: Duration) -> bool {
        let first = match tokio::time::timeout(timeout, self.events.recv()).await {
            Ok(Some(msg)) => msg,
            _ => return false,
        };
        self.handle(first);
        while let Ok(msg) = self.events.try_recv() {
            self.handle(msg);
        }
        true
    }

    /// A tick with the current clocks.
    pub fn tick(&mut self) {
        self.handle(Msg::Tick {
            now: Instant::now(),
            wall: SystemTime::now(),
        });
    }

    /// Runs until no request is in flight (and the connection is settled) or `deadline` passes;
    /// true when idle.
    pub async fn run_until_idle(&mut self, deadline: Duration) -> bool {
        let end = Instant::now() + deadline;
        loop {
            self.tick();
            let connected = matches!(
                self.app.connection,
                super::msg::ConnectionState::Connected { .. }
            );
            let settled = self.app.pending.is_empty() && self.files_loading == 0;
            if connected && settled && self.events.is_empty() {
                return true;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            self.step(left.min(Duration::from_millis(50))).await;
        }
    }
}

/// A fingerprint of the secrets on screen (a detail reveal, form fields shown on purpose), so the
/// panic hook's list is rebuilt only when it changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct OnScreen {
    detail_until: Option<Instant>,
    /// (field index, value length) of each revealed form field.
    form_fields: Vec<(usize, usize)>,
    /// Lengths of the lines of a secret shown in the multi-line editor.
    editor_lines: Vec<usize>,
}

impl OnScreen {
    fn of(app: &App) -> Self {
        Self {
            detail_until: app.revealed.as_ref().map(|revealed| revealed.until),
            form_fields: revealed_form_fields(app)
                .map(|(index, value)| (index, value.expose().len()))
                .collect(),
            editor_lines: revealed_editor_lines(app).map(str::len).collect(),
        }
    }
}

fn revealed_form_fields(app: &App) -> impl Iterator<Item = (usize, &Secret)> {
    app.form().into_iter().flat_map(|form| {
        form.fields
            .iter()
            .enumerate()
            .filter(|(_, field)| field.revealed && !field.literal.is_empty())
            .map(|(index, field)| (index, &field.literal))
    })
}

/// The lines of a secret being edited in the multi-line editor while it is revealed (the
/// field's own value is only updated when the editor closes).
fn revealed_editor_lines(app: &App) -> impl Iterator<Item = &str> {
    let lines = app.form().zip(app.editor()).and_then(|(form, editor)| {
        let field = form.fields.get(editor.field)?;
        (field.secret && field.revealed).then(|| editor.area.lines())
    });
    lines
        .into_iter()
        .flatten()
        .map(String::as_str)
        .filter(|line| !line.is_empty())
}

/// Every secret value on screen right now.
fn revealed_values(app: &App) -> Vec<Secret> {
    app.revealed
        .iter()
        .map(|revealed| revealed.value.clone())
        .chain(revealed_form_fields(app).map(|(_, value)| value.clone()))
        .chain(revealed_editor_lines(app).map(Secret::new))
        .collect()
}

/// The largest file the form loads into a field.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a file for a form field: as text, or base64-encoded (a service-account key). `~/` is
/// the home directory. Refuses files over [`MAX_FILE_BYTES`].
fn load_file(path: &str, encode: bool) -> Result<Secret, String> {
    use base64::Engine as _;
    let expanded = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(path),
    };
    let size = std::fs::metadata(&expanded)
        .map_err(|error| format!("cannot read {path}: {error}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{path} is {size} bytes; the form loads files up to {} bytes",
            MAX_FILE_BYTES
        ));
    }
    let bytes = std::fs::read(&expanded).map_err(|error| format!("cannot read {path}: {error}"))?;
    if encode {
        let bytes = zeroize::Zeroizing::new(bytes);
        return Ok(Secret::new(
            base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()),
        ));
    }
    // The bytes move into the secret (or back out of the error to be wiped): no stray copy.
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Secret::from_text_input(text)),
        Err(error) => {
            drop(zeroize::Zeroizing::new(error.into_bytes()));
            Err(format!(
                "{path} is not text; for a binary key use a base64 key, which encodes the file"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::load_file;
    use crate::domain::{ConfigValue, Kind, Secret};
    use crate::tui::msg::Request;

    #[test]
    fn a_file_loads_as_text_or_as_base64() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sa.json");
        std::fs::write(&path, "{\"type\": \"service_account\"}\n").unwrap();
        let path = path.to_str().unwrap();
        assert_eq!(
            load_file(path, false).unwrap().expose(),
            "{\"type\": \"service_account\"}"
        );
        assert_eq!(
            load_file(path, true).unwrap().expose(),
            "eyJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCJ9Cg=="
        );
    }

    #[test]
    fn missing_binary_and_oversized_files_are_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let error = load_file(missing.to_str().unwrap(), false).unwrap_err();
        assert!(error.contains("nope.pem"), "{error}");
        let binary = dir.path().join("key.der");
        std::fs::write(&binary, [0x30, 0x82, 0xff, 0xfe]).unwrap();
        let binary = binary.to_str().unwrap();
        assert!(load_file(binary, false).unwrap_err().contains("not text"));
        assert_eq!(load_file(binary, true).unwrap().expose(), "MIL//g==");
        let big = dir.path().join("big.bin");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(super::MAX_FILE_BYTES + 1).unwrap();
        assert!(
            load_file(big.to_str().unwrap(), true)
                .unwrap_err()
                .contains("up to")
        );
    }

    #[test]
    fn a_save_request_as_logged_shows_keys_never_values() {
        let request = Request::Create {
            kind: Kind::Postgresql,
            name: "orders_pg".into(),
            config: [(
                "PGPASSWORD".to_string(),
                ConfigValue::Literal(Secret::new("typed-in-the-form-91")),
            )]
            .into_iter()
            .collect(),
        };
        let logged = format!("{request:?}");
        assert!(logged.contains("PGPASSWORD"), "{logged}");
        assert!(!logged.contains("typed-in-the-form-91"), "{logged}");
    }
}

#[cfg(test)]
mod on_screen_tests {
    use super::{OnScreen, revealed_values};
    use crate::domain::Kind;
    use crate::domain::secret_ref::SecretStore;
    use crate::tui::fixtures::local_app;
    use crate::tui::form::{Form, MultilineEditor};
    use crate::tui::layer::Layer;

    #[test]
    fn a_form_secret_shown_on_purpose_is_handed_to_the_panic_hook_and_only_then() {
        let mut app = local_app("default", false);
        let mut form = Form::new_source(Kind::Postgresql, Some(SecretStore::Local)).unwrap();
        let password = form.field_index("PGPASSWORD").unwrap();
        form.fields[password].type_text("typed-pw-77");
        app.layers.push(Layer::Form(Box::new(form)));
        let masked = OnScreen::of(&app);
        assert!(
            revealed_values(&app).is_empty(),
            "masked: nothing on screen"
        );
        if let Some(form) = app.form_mut() {
            form.fields[password].revealed = true;
        }
        assert_ne!(
            OnScreen::of(&app),
            masked,
            "the reveal changes the fingerprint"
        );
        let values: Vec<String> = revealed_values(&app)
            .iter()
            .map(|value| value.expose().to_string())
            .collect();
        assert_eq!(values, ["typed-pw-77"]);

        // A secret being typed in the multi-line editor counts while it is revealed.
        if let Some(form) = app.form_mut() {
            form.fields[password].revealed = false;
        }
        let lines = vec!["line-one-91".into(), "line-two-92".into()];
        app.layers.push(Layer::Editor(Box::new(MultilineEditor {
            field: password,
            area: tui_textarea::TextArea::new(lines),
        })));
        assert!(revealed_values(&app).is_empty(), "masked in the editor too");
        if let Some(form) = app.form_mut() {
            form.fields[password].revealed = true;
        }
        let values: Vec<String> = revealed_values(&app)
            .iter()
            .map(|value| value.expose().to_string())
            .collect();
        assert_eq!(values, ["typed-pw-77", "line-one-91", "line-two-92"]);
    }
}
