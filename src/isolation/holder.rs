//! The holder of a lasting lab: a small socklab process (`socklab lab-holder`, hidden) that
//! makes the lab, keeps it while anything of the student's is in it, and ends when the last
//! member has left, taking the lab with it.
//!
//! The shell that needs a lab starts it under the record's lock and joins before letting the
//! lock go; the holder only decides to end while holding that lock, so a lab is never ended
//! between a shell finding it and entering it. The holder runs in its own session (Ctrl+C in
//! the student's terminal does not reach it) and is re-parented away from the shell, which
//! never has to reap it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use super::namespace::{self, Handles, Refusal};
use super::record::{self, Record};

/// How often the holder looks for members.
const POLL: Duration = Duration::from_millis(300);

/// What the holder reports on its standard output once, as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Ready { pid: u32, with_user: bool },
    Refused(nix::errno::Errno),
    Broken(String),
}

impl Report {
    fn line(&self) -> String {
        match self {
            Self::Ready { pid, with_user } => format!("ready {pid} {}", u8::from(*with_user)),
            Self::Refused(errno) => format!("refused {}", *errno as i32),
            Self::Broken(what) => format!("broken {what}"),
        }
    }

    fn parse(line: &str) -> Option<Self> {
        let mut words = line.split_whitespace();
        match words.next()? {
            "ready" => Some(Self::Ready {
                pid: words.next()?.parse().ok()?,
                with_user: words.next()? == "1",
            }),
            "refused" => {
                Some(Self::Refused(nix::errno::Errno::from_raw(words.next()?.parse().ok()?)))
            }
            "broken" => Some(Self::Broken(words.collect::<Vec<_>>().join(" "))),
            _ => None,
        }
    }
}

/// Starts a holder for the student's private directory `dir` and waits for its report.
pub fn start(dir: &Path) -> std::io::Result<Report> {
    spawn(dir, None)
}

/// Asks a short-lived process whether the kernel would make a lab here (without making one
/// for this process): its report, after which it ends.
pub fn probe(dir: &Path) -> std::io::Result<Report> {
    spawn(dir, Some("--probe"))
}

fn spawn(dir: &Path, mode: Option<&str>) -> std::io::Result<Report> {
    let exe = std::env::current_exe()?;
    let mut starter = Command::new(exe)
        .arg("lab-holder")
        .arg(dir)
        .args(mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = starter.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    // The starter only starts the real holder and ends at once.
    starter.wait()?;
    Report::parse(&line)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, line.trim().to_owned()))
}

/// `socklab lab-holder DIR [--held|--probe]`: without either, starts the real holder (so
/// that it is nobody's child) and ends; with `--held`, makes the lab and holds it; with
/// `--probe`, makes a lab, reports, and ends (taking the lab with it).
pub fn main(dir: &Path, held: bool, probe: bool) -> ExitCode {
    if !held && !probe {
        let Ok(exe) = std::env::current_exe() else { return ExitCode::FAILURE };
        let started = Command::new(exe)
            .arg("lab-holder")
            .arg(dir)
            .arg("--held")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        return if started.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    if held {
        let _ = nix::unistd::setsid();
    }
    let report = match namespace::create() {
        Ok(with_user) => Report::Ready { pid: std::process::id(), with_user },
        Err(Refusal::Refused(errno)) => Report::Refused(errno),
        Err(Refusal::Broken { what, error }) => Report::Broken(format!("{what}: {error}")),
    };
    // The lab's simulated hosts (the firewall lesson's exercises), made before the lab is
    // reported ready so that whoever joins it finds them; where the kernel refuses them the
    // lab has none, and the exercises that need them say why when they look.
    let hosts = match report {
        Report::Ready { .. } if held => crate::topology::Topology::build()
            .ok()
            .and_then(|hosts| hosts.keep().ok())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if probe || !matches!(report, Report::Ready { .. }) {
        return say(&report);
    }
    let Report::Ready { with_user, .. } = report else { return ExitCode::FAILURE };
    let _ = std::env::set_current_dir("/");
    let Ok(own) = Handles::of("self", with_user).and_then(|h| h.inodes()) else {
        return say(&Report::Broken("lab: /proc/self/ns".to_owned()));
    };
    let dir = dir.to_owned();
    // The watch runs in a thread that keeps the lab's capabilities (they are per thread): it
    // must see every member, the programs of a host's shell too, which hold some. The main
    // thread, which stands for the holder in /proc/PID, gives up its own: the kernel lets a
    // process read another's namespaces only if the other holds no capability it lacks, and
    // the student's programs in the lab hold none (see `topology::drop_capabilities`).
    let watch = std::thread::spawn(move || watch(&dir, own, &hosts));
    let _ = crate::topology::drop_capabilities();
    say(&report);
    watch.join().unwrap_or(ExitCode::FAILURE)
}

/// Prints the report line (read by [`spawn`]); the status that goes with it.
fn say(report: &Report) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", report.line());
    let _ = stdout.flush();
    if matches!(report, Report::Ready { .. }) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Keeps the lab until it has no members: then removes its record and returns.
fn watch(dir: &Path, own: [u64; 3], hosts: &[u64]) -> ExitCode {
    let me = Record { pid: std::process::id(), inodes: own };
    loop {
        std::thread::sleep(POLL);
        if members(&own, hosts) > 0 {
            continue;
        }
        // Decide only under the lock: a shell that found the lab enters it before letting go.
        match record::try_lock(dir) {
            Ok(Some(_lock)) if members(&own, hosts) == 0 => {
                me.remove(dir);
                return ExitCode::SUCCESS;
            }
            // The student's directory is gone: nobody can find this lab again.
            Err(_) if members(&own, hosts) == 0 => return ExitCode::SUCCESS,
            _ => {}
        }
    }
}

/// How many processes other than this one are in the lab (in its user namespace, or, for a
/// lab without one, in its network namespace or one of its hosts' `hosts`). Only the
/// student's own processes can be seen, and only they can be in the lab.
pub fn members(inodes: &[u64; 3], hosts: &[u64]) -> usize {
    let (kind, nets): (&str, Vec<u64>) = match inodes {
        [0, net, _] => ("net", std::iter::once(*net).chain(hosts.iter().copied()).collect()),
        [user, ..] => ("user", vec![*user]),
    };
    let own = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 1 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.bytes().all(|b| b.is_ascii_digit()) && name != own
        })
        .filter(|entry| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(entry.path().join("ns").join(kind))
                .is_ok_and(|m| nets.contains(&m.ino()))
                && !is_zombie(&entry.path())
        })
        .count()
}

/// Whether the process at `/proc/PID` has ended and only waits to be reaped (state `Z` in
/// its stat line, after the command name in parentheses).
fn is_zombie(proc_dir: &Path) -> bool {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
    stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_back_as_written() {
        for report in [
            Report::Ready { pid: 7, with_user: true },
            Report::Ready { pid: 8, with_user: false },
            Report::Refused(nix::errno::Errno::ENOSPC),
            Report::Broken("tmpfs: Operation not permitted".to_owned()),
        ] {
            assert_eq!(Report::parse(&report.line()), Some(report));
        }
        assert_eq!(Report::parse("hello"), None);
    }

    #[test]
    fn this_process_is_not_a_zombie() {
        assert!(!is_zombie(Path::new("/proc/self")));
    }
}
