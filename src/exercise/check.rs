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

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::found::{Comparison, Found, user_label};
use crate::lesson::Need;
use crate::lesson::exercise::{Facts, PortRef};
use crate::lesson::resolve::ConcreteExercise;
use crate::net::inspect::{self, Endpoint, InspectArgs, Source, UnixName};
use crate::net::stat::{self, FileKind};
use crate::runner::environment::Environment;
use crate::runner::verdict::Verdict;
use crate::t;

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
        (Some(PortRef::Number(port)), _) => Ok(Target::Port(*port)),
        // A name the run did not place (resolving placed every other one).
        (Some(PortRef::Value(name)), _) => Err(t!("exercise.unplaced_value", name = name)),
        (None, Some(path)) => Ok(Target::Path(path.into())),
        (None, None) => Err(t!("exercise.no_target")),
    }
}

/// Checks `exercise` once, now, for the user running socklab.
pub fn check(exercise: &ConcreteExercise, env: &Environment) -> CheckResult {
    check_for(exercise, env, crate::net::privilege::euid())
}

/// Checks `exercise` once, now, for the student `you` (a uid): only their sockets and socket
/// files count. When only another user's socket is there, it fails and says whose it is
/// (a classmate's work never passes yours).
pub fn check_for(exercise: &ConcreteExercise, env: &Environment, you: u32) -> CheckResult {
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
    let target = target(&exercise.expect).ok();
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
