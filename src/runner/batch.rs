//! `socklab run`: every step of the chosen lessons, without prompts, as plain text or as
//! one JSON object per step, with a summary and an exit status for CI and graders.

use std::io::Write;

use serde::Serialize;

use crate::class::Event;
use crate::error::Failure;
use crate::lesson::Lesson;
use crate::lesson::resolve::{ConcreteLesson, ConcreteStep};
use crate::lesson::values::Placement;
use crate::runner::cleanup;
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::session::{Session, StepRun};
use crate::runner::verdict::{Tally, Verdict};
use crate::t;
use crate::ui::{Show, render};

/// How batch results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Text,
    /// One JSON object per step, one per line.
    Json,
}

#[derive(Serialize)]
struct StepRecord<'a> {
    lesson: &'a str,
    step: &'a str,
    title: &'a str,
    command: Option<&'a str>,
    #[serde(flatten)]
    verdict: &'a Verdict,
    status: i32,
    observed: &'a str,
    expected: Option<&'a str>,
    notes: &'a [String],
    preface: &'a [String],
}

/// Runs `lessons` in order; writes results to `out`; returns the tally.
pub fn run(
    lessons: &[&Lesson],
    env: &Environment,
    placement: &Placement,
    format: Format,
    progress: &mut Progress,
    out: &mut dyn Write,
) -> Result<Tally, Failure> {
    let mut tally = Tally::default();
    for (index, lesson) in lessons.iter().enumerate() {
        let lesson = &crate::runner::session::resolve(lesson, env, placement)?;
        let mut session = Session::new(lesson, env)?;
        if format == Format::Text {
            let heading =
                Show::Lesson { title: &lesson.title, number: index + 1, count: lessons.len() };
            let _ = write!(out, "{}", render::render(heading, false));
            for note in session.opening_notes() {
                let _ = write!(out, "{}", render::render(Show::Note(&note), false));
            }
        }
        // A lesson is done when each step passed or was skipped for a reason of the host's,
        // and at least one passed: a run where every step was skipped did nothing.
        let (mut all_done, mut any_passed) = (true, false);
        for step in &lesson.steps {
            let result = session.run_step(step);
            if cleanup::interrupted().is_some() {
                // The signal thread is cleaning up and ending the process; a step it cut
                // short says nothing about the lesson.
                return Ok(tally);
            }
            tally.add(&result.verdict);
            crate::class::note(Event::Step {
                lesson: &lesson.id,
                step: &step.id,
                verdict: &result.verdict,
            });
            any_passed |= result.verdict == Verdict::Pass;
            if result.verdict.is_done() {
                progress.mark_done(&lesson.id, &step.id);
            } else {
                all_done = false;
            }
            match format {
                Format::Text => write_text(out, step, &result),
                Format::Json => write_json(out, lesson, step, &result),
            }
        }
        drop(session);
        if all_done && (any_passed || lesson.steps.is_empty()) {
            progress.mark_finished(&lesson.id);
        }
    }
    progress.save()?;
    if format == Format::Text {
        let _ = writeln!(out, "\n{}", tally.summary());
    }
    Ok(tally)
}

fn write_text(out: &mut dyn Write, step: &ConcreteStep, result: &StepRun) {
    let label = result.verdict.tag();
    let what = result.command.as_deref().map_or_else(|| step.title.clone(), |c| format!("$ {c}"));
    let _ = writeln!(out, "{label}{:<22} {}", step.id, crate::terminal_text::clean(&what));
    let pad = |text: &str| {
        crate::terminal_text::clean(text)
            .lines()
            .map(|l| format!("          {l}\n"))
            .collect::<String>()
    };
    for line in &result.preface {
        let _ = write!(out, "{}", pad(line));
    }
    match &result.verdict {
        Verdict::Pass => {}
        Verdict::Fail { difference } => {
            let _ = write!(out, "{}", pad(&t!("runner.fail_explained")));
            let _ = write!(out, "{}", pad(difference));
        }
        Verdict::Error { message, hints } => {
            let _ = write!(out, "{}", pad(message));
            for hint in hints {
                let _ = write!(out, "{}", pad(&format!("{} {hint}", t!("runner.hint_label"))));
            }
        }
        Verdict::Skipped { reason } => {
            let _ = write!(out, "{}", pad(reason));
        }
    }
}

fn write_json(out: &mut dyn Write, lesson: &ConcreteLesson, step: &ConcreteStep, result: &StepRun) {
    let record = StepRecord {
        lesson: &lesson.id,
        step: &step.id,
        title: &step.title,
        command: result.command.as_deref(),
        verdict: &result.verdict,
        status: result.status,
        observed: &result.observed,
        expected: result.expected.as_deref(),
        notes: &result.notes,
        preface: &result.preface,
    };
    if let Ok(line) = serde_json::to_string(&record) {
        let _ = writeln!(out, "{line}");
    }
}
