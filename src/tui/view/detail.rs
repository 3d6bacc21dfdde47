//! The detail pane of the selected source: identity and times, the last test (stage, message,
//! latency, stream preview), every config key with its value (secret literals masked until
//! revealed on purpose, linked keys as `linked → <secret name>`), and the warnings with the keys
//! they name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::domain::Kind;
use crate::present::MASK;
use crate::proto::SecretSource;

use super::super::app::{App, Focus, TestStatus};
use super::super::theme::Theme;
use super::super::time::stamp;
use super::super::update::is_withheld;
use super::list::fit;
use super::spinner;

/// What the pane says in place of the config when the credential lacks SECRETS_DECRYPT.
const NO_DECRYPT: &str = "This credential may list and test sources but not open their configs \
                          (no SECRETS_DECRYPT in this environment).";

fn field(label: &str, value: String, theme: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {} ", fit(label, 11)), theme.dim()),
        Span::raw(value),
    ])
}

/// `text` broken into lines of at most `width` columns, at spaces where possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let needed = current.width() + usize::from(!current.is_empty()) + word.width();
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        while current.width() > width {
            let cut: String = current.chars().take(width).collect();
            current = current.chars().skip(width).collect();
            lines.push(cut);
        }
    }
    lines.push(current);
    lines
}

/// The pane's lines for a pane `width` columns wide, and the line index of the config cursor
/// (to keep it on screen).
pub fn detail_lines(app: &App, theme: Theme, width: usize) -> (Vec<Line<'static>>, Option<usize>) {
    let Some(integration) = app.selected_integration() else {
        return (vec![Line::from(" Nothing selected.")], None);
    };
    let kind = Kind::from_wire(integration.kind).map_or_else(
        || format!("#{}", integration.kind),
        |k| k.display_name().to_string(),
    );
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(" {}", integration.name.clone().unwrap_or_default()),
                theme.title(),
            ),
            Span::styled(format!("  {kind}"), theme.dim()),
        ]),
        field("id", integration.id.clone(), theme),
        field("environment", app.environment.clone(), theme),
        field("created", stamp(integration.created_at.as_ref()), theme),
        field("updated", stamp(integration.updated_at.as_ref()), theme),
    ];
    lines.extend(test_lines(app, &integration.id, theme, width));
    lines.extend(super::drift::plan_lines(
        app,
        integration.name.as_deref().unwrap_or_default(),
        theme,
    ));
    lines.push(Line::from(Span::styled(" config", theme.title())));
    let mut cursor_line = None;
    match app.details.get(&integration.id) {
        None if !app.may_open_configs() => lines.extend(
            wrap(NO_DECRYPT, width.saturating_sub(2))
                .into_iter()
                .map(|line| Line::from(Span::styled(format!(" {line}"), theme.warning()))),
        ),
        None => lines.push(Line::from(Span::styled(
            format!(" {} loading…", spinner(app)),
            theme.dim(),
        ))),
        Some(detail) if detail.integration.secrets.is_empty() => {
            lines.push(Line::from(Span::styled(" (no keys)", theme.dim())));
        }
        Some(detail) => {
            let key_width = detail
                .integration
                .secrets
                .iter()
                .map(|s| s.name.len())
                .max()
                .unwrap_or(0)
                .min(34);
            let focused = app.focus == Focus::Detail && !app.popup_open();
            for (row, secret) in detail.integration.secrets.iter().enumerate() {
                let on_cursor = focused && row == app.detail_cursor;
                let revealed = app
                    .revealed
                    .as_ref()
                    .filter(|r| r.integration_id == integration.id && r.key == secret.name);
                let (value, style) = if let Some(revealed) = revealed {
                    let left = revealed.until.saturating_duration_since(app.now).as_secs();
                    (
                        format!("{}   (masks again in {left}s)", revealed.value.expose()),
                        theme.revealed(),
                    )
                } else if secret.source == SecretSource::External as i32 {
                    (format!("linked → {}", secret.full_name), theme.warning())
                } else if is_withheld(secret) {
                    let hint = if on_cursor { "   x reveals" } else { "" };
                    (format!("{MASK}{hint}"), theme.dim())
                } else {
                    (secret.value.clone().unwrap_or_default(), theme.plain())
                };
                let marker = if on_cursor { "▸" } else { " " };
                let mut line = Line::from(vec![
                    Span::raw(format!("{marker} {} ", fit(&secret.name, key_width))),
                    Span::styled(value, style),
                ]);
                if on_cursor {
                    line = line.style(theme.selected(true));
                    cursor_line = Some(lines.len());
                }
                lines.push(line);
            }
        }
    }
    if !integration.warnings.is_empty() {
        lines.push(Line::from(Span::styled(" warnings", theme.title())));
        for warning in &integration.warnings {
            let keys = if warning.config_keys.is_empty() {
                String::new()
            } else {
                format!(" [{}]", warning.config_keys.join(", "))
            };
            lines.push(Line::from(vec![
                Span::styled(" ! ", theme.warning()),
                Span::styled(format!("{}: ", warning.title), theme.warning()),
                Span::raw(warning.message.clone()),
                Span::styled(keys, theme.key()),
            ]));
        }
    }
    (lines, cursor_line)
}

/// The last test: verdict, latency, the server's message, and a stream preview.
fn test_lines(app: &App, id: &str, theme: Theme, width: usize) -> Vec<Line<'static>> {
    match app.tests.get(id) {
        None => vec![field("last test", "not tested (t tests)".into(), theme)],
        Some(TestStatus::Running { since }) => {
            let seconds = app.now.saturating_duration_since(*since).as_secs();
            vec![field(
                "last test",
                format!("{} testing… {seconds}s", spinner(app)),
                theme,
            )]
        }
        Some(TestStatus::Done(result)) => {
            let verdict = if result.success {
                "✓ ok"
            } else {
                "✗ failed"
            };
            let latency = result
                .latency_ms
                .map(|ms| format!(" in {ms} ms"))
                .unwrap_or_default();
            let style = if result.success {
                theme.ok()
            } else {
                theme.error()
            };
            let mut lines = vec![Line::from(vec![
                Span::styled(format!(" {} ", fit("last test", 11)), theme.dim()),
                Span::styled(format!("{verdict}{latency}"), style),
            ])];
            lines.extend(
                wrap(&result.message, width.saturating_sub(4))
                    .into_iter()
                    .map(|line| Line::from(Span::raw(format!("   {line}")))),
            );
            if !result.preview.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!(" preview ({} messages)", result.preview.len()),
                    theme.title(),
                )));
                for message in &result.preview {
                    lines.push(Line::from(vec![
                        Span::styled(
                            format!("   p{}@{} ", message.partition, message.offset),
                            theme.dim(),
                        ),
                        Span::styled(format!("{} ", message.key), theme.key()),
                        Span::raw(message.value.clone()),
                    ]));
                }
            }
            lines
        }
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Focus::Detail && !app.popup_open();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Span::styled(" Detail ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (lines, cursor) = detail_lines(app, theme, usize::from(inner.width));
    let height = usize::from(inner.height).max(1);
    let offset = cursor.map_or(0, |line| line.saturating_sub(height - 1));
    let offset = u16::try_from(offset).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).scroll((offset, 0)), inner);
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(
            wrap("connect failed: refused", 16),
            ["connect failed:", "refused"]
        );
        assert_eq!(
            wrap("abcdefghijklmnopqrstuvwxyz", 10),
            ["abcdefghij", "klmnopqrst", "uvwxyz"]
        );
        assert_eq!(wrap("", 10), [""]);
    }
}
