//! The interactive tour: scripted through the prompt interface, and for real in a
//! pseudo-terminal (tmux) through a whole lesson.

use std::process::Command;
use std::time::{Duration, Instant};

use socklab::lesson::values::Placement;
use socklab::runner::environment::Environment;
use socklab::runner::progress::Progress;
use socklab::runner::tour;
use socklab::ui::StepChoice;
use socklab::ui::scripted::{Answer, ScriptedUi};

use crate::support::{free_offset, short_tempdir};

fn tcp_lesson() -> (Vec<socklab::lesson::Lesson>, usize) {
    let lessons = socklab::lesson::shipped().unwrap();
    let index = lessons.iter().position(|l| l.id == "tcp").unwrap();
    (lessons, index)
}

#[test]
fn a_scripted_tour_runs_reads_skips_and_keeps_progress() {
    let (lessons, index) = tcp_lesson();
    let lesson = &lessons[index];
    let sockets = short_tempdir();
    let state = tempfile::tempdir().unwrap();
    let placement = Placement {
        port_offset: free_offset(),
        socket_dir: Some(sockets.path().to_owned()),
        ..Placement::default()
    };
    let env = Environment::detect();
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    // Read more about the first step, then run every step but `probe-closed`, which is skipped;
    // then decline the next lesson.
    let mut answers = vec![Answer::Step(StepChoice::More)];
    for step in &lesson.steps {
        let choice = if step.id == "probe-closed" { StepChoice::Skip } else { StepChoice::Run };
        answers.push(Answer::Step(choice));
    }
    // Decline the lesson's exercises, then the next lesson.
    answers.push(Answer::Confirm(false));
    answers.push(Answer::Confirm(false));
    let mut ui = ScriptedUi::new(answers);
    use socklab::lesson::resolve::{ConcreteLesson, ConcreteStep};
    let read_more =
        |_: &ConcreteLesson, step: &ConcreteStep| Some(format!("more about {}", step.id));
    let tally =
        tour::run(&lessons, Some(index), &env, &placement, &mut progress, &read_more, &mut ui)
            .unwrap();
    assert!(ui.is_done(), "{}", ui.transcript);
    assert_eq!(tally.failed + tally.errors, 0, "{}", ui.transcript);
    assert!(tally.skipped >= 1);
    let transcript = &ui.transcript;
    assert!(transcript.contains("more about listen-ipv4"), "{transcript}");
    assert!(transcript.contains(&format!(
        "$ socat TCP4-LISTEN:{},fork /dev/null &",
        8080 + placement.port_offset
    )));
    assert!(transcript.contains("SKIPPED you chose to skip it"), "{transcript}");
    assert!(transcript.matches("PASS").count() >= 6, "{transcript}");
    // Progress: every step but the skipped one is done; the lesson is not finished.
    let saved = Progress::load_from(state.path().join("progress.toml")).unwrap();
    let done = saved.lesson("tcp");
    assert!(!done.done.contains("probe-closed"));
    assert!(done.done.contains("listen-ipv4") && done.done.contains("clean"));
    assert!(!done.finished);
    assert_eq!(saved.resume_at(&lessons), Some(0));
}

#[test]
fn quitting_mid_lesson_stops_its_listeners() {
    let (lessons, index) = tcp_lesson();
    let sockets = short_tempdir();
    let state = tempfile::tempdir().unwrap();
    let offset = free_offset();
    let placement = Placement {
        port_offset: offset,
        socket_dir: Some(sockets.path().to_owned()),
        ..Placement::default()
    };
    let env = Environment::detect();
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    let mut ui = ScriptedUi::new([Answer::Step(StepChoice::Run), Answer::Step(StepChoice::Quit)]);
    use socklab::lesson::resolve::{ConcreteLesson, ConcreteStep};
    let read_more = |_: &ConcreteLesson, _: &ConcreteStep| None;
    tour::run(&lessons, Some(index), &env, &placement, &mut progress, &read_more, &mut ui).unwrap();
    assert!(ui.transcript.contains("Stopped."), "{}", ui.transcript);
    assert!(crate::support::port_is_released(8080 + offset), "the listener outlived the quit");
}

/// A tmux server of our own, so tests never touch a user's sessions.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a window `size` = (columns, rows) large.
    pub(crate) fn start_sized(
        command: &[String],
        env: &[(&str, String)],
        size: (u16, u16),
    ) -> Option<Self> {
        if which::which("tmux").is_err() {
            eprintln!("notice: tmux is not installed; skipping the pseudo-terminal test");
            return None;
        }
        // One server per test: tests run in parallel in this process.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = format!("socklab-test-{}-{number}", std::process::id());
        let mut tmux = Command::new("tmux");
        let (columns, rows) = (size.0.to_string(), size.1.to_string());
        tmux.args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", &columns]);
        tmux.args(["-y", &rows]);
        for (name, value) in env {
            tmux.args(["-e", &format!("{name}={value}")]);
        }
        tmux.args(command);
        let started = tmux.status().is_ok_and(|s| s.success());
        if !started {
            eprintln!("notice: tmux could not start a session; skipping");
            return None;
        }
        let this = Self { socket };
        this.run(&["set-option", "-g", "remain-on-exit", "on"]);
        Some(this)
    }

    pub(crate) fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux").args(["-L", &self.socket]).args(args).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub(crate) fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-J", "-S", "-5000"])
    }

    pub(crate) fn visible(&self) -> String {
        self.run(&["capture-pane", "-p", "-J"])
    }

    /// Whether the program has ended: its process is gone or a zombie. (tmux marks the pane
    /// dead only once it has reaped the process, which can lag behind by seconds on a busy
    /// machine, and it does not always collect the exit status; the exit statuses of
    /// interrupted runs are tested in batch mode.)
    pub(crate) fn pane_dead(&self) -> bool {
        let pid = self.run(&["display-message", "-p", "#{pane_pid}"]);
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap_or_default();
        status.lines().find(|l| l.starts_with("State:")).is_none_or(|state| state.contains('Z'))
    }

    /// Waits until `done` holds for the screen; returns the screen.
    pub(crate) fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// One shipped lesson run as the interactive tour inside its own tmux server, with its own
/// lessons, state and socket directories (kept alive as long as this is).
pub(crate) struct TourInTmux {
    pub(crate) tmux: Tmux,
    pub(crate) sockets: tempfile::TempDir,
    pub(crate) steps: usize,
    _lessons: tempfile::TempDir,
    _state: tempfile::TempDir,
}

impl TourInTmux {
    /// Starts the tour over `lessons/FILE` alone, with `extra` options; `None` (with a notice)
    /// where tmux cannot run.
    fn start(file: &str, extra: &[String]) -> Option<Self> {
        Self::start_sized(file, extra, (110, 45), &[])
    }

    /// The same in a window `size` = (columns, rows) large, with `more` environment.
    pub(crate) fn start_sized(
        file: &str,
        extra: &[String],
        size: (u16, u16),
        more: &[(&str, String)],
    ) -> Option<Self> {
        let lessons = tempfile::tempdir().unwrap();
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons").join(file);
        std::fs::copy(&shipped, lessons.path().join(file)).unwrap();
        let steps = socklab::lesson::load_dir(lessons.path()).unwrap()[0].steps.len();
        let sockets = short_tempdir();
        let state = tempfile::tempdir().unwrap();
        let mut command = vec![
            env!("CARGO_BIN_EXE_socklab").to_owned(),
            "--lessons".to_owned(),
            lessons.path().display().to_string(),
            "--socket-dir".to_owned(),
            sockets.path().display().to_string(),
        ];
        command.extend_from_slice(extra);
        let mut env = vec![
            ("XDG_STATE_HOME", state.path().display().to_string()),
            ("NO_COLOR", "1".to_owned()),
            ("TERM", "xterm-256color".to_owned()),
            // These tours check the socket files on the host (tests/it/lab.rs tests labs).
            ("SOCKLAB_ISOLATION", "none".to_owned()),
        ];
        env.extend(more.iter().cloned());
        let tmux = Tmux::start_sized(&command, &env, size)?;
        Some(Self { tmux, sockets, steps, _lessons: lessons, _state: state })
    }
}

#[test]
fn the_tour_runs_a_whole_lesson_in_a_real_terminal() {
    let offset = ["--port-offset".to_owned(), free_offset().to_string()];
    // Bound whole: its temporary directories must live as long as the tour.
    let Some(tour) = TourInTmux::start("02-tcp.toml", &offset) else { return };
    let (tmux, sockets, steps) = (&tour.tmux, &tour.sockets, tour.steps);
    for answered in 0..steps {
        // A prompt is open when the visible screen shows it and every earlier one has been
        // answered (a `✔` line each). The scrollback can keep stale copies of a prompt that
        // scrolled away before dialoguer redrew it, so only answers are counted there.
        tmux.wait_for("the step prompt", |history| {
            history.matches("✔ What now?").count() == answered
                && tmux.visible().contains("? What now? ›")
        });
        // The default choice is "Run it".
        tmux.run(&["send-keys", "Enter"]);
    }
    // The lesson's exercises are offered; decline them.
    tmux.wait_for("the exercises offer", |screen| screen.contains("Try them now?"));
    tmux.run(&["send-keys", "n"]);
    // tmux may mark the pane dead before it has drawn the last output: wait for both.
    let screen = tmux.wait_for("the end of the tour", |screen| {
        screen.contains("That was the last lesson") && tmux.pane_dead()
    });
    assert_eq!(
        screen.matches("PASS").count() + screen.matches("SKIPPED").count(),
        steps,
        "{screen}"
    );
    assert!(!screen.contains("FAIL") && !screen.contains("ERROR"), "{screen}");
    assert_eq!(std::fs::read_dir(sockets.path()).unwrap().count(), 0);
}

#[test]
fn ctrl_c_at_a_prompt_stops_the_listeners_and_removes_their_files() {
    let Some(tour) = TourInTmux::start("04-unix.toml", &[]) else { return };
    let (tmux, sockets) = (&tour.tmux, &tour.sockets);
    // Run the first step (a stream listener), then press Ctrl+C at the second prompt.
    tmux.wait_for("the first prompt", |_| tmux.visible().contains("? What now? ›"));
    tmux.run(&["send-keys", "Enter"]);
    tmux.wait_for("the second prompt", |history| {
        history.matches("✔ What now?").count() == 1 && tmux.visible().contains("? What now? ›")
    });
    let socket_file = sockets.path().join("stream.sock");
    assert!(socket_file.exists(), "the first step should have made the socket file");
    tmux.run(&["send-keys", "C-c"]);
    let screen = tmux.wait_for("the interrupted tour to end", |screen| {
        screen.contains("socklab: interrupted") && tmux.pane_dead()
    });
    assert!(!screen.contains("Stopped. Every listener"), "Ctrl+C is not a quiet quit:\n{screen}");
    assert!(!socket_file.exists(), "Ctrl+C left the socket file behind:\n{screen}");
}

/// TERM, HUP and QUIT to the tour at a prompt with two listeners up, and the terminal itself
/// going away (tmux killed: the kernel hangs the tour up): the socket files go every time.
#[test]
fn every_signal_and_a_lost_terminal_leave_no_socket_file() {
    for how in ["TERM", "HUP", "QUIT", "terminal closed"] {
        let Some(tour) = TourInTmux::start("04-unix.toml", &[]) else { return };
        let (tmux, sockets) = (&tour.tmux, &tour.sockets);
        for answered in 0..2 {
            tmux.wait_for("a step prompt", |history| {
                history.matches("✔ What now?").count() == answered
                    && tmux.visible().contains("? What now? ›")
            });
            tmux.run(&["send-keys", "Enter"]);
        }
        tmux.wait_for("the third prompt", |history| {
            history.matches("✔ What now?").count() == 2 && tmux.visible().contains("? What now? ›")
        });
        assert_eq!(std::fs::read_dir(sockets.path()).unwrap().count(), 2, "{how}");
        let pid = tmux.run(&["display-message", "-p", "#{pane_pid}"]).trim().to_owned();
        match how {
            "terminal closed" => {
                tmux.run(&["kill-server"]);
            }
            signal => {
                let status = Command::new("kill").args(["-s", signal, &pid]).status().unwrap();
                assert!(status.success());
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_to_string(format!("/proc/{pid}/status"))
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("State:") && !l.contains('Z')))
        {
            assert!(Instant::now() < deadline, "{how}: the tour did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
        let left: Vec<_> =
            std::fs::read_dir(sockets.path()).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(left.is_empty(), "{how} left {left:?}");
    }
}
