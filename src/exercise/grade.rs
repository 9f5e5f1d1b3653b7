//! `socklab check`: every exercise of the chosen lessons, graded against the live system
//! without prompts, as text, as one JSON object per exercise, or as JUnit XML. The exit
//! status is 0 only when every exercise passed (or could not run on this host, which is said).
//!
//! The sockets may still be coming up when a grader runs this right after a student's
//! script: `--wait` gives them a deadline (one for the whole run), and every check polls
//! until it passes or the deadline comes.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::check::{self, CheckResult};
use super::junit;
use super::practice::values_for;
use crate::error::{EXIT_FAILURE, Failure};
use crate::lab::{self, LabOptions};
use crate::lesson::Lesson;
use crate::lesson::exercise::Exercise;
use crate::lesson::values::Placement;
use crate::runner::cleanup;
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::verdict::Tally;
use crate::t;

/// How `socklab check` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Readable text.
    Text,
    /// One JSON object per exercise, one per line.
    Json,
    /// JUnit XML: a test suite per lesson, a test case per exercise.
    Junit,
}

/// `socklab check` options.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Lessons whose exercises to check, by id (all when none is named).
    #[arg(value_name = "LESSON")]
    pub names: Vec<String>,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Give the sockets up to SECS seconds to appear (one deadline for the whole run).
    #[arg(long, value_name = "SECS", default_value = "1", value_parser = parse_seconds)]
    pub wait: Duration,
    #[command(flatten)]
    pub lab: LabOptions,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && (0.0..=3600.0).contains(secs))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| t!("exercise.bad_wait", value = text))
}

/// One exercise, checked.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    pub lesson: &'a Lesson,
    pub exercise: &'a Exercise,
    pub result: CheckResult,
    /// How long its check took (waiting included).
    pub seconds: f64,
}

#[derive(Serialize)]
struct Record<'a> {
    lesson: &'a str,
    exercise: &'a str,
    title: &'a str,
    #[serde(flatten)]
    result: &'a CheckResult,
    details: Vec<String>,
    seconds: f64,
    hints_used: usize,
}

/// Checks every exercise of `lessons` in order, all against one deadline `wait` from now.
pub fn grade<'a>(
    lessons: &[&'a Lesson],
    env: &Environment,
    placement: &Placement,
    wait: Duration,
) -> Result<Vec<Checked<'a>>, Failure> {
    let deadline = Instant::now() + wait;
    let mut checked = Vec::new();
    for lesson in lessons {
        let values = values_for(lesson, env, placement)?;
        for exercise in &lesson.exercises {
            let started = Instant::now();
            let result = check::check_until(exercise, &values, env, deadline);
            checked.push(Checked {
                lesson,
                exercise,
                result,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
    }
    Ok(checked)
}

/// The tally of checked exercises.
pub fn tally(checked: &[Checked<'_>]) -> Tally {
    let mut tally = Tally::default();
    for item in checked {
        tally.add(&item.result.verdict());
    }
    tally
}

/// `socklab check`.
pub fn main(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let lessons = lab::load(&args.lab)?;
    let selected = lab::select(&lessons, &args.names)?;
    let with_exercises: Vec<&Lesson> =
        selected.iter().copied().filter(|l| !l.exercises.is_empty()).collect();
    if with_exercises.is_empty() {
        let having: Vec<&str> =
            lessons.iter().filter(|l| !l.exercises.is_empty()).map(|l| l.id.as_str()).collect();
        return Err(Failure::usage(t!("exercise.no_exercises"))
            .hint(t!("exercise.lessons_with_exercises", known = having.join(", "))));
    }
    let placement = lab::placement(&args.lab)?;
    let env = Environment::detect();
    let mut progress = Progress::load()?;
    cleanup::install_signal_handler();
    let checked = grade(&with_exercises, &env, &placement, args.wait)?;
    for item in &checked {
        if item.result.passed() {
            progress.mark_done(&item.lesson.id, &item.exercise.id);
        }
    }
    progress.save()?;
    let tally = tally(&checked);
    let mut out = std::io::stdout().lock();
    match args.format {
        CheckFormat::Text => write_text(&mut out, &checked, &tally),
        CheckFormat::Json => write_json(&mut out, &checked, &progress),
        CheckFormat::Junit => {
            let _ = out.write_all(junit::render(&checked).as_bytes());
        }
    }
    if args.format != CheckFormat::Text {
        eprintln!("{}", tally.summary());
    }
    Ok(if tally.all_passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILURE) })
}

fn write_text(out: &mut dyn Write, checked: &[Checked<'_>], tally: &Tally) {
    for item in checked {
        let label = item.result.verdict().tag();
        let name = format!("{}/{}", item.lesson.id, item.exercise.id);
        let _ = writeln!(out, "{label}{name:<32} {}", item.exercise.title);
        for line in item.result.details() {
            for part in line.lines() {
                let _ = writeln!(out, "          {part}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", tally.summary());
}

fn write_json(out: &mut dyn Write, checked: &[Checked<'_>], progress: &Progress) {
    for item in checked {
        let hints_used =
            progress.lesson(&item.lesson.id).hints.get(&item.exercise.id).copied().unwrap_or(0);
        let record = Record {
            lesson: &item.lesson.id,
            exercise: &item.exercise.id,
            title: &item.exercise.title,
            result: &item.result,
            details: item.result.details(),
            seconds: item.seconds,
            hints_used,
        };
        if let Ok(line) = serde_json::to_string(&record) {
            let _ = writeln!(out, "{line}");
        }
    }
}
