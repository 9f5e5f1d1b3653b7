//! `socklab lint [DIR]`: everything a lesson author should know before students see a lesson.
//!
//! Loading already checks the whole format (every problem at file:line:column, exit 2),
//! including ids unique among steps, exercises and quizzes. Lint then checks what only a run
//! or the book can show, and reports each finding with its lesson and id (exit 1):
//!
//! - the book: every step of a lesson that has a chapter has its section there, under its
//!   anchor, and the chapter's directives name real steps (a shipped lesson must have a
//!   chapter);
//! - example outputs: a step whose expectation has patterns carries an example it matches;
//! - hints: the last one gives the command, as the student is promised;
//! - exercises: no two share a port or path (one's leftover listener could pass the other);
//! - the self-test of every exercise: its check fails while nothing is done, passes once
//!   socklab has carried out the reference solution in-process, and fails again once that
//!   is stopped (an exercise on the simulated hosts on hosts of the self-test's own, skipped
//!   with the reason where they or their firewall cannot be had);
//! - predict-then-run quizzes: their run really gives an outcome one of the choices predicts,
//!   and not every choice predicts it;
//! - values only a run would trip over: the ports as this run places them (`--port-offset`
//!   can push one past 65535), every command line with those values filled in, and waits
//!   (`nc -w`) that are not a sensible number of seconds.
//! - translations: every text of the lessons (and, for the shipped lessons, every message
//!   and every paragraph of the book) has a current translation in each language's
//!   catalogue: none missing, none stale.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::book;
use crate::error::{EXIT_FAILURE, Failure};
use crate::exercise::check::{self, CheckResult};
use crate::exercise::quiz::{self, NotGraded};
use crate::lesson::command::Invocation;
use crate::lesson::exercise::{Exercise, PortRef, QuizKind};
use crate::lesson::resolve::{
    self, ConcreteExercise, ConcreteLesson, ConcreteQuiz, ConcreteQuizKind,
};
use crate::lesson::values::Placement;
use crate::lesson::{Lesson, Need};
use crate::run_setup::{self, RunOptions};
use crate::runner::cleanup;
use crate::runner::environment::Environment;
use crate::runner::session::Session;
use crate::t;

/// Whether an expected output has patterns (`{?…}`, a `...` line), which readers must not see.
pub fn has_pattern(expected: &str) -> bool {
    expected.contains("{?") || expected.lines().any(crate::lesson::expect::is_skip_marker)
}

/// Every step whose expectation has patterns carries an example output, and the expectation
/// matches it (with the lesson's values as written): the book shows the example, so it cannot
/// drift from what the step checks.
fn examples(lesson: &ConcreteLesson, found: &mut dyn FnMut(Option<&str>, String)) {
    for step in &lesson.steps {
        match (&step.expect, &step.example) {
            (Some(expected), None) if has_pattern(expected) => {
                found(Some(&step.id), t!("lint.example_missing"));
            }
            (Some(expected), Some(example)) => {
                let mut expectation = crate::lesson::expect::Expected::parse(expected);
                if step.any_order {
                    expectation = expectation.in_any_order();
                }
                if !expectation.matches(example) {
                    let difference = expectation.difference(example);
                    found(Some(&step.id), t!("lint.example_mismatch", difference = difference));
                }
            }
            (None, Some(_)) => found(Some(&step.id), t!("lint.example_without_expect")),
            _ => {}
        }
    }
}

/// How long the self-test gives a solution's sockets to appear.
const SOLUTION_WAIT: Duration = Duration::from_secs(3);

/// `socklab lint` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LintArgs {
    /// The lesson directory to check (the shipped lessons when none is given).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The run-shaping options (global ones, filled in from the whole command line).
    #[arg(skip)]
    pub options: RunOptions,
}

/// One thing a lesson author should fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The lesson file.
    pub file: String,
    pub lesson: String,
    /// The step, exercise or quiz it is about.
    pub item: Option<String>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{}: {}/{}: {}", self.file, self.lesson, item, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.lesson, self.message),
        }
    }
}

/// Whether every lesson must have a chapter in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookRule {
    /// The shipped lessons: each has its chapter.
    Required,
    /// An author's own lessons: checked against the book only where it has their chapter.
    WherePresent,
}

/// What lint looked at, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub lessons: usize,
    pub exercises: usize,
    pub quizzes: usize,
    /// Self-tests the host could not run (IPv6 missing, no simulated hosts or firewall).
    pub skipped: usize,
    /// Why they could not run, each reason once.
    pub skip_reasons: Vec<String>,
}

/// Lints `lessons`; `chapter` gives the book's markdown for a chapter path
/// ([`book::chapter`] for the embedded book).
pub fn lint(
    lessons: &[Lesson],
    env: &Environment,
    placement: &Placement,
    rule: BookRule,
    chapter: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Finding>, Counts) {
    let mut findings = Vec::new();
    let mut counts = Counts { lessons: lessons.len(), ..Counts::default() };
    // The book and the examples show the lessons as written.
    let as_written: Vec<ConcreteLesson> = lessons.iter().map(resolve::as_written).collect();
    for (lesson, written) in lessons.iter().zip(&as_written) {
        let mut found = |item: Option<&str>, message: String| {
            findings.push(Finding {
                file: lesson.file.clone(),
                lesson: lesson.id.clone(),
                item: item.map(str::to_owned),
                message,
            });
        };
        anchors(lesson, &as_written, rule, chapter, &mut found);
        examples(written, &mut found);
        // The self-tests run the lesson as this run places it.
        let placed = crate::runner::session::resolve(lesson, env, placement);
        match &placed {
            Ok(placed) => placed_values(placed, &mut found),
            Err(failure) => found(None, failure.message.clone()),
        }
        shared_targets(lesson, written, &mut found);
        for (index, exercise) in lesson.exercises.iter().enumerate() {
            counts.exercises += 1;
            last_hint(exercise, &mut found);
            let tested = match &placed {
                Ok(placed) => self_test(placed, &placed.exercises[index], env, &mut found),
                Err(failure) => {
                    let ran = unplaced(&exercise.needs, env, &mut || {
                        found(Some(&exercise.id), failure.message.clone());
                    });
                    if ran { Ok(()) } else { Err(t!("runner.no_ipv6")) }
                }
            };
            if let Err(reason) = tested {
                counts.skip(reason);
            }
        }
        for (index, quiz) in lesson.quizzes.iter().enumerate() {
            counts.quizzes += 1;
            let tested = match &placed {
                Ok(placed) => quiz_test(placed, &placed.quizzes[index], env, &mut found),
                Err(_) if !matches!(quiz.kind, QuizKind::Predict { .. }) => Ok(()),
                Err(failure) => {
                    let message = t!("lint.quiz_error", message = failure.message);
                    let ran =
                        unplaced(&quiz.needs, env, &mut || found(Some(&quiz.id), message.clone()));
                    if ran { Ok(()) } else { Err(t!("runner.no_ipv6")) }
                }
            };
            if let Err(reason) = tested {
                counts.skip(reason);
            }
        }
    }
    (findings, counts)
}

impl Counts {
    fn skip(&mut self, reason: String) {
        self.skipped += 1;
        if !self.skip_reasons.contains(&reason) {
            self.skip_reasons.push(reason);
        }
    }
}

type Found<'f> = dyn FnMut(Option<&str>, String) + 'f;

/// The self-test of an exercise or quiz of a lesson this run cannot place (`--port-offset`
/// pushing a port past 65535): `say` why it cannot run, unless the host could not have run
/// it anyway (false then).
fn unplaced(needs: &[Need], env: &Environment, say: &mut dyn FnMut()) -> bool {
    if needs.contains(&Need::Ipv6) && !env.ipv6 {
        return false;
    }
    say();
    true
}

/// Every step has its section in the lesson's chapter, and the chapter's directives resolve.
fn anchors(
    lesson: &Lesson,
    lessons: &[ConcreteLesson],
    rule: BookRule,
    chapter: &dyn Fn(&str) -> Option<String>,
    found: &mut Found<'_>,
) {
    let path = book::chapter_of(&lesson.id);
    let Some(text) = chapter(&path) else {
        if rule == BookRule::Required {
            found(None, t!("lint.no_chapter", path = path));
        }
        return;
    };
    match book::expand(&text, lessons) {
        Err(problems) => {
            for problem in problems {
                found(None, t!("lint.book_problem", path = path, problem = problem));
            }
        }
        Ok(expanded) => {
            for step in &lesson.steps {
                let anchor = book::step_anchor(&lesson.id, &step.id);
                if book::section(&expanded, &anchor).is_none() {
                    found(Some(&step.id), t!("lint.no_section", path = path, anchor = anchor));
                }
            }
        }
    }
}

/// The longest wait a lesson's `nc -w` may ask for, in seconds.
pub const MAX_WAIT_SECONDS: f64 = 60.0;

/// Every command line of the lesson as this run places it: what would only fail once a
/// student runs it (the lesson's values placed at all is checked before).
fn placed_values(lesson: &ConcreteLesson, found: &mut Found<'_>) {
    let steps = lesson.steps.iter().filter_map(|step| Some((step.id.as_str(), step.command()?)));
    let solutions = lesson
        .exercises
        .iter()
        .flat_map(|e| e.solution.iter().map(move |line| (e.id.as_str(), line)));
    let quizzes = lesson.quizzes.iter().flat_map(|q| {
        let lines: Vec<_> = match &q.kind {
            ConcreteQuizKind::Predict { setup, run, .. } => setup.iter().chain([run]).collect(),
            ConcreteQuizKind::Choice { .. } => Vec::new(),
        };
        lines.into_iter().map(move |line| (q.id.as_str(), line))
    });
    for (id, line) in steps.chain(solutions).chain(quizzes) {
        match line.parse() {
            Err(err) => found(
                Some(id),
                t!("lint.placed_command", command = line.shown, message = err.message),
            ),
            Ok(parsed) => {
                if let Invocation::Probe(args) = &parsed.invocation
                    && let Some(wait) = args.timeout
                    && !(wait.is_finite() && wait > 0.0 && wait <= MAX_WAIT_SECONDS)
                {
                    found(
                        Some(id),
                        t!(
                            "lint.absurd_wait",
                            command = parsed.text,
                            wait = wait,
                            max = MAX_WAIT_SECONDS
                        ),
                    );
                }
            }
        }
    }
}

/// No two exercises of a lesson look at the same port or path.
fn shared_targets(lesson: &Lesson, written: &ConcreteLesson, found: &mut Found<'_>) {
    let mut seen: Vec<(check::Target, &str)> = Vec::new();
    // The place is named as the author wrote it (`{ex_port}`).
    for (exercise, resolved) in lesson.exercises.iter().zip(&written.exercises) {
        let Ok(target) = check::target(&resolved.expect) else { continue };
        if let Some((_, other)) = seen.iter().find(|(t, _)| *t == target) {
            let place = match (&exercise.expect.port, &target) {
                (Some(PortRef::Value(name)), _) => format!("{{{name}}}"),
                (_, check::Target::Port(port)) => port.to_string(),
                (_, check::Target::Path(path)) => path.display().to_string(),
            };
            found(Some(&exercise.id), t!("lint.shared_target", other = other, place = place));
        } else {
            seen.push((target, &exercise.id));
        }
    }
}

/// The last hint gives every command of the solution. A command on a simulated host
/// (`ip netns exec HOST COMMAND`) is typed in `socklab shell --host HOST`: the hint may give
/// COMMAND with that shell instead.
fn last_hint(exercise: &Exercise, found: &mut Found<'_>) {
    let squeeze = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(last) = exercise.hints.last().map(|hint| squeeze(hint)) else { return };
    for line in &exercise.solution {
        let command = squeeze(line.trim_end().trim_end_matches('&'));
        let on_host = command.strip_prefix("ip netns exec ").and_then(|rest| rest.split_once(' '));
        let given = last.contains(&command)
            || on_host.is_some_and(|(host, rest)| {
                last.contains(&format!("--host {host}")) && last.contains(rest)
            });
        if !given {
            found(Some(&exercise.id), t!("lint.last_hint", command = command));
        }
    }
}

/// The exercise's self-test; the reason when this host cannot run it. An exercise on the
/// simulated hosts is checked on the session's own hosts, where its solution runs.
fn self_test(
    lesson: &ConcreteLesson,
    exercise: &ConcreteExercise,
    env: &Environment,
    found: &mut Found<'_>,
) -> Result<(), String> {
    if exercise.needs.contains(&Need::Ipv6) && !env.ipv6 {
        return Err(t!("runner.no_ipv6"));
    }
    let id = Some(exercise.id.as_str());
    let mut session = match Session::new(lesson, env) {
        Ok(session) => session,
        Err(failure) => {
            found(id, failure.message);
            return Ok(());
        }
    };
    let you = crate::net::privilege::euid();
    match check::check_on(exercise, env, you, session.hosts()) {
        CheckResult::Pass { found: what } => {
            found(id, t!("lint.passes_before", found = what));
        }
        CheckResult::Error { message, .. } => found(id, t!("lint.cannot_check", message = message)),
        CheckResult::Skipped { reason } => return Err(reason),
        CheckResult::Fail { .. } => {}
    }
    for line in &exercise.solution {
        let run = quiz::run_line(&mut session, &exercise.id, line);
        if let crate::runner::verdict::Verdict::Error { message, .. } = run.verdict {
            let command = run.command.unwrap_or_else(|| line.shown.clone());
            found(id, t!("lint.solution_error", command = command, message = message));
            return Ok(());
        }
    }
    let deadline = Instant::now() + SOLUTION_WAIT;
    let after = check::check_until_on(exercise, env, deadline, session.hosts());
    if !after.passed() {
        found(id, t!("lint.solution_fails", details = after.details().join("; ")));
    }
    drop(session);
    // Stopped: the session's listeners are gone, and so are its hosts (new ones, as clean as
    // a student's before they start, stand in for them).
    let mut fresh = crate::topology::OnDemand::default();
    if let CheckResult::Pass { found: what } = check::check_on(exercise, env, you, &mut fresh) {
        found(id, t!("lint.passes_after", found = what));
    }
    Ok(())
}

/// A prediction quiz's run gives an outcome some choice predicts, and not every choice;
/// the reason when the host cannot run it.
fn quiz_test(
    lesson: &ConcreteLesson,
    quiz: &ConcreteQuiz,
    env: &Environment,
    found: &mut Found<'_>,
) -> Result<(), String> {
    let ConcreteQuizKind::Predict { outcomes, .. } = &quiz.kind else { return Ok(()) };
    let id = Some(quiz.id.as_str());
    match quiz::observe(quiz, lesson, env) {
        Err(NotGraded::Skipped(reason)) => return Err(reason),
        Err(NotGraded::Error(failure)) => {
            found(id, t!("lint.quiz_error", message = failure.message));
        }
        Ok(seen) if !outcomes.contains(&seen.outcome) => found(
            id,
            t!(
                "lint.quiz_unforeseen",
                command = seen.command,
                outcome = seen.outcome.name(),
                status = seen.status
            ),
        ),
        Ok(seen) if outcomes.iter().all(|o| *o == seen.outcome) => {
            found(id, t!("lint.quiz_all_right"));
        }
        Ok(_) => {}
    }
    Ok(())
}

/// Every text without a current translation, per language: the lessons' (from the shipped
/// catalogues, or `DIR/po/<lang>.po` for a lesson directory) and, for the shipped lessons,
/// socklab's messages and the book's paragraphs. Prints each language's tally on stderr.
fn translations(
    dir: Option<&std::path::Path>,
    help: &[(String, String)],
) -> Result<Vec<Finding>, Failure> {
    use crate::language::{self, Domain, State};
    use crate::lesson::translation;
    let english = match dir {
        Some(dir) => crate::lesson::load_dir_english(dir),
        None => crate::lesson::shipped_english(),
    }
    .map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Failure::usage(list.join("\n"))
    })?;
    let catalogues: Vec<(String, String, language::Translations)> = match dir {
        Some(dir) => translation::catalogues_in(dir)
            .into_iter()
            .map(|(lang, path)| {
                let read = translation::read_catalogue(dir, &lang)
                    .map_err(|problem| Failure::usage(problem.to_string()))?;
                Ok((lang, path.display().to_string(), read))
            })
            .collect::<Result<_, Failure>>()?,
        None => language::available()
            .into_iter()
            .skip(1)
            .map(|lang| {
                let path = format!("po/lessons/{lang}.po");
                (lang.to_owned(), path, translation::shipped(lang).clone())
            })
            .collect(),
    };
    let state_text = |state: State, lang: &str| match state {
        State::Stale => t!("lint.translation_stale", lang = lang),
        _ => t!("lint.translation_missing", lang = lang),
    };
    let mut findings = Vec::new();
    for (lang, path, catalogue) in &catalogues {
        let untranslated = translation::report(&english, catalogue);
        let total: usize = english.iter().map(|l| translation::texts(l).len()).sum();
        let mut missing = untranslated.len();
        for text in untranslated {
            findings.push(Finding {
                file: path.clone(),
                lesson: text.lesson,
                item: Some(text.item),
                message: state_text(text.state, lang),
            });
        }
        let mut counted = total;
        if dir.is_none() {
            // The book: keyed by its English paragraphs (shown shortened).
            let template = language::Translations::parse(language::BOOK_TEMPLATE)
                .map_err(|err| Failure::new(format!("po/book/messages.pot: {err}")))?;
            counted += template.keys().count();
            for (english, state) in language::book_report(lang) {
                missing += 1;
                let mut short: String = english.chars().take(60).collect();
                if short.len() < english.len() {
                    short.push('…');
                }
                findings.push(Finding {
                    file: format!("po/book/{lang}.po"),
                    lesson: format!("book «{short}»"),
                    item: None,
                    message: state_text(state, lang),
                });
            }
            let messages = language::shipped(lang, Domain::Messages);
            for (key, english) in crate::text::all_texts(help) {
                let state = messages.state(&key, &english);
                counted += 1;
                if state != State::Current {
                    missing += 1;
                    findings.push(Finding {
                        file: format!("po/messages/{lang}.po"),
                        lesson: key,
                        item: None,
                        message: state_text(state, lang),
                    });
                }
            }
        }
        crate::terminal_text::warn(t!(
            "lint.translation_tally",
            lang = lang,
            current = counted - missing,
            total = counted
        ));
    }
    Ok(findings)
}

/// `socklab lint [DIR]`; `help` is `--help`'s texts (key, English), which the command line
/// collects with [`help::texts`](crate::help::texts) and which need translating too.
pub fn main(args: &LintArgs, help: Vec<(String, String)>) -> Result<ExitCode, Failure> {
    let mut options = args.options.clone();
    if let Some(dir) = &args.dir {
        options.lessons = Some(dir.clone());
    }
    let lessons = run_setup::load(&options)?;
    let placement = run_setup::placement(&options)?;
    let env = Environment::detect();
    cleanup::install_signal_handler();
    let rule = if options.lessons.is_none() { BookRule::Required } else { BookRule::WherePresent };
    let chapter = |path: &str| book::chapter(path).map(str::to_owned);
    let (mut findings, counts) = lint(&lessons, &env, &placement, rule, &chapter);
    findings.extend(translations(options.lessons.as_deref(), &help)?);
    for finding in &findings {
        if !crate::terminal_text::say(finding) {
            break;
        }
    }
    if counts.skipped > 0 {
        let reasons = counts.skip_reasons.join("; ");
        crate::terminal_text::warn(t!("lint.skipped", count = counts.skipped, reasons = reasons));
    }
    if findings.is_empty() {
        crate::terminal_text::say(t!(
            "lint.clean",
            lessons = counts.lessons,
            exercises = counts.exercises,
            quizzes = counts.quizzes
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        crate::terminal_text::say(format!("\n{}", t!("lint.findings", count = findings.len())));
        Ok(ExitCode::from(EXIT_FAILURE))
    }
}
