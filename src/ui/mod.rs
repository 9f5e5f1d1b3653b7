//! The prompt interface: everything the runner shows a student and asks them goes through
//! [`Ui`], so the same tour runs in a terminal ([`terminal::TerminalUi`]) and in tests
//! ([`scripted::ScriptedUi`]), which answer from a script and keep a transcript.
//!
//! What is shown is a [`Show`] item; [`render`] turns it into text, styled for a terminal or
//! plain (no colour with `NO_COLOR`, without a terminal, and in tests).

pub mod render;
pub mod scripted;
pub mod terminal;

use crate::runner::verdict::Verdict;

/// What the student chooses before a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepChoice {
    /// Run the step.
    Run,
    /// Skip it (the next steps may then have nothing to look at).
    Skip,
    /// Read more about it first (the book's section), then choose again.
    More,
    /// Stop here; progress is kept, everything started is cleaned up.
    Quit,
}

/// One thing the runner shows.
#[derive(Debug, Clone, Copy)]
pub enum Show<'a> {
    /// A lesson begins: its title and where it stands among the lessons.
    Lesson { title: &'a str, number: usize, count: usize },
    /// A step begins: its title, number in the lesson, and id (`LESSON/STEP`, as `explain`
    /// takes it).
    Step { title: &'a str, number: usize, count: usize, id: &'a str },
    /// An exercise or a quiz begins: its heading.
    Heading(&'a str),
    /// Prose, written in markdown.
    Text(&'a str),
    /// Long prose in markdown (the book's "read more"): paged in a terminal when taller than it.
    Page(&'a str),
    /// A command as the student would type it.
    Command(&'a str),
    /// What a command printed.
    Output(&'a str),
    /// What the output should be, as the tutorial shows it.
    Expected(&'a str),
    /// socklab's remark on a result.
    Note(&'a str),
    /// The verdict of a step.
    Verdict(&'a Verdict),
}

/// The prompt interface.
pub trait Ui {
    /// Shows one item.
    fn show(&mut self, item: Show<'_>);
    /// Asks what to do with the step about to run.
    fn step_choice(&mut self) -> StepChoice;
    /// Asks a yes/no question.
    fn confirm(&mut self, question: &str, default: bool) -> bool;
    /// Asks to pick one of `items`; `None` when the student declines.
    fn select(&mut self, prompt: &str, items: &[String]) -> Option<usize>;
}
