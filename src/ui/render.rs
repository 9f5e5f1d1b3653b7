//! Turning what the runner shows into text: styled for a terminal, or plain.

use console::{Style, style};

use super::Show;
use crate::runner::verdict::Verdict;
use crate::t;

/// Whether styles (colour, bold) are used: not with `NO_COLOR`, not without a terminal.
pub fn colours_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && console::Term::stdout().is_term()
}

/// The width to wrap text at: `COLUMNS` when set (tests set it), else the terminal's, else 80;
/// never more than 100, which reads badly.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| console::Term::stdout().size_checked().map(|(_, cols)| usize::from(cols)))
        .unwrap_or(80)
        .min(100)
}

/// Renders an item; `styled` adds colour and emphasis.
pub fn render(item: Show<'_>, styled: bool) -> String {
    let paint = |text: String, s: Style| if styled { s.apply_to(text).to_string() } else { text };
    match item {
        Show::Lesson { title, number, count } => {
            let head = t!("runner.lesson_heading", number = number, count = count, title = title);
            let rule = "=".repeat(head.chars().count().min(72));
            format!("\n{}\n{}\n", paint(head, Style::new().bold()), paint(rule, Style::new().dim()))
        }
        Show::Step { title, number, count } => {
            let head = t!("runner.step_heading", number = number, count = count, title = title);
            format!("\n{}\n", paint(head, Style::new().bold().cyan()))
        }
        Show::Heading(head) => {
            format!("\n{}\n", paint(head.to_owned(), Style::new().bold().cyan()))
        }
        Show::Text(text) => crate::markdown::render(text, width(), styled),
        Show::Command(line) => format!("{}\n", paint(format!("$ {line}"), Style::new().bold())),
        Show::Output(text) => indent(text, "  "),
        Show::Expected(text) => {
            format!("{}\n{}", t!("runner.expected_heading"), indent(text, "  "))
        }
        Show::Note(text) => {
            format!(
                "{} {}\n",
                paint(t!("runner.note_label"), Style::new().yellow()),
                text.trim_end()
            )
        }
        Show::Verdict(verdict) => verdict_text(verdict, styled),
    }
}

fn verdict_text(verdict: &Verdict, styled: bool) -> String {
    let label = |key: &str, s: Style| {
        let text = t!(key);
        if styled { s.apply_to(text).bold().to_string() } else { text }
    };
    match verdict {
        Verdict::Pass => format!("{}\n", label("runner.verdict_pass", Style::new().green())),
        Verdict::Fail { difference } => format!(
            "{} {}\n{}",
            label("runner.verdict_fail", Style::new().red()),
            t!("runner.fail_explained"),
            indent(&mark_difference(difference, styled), "  ")
        ),
        Verdict::Error { message, hints } => {
            let mut out =
                format!("{} {message}\n", label("runner.verdict_error", Style::new().magenta()));
            for hint in hints {
                out.push_str(&format!("  {} {hint}\n", t!("runner.hint_label")));
            }
            out
        }
        Verdict::Skipped { reason } => {
            format!("{} {reason}\n", label("runner.verdict_skipped", Style::new().yellow()))
        }
    }
}

/// Colours the `-`/`+`/`^` lines of a difference.
fn mark_difference(difference: &str, styled: bool) -> String {
    if !styled {
        return difference.to_owned();
    }
    difference
        .lines()
        .map(|line| match line.chars().next() {
            Some('-') => style(line).red().to_string(),
            Some('+') => style(line).green().to_string(),
            _ if line.trim_start().starts_with('^') => style(line).yellow().to_string(),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn indent(text: &str, by: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end_matches('\n').lines() {
        out.push_str(by);
        out.push_str(line);
        out.push('\n');
    }
    out
}
