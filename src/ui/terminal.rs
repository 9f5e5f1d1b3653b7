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
        match picked {
            Ok(Some(0)) => StepChoice::Run,
            Ok(Some(1)) => StepChoice::Skip,
            Ok(Some(2)) => StepChoice::More,
            _ => StepChoice::Quit,
        }
    }

    fn confirm(&mut self, question: &str, default: bool) -> bool {
        Confirm::with_theme(&self.theme)
            .with_prompt(question)
            .default(default)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
            .unwrap_or(false)
    }

    fn select(&mut self, prompt: &str, items: &[String]) -> Option<usize> {
        Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
    }
}
