//! The firewall lesson: two simulated hosts and nftables, run where socklab holds the network
//! privileges of its namespace (inside `unshare -Urnm` here, as it will inside a student's
//! lab). Skipped, with the reason printed, where user namespaces are refused; its firewall
//! steps are skipped by socklab itself where nft or nf_tables is missing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Lab, Student, have_tool, is_root, labs_allowed, outcome_of};

/// The lesson's probes, by step id, as the lesson runs them (in this order).
const PROBES: &[(&str, &str)] = &[
    ("probe-tcp", "nc -vz 192.0.2.2 8080"),
    ("probe-udp", "nc -u -vz 192.0.2.2 123"),
    ("probe-udp-closed", "nc -u -vz 192.0.2.2 5353"),
    ("probe-dropped", "nc -vz -w 1 192.0.2.2 8080"),
    ("probe-rejected", "nc -vz -w 1 192.0.2.2 8080"),
    ("probe-udp-hidden", "nc -u -vz 192.0.2.2 5353"),
];

/// Whether `unshare -Urnm` works here; prints why not.
fn namespaces_allowed() -> bool {
    let works = which::which("unshare").is_ok()
        && Command::new("unshare").args(["-Urnm", "true"]).status().is_ok_and(|s| s.success());
    if !works {
        eprintln!("notice: unshare -Urnm is refused here (user namespaces off?); skipping");
    }
    works
}

/// Whether socklab will find nft (as the firewall steps do); prints why not.
fn nft_installed() -> bool {
    let found = socklab::topology::nft::program().is_some();
    if !found {
        eprintln!("notice: nft is not installed (Debian package nftables); its steps are skipped");
    }
    found
}

/// A shell word, quoted.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `command` as a line of shell (its environment goes to the outer command).
fn shell_line(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| quoted(&word.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `unshare -Urnm sh -c SCRIPT`, with `inner`'s environment; `$SOCKLAB` in the script is
/// socklab as `inner` runs it. Optionally as uid 65534 (when root and setpriv exists).
fn in_namespace(script: &str, inner: &Command, as_nobody: bool) -> Command {
    let full = format!("SOCKLAB={}\n{script}", quoted(&shell_line(inner)));
    let mut command = if as_nobody {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", "unshare"]);
        command
    } else {
        Command::new("unshare")
    };
    command.args(["-Urnm", "sh", "-c", &full]);
    for (name, value) in inner.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    command
}

/// A lab whose state and socket directories uid 65534 may use too.
fn open_lab() -> Lab {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::new();
    std::fs::set_permissions(lab.state.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // Sticky, as /tmp: a world-writable socket directory without it is refused.
    std::fs::set_permissions(lab.sockets.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    lab
}

/// Runs `socklab run firewall` in a new user+network+mount namespace and checks that it
/// passes; returns its JSON lines.
fn lesson_passes(as_nobody: bool) -> Vec<serde_json::Value> {
    let lab = open_lab();
    let inner = lab.command(&["run", "firewall", "--yes", "--format", "json"]);
    let output = in_namespace("eval \"exec $SOCKLAB\"", &inner, as_nobody).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let steps: Vec<serde_json::Value> =
        stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let verdicts: Vec<(&str, &str)> =
        steps.iter().filter_map(|s| Some((s["step"].as_str()?, s["verdict"].as_str()?))).collect();
    assert_eq!(verdicts.len(), 21, "{stdout}");
    for (step, verdict) in &verdicts {
        let allowed: &[&str] = if nft_installed() { &["pass"] } else { &["pass", "skipped"] };
        assert!(allowed.contains(verdict), "{step}: {verdict}\n{stdout}");
    }
    steps
}

#[test]
fn the_lesson_passes_in_a_namespace() {
    if !namespaces_allowed() {
        return;
    }
    let steps = lesson_passes(false);
    if nft_installed() {
        let dropped = steps.iter().find(|s| s["step"] == "probe-dropped").unwrap();
        let notes = dropped["notes"].to_string();
        assert!(notes.contains("SYN-SENT") && notes.contains("192.0.2.1:"), "{notes}");
    }
}

#[test]
fn the_lesson_passes_for_an_unprivileged_user() {
    if !is_root() || which::which("setpriv").is_err() {
        eprintln!("notice: not root (this run is already unprivileged) or no setpriv; skipping");
        return;
    }
    let refused = !Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "-Urnm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if refused {
        eprintln!("notice: uid 65534 may not make user namespaces here; skipping");
        return;
    }
    lesson_passes(true);
}

#[test]
fn without_the_capability_the_lesson_is_skipped_with_the_reason() {
    if is_root() {
        // Root holds CAP_NET_ADMIN on the host: only an unprivileged run can show this.
        if which::which("setpriv").is_err() {
            eprintln!("notice: no setpriv to drop root; skipping");
            return;
        }
    }
    let lab = open_lab();
    let mut command = lab.command(&["run", "firewall", "--yes"]);
    if is_root() {
        let inner = command;
        command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        command.arg(inner.get_program()).args(inner.get_args());
        for (name, value) in inner.get_envs() {
            if let Some(value) = value {
                command.env(name, value);
            }
        }
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("CAP_NET_ADMIN"), "{stdout}");
    assert!(stdout.contains("0 failed, 0 errors"), "{stdout}");
}

/// The host's links, addresses, routes and firewall, as `ip` and `nft` show them.
const HOST_STATE: &str = "ip -o link; ip -o addr; ip route; ip -6 route; \
    nft list ruleset 2>/dev/null; true";

#[test]
fn the_host_is_unchanged_before_and_after() {
    if !namespaces_allowed() || which::which("ip").is_err() {
        eprintln!("notice: ip is not installed; skipping");
        return;
    }
    // The namespace socklab runs in stands for the host: everything the lesson makes must be
    // inside the hosts it creates there.
    let lab = open_lab();
    let inner = lab.command(&["run", "firewall", "--yes"]);
    let script = format!(
        "ip link set lo up; {HOST_STATE}; echo @@; eval \"$SOCKLAB\" >/dev/null; echo @@; {HOST_STATE}"
    );
    let output = in_namespace(&script, &inner, false).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parts: Vec<&str> = stdout.split("@@\n").collect();
    assert_eq!(parts.len(), 3, "{stdout}");
    assert_eq!(parts[0], parts[2], "the namespace changed");
    assert!(parts[0].contains("lo"), "{stdout}");
}

#[test]
fn the_real_host_is_unchanged_when_root_runs_it_directly() {
    if !is_root() {
        eprintln!("notice: not root; the real host's check needs root's CAP_NET_ADMIN; skipping");
        return;
    }
    let state = || Command::new("sh").args(["-c", HOST_STATE]).output().unwrap().stdout;
    let before = state();
    let lab = open_lab();
    let outcome = lab.run(&["run", "firewall", "--yes"]);
    outcome.assert_status(0);
    assert_eq!(String::from_utf8_lossy(&state()), String::from_utf8_lossy(&before));
}

#[test]
fn sigint_mid_lesson_leaves_nothing() {
    if !is_root() {
        eprintln!("notice: not root; the interrupted run on the real host needs root; skipping");
        return;
    }
    let state = || Command::new("sh").args(["-c", HOST_STATE]).output().unwrap().stdout;
    let before = state();
    let lab = open_lab();
    let mut child = lab
        .command(&["run", "firewall", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Stop it once the hosts exist and the server listens.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = false;
    while !seen && Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) => seen = line.contains("probe-tcp"),
            _ => break,
        }
    }
    assert!(seen, "the lesson did not get to its first probe");
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(String::from_utf8_lossy(&state()), String::from_utf8_lossy(&before));
}

#[test]
fn each_probe_says_what_real_nc_says_on_the_same_hosts() {
    if !namespaces_allowed()
        || !nft_installed()
        || !["nc", "socat", "ip"].iter().all(|tool| have_tool(tool))
    {
        return;
    }
    // The same two hosts and the same firewall steps, made with ip and nft, probed with nc.
    let mut script = String::from(
        "mount -t tmpfs none /run || exit 3
ip netns add client; ip netns add server
ip link add eth0 netns client type veth peer eth0 netns server
for h in client:1 server:2; do
  ip -n ${h%:*} addr add 192.0.2.${h#*:}/24 dev eth0; ip -n ${h%:*} link set eth0 up
  ip -n ${h%:*} link set lo up
done
ip netns exec server socat TCP4-LISTEN:8080,fork /dev/null & tcp=$!
ip netns exec server socat UDP4-LISTEN:123,fork /dev/null & udp=$!
sleep 0.3
S='ip netns exec server nft'
",
    );
    let firewall_before = [
        (
            "probe-dropped",
            "$S add table inet lab; $S add chain inet lab input '{ type filter hook input priority 0; }'; $S add rule inet lab input tcp dport 8080 drop",
        ),
        (
            "probe-rejected",
            "$S flush chain inet lab input; $S add rule inet lab input tcp dport 8080 reject with tcp reset",
        ),
        (
            "probe-udp-hidden",
            "$S add chain inet lab output '{ type filter hook output priority 0; }'; $S add rule inet lab output icmp type destination-unreachable drop",
        ),
    ];
    for (step, probe) in PROBES {
        if let Some((_, rules)) = firewall_before.iter().find(|(s, _)| s == step) {
            script.push_str(rules);
            script.push('\n');
        }
        script.push_str(&format!(
            "echo '@@ {step}'; ip netns exec client {probe} 2>&1; echo \"status $?\"\n"
        ));
    }
    script.push_str("kill $tcp $udp\n");
    let real = Command::new("unshare").args(["-Urnm", "sh", "-c", &script]).output().unwrap();
    let real = String::from_utf8_lossy(&real.stdout);
    let steps = lesson_passes(false);
    for (step, _) in PROBES {
        let ours = steps.iter().find(|s| s["step"] == *step).unwrap();
        let said = format!(
            "{}status {}\n",
            ours["observed"].as_str().unwrap(),
            ours["status"].as_i64().unwrap()
        );
        let theirs = real
            .split(&format!("@@ {step}\n"))
            .nth(1)
            .and_then(|rest| rest.split("@@ ").next())
            .unwrap_or_else(|| panic!("real nc gave nothing for {step}:\n{real}"));
        assert_eq!(said, theirs, "{step}");
    }
}

#[test]
fn sigint_mid_lesson_in_a_namespace_leaves_it_unchanged() {
    if !namespaces_allowed() || which::which("ip").is_err() {
        return;
    }
    let lab = open_lab();
    let inner = lab.command(&["run", "firewall", "--yes"]);
    // Interrupted while the second UDP probe waits (the hosts, listeners and link are up).
    let script = format!(
        "set -m; ip link set lo up; {HOST_STATE}; echo @@
eval \"exec $SOCKLAB\" >/dev/null & pid=$!
sleep 1.5; kill -INT $pid; wait $pid; echo \"status $?\"; echo @@; {HOST_STATE}"
    );
    let output = in_namespace(&script, &inner, false).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parts: Vec<&str> = stdout.split("@@\n").collect();
    assert_eq!(parts.len(), 3, "{stdout}");
    assert_eq!(parts[1], "status 130\n", "{stdout}");
    assert_eq!(parts[0], parts[2], "the namespace changed");
}

#[test]
fn the_extra_lesson_runs_only_when_named_and_list_marks_it() {
    let lessons = socklab::lesson::shipped().unwrap();
    let ids = |names: &[String]| -> Vec<String> {
        let selected = socklab::run_setup::select(&lessons, names).unwrap();
        selected.iter().map(|l| l.id.clone()).collect()
    };
    assert_eq!(ids(&[]), ["setup", "tcp", "udp", "unix"]);
    assert_eq!(ids(&["firewall".to_owned()]), ["firewall"]);
    let listed = Lab::new().run(&["list"]);
    listed.assert_status(0);
    let row = listed.stdout.lines().find(|line| line.contains(" firewall ")).unwrap();
    assert!(row.contains("(extra, after the tutorial: socklab run firewall)"), "{row}");
}

#[test]
fn the_labs_standing_counts_the_extra_lesson_once_it_is_started() {
    use socklab::runner::progress::Progress;
    use socklab::runner::tour::Standing;

    let lessons = socklab::lesson::shipped().unwrap();
    let steps = |extra: bool| -> usize {
        lessons.iter().filter(|l| l.extra == extra).map(|l| l.steps.len()).sum()
    };
    let (tutorial, extra) = (steps(false), steps(true));
    assert!(extra > 0);
    let state = tempfile::tempdir().unwrap();
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    // Untouched, the extra lesson is offered, not owed: the tutorial alone makes the lab.
    assert_eq!(Standing::of_lab(&lessons, &progress).steps, (0, tutorial));
    let firewall = lessons.iter().find(|l| l.id == "firewall").unwrap();
    progress.mark_done("firewall", &firewall.steps[0].id);
    assert_eq!(Standing::of_lab(&lessons, &progress).steps, (1, tutorial + extra));
}

#[test]
fn the_tour_offers_the_extra_lesson_after_the_tutorial() {
    use socklab::lesson::values::Placement;
    use socklab::runner::environment::Environment;
    use socklab::runner::progress::Progress;
    use socklab::ui::StepChoice;
    use socklab::ui::scripted::{Answer, ScriptedUi};

    let lessons = socklab::lesson::shipped().unwrap();
    let last = lessons.iter().rposition(|l| !l.extra).unwrap();
    assert_eq!(lessons[last + 1].id, "firewall");
    let sockets = crate::support::short_tempdir();
    let state = tempfile::tempdir().unwrap();
    let placement = Placement {
        port_offset: crate::support::free_offset(),
        socket_dir: Some(sockets.path().to_owned()),
        ..Placement::default()
    };
    let env = Environment::detect();
    let mut progress = Progress::load_from(state.path().join("progress.toml")).unwrap();
    // Skip every step of the tutorial's last lesson, decline its exercises, then the offer.
    let mut answers: Vec<Answer> =
        lessons[last].steps.iter().map(|_| Answer::Step(StepChoice::Skip)).collect();
    answers.push(Answer::Confirm(false));
    answers.push(Answer::Confirm(false));
    let mut ui = ScriptedUi::new(answers);
    use socklab::lesson::resolve::{ConcreteLesson, ConcreteStep};
    let read_more = |_: &ConcreteLesson, _: &ConcreteStep| None;
    socklab::runner::tour::run(
        &lessons,
        Some(last),
        &env,
        &placement,
        &mut progress,
        &read_more,
        &mut ui,
    )
    .unwrap();
    assert!(ui.is_done(), "{}", ui.transcript);
    let offer = "That was the tutorial. An extra lesson follows, after the tutorial: \"Two hosts and a firewall\"";
    assert!(ui.transcript.contains(offer), "{}", ui.transcript);
    assert!(ui.transcript.contains("That was the last lesson."), "{}", ui.transcript);
}

// The exercises: on the hosts of the student's lasting lab, entered with
// `socklab shell --host`, graded by `socklab check firewall` on the live hosts.

/// `socklab ARGS` as `student`, or as uid 65534 (root dropping to it with setpriv).
fn as_student(student: &Student, nobody: bool, args: &[&str]) -> Command {
    let inner = student.command(args);
    if nobody { crate::support::as_user(65534, &inner) } else { inner }
}

/// A student whose directories uid 65534 owns when `nobody`.
fn student_for(nobody: bool) -> Student {
    let student = Student::new();
    if nobody {
        for dir in [student.state.path(), student.runtime.path()] {
            std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
        }
    }
    student
}

/// `socklab check firewall --format json` as the student: its status and one record per
/// exercise, by id.
fn graded(student: &Student, nobody: bool, wait: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let args = ["check", "firewall", "--format", "json", "--wait", wait];
    let outcome = outcome_of(&mut as_student(student, nobody, &args));
    let records: Vec<serde_json::Value> =
        outcome.stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert_eq!(records.len(), 3, "{}\n{}", outcome.stdout, outcome.stderr);
    (outcome.status, records)
}

/// The verdict of each record, in order.
fn verdicts(records: &[serde_json::Value]) -> Vec<&str> {
    records.iter().map(|r| r["verdict"].as_str().unwrap()).collect()
}

/// Whether uid 65534 may make user namespaces here; prints why not.
fn nobody_may_make_labs() -> bool {
    if !is_root() || which::which("setpriv").is_err() {
        eprintln!("notice: not root (this run is already unprivileged) or no setpriv; skipping");
        return false;
    }
    let allowed = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "-Urnm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        eprintln!("notice: uid 65534 may not make user namespaces here; skipping");
    }
    allowed
}

/// A program of the test's, stopped (SIGTERM) and waited for when dropped, on a panic too.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.0.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let _ = self.0.wait();
    }
}

/// The whole way through both exercises, as a student works: nothing done fails, a listener
/// alone fails (the client connects), the rules typed with the real nft in
/// `socklab shell --host server` pass; the machine's own links, addresses and firewall are
/// the same afterwards, and the lab ends with its last program.
fn exercises_fail_then_pass_after_the_rules(nobody: bool) {
    let Some(nft) = socklab::topology::nft::program() else {
        eprintln!("notice: nft is not installed (Debian package nftables); skipping");
        return;
    };
    let state = || Command::new("sh").args(["-c", HOST_STATE]).output().unwrap().stdout;
    let before = is_root().then(state);
    let student = student_for(nobody);
    // No lab yet: nothing can have been done.
    let (status, records) = graded(&student, nobody, "0");
    assert_eq!((status, verdicts(&records)), (Some(1), vec!["fail"; 3]), "{records:?}");
    // The listeners on the server, in the background: they keep the lab alive.
    let exe = env!("CARGO_BIN_EXE_socklab");
    let listen = ["shell", "--host", "server", "--", exe, "listen", "--notes"];
    let addresses = ["TCP4-LISTEN:9190,fork", "TCP4-LISTEN:9191,fork"];
    let args: Vec<&str> = listen.iter().chain(&addresses).copied().collect();
    let mut listener =
        Stopped(as_student(&student, nobody, &args).stderr(Stdio::piped()).spawn().unwrap());
    let mut lines = BufReader::new(listener.0.stderr.take().unwrap()).lines();
    let mut listening = 0;
    while listening < addresses.len() {
        let line = lines.next().and_then(Result::ok).unwrap_or_else(|| {
            panic!("the listeners on the server did not start ({listening} did)")
        });
        listening += usize::from(line.contains("listening on"));
    }
    let (status, records) = graded(&student, nobody, "0");
    if verdicts(&records) == ["skipped"; 3] {
        eprintln!("notice: the firewall exercises are skipped here: {records:?}");
        assert!(records.iter().all(|r| !r["reason"].as_str().unwrap().is_empty()));
        return;
    }
    assert_eq!((status, verdicts(&records)), (Some(1), vec!["fail"; 3]), "{records:?}");
    for record in &records[..2] {
        let details = record["details"].to_string();
        assert!(details.contains("(on server)") && details.contains(": connected;"), "{details}");
    }
    // The closed UDP port says so: its ICMP error comes back, every time it is asked.
    let closed = records[2]["details"].to_string();
    assert!(closed.contains("ICMP port-unreachable error came back"), "{closed}");
    // The rules, as the student types them in the server's shell.
    let chain = "{ type filter hook input priority 0; }";
    let out_chain = "{ type filter hook output priority 0; }";
    let rules: [&[&str]; 6] = [
        &["add", "table", "inet", "lab"],
        &["add", "chain", "inet", "lab", "input", chain],
        &["add", "chain", "inet", "lab", "output", out_chain],
        &[
            "add",
            "rule",
            "inet",
            "lab",
            "output",
            "icmp",
            "type",
            "destination-unreachable",
            "drop",
        ],
        &[
            "add", "rule", "inet", "lab", "input", "tcp", "dport", "9190", "reject", "with", "tcp",
            "reset",
        ],
        &["add", "rule", "inet", "lab", "input", "tcp", "dport", "9191", "drop"],
    ];
    let nft = nft.to_str().unwrap();
    for rule in rules {
        let args: Vec<&str> =
            ["shell", "--host", "server", "--", nft].iter().chain(rule).copied().collect();
        outcome_of(&mut as_student(&student, nobody, &args)).assert_status(0);
    }
    // Seen from the client with the real nc: refused at once, then no answer.
    if have_tool("nc") {
        let from_client = |port: &str| {
            let args =
                ["shell", "--host", "client", "--", "nc", "-vz", "-w", "1", "192.0.2.2", port];
            outcome_of(&mut as_student(&student, nobody, &args))
        };
        let refused = from_client("9190");
        assert!(refused.stderr.contains("Connection refused"), "{}", refused.stderr);
        let ignored = from_client("9191");
        assert!(ignored.stderr.contains("timed out"), "{}", ignored.stderr);
        let args = ["shell", "--host", "client", "--", "nc", "-u", "-vz", "192.0.2.2", "9192"];
        let silent = outcome_of(&mut as_student(&student, nobody, &args));
        assert!(silent.stderr.contains("succeeded"), "{}", silent.stderr);
    }
    let (status, records) = graded(&student, nobody, "3");
    assert_eq!((status, verdicts(&records)), (Some(0), vec!["pass"; 3]), "{records:?}");
    assert!(records[0]["found"].as_str().unwrap().contains("refused at once"), "{records:?}");
    assert!(records[1]["found"].as_str().unwrap().contains("timed out"), "{records:?}");
    assert!(records[2]["found"].as_str().unwrap().contains("nothing bound"), "{records:?}");
    // A listener on the silent port makes it open for real: not what the task asks.
    let udp = ["shell", "--host", "server", "--", exe, "listen", "--notes", "UDP4-LISTEN:9192"];
    let mut bound =
        Stopped(as_student(&student, nobody, &udp).stderr(Stdio::piped()).spawn().unwrap());
    let first = BufReader::new(bound.0.stderr.take().unwrap()).lines().next();
    assert!(first.and_then(Result::ok).is_some_and(|l| l.contains("listening on")));
    let (_, records) = graded(&student, nobody, "0");
    assert_eq!(records[2]["verdict"], "fail", "{records:?}");
    assert!(
        records[2]["details"].to_string().contains("no such socket may be there"),
        "{records:?}"
    );
    drop(bound);
    // Without a lesson named, check grades the tutorial's exercises only.
    let unnamed = outcome_of(&mut as_student(
        &student,
        nobody,
        &["check", "--format", "json", "--wait", "0"],
    ));
    assert!(!unnamed.stdout.contains("\"firewall\""), "{}", unnamed.stdout);
    drop(listener);
    let deadline = Instant::now() + Duration::from_secs(10);
    while student.record().exists() {
        assert!(Instant::now() < deadline, "the lab did not end with its last program");
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some(before) = before {
        assert_eq!(String::from_utf8_lossy(&state()), String::from_utf8_lossy(&before));
    }
}

#[test]
fn the_exercises_fail_untouched_and_pass_after_the_right_rules_in_a_lab() {
    if !labs_allowed() {
        return;
    }
    exercises_fail_then_pass_after_the_rules(false);
}

#[test]
fn the_exercises_fail_untouched_and_pass_after_the_right_rules_for_an_unprivileged_user() {
    if !labs_allowed() || !nobody_may_make_labs() {
        return;
    }
    exercises_fail_then_pass_after_the_rules(true);
}

#[test]
fn a_program_in_the_plain_shell_is_told_where_to_grade_the_hosts() {
    if !labs_allowed() || socklab::topology::nft::program().is_none() {
        return;
    }
    let nobody = nobody_may_make_labs();
    let student = student_for(nobody);
    let exe = env!("CARGO_BIN_EXE_socklab");
    let inside = ["shell", "--", exe, "check", "firewall", "--format", "json", "--wait", "0"];
    let outcome = outcome_of(&mut as_student(&student, nobody, &inside));
    let records: Vec<serde_json::Value> =
        outcome.stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert_eq!(records.len(), 3, "{}\n{}", outcome.stdout, outcome.stderr);
    for record in &records {
        // Root's shell keeps root's capabilities in its lab: it may step into the hosts.
        let expected = if nobody || !is_root() { "error" } else { "fail" };
        assert_eq!(record["verdict"], expected, "{record}");
        if expected == "error" {
            assert!(record["hints"].to_string().contains("outside the lab"), "{record}");
        }
    }
    let enter = ["shell", "--", exe, "shell", "--host", "server", "--", "true"];
    let entered = outcome_of(&mut as_student(&student, nobody, &enter));
    if nobody || !is_root() {
        entered.assert_status(1);
        assert!(
            entered.stderr.contains("cannot enter the host server from here"),
            "{}",
            entered.stderr
        );
    } else {
        entered.assert_status(0);
    }
}

#[test]
fn where_namespaces_are_refused_the_exercises_are_skipped_with_the_reason() {
    let student = Student::new();
    let drop_to = if is_root() {
        for dir in [student.state.path(), student.runtime.path()] {
            std::os::unix::fs::chown(dir, Some(4242), Some(4242)).unwrap();
        }
        "setpriv --reuid=4242 --regid=4242 --clear-groups"
    } else {
        "setpriv --bounding-set=-all --inh-caps=-all"
    };
    let exe = env!("CARGO_BIN_EXE_socklab");
    let script = format!(
        "{drop_to} {exe} check firewall --format json; echo \"status=$?\"\n\
         {drop_to} {exe} shell --host server -- true; echo \"status=$?\""
    );
    let env = [
        ("XDG_STATE_HOME", student.state.path()),
        ("HOME", student.state.path()),
        ("XDG_RUNTIME_DIR", student.runtime.path()),
        ("SOCKLAB_LANG", std::path::Path::new("en")),
        ("NO_COLOR", std::path::Path::new("1")),
    ];
    let Some(outcome) = crate::lab::where_namespaces_are_refused(&script, &env) else { return };
    let (out, err) = (&outcome.stdout, &outcome.stderr);
    let statuses: Vec<&str> = out.lines().filter(|l| l.starts_with("status=")).collect();
    assert_eq!(statuses, ["status=0", "status=1"], "{out}\n{err}");
    let records: Vec<serde_json::Value> =
        out.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert_eq!(records.len(), 3, "{out}");
    for record in &records {
        assert_eq!(record["verdict"], "skipped", "{record}");
        let reason = record["reason"].as_str().unwrap();
        assert!(
            reason.contains("refuses labs") && reason.contains("max_user_namespaces"),
            "{reason}"
        );
    }
    assert!(err.contains("cannot open a lab of your own"), "{err}");
}

/// `socklab lint` (shipped lessons, or DIR) in a new user, network and mount namespace with
/// its loopback up, after `prepare` (shell lines); its outcome.
fn lint_in_a_namespace(prepare: &str, dir: Option<&std::path::Path>) -> crate::support::Outcome {
    let mut args = vec!["lint"];
    let dir = dir.map(|dir| dir.display().to_string());
    args.extend(dir.as_deref());
    let inner = Lab::new().command(&args);
    let script = format!("{prepare}\nip link set lo up\neval \"exec $SOCKLAB\"");
    outcome_of(&mut in_namespace(&script, &inner, false))
}

#[test]
fn lint_self_tests_the_exercises_and_sees_a_solution_that_does_not_pass() {
    if !namespaces_allowed() || !nft_installed() || which::which("ip").is_err() {
        return;
    }
    let shipped = lint_in_a_namespace("", None);
    shipped.assert_status(0);
    // Every self-test ran: none was skipped for want of hosts or a firewall.
    assert!(!shipped.stderr.contains("could not run"), "{}", shipped.stderr);
    // A lesson whose solution refuses where the exercise asks for no answer at all.
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../lessons/05-firewall.toml")
        .replace("dport {ex_drop} drop\",\n]", "dport {ex_drop} reject with tcp reset\",\n]");
    std::fs::write(dir.path().join("05-firewall.toml"), text).unwrap();
    let broken = lint_in_a_namespace("", Some(dir.path()));
    broken.assert_status(1);
    let said = broken
        .stdout
        .lines()
        .find(|l| l.contains("firewall/ignore-not-refuse") && l.contains("does not make the check"))
        .unwrap_or_else(|| panic!("{}", broken.stdout));
    assert!(said.contains("refused at once"), "{said}");
    assert!(!broken.stdout.contains("firewall/refuse-not-ignore"), "{}", broken.stdout);
}

#[test]
fn without_nft_lint_skips_the_exercises_self_test_with_the_reason() {
    if !namespaces_allowed() || which::which("ip").is_err() {
        return;
    }
    // nft hidden from socklab (every place it looks), in this mount namespace only.
    let hide = "for p in /usr/sbin/nft /sbin/nft /usr/bin/nft /bin/nft /usr/local/sbin/nft; do \
        [ -f \"$p\" ] && mount --bind /dev/null \"$p\"; done; true";
    let outcome = lint_in_a_namespace(hide, None);
    outcome.assert_status(0);
    assert!(outcome.stderr.contains("could not run"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("need the nft tool"), "{}", outcome.stderr);
}

#[test]
fn a_bad_host_or_probe_is_reported_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../lessons/05-firewall.toml")
        .replacen("host = \"server\"", "host = \"router\"", 1)
        .replacen("outcome = \"refused\" }", "outcome = \"rejected\" }", 1)
        .replacen("address = \"192.0.2.2\"", "address = \"192.0.2\"", 1)
        .replacen("kind = \"udp\", address", "kind = \"sctp\", address", 1)
        .replacen("absent = true", "absent = \"yes\"", 1);
    std::fs::write(dir.path().join("05-firewall.toml"), &text).unwrap();
    let outcome = Lab::new().with_lessons(dir.path()).run(&["lint"]);
    outcome.assert_status(2);
    let err = &outcome.stderr;
    // Each problem at the line and column of its value.
    for (written, said) in [
        ("\"router\"", "there is no host called router"),
        ("\"192.0.2\"", "`address` must be an IP address"),
        ("\"rejected\"", "`rejected` is not a probe outcome"),
        ("\"sctp\"", "`sctp` is not a probe kind"),
        ("\"yes\"", "`absent` must be true or false"),
    ] {
        let (row, line) = text.lines().enumerate().find(|(_, l)| l.contains(written)).unwrap();
        let column = line.find(written).unwrap() + 1;
        let place = format!("05-firewall.toml:{}:{column}: ", row + 1);
        assert!(
            err.lines().any(|l| l.contains(&place) && l.contains(said)),
            "{place}{said}\n{err}"
        );
    }
}

#[test]
fn without_nft_check_skips_the_exercises_with_the_reason() {
    if !namespaces_allowed() || !labs_allowed() {
        return;
    }
    let student = Student::new();
    let exe = env!("CARGO_BIN_EXE_socklab");
    let inner = student.command(&["check", "firewall", "--format", "json", "--wait", "0"]);
    // nft hidden (every place socklab looks) in this mount namespace, which the lab copies; a
    // lab kept running by a program in the server's shell.
    let script = format!(
        "for p in /usr/sbin/nft /sbin/nft /usr/bin/nft /bin/nft /usr/local/sbin/nft; do \
            [ -f \"$p\" ] && mount --bind /dev/null \"$p\"; done
        {exe} shell --host server -- sleep 10 & sleep 1
        eval \"$SOCKLAB\"; echo \"status=$?\"; kill $!"
    );
    let outcome = outcome_of(&mut in_namespace(&script, &inner, false));
    let records: Vec<serde_json::Value> =
        outcome.stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    assert_eq!(records.len(), 3, "{}\n{}", outcome.stdout, outcome.stderr);
    for record in &records {
        assert_eq!(record["verdict"], "skipped", "{record}");
        assert!(record["reason"].as_str().unwrap().contains("need the nft tool"), "{record}");
    }
    assert!(outcome.stdout.contains("status=0"), "{}", outcome.stdout);
}
