//! A session: one lesson being run, step by step, resolved for this run (its values placed
//! and filled in, see [`resolve()`]) and its background listeners held.
//!
//! [`Session::run_step`] does what the step says with the engine (never a shell), compares
//! the output with what the tutorial says it should be, and returns a [`StepRun`]. Dropping
//! the session stops its listeners.

use std::path::{Path, PathBuf};

use crate::error::Failure;
use crate::lesson::command::{CommandLine, Invocation};
use crate::lesson::expect::Expected;
use crate::lesson::resolve::{self, ConcreteAction, ConcreteLesson, ConcreteStep};
use crate::lesson::values::{Placement, Resolved};
use crate::lesson::{Check, Lesson, Need};
use crate::net::inspect::{self, InspectArgs};
use crate::net::listen::{ListenKind, ListenSpec, ListenTarget, Listener};
use crate::net::{ToolOutput, privilege, probe, stat};
use crate::runner::cleanup::{self, Jobs};
use crate::runner::environment::Environment;
use crate::runner::verdict::Verdict;
use crate::t;
use crate::topology;

/// The result of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    /// The command as run, values filled in (none for a check).
    pub command: Option<String>,
    /// What socklab says before the output (a refusal it demonstrated, a port it moved).
    pub preface: Vec<String>,
    /// What the command printed (stdout, then stderr).
    pub observed: String,
    /// The expected output, values filled in.
    pub expected: Option<String>,
    /// The exit status the command gave (0 for listeners, fg and checks).
    pub status: i32,
    /// socklab's remarks on the result.
    pub notes: Vec<String>,
    /// What to do about the result, had it not been wanted: shown only after a failure.
    pub advice: Vec<String>,
    pub verdict: Verdict,
}

/// A lesson being run.
#[derive(Debug)]
pub struct Session<'a> {
    values: Resolved,
    env: &'a Environment,
    jobs: Jobs,
    /// The socket inode of every listener this lesson opened (for the released check; its
    /// socket paths are the lesson's own values).
    opened: Vec<u64>,
    /// Why the rest of the lesson cannot run, after an error of the environment.
    halted: Option<String>,
    /// Command lines shown without the tutorial's `sudo` (no privilege needed here): as
    /// written, and as shown. `fg` echoes a job as it was typed, so the expected output
    /// follows.
    unsudoed: Vec<(String, String)>,
    /// The privileged ports whose refusal this lesson has shown (once is enough, not again
    /// at the IPv6 twin).
    refusals_shown: Vec<u16>,
    /// The simulated hosts (`ip netns exec HOST …`), made when a step first names one.
    hosts: topology::OnDemand,
}

/// Resolves `lesson` for a run placed as `placement` says on this host (its privileged ports
/// moved where the run may not bind them).
pub fn resolve(
    lesson: &Lesson,
    env: &Environment,
    placement: &Placement,
) -> Result<ConcreteLesson, Failure> {
    resolve::resolve(lesson, &env.placement(placement)).map_err(Failure::usage)
}

impl<'a> Session<'a> {
    /// Starts a session for `lesson`, resolved for this run (see [`resolve()`]).
    pub fn new(lesson: &ConcreteLesson, env: &'a Environment) -> Result<Self, Failure> {
        let values = lesson.values.clone();
        // Wherever the socket files go (a lesson may name its own directories), nobody else
        // may swap them; a directory not there yet is the listener's to report.
        for dir in values.paths.iter().filter_map(|p| p.path.parent()) {
            if dir.exists() {
                check_socket_dir(dir)?;
            }
        }
        Ok(Self {
            values,
            env,
            jobs: cleanup::new_jobs(),
            opened: Vec::new(),
            halted: None,
            unsudoed: Vec::new(),
            refusals_shown: Vec::new(),
            hosts: topology::OnDemand::default(),
        })
    }

    /// The values as this run uses them.
    pub fn values(&self) -> &Resolved {
        &self.values
    }

    /// This run's simulated hosts (made when first needed), for checks made on them.
    pub fn hosts(&mut self) -> &mut topology::OnDemand {
        &mut self.hosts
    }

    /// Notes to show when the lesson starts: ports moved because they need privilege, or, in
    /// a lab, ports that would need it on the host and why they need no sudo here.
    pub fn opening_notes(&self) -> Vec<String> {
        self.values
            .ports
            .iter()
            .filter_map(|p| match (p.moved_from_privileged, self.env.lab_of_host_start) {
                (Some(from), _) => Some(t!(
                    "runner.port_moved",
                    from = from,
                    to = p.port,
                    start = self.env.unprivileged_start
                )),
                (None, Some(host_start)) if p.port != 0 && p.port < host_start => {
                    Some(t!("runner.lab.port_open", port = p.port, start = host_start))
                }
                _ => None,
            })
            .collect()
    }

    /// The step's command as the student sees it.
    pub fn command_text(&self, step: &ConcreteStep) -> Option<String> {
        step.command().map(|command| command.shown.clone())
    }

    /// The step's expected output as the student sees it (without the `sudo` this run did
    /// not need).
    pub fn expected_text(&self, step: &ConcreteStep) -> Option<String> {
        step.expect.as_deref().map(|text| {
            let mut expected = text.to_owned();
            for (written, shown) in &self.unsudoed {
                expected = expected.replace(written.as_str(), shown);
            }
            expected
        })
    }

    /// Records that the student skipped `step` (a skipped listener becomes an empty job, so
    /// that its `fg` is skipped too).
    pub fn skip_step(&mut self, step: &ConcreteStep) -> StepRun {
        let reason = t!("runner.skipped_by_student");
        self.skipped(step, reason)
    }

    fn skipped(&mut self, step: &ConcreteStep, reason: String) -> StepRun {
        let command = self.command_text(step);
        if let Some(parsed) = step.command().and_then(|command| command.parse().ok()) {
            match parsed.invocation {
                Invocation::Listen(_) => {
                    self.push_job(&parsed, None);
                }
                Invocation::Foreground(job) => {
                    cleanup::stop_job(&self.jobs, job);
                }
                _ => {}
            }
        }
        StepRun {
            command,
            preface: Vec::new(),
            observed: String::new(),
            expected: self.expected_text(step),
            status: 0,
            notes: Vec::new(),
            advice: Vec::new(),
            verdict: Verdict::Skipped { reason },
        }
    }

    /// Lets the lesson go on after an error of the environment that the student has since
    /// dealt with (a port freed): the next step runs instead of being skipped.
    pub fn resume(&mut self) {
        self.halted = None;
    }

    /// Runs one step and judges it.
    pub fn run_step(&mut self, step: &ConcreteStep) -> StepRun {
        if let Some(reason) = &self.halted {
            let reason = t!("runner.halted", reason = reason);
            return self.skipped(step, reason);
        }
        if step.needs.contains(&Need::Ipv6) && !self.env.ipv6 {
            return self.skipped(step, t!("runner.no_ipv6"));
        }
        if step.needs.contains(&Need::Firewall)
            && let Err(reason) = self.hosts.firewall()
        {
            return self.skipped(step, reason);
        }
        let mut run = match &step.action {
            ConcreteAction::Check(check) => self.check(*check),
            ConcreteAction::Run(command) => {
                match command.parse() {
                    Ok(parsed) => self.command(parsed),
                    // The loader parsed this line with the lesson's own values; placed values
                    // are filled into words already split, but say so plainly if they break it.
                    Err(err) => StepRun::error(self.command_text(step), err.message, Vec::new()),
                }
            }
        };
        run.expected = self.expected_text(step);
        if run.verdict == Verdict::Pass {
            run.verdict = judge(&run, step);
        }
        if let Verdict::Error { message, .. } = &run.verdict {
            self.halted = Some(message.clone());
        }
        run
    }

    fn command(&mut self, mut parsed: CommandLine) -> StepRun {
        if parsed.sudo && !needs_privilege(&parsed.invocation) {
            let written = parsed.plain.trim_end_matches('&').trim_end().to_owned();
            parsed.drop_sudo();
            let shown = parsed.plain.trim_end_matches('&').trim_end().to_owned();
            self.unsudoed.push((written, shown));
        }
        match parsed.host.clone() {
            Some(host) => self.on_host(&host, parsed),
            None => self.here(parsed),
        }
    }

    /// Runs a command on a simulated host: in a thread inside the host's network namespace,
    /// where listeners bind, probes connect and ss reads the tables; nft as a program started
    /// there. Skipped, with the reason, where the hosts cannot be made.
    fn on_host(&mut self, name: &str, parsed: CommandLine) -> StepRun {
        let mut hosts = std::mem::take(&mut self.hosts);
        // nft needs the firewall, whatever the step says (a quiz's setup says nothing).
        let usable = match parsed.invocation {
            Invocation::Nft(_) => hosts.firewall(),
            _ => Ok(()),
        };
        let run = match usable.and_then(|()| hosts.get()).map(|made| made.host(name)) {
            Err(reason) => {
                // A skipped listener is still a job, so that its `fg` is skipped too.
                if matches!(parsed.invocation, Invocation::Listen(_)) {
                    self.push_job(&parsed, None);
                }
                StepRun::skipped(Some(parsed.text.clone()), reason)
            }
            Ok(None) => {
                let hosts = topology::names().collect::<Vec<_>>().join(", ");
                let message = t!("topology.unknown_host", host = name, hosts = hosts);
                StepRun::error(Some(parsed.text.clone()), message, Vec::new())
            }
            Ok(Some(host)) => match &parsed.invocation {
                Invocation::Nft(words) => nft_step(host, &parsed.text, words),
                _ => host.run(|| self.here(parsed.clone())).unwrap_or_else(|err| {
                    StepRun::skipped(Some(parsed.text.clone()), err.to_string())
                }),
            },
        };
        self.hosts = hosts;
        run
    }

    fn here(&mut self, parsed: CommandLine) -> StepRun {
        let text = parsed.text.clone();
        let tool = |output: Result<ToolOutput, Failure>| match output {
            Ok(output) => StepRun::from_tool(&text, output),
            Err(failure) => StepRun::error(Some(text.clone()), failure.message, failure.hints),
        };
        match &parsed.invocation {
            Invocation::Listen(spec) => self.listen(&parsed, spec.clone()),
            Invocation::Foreground(job) => self.foreground(&text, *job),
            Invocation::Inspect(args) => tool(inspect::execute(args)),
            Invocation::Probe(args) if parsed.host.is_some() => tool(topology::watch::probe(args)),
            Invocation::Probe(args) => tool(probe::execute(args)),
            Invocation::Stat(args) => tool(stat::execute(args)),
            Invocation::Chmod { mode, paths } => self.chmod(&text, *mode, paths),
            // The loader accepts nft only with a host, which `command` sends to `on_host`.
            Invocation::Nft(_) => {
                StepRun::error(Some(text), t!("lesson.nft_needs_host"), Vec::new())
            }
        }
    }

    /// chmod, for socket files that this session's own running listeners created: the only
    /// files socklab changes. Prints nothing on success, like chmod.
    fn chmod(&mut self, text: &str, mode: u32, paths: &[PathBuf]) -> StepRun {
        let jobs = cleanup::lock(&self.jobs);
        let ours = |path: &PathBuf| {
            jobs.iter()
                .filter_map(|job| job.listener.as_ref())
                .find(|listener| listener.path() == Some(path.as_path()))
                .and_then(Listener::file_id)
        };
        for path in paths {
            let Some(file_id) = ours(path) else {
                let message = t!("runner.chmod_not_ours", path = path.display());
                return StepRun::error(
                    Some(text.to_owned()),
                    message,
                    vec![t!("runner.chmod_hint")],
                );
            };
            if let Err(message) = chmod_socket_file(path, file_id, mode) {
                return StepRun::error(
                    Some(text.to_owned()),
                    message,
                    vec![t!("runner.chmod_hint")],
                );
            }
        }
        StepRun::output(Some(text.to_owned()), String::new())
    }

    fn listen(&mut self, parsed: &CommandLine, spec: ListenSpec) -> StepRun {
        let shown = parsed.plain.trim_end_matches('&').trim_end().to_owned();
        let is_v6 = matches!(spec.kind, ListenKind::Tcp6 | ListenKind::Udp6);
        // A simulated host has IPv6 of its own, whatever the lab's loopback offers.
        if is_v6 && !self.env.ipv6 && parsed.host.is_none() {
            self.push_job(parsed, None);
            return StepRun::skipped(Some(parsed.text.clone()), t!("runner.no_ipv6"));
        }
        let mut preface = Vec::new();
        if let ListenTarget::Port(port) = spec.target
            && let Some(from) = self
                .values
                .ports
                .iter()
                .find(|p| p.port == port)
                .and_then(|p| p.moved_from_privileged)
            && !self.refusals_shown.contains(&from)
        {
            self.refusals_shown.push(from);
            // Show the refusal the tutorial's port really gets from the kernel, then go on
            // with the port this student may bind.
            let tutorial = ListenSpec { target: ListenTarget::Port(from), ..spec.clone() };
            match Listener::open(&tutorial) {
                Err(refusal) => {
                    preface.push(t!("runner.privilege_refused", port = from));
                    preface.push(refusal.to_string());
                    preface.push(t!("runner.privilege_moved", from = from, to = port));
                }
                Ok(listener) => drop(listener),
            }
        }
        let opened = cleanup::open_job(&self.jobs, shown, || Listener::open(&spec));
        let mut run = match opened {
            // A signal is ending the run: the step says nothing.
            None => StepRun::skipped(Some(parsed.text.clone()), t!("runner.interrupted")),
            Some(Ok((number, inode))) => {
                self.opened.push(inode);
                StepRun::output(
                    Some(parsed.text.clone()),
                    format!("[{number}] {}\n", std::process::id()),
                )
            }
            Some(Err(failure)) => {
                StepRun::error(Some(parsed.text.clone()), failure.message, failure.hints)
            }
        };
        run.preface = preface;
        run
    }

    fn push_job(&mut self, parsed: &CommandLine, listener: Option<Listener>) -> usize {
        let text = parsed.plain.trim_end_matches('&').trim_end().to_owned();
        cleanup::push(&mut cleanup::lock(&self.jobs), text, listener)
    }

    fn foreground(&mut self, text: &str, number: Option<usize>) -> StepRun {
        // fg prints the job's command; Ctrl+C then stops it (its listener is dropped with the
        // job list locked: its sockets close and its socket files go before anyone looks).
        match cleanup::stop_job(&self.jobs, number) {
            None => StepRun::error(Some(text.to_owned()), t!("runner.no_such_job"), Vec::new()),
            Some((_, false)) => {
                StepRun::skipped(Some(text.to_owned()), t!("runner.job_was_skipped"))
            }
            Some((job_text, true)) => {
                StepRun::output(Some(text.to_owned()), format!("{job_text}\n^C\n"))
            }
        }
    }

    fn check(&mut self, check: Check) -> StepRun {
        match check {
            Check::Tools => StepRun::output(None, tools_report(self.env)),
            Check::Environment => StepRun::output(None, environment_report(self.env)),
            Check::Released => self.released(),
        }
    }

    /// Nothing of the lesson is left: none of its listeners' sockets in the kernel's tables,
    /// none of its socket files on disk.
    fn released(&mut self) -> StepRun {
        let all = InspectArgs {
            tcp: true,
            udp: true,
            unix: true,
            all: true,
            numeric: true,
            ..InspectArgs::default()
        };
        let mut rows = inspect::snapshot(&all).rows;
        if let Some(made) = self.hosts.made() {
            for host in made.hosts() {
                rows.extend(host.run(|| inspect::snapshot(&all).rows).unwrap_or_default());
            }
        }
        let mut left = Vec::new();
        for inode in &self.opened {
            if let Some(row) = rows.iter().find(|row| row.inode == *inode) {
                left.push(t!("runner.left_socket", inode = inode, state = row.state));
            }
        }
        for path in &self.values.paths {
            if std::fs::symlink_metadata(&path.path).is_ok() {
                left.push(t!("runner.left_file", path = path.path.display()));
            }
        }
        let running = cleanup::lock(&self.jobs).iter().filter(|j| j.listener.is_some()).count();
        if running > 0 {
            left.push(t!("runner.left_jobs", count = running));
        }
        if left.is_empty() {
            let ports: Vec<String> = self.values.ports.iter().map(|p| p.port.to_string()).collect();
            let paths: Vec<String> =
                self.values.paths.iter().map(|p| p.path.display().to_string()).collect();
            let mut report = t!("runner.released", sockets = self.opened.len());
            if !ports.is_empty() {
                report.push('\n');
                report.push_str(&t!("runner.released_ports", ports = ports.join(", ")));
            }
            if !paths.is_empty() {
                report.push('\n');
                report.push_str(&t!("runner.released_paths", paths = paths.join(", ")));
            }
            StepRun::output(None, report + "\n")
        } else {
            let mut run = StepRun::output(None, left.join("\n") + "\n");
            run.verdict = Verdict::Fail { difference: t!("runner.not_released") };
            run
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        cleanup::lock(&self.jobs).clear();
    }
}

/// Sets the mode of the socket file at `path`, only while it is still the file a listener of
/// ours bound (`file_id`: device and inode) and never through a symbolic link, even one
/// swapped in at the last moment. The fchmodat system call takes no flags (rustix's `chmodat`
/// gives EOPNOTSUPP for `AT_SYMLINK_NOFOLLOW`; fchmodat2 is Linux 6.6+ and not wrapped), a
/// socket file cannot be opened, and `fchmod` on an `O_PATH` descriptor gives EBADF. So the
/// path is opened `O_PATH | O_NOFOLLOW`, the descriptor checked to be that very socket file,
/// and the mode set through `/proc/self/fd/N`, which names the inode held, not a path anyone
/// can change: what glibc's `fchmodat(…, AT_SYMLINK_NOFOLLOW)` does too (measured on this
/// host: it sets a socket's mode; the same through a link is refused).
pub fn chmod_socket_file(path: &Path, file_id: (u64, u64), mode: u32) -> Result<(), String> {
    use rustix::fs::{FileType, Mode, OFlags};
    let failed = |err: rustix::io::Errno| {
        t!("runner.chmod_failed", path = path.display(), error = std::io::Error::from(err))
    };
    let fd =
        rustix::fs::open(path, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
            .map_err(failed)?;
    let stat = rustix::fs::fstat(&fd).map_err(failed)?;
    let same = FileType::from_raw_mode(stat.st_mode) == FileType::Socket
        && (stat.st_dev, stat.st_ino) == file_id;
    if !same {
        return Err(t!("runner.chmod_replaced", path = path.display()));
    }
    let held = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
    rustix::fs::chmod(held.as_str(), Mode::from_raw_mode(mode)).map_err(failed)
}

/// Refuses a socket directory that other users may write in and that lacks the sticky bit:
/// there anyone could rename or replace socklab's socket files while it uses them (as ssh
/// refuses a key file others may change).
pub fn check_socket_dir(dir: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir)
        .map_err(|err| {
            Failure::usage(t!("runner.socket_dir_unusable", dir = dir.display(), error = err))
        })?
        .permissions()
        .mode();
    if mode & 0o002 != 0 && mode & 0o1000 == 0 {
        return Err(Failure::usage(t!(
            "runner.socket_dir_unsafe",
            dir = dir.display(),
            mode = format!("{:04o}", mode & 0o7777)
        ))
        .hint(t!("runner.socket_dir_unsafe_hint", dir = dir.display())));
    }
    Ok(())
}

/// Compares a step's result with the lesson: output first, then exit status.
fn judge(run: &StepRun, step: &ConcreteStep) -> Verdict {
    if let Some(expected) = &run.expected {
        let mut expectation = Expected::parse(expected);
        if step.any_order {
            expectation = expectation.in_any_order();
        }
        if !expectation.matches(&run.observed) {
            return Verdict::Fail { difference: expectation.difference(&run.observed) };
        }
    }
    if run.status != step.status {
        let difference = t!("runner.status_differs", expected = step.status, observed = run.status);
        return Verdict::Fail { difference };
    }
    Verdict::Pass
}

impl StepRun {
    fn output(command: Option<String>, observed: String) -> Self {
        Self {
            command,
            preface: Vec::new(),
            observed,
            expected: None,
            status: 0,
            notes: Vec::new(),
            advice: Vec::new(),
            verdict: Verdict::Pass,
        }
    }

    fn from_tool(command: &str, output: ToolOutput) -> Self {
        let mut observed = output.stdout;
        observed.push_str(&output.stderr);
        let mut run = Self::output(Some(command.to_owned()), observed);
        run.notes = output.notes;
        run.advice = output.advice;
        run.status = output.status;
        run
    }

    fn error(command: Option<String>, message: String, hints: Vec<String>) -> Self {
        Self { verdict: Verdict::Error { message, hints }, ..Self::output(command, String::new()) }
    }

    fn skipped(command: Option<String>, reason: String) -> Self {
        Self { verdict: Verdict::Skipped { reason }, ..Self::output(command, String::new()) }
    }
}

/// Whether a command needs privilege where it runs now: a listener on a port below this
/// network's `ip_unprivileged_port_start` (0 in a lab; a port a run moved above 1024 needs
/// none). The tutorial's `sudo` is shown only then.
fn needs_privilege(invocation: &Invocation) -> bool {
    match invocation {
        Invocation::Listen(spec) => match spec.target {
            ListenTarget::Port(port) => port != 0 && port < privilege::unprivileged_port_start(),
            ListenTarget::Path(_) => false,
        },
        _ => true,
    }
}

/// Runs nft on a simulated host: what it printed, and its status.
fn nft_step(host: &topology::Host, text: &str, words: &[String]) -> StepRun {
    match topology::nft::run(host, words) {
        Ok(output) => StepRun::from_tool(
            text,
            ToolOutput {
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                status: output.status.code().unwrap_or(1),
                ..ToolOutput::default()
            },
        ),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            StepRun::skipped(Some(text.to_owned()), t!("topology.nft_missing"))
        }
        Err(err) => StepRun::error(Some(text.to_owned()), err.to_string(), Vec::new()),
    }
}

fn tools_report(env: &Environment) -> String {
    let mut out = String::new();
    for (tool, package, path) in &env.tools {
        let line = match path {
            Some(path) => {
                t!("runner.tool_found", tool = format!("{tool:<6}"), path = path.display())
            }
            None => t!("runner.tool_missing", tool = format!("{tool:<6}"), package = package),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let missing: Vec<&str> =
        env.tools.iter().filter(|(_, _, p)| p.is_none()).map(|(_, pkg, _)| *pkg).collect();
    if !missing.is_empty() {
        out.push_str(&t!("runner.tools_install", packages = missing.join(" ")));
        out.push('\n');
    }
    out
}

fn environment_report(env: &Environment) -> String {
    let ipv6 = if env.ipv6 { t!("runner.env_ipv6_yes") } else { t!("runner.env_ipv6_no") };
    let privilege = if env.unprivileged_start == 0 {
        match env.lab_of_host_start {
            Some(host) => t!("runner.env_privileged_lab", host = host),
            None => t!("runner.env_privileged_none"),
        }
    } else if env.privileged {
        t!("runner.env_privileged_yes", start = env.unprivileged_start)
    } else {
        t!("runner.env_privileged_no", start = env.unprivileged_start)
    };
    let all = InspectArgs {
        tcp: true,
        listening: true,
        numeric: true,
        port: Some(0),
        ..InspectArgs::default()
    };
    let tables = match inspect::snapshot(&all).source {
        inspect::Source::Netlink => t!("runner.env_netlink_yes"),
        inspect::Source::ProcFallback { reason } => t!("runner.env_netlink_no", reason = reason),
    };
    let network = match env.lab_of_host_start {
        Some(_) => t!("runner.lab.env_in_lab"),
        None => t!("runner.lab.env_on_host"),
    };
    format!("{ipv6}\n{privilege}\n{tables}\n{network}\n")
}
