//! The student's experience (issue 13): advice that fits the step, the backlog rule, example
//! outputs instead of placeholders, wrapping and paging, plurals, a taken port's way out, one
//! terminal, recaps, the glossary and the lab's standing. Told through the scripted interface
//! and, for what only a terminal shows, in tmux at 80x24 and 120x40.

use std::path::Path;

use socklab::lesson::Lesson;
use socklab::lesson::values::Placement;
use socklab::runner::environment::Environment;
use socklab::runner::progress::Progress;
use socklab::runner::tour;
use socklab::ui::StepChoice;
use socklab::ui::scripted::{Answer, ScriptedUi};

use crate::support::{free_offset, short_tempdir};

/// A scripted tour of `lessons[index]` (ports moved by `offset`, sockets and progress in
/// temporary directories) with `answers`; returns the transcript.
fn tour_of(lessons: &[Lesson], index: usize, offset: u16, answers: Vec<Answer>) -> String {
    let sockets = short_tempdir();
    let state = tempfile::tempdir().unwrap();
    let placement = Placement {
        port_offset: offset,
        socket_dir: Some(sockets.path().to_owned()),
        ..Placement::default()
    };
    let env = Environment::detect();
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    let mut ui = ScriptedUi::new(answers);
    use socklab::lesson::resolve::{ConcreteLesson, ConcreteStep};
    let read_more = |_: &ConcreteLesson, step: &ConcreteStep| Some(format!("more: {}", step.id));
    tour::run(lessons, Some(index), &env, &placement, &mut progress, &read_more, &mut ui).unwrap();
    assert!(ui.is_done(), "answers left over:\n{}", ui.transcript);
    ui.transcript
}

/// The shipped lesson `id` run whole: every step run, the practice declined, then `tail`.
fn shipped_lesson(id: &str, tail: &[Answer]) -> String {
    let lessons = socklab::lesson::shipped().unwrap();
    let index = lessons.iter().position(|l| l.id == id).unwrap();
    let mut answers: Vec<Answer> =
        lessons[index].steps.iter().map(|_| Answer::Step(StepChoice::Run)).collect();
    if !lessons[index].exercises.is_empty() || !lessons[index].quizzes.is_empty() {
        answers.push(Answer::Confirm(false));
    }
    answers.extend_from_slice(tail);
    tour_of(&lessons, index, free_offset(), answers)
}

/// The lines of `transcript` from the heading of step `id` to the next step's heading.
fn step_part<'t>(transcript: &'t str, id: &str) -> &'t str {
    let start = transcript.find(&format!("[{id}]")).unwrap_or_else(|| panic!("{transcript}"));
    let rest = &transcript[start..];
    let end = rest[1..].find("\nStep ").map_or(rest.len(), |at| at + 1);
    &rest[..end]
}

/// `text` with every run of whitespace made one space, so that assertions do not depend on
/// where the text was wrapped.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A lesson directory holding one lesson file with `text`.
fn lesson_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("01-test.toml"), text).unwrap();
    dir
}

// 1. Advice only after failures, fitting the step.

#[test]
fn a_step_meant_to_fail_gets_no_advice_after_its_pass() {
    let transcript = shipped_lesson("tcp", &[Answer::Confirm(false)]);
    let closed = step_part(&transcript, "tcp/probe-closed");
    assert!(closed.contains("PASS"), "{closed}");
    assert!(!closed.contains("Start a listener"), "advice after a pass:\n{closed}");
    // The lesson's notice explains the refusal; the tool's own note would repeat it.
    assert!(!closed.contains("answered the handshake with a reset"), "{closed}");
}

#[test]
fn a_failed_probe_gets_the_advice_that_fits() {
    // A step that expects a listener where there is none: the advice is for this failure.
    let dir = lesson_dir(
        r#"format_version = 1
id = "advice"
title = "Advice"
[ports]
web = 9
[[steps]]
id = "probe"
title = "Probe a port nobody listens on"
run = "nc -4 -vz 127.0.0.1 {web}"
expect = "Connection to 127.0.0.1 {web} port [tcp/discard] succeeded!"
"#,
    );
    let lessons = socklab::lesson::load_dir(dir.path()).unwrap();
    let offset = free_offset();
    let answers = vec![Answer::Step(StepChoice::Run)];
    let transcript = tour_of(&lessons, 0, offset, answers);
    assert!(transcript.contains("FAIL"), "{transcript}");
    assert!(
        transcript.contains("note: Start a listener on that port, or check the port number."),
        "{transcript}"
    );
}

// 2. The backlog rule, measured, and said the same way everywhere.

/// Runs this test binary's test `name` again inside a private user and network namespace
/// (loopback up), with `SOCKLAB_IN_NETNS` set; false, with a notice, where that is refused.
fn rerun_in_private_netns(name: &str) -> bool {
    let tools = ["unshare", "ip", "sh"].iter().all(|tool| which::which(tool).is_ok());
    if !tools {
        eprintln!("notice: unshare, ip or sh missing; skipping the namespace measurement");
        return false;
    }
    let me = std::env::current_exe().unwrap();
    let status = std::process::Command::new("unshare")
        .args(["-Urn", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""])
        .arg(me)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("SOCKLAB_IN_NETNS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    if !status.status.success() && stderr.contains("unshare") {
        eprintln!("notice: a private network namespace is refused here ({stderr}); skipping");
        return false;
    }
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "the measurement failed in its namespace:\n{stdout}{stderr}");
    assert!(stdout.contains("1 passed"), "the namespace ran no test:\n{stdout}");
    true
}

/// How many connections a listener with `backlog` that never accepts lets complete: clients
/// connect without blocking until the queue stops growing; Recv-Q as socklab's ss reads it.
fn queue_holds(backlog: i32) -> usize {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    listener.listen(backlog).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut clients = Vec::new();
    for _ in 0..backlog + 4 {
        let client = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        client.set_nonblocking(true).unwrap();
        let _ = client.connect(&addr.into());
        clients.push(client);
    }
    // The handshakes complete on loopback within microseconds; give them a moment.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let output = crate::support::socklab().args(["inspect", "-4", "-tln"]).output().unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    let local = format!("{addr}");
    let row = table
        .lines()
        .find(|l| l.starts_with("LISTEN") && l.split_whitespace().any(|f| f == local))
        .unwrap_or_else(|| panic!("no row for {local}:\n{table}"));
    let fields: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(fields[2], backlog.to_string(), "Send-Q is the backlog: {row}");
    fields[1].parse().unwrap()
}

#[test]
fn the_accept_queue_holds_one_more_than_the_backlog() {
    if std::env::var_os("SOCKLAB_IN_NETNS").is_none() {
        rerun_in_private_netns("experience::the_accept_queue_holds_one_more_than_the_backlog");
        return;
    }
    // socat's default, and the backlog the TCP exercise asks for.
    for backlog in [5, 16] {
        assert_eq!(queue_holds(backlog), backlog as usize + 1, "backlog {backlog}");
    }
}

#[test]
fn lesson_exercise_and_book_say_the_backlog_rule_alike() {
    let lessons = socklab::lesson::shipped().unwrap();
    let tcp = lessons.iter().find(|l| l.id == "tcp").unwrap();
    let notice = &tcp.steps.iter().find(|s| s.id == "inspect-ipv4").unwrap().notice;
    assert!(notice.contains("a backlog of N lets N+1 connections wait"), "{notice}");
    let exercise = tcp.exercises.iter().find(|e| e.id == "deeper-backlog").unwrap();
    // The task names the backlog it grades, and the queue that follows from the rule.
    assert!(exercise.task.contains("backlog of 16") && exercise.task.contains("17"));
    let solution = exercise.solution.join(" ");
    assert!(solution.contains("backlog=16"), "{solution}");
    let sockets = socklab::book::chapter("sockets.md").unwrap();
    assert!(sockets.contains("a backlog of N lets N + 1 connections wait"));
    // Said once: the TCP chapter points to the rule rather than restating it.
    let chapter = socklab::book::chapter("lessons/tcp.md").unwrap();
    assert!(chapter.contains("[the kernel's rule](../sockets.md#accept-queue)"));
    assert!(!chapter.contains("one connection more than the backlog"));
}

// 5. Example outputs: readers never see the matcher's placeholders.

#[test]
fn the_books_step_sections_show_examples_not_placeholders() {
    let lessons = socklab::lesson::shipped().unwrap();
    let lessons: Vec<_> = lessons.iter().map(socklab::lesson::resolve::as_written).collect();
    for lesson in &lessons {
        for step in &lesson.steps {
            let section = socklab::book::lookup(&lessons, &lesson.id, Some(&step.id)).unwrap();
            let shown = section.split("The tutorial's output:").nth(1).unwrap_or_default();
            let shown = shown.split("```").nth(1).unwrap_or_default();
            assert!(
                !shown.contains("{?") && !shown.lines().any(|l| l.trim() == "..."),
                "{}/{} shows placeholders:\n{shown}",
                lesson.id,
                step.id
            );
        }
    }
}

#[test]
fn lint_proves_each_example_matches_its_pattern() {
    let lesson = |example: &str| {
        format!(
            r#"format_version = 1
id = "examples"
title = "Examples"
[ports]
web = 8080
[[steps]]
id = "probe"
title = "Probe"
run = "nc -4 -vz 127.0.0.1 {{web}}"
expect = "Connection to 127.0.0.1 {{web}} port [tcp/{{?service}}] succeeded!"
{example}
"#
        )
    };
    let run = |text: String| {
        let dir = lesson_dir(&text);
        let out = crate::support::socklab()
            .args(["lint", "--port-offset", &free_offset().to_string()])
            .arg(dir.path())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (status, out) =
        run(lesson(r#"example = "Connection to 127.0.0.1 {web} port [tcp/http-alt] succeeded!""#));
    assert_eq!(status, Some(0), "{out}");
    let (status, out) =
        run(lesson(r#"example = "Connection to ::1 {web} port [tcp/http-alt] succeeded!""#));
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("examples/probe: its example does not match"), "{out}");
    let (status, out) = run(lesson(""));
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("examples/probe: its expected output has patterns"), "{out}");
}

// 7. Small things: plurals, step ids, no "Lesson 1 of 1".

#[test]
fn plurals_step_ids_and_a_single_lesson_read_right() {
    let transcript = shipped_lesson("tcp", &[Answer::Confirm(false)]);
    assert!(!transcript.contains("(s)"), "{transcript}");
    assert!(transcript.contains("This lesson has 3 exercises and 2 quiz questions"));
    assert!(transcript.contains("Step 3/10: List the IPv4 TCP listeners [tcp/inspect-ipv4]"));
    assert!(transcript.contains("the 2 sockets it opened"), "{transcript}");
    let single = socklab::ui::render::render(
        socklab::ui::Show::Lesson { title: "Stream sockets", number: 1, count: 1 },
        false,
    );
    assert!(!single.contains("1 of 1") && single.contains("Stream sockets"), "{single}");
}

// 8. A port taken in the tour: the way out, there and then.

#[test]
fn a_taken_port_offers_to_move_the_ports_and_the_lesson_then_passes() {
    let lessons = socklab::lesson::shipped().unwrap();
    let index = lessons.iter().position(|l| l.id == "tcp").unwrap();
    let offset = free_offset();
    // Another program holds the lesson's port.
    let holder = std::net::TcpListener::bind(("0.0.0.0", 8080 + offset)).unwrap();
    let steps = lessons[index].steps.len();
    // Run the first step; it hits the taken port; choose to move the ports (the second
    // item); then the whole lesson runs on free ports.
    let mut answers = vec![Answer::Step(StepChoice::Run), Answer::Select(Some(1))];
    answers.extend((0..steps).map(|_| Answer::Step(StepChoice::Run)));
    answers.push(Answer::Confirm(false));
    answers.push(Answer::Confirm(false));
    let transcript = flat(&tour_of(&lessons, index, offset, answers));
    drop(holder);
    assert!(transcript.contains(&format!("Port {} is taken", 8080 + offset)), "{transcript}");
    assert!(transcript.contains("Move this lesson's ports by"), "{transcript}");
    assert!(transcript.contains("the lesson starts again with free ports"), "{transcript}");
    let after = transcript.split("starts again with free ports").nth(1).unwrap();
    assert!(!after.contains("SKIPPED") && !after.contains("ERROR"), "{after}");
    assert_eq!(after.matches("PASS").count(), steps, "{after}");
}

#[test]
fn a_taken_port_can_be_retried_once_freed() {
    let lessons = socklab::lesson::shipped().unwrap();
    let index = lessons.iter().position(|l| l.id == "tcp").unwrap();
    let offset = free_offset();
    let holder = std::net::TcpListener::bind(("0.0.0.0", 8080 + offset)).unwrap();
    let steps = lessons[index].steps.len();
    // "Try again" while the port is still held: the same offer comes back; then go on.
    let mut answers =
        vec![Answer::Step(StepChoice::Run), Answer::Select(Some(0)), Answer::Select(Some(2))];
    answers.extend((1..steps).map(|_| Answer::Step(StepChoice::Run)));
    answers.push(Answer::Confirm(false));
    answers.push(Answer::Confirm(false));
    let transcript = flat(&tour_of(&lessons, index, offset, answers));
    drop(holder);
    assert_eq!(transcript.matches("is taken by another program").count(), 2, "{transcript}");
}

// 9. One terminal is enough.

#[test]
fn exercises_need_one_terminal_and_stop_advice_fits_a_background_job() {
    let lessons = socklab::lesson::shipped().unwrap();
    for lesson in &lessons {
        for exercise in &lesson.exercises {
            assert!(!exercise.task.contains("another terminal"), "{}", exercise.id);
            // What keeps running (a listener) starts in the background; a firewall rule
            // alone (the firewall lesson's UDP exercise) has nothing to keep running.
            if !exercise.solution.iter().any(|line| line.contains("-LISTEN:")) {
                continue;
            }
            let last = exercise.hints.last().unwrap();
            assert!(last.contains(" &`"), "{}: the command starts in the background", exercise.id);
            assert!(exercise.solution.iter().any(|line| line.trim_end().ends_with('&')));
        }
    }
    let stop = socklab::text::fill("exercise.stop_yours", &[]);
    assert!(stop.contains("kill %1") && stop.contains("`fg`"), "{stop}");
    assert!(!stop.contains("in its terminal"), "{stop}");
    let how = socklab::text::fill("exercise.one_terminal", &[("lesson", &"tcp")]);
    assert!(how.contains("socklab shell") && how.contains("socklab practice tcp"), "{how}");
}

// 10. A recap at the end of each lesson and of the tour.

#[test]
fn a_lesson_ends_with_a_recap_and_the_tour_with_the_labs() {
    let transcript = shipped_lesson("tcp", &[Answer::Confirm(false)]);
    let recap = transcript.split("Recap: Stream sockets").nth(1).unwrap_or_else(|| {
        panic!("no recap:\n{transcript}");
    });
    assert!(recap.contains("The commands you ran:"), "{recap}");
    assert!(recap.contains("$ ss -4 -tln"), "{recap}");
    assert!(recap.contains("Your score: 10 of 10 steps passed"), "{recap}");
    assert!(recap.contains("steps      [##########] 10/10"), "{recap}");
    assert!(recap.contains("Still to do here (5 are left; `socklab practice tcp`"), "{recap}");
    assert!(recap.contains("- A longer accept queue") || recap.contains("• A longer accept queue"));
    // The tutorial's last lesson ends the tour when the extra lesson it offers is declined:
    // the whole lab's recap, of the tutorial's lessons (the extra one was not started).
    let transcript = shipped_lesson("unix", &[Answer::Confirm(false)]);
    let lab = transcript.split("Recap of the whole lab").nth(1).unwrap_or_else(|| {
        panic!("no recap of the lab:\n{transcript}");
    });
    assert!(lab.contains("Your place in the lab: steps"), "{lab}");
    assert!(lab.contains("socklab practice setup tcp udp unix") || lab.contains("practice tcp"));
    assert!(!lab.contains("Two hosts and a firewall"), "{lab}");
    assert!(!lab.contains("firewall"), "{lab}");
}

// 11. The glossary.

#[test]
fn every_glossary_link_leads_to_an_entry_and_explain_prints_it() {
    let terms = socklab::book::glossary_terms();
    for wanted in ["socket", "stream-socket", "datagram-socket", "listen", "backlog"] {
        assert!(terms.iter().any(|(id, _)| id == wanted), "{wanted} missing");
    }
    for wanted in ["recv-q-send-q", "ipv6only", "dual-stack", "abstract-socket"] {
        assert!(terms.iter().any(|(id, _)| id == wanted), "{wanted} missing");
    }
    assert!(terms.iter().any(|(id, _)| id == "icmp-port-unreachable"));
    // Links from the lessons and the book.
    let mut texts: Vec<String> =
        socklab::book::CHAPTERS.iter().map(|(_, text)| (*text).to_owned()).collect();
    let lessons = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    for entry in std::fs::read_dir(lessons).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let mut links = 0;
    for text in &texts {
        for (at, _) in text.match_indices("#glossary-") {
            let id: String = text[at + 10..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                .collect();
            assert!(terms.iter().any(|(known, _)| *known == id), "no glossary entry {id}");
            links += 1;
        }
    }
    assert!(links > 20, "the lessons and the book link the glossary ({links} links)");
    // The terminal turns a lesson's glossary links into the command that shows them.
    let lessons = socklab::lesson::shipped().unwrap();
    let tcp = lessons.iter().find(|l| l.id == "tcp").unwrap();
    let intro = socklab::markdown::render(&tcp.intro, 80, false);
    assert!(intro.contains("socklab explain --glossary TERM`): stream-socket, handshake"));
}

// 6. and 12., in a real terminal: wrapping, paging, prompts drawn once, the lab's standing.

/// The display width of a line (tmux captures wide characters as they are).
fn columns(line: &str) -> usize {
    line.chars().count()
}

/// The whole TCP lesson in tmux at `size`: every step run, the practice declined. Returns
/// the whole screen history, the scrollback included, with lines the terminal wrapped joined
/// back (`capture-pane -J`), so a line wider than the window is one the terminal broke.
fn whole_lesson_at(size: (u16, u16)) -> Option<String> {
    whole_lesson_in_tmux("02-tcp.toml", size, true)
}

/// The lesson in `file` alone, in tmux at `size`, every step run, the practice declined when
/// `practice` says it is offered; the screen history once the tour has ended.
fn whole_lesson_in_tmux(file: &str, size: (u16, u16), practice: bool) -> Option<String> {
    let offset = ["--port-offset".to_owned(), free_offset().to_string()];
    let tour = crate::tour::TourInTmux::start_sized(file, &offset, size, &[])?;
    let tmux = &tour.tmux;
    for answered in 0..tour.steps {
        tmux.wait_for("the step prompt", |history| {
            history.matches("✔ What now?").count() == answered
                && tmux.visible().contains("? What now? ›")
        });
        tmux.run(&["send-keys", "Enter"]);
    }
    if practice {
        tmux.wait_for("the exercises offer", |_| tmux.visible().contains("Try them now?"));
        tmux.run(&["send-keys", "n"]);
    }
    Some(tmux.wait_for("the end of the tour", |screen| {
        screen.contains("Recap of the whole lab") && tmux.pane_dead()
    }))
}

fn assert_fits(screen: &str, width: usize) {
    for line in screen.lines() {
        assert!(columns(line) <= width, "a line the terminal had to break:\n{line}\n\n{screen}");
    }
}

#[test]
fn at_80x24_nothing_is_broken_by_the_terminal_and_prompts_are_drawn_once() {
    let Some(screen) = whole_lesson_at((80, 24)) else { return };
    assert_fits(&screen, 80);
    // The long offer is printed as text, the prompt is short: answered once, drawn once.
    assert_eq!(screen.matches("This lesson has 3 exercises").count(), 1, "{screen}");
    assert_eq!(screen.matches("Try them now?").count(), 1, "{screen}");
    assert!(screen.contains("Your place in the lab: steps"), "{screen}");
    assert!(screen.contains("Recap: Stream sockets"), "{screen}");
}

#[test]
fn at_80x24_the_environment_lines_are_wrapped_too() {
    let Some(screen) = whole_lesson_in_tmux("01-setup.toml", (80, 24), false) else { return };
    assert_fits(&screen, 80);
    assert!(screen.contains("Privileged ports (below"), "{screen}");
}

#[test]
fn at_120x40_nothing_is_broken_by_the_terminal() {
    let Some(screen) = whole_lesson_at((120, 40)) else { return };
    assert_fits(&screen, 120);
    assert!(screen.contains("[tcp/inspect-ipv4]"), "{screen}");
}

/// "Read more" on the first step of the TCP lesson at `size`, with `less -FRX` as the pager.
fn read_more_at(size: (u16, u16)) -> Option<(crate::tour::TourInTmux, String)> {
    let offset = ["--port-offset".to_owned(), free_offset().to_string()];
    let pager = [("PAGER", "less -FRX".to_owned())];
    let tour = crate::tour::TourInTmux::start_sized("02-tcp.toml", &offset, size, &pager)?;
    if which::which("less").is_err() {
        eprintln!("notice: less is not installed; skipping the pager test");
        return None;
    }
    let tmux = &tour.tmux;
    tmux.wait_for("the first prompt", |_| tmux.visible().contains("? What now? ›"));
    // "Read more" is the third choice.
    tmux.run(&["send-keys", "Down", "Down", "Enter"]);
    let screen = tmux.wait_for("the book's section", |history| {
        history.contains("✔ What now? · Read more") && history.contains("The tutorial's output:")
    });
    Some((tour, screen))
}

#[test]
fn at_80x24_read_more_is_paged_and_the_tour_goes_on_after_it() {
    let Some((tour, _)) = read_more_at((80, 24)) else { return };
    let tmux = &tour.tmux;
    // less waits at its prompt with the section's start on screen, not scrolled away.
    tmux.wait_for("the pager's prompt", |_| tmux.visible().lines().any(|l| l.trim() == ":"));
    assert!(tmux.visible().contains("The tutorial's output:"), "{}", tmux.visible());
    tmux.run(&["send-keys", "q"]);
    tmux.wait_for("the prompt again", |_| tmux.visible().contains("? What now? ›"));
    tmux.run(&["send-keys", "q"]);
    tmux.wait_for("the quit", |screen| screen.contains("Stopped.") && tmux.pane_dead());
}

#[test]
fn at_120x40_a_section_that_fits_is_not_paged() {
    let Some((tour, _)) = read_more_at((120, 40)) else { return };
    let tmux = &tour.tmux;
    // Printed as it is: the prompt comes back under it without a key pressed.
    tmux.wait_for("the prompt again", |_| tmux.visible().contains("? What now? ›"));
    let visible = tmux.visible();
    assert!(!visible.lines().any(|l| l.trim() == ":"), "paged:\n{visible}");
    assert!(visible.contains("[1] 4242"), "the section's start scrolled away:\n{visible}");
    tmux.run(&["send-keys", "q"]);
    tmux.wait_for("the quit", |screen| screen.contains("Stopped.") && tmux.pane_dead());
}

// 7. Notes not printed twice: the refusal of a privileged port is shown once per lesson.

#[test]
fn the_refusal_of_a_privileged_port_is_shown_once_per_lesson() {
    if crate::support::is_root() {
        eprintln!("notice: root may bind port 123, so nothing is refused; skipping");
        return;
    }
    // Port 123 is only tried (the kernel refuses it before looking whether it is free);
    // the lesson then uses a free port in its place.
    let free = std::net::UdpSocket::bind("0.0.0.0:0").unwrap().local_addr().unwrap().port();
    let dir = lesson_dir(&format!(
        r#"format_version = 1
id = "moved"
title = "Moved"
[ports]
ntp = {{ port = 123, unprivileged = {free} }}
[[steps]]
id = "listen-ipv4"
title = "IPv4"
run = "sudo socat UDP4-LISTEN:{{ntp}},fork /dev/null &"
[[steps]]
id = "listen-ipv4-again"
title = "IPv4 on the loopback"
run = "sudo socat UDP4-LISTEN:{{ntp}},bind=127.0.0.2,fork /dev/null &"
[[steps]]
id = "stop-2"
title = "Stop"
run = "fg"
[[steps]]
id = "stop-1"
title = "Stop"
run = "fg"
[[steps]]
id = "clean"
title = "Clean"
check = "released"
"#
    ));
    let lessons = socklab::lesson::load_dir(dir.path()).unwrap();
    let answers = (0..5).map(|_| Answer::Step(StepChoice::Run)).collect();
    let transcript = tour_of(&lessons, 0, 0, answers);
    assert_eq!(transcript.matches("First, the tutorial's port 123").count(), 1, "{transcript}");
    assert_eq!(transcript.matches("PASS").count(), 5, "{transcript}");
}

/// 6. A question too long for one prompt line is printed first; the prompt keeps its end.
#[test]
fn a_long_question_keeps_a_short_prompt() {
    use socklab::ui::terminal::split_prompt;
    let question = socklab::text::fill("runner.confirm_batch", &[("count", &4)]);
    let (lead, prompt) = split_prompt(&question, 80);
    assert_eq!(prompt, "Go on?");
    assert!(lead.unwrap().starts_with("This runs 4 lessons on this machine"));
    assert_eq!(split_prompt("Try them now?", 80), (None, "Try them now?".to_owned()));
    // No sentence end to split at: the whole question is printed, and a short prompt asked.
    let (lead, prompt) = split_prompt(&"word ".repeat(30), 40);
    assert!(lead.is_some() && textwrap::core::display_width(&prompt) + 14 <= 40, "{prompt}");
}
