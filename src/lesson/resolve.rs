//! Resolving a lesson: from the template a lesson file is to the concrete lesson one run uses.
//!
//! A loaded [`Lesson`] is in its run's language already (the translation pass runs right
//! after loading, see [`translation`](super::translation)) but still a template: its texts,
//! commands and expected outputs name values (`{tcp}`, `{stream}`). [`resolve`] places the
//! values as the run says ([`Placement`]: `--port-offset`, `--socket-dir`, the lab's placement,
//! the privileged-port move) and fills them in everywhere, once, into a [`ConcreteLesson`]:
//! what the runner, the tour, the exercises, `check`, the book and the class report use, so
//! no code after this one ever sees a `{placeholder}`. [`as_written`] does the same with the
//! tutorial's own values, for the book and `socklab explain`. Where a run changes its values
//! (the tour moving every port after a taken one), it resolves the lesson again.
//!
//! Commands keep two forms ([`Command`]): the line the student sees, a value quoted where a
//! shell needs it so that it can be copied, and the words socklab runs, split before the
//! values are filled in so that a socket path with a space stays one word.

use super::command::Command;
use super::exercise::{Exercise, Facts, Mistake, Outcome, PortRef, Quiz, QuizKind};
use super::values::{Placement, Resolved};
use super::{Action, Check, Lesson, Need, Step};

/// A lesson as one run uses it: every text, command and expected output with its values in.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcreteLesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub intro: String,
    pub outro: String,
    /// Where it was read from (shown in messages).
    pub file: String,
    /// The values as this run placed them.
    pub values: Resolved,
    pub steps: Vec<ConcreteStep>,
    pub exercises: Vec<ConcreteExercise>,
    pub quizzes: Vec<ConcreteQuiz>,
    /// An extra lesson, after the tutorial.
    pub extra: bool,
}

/// One step, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcreteStep {
    pub id: String,
    pub title: String,
    pub action: ConcreteAction,
    pub explain: String,
    pub notice: String,
    /// The expected output (its `{?…}` patterns still in it: they are matched, not placed).
    pub expect: Option<String>,
    /// An output the expectation matches, for readers.
    pub example: Option<String>,
    pub any_order: bool,
    pub status: i32,
    pub needs: Vec<Need>,
}

/// What a resolved step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcreteAction {
    Run(Command),
    Check(Check),
}

/// An exercise, resolved: its port is a number, its path a path.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcreteExercise {
    pub id: String,
    pub title: String,
    pub task: String,
    pub hints: Vec<String>,
    pub solution: Vec<Command>,
    pub explain: String,
    pub needs: Vec<Need>,
    pub expect: Facts,
    pub mistakes: Vec<Mistake>,
}

/// A quiz, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcreteQuiz {
    pub id: String,
    pub title: String,
    pub question: String,
    pub choices: Vec<String>,
    pub explain: String,
    pub needs: Vec<Need>,
    pub kind: ConcreteQuizKind,
}

/// How a resolved quiz is graded (see [`QuizKind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcreteQuizKind {
    Choice { answer: usize },
    Predict { setup: Vec<Command>, run: Command, outcomes: Vec<Outcome> },
}

/// Resolves `lesson` for a run placed as `placement` says; a port pushed past 65535 by the
/// offset is an error.
pub fn resolve(lesson: &Lesson, placement: &Placement) -> Result<ConcreteLesson, String> {
    Ok(fill(lesson, lesson.values.place(placement)?))
}

/// Resolves `lesson` with the tutorial's own values (as the book shows them).
pub fn as_written(lesson: &Lesson) -> ConcreteLesson {
    fill(lesson, lesson.values.as_written())
}

fn fill(lesson: &Lesson, values: Resolved) -> ConcreteLesson {
    let text = |template: &str| values.substitute(template);
    let texts = |templates: &[String]| templates.iter().map(|t| text(t)).collect::<Vec<_>>();
    let commands = |templates: &[String]| {
        templates.iter().map(|t| Command::fill(t, &values)).collect::<Vec<_>>()
    };
    let step = |step: &Step| ConcreteStep {
        id: step.id.clone(),
        title: text(&step.title),
        action: match &step.action {
            Action::Run(template) => ConcreteAction::Run(Command::fill(template, &values)),
            Action::Check(check) => ConcreteAction::Check(*check),
        },
        explain: text(&step.explain),
        notice: text(&step.notice),
        expect: step.expect.as_deref().map(text),
        example: step.example.as_deref().map(text),
        any_order: step.any_order,
        status: step.status,
        needs: step.needs.clone(),
    };
    let exercise = |exercise: &Exercise| ConcreteExercise {
        id: exercise.id.clone(),
        title: text(&exercise.title),
        task: text(&exercise.task),
        hints: texts(&exercise.hints),
        solution: commands(&exercise.solution),
        explain: text(&exercise.explain),
        needs: exercise.needs.clone(),
        expect: facts(&exercise.expect, &values),
        mistakes: exercise
            .mistakes
            .iter()
            .map(|rule| Mistake { when: facts(&rule.when, &values), say: text(&rule.say) })
            .collect(),
    };
    let quiz = |quiz: &Quiz| ConcreteQuiz {
        id: quiz.id.clone(),
        title: text(&quiz.title),
        question: text(&quiz.question),
        choices: texts(&quiz.choices),
        explain: text(&quiz.explain),
        needs: quiz.needs.clone(),
        kind: match &quiz.kind {
            QuizKind::Choice { answer } => ConcreteQuizKind::Choice { answer: *answer },
            QuizKind::Predict { setup, run, outcomes } => ConcreteQuizKind::Predict {
                setup: commands(setup),
                run: Command::fill(run, &values),
                outcomes: outcomes.clone(),
            },
        },
    };
    ConcreteLesson {
        id: lesson.id.clone(),
        title: text(&lesson.title),
        summary: text(&lesson.summary),
        intro: text(&lesson.intro),
        outro: text(&lesson.outro),
        file: lesson.file.clone(),
        steps: lesson.steps.iter().map(step).collect(),
        exercises: lesson.exercises.iter().map(exercise).collect(),
        quizzes: lesson.quizzes.iter().map(quiz).collect(),
        extra: lesson.extra,
        values,
    }
}

/// `facts` with a port named by a value as its number and a path with its values in. A name
/// the run did not place stays a name (the loader refuses those; the check says so).
fn facts(facts: &Facts, values: &Resolved) -> Facts {
    let port = facts.port.as_ref().map(|port| match port {
        PortRef::Value(name) => values
            .ports
            .iter()
            .find(|p| &p.name == name)
            .map_or_else(|| port.clone(), |p| PortRef::Number(p.port)),
        PortRef::Number(_) => port.clone(),
    });
    let path = facts.path.as_deref().map(|path| values.substitute(path));
    Facts { port, path, ..facts.clone() }
}

impl ConcreteLesson {
    /// The exercise called `id`.
    pub fn exercise(&self, id: &str) -> Option<&ConcreteExercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// The quiz called `id`.
    pub fn quiz(&self, id: &str) -> Option<&ConcreteQuiz> {
        self.quizzes.iter().find(|q| q.id == id)
    }
}

impl ConcreteStep {
    /// The command it runs, if it runs one.
    pub fn command(&self) -> Option<&Command> {
        match &self.action {
            ConcreteAction::Run(command) => Some(command),
            ConcreteAction::Check(_) => None,
        }
    }
}
