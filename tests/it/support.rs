//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::process::Command;

/// A `Command` for the socklab binary under test, with colour and terminal effects off.
pub fn socklab() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_socklab"));
    command.env("NO_COLOR", "1").env("SOCKLAB_LANG", "en").env_remove("LANG");
    // Tests run on the host unless they ask for a lab (tests/it/lab.rs removes this).
    command.env("SOCKLAB_ISOLATION", "none");
    command
}

/// Whether a real tool (ss, nc, socat) is installed; prints a notice when it is not, so a
/// skipped comparison is visible in the test output.
pub fn have_tool(name: &str) -> bool {
    let found = which::which(name).is_ok();
    if !found {
        eprintln!("notice: {name} is not installed; skipping the comparison with it");
    }
    found
}

/// Whether `::1` can be bound here (IPv6 may be off).
pub fn ipv6_available() -> bool {
    let ok = std::net::TcpListener::bind("[::1]:0").is_ok();
    if !ok {
        eprintln!("notice: ::1 cannot be bound; skipping IPv6 cases");
    }
    ok
}

/// What a finished socklab process gave.
#[derive(Debug)]
pub struct Outcome {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn from(output: std::process::Output) -> Self {
        Self {
            status: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit status is `expected`.
    #[track_caller]
    pub fn assert_status(&self, expected: i32) -> &Self {
        assert_eq!(
            self.status,
            Some(expected),
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A lab run under test, built like a sentence:
/// `Lab::new().with_lessons(dir).moved_by(offset).run(&["run", "tcp"])`.
/// Each lab has its own state directory and socket directory, so runs never share progress
/// or socket files.
pub struct Lab {
    pub state: tempfile::TempDir,
    pub sockets: tempfile::TempDir,
    lessons: Option<std::path::PathBuf>,
    offset: Option<u16>,
    env: Vec<(String, String)>,
}

impl Lab {
    pub fn new() -> Self {
        Self {
            state: tempfile::tempdir().unwrap(),
            sockets: short_tempdir(),
            lessons: None,
            offset: None,
            env: Vec::new(),
        }
    }

    /// Runs the lessons in `dir` instead of the shipped ones.
    pub fn with_lessons(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.lessons = Some(dir.into());
        self
    }

    /// Moves every port by `offset`.
    pub fn moved_by(mut self, offset: u16) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Sets an environment variable for the run.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The command for `args`, with this lab's options.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = socklab();
        command.args(args);
        if let Some(dir) = &self.lessons {
            command.arg("--lessons").arg(dir);
        }
        if let Some(offset) = self.offset {
            command.arg("--port-offset").arg(offset.to_string());
        }
        command.arg("--socket-dir").arg(self.sockets.path());
        command.env("XDG_STATE_HOME", self.state.path()).env("HOME", self.state.path());
        // These runs test the host's behaviour; tests of labs (tests/it/lab.rs) ask for one.
        command.env("SOCKLAB_ISOLATION", "none");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command.stdin(std::process::Stdio::null());
        command
    }

    /// Runs socklab with `args` and this lab's options, to the end.
    pub fn run(&self, args: &[&str]) -> Outcome {
        Outcome::from(self.command(args).output().unwrap())
    }
}

/// A temporary directory with a short path (Unix socket paths must stay under 108 bytes).
pub fn short_tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("sl").tempdir_in("/tmp").unwrap()
}

/// The path of a lesson fixture directory under tests/fixtures.
pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// An offset that moves the shipped lessons' ports (8080, 123 and 1123) to free ports between
/// 10,000 and 32,767: above the privileged range and below the kernel's ephemeral range, so
/// other tests binding port 0 never take them while this run uses them.
pub fn free_offset() -> u16 {
    free_offset_for(&[8080, 123, 1123], 10_000..24_000)
}

/// An offset in `range` that leaves every one of `ports` free for TCP and UDP, on IPv4 and
/// (where available) IPv6. The ports it hands out are remembered for the rest of the test
/// run, so that two tests running at the same time never get overlapping ports: both would
/// see them free before either binds.
pub fn free_offset_for(ports: &[u16], range: std::ops::Range<u16>) -> u16 {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let span = u32::from(range.end - range.start);
    let seed = std::process::id()
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
    for attempt in 0..span {
        let offset = range.start + ((seed.wrapping_add(attempt * 7919)) % span) as u16;
        let Some(moved) =
            ports.iter().map(|port| port.checked_add(offset)).collect::<Option<Vec<u16>>>()
        else {
            continue;
        };
        if moved.iter().all(|port| !handed_out.contains(port) && port_is_free(*port)) {
            handed_out.extend(moved);
            return offset;
        }
    }
    panic!("no free port offset in {range:?}");
}

/// Whether no TCP or UDP socket of either family holds `port`: read from the kernel's tables,
/// so the answer is the same for root and for a user who may not bind the port at all. A
/// TIME-WAIT entry (left by a connection the server closed first) holds nothing: a listener
/// with SO_REUSEADDR, as socklab's and socat's are, binds over it.
/// Every TCP and UDP socket of either family on `port`, as the kernel lists it.
fn rows_on(port: u16) -> Vec<socklab::net::inspect::SocketRow> {
    use socklab::net::inspect::{self, InspectArgs};
    let query = InspectArgs {
        tcp: true,
        udp: true,
        all: true,
        numeric: true,
        port: Some(port),
        ..InspectArgs::default()
    };
    inspect::snapshot(&query).rows
}

pub fn port_is_free(port: u16) -> bool {
    use socklab::net::inspect::SockState;
    rows_on(port).iter().all(|row| row.state == SockState::TimeWait)
}

/// Whether every socket on `port` is gone from its process: no listener, no bound UDP socket,
/// no connection a process still holds. What the kernel keeps on its own after the last close
/// (FIN-WAIT, CLOSING, LAST-ACK, TIME-WAIT: a connection finishing its goodbye) is not a leftover
/// of the program: those rows vanish by themselves, and a listener binds over them.
pub fn port_is_released(port: u16) -> bool {
    use socklab::net::inspect::SockState;
    rows_on(port).iter().all(|row| {
        matches!(
            row.state,
            SockState::FinWait1
                | SockState::FinWait2
                | SockState::Closing
                | SockState::LastAck
                | SockState::TimeWait
        )
    })
}

/// `inner` run as `uid` through setpriv, with its arguments and environment.
pub fn as_user(uid: u32, inner: &std::process::Command) -> std::process::Command {
    let mut command = std::process::Command::new("setpriv");
    command.args([format!("--reuid={uid}"), format!("--regid={uid}"), "--clear-groups".into()]);
    command.arg(inner.get_program()).args(inner.get_args());
    for (name, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.stdin(std::process::Stdio::null());
    command
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether this user may make user + network + mount namespaces here (what a lab needs);
/// prints why not, so a skipped lab test is visible in the output.
pub fn labs_allowed() -> bool {
    let allowed = std::process::Command::new("unshare")
        .args(["--user", "--map-current-user", "--net", "--mount", "true"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !allowed {
        eprintln!("notice: user namespaces are refused here (or unshare is missing); skipping");
    }
    allowed
}

/// A student of the lab tests: their own state and runtime directories, so that tests
/// running at once never share progress or a lasting lab (the runtime directory is where
/// socklab keeps the lab's record; it must not be under /tmp, which a lab replaces).
pub struct Student {
    pub state: tempfile::TempDir,
    pub runtime: tempfile::TempDir,
}

impl Student {
    pub fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let runtime = tempfile::Builder::new()
            .prefix("slr")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in("/dev/shm")
            .unwrap();
        Self { state: tempfile::tempdir().unwrap(), runtime }
    }

    /// `socklab ARGS` as this student, isolation left to its default.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = socklab();
        command
            .args(args)
            .env("XDG_STATE_HOME", self.state.path())
            .env("HOME", self.state.path())
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env_remove("SOCKLAB_ISOLATION")
            .stdin(std::process::Stdio::null());
        command
    }

    /// Runs `socklab ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Outcome {
        Outcome::from(self.command(args).output().unwrap())
    }

    /// The lab's record while the lab lives.
    pub fn record(&self) -> std::path::PathBuf {
        self.runtime.path().join("socklab").join("lab")
    }
}

/// Runs `command` to the end (as `Outcome`).
pub fn outcome_of(command: &mut Command) -> Outcome {
    Outcome::from(command.output().unwrap())
}
