//! The command line: clap's definition of socklab's subcommands, and the dispatch to them.
//!
//! `main` here is the whole program: parse, run, print a [`Failure`] as
//! `socklab: error: …` with its hints, and turn the outcome into an exit code (0 all went
//! well, 1 something failed, 2 a usage or lesson-file error).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Failure;
use crate::isolation::{self, Mode};
use crate::lab::{self, LabOption, LabOptions, RunArgs};
use crate::net::{inspect, listen, probe, stat};

/// socklab: a hands-on lab for Linux sockets. Without a subcommand, the tour (in a terminal)
/// or every lesson in batch mode (without one).
#[derive(Debug, Parser)]
#[command(name = "socklab", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub lab: LabOptions,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// socklab's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run lessons without prompts and report a verdict per step (exit 0 when all passed).
    Run(RunArgs),
    /// Grade the exercises against the live system, without prompts (exit 0 when all passed)
    ///
    /// Prints readable text, one JSON object per exercise, or JUnit XML for CI systems and
    /// classroom graders.
    Check(crate::exercise::grade::CheckArgs),
    /// Do the lessons' exercises and quizzes, with hints (in a terminal)
    Practice(crate::exercise::practice::PracticeArgs),
    /// For lesson authors: check lesson files, book sections and exercise self-tests
    ///
    /// Checks the format, ids, the book's sections, and a self-test of every exercise (it must
    /// fail while nothing is done and pass with its reference solution) and every prediction
    /// quiz (exit 0 when clean).
    Lint(crate::lint::LintArgs),
    /// Open your shell (or run COMMAND) in your own lab: the tutorial's ports and /tmp,
    /// yours alone
    ///
    /// A second `socklab shell` joins the same lab; `socklab check` and `practice` grade what
    /// you build there. The lab ends when the last program in it ends.
    Shell(isolation::shell::ShellArgs),
    /// List the lessons and your progress.
    List,
    /// Forget your progress in LESSON, or in all lessons.
    Reset {
        /// The lesson to reset (all when none is named).
        #[arg(value_name = "LESSON")]
        lesson: Option<String>,
    },
    /// Print the book's explanation of a lesson, or of one of its steps (LESSON/STEP)
    ///
    /// Without a topic, lists what can be explained; `--glossary` lists the glossary's terms,
    /// `--glossary TERM` prints one.
    Explain {
        /// A lesson id, or LESSON/STEP.
        #[arg(value_name = "LESSON[/STEP]", conflicts_with = "glossary")]
        topic: Option<String>,
        /// Print the glossary's entry for TERM (list the terms without TERM).
        #[arg(long, value_name = "TERM", num_args = 0..=1, default_missing_value = "")]
        glossary: Option<String>,
    },
    /// The holder of a lasting lab (started by `socklab shell`, not by people).
    #[command(hide = true)]
    LabHolder {
        dir: std::path::PathBuf,
        #[arg(long)]
        held: bool,
        #[arg(long, conflicts_with = "held")]
        probe: bool,
    },
    /// The mdBook preprocessor (called by `mdbook build`, not by people).
    #[command(hide = true)]
    BookPreprocessor {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Listen like socat: TCP4-LISTEN, TCP6-LISTEN, UDP4-LISTEN, UDP6-LISTEN, UNIX-LISTEN,
    /// UNIX-RECVFROM; discard what arrives; stop on Ctrl+C or SIGTERM.
    Listen(listen::ListenArgs),
    /// List sockets like ss, from the kernel's tables (netlink sock_diag).
    Inspect(inspect::InspectArgs),
    /// Probe like nc -z: TCP, UDP or Unix socket.
    Probe(probe::ProbeArgs),
    /// Describe socket files like stat (or ls -l with --ls).
    Stat(stat::StatArgs),
}

/// Runs socklab with this process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", crate::ui::render::clean(&failure.to_string()));
            failure.exit_code()
        }
    };
    // A signal's clean-up may still be under way in its thread: never exit halfway through.
    crate::runner::cleanup::settle();
    code
}

/// Runs one parsed command line. The run-shaping options are global: each command takes
/// them from the whole line and refuses those it has no use for.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    use LabOption::Isolation;
    let options = cli.lab;
    match cli.command {
        None => lab::default_command(&options),
        Some(Command::Run(mut args)) => {
            args.lab = options;
            lab::run(&args)
        }
        Some(Command::Check(mut args)) => {
            args.lab = options;
            crate::exercise::grade::main(&args)
        }
        Some(Command::Practice(mut args)) => {
            args.lab = options;
            crate::exercise::practice::main(&args)
        }
        Some(Command::Lint(mut args)) => {
            args.lab = options;
            crate::lint::main(&args)
        }
        Some(Command::Shell(args)) => {
            options.only("shell", &[Isolation])?;
            isolation::shell::main(&args, Mode::resolve(options.isolation)?)
        }
        Some(Command::List) => lab::list(&options),
        Some(Command::Reset { lesson }) => lab::reset(&options, lesson.as_deref()),
        Some(Command::Explain { topic, glossary }) => {
            lab::explain(&options, topic.as_deref(), glossary.as_deref())
        }
        Some(Command::BookPreprocessor { args }) => {
            options.only("book-preprocessor", &[])?;
            let lessons = lab::load(&LabOptions::default())?;
            crate::book::preprocess(&args, &lessons)
        }
        Some(Command::LabHolder { dir, held, probe }) => {
            Ok(isolation::holder::main(&dir, held, probe))
        }
        // The engine's tools act where they are run (on the host, or in the lab of the shell
        // they are typed in): no run-shaping option applies to them.
        Some(Command::Listen(args)) => {
            options.only("listen", &[])?;
            listen::main(&args)
        }
        Some(Command::Inspect(args)) => {
            options.only("inspect", &[])?;
            inspect::main(&args)
        }
        Some(Command::Probe(args)) => {
            options.only("probe", &[])?;
            probe::main(&args)
        }
        Some(Command::Stat(args)) => {
            options.only("stat", &[])?;
            stat::main(&args)
        }
    }
}
