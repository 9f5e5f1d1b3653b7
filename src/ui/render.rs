//! Turning what the runner shows into text: styled for a terminal, or plain.
//!
//! Lesson text, file paths and what a command printed may hold control characters (an escape
//! sequence that clears the screen, retitles the window or fakes output); [`clean`] shows
//! them as visible text instead, and everything rendered here, or printed by the lab's
//! commands, passes through it.

use std::borrow::Cow;

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

/// Whether `c` must not reach a terminal as it is: control characters (C0 but newline and
/// tab, DEL, C1) and the bidirectional overrides that make text read other than it is.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with its control characters made visible: `^[` for ESC and the other C0 controls
/// (caret notation, as `cat -v`), `^?` for DEL, `\u{9b}` for the rest. Newlines and tabs stay.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !is_unsafe(c) => out.push(c),
            '\u{7f}' => out.push_str("^?"),
            c if u32::from(c) < 0x20 => {
                out.push('^');
                out.push(char::from_u32(u32::from(c) + 0x40).unwrap_or('?'));
            }
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// Renders an item; `styled` adds colour and emphasis. Every text in it is [`clean`]ed.
pub fn render(item: Show<'_>, styled: bool) -> String {
    let paint = |text: String, s: Style| if styled { s.apply_to(text).to_string() } else { text };
    match item {
        Show::Lesson { title, number, count } => {
            let title = clean(title);
            let head = t!("runner.lesson_heading", number = number, count = count, title = title);
            let rule = "=".repeat(head.chars().count().min(72));
            format!("\n{}\n{}\n", paint(head, Style::new().bold()), paint(rule, Style::new().dim()))
        }
        Show::Step { title, number, count } => {
            let title = clean(title);
            let head = t!("runner.step_heading", number = number, count = count, title = title);
            format!("\n{}\n", paint(head, Style::new().bold().cyan()))
        }
        Show::Heading(head) => {
            format!("\n{}\n", paint(clean(head).into_owned(), Style::new().bold().cyan()))
        }
        Show::Text(text) => crate::markdown::render(&clean(text), width(), styled),
        Show::Command(line) => {
            format!("{}\n", paint(format!("$ {}", clean(line)), Style::new().bold()))
        }
        Show::Output(text) => indent(&clean(text), "  "),
        Show::Expected(text) => {
            format!("{}\n{}", t!("runner.expected_heading"), indent(&clean(text), "  "))
        }
        Show::Note(text) => {
            format!(
                "{} {}\n",
                paint(t!("runner.note_label"), Style::new().yellow()),
                clean(text.trim_end())
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
            indent(&mark_difference(&clean(difference), styled), "  ")
        ),
        Verdict::Error { message, hints } => {
            let mut out = format!(
                "{} {}\n",
                label("runner.verdict_error", Style::new().magenta()),
                clean(message)
            );
            for hint in hints {
                out.push_str(&format!("  {} {}\n", t!("runner.hint_label"), clean(hint)));
            }
            out
        }
        Verdict::Skipped { reason } => {
            format!(
                "{} {}\n",
                label("runner.verdict_skipped", Style::new().yellow()),
                clean(reason)
            )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(clean("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(clean("\u{1b}[2J\u{7}x\r\u{7f}"), "^[[2J^Gx^M^?");
        assert_eq!(clean("a\u{9b}31mb\u{202e}c"), "a\\u{9b}31mb\\u{202e}c");
        let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
        let items = [
            Show::Lesson { title: hostile, number: 1, count: 1 },
            Show::Step { title: hostile, number: 1, count: 1 },
            Show::Heading(hostile),
            Show::Text(hostile),
            Show::Command(hostile),
            Show::Output(hostile),
            Show::Expected(hostile),
            Show::Note(hostile),
        ];
        for item in items {
            let shown = render(item, false);
            assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{item:?}: {shown:?}");
        }
        let verdict = Verdict::Error { message: hostile.into(), hints: vec![hostile.into()] };
        assert!(!render(Show::Verdict(&verdict), true).contains('\u{7}'));
    }
}
