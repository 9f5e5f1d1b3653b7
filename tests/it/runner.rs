//! The lesson runner, end to end: the shipped lessons in batch mode (moved ports, an
//! unprivileged user, a private network namespace with the tutorial's own ports), failures
//! and their differences, malformed lessons, and interrupted runs that leave nothing behind.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use crate::support::{Lab, fixture, free_offset, free_offset_for, is_root, port_is_free};

fn summary_line(stdout: &str) -> &str {
    stdout.lines().rfind(|l| l.contains(" passed, ")).unwrap_or_default()
}

#[test]
fn every_shipped_lesson_passes_in_batch_mode_with_moved_ports() {
    let lab = Lab::new().moved_by(free_offset());
    let outcome = lab.run(&["run", "--yes"]);
    outcome.assert_status(0);
    let summary = summary_line(&outcome.stdout);
    assert!(summary.contains(" 0 failed, 0 errors"), "{}", outcome.stdout);
    assert!(!summary.starts_with("0 passed"), "{}", outcome.stdout);
    // The run says it used the moved ports, and left no socket file in its directory.
    assert!(!outcome.stdout.contains(":8080 "), "a port was not moved:\n{}", outcome.stdout);
    assert_eq!(std::fs::read_dir(lab.sockets.path()).unwrap().count(), 0);
}

#[test]
fn lessons_pass_when_8080_is_taken_by_another_program() {
    // Hold 8080 ourselves when we can; if something else holds it, that is the case too.
    let _holder = std::net::TcpListener::bind("0.0.0.0:8080");
    assert!(!port_is_free(8080));
    let outcome = Lab::new().moved_by(free_offset()).run(&["run", "--yes", "tcp"]);
    outcome.assert_status(0);
}

#[test]
fn a_taken_port_is_an_error_of_the_environment_naming_the_holder() {
    let offset = free_offset();
    let holder = std::net::TcpListener::bind(("0.0.0.0", 8080 + offset)).unwrap();
    let outcome = Lab::new().moved_by(offset).run(&["run", "--yes", "tcp"]);
    outcome.assert_status(1);
    assert!(outcome.stdout.contains("[error]"), "{}", outcome.stdout);
    let summary = summary_line(&outcome.stdout);
    assert!(summary.contains(" 0 failed, 1 errors"), "{}", outcome.stdout);
    drop(holder);
}

#[test]
fn json_format_gives_one_object_per_step() {
    let outcome =
        Lab::new().moved_by(free_offset()).run(&["run", "--yes", "--format", "json", "tcp"]);
    outcome.assert_status(0);
    let records: Vec<serde_json::Value> =
        outcome.stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let lessons = socklab::lesson::shipped().unwrap();
    let tcp = lessons.iter().find(|l| l.id == "tcp").unwrap();
    assert_eq!(records.len(), tcp.steps.len());
    for (record, step) in records.iter().zip(&tcp.steps) {
        assert_eq!(record["lesson"], "tcp");
        assert_eq!(record["step"], step.id.as_str());
        assert!(["pass", "skipped"].contains(&record["verdict"].as_str().unwrap()), "{record}");
        assert!(record["observed"].is_string());
    }
    let inspect = records.iter().find(|r| r["step"] == "inspect-ipv4").unwrap();
    assert!(inspect["observed"].as_str().unwrap().contains("LISTEN"), "{inspect}");
}

#[test]
fn a_wrong_expectation_fails_with_the_difference_marked() {
    let lab = Lab::new().with_lessons(fixture("wrong-expectation")).moved_by(free_offset());
    let outcome = lab.run(&["run", "--yes"]);
    outcome.assert_status(1);
    assert!(outcome.stdout.contains("[fail]"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("- LISTEN 0 1 0.0.0.0:"), "{}", outcome.stdout);
    let marked = outcome.stdout.lines().any(|l| l.trim() == "^");
    assert!(marked, "the backlog field should be marked:\n{}", outcome.stdout);
    // The failure does not stop the clean-up: the lesson still ends with nothing left.
    assert!(
        summary_line(&outcome.stdout).starts_with("3 passed, 1 failed, 0 errors"),
        "{}",
        outcome.stdout
    );
}

#[test]
fn a_malformed_lesson_exits_2_naming_file_line_and_column() {
    let outcome = Lab::new().with_lessons(fixture("malformed")).run(&["run", "--yes"]);
    outcome.assert_status(2);
    assert!(outcome.stderr.contains("01-broken.toml:9:"), "{}", outcome.stderr);
    assert!(outcome.stderr.starts_with("socklab: error: "), "{}", outcome.stderr);
}

#[test]
fn an_unknown_command_is_refused_when_the_lesson_loads() {
    let outcome = Lab::new().with_lessons(fixture("unknown-command")).run(&["list"]);
    outcome.assert_status(2);
    assert!(
        outcome.stderr.contains("01-netstat.toml:8:8: `netstat` is not a command"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("01-netstat.toml:13:28: `{port}` is not a value"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("2 problems"), "{}", outcome.stderr);
}

#[test]
fn progress_is_kept_listed_and_reset() {
    let lab = Lab::new().moved_by(free_offset());
    lab.run(&["run", "--yes", "setup"]).assert_status(0);
    let list = lab.run(&["list"]);
    list.assert_status(0);
    // Each lesson: its title line, then its steps, exercises and quizzes.
    let block = |out: &str, id: &str| {
        let lines: Vec<&str> = out.lines().collect();
        let at = lines.iter().position(|l| l.contains(&format!(" {id}: "))).unwrap();
        lines[at..at + 4].join("\n")
    };
    let setup = block(&list.stdout, "setup");
    assert!(setup.contains("[##########] 3/3") && setup.contains("(done)"), "{}", list.stdout);
    assert!(block(&list.stdout, "tcp").contains("[----------] 0/10"), "{}", list.stdout);
    lab.run(&["reset", "setup"]).assert_status(0);
    let after = lab.run(&["list"]);
    assert!(block(&after.stdout, "setup").contains("0/3"), "{}", after.stdout);
    let unknown = lab.run(&["reset", "nope"]);
    unknown.assert_status(2);
    assert!(unknown.stderr.contains("no lesson called `nope`"), "{}", unknown.stderr);
}

/// A port whose connects hang: a listener with a full accept queue that never accepts (the
/// kernel drops further SYNs, so a client waits in SYN-SENT).
fn stuck_port(port: u16) -> (Socket, Vec<Socket>) {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    // As socat's and socklab's listeners do: a TIME-WAIT left on the port by an earlier
    // connection (free_offset counts it as free) must not refuse the bind.
    listener.set_reuse_address(true).unwrap();
    listener.bind(&addr.into()).unwrap();
    listener.listen(0).unwrap();
    let mut queued = Vec::new();
    for _ in 0..4 {
        let client = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        if client.connect_timeout(&addr.into(), Duration::from_millis(300)).is_err() {
            break;
        }
        queued.push(client);
    }
    (listener, queued)
}

fn interrupted_run_leaves_nothing(signal: rustix::process::Signal, expected_status: i32) {
    // Both ports below the kernel's ephemeral range (32768 up), where clients' ports come from.
    let offset = free_offset_for(&[8080, 9090], 10_000..23_000);
    let (stuck, _queued) = stuck_port(9090 + offset);
    let lab = Lab::new().with_lessons(fixture("interrupt")).moved_by(offset);
    let mut child = lab
        .command(&["run", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until both listeners are up; the next step is the probe that hangs.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = 0;
    while seen < 2 && Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("[pass]") => seen += 1,
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    assert_eq!(seen, 2, "the listeners did not come up");
    let socket_file = lab.sockets.path().join("stream.sock");
    assert!(socket_file.exists());
    assert!(TcpStream::connect(("127.0.0.1", 8080 + offset)).is_ok());
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, signal).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(expected_status));
    assert!(!socket_file.exists(), "the socket file was left behind");
    assert!(crate::support::port_is_released(8080 + offset), "the listener was left behind");
    drop(stuck);
}

#[test]
fn sigint_at_a_step_leaves_no_socket_file_and_no_listener() {
    interrupted_run_leaves_nothing(rustix::process::Signal::INT, 130);
}

#[test]
fn sigterm_at_a_step_leaves_no_socket_file_and_no_listener() {
    interrupted_run_leaves_nothing(rustix::process::Signal::TERM, 143);
}

#[test]
fn an_unprivileged_run_shows_the_refusal_then_moves_the_privileged_port() {
    // Ports 123 + offset below 1024: the UDP lesson needs privilege for them.
    let start = socklab::net::privilege::unprivileged_port_start();
    if start < 200 {
        eprintln!("notice: ip_unprivileged_port_start is {start}; no privileged port to test");
        return;
    }
    let offset = free_offset_for(&[123, 1123], 0..(start - 123).min(800));
    let lab = Lab::new().moved_by(offset);
    let outcome = if is_root() {
        if which::which("setpriv").is_err() {
            eprintln!("notice: setpriv is missing; cannot drop privilege to test this as root");
            return;
        }
        std::fs::set_permissions(
            lab.state.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .unwrap();
        // Sticky, as /tmp: a world-writable socket directory without it is refused.
        std::fs::set_permissions(
            lab.sockets.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o1777),
        )
        .unwrap();
        let inner = lab.command(&["run", "--yes", "udp"]);
        let mut command = std::process::Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        command.arg(inner.get_program()).args(inner.get_args());
        for (name, value) in inner.get_envs() {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let output = command.output().unwrap();
        crate::support::Outcome {
            status: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    } else {
        lab.run(&["run", "--yes", "udp"])
    };
    outcome.assert_status(0);
    let tutorial = 123 + offset;
    let moved = 1123 + offset;
    assert!(outcome.stdout.contains("needs privilege"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains(&format!("UDP4-LISTEN:{moved},fork")), "{}", outcome.stdout);
    assert!(outcome.stdout.contains(&format!("{tutorial}")), "{}", outcome.stdout);
    // The kernel's refusal is shown once, not again at the IPv6 twin; no sudo is shown for
    // the moved port, which needs none.
    let refusals = outcome.stdout.matches("is a privileged port").count();
    assert_eq!(refusals, 1, "{}", outcome.stdout);
    assert!(
        !outcome.stdout.contains(&format!("sudo socat UDP4-LISTEN:{moved}")),
        "{}",
        outcome.stdout
    );
}

#[test]
fn the_tutorials_own_ports_in_a_private_network_namespace() {
    // Inside a new network namespace 8080 and 123 are free whatever the host runs. Needs root
    // (or user namespaces) and unshare; the loopback interface starts down there.
    if !is_root() || which::which("unshare").is_err() || which::which("ip").is_err() {
        eprintln!("notice: not root, or unshare/ip missing; skipping the network-namespace run");
        return;
    }
    let probe = std::process::Command::new("unshare").args(["-n", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("notice: unshare -n is not permitted here; skipping");
        return;
    }
    let lab = Lab::new();
    let inner = lab.command(&["run", "--yes"]);
    let mut script = String::from("ip link set lo up && exec");
    script.push_str(&format!(" '{}'", inner.get_program().to_string_lossy()));
    for arg in inner.get_args() {
        script.push_str(&format!(" '{}'", arg.to_string_lossy()));
    }
    let mut command = std::process::Command::new("unshare");
    command.args(["-n", "sh", "-c", &script]);
    for (name, value) in inner.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("TCP4-LISTEN:8080,fork"), "{stdout}");
    assert!(stdout.contains("UDP4-LISTEN:123,fork"), "{stdout}");
}
