//! The [`Ui`] for a real terminal: dialoguer prompts, console styles.

use console::Term;
use dialoguer::{Confirm, Select, theme::ColorfulTheme};

use super::{Show, StepChoice, Ui, render};
use crate::t;

/// Prompts on the terminal. Ctrl+C at a prompt raises SIGINT, which the runner's clean-up
/// handles; a failed prompt (the terminal went away) is taken as "quit".
pub struct TerminalUi {
    term: Term,
    styled: bool,
    theme: ColorfulTheme,
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
        Self { term: Term::stdout(), styled, theme: ColorfulTheme::default() }
    }
}

impl Ui for TerminalUi {
    fn show(&mut self, item: Show<'_>) {
        let _ = self.term.write_str(&render::render(item, self.styled));
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
        let answer = Confirm::with_theme(&self.theme)
            .with_prompt(render::clean(question))
            .default(default)
            .interact_on_opt(&self.term);
        settle(answer).unwrap_or(false)
    }

    fn select(&mut self, prompt: &str, items: &[String]) -> Option<usize> {
        let items: Vec<String> = items.iter().map(|i| render::clean(i).into_owned()).collect();
        let picked = Select::with_theme(&self.theme)
            .with_prompt(render::clean(prompt))
            .items(&items)
            .default(0)
            .interact_on_opt(&self.term);
        settle(picked)
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
