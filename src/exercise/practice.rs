//! The interactive part: a lesson's exercises, then its quizzes, through the [`Ui`] interface
//! (the tour offers them after a lesson's steps; `socklab practice` goes straight to them).
//!
//! For an exercise the student reads the task, does it with the real tools in another
//! terminal, and chooses: check it now, show the next hint (a nudge first, the command
//! last), give up and see the solution, or skip. Checking waits a little for the socket to
//! appear, then says what is right or what differs and the likely mistake. For a quiz the
//! student picks a choice; a prediction is then put to the test by running the command.

use std::time::{Duration, Instant};

use super::check::{self, CheckResult};
use super::quiz::{self, NotGraded};
use crate::class::Event;
use crate::error::Failure;
use crate::lesson::resolve::{ConcreteExercise, ConcreteLesson, ConcreteQuiz, ConcreteQuizKind};
use crate::lesson::{Lesson, Need};
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::verdict::{Tally, Verdict};
use crate::t;
use crate::ui::{Show, Ui};

/// How long "check it now" waits for the socket to appear before saying what it sees.
pub const CHECK_WAIT: Duration = Duration::from_secs(2);

/// How the practice of a lesson ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Finished,
    /// The student declined a prompt (Esc, q, Ctrl+D): stop here.
    Quit,
}

/// What the student may do at an exercise's prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Check,
    Hint,
    GiveUp,
    Skip,
}

/// Runs `lesson`'s exercises and quizzes with the student; records what they got right in
/// `progress` and every result in `tally`.
pub fn run_lesson(
    lesson: &ConcreteLesson,
    env: &Environment,
    progress: &mut Progress,
    ui: &mut dyn Ui,
    tally: &mut Tally,
) -> Ending {
    // In a tour, the exercises are checked in the student's lasting lab, not the tour's own.
    let _side = crate::isolation::exercises_side();
    let on_hosts = lesson.exercises.iter().any(|e| e.host.is_some() || e.probe.is_some());
    if env.lab_of_host_start.is_some() && !lesson.exercises.is_empty() && !on_hosts {
        ui.show(Show::Note(&t!("runner.lab.exercises_in_shell")));
    }
    let count = lesson.exercises.len();
    if on_hosts {
        ui.show(Show::Note(&t!("exercise.on_hosts_terminal", lesson = lesson.id)));
    } else if count > 0 {
        ui.show(Show::Note(&t!("exercise.one_terminal", lesson = lesson.id)));
    }
    for (index, exercise) in lesson.exercises.iter().enumerate() {
        let heading = t!(
            "exercise.exercise_heading",
            number = index + 1,
            count = count,
            title = exercise.title
        );
        ui.show(Show::Heading(&heading));
        let Some((verdict, hints)) = exercise_prompt(exercise, env, ui) else {
            return Ending::Quit;
        };
        if hints > 0 {
            progress.note_hints(&lesson.id, &exercise.id, hints);
        }
        // Skipped by the student (not for a reason of the host's): not an attempt.
        let by_student = verdict == Verdict::Skipped { reason: t!("runner.skipped_by_student") };
        if !by_student {
            let (lesson, exercise) = (&lesson.id, &exercise.id);
            crate::class::note(Event::Exercise { lesson, exercise, verdict: &verdict, hints });
        }
        if verdict == Verdict::Pass {
            progress.mark_done(&lesson.id, &exercise.id);
        }
        tally.add(&verdict);
    }
    let count = lesson.quizzes.len();
    for (index, quiz) in lesson.quizzes.iter().enumerate() {
        let heading =
            t!("exercise.quiz_heading", number = index + 1, count = count, title = quiz.title);
        ui.show(Show::Heading(&heading));
        let Some(verdict) = quiz_prompt(quiz, lesson, env, ui) else {
            return Ending::Quit;
        };
        crate::class::note(Event::Quiz { lesson: &lesson.id, quiz: &quiz.id, verdict: &verdict });
        if verdict == Verdict::Pass {
            progress.mark_done(&lesson.id, &quiz.id);
        }
        tally.add(&verdict);
    }
    Ending::Finished
}

/// One exercise: the task, then the prompt until it passes or the student moves on. The
/// verdict and how many hints were shown; `None` when the student quit.
fn exercise_prompt(
    exercise: &ConcreteExercise,
    env: &Environment,
    ui: &mut dyn Ui,
) -> Option<(Verdict, usize)> {
    ui.show(Show::Text(&exercise.task));
    if exercise.needs.contains(&Need::Ipv6) && !env.ipv6 {
        let verdict = Verdict::Skipped { reason: t!("runner.no_ipv6") };
        ui.show(Show::Verdict(&verdict));
        return Some((verdict, 0));
    }
    // Something may be there before the student acts: their own listener from an earlier
    // try, or another program's. Say so now rather than let it pass or spoil the check.
    match check::check(exercise, env) {
        CheckResult::Pass { found } => {
            ui.show(Show::Note(&t!("exercise.already_passes", found = found)));
        }
        CheckResult::Fail { found: Some(found), .. } => {
            ui.show(Show::Note(&t!("exercise.already_taken", found = found)));
        }
        _ => {}
    }
    let mut hints = 0;
    loop {
        let mut moves = vec![(Move::Check, t!("exercise.move_check"))];
        if hints < exercise.hints.len() {
            let label = t!("exercise.move_hint", number = hints + 1, count = exercise.hints.len());
            moves.push((Move::Hint, label));
        }
        moves.push((Move::GiveUp, t!("exercise.move_give_up")));
        moves.push((Move::Skip, t!("exercise.move_skip")));
        let labels: Vec<String> = moves.iter().map(|(_, label)| label.clone()).collect();
        let chosen = ui.select(&t!("exercise.move_prompt"), &labels)?;
        match moves.get(chosen).map(|(chosen, _)| *chosen)? {
            Move::Check => {
                let result = check::check_until(exercise, env, Instant::now() + CHECK_WAIT);
                show_result(ui, &result);
                match result {
                    CheckResult::Pass { .. } => {
                        if !exercise.explain.is_empty() {
                            ui.show(Show::Text(&exercise.explain));
                        }
                        ui.show(Show::Note(&t!("exercise.stop_yours")));
                        return Some((Verdict::Pass, hints));
                    }
                    CheckResult::Skipped { reason } => {
                        return Some((Verdict::Skipped { reason }, hints));
                    }
                    CheckResult::Fail { .. } | CheckResult::Error { .. } => {}
                }
            }
            Move::Hint => {
                let hint = exercise.hints[hints].clone();
                hints += 1;
                let line = t!(
                    "exercise.hint_shown",
                    number = hints,
                    count = exercise.hints.len(),
                    hint = hint
                );
                ui.show(Show::Text(&line));
            }
            Move::GiveUp => {
                ui.show(Show::Text(&t!("exercise.solution_heading")));
                for line in &exercise.solution {
                    ui.show(Show::Command(&line.shown));
                }
                if !exercise.explain.is_empty() {
                    ui.show(Show::Text(&exercise.explain));
                }
                let verdict = Verdict::Fail { difference: t!("exercise.gave_up") };
                return Some((verdict, hints));
            }
            Move::Skip => {
                let verdict = Verdict::Skipped { reason: t!("runner.skipped_by_student") };
                ui.show(Show::Verdict(&verdict));
                return Some((verdict, hints));
            }
        }
    }
}

fn show_result(ui: &mut dyn Ui, result: &CheckResult) {
    match result {
        CheckResult::Pass { found } => {
            ui.show(Show::Verdict(&Verdict::Pass));
            ui.show(Show::Note(&t!("exercise.passed_found", found = found)));
        }
        CheckResult::Fail { .. } => {
            ui.show(Show::Text(&t!("exercise.not_yet")));
            ui.show(Show::Output(&result.details().join("\n")));
        }
        CheckResult::Error { .. } | CheckResult::Skipped { .. } => {
            ui.show(Show::Verdict(&result.verdict()));
        }
    }
}

/// One quiz: the question, the choice, the grading and the explanation. `None` when the
/// student quit.
fn quiz_prompt(
    quiz: &ConcreteQuiz,
    lesson: &ConcreteLesson,
    env: &Environment,
    ui: &mut dyn Ui,
) -> Option<Verdict> {
    ui.show(Show::Text(&quiz.question));
    if let ConcreteQuizKind::Predict { setup, run, .. } = &quiz.kind {
        ui.show(Show::Note(&t!("exercise.quiz_will_run")));
        for line in setup.iter().chain(std::iter::once(run)) {
            ui.show(Show::Command(&line.shown));
        }
    }
    let choices = &quiz.choices;
    let prompt = match quiz.kind {
        ConcreteQuizKind::Choice { .. } => t!("exercise.quiz_prompt"),
        ConcreteQuizKind::Predict { .. } => t!("exercise.quiz_predict_prompt"),
    };
    let chosen = ui.select(&prompt, choices).filter(|&i| i < choices.len())?;
    let verdict = match quiz::grade(quiz, chosen, lesson, env) {
        Ok(graded) => {
            if let Some(seen) = &graded.observation {
                ui.show(Show::Command(&seen.command));
                if !seen.output.is_empty() {
                    ui.show(Show::Output(&seen.output));
                }
                ui.show(Show::Note(&t!(
                    "exercise.quiz_outcome",
                    status = seen.status,
                    outcome = seen.outcome.name()
                )));
                for note in &seen.notes {
                    ui.show(Show::Note(note));
                }
            }
            let right: Vec<&str> = graded.right.iter().map(|&i| choices[i].as_str()).collect();
            if graded.correct {
                ui.show(Show::Verdict(&Verdict::Pass));
                ui.show(Show::Note(&t!("exercise.quiz_right")));
                Verdict::Pass
            } else {
                let difference = t!("exercise.quiz_wrong", answer = right.join(" / "));
                ui.show(Show::Note(&difference));
                Verdict::Fail { difference }
            }
        }
        Err(NotGraded::Skipped(reason)) => {
            let verdict = Verdict::Skipped { reason };
            ui.show(Show::Verdict(&verdict));
            verdict
        }
        Err(NotGraded::Error(failure)) => {
            let verdict = Verdict::Error { message: failure.message, hints: failure.hints };
            ui.show(Show::Verdict(&verdict));
            verdict
        }
    };
    if !quiz.explain.is_empty() {
        ui.show(Show::Text(&quiz.explain));
    }
    Some(verdict)
}

/// `socklab practice` options.
#[derive(Debug, Clone, clap::Args)]
pub struct PracticeArgs {
    /// Lessons whose exercises and quizzes to do, by id (all that have some when none is
    /// named).
    #[arg(value_name = "LESSON")]
    pub names: Vec<String>,
    /// The run-shaping options (global ones, filled in from the whole command line).
    #[arg(skip)]
    pub options: crate::run_setup::RunOptions,
}

/// `socklab practice`: the exercises and quizzes, interactively, without the steps.
pub fn main(args: &PracticeArgs) -> Result<std::process::ExitCode, Failure> {
    use std::io::IsTerminal;
    let lessons = crate::run_setup::load(&args.options)?;
    let selected = crate::run_setup::select(&lessons, &args.names)?;
    let chosen: Vec<&Lesson> =
        selected.into_iter().filter(|l| !l.exercises.is_empty() || !l.quizzes.is_empty()).collect();
    if chosen.is_empty() {
        return Err(Failure::usage(t!("exercise.nothing_to_practise")));
    }
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Failure::usage(t!("exercise.practice_needs_terminal"))
            .hint(t!("exercise.practice_needs_terminal_hint")));
    }
    // Into the student's lasting lab, made if none is running (before any thread): the
    // student builds in `socklab shell`, in the same lab.
    let purpose = crate::isolation::Purpose::Exercises { create: true };
    let prepared = crate::run_setup::prepare(&args.options, &lessons, purpose)?;
    let placement = &prepared.placement;
    let env = Environment::detect();
    let mut progress = Progress::load()?;
    crate::runner::cleanup::install_signal_handler();
    let mut ui = crate::ui::terminal::TerminalUi::new();
    let mut tally = Tally::default();
    let count = chosen.len();
    for (index, lesson) in chosen.into_iter().enumerate() {
        let lesson = crate::runner::session::resolve(lesson, &env, placement)?;
        ui.show(Show::Lesson { title: &lesson.title, number: index + 1, count });
        let ending = run_lesson(&lesson, &env, &mut progress, &mut ui, &mut tally);
        progress.save()?;
        if ending == Ending::Quit {
            ui.show(Show::Text(&t!("runner.quit_saved")));
            break;
        }
    }
    ui.show(Show::Text(&tally.summary()));
    Ok(if tally.all_passed() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(crate::error::EXIT_FAILURE)
    })
}
