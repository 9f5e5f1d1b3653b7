//! Turning what the runner shows into text: styled for a terminal, or plain.
//!
//! Lesson text, file paths and what a command printed may hold control characters (an escape
//! sequence that clears the screen, retitles the window or fakes output); [`clean`] shows
//! them as visible text instead, and everything rendered here passes through it.

use console::{Style, style};

use super::Show;
use crate::runner::verdict::Verdict;
use crate::t;
use crate::terminal_text::clean;

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

/// Renders an item; `styled` adds colour and emphasis. Every text in it is [`clean`]ed.
pub fn render(item: Show<'_>, styled: bool) -> String {
    let paint = |text: String, s: Style| if styled { s.apply_to(text).to_string() } else { text };
    match item {
        Show::Lesson { title, number, count } => {
            let title = clean(title);
            let head = if count > 1 {
                t!("runner.lesson_heading", number = number, count = count, title = title)
            } else {
                title.into_owned()
            };
            let rule = "=".repeat(textwrap::core::display_width(&head).min(width()));
            format!("\n{}\n{}\n", paint(head, Style::new().bold()), paint(rule, Style::new().dim()))
        }
        Show::Step { title, number, count, id } => {
            let title = clean(title);
            let head = t!("runner.step_heading", number = number, count = count, title = title);
            let id = t!("runner.step_id", id = id);
            let fits = textwrap::core::display_width(&head) + 1 + id.len() <= width();
            let gap = if fits { " " } else { "\n" };
            let (head, id) =
                (paint(head, Style::new().bold().cyan()), paint(id, Style::new().dim()));
            format!("\n{head}{gap}{id}\n")
        }
        Show::Heading(head) => {
            format!("\n{}\n", paint(clean(head).into_owned(), Style::new().bold().cyan()))
        }
        Show::Text(text) | Show::Page(text) => {
            crate::markdown::render(&clean(text), width(), styled)
        }
        Show::Command(line) => {
            format!("{}\n", paint(format!("$ {}", clean(line)), Style::new().bold()))
        }
        Show::Output(text) => fold_lines(&clean(text), "  "),
        Show::Expected(text) => {
            format!("{}\n{}", t!("runner.expected_heading"), fold_lines(&clean(text), "  "))
        }
        Show::Note(text) => {
            let label = t!("runner.note_label");
            let wrapped = labelled(&label, &clean(text));
            // The label is styled after wrapping, so escapes never count as width.
            match wrapped.strip_prefix(&label) {
                Some(rest) if styled => {
                    format!("{}{rest}", paint(label.clone(), Style::new().yellow()))
                }
                _ => wrapped,
            }
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
            let plain = t!("runner.verdict_error");
            let mut out = labelled(&plain, &clean(message)).replacen(
                &plain,
                &label("runner.verdict_error", Style::new().magenta()),
                1,
            );
            for hint in hints {
                out.push_str(&wrap_with(
                    &format!("{} {}", t!("runner.hint_label"), clean(hint)),
                    "  ",
                    "        ",
                ));
            }
            out
        }
        Verdict::Skipped { reason } => {
            let plain = t!("runner.verdict_skipped");
            labelled(&plain, &clean(reason)).replacen(
                &plain,
                &label("runner.verdict_skipped", Style::new().yellow()),
                1,
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

/// A progress bar of `done` out of `total`, ten cells wide, with the fraction: `[###-------]
/// 3/10`; a dash where there is nothing to do.
pub fn bar(done: usize, total: usize) -> String {
    const CELLS: usize = 10;
    if total == 0 {
        return "-".to_owned();
    }
    let full = (done.min(total) * CELLS).div_ceil(total).min(CELLS);
    let full = if done < total { full.min(CELLS - 1) } else { full };
    format!("[{}{}] {done}/{total}", "#".repeat(full), "-".repeat(CELLS - full))
}

/// `text` wrapped to the terminal's [`width`] by display width (never inside a word),
/// each paragraph (line of `text`) starting with `first` and going on with `rest`.
pub fn wrap_with(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    for (number, paragraph) in text.trim_end().lines().enumerate() {
        let lead = if number == 0 { first } else { rest };
        let options = textwrap::Options::new(width())
            .initial_indent(lead)
            .subsequent_indent(rest)
            .break_words(false)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        for line in textwrap::wrap(paragraph, options) {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// `label text`, wrapped, its following lines indented under the text.
fn labelled(label: &str, text: &str) -> String {
    let rest = " ".repeat(textwrap::core::display_width(label) + 1);
    wrap_with(&format!("{label} {}", text.trim_start()), "", &rest)
}

/// A tool's output, indented by `by`: a line wider than the terminal is folded at a space
/// (its columns kept), the rest of it indented two more, so the terminal never breaks a word.
fn fold_lines(text: &str, by: &str) -> String {
    let mut out = String::new();
    let deeper = format!("{by}  ");
    for line in text.trim_end_matches('\n').lines() {
        if textwrap::core::display_width(line) + by.len() <= width() {
            out.push_str(by);
            out.push_str(line);
            out.push('\n');
        } else {
            out.push_str(&wrap_with(line, by, &deeper));
        }
    }
    out
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
    fn every_item_is_rendered_with_its_control_characters_shown() {
        let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
        let items = [
            Show::Lesson { title: hostile, number: 1, count: 1 },
            Show::Step { title: hostile, number: 1, count: 1, id: "x" },
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
