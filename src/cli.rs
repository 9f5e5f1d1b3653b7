//! The command line: clap's definition of socklab's subcommands, and the dispatch to them.
//!
//! `main` here is the whole program: parse, run, print a [`Failure`] as
//! `socklab: error: …` with its hints, and turn the outcome into an exit code (0 all went
//! well, 1 something failed, 2 a usage or lesson-file error).

use std::cell::Cell;
use std::ffi::OsString;
use std::process::ExitCode;

use clap::builder::StyledStr;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{Config, Flags, Origin};
use crate::course::{self, RunArgs};
use crate::error::Failure;
use crate::isolation::{self, Mode};
use crate::net::{inspect, listen, probe, stat};
use crate::run_setup::{RunOption, RunOptions};
use crate::t;

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
    pub options: RunOptions,
    /// Record your verdicts in the class directory DIR (`socklab class init` makes one)
    /// [env: SOCKLAB_CLASS]
    #[arg(long, value_name = "DIR", global = true, help_heading = crate::run_setup::LESSON_OPTIONS)]
    pub class: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// socklab's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run lessons without prompts and report a verdict per step (exit 0 when all passed).
    Run(Lazy<RunArgs>),
    /// Grade the exercises against the live system, without prompts (exit 0 when all passed)
    ///
    /// Prints readable text, one JSON object per exercise, or JUnit XML for CI systems and
    /// classroom graders.
    Check(Lazy<crate::exercise::grade::CheckArgs>),
    /// Do the lessons' exercises and quizzes, with hints (in a terminal)
    Practice(Lazy<crate::exercise::practice::PracticeArgs>),
    /// For lesson authors: check lesson files, book sections and exercise self-tests
    ///
    /// Checks the format, ids, the book's sections, and a self-test of every exercise (it must
    /// fail while nothing is done and pass with its reference solution) and every prediction
    /// quiz (exit 0 when clean).
    Lint(Lazy<crate::lint::LintArgs>),
    /// Open your shell (or run COMMAND) in your own lab: the tutorial's ports and /tmp,
    /// yours alone
    ///
    /// A second `socklab shell` joins the same lab; `socklab check` and `practice` grade what
    /// you build there. The lab ends when the last program in it ends.
    Shell(Lazy<isolation::shell::ShellArgs>),
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
    /// Show the configuration in effect, and where each value came from
    ///
    /// Flags first, then SOCKLAB_* variables, then ~/.config/socklab/config.toml, then
    /// /etc/socklab/config.toml, then the defaults.
    Config,
    /// For instructors: make a class directory, and follow the class's progress
    #[command(subcommand)]
    Class(Lazy<ClassCommand>),
    /// The mdBook preprocessor (called by `mdbook build`, not by people).
    #[command(hide = true)]
    BookPreprocessor {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Listen like socat: TCP4-LISTEN, TCP6-LISTEN, UDP4-LISTEN, UDP6-LISTEN, UNIX-LISTEN,
    /// UNIX-RECVFROM; discard what arrives; stop on Ctrl+C or SIGTERM.
    Listen(Lazy<listen::ListenArgs>),
    /// List sockets like ss, from the kernel's tables (netlink sock_diag).
    // A flag given twice counts once, as the real tools' getopt takes it (`ss -ttln`, `nc -vvz`).
    #[command(args_override_self = true)]
    Inspect(Lazy<inspect::InspectArgs>),
    /// Probe like nc -z: TCP, UDP or Unix socket.
    // A flag given twice counts once, as the real tools' getopt takes it (`ss -ttln`, `nc -vvz`).
    #[command(args_override_self = true)]
    Probe(Lazy<probe::ProbeArgs>),
    /// Describe socket files like stat (or ls -l with --ls).
    // A flag given twice counts once, as the real tools' getopt takes it (`ss -ttln`, `nc -vvz`).
    #[command(args_override_self = true)]
    Stat(Lazy<stat::StatArgs>),
}

/// `socklab class` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Make DIR a class directory (sticky, mode 1733) and print the line to hand out.
    Init {
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
    /// One row per student: steps per lesson, exercises, quizzes, hints, last activity
    ///
    /// Sorted so the stuck come first; `--watch` redraws it every 2 seconds, `--format`
    /// exports CSV, JSON or JUnit XML.
    Report(crate::class::report::ReportArgs),
}

/// Parses the command line, then fills the run-shaping options not given as flags from the
/// configuration (environment, user file, system file, defaults). The engine's tools
/// (listen, inspect, probe, stat) read no configuration.
fn configure(matches: &ArgMatches) -> Result<(Cli, Config), Failure> {
    let cli = Cli::from_arg_matches(matches).unwrap_or_else(|err| err.exit());
    let tool = matches!(
        cli.command,
        Some(
            Command::Listen(_)
                | Command::Inspect(_)
                | Command::Probe(_)
                | Command::Stat(_)
                | Command::BookPreprocessor { .. }
        )
    );
    let uses_class = matches!(
        cli.command,
        None | Some(
            Command::Run(_)
                | Command::Check(_)
                | Command::Practice(_)
                | Command::Config
                | Command::Class(_)
        )
    );
    if cli.class.is_some() && !uses_class {
        let command = matches.subcommand_name().unwrap_or_default();
        return Err(Failure::usage(t!("class.class_unused", command = command)));
    }
    if tool {
        return Ok((cli, Config::default()));
    }
    // Whether --port-offset was written at each level (a written 0 overrides a configured one).
    let levels = std::iter::once(matches).chain(matches.subcommand().map(|(_, sub)| sub));
    let written: Vec<bool> = levels
        .map(|level| {
            level.ids().any(|id| id == "port_offset")
                && level.value_source("port_offset") == Some(clap::parser::ValueSource::CommandLine)
        })
        .collect();
    let flags = Flags {
        class: cli.class.clone(),
        lessons: cli.options.lessons.clone(),
        socket_dir: cli.options.socket_dir.clone(),
        port_offset: written.iter().any(|w| *w).then_some(cli.options.port_offset),
        lang: cli.lang.clone(),
        isolation: cli.options.isolation.and_then(|mode| {
            use clap::ValueEnum;
            let name = mode.to_possible_value()?.get_name().to_owned();
            crate::config::Isolation::from_str(&name, true).ok()
        }),
    };
    // The options stay as typed here: each command refuses those it has no use for, and
    // takes the configured values after that (see `run`).
    Ok((cli, Config::load(&flags)?))
}

/// Runs socklab with this process's arguments.
pub fn main() -> ExitCode {
    // args_os: a file name need not be UTF-8.
    let args: Vec<OsString> = std::env::args_os().collect();
    let matches = lean().try_get_matches_from(&args).unwrap_or_else(|err| usage_error(err, &args));
    let code = match configure(&matches).and_then(|(cli, config)| run(cli, &config)) {
        Ok(code) => code,
        Err(failure) => {
            crate::terminal_text::warn(failure.to_string());
            failure.exit_code()
        }
    };
    // A signal's clean-up may still be under way in its thread: never exit halfway through.
    crate::runner::cleanup::settle();
    code
}

/// A subcommand's own arguments (or subcommands), which clap adds to the definition only when
/// it parses that subcommand in [`lean`]'s definition, and at once everywhere else.
#[derive(Debug, Clone)]
pub struct Lazy<T>(pub T);

thread_local! {
    /// Set while [`lean`] builds the definition.
    static LEAN: Cell<bool> = const { Cell::new(false) };
}

/// The command line as one run parses it: the options of socklab itself, and of each
/// subcommand only its name and summary until clap meets it (clap's `Command::defer`).
/// `socklab inspect -tln` builds one subcommand's arguments, not all of them, and so touches
/// less code and memory at start-up. Help, the version and errors show the same text
/// as [`Cli::command`]'s, which builds everything (the man pages, completions and
/// translations are made from that one).
fn lean() -> clap::Command {
    LEAN.set(true);
    let command = Cli::command();
    LEAN.set(false);
    command
}

/// `cmd` with `T`'s arguments, keeping the summary the subcommand's variant gave it (clap
/// would put `T`'s own doc comment there, which it replaces when it builds at once).
fn with_args<T: Args>(cmd: clap::Command) -> clap::Command {
    let kept = (cmd.get_about().cloned(), cmd.get_long_about().cloned());
    restored(T::augment_args(cmd), kept)
}

/// `cmd` with `T`'s subcommands, keeping its summary (see [`with_args`]).
fn with_subcommands<T: Subcommand>(cmd: clap::Command) -> clap::Command {
    let kept = (cmd.get_about().cloned(), cmd.get_long_about().cloned());
    restored(T::augment_subcommands(cmd), kept)
}

fn restored(
    cmd: clap::Command,
    (about, long_about): (Option<StyledStr>, Option<StyledStr>),
) -> clap::Command {
    let cmd = match about {
        Some(about) => cmd.about(about),
        None => cmd.about(None::<&str>),
    };
    match long_about {
        Some(long_about) => cmd.long_about(long_about),
        None => cmd.long_about(None::<&str>),
    }
}

impl<T: FromArgMatches> FromArgMatches for Lazy<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Lazy)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        if LEAN.get() { cmd.defer(with_args::<T>) } else { T::augment_args(cmd) }
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        T::augment_args_for_update(cmd)
    }

    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: Subcommand> Subcommand for Lazy<T> {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        if LEAN.get() { cmd.defer(with_subcommands::<T>) } else { T::augment_subcommands(cmd) }
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        T::augment_subcommands_for_update(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
}

/// Ends the run on a command line clap could not parse: clap's own words in English, and in
/// another language the same facts in that language's words (help and version are printed
/// as clap prints them, translated by [`crate::help`] on the whole definition, which clap
/// parses again for that). Exit status 2, or for the engine's tools the real tool's status
/// for a command line it cannot parse (ss 255, socat, nc and stat 1), so that a script sees
/// the same.
fn usage_error(err: clap::Error, args: &[OsString]) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    // The language is found from the words, before clap could parse them.
    let words: Vec<String> = args.iter().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let status = if err.use_stderr() { usage_status(&words) } else { 0 };
    let lang = crate::help::language_of(&words);
    // The version reads the same in every language.
    let err = if lang == crate::language::ENGLISH || err.kind() == ErrorKind::DisplayVersion {
        err
    } else {
        crate::help::localized(Cli::command(), lang).try_get_matches_from(args).err().unwrap_or(err)
    };
    let told = |kind| err.get(kind).map(ToString::to_string).unwrap_or_default();
    let message = (lang != crate::language::ENGLISH)
        .then(|| {
            crate::language::set_from_locale(lang);
            Some(match err.kind() {
                ErrorKind::UnknownArgument => {
                    t!("common.parse_unknown_argument", arg = told(ContextKind::InvalidArg))
                }
                ErrorKind::InvalidSubcommand => {
                    t!("common.parse_unknown_command", name = told(ContextKind::InvalidSubcommand))
                }
                ErrorKind::InvalidValue | ErrorKind::ValueValidation => t!(
                    "common.parse_invalid_value",
                    value = told(ContextKind::InvalidValue),
                    arg = told(ContextKind::InvalidArg)
                ),
                ErrorKind::MissingRequiredArgument => {
                    t!("common.parse_missing", args = told(ContextKind::InvalidArg))
                }
                ErrorKind::ArgumentConflict => t!(
                    "common.parse_conflict",
                    arg = told(ContextKind::InvalidArg),
                    other = told(ContextKind::PriorArg)
                ),
                ErrorKind::TooManyValues
                | ErrorKind::TooFewValues
                | ErrorKind::WrongNumberOfValues
                | ErrorKind::NoEquals => {
                    t!("common.parse_values", arg = told(ContextKind::InvalidArg))
                }
                _ => return None,
            })
        })
        .flatten();
    match message {
        Some(message) => {
            let failure = Failure::usage(message).hint(t!("common.parse_help"));
            crate::terminal_text::warn(failure.to_string());
            std::process::exit(status);
        }
        None if err.use_stderr() => {
            let _ = err.print();
            std::process::exit(status);
        }
        None => err.exit(),
    }
}

/// The exit status for a command line that does not parse: the real tool's where the words
/// name one of the engine's tools (its subcommand is the first word that names a
/// subcommand), else socklab's usage status, 2.
fn usage_status(words: &[String]) -> i32 {
    let names: Vec<String> =
        Cli::command().get_subcommands().map(|command| command.get_name().to_owned()).collect();
    match words.iter().skip(1).find(|word| names.contains(word)).map(String::as_str) {
        Some("inspect") => 255,
        Some("listen" | "probe" | "stat") => 1,
        _ => i32::from(crate::error::EXIT_USAGE),
    }
}

/// Runs one parsed command line with the configuration in effect. The run-shaping options
/// are global: each command takes them from the whole line and refuses those it has no use
/// for (as typed); the configuration fills in the rest.
pub fn run(cli: Cli, config: &Config) -> Result<ExitCode, Failure> {
    use RunOption::Isolation;
    // The commands that give verdicts open the progress directory and join the class now,
    // before anything else happens (a lab entered later has a /tmp of its own; both stay the
    // host's).
    if matches!(
        cli.command,
        None | Some(Command::Run(_) | Command::Check(_) | Command::Practice(_))
    ) {
        crate::runner::progress::pin_state_dir();
        if let Some(dir) = &config.class.value {
            crate::class::join(dir);
        }
    }
    // The language: --lang, else the configuration's (SOCKLAB_LANG, the user's file, the
    // system's), else the locale. The book's preprocessor speaks the language of the book
    // mdBook builds.
    if !matches!(cli.command, Some(Command::BookPreprocessor { .. })) {
        let configured =
            config.lang.value.as_deref().filter(|_| config.lang.origin != Origin::Default);
        crate::language::choose(cli.lang.as_deref().or(configured))?;
    }
    let typed = cli.options;
    let mut options = typed.clone();
    config.apply_to(&mut options);
    match cli.command {
        None => course::default_command(&options),
        Some(Command::Run(Lazy(mut args))) => {
            args.options = options;
            course::run(&args)
        }
        Some(Command::Check(Lazy(mut args))) => {
            args.options = options;
            crate::exercise::grade::main(&args)
        }
        Some(Command::Practice(Lazy(mut args))) => {
            args.options = options;
            crate::exercise::practice::main(&args)
        }
        Some(Command::Lint(Lazy(mut args))) => {
            args.options = options;
            crate::lint::main(&args, crate::help::texts(&Cli::command()))
        }
        Some(Command::Shell(Lazy(args))) => {
            typed.only("shell", &[Isolation])?;
            isolation::shell::main(&args, Mode::resolve(options.isolation)?)
        }
        Some(Command::List) => course::list(&options),
        Some(Command::Reset { lesson }) => course::reset(&options, lesson.as_deref()),
        Some(Command::Explain { topic, glossary }) => {
            course::explain(&options, topic.as_deref(), glossary.as_deref())
        }
        Some(Command::Config) => crate::config::main(config),
        Some(Command::Class(Lazy(ClassCommand::Init { dir }))) => crate::class::init(&dir),
        Some(Command::Class(Lazy(ClassCommand::Report(args)))) => {
            let lessons = crate::run_setup::load(&options)?;
            crate::class::report::main(&args, config.class.value.as_deref(), &lessons)
        }
        Some(Command::BookPreprocessor { args }) => {
            typed.only("book-preprocessor", &[])?;
            crate::book::preprocess(&args)
        }
        Some(Command::LabHolder { dir, held, probe }) => {
            Ok(isolation::holder::main(&dir, held, probe))
        }
        // The engine's tools act where they are run (on the host, or in the lab of the shell
        // they are typed in): no run-shaping option applies to them.
        Some(Command::Listen(Lazy(args))) => {
            typed.only("listen", &[])?;
            listen::main(&args)
        }
        Some(Command::Inspect(Lazy(args))) => {
            typed.only("inspect", &[])?;
            inspect::main(&args)
        }
        Some(Command::Probe(Lazy(args))) => {
            typed.only("probe", &[])?;
            probe::main(&args)
        }
        Some(Command::Stat(Lazy(args))) => {
            typed.only("stat", &[])?;
            stat::main(&args)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lean definition parses every command line as the whole one does: the same values,
    /// or the same help, version or error text.
    #[test]
    fn the_lean_definition_parses_as_the_whole_one() {
        let lines = [
            "inspect -tln sport = :8080",
            "--lang en probe -z -w 1 127.0.0.1 8080",
            "stat --ls /tmp",
            "listen TCP4-LISTEN:8080,fork",
            "run --yes --format json tcp",
            "--isolation none check tcp",
            "class report --format csv",
            "explain --glossary",
            "inspect --help",
            "class report --help",
            "help probe",
            "--help",
            "--version",
            "inspect --bogus",
            "inspect -tln --portt 1",
            "insp",
            "class",
            "probe",
        ];
        for line in lines {
            let argv = std::iter::once("socklab").chain(line.split(' '));
            let parse = |command: clap::Command| match command.try_get_matches_from(argv.clone()) {
                Ok(matches) => format!("{:?}", Cli::from_arg_matches(&matches).unwrap()),
                Err(err) => err.render().to_string(),
            };
            assert_eq!(parse(lean()), parse(Cli::command()), "{line}");
        }
    }
}
