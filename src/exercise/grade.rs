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
use super::graded::{Checked, Student};
use super::junit;
use crate::error::{EXIT_FAILURE, Failure};
use crate::lesson::Lesson;
use crate::lesson::resolve::ConcreteLesson;
use crate::run_setup::{self, RunOptions};
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
    /// Grade user NAME (a name or a uid; root only): only their sockets and files count,
    /// and nothing is recorded
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The run-shaping options (global ones, filled in from the whole command line).
    #[arg(skip)]
    pub options: RunOptions,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && (0.0..=3600.0).contains(secs))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| t!("exercise.bad_wait", value = text))
}

/// Where root grades `student` (`--user`), as the notice printed before grading: today the
/// host's socket tables and files, or in the lasting lab the student keeps with `socklab
/// shell` when one runs (`in_lab`), filtered to the student's uid.
pub fn where_to_grade(student: &Student, in_lab: bool) -> String {
    let user = crate::exercise::found::user_label(student.uid);
    if in_lab {
        t!("class.graded_other_in_lab", user = user)
    } else {
        t!("class.graded_other", user = user)
    }
}

#[derive(Serialize)]
struct Record<'a> {
    user: &'a str,
    uid: u32,
    host: &'a str,
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
    lessons: &'a [ConcreteLesson],
    env: &Environment,
    wait: Duration,
    student: &Student,
) -> Vec<Checked<'a>> {
    let deadline = Instant::now() + wait;
    let mut checked = Vec::new();
    for lesson in lessons {
        for exercise in &lesson.exercises {
            let started = Instant::now();
            let result = check::check_until_for(exercise, env, deadline, student.uid);
            checked.push(Checked {
                lesson,
                exercise,
                result,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
    }
    checked
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
    let lessons = run_setup::load(&args.options)?;
    let selected = run_setup::select(&lessons, &args.names)?;
    let with_exercises: Vec<&Lesson> =
        selected.iter().copied().filter(|l| !l.exercises.is_empty()).collect();
    if with_exercises.is_empty() {
        let having: Vec<&str> =
            lessons.iter().filter(|l| !l.exercises.is_empty()).map(|l| l.id.as_str()).collect();
        return Err(Failure::usage(t!("exercise.no_exercises"))
            .hint(t!("exercise.lessons_with_exercises", known = having.join(", "))));
    }
    let student = match &args.user {
        Some(name) => Student::named(name)?,
        None => Student::me(),
    };
    let myself = student.uid == crate::net::privilege::euid();
    // Into the student's lasting lab, if one is running (before any thread): one's own, or,
    // for root grading a student, theirs.
    let prepared = if myself {
        run_setup::prepare(
            &args.options,
            &lessons,
            crate::isolation::Purpose::Exercises { create: false },
        )?
    } else {
        let in_lab = crate::isolation::lasting::join_of(student.uid)
            .map_err(|error| Failure::new(t!("runner.lab.unreachable", error = error)))?;
        crate::terminal_text::warn(where_to_grade(&student, in_lab));
        run_setup::Prepared::on_host(run_setup::placement(&args.options)?)
    };
    let placement = &prepared.placement;
    let env = Environment::detect();
    // Another student's progress lives in their home: it is neither read nor written.
    let mut progress = if myself { Progress::load()? } else { Progress::in_memory() };
    cleanup::install_signal_handler();
    let resolved = with_exercises
        .iter()
        .map(|lesson| crate::runner::session::resolve(lesson, &env, placement))
        .collect::<Result<Vec<_>, _>>()?;
    let checked = grade(&resolved, &env, args.wait, &student);
    for item in checked.iter().filter(|_| myself) {
        if item.result.passed() {
            progress.mark_done(&item.lesson.id, &item.exercise.id);
        }
        // Nothing at the exercise's port or path: not an attempt (a grader may run `check`
        // many times over exercises nobody has started).
        if matches!(item.result, check::CheckResult::Fail { found: None, .. }) {
            continue;
        }
        let hints =
            progress.lesson(&item.lesson.id).hints.get(&item.exercise.id).copied().unwrap_or(0);
        crate::class::note(crate::class::Event::Exercise {
            lesson: &item.lesson.id,
            exercise: &item.exercise.id,
            verdict: &item.result.verdict(),
            hints,
        });
    }
    progress.save()?;
    let tally = tally(&checked);
    let mut out = std::io::stdout().lock();
    match args.format {
        CheckFormat::Text => write_text(&mut out, &checked, &tally),
        CheckFormat::Json => write_json(&mut out, &checked, &progress, &student),
        CheckFormat::Junit => {
            let _ = out.write_all(junit::render(&checked, &student).as_bytes());
        }
    }
    if args.format != CheckFormat::Text {
        crate::terminal_text::warn(tally.summary());
    }
    Ok(if tally.all_passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILURE) })
}

fn write_text(out: &mut dyn Write, checked: &[Checked<'_>], tally: &Tally) {
    for item in checked {
        let label = item.result.verdict().tag();
        let name = format!("{}/{}", item.lesson.id, item.exercise.id);
        let title = crate::terminal_text::clean(&item.exercise.title);
        let _ = writeln!(out, "{label}{name:<32} {title}");
        for line in item.result.details() {
            for part in crate::terminal_text::clean(&line).lines() {
                let _ = writeln!(out, "          {part}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", tally.summary());
}

fn write_json(out: &mut dyn Write, checked: &[Checked<'_>], progress: &Progress, who: &Student) {
    for item in checked {
        let hints_used =
            progress.lesson(&item.lesson.id).hints.get(&item.exercise.id).copied().unwrap_or(0);
        let record = Record {
            user: &who.name,
            uid: who.uid,
            host: &who.host,
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
