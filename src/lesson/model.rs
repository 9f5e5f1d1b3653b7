//! The lesson as data: a [`Lesson`] holds its text, its named values, its steps, exercises and
//! quizzes, checked and ready to run.
//!
//! This is the bottom of `lesson`: the types here (with [`step`](super::step),
//! [`exercise`](super::exercise) and [`values`](super::values)) depend on nothing above them.
//! [`format`](super::format) builds them from a file, [`translation`](super::translation)
//! puts the run's language in them, and the rest of socklab reads them.

use super::exercise::{Exercise, Quiz};
use super::step::Step;
use super::values::Values;

/// A lesson, checked and ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub intro: String,
    pub outro: String,
    /// Where it was read from (shown in messages).
    pub file: String,
    pub values: Values,
    pub steps: Vec<Step>,
    /// Tasks for the student, checked against the live system (after the steps).
    pub exercises: Vec<Exercise>,
    /// Questions, graded by a fixed answer or by what a run shows.
    pub quizzes: Vec<Quiz>,
    /// An extra lesson, after the tutorial: run only when named (`extra = true`).
    pub extra: bool,
}
