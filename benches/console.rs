//! The console at scale: 10,000 integrations. Criterion times one full frame (drawn into
//! ratatui's test buffer and into a real crossterm backend writing to memory), one filter
//! keystroke (the reducer recomputing the visible rows), and one cursor move (reducer plus
//! redraw). It also prints the bytes a cursor move writes to the terminal, which is what costs
//! over a slow SSH link. Run with `cargo bench --bench console`; launch-to-first-frame is measured
//! on the real binary by `bench/console_launch.sh`.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sourcedeck::domain::Kind;
use sourcedeck::proto::Integration;
use sourcedeck::tui::app::{App, ServerInfo};
use sourcedeck::tui::filter::visible_rows;
use sourcedeck::tui::msg::{ConnectionState, Msg};
use sourcedeck::tui::theme::Theme;
use sourcedeck::tui::update::update;
use sourcedeck::tui::view;

const ROWS: usize = 10_000;

fn app_with_rows() -> App {
    let mut app = App::new(
        ServerInfo {
            address: "127.0.0.1:50051".into(),
            local: true,
        },
        "default".into(),
        false,
        Instant::now(),
    );
    let kinds = Kind::MANAGED;
    app.integrations = (0..ROWS)
        .map(|index| Integration {
            id: format!("id{index:06}"),
            name: Some(format!("source_{index:05}")),
            kind: kinds[index % kinds.len()].to_wire() as i32,
            updated_at: Some(prost_types::Timestamp {
                seconds: 1_790_000_000 + index as i64,
                nanos: 0,
            }),
            ..Default::default()
        })
        .collect();
    app.loaded = true;
    app.connection = ConnectionState::Connected {
        environment: "default".into(),
        environment_id: "env-1".into(),
    };
    app.visible = visible_rows(&app.integrations, "", None, app.sort, &app.tests);
    app.page = 20;
    app
}

/// A terminal stand-in that counts the bytes written to it.
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn bench(c: &mut Criterion) {
    let theme = Theme::new(true);
    let mut app = app_with_rows();

    let mut test_terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function("frame at 10,000 rows (120x40 test buffer)", |b| {
        b.iter(|| {
            test_terminal
                .draw(|frame| view::draw(frame, &app, theme))
                .expect("draw");
        })
    });

    c.bench_function("filter keystroke at 10,000 rows", |b| {
        b.iter(|| {
            update(&mut app, key('/'));
            update(&mut app, key('7'));
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            );
        })
    });
    // One keystroke alone, for the note: '/' and Esc are cheap, '7' refilters.
    update(&mut app, key('/'));
    let started = Instant::now();
    for _ in 0..100 {
        update(&mut app, key('7'));
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
        );
    }
    eprintln!(
        "one filter keystroke over {ROWS} rows: {:.2} ms (mean of 200)",
        started.elapsed().as_secs_f64() * 1000.0 / 200.0
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );

    let (mut terminal, written) = memory_terminal();
    let (first_frame, cursor_move) =
        frame_bytes(&mut terminal, &written, &mut app, theme, key('j'));
    eprintln!(
        "bytes written: first frame {first_frame}, one cursor move {cursor_move} (120x40, {ROWS} rows)"
    );

    c.bench_function(
        "cursor move + redraw at 10,000 rows (crossterm to memory)",
        |b| {
            b.iter(|| {
                update(&mut app, key('j'));
                terminal
                    .draw(|frame| view::draw(frame, &app, theme))
                    .expect("draw");
            })
        },
    );
}

/// The config form: one keystroke typed into a field is a reducer step, a full validation of the
/// draft (name, types, groups, references) and a redraw; measured on Snowflake's form, the
/// largest with group rules, with the optional keys shown.
fn bench_form(c: &mut Criterion) {
    let theme = Theme::new(true);
    let mut app = app_with_rows();
    update(&mut app, key('n'));
    for c in "snow".chars() {
        update(&mut app, key(c));
    }
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    let down = || Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    update(&mut app, down());
    update(&mut app, down());
    let mut test_terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function(
        "form keystroke: type + validate + redraw (Snowflake)",
        |b| {
            b.iter(|| {
                update(&mut app, key('a'));
                update(
                    &mut app,
                    Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
                );
                test_terminal
                    .draw(|frame| view::draw(frame, &app, theme))
                    .expect("draw");
            })
        },
    );
    let (mut terminal, written) = memory_terminal();
    let (first_frame, keystroke) = frame_bytes(&mut terminal, &written, &mut app, theme, key('a'));
    eprintln!("form bytes written: first frame {first_frame}, one keystroke {keystroke} (120x40)");
}

/// A crossterm backend writing to memory on a fixed 120×40 viewport (it would otherwise ask a
/// real terminal for its size), with the count of bytes it has written.
fn memory_terminal() -> (Terminal<CrosstermBackend<Counter>>, Arc<AtomicUsize>) {
    let written = Arc::new(AtomicUsize::new(0));
    let terminal = Terminal::with_options(
        CrosstermBackend::new(Counter(Arc::clone(&written))),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .expect("terminal");
    (terminal, written)
}

/// Bytes written for a full frame of `app`, then for the frame after `msg`: what one key costs
/// over a slow SSH link.
fn frame_bytes(
    terminal: &mut Terminal<CrosstermBackend<Counter>>,
    written: &AtomicUsize,
    app: &mut App,
    theme: Theme,
    msg: Msg,
) -> (usize, usize) {
    terminal
        .draw(|frame| view::draw(frame, app, theme))
        .expect("first frame");
    let first_frame = written.swap(0, Ordering::Relaxed);
    update(app, msg);
    terminal
        .draw(|frame| view::draw(frame, app, theme))
        .expect("second frame");
    (first_frame, written.swap(0, Ordering::Relaxed))
}

criterion_group!(benches, bench, bench_form);
criterion_main!(benches);
