//! Checking an exercise against the live system.
//!
//! socklab reads the kernel's socket tables (every table, every state) and looks at the
//! exercise's port or path. Every socket there is a candidate, whatever its kind, so that a
//! UDP socket where TCP was asked for is reported as such rather than as "nothing". The
//! candidate with the most matching facts is compared fact by fact; the first mistake rule it
//! fits explains the likely cause. Nothing at the port or path fails: doing nothing never
//! passes.
//!
//! [`check_until`] polls until the check passes or a deadline comes, so a listener the student
//! just started is seen as soon as it is bound, and never after a fixed sleep. While it waits,
//! each poll asks only what could pass, filtered by the kernel: the expected table and state
//! at the exercise's port (a LISTEN-only TCP query never walks the established connections),
//! or, for a path, whether the file exists at all; the full check (every table, every state)
//! runs when that finds something, and once more at the deadline.
//!
//! An exercise on the lab's simulated hosts (the firewall lesson's: `host`, `probe`) is
//! checked on the live hosts: its facts in the host's own socket tables, from a thread inside
//! that host, and its probe as a real TCP connection from the other host, which must be
//! refused, time out or connect. `practice` and `check` use the hosts of the student's
//! lasting lab, where the student works with `socklab shell --host`; lint's self-test uses
//! the hosts of the session that carried out the solution. Where there are no hosts (the
//! kernel refuses labs, `--isolation none`) or no firewall for an exercise that needs one,
//! the exercise is skipped with the reason.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::found::{Comparison, Found, user_label};
use crate::lesson::Need;
use crate::lesson::exercise::{Facts, PortRef, ProbeOutcome};
use crate::lesson::resolve::ConcreteExercise;
use crate::net::inspect::{self, Endpoint, InspectArgs, Source, UnixName};
use crate::net::stat::{self, FileKind};
use crate::runner::environment::Environment;
use crate::runner::verdict::Verdict;
use crate::t;
use crate::topology::reach::{self, Answer};
use crate::topology::{OnDemand, Topology};

/// How often the socket tables are read again while waiting.
pub const POLL: Duration = Duration::from_millis(100);

/// Where an exercise's socket is looked for, with the run's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Port(u16),
    Path(PathBuf),
}

/// The result of checking one exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum CheckResult {
    /// A socket with every expected fact is there.
    Pass { found: String },
    /// Not right yet: what was found (if anything), what differs, and the likely mistake.
    Fail { found: Option<String>, differences: Vec<String>, mistake: Option<String> },
    /// socklab could not tell (a fact the kernel did not report, a value it cannot place).
    Error { message: String, hints: Vec<String> },
    /// Not checked on this host, and why.
    Skipped { reason: String },
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        matches!(self, Self::Pass { .. })
    }

    /// What to tell the student, line by line (empty for a pass).
    pub fn details(&self) -> Vec<String> {
        match self {
            Self::Pass { found } => vec![t!("exercise.passed_found", found = found)],
            Self::Fail { found, differences, mistake } => {
                let mut lines = Vec::new();
                if let Some(found) = found {
                    lines.push(t!("exercise.fail_found", found = found));
                }
                lines.extend(differences.iter().cloned());
                if let Some(mistake) = mistake {
                    lines.push(t!("exercise.likely_mistake", say = mistake));
                }
                lines
            }
            Self::Error { message, hints } => {
                let mut lines = vec![message.clone()];
                lines.extend(hints.iter().map(|hint| t!("exercise.hint_line", hint = hint)));
                lines
            }
            Self::Skipped { reason } => vec![reason.clone()],
        }
    }

    /// The runner's verdict for this result (for tallies and progress).
    pub fn verdict(&self) -> Verdict {
        match self {
            Self::Pass { .. } => Verdict::Pass,
            Self::Fail { .. } => Verdict::Fail { difference: self.details().join("\n") },
            Self::Error { message, hints } => {
                Verdict::Error { message: message.clone(), hints: hints.clone() }
            }
            Self::Skipped { reason } => Verdict::Skipped { reason: reason.clone() },
        }
    }
}

/// Where resolved `facts` say the socket is.
pub fn target(facts: &Facts) -> Result<Target, String> {
    match (&facts.port, &facts.path) {
        (Some(port), _) => port_number(port).map(Target::Port),
        (None, Some(path)) => Ok(Target::Path(path.into())),
        (None, None) => Err(t!("exercise.no_target")),
    }
}

/// The number of a resolved port: resolving placed every name the run defines, so a name
/// left is one the run did not place.
fn port_number(port: &PortRef) -> Result<u16, String> {
    match port {
        PortRef::Number(port) => Ok(*port),
        PortRef::Value(name) => Err(t!("exercise.unplaced_value", name = name)),
    }
}

/// Checks `exercise` once, now, for the user running socklab.
pub fn check(exercise: &ConcreteExercise, env: &Environment) -> CheckResult {
    check_for(exercise, env, crate::net::privilege::euid())
}

/// How long a probe across the lab's link waits for an answer before it counts as timed out.
pub const PROBE_WAIT: Duration = Duration::from_secs(1);

/// The hosts of the student's lasting lab, found the first time an exercise needs them.
static LAB_HOSTS: Mutex<Option<OnDemand>> = Mutex::new(None);

/// The lasting lab's hosts, as this process stands towards the lab.
fn lab_hosts() -> OnDemand {
    use crate::isolation::lasting::{self, Whereabouts};
    let found = match lasting::whereabouts() {
        Some(Whereabouts::Lab { uid }) => lasting::hosts(*uid).map(Topology::of),
        Some(Whereabouts::Outside(reason)) => Err(reason.clone()),
        Some(Whereabouts::NoLab) => Err(t!("topology.no_lab")),
        None => Err(t!("topology.needs_lab_none")),
    };
    OnDemand::found(found)
}

/// Whether the exercise is checked on the lab's simulated hosts.
fn on_hosts(exercise: &ConcreteExercise) -> bool {
    exercise.host.is_some() || exercise.probe.is_some()
}

/// Checks `exercise` once, now, for the student `you` (a uid): only their sockets and socket
/// files count. When only another user's socket is there, it fails and says whose it is
/// (a classmate's work never passes yours).
pub fn check_for(exercise: &ConcreteExercise, env: &Environment, you: u32) -> CheckResult {
    if !on_hosts(exercise) {
        return check_facts(exercise, env, you);
    }
    // No lasting lab is running: nothing can have been done on its hosts yet.
    if crate::isolation::lasting::whereabouts()
        == Some(&crate::isolation::lasting::Whereabouts::NoLab)
    {
        return CheckResult::Fail {
            found: None,
            differences: vec![t!("topology.no_lab")],
            mistake: None,
        };
    }
    let mut lab = LAB_HOSTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    check_on(exercise, env, you, lab.get_or_insert_with(lab_hosts))
}

/// Checks an exercise on the simulated hosts `hosts` (those of a session that ran its
/// solution, for lint's self-test); any other exercise as [`check_for`] does.
pub fn check_on(
    exercise: &ConcreteExercise,
    env: &Environment,
    you: u32,
    hosts: &mut OnDemand,
) -> CheckResult {
    if !on_hosts(exercise) {
        return check_facts(exercise, env, you);
    }
    let entered = hosts.get().map(|made| {
        let first = &made.hosts()[0];
        first.run(|| ()).map_err(|err| unenterable(first.name(), &err))
    });
    match entered {
        Err(reason) => return CheckResult::Skipped { reason },
        Ok(Err(cannot)) => return cannot,
        Ok(Ok(())) => {}
    }
    if exercise.needs.contains(&Need::Firewall)
        && let Err(reason) = hosts.firewall()
    {
        return CheckResult::Skipped { reason };
    }
    let topology = match hosts.get() {
        Ok(topology) => topology,
        Err(reason) => return CheckResult::Skipped { reason },
    };
    let facts = match &exercise.host {
        None => check_facts(exercise, env, you),
        Some(name) => match topology.host(name) {
            None => return unknown_host(name),
            Some(host) => match host.run(|| check_facts(exercise, env, you)) {
                Ok(CheckResult::Pass { found }) => {
                    CheckResult::Pass { found: t!("exercise.on_host", found = found, host = name) }
                }
                Ok(CheckResult::Fail { found, differences, mistake }) => CheckResult::Fail {
                    found: found.map(|found| t!("exercise.on_host", found = found, host = name)),
                    differences: differences
                        .into_iter()
                        .map(|line| t!("exercise.on_host", found = line, host = name))
                        .collect(),
                    mistake,
                },
                Ok(other) => other,
                Err(err) => return unenterable(name, &err),
            },
        },
    };
    let (CheckResult::Pass { found }, Some(probe)) = (&facts, &exercise.probe) else {
        return facts;
    };
    let Some(from) = topology.host(&probe.from) else { return unknown_host(&probe.from) };
    let port = match port_number(&probe.port) {
        Ok(port) => port,
        Err(message) => return CheckResult::Error { message, hints: Vec::new() },
    };
    let probed = if probe.udp { reach::udp } else { reach::tcp };
    let answer = match probed(from, probe.address, port, PROBE_WAIT) {
        Ok(answer) => answer,
        Err(err) => return unenterable(&probe.from, &err),
    };
    let words = |answer: &Answer| answer_words(answer, probe.udp);
    let seen = t!(
        if probe.udp { "exercise.probe_seen_udp" } else { "exercise.probe_seen" },
        from = probe.from,
        address = probe.address,
        port = port,
        got = words(&answer)
    );
    let got = match answer {
        Answer::Connected => Some(ProbeOutcome::Connects),
        Answer::Refused => Some(ProbeOutcome::Refused),
        Answer::TimedOut => Some(ProbeOutcome::TimesOut),
        Answer::Other(_) => None,
    };
    if got == Some(probe.outcome) {
        return CheckResult::Pass { found: format!("{found}; {seen}") };
    }
    let expected = match probe.outcome {
        ProbeOutcome::Connects => words(&Answer::Connected),
        ProbeOutcome::Refused => words(&Answer::Refused),
        ProbeOutcome::TimesOut => words(&Answer::TimedOut),
    };
    let host = exercise.host.as_deref().unwrap_or("server");
    let mistake = match (probe.udp, probe.outcome, got) {
        (true, ProbeOutcome::TimesOut, Some(ProbeOutcome::Refused)) => {
            Some(t!("exercise.probe_udp_still_closed", host = host))
        }
        (false, ProbeOutcome::Refused, Some(ProbeOutcome::TimesOut)) => {
            Some(t!("exercise.probe_dropped_not_refused"))
        }
        (false, ProbeOutcome::TimesOut, Some(ProbeOutcome::Refused)) => {
            Some(t!("exercise.probe_refused_not_dropped"))
        }
        (false, _, Some(ProbeOutcome::Connects)) => {
            Some(t!("exercise.probe_let_through", host = host, port = port))
        }
        _ => None,
    };
    CheckResult::Fail {
        found: Some(found.clone()),
        differences: vec![t!("exercise.probe_differs", seen = seen, expected = expected)],
        mistake,
    }
}

/// What a probe got, in words (a UDP probe's in its own).
fn answer_words(answer: &Answer, udp: bool) -> String {
    let seconds = PROBE_WAIT.as_secs();
    match (answer, udp) {
        (Answer::Connected, false) => t!("exercise.probe_connected"),
        (Answer::Refused, false) => t!("exercise.probe_refused"),
        (Answer::TimedOut, false) => t!("exercise.probe_timed_out", seconds = seconds),
        (Answer::Connected, true) => t!("exercise.probe_udp_answer"),
        (Answer::Refused, true) => t!("exercise.probe_udp_refused"),
        (Answer::TimedOut, true) => t!("exercise.probe_udp_silent", seconds = seconds),
        (Answer::Other(error), _) => error.clone(),
    }
}

/// Checks an exercise's facts here: that its socket is there, or, for `absent = true`, that
/// none such is.
fn check_facts(exercise: &ConcreteExercise, env: &Environment, you: u32) -> CheckResult {
    let result = check_here(exercise, env, you);
    if !exercise.absent {
        return result;
    }
    match result {
        CheckResult::Pass { found } => CheckResult::Fail {
            found: Some(found),
            differences: vec![t!("exercise.must_be_absent")],
            mistake: None,
        },
        CheckResult::Fail { .. } => CheckResult::Pass { found: t!("exercise.absent_as_asked") },
        other => other,
    }
}

fn unknown_host(name: &str) -> CheckResult {
    let hosts = crate::topology::names().collect::<Vec<_>>().join(", ");
    CheckResult::Error {
        message: t!("topology.unknown_host", host = name, hosts = hosts),
        hints: Vec::new(),
    }
}

/// This process may not enter a host (a `socklab shell` holds no privilege to leave its lab).
fn unenterable(name: &str, err: &std::io::Error) -> CheckResult {
    CheckResult::Error {
        message: t!("exercise.host_unenterable", host = name, error = err),
        hints: vec![t!("exercise.host_unenterable_hint")],
    }
}

/// Checks an exercise's facts in this thread's own network namespace.
fn check_here(exercise: &ConcreteExercise, env: &Environment, you: u32) -> CheckResult {
    if exercise.needs.contains(&Need::Ipv6) && !env.ipv6 {
        return CheckResult::Skipped { reason: t!("runner.no_ipv6") };
    }
    let target = match target(&exercise.expect) {
        Ok(target) => target,
        Err(message) => return CheckResult::Error { message, hints: Vec::new() },
    };
    let (candidates, absent) = match candidates(&target) {
        Ok(found) => found,
        // Neither netlink nor /proc/net could be read: nothing is known, nothing is judged.
        Err(message) => return CheckResult::Error { message, hints: Vec::new() },
    };
    let (mine, others): (Vec<Found>, Vec<Found>) =
        candidates.into_iter().partition(|found| found.owner_uid() == Some(you));
    let by_score = |found: &&Found| score(found, &exercise.expect, you);
    let Some(best) = mine.iter().max_by_key(by_score) else {
        let Some(other) = others.iter().max_by_key(by_score) else {
            return CheckResult::Fail { found: None, differences: vec![absent], mistake: None };
        };
        let owner = other.owner_uid().map_or_else(|| t!("class.owner_unknown"), user_label);
        let mistake = exercise
            .mistakes
            .iter()
            .find(|rule| other.has(&rule.when, you))
            .map(|rule| rule.say.clone());
        return CheckResult::Fail {
            found: Some(other.describe()),
            differences: vec![t!("class.not_yours", owner = owner, you = user_label(you))],
            mistake,
        };
    };
    // Any candidate that has every fact passes (the best one does, if any does).
    let checks = best.compare(&exercise.expect, you);
    let differences: Vec<String> = checks
        .iter()
        .filter_map(|check| match &check.comparison {
            Comparison::Differs { expected, found } => Some(t!(
                "exercise.difference",
                fact = check.name,
                expected = expected,
                found = found
            )),
            _ => None,
        })
        .collect();
    let unknown: Vec<String> = checks
        .iter()
        .filter_map(|check| match &check.comparison {
            Comparison::Unknown(why) => {
                Some(t!("exercise.unknown_fact", fact = check.name, why = why))
            }
            _ => None,
        })
        .collect();
    match (differences.is_empty(), unknown.is_empty()) {
        (true, true) => CheckResult::Pass { found: best.describe() },
        (true, false) => CheckResult::Error {
            message: t!("exercise.cannot_tell", found = best.describe(), why = unknown.join("; ")),
            hints: vec![t!("exercise.cannot_tell_hint")],
        },
        (false, _) => {
            let mistake = exercise
                .mistakes
                .iter()
                .find(|rule| best.has(&rule.when, you))
                .map(|rule| rule.say.clone());
            CheckResult::Fail { found: Some(best.describe()), differences, mistake }
        }
    }
}

/// Checks `exercise` until it passes or `deadline` comes; the last result.
pub fn check_until(
    exercise: &ConcreteExercise,
    env: &Environment,
    deadline: Instant,
) -> CheckResult {
    check_until_for(exercise, env, deadline, crate::net::privilege::euid())
}

/// [`check_until`] for the student `you` (see [`check_for`]).
pub fn check_until_for(
    exercise: &ConcreteExercise,
    env: &Environment,
    deadline: Instant,
    you: u32,
) -> CheckResult {
    // The cheap look reads this namespace's tables, not a simulated host's.
    let target = target(&exercise.expect).ok().filter(|_| !on_hosts(exercise) && !exercise.absent);
    loop {
        if Instant::now() + POLL > deadline {
            return check_for(exercise, env, you);
        }
        if target.as_ref().is_none_or(|target| could_pass(&exercise.expect, target)) {
            let result = check_for(exercise, env, you);
            if matches!(result, CheckResult::Pass { .. } | CheckResult::Skipped { .. }) {
                return result;
            }
        }
        std::thread::sleep(POLL);
    }
}

/// [`check_on`] until it passes (or is skipped) or `deadline` comes; the last result.
pub fn check_until_on(
    exercise: &ConcreteExercise,
    env: &Environment,
    deadline: Instant,
    hosts: &mut OnDemand,
) -> CheckResult {
    let you = crate::net::privilege::euid();
    loop {
        let result = check_on(exercise, env, you, hosts);
        if Instant::now() + POLL > deadline
            || matches!(result, CheckResult::Pass { .. } | CheckResult::Skipped { .. })
        {
            return result;
        }
        std::thread::sleep(POLL);
    }
}

/// Whether a socket that could pass is there: a cheap look, filtered by the kernel, that
/// `check_until` makes on every poll before the full check.
fn could_pass(expect: &Facts, target: &Target) -> bool {
    use crate::lesson::exercise::{SocketKind, State};
    let port = match target {
        // A Unix socket passes only where its file is.
        Target::Path(path) => return std::fs::symlink_metadata(path).is_ok(),
        Target::Port(port) => *port,
    };
    let mut filter = Vec::new();
    if let Some(state @ (State::Listening | State::Unconnected)) = expect.state {
        filter.extend(["state".to_owned(), state.name().to_owned()]);
    }
    let args = InspectArgs {
        tcp: expect.kind != Some(SocketKind::Udp),
        udp: expect.kind != Some(SocketKind::Tcp),
        all: true,
        numeric: true,
        port: Some(port),
        filter,
        ..InspectArgs::default()
    };
    !inspect::snapshot(&args).rows.is_empty()
}

fn score(found: &Found, expect: &Facts, you: u32) -> usize {
    found.compare(expect, you).iter().filter(|c| c.comparison == Comparison::Same).count()
}

/// Every socket at the target, as facts; and, when there is none, why, in words. An error when
/// the socket tables could not be read at all.
fn candidates(target: &Target) -> Result<(Vec<Found>, String), String> {
    match target {
        Target::Port(port) => {
            let args = InspectArgs {
                tcp: true,
                udp: true,
                all: true,
                numeric: true,
                port: Some(*port),
                ..InspectArgs::default()
            };
            let snapshot = inspect::snapshot(&args);
            if let Some(why) = snapshot.unreadable {
                return Err(t!("inspect.unreadable", detail = why));
            }
            let exact = snapshot.source == Source::Netlink;
            let found = snapshot
                .rows
                .iter()
                .filter(|row| matches!(row.local, Endpoint::Inet { port: p, .. } if p == *port))
                .map(|row| Found::from_row(row, None, exact))
                .collect();
            Ok((found, t!("exercise.nothing_at_port", port = port)))
        }
        Target::Path(path) => unix_candidates(path),
    }
}

fn unix_candidates(path: &Path) -> Result<(Vec<Found>, String), String> {
    let file = stat::stat_path(path).ok();
    let args = InspectArgs { unix: true, all: true, numeric: true, ..InspectArgs::default() };
    let snapshot = inspect::snapshot(&args);
    if let Some(why) = snapshot.unreadable {
        return Err(t!("inspect.unreadable", detail = why));
    }
    let exact = snapshot.source == Source::Netlink;
    let identity = file.as_ref().map(|stat| {
        // sock_diag gives the file's device in the kernel's own encoding (major << 20 | minor).
        let device = (u64::from(stat.device.0) << 20) | u64::from(stat.device.1);
        (device, stat.inode)
    });
    let found: Vec<Found> = snapshot
        .rows
        .iter()
        .filter(|row| {
            let named =
                matches!(&row.local, Endpoint::Unix { name: UnixName::Path(p), .. } if p == path);
            named || (identity.is_some() && row.vfs == identity)
        })
        .map(|row| {
            Found::from_row(row, file.as_ref().filter(|f| f.kind == FileKind::Socket), exact)
        })
        .collect();
    let absent = match &file {
        None => t!("exercise.nothing_at_path", path = path.display()),
        Some(stat) if stat.kind == FileKind::Socket => {
            t!("exercise.stale_socket_file", path = path.display())
        }
        Some(stat) => t!(
            "exercise.not_a_socket_file",
            path = path.display(),
            kind = stat.kind.describe(stat.size)
        ),
    };
    Ok((found, absent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::exercise::{SocketKind, State};

    #[test]
    fn the_waiting_poll_asks_only_for_what_could_pass() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let facts =
            |kind, state| Facts { kind: Some(kind), state: Some(state), ..Facts::default() };
        let target = Target::Port(port);
        assert!(could_pass(&facts(SocketKind::Tcp, State::Listening), &target));
        assert!(could_pass(&Facts::default(), &target), "no facts: any socket at the port");
        // Another table or another state at that port: nothing the full check could pass.
        assert!(!could_pass(&facts(SocketKind::Udp, State::Unconnected), &target));
        assert!(!could_pass(&facts(SocketKind::Tcp, State::Unconnected), &target));
        let dir = tempfile::tempdir().unwrap();
        let missing = Target::Path(dir.path().join("missing.sock"));
        assert!(!could_pass(&facts(SocketKind::UnixStream, State::Listening), &missing));
    }
}
