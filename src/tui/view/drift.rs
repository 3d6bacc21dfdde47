//! The detail pane's plan section (`--plan` only): what applying the file would do to the
//! selected source, one line per key in `sourcedeck plan`'s own words ([`change_text`]), so a
//! secret shows as `secret changes` and never as a value.

use ratatui::text::{Line, Span};

use crate::ascode::plan::Action;
use crate::ascode::render::change_text;

use super::super::app::App;
use super::super::theme::Theme;
use super::list::fit;

fn field(value: String, theme: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {} ", fit("plan", 11)), theme.dim()),
        Span::raw(value),
    ])
}

/// The plan's lines for source `name`; none without `--plan`.
pub fn plan_lines(app: &App, name: &str, theme: Theme) -> Vec<Line<'static>> {
    let Some(drift) = &app.drift else {
        return Vec::new();
    };
    let file = &drift.file.loaded.label;
    if drift.plan.is_none() {
        let why = if drift.error.is_some() {
            "no plan (the list's heading says why)".to_string()
        } else {
            format!("planning against {file}…")
        };
        return vec![field(why, theme)];
    }
    let Some(source) = drift.source(name) else {
        return vec![field(format!("not in {file}: left alone"), theme)];
    };
    match source.action {
        Action::Unchanged => vec![field(format!("in sync with {file}"), theme)],
        Action::Delete => vec![Line::from(vec![
            Span::styled(format!(" {} ", fit("plan", 11)), theme.dim()),
            Span::styled(
                format!("- not in {file}: apply --prune deletes it"),
                theme.error(),
            ),
        ])],
        Action::Create | Action::Update => {
            let mut lines = vec![Line::from(vec![
                Span::styled(format!(" {} ", fit("plan", 11)), theme.dim()),
                Span::styled(
                    format!("~ differs from {file}; apply would set:"),
                    theme.warning(),
                ),
            ])];
            let width = source
                .changes
                .iter()
                .map(|change| change.key.len())
                .max()
                .unwrap_or(0)
                .min(34);
            for change in &source.changes {
                lines.push(Line::from(vec![
                    Span::styled(format!("   {} ", fit(&change.key, width)), theme.key()),
                    Span::raw(change_text(&change.change)),
                ]));
            }
            lines
        }
    }
}
