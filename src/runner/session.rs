//! A session: one lesson being run, step by step, with its values placed and its background
//! listeners held.
//!
//! [`Session::run_step`] does what the step says with the engine (never a shell), compares
//! the output with what the tutorial says it should be, and returns a [`StepRun`]. Dropping
//! the session stops its listeners.

use std::path::PathBuf;

use crate::error::Failure;
use crate::lesson::command::{self, CommandLine, Invocation};
use crate::lesson::expect::Expected;
use crate::lesson::values::{Placement, Resolved};
use crate::lesson::{Action, Check, Lesson, Need, Step};
use crate::net::inspect::{self, InspectArgs};
use crate::net::listen::{ListenKind, ListenSpec, ListenTarget, Listener};
use crate::net::{ToolOutput, probe, stat};
use crate::runner::cleanup::{self, Job, Jobs};
use crate::runner::environment::Environment;
use crate::runner::verdict::Verdict;
use crate::t;

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
}

impl<'a> Session<'a> {
    /// Starts a session: places the lesson's values for this run.
    pub fn new(
        lesson: &Lesson,
        env: &'a Environment,
        placement: &Placement,
    ) -> Result<Self, Failure> {
        let placement = env.placement(placement);
        let values = lesson.values.place(&placement).map_err(Failure::usage)?;
        Ok(Self { values, env, jobs: cleanup::new_jobs(), opened: Vec::new(), halted: None })
    }

    /// The values as this run uses them.
    pub fn values(&self) -> &Resolved {
        &self.values
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
    pub fn command_text(&self, step: &Step) -> Option<String> {
        match &step.action {
            Action::Run(template) => Some(self.values.substitute(template)),
            Action::Check(_) => None,
        }
    }

    /// The step's expected output as the student sees it.
    pub fn expected_text(&self, step: &Step) -> Option<String> {
        step.expect.as_deref().map(|text| self.values.substitute(text))
    }

    /// Records that the student skipped `step` (a skipped listener becomes an empty job, so
    /// that its `fg` is skipped too).
    pub fn skip_step(&mut self, step: &Step) -> StepRun {
        let reason = t!("runner.skipped_by_student");
        self.skipped(step, reason)
    }

    fn skipped(&mut self, step: &Step, reason: String) -> StepRun {
        let command = self.command_text(step);
        if let Some(Ok(parsed)) = command.as_deref().map(command::parse) {
            match parsed.invocation {
                Invocation::Listen(_) => {
                    self.push_job(&parsed, None);
                }
                Invocation::Foreground(job) => {
                    self.pop_job(job);
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
            verdict: Verdict::Skipped { reason },
        }
    }

    /// Runs one step and judges it.
    pub fn run_step(&mut self, step: &Step) -> StepRun {
        if let Some(reason) = &self.halted {
            let reason = t!("runner.halted", reason = reason);
            return self.skipped(step, reason);
        }
        if step.needs.contains(&Need::Ipv6) && !self.env.ipv6 {
            return self.skipped(step, t!("runner.no_ipv6"));
        }
        let mut run = match &step.action {
            Action::Check(check) => self.check(*check),
            Action::Run(template) => {
                let text = self.values.substitute(template);
                match command::parse(&text) {
                    Ok(parsed) => self.command(parsed),
                    // The loader parsed this line with the lesson's own values; placed values
                    // cannot break it, but say so plainly if they ever do.
                    Err(err) => StepRun::error(Some(text), err.message, Vec::new()),
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

    fn command(&mut self, parsed: CommandLine) -> StepRun {
        let text = parsed.text.clone();
        let tool = |output: Result<ToolOutput, Failure>| match output {
            Ok(output) => StepRun::from_tool(&text, output),
            Err(failure) => StepRun::error(Some(text.clone()), failure.message, failure.hints),
        };
        match &parsed.invocation {
            Invocation::Listen(spec) => self.listen(&parsed, spec.clone()),
            Invocation::Foreground(job) => self.foreground(&text, *job),
            Invocation::Inspect(args) => tool(inspect::execute(args)),
            Invocation::Probe(args) => tool(probe::execute(args)),
            Invocation::Stat(args) => tool(stat::execute(args)),
            Invocation::Chmod { mode, paths } => self.chmod(&text, *mode, paths),
        }
    }

    /// chmod, for socket files that this session's own running listeners created: the only
    /// files socklab changes. Prints nothing on success, like chmod.
    fn chmod(&mut self, text: &str, mode: u32, paths: &[PathBuf]) -> StepRun {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let jobs = cleanup::lock(&self.jobs);
        let ours = |path: &PathBuf| {
            let made_here = jobs
                .iter()
                .filter_map(|job| job.listener.as_ref())
                .any(|listener| listener.path() == Some(path.as_path()));
            made_here
                && std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_socket())
        };
        if let Some(path) = paths.iter().find(|path| !ours(path)) {
            let message = t!("runner.chmod_not_ours", path = path.display());
            return StepRun::error(Some(text.to_owned()), message, vec![t!("runner.chmod_hint")]);
        }
        for path in paths {
            let permissions = std::fs::Permissions::from_mode(mode);
            if let Err(err) = std::fs::set_permissions(path, permissions) {
                let message = t!("runner.chmod_failed", path = path.display(), error = err);
                return StepRun::error(Some(text.to_owned()), message, Vec::new());
            }
        }
        StepRun::output(Some(text.to_owned()), String::new())
    }

    fn listen(&mut self, parsed: &CommandLine, spec: ListenSpec) -> StepRun {
        let shown = parsed.text.trim_end_matches('&').trim_end().to_owned();
        let is_v6 = matches!(spec.kind, ListenKind::Tcp6 | ListenKind::Udp6);
        if is_v6 && !self.env.ipv6 {
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
        {
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
        match Listener::open(&spec) {
            Ok(listener) => {
                self.opened.push(listener.inode());
                let number =
                    self.push_job(&CommandLine { text: shown, ..parsed.clone() }, Some(listener));
                let mut run = StepRun::output(
                    Some(parsed.text.clone()),
                    format!("[{number}] {}\n", std::process::id()),
                );
                run.preface = preface;
                run
            }
            Err(failure) => {
                let mut run =
                    StepRun::error(Some(parsed.text.clone()), failure.message, failure.hints);
                run.preface = preface;
                run
            }
        }
    }

    fn push_job(&mut self, parsed: &CommandLine, listener: Option<Listener>) -> usize {
        let mut jobs = cleanup::lock(&self.jobs);
        // A shell numbers jobs from 1 again once none is left; like it, take the next free one.
        let number = jobs.iter().map(|j| j.number).max().unwrap_or(0) + 1;
        let text = parsed.text.trim_end_matches('&').trim_end().to_owned();
        jobs.push(Job { number, text, listener });
        number
    }

    fn pop_job(&mut self, number: Option<usize>) -> Option<Job> {
        let mut jobs = cleanup::lock(&self.jobs);
        let index = match number {
            Some(n) => jobs.iter().position(|j| j.number == n)?,
            None => jobs.len().checked_sub(1)?,
        };
        Some(jobs.remove(index))
    }

    fn foreground(&mut self, text: &str, number: Option<usize>) -> StepRun {
        match self.pop_job(number) {
            None => StepRun::error(Some(text.to_owned()), t!("runner.no_such_job"), Vec::new()),
            Some(Job { listener: None, .. }) => {
                StepRun::skipped(Some(text.to_owned()), t!("runner.job_was_skipped"))
            }
            Some(Job { text: job_text, listener: Some(listener), .. }) => {
                // fg prints the job's command; Ctrl+C then stops it (dropping the listener
                // closes its sockets and removes its socket files).
                drop(listener);
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
        let snapshot = inspect::snapshot(&all);
        let mut left = Vec::new();
        for inode in &self.opened {
            if let Some(row) = snapshot.rows.iter().find(|row| row.inode == *inode) {
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

/// Compares a step's result with the lesson: output first, then exit status.
fn judge(run: &StepRun, step: &Step) -> Verdict {
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
            verdict: Verdict::Pass,
        }
    }

    fn from_tool(command: &str, output: ToolOutput) -> Self {
        let mut observed = output.stdout;
        observed.push_str(&output.stderr);
        let mut run = Self::output(Some(command.to_owned()), observed);
        run.notes = output.notes;
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
    let privilege = if env.privileged {
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
