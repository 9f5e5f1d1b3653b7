//! The command line: clap's definition of socklab's subcommands, and the dispatch to them.
//!
//! `main` here is the whole program: parse, run, print a [`Failure`] as
//! `socklab: error: …` with its hints, and turn the outcome into an exit code (0 all went
//! well, 1 something failed, 2 a usage or lesson-file error).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::Failure;
use crate::lab::{self, LabOptions, RunArgs};
use crate::net::{inspect, listen, probe, stat};

/// socklab: a hands-on lab for Linux sockets. Without a subcommand, the tour (in a terminal)
/// or every lesson in batch mode (without one).
#[derive(Debug, Parser)]
#[command(name = "socklab", version, about, max_term_width = 100)]
pub struct Cli {
    /// The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES,
    /// LANG).
    #[arg(long, value_name = "LANG", global = true)]
    pub lang: Option<String>,
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
    /// List the lessons and your progress.
    List(LabOptions),
    /// Forget your progress in LESSON, or in all lessons.
    Reset {
        /// The lesson to reset (all when none is named).
        #[arg(value_name = "LESSON")]
        lesson: Option<String>,
        #[command(flatten)]
        lab: LabOptions,
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
        #[command(flatten)]
        lab: LabOptions,
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
    // --help in the reader's language: the language is found before clap parses.
    let args: Vec<String> = std::env::args().collect();
    let command = crate::help::localized(Cli::command(), crate::help::language_of(&args));
    let cli = Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|err| err.exit());
    match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{failure}");
            failure.exit_code()
        }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    // The book's preprocessor speaks the language of the book mdBook builds.
    if !matches!(cli.command, Some(Command::BookPreprocessor { .. })) {
        crate::language::choose(cli.lang.as_deref())?;
    }
    match cli.command {
        None => lab::default_command(&cli.lab),
        Some(Command::Run(args)) => lab::run(&args),
        Some(Command::Check(args)) => crate::exercise::grade::main(&args),
        Some(Command::Practice(args)) => crate::exercise::practice::main(&args),
        Some(Command::Lint(args)) => crate::lint::main(&args),
        Some(Command::List(options)) => lab::list(&options),
        Some(Command::Reset { lesson, lab: options }) => lab::reset(&options, lesson.as_deref()),
        Some(Command::Explain { topic, glossary, lab: options }) => {
            lab::explain(&options, topic.as_deref(), glossary.as_deref())
        }
        Some(Command::BookPreprocessor { args }) => crate::book::preprocess(&args),
        Some(Command::Listen(args)) => listen::main(&args),
        Some(Command::Inspect(args)) => print(inspect::execute(&args)?),
        Some(Command::Probe(args)) => print(probe::execute(&args)?),
        Some(Command::Stat(args)) => print(stat::execute(&args)?),
    }
}

fn print(output: crate::net::ToolOutput) -> Result<ExitCode, Failure> {
    output.print();
    Ok(ExitCode::from(u8::try_from(output.status).unwrap_or(1)))
}
