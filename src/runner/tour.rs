//! The interactive tour: lesson after lesson, step by step, nothing advancing by itself.
//!
//! For each step the student sees the command as they would type it and a short
//! explanation, then chooses to run it, skip it, read more, or quit; after running, the
//! output, the verdict and what to notice in it. After a lesson's steps, its exercises and
//! quizzes are offered ([`practice`]). Everything goes through [`Ui`], so the tour is tested
//! with a scripted interface.

use crate::error::Failure;
use crate::exercise::practice;
use crate::lesson::Lesson;
use crate::lesson::command::Invocation;
use crate::lesson::resolve::{ConcreteAction, ConcreteLesson, ConcreteStep};
use crate::lesson::values::Placement;
use crate::net::listen::ListenSpec;
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::session::{Session, StepRun};
use crate::runner::verdict::{Tally, Verdict};
use crate::t;
use crate::ui::{Show, StepChoice, Ui, render};

/// Where the "read more" text of a step comes from (the book's section for it, as markdown).
pub type ReadMore<'a> = &'a dyn Fn(&ConcreteLesson, &ConcreteStep) -> Option<String>;

/// How a lesson of the tour ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Finished,
    Quit,
    /// Start the lesson again with every port moved by this much more.
    Move(u16),
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
    let mut placement = placement.clone();
    loop {
        let ending =
            run_lesson(lessons, index, env, &placement, progress, read_more, ui, &mut tally)?;
        progress.save()?;
        if let Ending::Move(offset) = ending {
            placement.port_offset = placement.port_offset.saturating_add(offset);
            let total = placement.port_offset;
            ui.show(Show::Note(&t!("runner.ports_moved", offset = offset, total = total)));
            continue;
        }
        if ending == Ending::Quit {
            if crate::runner::cleanup::interrupted().is_none() {
                ui.show(Show::Text(&t!("runner.quit_saved")));
            }
            break;
        }
        index += 1;
        if index >= lessons.len() {
            ui.show(Show::Text(&t!("runner.tour_complete")));
            tour_recap(lessons, &tally, progress, ui);
            break;
        }
        let next = &lessons[index];
        let offer = if next.extra && !lessons[index - 1].extra {
            t!("runner.offer_extra", title = next.title)
        } else {
            t!("runner.next_lesson", title = next.title)
        };
        if !ui.confirm(&offer, true) {
            if next.extra {
                // Declining the extra lessons ends the tour as the tutorial's last lesson does.
                ui.show(Show::Text(&t!("runner.tour_complete")));
                tour_recap(lessons, &tally, progress, ui);
            } else {
                ui.show(Show::Text(&t!("runner.quit_saved")));
            }
            break;
        }
    }
    Ok(tally)
}

#[allow(clippy::too_many_arguments)]
fn run_lesson(
    lessons: &[Lesson],
    index: usize,
    env: &Environment,
    placement: &Placement,
    progress: &mut Progress,
    read_more: ReadMore<'_>,
    ui: &mut dyn Ui,
    tally: &mut Tally,
) -> Result<Ending, Failure> {
    let count = lessons.len();
    // The lesson as this run places it (again, with the new offset, after a move).
    let resolved = crate::runner::session::resolve(&lessons[index], env, placement)?;
    let lesson = &resolved;
    let mut steps_tally = Tally::default();
    let mut commands: Vec<String> = Vec::new();
    let mut session = Session::new(lesson, env)?;
    ui.show(Show::Lesson { title: &lesson.title, number: index + 1, count });
    ui.show(Show::Text(&Standing::of_lab(lessons, progress).line()));
    let done_before = progress.done_in(&lessons[index]);
    if done_before > 0 && done_before < lesson.steps.len() {
        ui.show(Show::Note(&t!(
            "runner.lesson_restarts",
            done = done_before,
            total = lesson.steps.len()
        )));
    }
    if !lesson.intro.is_empty() {
        ui.show(Show::Text(&lesson.intro));
    }
    for note in session.opening_notes() {
        ui.show(Show::Note(&note));
    }
    let mut all_done = true;
    for (number, step) in lesson.steps.iter().enumerate() {
        let id = format!("{}/{}", lesson.id, step.id);
        let count = lesson.steps.len();
        ui.show(Show::Step { title: &step.title, number: number + 1, count, id: &id });
        if !step.explain.is_empty() {
            ui.show(Show::Text(&step.explain));
        }
        match session.command_text(step) {
            Some(command) => ui.show(Show::Command(&command)),
            None => {
                if let ConcreteAction::Check(_) = step.action {
                    ui.show(Show::Note(&t!("runner.check_by_socklab")));
                }
            }
        }
        let mut chosen = loop {
            match ui.step_choice() {
                StepChoice::Run => break Some((session.run_step(step), false)),
                StepChoice::Skip => break Some((session.skip_step(step), true)),
                StepChoice::More => {
                    let more = read_more(lesson, step).unwrap_or_else(|| t!("runner.no_more"));
                    ui.show(Show::Page(&more));
                }
                StepChoice::Quit => break None,
            }
        };
        let (result, skipped_by_student) = loop {
            if crate::runner::cleanup::interrupted().is_some() {
                merge(tally, &steps_tally);
                return Ok(Ending::Quit);
            }
            let Some((result, skipped_by_student)) = chosen else {
                drop(session);
                merge(tally, &steps_tally);
                return Ok(Ending::Quit);
            };
            show_result(step, &result, ui);
            // A port taken by another program: the way out, there and then, rather than an
            // error followed by a lesson of skipped steps.
            if let Some(port) = taken_port(&result) {
                match way_out(port, &session, env, ui) {
                    WayOut::Retry => {
                        session.resume();
                        chosen = Some((session.run_step(step), false));
                        continue;
                    }
                    // The lesson starts again: this attempt's verdicts do not count.
                    WayOut::Move(offset) => return Ok(Ending::Move(offset)),
                    WayOut::GoOn => {}
                    WayOut::Quit => {
                        merge(tally, &steps_tally);
                        return Ok(Ending::Quit);
                    }
                }
            }
            break (result, skipped_by_student);
        };
        steps_tally.add(&result.verdict);
        if !skipped_by_student {
            let (lesson, step, verdict) = (&lesson.id, &step.id, &result.verdict);
            crate::class::note(crate::class::Event::Step { lesson, step, verdict });
        }
        if let Some(command) = result.command.as_ref().filter(|_| !skipped_by_student)
            && !commands.contains(command)
        {
            commands.push(command.clone());
        }
        if result.verdict.is_done() && !skipped_by_student {
            progress.mark_done(&lesson.id, &step.id);
        } else {
            all_done = false;
        }
    }
    merge(tally, &steps_tally);
    drop(session);
    if !lesson.outro.is_empty() {
        ui.show(Show::Text(&lesson.outro));
    }
    if all_done {
        progress.mark_finished(&lesson.id);
    }
    let (exercises, quizzes) = (lesson.exercises.len(), lesson.quizzes.len());
    if exercises + quizzes > 0 {
        let what = match (exercises, quizzes) {
            (_, 0) => t!("exercise.count_exercises", count = exercises),
            (0, _) => t!("exercise.count_quizzes", count = quizzes),
            _ => t!(
                "exercise.count_both",
                exercises = t!("exercise.count_exercises", count = exercises),
                quizzes = t!("exercise.count_quizzes", count = quizzes)
            ),
        };
        ui.show(Show::Text(&t!("exercise.offer", practice = what)));
        if ui.confirm(&t!("exercise.offer_prompt"), true)
            && practice::run_lesson(lesson, env, progress, ui, tally) == practice::Ending::Quit
        {
            return Ok(Ending::Quit);
        }
    }
    recap(lessons, index, &commands, &steps_tally, progress, ui);
    Ok(Ending::Finished)
}

/// Adds the verdicts counted in `from` to `into`.
fn merge(into: &mut Tally, from: &Tally) {
    into.passed += from.passed;
    into.failed += from.failed;
    into.errors += from.errors;
    into.skipped += from.skipped;
}

/// Shows what a step did: the output, the verdict, and what to make of it.
fn show_result(step: &ConcreteStep, result: &StepRun, ui: &mut dyn Ui) {
    // A preface says why the lesson does something (the privileged port it moved, shown by
    // the kernel's refusal; the session gives it once per lesson).
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
        // The difference already shows the expectation; readers see an example of a
        // matching output rather than its patterns.
        match &step.example {
            Some(example) => {
                ui.show(Show::Text(&t!("runner.example_heading")));
                ui.show(Show::Output(example));
            }
            None => ui.show(Show::Expected(expected)),
        }
    }
    ui.show(Show::Verdict(&result.verdict));
    let passed = matches!(result.verdict, Verdict::Pass);
    // After a pass, the lesson's own notice explains the result; the tool's generic notes
    // would say the same thing twice.
    if !passed || step.notice.is_empty() {
        for note in &result.notes {
            ui.show(Show::Note(note));
        }
    }
    // Advice is for results nobody wanted: a step that means to hit a closed port gets none.
    if !passed {
        for advice in &result.advice {
            ui.show(Show::Note(advice));
        }
    }
    if passed && !step.notice.is_empty() {
        ui.show(Show::Text(&step.notice));
    }
}

/// The port a listening step could not bind because another socket holds it.
fn taken_port(result: &StepRun) -> Option<u16> {
    if !matches!(result.verdict, Verdict::Error { .. }) {
        return None;
    }
    let parsed = crate::lesson::command::parse(result.command.as_deref()?).ok()?;
    let Invocation::Listen(spec) = parsed.invocation else { return None };
    let addr = spec.socket_addr()?;
    in_use(&spec, addr).then_some(addr.port())
}

/// Whether binding `addr` as `spec` would fail with EADDRINUSE now: tried with a socket of
/// the same kind and options (SO_REUSEADDR for TCP, as socat sets it, so a connection in
/// TIME-WAIT does not count; none for UDP, where both holders would need it).
fn in_use(spec: &ListenSpec, addr: std::net::SocketAddr) -> bool {
    use socket2::{Domain, Socket, Type};
    let stream = spec.kind.is_stream();
    let kind = if stream { Type::STREAM } else { Type::DGRAM };
    let Ok(socket) = Socket::new(Domain::for_address(addr), kind, None) else { return false };
    let _ = socket.set_reuse_address(stream);
    if addr.is_ipv6()
        && let Some(only) = spec.ipv6only
    {
        let _ = socket.set_only_v6(only);
    }
    matches!(socket.bind(&addr.into()), Err(err) if err.kind() == std::io::ErrorKind::AddrInUse)
}

/// Whether `port` can be bound now, for TCP and UDP, on every IPv4 address (and IPv6 ones).
fn port_free(port: u16, ipv6: bool) -> bool {
    use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};
    let v4 = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()
        && UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok();
    let v6 = !ipv6
        || (TcpListener::bind((Ipv6Addr::UNSPECIFIED, port)).is_ok()
            && UdpSocket::bind((Ipv6Addr::UNSPECIFIED, port)).is_ok());
    v4 && v6
}

/// What the student chose after a port was found taken.
enum WayOut {
    Retry,
    Move(u16),
    GoOn,
    Quit,
}

/// The smallest offset, in steps of 1000, that moves every port of the lesson to a free one.
fn free_offset(session: &Session<'_>, env: &Environment) -> Option<u16> {
    let ports: Vec<u16> = session.values().ports.iter().map(|p| p.port).collect();
    (1..=30u16).map(|n| n * 1000).find(|offset| {
        ports.iter().all(|port| port.checked_add(*offset).is_some_and(|p| port_free(p, env.ipv6)))
    })
}

/// Offers the ways out of a taken port: try again (once the student freed it), move the
/// lesson's ports, go on, or quit (and use the lab, whose ports are its own).
fn way_out(port: u16, session: &Session<'_>, env: &Environment, ui: &mut dyn Ui) -> WayOut {
    let offset = free_offset(session, env);
    ui.show(Show::Text(&t!("runner.port_taken", port = port)));
    let mut items = vec![t!("runner.way_retry")];
    if let Some(offset) = offset {
        items.push(t!("runner.way_move", offset = offset));
    }
    items.push(t!("runner.way_go_on"));
    items.push(t!("runner.way_quit"));
    let picked = ui.select(&t!("runner.way_prompt"), &items);
    let moved = usize::from(offset.is_some());
    match (picked, offset) {
        (Some(0), _) => WayOut::Retry,
        (Some(1), Some(offset)) => WayOut::Move(offset),
        (Some(n), _) if n == 1 + moved => WayOut::GoOn,
        _ => {
            ui.show(Show::Text(&t!("runner.way_quit_hint", offset = offset.unwrap_or(1000))));
            WayOut::Quit
        }
    }
}

/// How far the student is: steps, exercises and quizzes done, each as (done, total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub steps: (usize, usize),
    pub exercises: (usize, usize),
    pub quizzes: (usize, usize),
}

impl Standing {
    /// The standing in one lesson, from the saved progress.
    pub fn of(lesson: &Lesson, progress: &Progress) -> Self {
        let record = progress.lesson(&lesson.id);
        let done = |ids: &mut dyn Iterator<Item = &String>| {
            ids.filter(|id| record.done.contains(*id)).count()
        };
        Self {
            steps: (progress.done_in(lesson), lesson.steps.len()),
            exercises: (done(&mut lesson.exercises.iter().map(|e| &e.id)), lesson.exercises.len()),
            quizzes: (done(&mut lesson.quizzes.iter().map(|q| &q.id)), lesson.quizzes.len()),
        }
    }

    /// Whether anything of the lesson is done: a step, an exercise or a quiz.
    pub fn is_started(&self) -> bool {
        self.steps.0 + self.exercises.0 + self.quizzes.0 > 0
    }

    /// The standing in the whole lab: the lessons [`counted`] in it, added up.
    pub fn of_lab(lessons: &[Lesson], progress: &Progress) -> Self {
        let add = |a: (usize, usize), b: (usize, usize)| (a.0 + b.0, a.1 + b.1);
        counted(lessons, progress).map(|l| Self::of(l, progress)).fold(
            Self::default(),
            |sum, one| Self {
                steps: add(sum.steps, one.steps),
                exercises: add(sum.exercises, one.exercises),
                quizzes: add(sum.quizzes, one.quizzes),
            },
        )
    }

    /// Three rows, one each for steps, exercises and quizzes, with a bar.
    pub fn rows(&self) -> String {
        [
            ("runner.standing_steps", self.steps),
            ("runner.standing_exercises", self.exercises),
            ("runner.standing_quizzes", self.quizzes),
        ]
        .iter()
        .map(|(key, (done, total))| format!("{:<10} {}", t!(key), render::bar(*done, *total)))
        .collect::<Vec<_>>()
        .join("\n")
    }

    /// One line for the whole lab: `Your place in the lab: steps [###-------] 9/37, …`.
    pub fn line(&self) -> String {
        t!(
            "runner.lab_standing",
            steps = render::bar(self.steps.0, self.steps.1),
            exercises = format!("{}/{}", self.exercises.0, self.exercises.1),
            quizzes = format!("{}/{}", self.quizzes.0, self.quizzes.1)
        )
    }
}

/// The lessons the lab's standing counts: the tutorial's, and an extra lesson once the student
/// has started it. An extra lesson is offered, not owed: until then the tutorial alone can be
/// complete.
pub fn counted<'a>(
    lessons: &'a [Lesson],
    progress: &'a Progress,
) -> impl Iterator<Item = &'a Lesson> + 'a {
    lessons.iter().filter(|lesson| !lesson.extra || Standing::of(lesson, progress).is_started())
}

/// The end of a lesson: what the student saw (the lesson's outro was just shown), the
/// commands, their score, and what to do next (exercises and quizzes not done yet, the next
/// lesson).
fn recap(
    lessons: &[Lesson],
    index: usize,
    commands: &[String],
    steps: &Tally,
    progress: &Progress,
    ui: &mut dyn Ui,
) {
    let lesson = &lessons[index];
    ui.show(Show::Heading(&t!("runner.recap_heading", title = lesson.title)));
    if !commands.is_empty() {
        ui.show(Show::Text(&t!("runner.recap_commands")));
        ui.show(Show::Output(
            &commands.iter().map(|c| format!("$ {c}")).collect::<Vec<_>>().join("\n"),
        ));
    }
    let standing = Standing::of(lesson, progress);
    ui.show(Show::Text(&t!(
        "runner.recap_score",
        passed = steps.passed,
        total = lesson.steps.len()
    )));
    ui.show(Show::Output(&standing.rows()));
    let record = progress.lesson(&lesson.id);
    let open: Vec<String> = lesson
        .exercises
        .iter()
        .map(|e| (&e.id, &e.title))
        .chain(lesson.quizzes.iter().map(|q| (&q.id, &q.title)))
        .filter(|(id, _)| !record.done.contains(*id))
        .map(|(_, title)| format!("- {title}"))
        .collect();
    if !open.is_empty() {
        ui.show(Show::Text(&t!(
            "runner.recap_open",
            count = open.len(),
            lesson = lesson.id,
            list = open.join("\n")
        )));
    }
}

/// The end of the tour: the standing of every lesson [`counted`] in the lab, the lab's, and what
/// is left to do.
fn tour_recap(lessons: &[Lesson], tally: &Tally, progress: &Progress, ui: &mut dyn Ui) {
    ui.show(Show::Heading(&t!("runner.tour_recap_heading")));
    let rows: Vec<String> = counted(lessons, progress)
        .map(|lesson| {
            let s = Standing::of(lesson, progress);
            t!(
                "runner.tour_recap_row",
                title = lesson.title,
                steps = render::bar(s.steps.0, s.steps.1),
                exercises = render::bar(s.exercises.0, s.exercises.1),
                quizzes = render::bar(s.quizzes.0, s.quizzes.1)
            )
        })
        .collect();
    ui.show(Show::Output(&rows.join("\n")));
    ui.show(Show::Text(&Standing::of_lab(lessons, progress).line()));
    ui.show(Show::Text(&t!("runner.tour_recap_score", summary = tally.summary())));
    let open: Vec<&str> = counted(lessons, progress)
        .filter(|lesson| {
            let s = Standing::of(lesson, progress);
            s.exercises.0 < s.exercises.1 || s.quizzes.0 < s.quizzes.1
        })
        .map(|lesson| lesson.id.as_str())
        .collect();
    if open.is_empty() {
        ui.show(Show::Text(&t!("runner.tour_recap_all_done")));
    } else {
        ui.show(Show::Text(&t!("runner.tour_recap_open", lessons = open.join(" "))));
    }
}
