//! The [`Ui`] for a real terminal: dialoguer prompts, console styles.

use console::Term;
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{Confirm, Select};

use super::{Show, StepChoice, Ui, render};
use crate::t;

/// Prompts on the terminal. Ctrl+C at a prompt raises SIGINT, which the runner's clean-up
/// handles; a failed prompt (the terminal went away) is taken as "quit".
pub struct TerminalUi {
    term: Term,
    styled: bool,
    theme: Words,
}

/// dialoguer's colourful theme with its words (`(y/n)`, `yes`, `no`) in the run's language.
struct Words(ColorfulTheme);

impl Words {
    fn confirm(&self, f: &mut dyn std::fmt::Write, prefix: &str, prompt: &str) -> std::fmt::Result {
        if prompt.is_empty() {
            return Ok(());
        }
        write!(f, "{prefix} {} ", self.0.prompt_style.apply_to(prompt))
    }
}

impl Theme for Words {
    fn format_select_prompt(&self, f: &mut dyn std::fmt::Write, prompt: &str) -> std::fmt::Result {
        self.0.format_select_prompt(f, prompt)
    }

    fn format_select_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        selection: &str,
    ) -> std::fmt::Result {
        self.0.format_select_prompt_selection(f, prompt, selection)
    }

    fn format_select_prompt_item(
        &self,
        f: &mut dyn std::fmt::Write,
        text: &str,
        active: bool,
    ) -> std::fmt::Result {
        self.0.format_select_prompt_item(f, text, active)
    }

    fn format_confirm_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        default: Option<bool>,
    ) -> std::fmt::Result {
        let theme = &self.0;
        self.confirm(f, &theme.prompt_prefix.to_string(), prompt)?;
        let keys = theme.hint_style.apply_to(t!("runner.confirm_keys"));
        write!(f, "{keys} {}", theme.prompt_suffix)?;
        match default {
            Some(answer) => write!(f, " {}", theme.defaults_style.apply_to(answer_word(answer))),
            None => Ok(()),
        }
    }

    fn format_confirm_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        selection: Option<bool>,
    ) -> std::fmt::Result {
        let theme = &self.0;
        self.confirm(f, &theme.success_prefix.to_string(), prompt)?;
        write!(f, "{}", theme.success_suffix)?;
        match selection {
            Some(answer) => write!(f, " {}", theme.values_style.apply_to(answer_word(answer))),
            None => Ok(()),
        }
    }
}

fn answer_word(answer: bool) -> String {
    if answer { t!("runner.confirm_yes") } else { t!("runner.confirm_no") }
}

impl Default for TerminalUi {
    fn default() -> Self {
        Self::new()
    }
}

impl TerminalUi {
    pub fn new() -> Self {
        let styled = render::colours_wanted();
        console::set_colors_enabled(styled);
        Self { term: Term::stdout(), styled, theme: Words(ColorfulTheme::default()) }
    }
}

impl Ui for TerminalUi {
    fn show(&mut self, item: Show<'_>) {
        let text = render::render(item, self.styled);
        if matches!(item, Show::Page(_)) {
            page(&text);
        } else {
            let _ = self.term.write_str(&text);
        }
    }

    fn step_choice(&mut self) -> StepChoice {
        let items = [
            t!("runner.choice_run"),
            t!("runner.choice_skip"),
            t!("runner.choice_more"),
            t!("runner.choice_quit"),
        ];
        let picked = Select::with_theme(&self.theme)
            .with_prompt(t!("runner.choice_prompt"))
            .items(&items)
            .default(0)
            .interact_on_opt(&self.term);
        match settle(picked) {
            Some(0) => StepChoice::Run,
            Some(1) => StepChoice::Skip,
            Some(2) => StepChoice::More,
            _ => StepChoice::Quit,
        }
    }

    fn confirm(&mut self, question: &str, default: bool) -> bool {
        let prompt = self.fit_prompt(question);
        let answer = Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_on_opt(&self.term);
        settle(answer).unwrap_or(false)
    }

    fn select(&mut self, prompt: &str, items: &[String]) -> Option<usize> {
        let prompt = self.fit_prompt(prompt);
        let items: Vec<String> =
            items.iter().map(|i| crate::terminal_text::clean(i).into_owned()).collect();
        let picked = Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(&items)
            .default(0)
            .interact_on_opt(&self.term);
        settle(picked)
    }
}

impl TerminalUi {
    /// A prompt that fits on one line: dialoguer redraws a prompt by erasing the lines it
    /// thinks it drew, so a question the terminal wraps would be left drawn twice. A long
    /// question is printed first, wrapped, and only its last sentence (or a short "yes or
    /// no?") becomes the prompt.
    fn fit_prompt(&self, question: &str) -> String {
        // Lesson text may carry control characters: shown, never obeyed.
        let (lead, prompt) = split_prompt(&crate::terminal_text::clean(question), render::width());
        if let Some(lead) = lead {
            let _ = self.term.write_str(&render::wrap_with(&lead, "", ""));
        }
        prompt
    }
}

/// Splits a question too long for a prompt line `width` columns wide (with dialoguer's
/// decoration): what to print before it, and the prompt.
pub fn split_prompt(question: &str, width: usize) -> (Option<String>, String) {
    // "? " before, " (y/n) › yes" or "› " and a choice after.
    const DECORATION: usize = 14;
    let fits = |text: &str| textwrap::core::display_width(text) + DECORATION <= width;
    let question = question.trim();
    if fits(question) {
        return (None, question.to_owned());
    }
    let sentence_end = question
        .char_indices()
        .filter(|&(at, c)| {
            matches!(c, '.' | ':' | '?' | '!') && question[at + 1..].starts_with(' ')
        })
        .map(|(at, _)| at + 1)
        .filter(|&at| fits(question[at..].trim()))
        .min();
    match sentence_end {
        Some(at) => (Some(question[..at].trim().to_owned()), question[at..].trim().to_owned()),
        None => (Some(question.to_owned()), t!("runner.confirm_short")),
    }
}

/// Prints `text` (rendered) through a pager, as git does, when standard output is a terminal
/// and the text is taller than it: `$PAGER` (split at spaces; empty or `cat` means none), else
/// `less -FRX`. socklab runs no shell, so the pager is executed directly. Without a terminal,
/// for short text, or when the pager cannot start, the text is printed as it is.
pub fn page(text: &str) {
    use std::io::Write;
    let term = Term::stdout();
    let tall = term.is_term()
        && term
            .size_checked()
            .is_some_and(|(rows, _)| text.lines().count() + 2 > usize::from(rows));
    if tall && let Some((program, args)) = pager() {
        let child = std::process::Command::new(&program)
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .spawn();
        if let Ok(mut child) = child {
            if let Some(mut stdin) = child.stdin.take() {
                // The student may quit the pager before reading it all: a closed pipe is fine.
                let _ = stdin.write_all(text.as_bytes());
            }
            if child.wait().is_ok() {
                return;
            }
        }
    }
    let _ = term.write_str(text);
}

/// The pager to use: program and arguments; `None` for no pager.
fn pager() -> Option<(String, Vec<String>)> {
    match std::env::var("PAGER") {
        Ok(value) => {
            let mut words = value.split_whitespace().map(str::to_owned);
            let program = words.next().filter(|p| p != "cat")?;
            Some((program, words.collect()))
        }
        Err(_) => Some(("less".to_owned(), vec!["-FRX".to_owned()])),
    }
}

/// A prompt's answer; `None` when the student declined, the terminal failed, or Ctrl+C was
/// pressed (which also stops everything, see [`crate::runner::cleanup::interrupt`]).
fn settle<T>(answer: dialoguer::Result<Option<T>>) -> Option<T> {
    match answer {
        Ok(answer) => answer,
        Err(dialoguer::Error::IO(err)) => {
            if err.kind() == std::io::ErrorKind::Interrupted {
                crate::runner::cleanup::interrupt(signal_hook::consts::SIGINT);
            }
            None
        }
    }
}
