//! `socklab shell [-- COMMAND...]`: the student's shell, or COMMAND, in their lasting lab,
//! where the real socat, ss and nc see the tutorial's own ports and paths. A second shell
//! joins the same lab. The program runs as the student: after exec it holds no capability
//! (what the lab allows, such as port 123, it allows to everyone in it).
//!
//! `socklab shell --host server [-- COMMAND...]` runs it on one of the lab's simulated hosts
//! instead (`client` or `server`, kept by the lab's holder): in that host's network
//! namespace, with CAP_NET_ADMIN and CAP_SYS_ADMIN as ambient capabilities, so that the real
//! `nft` changes the host's firewall and socklab, started from there, reaches the other host.
//! They cover only namespaces of the student's own lab (its user namespace is the student's:
//! entering it from outside gives them anyway), nothing of the machine's.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

use super::lasting::{self, Reached, Trouble};
use super::{Mode, why};
use crate::error::Failure;
use crate::t;

/// `socklab shell` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ShellArgs {
    /// Run it on the lab's simulated host NAME (client or server: the firewall lesson's)
    #[arg(long, value_name = "NAME", value_parser = ["client", "server"])]
    pub host: Option<String>,
    /// The program to run in the lab, with its arguments (default: $SHELL).
    #[arg(value_name = "COMMAND", trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// Runs the shell or command in the student's lasting lab; returns only on failure.
pub fn main(args: &ShellArgs, mode: Mode) -> Result<ExitCode, Failure> {
    if mode == Mode::None {
        return Err(
            Failure::usage(t!("runner.lab.shell_needs_lab")).hint(t!("runner.lab.shell_none_hint"))
        );
    }
    let cwd = std::env::current_dir().ok();
    let (program, rest) = match args.command.split_first() {
        Some((program, rest)) => (program.clone(), rest.to_vec()),
        None => (std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".to_owned()), Vec::new()),
    };
    // A program under the host's /tmp is hidden by the lab's own /tmp: it is opened here,
    // on the host, and run through that descriptor (`/proc/self/fd/N`) once in the lab.
    let hidden = which::which(&program)
        .ok()
        .filter(|path| path.starts_with("/tmp"))
        .and_then(|path| std::fs::File::open(path).ok());
    let reached = lasting::reach(true).map_err(|trouble| match trouble {
        Trouble::Refused(super::namespace::Refusal::Refused(errno)) => {
            Failure::new(t!("runner.lab.shell_refused", why = why(errno)))
                .hint(t!("runner.lab.shell_refused_hint"))
        }
        Trouble::Refused(super::namespace::Refusal::Broken { what, error }) => {
            Failure::new(t!("runner.lab.broken", what = what, error = error))
        }
        Trouble::Other(error) => Failure::new(t!("runner.lab.unreachable", error = error)),
    })?;
    if let (Reached::Joined | Reached::Created, _) = reached {
        // Entering the lab's mount namespace moved us to its root; go back where we were.
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let back =
            [cwd, home].into_iter().flatten().find(|dir| std::env::set_current_dir(dir).is_ok());
        if back.is_none() {
            let _ = std::env::set_current_dir("/");
        }
    }
    match &args.host {
        Some(name) => onto_host(name)?,
        // Started from a host's shell, the plain shell holds no capability either.
        None => {
            let _ = caps::clear(None, caps::CapSet::Ambient);
        }
    }
    let mut command = match &hidden {
        Some(file) => {
            use std::os::fd::AsRawFd;
            let mut command =
                std::process::Command::new(format!("/proc/self/fd/{}", file.as_raw_fd()));
            command.arg0(&program);
            command
        }
        None => std::process::Command::new(&program),
    };
    command.args(&rest).env("SOCKLAB_LAB", "1");
    if let Some(name) = &args.host {
        command.env("SOCKLAB_HOST", name);
    }
    let error = command.exec();
    Err(Failure::new(t!("runner.lab.exec_failed", program = program, error = error)))
}

/// Moves this process onto the lab's host `name` (its network namespace) and gives what it
/// runs next CAP_NET_ADMIN and CAP_SYS_ADMIN there, as ambient capabilities.
fn onto_host(name: &str) -> Result<(), Failure> {
    use caps::{CapSet, Capability};
    use nix::sched::{CloneFlags, setns};
    let uid = rustix::process::geteuid().as_raw();
    let hosts = super::lasting::hosts(uid)
        .map_err(|why| Failure::new(t!("runner.lab.host_unavailable", host = name, why = why)))?;
    let host = hosts.iter().find(|host| host.name() == name).expect("hosts has every host");
    setns(host.netns(), CloneFlags::CLONE_NEWNET).map_err(|errno| {
        Failure::new(t!("runner.lab.host_refused", host = name, error = errno.desc()))
            .hint(t!("runner.lab.host_refused_hint", host = name))
    })?;
    for cap in [Capability::CAP_NET_ADMIN, Capability::CAP_SYS_ADMIN] {
        caps::raise(None, CapSet::Inheritable, cap)
            .and_then(|()| caps::raise(None, CapSet::Ambient, cap))
            .map_err(|err| {
                Failure::new(t!("runner.lab.host_refused", host = name, error = err))
                    .hint(t!("runner.lab.host_refused_hint", host = name))
            })?;
    }
    Ok(())
}
