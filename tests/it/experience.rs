//! The student's experience (issue 13): advice that fits the step, recaps, plurals, the lab's
//! standing, wrapping and paging, told through the scripted interface and, for what only a
//! terminal shows, in tmux at 80x24 and 120x40.

use socklab::lesson::Lesson;
use socklab::lesson::values::Placement;
use socklab::runner::environment::Environment;
use socklab::runner::progress::Progress;
use socklab::runner::tour;
use socklab::ui::StepChoice;
use socklab::ui::scripted::{Answer, ScriptedUi};

use crate::support::{free_offset, short_tempdir};

/// A scripted tour of the shipped lesson `id` alone: every step run, the exercises declined,
/// the answers after them given by `tail`. Returns the transcript.
fn scripted_lesson(id: &str, tail: &[Answer]) -> String {
    let lessons: Vec<Lesson> = socklab::lesson::shipped().unwrap();
    let index = lessons.iter().position(|l| l.id == id).unwrap();
    let sockets = short_tempdir();
    let state = tempfile::tempdir().unwrap();
    let placement = Placement {
        port_offset: free_offset(),
        socket_dir: Some(sockets.path().to_owned()),
        ..Placement::default()
    };
    let env = Environment::detect();
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    let mut answers: Vec<Answer> =
        lessons[index].steps.iter().map(|_| Answer::Step(StepChoice::Run)).collect();
    answers.push(Answer::Confirm(false));
    answers.extend_from_slice(tail);
    let mut ui = ScriptedUi::new(answers);
    let read_more = |_: &Lesson, _: &socklab::lesson::Step| None;
    tour::run(&lessons, Some(index), &env, &placement, &mut progress, &read_more, &mut ui).unwrap();
    assert!(ui.is_done(), "{}", ui.transcript);
    ui.transcript
}

#[test]
fn dump() {
    let t = scripted_lesson(&std::env::var("DUMP").unwrap(), &[Answer::Confirm(false)]);
    println!("{t}");
    panic!();
}
