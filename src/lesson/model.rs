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

/// A lesson, checked and ready to run. As loaded it is a template (`C = String`, `V =`
/// [`Values`]): its texts and commands name values (`{tcp}`); [resolved](super::resolve) for
/// one run, its commands are concrete and `V` holds the values as that run placed them.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson<C = String, V = Values> {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub intro: String,
    pub outro: String,
    /// Where it was read from (shown in messages).
    pub file: String,
    pub values: V,
    pub steps: Vec<Step<C>>,
    /// Tasks for the student, checked against the live system (after the steps).
    pub exercises: Vec<Exercise<C>>,
    /// Questions, graded by a fixed answer or by what a run shows.
    pub quizzes: Vec<Quiz<C>>,
    /// An extra lesson, after the tutorial: run only when named (`extra = true`).
    pub extra: bool,
}
