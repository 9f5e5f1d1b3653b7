//! `socklab shell [-- COMMAND...]`: the student's shell, or COMMAND, in their lasting lab,
//! where the real socat, ss and nc see the tutorial's own ports and paths. A second shell
//! joins the same lab. The program runs as the student: after exec it holds no capability
//! (what the lab allows, such as port 123, it allows to everyone in it).

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
    let error = command.args(&rest).env("SOCKLAB_LAB", "1").exec();
    Err(Failure::new(t!("runner.lab.exec_failed", program = program, error = error)))
}
