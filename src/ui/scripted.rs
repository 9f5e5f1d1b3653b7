//! A [`Ui`] that answers from a script and records a plain transcript: the runner's
//! interactive paths, tested without a terminal.

use std::collections::VecDeque;

use super::{Show, StepChoice, Ui, render};

/// One scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Step(StepChoice),
    Confirm(bool),
    Select(Option<usize>),
}

/// Answers in order; running out of answers, or an answer of the wrong kind, is a bug in the
/// test and panics with the transcript so far.
#[derive(Debug, Default)]
pub struct ScriptedUi {
    answers: VecDeque<Answer>,
    /// Everything shown and asked, as plain text.
    pub transcript: String,
}

impl ScriptedUi {
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Self { answers: answers.into_iter().collect(), transcript: String::new() }
    }

    fn next(&mut self, asked: &str) -> Answer {
        self.transcript.push_str(&format!("? {asked}\n"));
        self.answers.pop_front().unwrap_or_else(|| {
            panic!("no scripted answer left for {asked:?}; transcript:\n{}", self.transcript)
        })
    }

    /// Whether every scripted answer was used.
    pub fn is_done(&self) -> bool {
        self.answers.is_empty()
    }
}

impl Ui for ScriptedUi {
    fn show(&mut self, item: Show<'_>) {
        self.transcript.push_str(&render::render(item, false));
    }

    fn step_choice(&mut self) -> StepChoice {
        match self.next("step") {
            Answer::Step(choice) => choice,
            other => panic!("expected a step answer, got {other:?}\n{}", self.transcript),
        }
    }

    fn confirm(&mut self, question: &str, _default: bool) -> bool {
        match self.next(question) {
            Answer::Confirm(yes) => yes,
            other => panic!("expected a yes/no answer, got {other:?}\n{}", self.transcript),
        }
    }

    fn select(&mut self, prompt: &str, items: &[String]) -> Option<usize> {
        match self.next(&format!("{prompt} [{}]", items.join(" | "))) {
            Answer::Select(choice) => choice,
            other => panic!("expected a selection, got {other:?}\n{}", self.transcript),
        }
    }
}
