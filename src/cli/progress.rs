//! A spinner on stderr for CLI operations that may take seconds (connectivity tests), shown only
//! when stderr is a terminal so scripts and pipes see nothing but the result.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Runs `work`, showing `label` with a spinner and the elapsed time while it runs.
pub async fn with_spinner<T>(label: &str, work: impl Future<Output = T>) -> T {
    let label = label.to_string();
    with_spinner_label(move || label.clone(), work).await
}

/// Like [`with_spinner`], with a label computed at every frame (e.g. a progress count).
pub async fn with_spinner_label<T>(
    label: impl Fn() -> String + Send + 'static,
    work: impl Future<Output = T>,
) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let spinner = tokio::spawn(async move {
        let started = Instant::now();
        let mut ticker = tokio::time::interval(Duration::from_millis(100));
        for frame in FRAMES.iter().cycle() {
            ticker.tick().await;
            let mut stderr = std::io::stderr().lock();
            let _ = write!(
                stderr,
                "\r\x1b[2K{frame} {} ({:.1} s)",
                label(),
                started.elapsed().as_secs_f64()
            );
            let _ = stderr.flush();
        }
    });
    let result = work.await;
    spinner.abort();
    let _ = spinner.await;
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "\r\x1b[2K");
    let _ = stderr.flush();
    result
}
