//! Hostile lessons, signals at every moment, damaged state and odd directories: socklab ends
//! cleanly, leaves nothing behind, loses no progress and prints no control character raw.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Lab, free_offset, short_tempdir, socklab};

/// A directory of lesson files, written from `(name, text)` pairs.
fn lessons(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// A lesson of one step (a check of the installed tools), with `extra` appended.
fn small_lesson(title: &str, extra: &str) -> String {
    format!(
        "format_version = 1\nid = \"small\"\ntitle = \"{title}\"\n\n[[steps]]\nid = \"tools\"\n\
         title = \"{title}\"\nexplain = \"{title}\"\ncheck = \"tools\"\n{extra}"
    )
}

/// Waits for `child` to end within `limit`; kills it and fails if it does not.
fn wait_within(mut child: Child, limit: Duration, what: &str) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Whatever a progress save leaves besides the file and its lock (a temporary file cut off).
fn progress_leftovers(lab: &Lab) -> Vec<String> {
    let dir = lab.state.path().join("socklab");
    if !dir.exists() {
        return Vec::new();
    }
    entries(&dir)
        .into_iter()
        .filter(|name| name != "progress.toml" && name != "progress.toml.lock")
        .collect()
}

fn signal(child: &Child, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    let _ = rustix::process::kill_process(pid, signal);
}

/// Runs `lesson` and sends `sig` as soon as `steps` step lines have appeared; the run's end.
fn signal_after_steps(
    lab: &Lab,
    lesson: &str,
    steps: usize,
    sig: rustix::process::Signal,
) -> std::process::Output {
    let mut child = lab
        .command(&["run", "--yes", lesson])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while seen < steps {
        match lines.next() {
            Some(Ok(line)) if line.starts_with('[') => seen += 1,
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    signal(&child, sig);
    drop(lines);
    wait_within(child, Duration::from_secs(30), "the signalled run")
}

const SIGNALS: [(rustix::process::Signal, i32); 4] = [
    (rustix::process::Signal::INT, 130),
    (rustix::process::Signal::TERM, 143),
    (rustix::process::Signal::HUP, 129),
    (rustix::process::Signal::QUIT, 131),
];

/// Item 7: INT, TERM, HUP and QUIT at many moments of the Unix lesson (after 0 to 120 ms, and
/// right after each step's line appears, listeners up or just brought back with `fg`):
/// whatever the moment, the run ends and its socket directory is empty.
#[test]
fn every_signal_at_every_moment_leaves_no_socket_file() {
    for (sig, status) in SIGNALS {
        for delay in [0, 2, 5, 10, 20, 40, 70, 120] {
            let lab = Lab::new();
            let child = lab
                .command(&["run", "--yes", "unix"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay));
            signal(&child, sig);
            let output = wait_within(child, Duration::from_secs(30), "the signalled run");
            let left = entries(lab.sockets.path());
            assert!(left.is_empty(), "{sig:?} after {delay} ms left {left:?}");
            assert_eq!(progress_leftovers(&lab), Vec::<String>::new(), "{sig:?} after {delay} ms");
            // Before the handler is installed the signal's default action ends the process
            // (nothing is open yet); after the run, it finds nothing to stop.
            let code = output.status.code();
            assert!(
                code.is_none() || code == Some(status) || code == Some(0),
                "{sig:?} after {delay} ms: {:?}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        for steps_seen in 1..=9 {
            let lab = Lab::new();
            let output = signal_after_steps(&lab, "unix", steps_seen, sig);
            let left = entries(lab.sockets.path());
            assert!(left.is_empty(), "{sig:?} after step {steps_seen} left {left:?}");
            assert_eq!(progress_leftovers(&lab), Vec::<String>::new(), "{sig:?} at {steps_seen}");
            let code = output.status.code();
            assert!(code == Some(status) || code == Some(0), "{sig:?}: {:?}", output.status);
        }
    }
}

/// Item 7, for listeners: each signal right after each of the TCP lesson's first steps (both
/// listeners up, one brought back with `fg`): the run ends and its port is free again.
#[test]
fn every_signal_in_the_tcp_lesson_leaves_no_listener() {
    for (sig, status) in SIGNALS {
        for steps_seen in [1, 2, 5, 7] {
            let offset = free_offset();
            let lab = Lab::new().moved_by(offset);
            let output = signal_after_steps(&lab, "tcp", steps_seen, sig);
            let code = output.status.code();
            assert!(code == Some(status) || code == Some(0), "{sig:?}: {:?}", output.status);
            assert!(
                crate::support::port_is_released(8080 + offset),
                "{sig:?} after step {steps_seen} left a listener on {}",
                8080 + offset
            );
        }
    }
}

/// Items 3 and 4: Ctrl+C in the fourth lesson keeps every step of the first three.
#[test]
fn ctrl_c_after_three_lessons_keeps_their_progress() {
    let lab = Lab::new().moved_by(free_offset());
    let mut child = lab
        .command(&["run", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let fourth = lines.by_ref().map_while(Result::ok).find(|l| l.starts_with("Lesson 4 of 4"));
    assert!(fourth.is_some(), "the fourth lesson never began");
    signal(&child, rustix::process::Signal::INT);
    drop(lines);
    let output = wait_within(child, Duration::from_secs(30), "the interrupted run");
    assert_eq!(output.status.code(), Some(130));
    let list = lab.run(&["list"]);
    list.assert_status(0);
    for lesson in [" setup:", " tcp:", " udp:"] {
        let row = list.stdout.lines().find(|l| l.contains(lesson)).unwrap();
        assert!(row.contains("done"), "{lesson} lost its progress:\n{}", list.stdout);
    }
}

/// Item 3: two runs of one student at the same time, each saving step by step, lose nothing.
#[test]
fn two_runs_at_once_lose_no_progress() {
    let lab = Lab::new().moved_by(free_offset());
    let runs: Vec<Child> = ["setup", "unix"]
        .iter()
        .map(|lesson| {
            lab.command(&["run", "--yes", lesson])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let output = wait_within(run, Duration::from_secs(60), "a run");
        assert_eq!(output.status.code(), Some(0));
    }
    let list = lab.run(&["list"]);
    for lesson in [" setup:", " unix:"] {
        let row = list.stdout.lines().find(|l| l.contains(lesson)).unwrap();
        assert!(row.contains("done"), "{lesson} lost progress:\n{}", list.stdout);
    }
}

/// Item 5: a damaged progress file is set aside, named, and the commands go on.
#[test]
fn a_damaged_progress_file_is_set_aside_and_every_command_works() {
    let lab = Lab::new();
    let dir = lab.state.path().join("socklab");
    std::fs::create_dir_all(&dir).unwrap();
    for damaged in ["format = [", "format = 2\n[lessons]\n", "\u{0}\u{1}"] {
        std::fs::write(dir.join("progress.toml"), damaged).unwrap();
        let list = lab.run(&["list"]);
        list.assert_status(0);
        assert!(list.stderr.contains("progress.toml.bad-"), "{}", list.stderr);
        assert_eq!(list.stderr.lines().count(), 1, "{}", list.stderr);
        std::fs::write(dir.join("progress.toml"), damaged).unwrap();
        lab.run(&["reset"]).assert_status(0);
        lab.run(&["reset", "tcp"]).assert_status(0);
    }
    let backups = entries(&dir).into_iter().filter(|n| n.contains(".bad-")).count();
    assert_eq!(backups, 6);
}

/// Item 6: without an absolute HOME or XDG_STATE_HOME nothing is written where socklab runs.
#[test]
fn without_a_home_progress_is_not_kept_and_the_working_directory_untouched() {
    let sockets = short_tempdir();
    let cwd = tempfile::tempdir().unwrap();
    for home in [Some(""), Some("relative"), None] {
        let mut command = socklab();
        command
            .args(["run", "--yes", "setup", "--socket-dir"])
            .arg(sockets.path())
            .env_remove("XDG_STATE_HOME")
            .current_dir(cwd.path());
        match home {
            Some(home) => command.env("HOME", home),
            None => command.env_remove("HOME"),
        };
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("progress is not kept"), "{stderr}");
        assert!(entries(cwd.path()).is_empty(), "{:?}", entries(cwd.path()));
    }
}

/// Item 2: a lesson's control characters never reach the terminal raw.
#[test]
fn control_characters_in_a_lesson_are_shown_not_obeyed() {
    let title = "\\u001b]0;pwned\\u0007\\u001b[2JFake";
    let dir = lessons(&[("small.toml", &small_lesson(title, ""))]);
    let lab = Lab::new().with_lessons(dir.path());
    for args in [&["list"][..], &["run", "--yes"], &["run", "--yes", "--format", "json"]] {
        let outcome = lab.run(args);
        for stream in [&outcome.stdout, &outcome.stderr] {
            assert!(!stream.contains(['\u{1b}', '\u{7}']), "{args:?}: {stream:?}");
        }
    }
    assert!(lab.run(&["list"]).stdout.contains("^[]0;pwned^G^[[2JFake"));
}

/// socklab's own lines about a socket (listen's "listening on" and its notes) write out the
/// control characters of a path that someone else may have chosen, never send them raw.
#[test]
fn control_characters_in_a_socket_path_are_shown_not_obeyed_in_socklabs_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x\u{1b}]0;pwned\u{7}.sock");
    let mut child = socklab()
        .args(["listen", "--notes"])
        .arg(format!("UNIX-LISTEN:{}", path.display()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut first).unwrap();
    signal(&child, rustix::process::Signal::TERM);
    let output = wait_within(child, Duration::from_secs(10), "the listener");
    assert!(output.status.code().is_some(), "{:?}", output.status);
    assert!(first.contains("listening on") && first.contains("x^[]0;pwned^G.sock"), "{first:?}");
    assert!(!first.contains(['\u{1b}', '\u{7}']), "{first:?}");
    assert!(!path.exists(), "the socket file was left behind");
}

/// A listener whose stderr reader is gone before it says a word keeps listening (its lines
/// are lost, never a panic), and still ends as socat does on SIGTERM, its file removed.
#[test]
fn a_closed_stderr_does_not_take_a_listener_down() {
    let dir = short_tempdir();
    let path = dir.path().join("quiet.sock");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = socklab()
        .args(["listen", "--notes"])
        .arg(format!("UNIX-LISTEN:{}", path.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::from(writer))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::os::unix::net::UnixStream::connect(&path).is_err() {
        assert!(Instant::now() < deadline, "the listener never answered");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Its "listening on" line and notes have been written (and lost) by now; it still serves.
    std::thread::sleep(Duration::from_millis(100));
    assert!(std::os::unix::net::UnixStream::connect(&path).is_ok(), "the listener went away");
    signal(&child, rustix::process::Signal::TERM);
    let output = wait_within(child, Duration::from_secs(10), "the listener");
    assert_eq!(
        output.status.code(),
        Some(143),
        "SIGTERM's status, as socat's: {:?}",
        output.status
    );
    assert!(!path.exists(), "the socket file was left behind");
}

/// Item 12: a closed stdout ends the commands without a panic.
#[test]
fn a_closed_stdout_is_a_normal_end() {
    let dir = lessons(&[("small.toml", &small_lesson("Small", ""))]);
    let small = Lab::new().with_lessons(dir.path());
    let shipped = Lab::new();
    let runs = [
        (&small, &["list"][..]),
        (&small, &["reset"]),
        (&shipped, &["explain", "tcp"]),
        (&small, &["lint"]),
        (&small, &["run", "--yes"]),
    ];
    for (lab, args) in runs {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = lab.command(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?}: {stderr}");
    }
}

/// Item 13: socket directories with a space, `$`, a quote or a backslash, and relative ones.
#[test]
fn any_socket_directory_a_user_can_name_works() {
    let base = short_tempdir();
    for name in ["a b", "a$b", "a\"b", "a\\b", "it's"] {
        let dir = base.path().join(name);
        let output = socklab()
            .args(["run", "--yes", "unix", "--socket-dir"])
            .arg(&dir)
            .env("XDG_STATE_HOME", base.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{name}:\n{stdout}");
        assert!(entries(&dir).is_empty(), "{name}: {:?}", entries(&dir));
    }
    let output = socklab()
        .args(["run", "--yes", "unix", "--socket-dir", "relative/dir"])
        .env("XDG_STATE_HOME", base.path())
        .current_dir(base.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "relative:\n{stdout}");
    assert!(stdout.contains(&base.path().join("relative/dir").display().to_string()), "{stdout}");
}

/// Item 1: a socket directory anyone may write in, without the sticky bit, is refused.
#[test]
fn a_world_writable_socket_directory_without_sticky_bit_is_refused() {
    let base = short_tempdir();
    let dir = base.path().join("open");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    for args in [&["run", "--yes", "unix"][..], &["lint"]] {
        let output = socklab().args(args).arg("--socket-dir").arg(&dir).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("no sticky bit"), "{stderr}");
        assert!(entries(&dir).is_empty());
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let state = tempfile::tempdir().unwrap();
    let sticky = socklab()
        .args(["run", "--yes", "unix", "--socket-dir"])
        .arg(&dir)
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    assert_eq!(sticky.status.code(), Some(0), "{}", String::from_utf8_lossy(&sticky.stdout));
    assert!(entries(&dir).is_empty());
}

/// Item 1: chmod never changes a file through a link swapped in for the socket file, even
/// while another thread swaps it back and forth.
#[test]
fn chmod_never_goes_through_a_swapped_link() {
    use socklab::runner::session::chmod_socket_file;
    let dir = short_tempdir();
    let path = dir.path().join("s.sock");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "secret").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    let id = (meta.dev(), meta.ino());
    chmod_socket_file(&path, id, 0o640).unwrap();
    assert_eq!(std::fs::symlink_metadata(&path).unwrap().mode() & 0o777, 0o640);

    let aside = dir.path().join("aside.sock");
    std::fs::rename(&path, &aside).unwrap();
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    assert!(chmod_socket_file(&path, id, 0o666).is_err());
    assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o777, 0o600);

    // A racing swap: the socket file and the link trade places while chmod runs.
    std::fs::remove_file(&path).unwrap();
    std::fs::rename(&aside, &path).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let link = dir.path().join("link");
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = std::os::unix::fs::symlink(&victim, &link);
                let _ = std::fs::rename(&path, &aside);
                let _ = std::fs::rename(&link, &path);
                let _ = std::fs::rename(&aside, &path);
            }
        });
        for _ in 0..2000 {
            let _ = chmod_socket_file(&path, id, 0o666);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o777, 0o600);
    drop(listener);
}

/// Item 10: a FIFO does not block the load, a link to /dev/zero is not read forever, and a
/// huge file is not read whole; each is skipped and named, and the other lessons load.
#[test]
fn only_regular_lesson_files_of_sensible_size_are_read() {
    let dir = lessons(&[("small.toml", &small_lesson("Small", ""))]);
    let fifo = dir.path().join("x.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.toml")).unwrap();
    std::fs::write(dir.path().join("huge.toml"), vec![b'#'; 2 * 1024 * 1024]).unwrap();
    let lab = Lab::new().with_lessons(dir.path());
    for args in [&["lint"][..], &["list"], &["run", "--yes"]] {
        let child =
            lab.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let output = wait_within(child, Duration::from_secs(30), "the load");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.contains("x.toml: skipped: it is a FIFO"), "{stderr}");
        assert!(stderr.contains("zero.toml: skipped: it is a device"), "{stderr}");
        assert!(stderr.contains("huge.toml: skipped: it is larger than 1024 KiB"), "{stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Small") || stdout.contains("1 lesson,"), "{args:?}: {stdout}");
    }
}

/// Items 8 and 11: what only a run would trip over is caught when the lesson is linted.
#[test]
fn lint_catches_values_that_fail_only_at_run_time() {
    let port = small_lesson(
        "Ports",
        "\n[[steps]]\nid = \"probe\"\ntitle = \"Probe\"\nrun = \"nc -4 -vz 127.0.0.1 {p}\"\n\
         status = 1\n\n[ports]\np = 65000\n",
    );
    let dir = lessons(&[("small.toml", &port)]);
    let output =
        socklab().args(["lint", "--port-offset", "1000"]).arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("moves p (65000) past 65535"), "{stdout}");

    let wait = small_lesson(
        "Wait",
        "\n[[steps]]\nid = \"probe\"\ntitle = \"Probe\"\nrun = \"nc -4 -w 86400 -vz 127.0.0.1 9\"\n\
         status = 1\n",
    );
    let dir = lessons(&[("small.toml", &wait)]);
    let output = socklab().arg("lint").arg(dir.path()).output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("86400"), "{all}");

    for (extra, says) in [
        ("status = -1\n", "an exit status, 0 to 255"),
        (&format!("expect = \"\"\"\n{}\"\"\"\n", "line\n".repeat(1001)), "at most 1000"),
        ("expect = \"a{?}{?}{?}{?}{?}{?}{?}{?}{?}\"\n", "at most 8"),
    ] {
        let dir = lessons(&[("small.toml", &small_lesson("Bad", extra))]);
        let output = socklab().arg("lint").arg(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}

/// Item 1: a lesson's own socket path in a directory anyone may write in, without the sticky
/// bit, is refused before anything is bound there.
#[test]
fn a_lesson_path_in_an_unsafe_directory_is_refused() {
    let base = short_tempdir();
    let open = base.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let lesson = format!(
        "format_version = 1\nid = \"open\"\ntitle = \"Open\"\n\n[paths]\ns = \"{}/s.sock\"\n\n\
         [[steps]]\nid = \"listen\"\ntitle = \"Listen\"\nrun = \"socat UNIX-LISTEN:{{s}},fork /dev/null &\"\n\n\
         [[steps]]\nid = \"stop\"\ntitle = \"Stop\"\nrun = \"fg\"\n\n\
         [[steps]]\nid = \"clean\"\ntitle = \"Clean\"\ncheck = \"released\"\n",
        open.display()
    );
    let dir = lessons(&[("open.toml", &lesson)]);
    let state = tempfile::tempdir().unwrap();
    let output = socklab()
        .args(["run", "--yes", "--lessons"])
        .arg(dir.path())
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no sticky bit"), "{stderr}");
    assert!(entries(&open).is_empty());
}
