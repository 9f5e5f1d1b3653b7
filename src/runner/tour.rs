//! The interactive tour: lesson after lesson, step by step, nothing advancing by itself.
//!
//! For each step the student sees the command as they would type it and a short
//! explanation, then chooses to run it, skip it, read more, or quit; after running, the
//! output, the verdict and what to notice in it. After a lesson's steps, its exercises and
//! quizzes are offered ([`practice`]). Everything goes through [`Ui`], so the tour is tested
//! with a scripted interface.

use crate::error::Failure;
use crate::exercise::practice;
use crate::lesson::values::Placement;
use crate::lesson::{Action, Lesson, Step};
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::session::Session;
use crate::runner::verdict::{Tally, Verdict};
use crate::t;
use crate::ui::{Show, StepChoice, Ui};

/// Where the "read more" text of a step comes from (the book's section for it, as markdown).
pub type ReadMore<'a> = &'a dyn Fn(&Lesson, &Step) -> Option<String>;

/// How a lesson of the tour ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Finished,
    Quit,
}

/// Runs the tour from lesson `start` (or where the student left off).
pub fn run(
    lessons: &[Lesson],
    start: Option<usize>,
    env: &Environment,
    placement: &Placement,
    progress: &mut Progress,
    read_more: ReadMore<'_>,
    ui: &mut dyn Ui,
) -> Result<Tally, Failure> {
    let mut tally = Tally::default();
    let Some(mut index) = start.or_else(|| progress.resume_at(lessons)) else {
        ui.show(Show::Text(&t!("runner.all_done")));
        return Ok(tally);
    };
    loop {
        let lesson = &lessons[index];
        let ending = run_lesson(
            lesson,
            index,
            lessons.len(),
            env,
            placement,
            progress,
            read_more,
            ui,
            &mut tally,
        )?;
        progress.save()?;
        if ending == Ending::Quit {
            if crate::runner::cleanup::interrupted().is_none() {
                ui.show(Show::Text(&t!("runner.quit_saved")));
            }
            break;
        }
        index += 1;
        if index >= lessons.len() {
            ui.show(Show::Text(&t!("runner.tour_complete")));
            break;
        }
        let next = &lessons[index];
        let offer = if next.extra && !lessons[index - 1].extra {
            t!("runner.offer_extra", title = next.title)
        } else {
            t!("runner.next_lesson", title = next.title)
        };
        if !ui.confirm(&offer, true) {
            let done = if next.extra { "runner.tour_complete" } else { "runner.quit_saved" };
            ui.show(Show::Text(&t!(done)));
            break;
        }
    }
    Ok(tally)
}

#[allow(clippy::too_many_arguments)]
fn run_lesson(
    lesson: &Lesson,
    index: usize,
    count: usize,
    env: &Environment,
    placement: &Placement,
    progress: &mut Progress,
    read_more: ReadMore<'_>,
    ui: &mut dyn Ui,
    tally: &mut Tally,
) -> Result<Ending, Failure> {
    let mut session = Session::new(lesson, env, placement)?;
    ui.show(Show::Lesson { title: &lesson.title, number: index + 1, count });
    let done_before = progress.done_in(lesson);
    if done_before > 0 && done_before < lesson.steps.len() {
        ui.show(Show::Note(&t!(
            "runner.lesson_restarts",
            done = done_before,
            total = lesson.steps.len()
        )));
    }
    // Lesson texts name values ({tcp}); the student reads the ones this run really uses.
    let fill = |text: &str| session.values().substitute(text);
    if !lesson.intro.is_empty() {
        ui.show(Show::Text(&fill(&lesson.intro)));
    }
    for note in session.opening_notes() {
        ui.show(Show::Note(&note));
    }
    let mut all_done = true;
    for (number, step) in lesson.steps.iter().enumerate() {
        ui.show(Show::Step { title: &step.title, number: number + 1, count: lesson.steps.len() });
        if !step.explain.is_empty() {
            ui.show(Show::Text(&session.values().substitute(&step.explain)));
        }
        match session.command_text(step) {
            Some(command) => ui.show(Show::Command(&command)),
            None => {
                if let Action::Check(_) = step.action {
                    ui.show(Show::Note(&t!("runner.check_by_socklab")));
                }
            }
        }
        let result = loop {
            match ui.step_choice() {
                StepChoice::Run => break Some((session.run_step(step), false)),
                StepChoice::Skip => break Some((session.skip_step(step), true)),
                StepChoice::More => {
                    let more = read_more(lesson, step).unwrap_or_else(|| t!("runner.no_more"));
                    ui.show(Show::Text(&more));
                }
                StepChoice::Quit => break None,
            }
        };
        if crate::runner::cleanup::interrupted().is_some() {
            return Ok(Ending::Quit);
        }
        let Some((result, skipped_by_student)) = result else {
            drop(session);
            return Ok(Ending::Quit);
        };
        for line in &result.preface {
            ui.show(Show::Note(line));
        }
        if !result.observed.is_empty() {
            ui.show(Show::Output(&result.observed));
        }
        if result.status != 0 {
            ui.show(Show::Note(&t!("runner.exit_status", status = result.status)));
        }
        if let (Verdict::Fail { .. }, Some(expected)) = (&result.verdict, &result.expected) {
            ui.show(Show::Expected(expected));
        }
        ui.show(Show::Verdict(&result.verdict));
        for note in &result.notes {
            ui.show(Show::Note(note));
        }
        if matches!(result.verdict, Verdict::Pass) && !step.notice.is_empty() {
            ui.show(Show::Text(&session.values().substitute(&step.notice)));
        }
        tally.add(&result.verdict);
        if result.verdict.is_done() && !skipped_by_student {
            progress.mark_done(&lesson.id, &step.id);
        } else {
            all_done = false;
        }
    }
    let outro = session.values().substitute(&lesson.outro);
    drop(session);
    if !outro.is_empty() {
        ui.show(Show::Text(&outro));
    }
    if all_done {
        progress.mark_finished(&lesson.id);
    }
    let (exercises, quizzes) = (lesson.exercises.len(), lesson.quizzes.len());
    if exercises + quizzes > 0
        && ui.confirm(&t!("exercise.offer", exercises = exercises, quizzes = quizzes), true)
        && practice::run_lesson(lesson, env, placement, progress, ui, tally)?
            == practice::Ending::Quit
    {
        return Ok(Ending::Quit);
    }
    Ok(Ending::Finished)
}
