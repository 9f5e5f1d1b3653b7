//! Grading quizzes: a multiple-choice answer against the lesson's, and a prediction against
//! what the kernel really did.
//!
//! A predict-then-run quiz is run in a session of its own, in-process like every step: its
//! setup (listeners) starts, its command runs, the exit status gives the outcome ("succeeds"
//! for 0), and the session ends, which stops the listeners and removes their files. The
//! student's choice is right when its predicted outcome is the one observed.

use crate::error::Failure;
use crate::lesson::Need;
use crate::lesson::command::Command;
use crate::lesson::exercise::Outcome;
use crate::lesson::resolve::{
    ConcreteAction, ConcreteLesson, ConcreteQuiz, ConcreteQuizKind, ConcreteStep,
};
use crate::runner::environment::Environment;
use crate::runner::session::{Session, StepRun};
use crate::runner::verdict::Verdict;
use crate::t;

/// What a predict-then-run quiz's command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The command as run, values filled in.
    pub command: String,
    /// What it printed.
    pub output: String,
    /// socklab's remarks on it.
    pub notes: Vec<String>,
    pub status: i32,
    pub outcome: Outcome,
}

/// How an answer was graded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    pub chosen: usize,
    pub correct: bool,
    /// The choices that are right (for predictions, those whose outcome was observed).
    pub right: Vec<usize>,
    /// For a prediction: what the run did.
    pub observation: Option<Observation>,
}

/// Why a quiz could not be graded on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotGraded {
    /// The quiz needs something the host lacks.
    Skipped(String),
    /// The run could not be carried out (a port taken, a refused bind).
    Error(Failure),
}

/// Grades a multiple-choice answer, or runs a prediction's command in its own session and
/// grades the prediction by what happened.
pub fn grade(
    quiz: &ConcreteQuiz,
    chosen: usize,
    lesson: &ConcreteLesson,
    env: &Environment,
) -> Result<Graded, NotGraded> {
    match &quiz.kind {
        ConcreteQuizKind::Choice { answer } => Ok(Graded {
            chosen,
            correct: chosen == *answer,
            right: vec![*answer],
            observation: None,
        }),
        ConcreteQuizKind::Predict { outcomes, .. } => {
            let observation = observe(quiz, lesson, env)?;
            let right: Vec<usize> = outcomes
                .iter()
                .enumerate()
                .filter(|(_, outcome)| **outcome == observation.outcome)
                .map(|(index, _)| index)
                .collect();
            if right.is_empty() {
                let failure = Failure::new(t!(
                    "exercise.quiz_unforeseen",
                    outcome = observation.outcome.name()
                ))
                .hint(t!("exercise.quiz_unforeseen_hint"));
                return Err(NotGraded::Error(failure));
            }
            Ok(Graded {
                chosen,
                correct: right.contains(&chosen),
                right,
                observation: Some(observation),
            })
        }
    }
}

/// Runs a predict-then-run quiz's setup and command in a session of its own (stopped before
/// this returns) and says what happened.
pub fn observe(
    quiz: &ConcreteQuiz,
    lesson: &ConcreteLesson,
    env: &Environment,
) -> Result<Observation, NotGraded> {
    let ConcreteQuizKind::Predict { setup, run, .. } = &quiz.kind else {
        return Err(NotGraded::Error(Failure::new(t!("exercise.quiz_not_predict", id = quiz.id))));
    };
    if quiz.needs.contains(&Need::Ipv6) && !env.ipv6 {
        return Err(NotGraded::Skipped(t!("runner.no_ipv6")));
    }
    let mut session = Session::new(lesson, env).map_err(NotGraded::Error)?;
    for line in setup {
        let done = run_line(&mut session, &quiz.id, line);
        match done.verdict {
            Verdict::Error { message, hints } => {
                let mut failure = Failure::new(message);
                failure.hints = hints;
                return Err(NotGraded::Error(failure));
            }
            Verdict::Skipped { reason } => return Err(NotGraded::Skipped(reason)),
            Verdict::Pass | Verdict::Fail { .. } => {}
        }
    }
    let done = run_line(&mut session, &quiz.id, run);
    drop(session);
    if let Verdict::Error { message, hints } = done.verdict {
        let mut failure = Failure::new(message);
        failure.hints = hints;
        return Err(NotGraded::Error(failure));
    }
    Ok(Observation {
        command: done.command.unwrap_or_default(),
        output: done.observed,
        notes: done.notes,
        status: done.status,
        outcome: Outcome::of_status(done.status),
    })
}

/// Runs one command line of the lesson (a solution's, a quiz's) in `session`.
pub fn run_line(session: &mut Session<'_>, id: &str, command: &Command) -> StepRun {
    let step = ConcreteStep {
        id: id.to_owned(),
        title: id.to_owned(),
        action: ConcreteAction::Run(command.clone()),
        explain: String::new(),
        notice: String::new(),
        expect: None,
        example: None,
        any_order: false,
        status: 0,
        needs: Vec::new(),
    };
    session.run_step(&step)
}
