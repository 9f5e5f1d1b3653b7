//! Labs: every student their own network, ports and /tmp (src/isolation).
//!
//! Each test is its own student (state and runtime directories of its own), so tests that
//! run at once never share a lasting lab. Where the kernel refuses user namespaces, the lab
//! tests are skipped with a printed reason; the fallback test makes that refusal itself.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    Student, fixture, free_offset_for, is_root, labs_allowed, outcome_of, port_is_free, socklab,
};

/// A name no other test uses, for files that must not appear in the host's /tmp.
fn unique(name: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("sl-{name}-{}-{n}", std::process::id())
}

/// Waits up to 10 s for `done`.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_labs_at_once_use_the_tutorials_own_ports_and_paths() {
    if !labs_allowed() {
        return;
    }
    let students = [Student::new(), Student::new(), Student::new()];
    // No offset, no socket directory: 8080, 123 and /tmp/stream.sock for every one of them.
    let children: Vec<_> = students
        .iter()
        .map(|student| {
            student
                .command(&["run", "--yes"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
        assert!(stdout.contains("TCP4-LISTEN:8080,fork"), "{stdout}");
        assert!(stdout.contains("UDP4-LISTEN:123,fork"), "{stdout}");
        // Said where port 123 would need privilege on this host.
        if socklab::net::privilege::unprivileged_port_start() > 123 {
            let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words.contains("port 123 binds without sudo"), "{stdout}");
        }
        assert!(stdout.contains("/tmp/stream.sock"), "{stdout}");
        assert!(!stderr.contains("isolation is off"), "{stderr}");
    }
    // The lessons ran in labs of their own: their progress still landed on the host.
    for student in &students {
        let progress = student.state.path().join("socklab/progress.toml");
        assert!(progress.exists(), "no progress at {}", progress.display());
    }
}

/// `socklab shell -- socklab listen ADDRESS` in the background, once it listens.
fn listening_in_a_lab(student: &Student, address: &str) -> std::process::Child {
    let mut child = student
        .command(&["shell", "--", env!("CARGO_BIN_EXE_socklab"), "listen", "--notes", address])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("listening on"), "the listener in the lab did not start: {first}");
    child
}

#[test]
fn a_shell_sees_the_labs_sockets_the_host_does_not_and_the_lab_ends_with_it() {
    if !labs_allowed() {
        return;
    }
    let student = Student::new();
    let port = free_offset_for(&[0], 10_000..20_000);
    let file = format!("/tmp/{}.sock", unique("shell"));
    let mut tcp = listening_in_a_lab(&student, &format!("TCP4-LISTEN:{port},fork"));
    // A second shell joins the same lab: it sees the first one's listener, and adds a file.
    let mut unix = listening_in_a_lab(&student, &format!("UNIX-LISTEN:{file},fork"));
    let inside = outcome_of(&mut student.command(&[
        "shell",
        "--",
        env!("CARGO_BIN_EXE_socklab"),
        "inspect",
        "-tlnx",
    ]));
    inside.assert_status(0);
    assert!(inside.stdout.contains(&format!("0.0.0.0:{port}")), "{}", inside.stdout);
    assert!(inside.stdout.contains(&file), "{}", inside.stdout);
    let net =
        || outcome_of(&mut student.command(&["shell", "--", "readlink", "/proc/self/ns/net"]));
    let (lab_net, again) = (net().stdout, net().stdout);
    let host_net = std::fs::read_link("/proc/self/ns/net").unwrap().display().to_string();
    assert_eq!(lab_net, again, "the second shell made another lab");
    assert_ne!(lab_net.trim(), host_net, "the shell ran on the host");
    // The host sees nothing of it.
    assert!(port_is_free(port), "the lab's listener is in the host's tables");
    assert!(!std::path::Path::new(&file).exists(), "the lab's socket file is in the host's /tmp");
    assert!(student.record().exists(), "no record of the running lab");
    for child in [&mut tcp, &mut unix] {
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        child.wait().unwrap();
    }
    // With its last member gone, the lab ends and forgets its record.
    eventually("the lab to end", || !student.record().exists());
    assert!(!std::path::Path::new(&file).exists());
}

#[test]
fn practice_and_check_grade_the_labs_sockets_and_check_without_a_lab_says_so() {
    if !labs_allowed() {
        return;
    }
    let student = Student::new();
    // Nothing running: graded on the host, with the way to a lab.
    let host = student.run(&["check", "--wait", "0", "tcp"]);
    assert!(host.stderr.contains("`socklab shell` gives you a lab"), "{}", host.stderr);
    // The exercise's port, 9091, bound on loopback only, in the lab (never on the host).
    let mut child = listening_in_a_lab(&student, "TCP4-LISTEN:9091,bind=127.0.0.1,fork");
    let graded = student.run(&["check", "--wait", "2", "tcp"]);
    assert!(
        graded
            .stdout
            .lines()
            .any(|l| l.starts_with("[pass]") && l.contains("tcp/loopback-listener")),
        "{}\n{}",
        graded.stdout,
        graded.stderr
    );
    assert!(!graded.stderr.contains("no lab of yours"), "{}", graded.stderr);
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    child.wait().unwrap();
    eventually("the lab to end", || !student.record().exists());
}

/// Runs `script` with sh inside a user namespace where `user.max_user_namespaces` is 0, so
/// that any further user namespace is refused (ENOSPC), as on a hardened host. As root, the
/// namespace maps uids 0-65535 to themselves and the script may drop to a student's uid; as
/// another user, only that user is mapped (as 0) and every capability is dropped first.
pub(crate) fn where_namespaces_are_refused(
    script: &str,
    env: &[(&str, &std::path::Path)],
) -> Option<crate::support::Outcome> {
    if which::which("unshare").is_err() || which::which("setpriv").is_err() || !labs_allowed() {
        eprintln!("notice: unshare or setpriv missing, or no user namespaces; skipping");
        return None;
    }
    let body = format!("echo 0 > /proc/sys/user/max_user_namespaces || exit 99\n{script}");
    let mut command = if is_root() {
        let mut command = Command::new("unshare");
        // The maps are written from outside once it runs; `read` waits for them, and the exec
        // makes the shell that writes the sysctl start with them.
        command.args(["--user", "sh", "-c", "read ready; exec sh -c \"$0\"", &body]);
        command
    } else {
        let mut command = Command::new("unshare");
        command.args([
            "--user",
            "--map-root-user",
            "sh",
            "-c",
            "read ready; exec sh -c \"$0\"",
            &body,
        ]);
        command
    };
    for (name, value) in env {
        command.env(name, value);
    }
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if is_root() {
        // Only once the child is in its new user namespace can its maps be written.
        let own = std::fs::read_link("/proc/self/ns/user").unwrap();
        let theirs = format!("/proc/{}/ns/user", child.id());
        eventually("unshare", || std::fs::read_link(&theirs).is_ok_and(|ns| ns != own));
        for map in ["uid_map", "gid_map"] {
            std::fs::write(format!("/proc/{}/{map}", child.id()), "0 0 65536\n").unwrap();
        }
    }
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let outcome = crate::support::Outcome {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    if outcome.status == Some(99) {
        eprintln!(
            "notice: user.max_user_namespaces cannot be set here; skipping\n{}",
            outcome.stderr
        );
        return None;
    }
    Some(outcome)
}

#[test]
fn where_namespaces_are_refused_auto_moves_the_ports_and_says_so() {
    let student = Student::new();
    // The student: uid 4242 as root (their runtime directory handed to them), or this user
    // stripped of every capability otherwise (a container without the capability).
    let drop_to = if is_root() {
        std::os::unix::fs::chown(student.runtime.path(), Some(4242), Some(4242)).unwrap();
        std::os::unix::fs::chown(student.state.path(), Some(4242), Some(4242)).unwrap();
        "setpriv --reuid=4242 --regid=4242 --clear-groups"
    } else {
        "setpriv --bounding-set=-all --inh-caps=-all"
    };
    let exe = env!("CARGO_BIN_EXE_socklab");
    let script = format!(
        "{drop_to} {exe} run --yes tcp; echo \"status=$?\"\n\
         {drop_to} {exe} --isolation namespace run --yes tcp; echo \"status=$?\"\n\
         {drop_to} {exe} shell -- true; echo \"status=$?\""
    );
    let env = [
        ("XDG_STATE_HOME", student.state.path()),
        ("HOME", student.state.path()),
        ("XDG_RUNTIME_DIR", student.runtime.path()),
        ("SOCKLAB_LANG", std::path::Path::new("en")),
        ("NO_COLOR", std::path::Path::new("1")),
    ];
    let Some(outcome) = where_namespaces_are_refused(&script, &env) else { return };
    let (out, err) = (&outcome.stdout, &outcome.stderr);
    let statuses: Vec<&str> = out.lines().filter(|l| l.starts_with("status=")).collect();
    assert_eq!(statuses, ["status=0", "status=1", "status=1"], "{out}\n{err}");
    // auto: one notice saying isolation is off, why, and what moved where; the run passes.
    assert_eq!(err.matches("isolation is off").count(), 1, "{err}");
    assert!(err.contains("user.max_user_namespaces is 0"), "{err}");
    assert!(err.contains("are moved by") && err.contains("socket files go to"), "{err}");
    assert!(!out.contains("TCP4-LISTEN:8080,"), "the tutorial's port was not moved: {out}");
    // namespace: a clear reason; shell: the same, and the way on.
    assert!(err.contains("cannot make a lab of your own"), "{err}");
    assert!(err.contains("cannot open a lab of your own"), "{err}");
}

#[test]
fn a_udp_port_shared_with_another_users_socket_is_refused_naming_the_holder() {
    if !is_root() || which::which("setpriv").is_err() {
        eprintln!("notice: needs root and setpriv to have another user's socket; skipping");
        return;
    }
    let port = free_offset_for(&[0], 20_000..30_000);
    let address = format!("UDP4-LISTEN:{port},fork");
    let mut theirs = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_socklab"))
        .args(["listen", "--notes", &address])
        .env("SOCKLAB_LANG", "en")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(theirs.stderr.take().unwrap()).lines();
    assert!(lines.next().and_then(Result::ok).unwrap_or_default().contains("listening on"));
    let ours = outcome_of(socklab().args(["listen", &address]).stdin(Stdio::null()));
    let pid = rustix::process::Pid::from_raw(theirs.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    theirs.wait().unwrap();
    ours.assert_status(1);
    assert!(ours.stderr.contains("already has a UDP socket of"), "{}", ours.stderr);
    assert!(ours.stderr.contains("uid 65534"), "{}", ours.stderr);
    assert!(ours.stderr.contains(&format!("pid {}", theirs.id())), "{}", ours.stderr);
    assert!(ours.stderr.contains("socklab shell"), "{}", ours.stderr);
}

#[test]
fn run_shaping_options_work_before_and_after_the_subcommand() {
    let student = Student::new();
    let offset = free_offset_for(&[8080], 10_000..24_000).to_string();
    for args in [
        vec!["--port-offset", &offset, "--isolation", "none", "run", "--yes", "tcp"],
        vec!["run", "--yes", "tcp", "--port-offset", &offset, "--isolation", "none"],
    ] {
        let outcome = student.run(&args);
        outcome.assert_status(0);
        let moved = format!("TCP4-LISTEN:{},fork", 8080 + offset.parse::<u16>().unwrap());
        assert!(outcome.stdout.contains(&moved), "{args:?}\n{}", outcome.stdout);
    }
    let dir = fixture("wrong-expectation");
    for args in [
        vec!["--lessons", dir.to_str().unwrap(), "list"],
        vec!["list", "--lessons", dir.to_str().unwrap()],
    ] {
        let outcome = student.run(&args);
        outcome.assert_status(0);
        assert!(!outcome.stdout.contains(" tcp "), "{args:?} listed the shipped lessons");
    }
    // An option a command has no use for is refused, not ignored.
    let refused = student.run(&["inspect", "--port-offset", "3"]);
    refused.assert_status(2);
    assert!(refused.stderr.contains("--port-offset has no effect on `socklab inspect`"));
    let bad_run = outcome_of(
        student.command(&["run", "--yes", "setup"]).env("SOCKLAB_ISOLATION", "sometimes"),
    );
    bad_run.assert_status(2);
    // The configuration layer reads SOCKLAB_ISOLATION first, and names it.
    let said = &bad_run.stderr;
    assert!(said.contains("SOCKLAB_ISOLATION") && said.contains("`sometimes`"), "{said}");
}

/// Root grades a student in the lab the student keeps with `socklab shell` (`check --user`):
/// the student's listener there passes, although the host's tables do not have it.
#[test]
fn root_grades_a_student_in_the_students_own_lab() {
    if !is_root() || which::which("setpriv").is_err() || !labs_allowed() {
        eprintln!("notice: needs root, setpriv and labs to grade another user's lab; skipping");
        return;
    }
    // A uid of this test's own, so that no other test's lab of that uid is joined.
    let uid = 40_000 + std::process::id() % 20_000;
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .unwrap();
    let mut shell = Command::new("setpriv")
        .args([format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()])
        .arg(env!("CARGO_BIN_EXE_socklab"))
        .args(["shell", "--", env!("CARGO_BIN_EXE_socklab"), "listen", "--notes"])
        .arg("TCP4-LISTEN:9091,bind=127.0.0.1,fork")
        .env("HOME", home.path())
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("SOCKLAB_ISOLATION")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(shell.stderr.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("listening on"), "the student's listener did not start: {first}");
    let graded = outcome_of(
        socklab()
            .args(["check", "--user", &uid.to_string(), "tcp"])
            .env_remove("SOCKLAB_ISOLATION"),
    );
    let pid = rustix::process::Pid::from_raw(shell.id() as i32).unwrap();
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    let _ = shell.wait();
    assert!(graded.stderr.contains("in the lab they keep"), "{}", graded.stderr);
    let row = graded.stdout.lines().find(|l| l.contains("tcp/loopback-listener")).unwrap_or("");
    assert!(row.contains("pass"), "{}\n{}", graded.stdout, graded.stderr);
}
