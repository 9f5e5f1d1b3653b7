//! Exercises and quizzes: every shipped exercise fails while nothing is done and passes once
//! its solution is carried out (by socklab's own listen in-process, and by the real socat and
//! nc); wrong attempts are told what differs and the likely mistake; quizzes are graded right
//! and wrong through the scripted prompt interface; `socklab check` (exit statuses, JSON,
//! JUnit XML) and `socklab lint` (shipped lessons clean, planted problems found).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use socklab::exercise::check::{self, CheckResult};
use socklab::exercise::practice;
use socklab::exercise::quiz;
use socklab::lesson::Lesson;
use socklab::lesson::Need;
use socklab::lesson::exercise::Exercise;
use socklab::lesson::resolve::ConcreteLesson;
use socklab::lesson::values::{Placement, Resolved};
use socklab::net::listen::{ListenSpec, Listener};
use socklab::runner::environment::Environment;
use socklab::runner::progress::Progress;
use socklab::runner::session::Session;
use socklab::runner::verdict::{Tally, Verdict};
use socklab::ui::scripted::{Answer, ScriptedUi};
use socklab::ui::{Show, StepChoice, Ui};

use crate::support::{Lab, fixture, free_offset_for, have_tool, short_tempdir};

/// How long a check may wait for a socket the test just started.
const WAIT: Duration = Duration::from_secs(5);
/// How long a check of a deliberately wrong attempt polls before it is judged.
const WRONG_WAIT: Duration = Duration::from_millis(300);

fn shipped() -> Vec<Lesson> {
    socklab::lesson::shipped().unwrap()
}

/// Every port the lessons declare (tutorial and unprivileged ones), plus `extra`.
fn lesson_ports(lessons: &[Lesson], extra: &[u16]) -> Vec<u16> {
    let mut ports: Vec<u16> = lessons
        .iter()
        .flat_map(|l| &l.values.ports)
        .flat_map(|p| std::iter::once(p.port).chain(p.unprivileged))
        .chain(extra.iter().copied())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// An offset that leaves every port of the shipped lessons free, staying below the ephemeral
/// range.
fn free_offset(lessons: &[Lesson], extra: &[u16]) -> u16 {
    let ports = lesson_ports(lessons, extra);
    let highest = ports.iter().copied().max().unwrap_or(0);
    free_offset_for(&ports, 10_000..(32_000 - highest))
}

fn placement(offset: u16, sockets: &Path) -> Placement {
    Placement { port_offset: offset, socket_dir: Some(sockets.to_owned()), ..Placement::default() }
}

/// Each shipped exercise with its lesson.
/// The tutorial's exercises (those `socklab check` grades unnamed); the extra lesson's, on
/// its simulated hosts, are tested in tests/it/firewall.rs.
fn exercises(lessons: &[Lesson]) -> Vec<(&Lesson, &Exercise)> {
    let tutorial = lessons.iter().filter(|l| !l.extra);
    tutorial.flat_map(|l| l.exercises.iter().map(move |e| (l, e))).collect()
}

fn runnable(exercise: &Exercise, env: &Environment) -> bool {
    let ok = env.ipv6 || !exercise.needs.contains(&Need::Ipv6);
    if !ok {
        eprintln!("notice: IPv6 is not available; skipping exercise {}", exercise.id);
    }
    ok
}

fn find<'a>(lessons: &'a [Lesson], lesson: &str, exercise: &str) -> (&'a Lesson, &'a Exercise) {
    let lesson = lessons.iter().find(|l| l.id == lesson).unwrap();
    (lesson, lesson.exercises.iter().find(|e| e.id == exercise).unwrap())
}

/// `lesson` resolved for this run.
fn resolved(lesson: &Lesson, env: &Environment, placement: &Placement) -> ConcreteLesson {
    socklab::runner::session::resolve(lesson, env, placement).unwrap()
}

/// Opens a listener in-process from a socat address with `{values}` filled in.
fn listen(values: &Resolved, address: &str) -> Listener {
    let spec: ListenSpec = values.substitute(address).parse().unwrap();
    Listener::open(&spec).unwrap()
}

/// Waits until `path` exists (a socket file a real tool is about to create).
fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + WAIT;
    while !path.exists() {
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Real programs a test started; killed and reaped when dropped.
#[derive(Default)]
struct Children(Vec<Child>);

impl Children {
    fn spawn(&mut self, program: &str, args: &[String]) {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.0.push(child);
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Carries out a solution line with the real tools: `socat … &` is started, `chmod` is run.
fn carry_out_for_real(line: &str, children: &mut Children) {
    let mut words = socklab::lesson::command::split_words(line).unwrap();
    if words.last().is_some_and(|w| w == "&") {
        words.pop();
    }
    match words[0].as_str() {
        "socat" => children.spawn("socat", &words[1..]),
        "chmod" => {
            let path = PathBuf::from(words.last().unwrap());
            wait_for_file(&path);
            let status = Command::new("chmod").args(&words[1..]).status().unwrap();
            assert!(status.success(), "{line}");
        }
        other => panic!("no real tool for solution line {other:?}"),
    }
}

#[test]
fn every_lesson_but_setup_has_at_least_two_exercises_and_the_quizzes_have_both_kinds() {
    let lessons = shipped();
    for id in ["tcp", "udp", "unix"] {
        let lesson = lessons.iter().find(|l| l.id == id).unwrap();
        assert!(lesson.exercises.len() >= 2, "{id} has {} exercises", lesson.exercises.len());
        for exercise in &lesson.exercises {
            assert!(exercise.hints.len() >= 2, "{}: one hint is no levels", exercise.id);
        }
    }
    let quizzes: Vec<_> = lessons.iter().flat_map(|l| &l.quizzes).collect();
    use socklab::lesson::exercise::QuizKind;
    assert!(quizzes.iter().any(|q| matches!(q.kind, QuizKind::Choice { .. })));
    assert!(quizzes.iter().any(|q| matches!(q.kind, QuizKind::Predict { .. })));
}

#[test]
fn every_shipped_exercise_fails_untouched_and_passes_with_its_solution_run_in_process() {
    let lessons = shipped();
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let mut passed = 0;
    for (lesson, exercise) in exercises(&lessons) {
        if !runnable(exercise, &env) {
            continue;
        }
        let placed = resolved(lesson, &env, &placement);
        let exercise = placed.exercise(&exercise.id).unwrap();
        let before = check::check(exercise, &env);
        assert!(
            matches!(&before, CheckResult::Fail { found: None, differences, .. } if differences.len() == 1),
            "{}: doing nothing must fail with 'nothing there': {before:?}",
            exercise.id
        );
        let mut session = Session::new(&placed, &env).unwrap();
        for line in &exercise.solution {
            let run = quiz::run_line(&mut session, &exercise.id, line);
            assert_eq!(run.verdict, Verdict::Pass, "{}: {}: {run:?}", exercise.id, line.shown);
        }
        let after = check::check_until(exercise, &env, Instant::now() + WAIT);
        assert!(after.passed(), "{}: the solution must pass: {after:?}", exercise.id);
        drop(session);
        let again = check::check(exercise, &env);
        assert!(!again.passed(), "{}: passes after the solution stopped: {again:?}", exercise.id);
        passed += 1;
    }
    assert!(passed >= 4, "only {passed} exercises could run");
    assert_eq!(std::fs::read_dir(sockets.path()).unwrap().count(), 0, "socket files left behind");
}

#[test]
fn every_shipped_exercise_passes_when_the_real_socat_carries_out_its_solution() {
    if !have_tool("socat") || !have_tool("chmod") {
        return;
    }
    let lessons = shipped();
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    for (lesson, exercise) in exercises(&lessons) {
        if !runnable(exercise, &env) {
            continue;
        }
        let placed = resolved(lesson, &env, &placement);
        let exercise = placed.exercise(&exercise.id).unwrap();
        assert!(!check::check(exercise, &env).passed(), "{}", exercise.id);
        let mut children = Children::default();
        for line in &exercise.solution {
            carry_out_for_real(&line.plain, &mut children);
        }
        let after = check::check_until(exercise, &env, Instant::now() + WAIT);
        assert!(after.passed(), "{} with the real socat: {after:?}", exercise.id);
    }
}

#[test]
fn the_real_nc_passes_and_fails_as_socklab_says() {
    if !have_tool("nc") || !have_tool("chmod") {
        return;
    }
    let lessons = shipped();
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    // (lesson, exercise, nc's arguments, whether it is a right answer)
    let cases: &[(&str, &str, &str, bool)] = &[
        ("tcp", "loopback-listener", "-l 127.0.0.1 {ex_loopback}", true),
        ("udp", "loopback-datagrams", "-u -l 127.0.0.1 {ex_udp_loopback}", true),
        ("unix", "private-datagram-socket", "-l -u -U {ex_private}", true),
        // nc leaves IPV6_V6ONLY as the system has it: a dual-stack listener.
        ("tcp", "ipv6-only-listener", "-6 -l :: {ex_v6only}", false),
    ];
    for (lesson_id, exercise_id, args, right) in cases {
        let (lesson, exercise) = find(&lessons, lesson_id, exercise_id);
        if !runnable(exercise, &env) {
            continue;
        }
        let placed = resolved(lesson, &env, &placement);
        let (values, exercise) = (&placed.values, placed.exercise(&exercise.id).unwrap());
        let args: Vec<String> =
            values.substitute(args).split_whitespace().map(str::to_owned).collect();
        let mut children = Children::default();
        children.spawn("nc", &args);
        if exercise_id.starts_with("private") {
            carry_out_for_real(&values.substitute("chmod 600 {ex_private}"), &mut children);
        }
        let result = check::check_until(exercise, &env, Instant::now() + WAIT);
        if *right {
            assert!(result.passed(), "{exercise_id} with nc {args:?}: {result:?}");
        } else {
            let sysctl =
                std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only").unwrap_or_default();
            if sysctl.trim() == "1" {
                eprintln!("notice: net.ipv6.bindv6only=1 here, so nc's listener is IPv6-only");
                assert!(result.passed(), "{result:?}");
                continue;
            }
            let details = result.details().join("\n");
            assert!(details.contains("ipv6only: expected true, found false"), "{details}");
            assert!(
                details.contains("likely mistake:") && details.contains("ipv6only=1"),
                "{details}"
            );
        }
    }
}

#[test]
fn wrong_attempts_are_told_what_differs_and_the_likely_mistake() {
    let lessons = shipped();
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let attempt = |lesson: &str, exercise: &str, address: &str| {
        let (lesson, exercise) = find(&lessons, lesson, exercise);
        let placed = resolved(lesson, &env, &placement);
        let (values, exercise) = (&placed.values, placed.exercise(&exercise.id).unwrap());
        let listener = listen(values, address);
        // The wrong socket is in the kernel's tables as soon as `listen` returns; waiting the
        // full deadline for it to turn right would only slow the suite.
        let result = check::check_until(exercise, &env, Instant::now() + WRONG_WAIT);
        drop(listener);
        assert!(!result.passed(), "{address} must not pass {}", exercise.id);
        result.details().join("\n")
    };
    if env.ipv6 {
        // Dual-stack instead of IPv6-only.
        let details = attempt("tcp", "ipv6-only-listener", "TCP6-LISTEN:{ex_v6only},ipv6only=0");
        assert!(details.contains("found TCP LISTEN on *:"), "{details}");
        assert!(details.contains("ipv6only: expected true, found false"), "{details}");
        assert!(!details.contains("family:"), "only ipv6only differs:\n{details}");
        assert!(
            details.contains("likely mistake: It listens on IPv6 but takes IPv4 too"),
            "{details}"
        );
        // UDP where TCP was asked for: found anyway, and named.
        let details = attempt("tcp", "ipv6-only-listener", "UDP6-LISTEN:{ex_v6only},ipv6only=1");
        assert!(details.contains("kind: expected tcp, found udp"), "{details}");
        assert!(details.contains("likely mistake: That is a UDP socket"), "{details}");
    }
    let details = attempt("tcp", "loopback-listener", "TCP4-LISTEN:{ex_loopback}");
    assert!(details.contains("address: expected 127.0.0.1, found 0.0.0.0"), "{details}");
    assert!(details.contains("Add bind=127.0.0.1"), "{details}");
    let details = attempt("tcp", "deeper-backlog", "TCP4-LISTEN:{ex_backlog}");
    assert!(details.contains("backlog: expected 16, found 5"), "{details}");
    assert!(details.contains("socat's default"), "{details}");
    let details = attempt("unix", "stream-queue", "UNIX-RECVFROM:{ex_queue}");
    assert!(details.contains("kind: expected unix-stream, found unix-datagram"), "{details}");
    assert!(details.contains("which never listens"), "{details}");
    // The right socket without the chmod: the mode differs (unless the umask already gives
    // 0600).
    let umask = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Umask:").map(|v| u32::from_str_radix(v.trim(), 8).unwrap()));
    if umask.is_some_and(|mask| 0o777 & !mask != 0o600) {
        let details = attempt("unix", "private-datagram-socket", "UNIX-RECVFROM:{ex_private}");
        let made = format!("{:04o}", 0o777 & !umask.unwrap());
        assert!(details.contains(&format!("mode: expected 0600, found {made}")), "{details}");
    }
}

#[test]
fn a_left_over_socket_file_or_a_plain_file_is_not_a_socket() {
    let lessons = shipped();
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let (lesson, exercise) = find(&lessons, "unix", "private-datagram-socket");
    let placed = resolved(lesson, &env, &placement);
    let exercise = placed.exercise(&exercise.id).unwrap();
    let path = placed.values.path("ex_private").unwrap().to_owned();
    // std's UnixDatagram leaves its file behind when dropped: a stale socket file.
    drop(std::os::unix::net::UnixDatagram::bind(&path).unwrap());
    let details = check::check(exercise, &env).details().join("\n");
    assert!(details.contains("no socket is bound to it any more"), "{details}");
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, "").unwrap();
    let details = check::check(exercise, &env).details().join("\n");
    assert!(details.contains("is a regular empty file, not a socket file"), "{details}");
    std::fs::remove_file(&path).unwrap();
}

/// A [`Ui`] that answers from a script and, before chosen prompts, acts as the student would
/// in their other terminal.
struct ActingUi {
    script: ScriptedUi,
    acts: VecDeque<Option<Box<dyn FnMut()>>>,
}

impl Ui for ActingUi {
    fn show(&mut self, item: Show<'_>) {
        self.script.show(item);
    }
    fn step_choice(&mut self) -> StepChoice {
        self.script.step_choice()
    }
    fn confirm(&mut self, question: &str, default: bool) -> bool {
        self.script.confirm(question, default)
    }
    fn select(&mut self, prompt: &str, items: &[String]) -> Option<usize> {
        if let Some(Some(mut act)) = self.acts.pop_front() {
            act();
        }
        self.script.select(prompt, items)
    }
}

/// The lesson with only the named exercise (no quizzes), for driving one exercise.
fn only_exercise(lessons: &[Lesson], lesson: &str, exercise: &str) -> Lesson {
    let mut lesson = lessons.iter().find(|l| l.id == lesson).unwrap().clone();
    lesson.exercises.retain(|e| e.id == exercise);
    lesson.quizzes.clear();
    lesson
}

#[test]
fn an_exercise_in_the_tour_gives_hints_tells_the_mistake_then_passes() {
    let lessons = shipped();
    let lesson = only_exercise(&lessons, "tcp", "loopback-listener");
    let sockets = short_tempdir();
    let state = tempfile::tempdir().unwrap();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let lesson = resolved(&lesson, &env, &placement);
    let values = lesson.values.clone();
    let held: Rc<RefCell<Vec<Listener>>> = Rc::default();
    let (wrong, right) = (held.clone(), held.clone());
    let (v1, v2) = (values.clone(), values.clone());
    // Prompt 1: a hint. Prompt 2: check, after listening on every address (the mistake).
    // Prompt 3: check, after listening on the loopback address only.
    let acts: VecDeque<Option<Box<dyn FnMut()>>> = VecDeque::from([
        None,
        Some(Box::new(move || wrong.borrow_mut().push(listen(&v1, "TCP4-LISTEN:{ex_loopback}")))
            as Box<dyn FnMut()>),
        Some(Box::new(move || {
            right.borrow_mut().clear();
            right.borrow_mut().push(listen(&v2, "TCP4-LISTEN:{ex_loopback},bind=127.0.0.1"));
        })),
    ]);
    let script = ScriptedUi::new([
        Answer::Select(Some(1)),
        Answer::Select(Some(0)),
        Answer::Select(Some(0)),
    ]);
    let mut ui = ActingUi { script, acts };
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    let mut tally = Tally::default();
    let ending = practice::run_lesson(&lesson, &env, &mut progress, &mut ui, &mut tally);
    let transcript = &ui.script.transcript;
    assert_eq!(ending, practice::Ending::Finished, "{transcript}");
    assert!(ui.script.is_done(), "{transcript}");
    assert_eq!((tally.passed, tally.failed), (1, 0), "{transcript}");
    let port = values.get("ex_loopback").unwrap();
    assert!(transcript.contains("Hint 1 of 3:"), "{transcript}");
    assert!(transcript.contains("Not yet:"), "{transcript}");
    assert!(transcript.contains("address: expected 127.0.0.1, found 0.0.0.0"), "{transcript}");
    assert!(transcript.contains("likely mistake: It listens on 0.0.0.0"), "{transcript}");
    assert!(transcript.contains(&format!("found TCP LISTEN on 127.0.0.1:{port}")), "{transcript}");
    assert!(transcript.contains("PASS"), "{transcript}");
    assert!(progress.lesson("tcp").done.contains("loopback-listener"));
    assert_eq!(progress.lesson("tcp").hints.get("loopback-listener"), Some(&1));
}

#[test]
fn giving_up_shows_the_solution_with_this_runs_values() {
    let lessons = shipped();
    let lesson = only_exercise(&lessons, "unix", "private-datagram-socket");
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let lesson = resolved(&lesson, &env, &placement);
    // Prompt items: check, hint 1 of 3, give up, skip.
    let mut ui = ScriptedUi::new([Answer::Select(Some(2))]);
    let mut progress = Progress::in_memory();
    let mut tally = Tally::default();
    practice::run_lesson(&lesson, &env, &mut progress, &mut ui, &mut tally);
    let path = sockets.path().join("private.sock");
    let transcript = &ui.transcript;
    assert!(
        transcript.contains(&format!("$ socat UNIX-RECVFROM:{},fork /dev/null &", path.display())),
        "{transcript}"
    );
    assert!(transcript.contains(&format!("$ chmod 600 {}", path.display())), "{transcript}");
    assert_eq!(tally.failed, 1);
    assert!(progress.lesson("unix").done.is_empty());
}

/// The UDP lesson's quizzes alone: a prediction (run for real) and a multiple choice.
fn udp_quizzes(lessons: &[Lesson]) -> Lesson {
    let mut lesson = lessons.iter().find(|l| l.id == "udp").unwrap().clone();
    lesson.exercises.clear();
    lesson
}

#[test]
fn predictions_and_multiple_choice_are_graded_right_through_the_prompt_interface() {
    let lessons = shipped();
    let lesson = udp_quizzes(&lessons);
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let lesson = resolved(&lesson, &env, &placement);
    // The prediction: the second choice ("No"), what the kernel does; the multiple choice:
    // its answer, the second.
    let mut ui = ScriptedUi::new([Answer::Select(Some(1)), Answer::Select(Some(1))]);
    let mut progress = Progress::in_memory();
    let mut tally = Tally::default();
    practice::run_lesson(&lesson, &env, &mut progress, &mut ui, &mut tally);
    let transcript = &ui.transcript;
    assert_eq!((tally.passed, tally.failed, tally.errors), (2, 0, 0), "{transcript}");
    let port = 9096 + placement.port_offset;
    assert!(transcript.contains(&format!("$ nc -4 -u -vz 127.0.0.2 {port}")), "{transcript}");
    assert!(transcript.contains("exit status 1: it fails"), "{transcript}");
    assert_eq!(transcript.matches("Right.").count(), 2, "{transcript}");
    let done = progress.lesson("udp").done;
    assert!(done.contains("another-loopback-address") && done.contains("why-unconn"), "{done:?}");
    // The prediction's listener is gone with its session.
    assert!(crate::support::port_is_released(port));
}

#[test]
fn predictions_and_multiple_choice_are_graded_wrong_through_the_prompt_interface() {
    let lessons = shipped();
    let lesson = udp_quizzes(&lessons);
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let lesson = resolved(&lesson, &env, &placement);
    let mut ui = ScriptedUi::new([Answer::Select(Some(0)), Answer::Select(Some(2))]);
    let mut progress = Progress::in_memory();
    let mut tally = Tally::default();
    practice::run_lesson(&lesson, &env, &mut progress, &mut ui, &mut tally);
    let transcript = &ui.transcript;
    assert_eq!((tally.passed, tally.failed), (0, 2), "{transcript}");
    assert!(transcript.contains("Not this time. The right answer: No:"), "{transcript}");
    assert!(
        transcript.contains("The right answer: Because UDP has no connections"),
        "{transcript}"
    );
    assert!(progress.lesson("udp").done.is_empty());
    // The explanation follows either way.
    assert!(transcript.contains("no socket is bound to"), "{transcript}");
}

#[test]
fn a_prediction_is_graded_by_what_the_kernel_did() {
    let lessons = shipped();
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let unix = &resolved(lessons.iter().find(|l| l.id == "unix").unwrap(), &env, &placement);
    let quiz = unix.quiz("stream-to-datagram").unwrap();
    let right = quiz::grade(quiz, 1, unix, &env).unwrap();
    assert!(right.correct);
    let seen = right.observation.unwrap();
    assert_ne!(seen.status, 0, "{seen:?}");
    assert!(seen.command.starts_with("nc -U -z "), "{seen:?}");
    let wrong = quiz::grade(quiz, 0, unix, &env).unwrap();
    assert!(!wrong.correct);
    assert_eq!(wrong.right, [1]);
    // The quiz's socket file went with its session.
    assert!(!sockets.path().join("quiz.sock").exists());
}

/// Starts every runnable exercise's solution in-process; the sessions hold the listeners.
fn start_every_solution<'a>(
    lessons: &'a [Lesson],
    env: &'a Environment,
    placement: &Placement,
) -> Vec<Session<'a>> {
    let mut sessions = Vec::new();
    for (lesson, exercise) in exercises(lessons) {
        if !runnable(exercise, env) {
            continue;
        }
        let placed = resolved(lesson, env, placement);
        let mut session = Session::new(&placed, env).unwrap();
        for line in &placed.exercise(&exercise.id).unwrap().solution {
            let run = quiz::run_line(&mut session, &exercise.id, line);
            assert_eq!(run.verdict, Verdict::Pass, "{}", line.shown);
        }
        sessions.push(session);
    }
    sessions
}

#[test]
fn check_exits_0_only_when_every_exercise_passed() {
    let lessons = shipped();
    let offset = free_offset(&lessons, &[]);
    let lab = Lab::new().moved_by(offset);
    let untouched = lab.run(&["check", "--wait", "0"]);
    untouched.assert_status(1);
    assert!(untouched.stdout.contains("[fail]"), "{}", untouched.stdout);
    let summary = untouched.stdout.lines().last().unwrap_or_default();
    assert!(summary.starts_with("0 passed, "), "{}", untouched.stdout);

    let env = Environment::detect();
    let placement = placement(offset, lab.sockets.path());
    let sessions = start_every_solution(&lessons, &env, &placement);
    let done = lab.run(&["check", "--wait", "5", "--format", "json"]);
    done.assert_status(0);
    let records: Vec<serde_json::Value> =
        done.stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(records.len(), exercises(&lessons).len(), "{}", done.stdout);
    for record in &records {
        let verdict = record["verdict"].as_str().unwrap();
        assert!(verdict == "pass" || (verdict == "skipped" && !env.ipv6), "{record}");
        assert!(record["found"].is_string() || verdict == "skipped", "{record}");
    }
    // One lesson alone, by id.
    lab.run(&["check", "unix", "--wait", "5"]).assert_status(0);
    drop(sessions);

    let unknown = lab.run(&["check", "nope"]);
    unknown.assert_status(2);
    let setup = lab.run(&["check", "setup"]);
    setup.assert_status(2);
    assert!(setup.stderr.contains("no exercises"), "{}", setup.stderr);
    lab.run(&["check", "--wait", "-1"]).assert_status(2);
}

#[test]
fn check_junit_is_well_formed_xml_with_one_test_case_per_exercise() {
    let lessons = shipped();
    let lab = Lab::new().moved_by(free_offset(&lessons, &[]));
    let outcome = lab.run(&["check", "--format", "junit", "--wait", "0"]);
    outcome.assert_status(1);
    let document = roxmltree::Document::parse(&outcome.stdout)
        .unwrap_or_else(|err| panic!("not well-formed XML: {err}\n{}", outcome.stdout));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    let expected = exercises(&lessons);
    assert_eq!(cases.len(), expected.len(), "{}", outcome.stdout);
    assert_eq!(root.attribute("tests"), Some(expected.len().to_string().as_str()));
    for ((lesson, exercise), case) in expected.iter().zip(&cases) {
        assert_eq!(case.attribute("classname"), Some(format!("socklab.{}", lesson.id).as_str()));
        assert_eq!(case.attribute("name"), Some(exercise.id.as_str()));
        let outcome = case.first_element_child().unwrap();
        assert!(["failure", "skipped"].contains(&outcome.tag_name().name()), "{outcome:?}");
        if outcome.has_tag_name("failure") {
            assert!(
                outcome.attribute("message").unwrap().starts_with("nothing is bound to port")
                    || outcome.attribute("message").unwrap().starts_with("there is nothing at")
            );
        }
    }
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 3, "a suite per lesson with exercises");
    // stderr carries the summary, so stdout stays pure XML.
    assert!(outcome.stderr.contains("0 passed"), "{}", outcome.stderr);
}

#[test]
fn lint_passes_on_the_shipped_lessons() {
    let lessons = shipped();
    let outcome = Lab::new().moved_by(free_offset(&lessons, &[])).run(&["lint"]);
    outcome.assert_status(0);
    assert!(outcome.stdout.contains("nothing to fix"), "{}", outcome.stdout);
}

#[test]
fn lint_reports_a_check_that_passes_untouched_and_a_step_without_its_book_section() {
    let lessons = shipped();
    let held_port = 9099;
    let offset = free_offset(&lessons, &[held_port]);
    // Something already listens where the planted exercise looks: its check passes before
    // the student does anything.
    let _holder = std::net::TcpListener::bind(("127.0.0.1", held_port + offset)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tcp =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/02-tcp.toml"))
            .unwrap();
    let extra_step =
        "\n[[steps]]\nid = \"extra-look\"\ntitle = \"One more look\"\nrun = \"ss -4 -tln\"\n";
    std::fs::write(dir.path().join("02-tcp.toml"), tcp + extra_step).unwrap();
    let bad = format!(
        r#"format_version = 1
id = "planted"
title = "A lesson with a bad exercise"

[ports]
held = {held_port}

[[steps]]
id = "look"
title = "Look"
run = "ss -4 -tln"

[[exercises]]
id = "always-there"
title = "Listen"
task = "Listen on TCP port {{held}}."
hints = ["Use socat.", "`socat TCP4-LISTEN:{{held}},fork /dev/null`"]
solution = ["socat TCP4-LISTEN:{{held}},fork /dev/null &"]
expect = {{ kind = "tcp", port = "{{held}}", state = "listening" }}
"#
    );
    std::fs::write(dir.path().join("05-planted.toml"), bad).unwrap();
    let outcome = Lab::new().with_lessons(dir.path()).moved_by(offset).run(&["lint"]);
    outcome.assert_status(1);
    let out = &outcome.stdout;
    assert!(
        out.contains("planted/always-there: the check passes before anything is done"),
        "{out}"
    );
    assert!(out.contains("tcp/extra-look: the step has no section"), "{out}");
    assert!(out.contains("{#tcp-extra-look}"), "{out}");
    // Nothing else in the copied lesson is a finding.
    assert_eq!(out.lines().filter(|l| l.contains("02-tcp.toml")).count(), 1, "{out}");
}

#[test]
fn lint_refuses_a_malformed_lesson_with_exit_2() {
    let outcome = Lab::new().with_lessons(fixture("malformed")).run(&["lint"]);
    outcome.assert_status(2);
    assert!(outcome.stderr.contains("01-broken.toml:"), "{}", outcome.stderr);
}

#[test]
fn an_exercise_says_when_its_socket_is_there_before_the_student_acts() {
    let lessons = shipped();
    let lesson = only_exercise(&lessons, "tcp", "deeper-backlog");
    let sockets = short_tempdir();
    let placement = placement(free_offset(&lessons, &[]), sockets.path());
    let env = Environment::detect();
    let lesson = resolved(&lesson, &env, &placement);
    let values = &lesson.values;
    for (address, said) in [
        ("TCP4-LISTEN:{ex_backlog},backlog=16", "already finds what the task asks for"),
        ("TCP4-LISTEN:{ex_backlog}", "Something is already there: TCP LISTEN on 0.0.0.0:"),
    ] {
        let listener = listen(values, address);
        // Prompt items: check, hint 1 of 3, give up, skip.
        let mut ui = ScriptedUi::new([Answer::Select(Some(3))]);
        let mut tally = Tally::default();
        let mut progress = Progress::in_memory();
        practice::run_lesson(&lesson, &env, &mut progress, &mut ui, &mut tally);
        drop(listener);
        assert!(ui.transcript.contains(said), "{}", ui.transcript);
        assert_eq!(tally.skipped, 1);
    }
}
