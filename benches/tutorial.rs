//! Benchmark: the whole tutorial in socklab's batch mode against the same tutorial done by
//! hand with the real tools (`../shared/reference/tutorial-by-hand.sh`: socat, ss, nc).
//!
//! Run with `cargo bench --bench tutorial`. Both run as whole processes over the same ports
//! (the tutorial's, moved by one offset to free ports above 1024), each by-hand run with a
//! socket directory of its own, and the table shows median and minimum wall time, peak
//! memory (from GNU time's `%M`, when /usr/bin/time exists) and the ratio. The by-hand script
//! is found through `SOCKLAB_BY_HAND` or at `../shared/reference/tutorial-by-hand.sh`;
//! without it, or without socat, ss or nc, only socklab is timed.
//!
//! socklab runs twice over: on the host (`--isolation none`) and in a lab of its own
//! (`--isolation namespace`: user, network and mount namespaces made, set up and left for
//! every run), side by side, alternately, then the by-hand runs; and the making of a lab
//! alone, timed in-process.
//! Then `socklab shell -- true`, which makes a lasting lab (a holder process), enters it and
//! runs `true`, and the same while another shell keeps the lab, which only joins it. Where
//! user namespaces are refused, the lab rows are left out with a notice.
//!
//! Without `--bench` on its command line (as under `cargo test --benches`) it does nothing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SOCKLAB_RUNS: usize = 21;
const BY_HAND_RUNS: usize = 3;

fn main() {
    // The re-executed self of `lab_costs`: one lab made and set up in this fresh process.
    if std::env::args().any(|arg| arg == "--make-one-lab") {
        let started = Instant::now();
        let made = socklab::isolation::namespace::create();
        let elapsed = started.elapsed();
        assert!(made.is_ok(), "{made:?}");
        println!("{}", elapsed.as_nanos());
        return;
    }
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("benches/tutorial.rs: run it with `cargo bench --bench tutorial`");
        return;
    }
    let offset = free_offset();
    let (tcp, udp) = (8080 + offset, 123 + offset);
    let sockets = tempfile::Builder::new().prefix("slb").tempdir_in("/tmp").unwrap();
    let state = tempfile::tempdir().unwrap();
    eprintln!("ports: TCP {tcp}, UDP {udp}; socket files in {}", sockets.path().display());

    let runtime = private_runtime_dir();
    let tutorial = |isolation: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_socklab"));
        command
            .args(["--isolation", isolation, "run", "--yes", "--port-offset", &offset.to_string()])
            .arg("--socket-dir")
            .arg(sockets.path())
            .env("XDG_STATE_HOME", state.path())
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("NO_COLOR", "1");
        command
    };
    let mut socklab = tutorial("none");
    let mut in_lab = tutorial("namespace");
    let labs = succeeds(&mut rebuild(&in_lab));
    if !labs {
        eprintln!("notice: user namespaces are refused here; the lab rows are left out");
    }
    // The by-hand script's socat leaves its datagram socket files behind: each of its runs
    // gets a socket directory of its own, kept until the end.
    let by_hand_dirs = std::cell::RefCell::new(Vec::new());
    let script = by_hand_script();
    let by_hand = script.is_some();
    let by_hand_run = || {
        let dir = tempfile::Builder::new().prefix("slh").tempdir_in("/tmp").unwrap();
        let mut command = Command::new("bash");
        command.arg(script.as_ref().unwrap()).arg(tcp.to_string()).arg(udp.to_string());
        command.arg(dir.path());
        by_hand_dirs.borrow_mut().push(dir);
        command
    };

    // Both must do the tutorial successfully, or the comparison means nothing.
    assert!(succeeds(&mut socklab), "socklab's run failed");
    if by_hand {
        assert!(succeeds(&mut by_hand_run()), "the by-hand tutorial failed");
        // Let socat's last forked children end and free the ports.
        std::thread::sleep(Duration::from_secs(1));
    }

    let mut ours = Vec::new();
    let mut ours_in_lab = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..SOCKLAB_RUNS {
        ours.push(time(&mut socklab));
        if labs {
            ours_in_lab.push(time(&mut in_lab));
        }
    }
    // The by-hand runs come after: socat's forked children can outlive the script for a
    // moment and keep its ports.
    if by_hand {
        for _ in 0..BY_HAND_RUNS {
            theirs.push(time(&mut by_hand_run()));
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    ours.sort();
    ours_in_lab.sort();
    theirs.sort();
    let rss = |command: &Command| {
        max_rss_kib(command).map_or("n/a".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    };
    println!("| run (whole process) | runs | median | min | max RSS |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| `socklab --isolation none run --yes` (all lessons, on the host) | {} | {} | {} | {} |",
        ours.len(),
        ms(median(&ours)),
        ms(ours[0]),
        rss(&socklab)
    );
    if labs {
        println!(
            "| `socklab --isolation namespace run --yes` (all lessons, in a fresh lab) | {} | {} | {} | {} |",
            ours_in_lab.len(),
            ms(median(&ours_in_lab)),
            ms(ours_in_lab[0]),
            rss(&in_lab)
        );
        let (made, joined) = shell_times(&runtime);
        println!(
            "| `socklab shell -- true` (make a lasting lab and its holder, enter, run) | {} | {} | {} | - |",
            made.len(),
            ms(median(&made)),
            ms(made[0])
        );
        println!(
            "| `socklab shell -- true` (join the running lab, run) | {} | {} | {} | - |",
            joined.len(),
            ms(median(&joined)),
            ms(joined[0])
        );
        let made = lab_costs();
        println!(
            "| making and setting up a lab, in-process (unshare, maps, tmpfs, lo up, sysctl) | {} | {} | {} | - |",
            made.len(),
            ms(median(&made)),
            ms(made[0])
        );
    }
    if by_hand {
        println!(
            "| `tutorial-by-hand.sh` (socat, ss, nc) | {} | {} | {} | {} |",
            theirs.len(),
            ms(median(&theirs)),
            ms(theirs[0]),
            rss(&by_hand_run())
        );
        let ratio = median(&theirs).as_secs_f64() / median(&ours).as_secs_f64();
        println!("\nsocklab is {ratio:.0} times faster (median against median).");
    } else {
        eprintln!("notice: the by-hand script or its tools are missing; timed socklab alone");
    }
}

/// The time `isolation::namespace::create` takes, each in a fresh single-threaded process
/// (this benchmark run again with `--make-one-lab`).
fn lab_costs() -> Vec<Duration> {
    let exe = std::env::current_exe().unwrap();
    let mut costs: Vec<Duration> = (0..SOCKLAB_RUNS)
        .map(|_| {
            let output = Command::new(&exe).arg("--make-one-lab").output().unwrap();
            let nanos = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap_or(u64::MAX);
            Duration::from_nanos(nanos)
        })
        .collect();
    costs.sort();
    costs
}

/// A 0700 directory outside /tmp for the labs' records (as `$XDG_RUNTIME_DIR` would be).
fn private_runtime_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix("slb")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in("/dev/shm")
        .unwrap()
}

/// `socklab shell -- true` timed when it makes the lab, then when it joins one that another
/// shell keeps running.
fn shell_times(runtime: &tempfile::TempDir) -> (Vec<Duration>, Vec<Duration>) {
    let shell = |program: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_socklab"));
        command.arg("shell").arg("--").args(program).env("XDG_RUNTIME_DIR", runtime.path());
        command
    };
    let record = runtime.path().join("socklab/lab");
    let mut made = Vec::new();
    for _ in 0..SOCKLAB_RUNS {
        // The previous lab has ended once its record is gone.
        while record.exists() {
            std::thread::sleep(Duration::from_millis(20));
        }
        made.push(time(&mut shell(&["true"])));
    }
    let mut keeper = shell(&["sleep", "600"]).stdin(Stdio::null()).spawn().unwrap();
    while !record.exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let joined: Vec<Duration> = (0..SOCKLAB_RUNS).map(|_| time(&mut shell(&["true"]))).collect();
    let _ = keeper.kill();
    let _ = keeper.wait();
    made.sort();
    let mut joined = joined;
    joined.sort();
    (made, joined)
}

fn by_hand_script() -> Option<PathBuf> {
    let script = std::env::var_os("SOCKLAB_BY_HAND").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/tutorial-by-hand.sh")
    });
    let tools = ["socat", "ss", "nc"].iter().all(|tool| which::which(tool).is_ok());
    (script.exists() && tools).then_some(script)
}

fn rebuild(command: &Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            copy.env(name, value);
        }
    }
    copy
}

fn succeeds(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn time(command: &mut Command) -> Duration {
    let started = Instant::now();
    let ok = succeeds(command);
    let elapsed = started.elapsed();
    assert!(ok, "a timed run failed: {command:?}");
    elapsed
}

fn max_rss_kib(command: &Command) -> Option<u64> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return None;
    }
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "%M"]).arg(command.get_program()).args(command.get_args());
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            timed.env(name, value);
        }
    }
    let output = timed.stdout(Stdio::null()).output().ok()?;
    String::from_utf8_lossy(&output.stderr).lines().last()?.trim().parse().ok()
}

/// An offset that moves 8080 and 123 to free ports (TCP and UDP), 123 above 1024 so the
/// by-hand script needs no root.
fn free_offset() -> u16 {
    let free = |port: u16| {
        std::net::TcpListener::bind(("0.0.0.0", port)).is_ok()
            && std::net::UdpSocket::bind(("0.0.0.0", port)).is_ok()
            && std::net::TcpListener::bind(("::", port)).is_ok()
            && std::net::UdpSocket::bind(("::", port)).is_ok()
    };
    (10_000..24_000)
        .step_by(97)
        .find(|&offset| free(8080 + offset) && free(123 + offset))
        .expect("no free ports")
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
