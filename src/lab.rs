//! The lab's own commands: the tour, `run`, `list` and `reset`, from the command line to the
//! runner. Loads the lessons (shipped or `--lessons DIR`), places their values for this run,
//! and picks interactive or batch mode.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::Failure;
use crate::isolation::{self, Mode, Placed, Purpose, fallback};
use crate::lesson::values::Placement;
use crate::lesson::{self, Lesson};
use crate::runner::batch::{self, Format};
use crate::runner::cleanup;
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::tour;
use crate::t;
use crate::terminal_text::say;
use crate::ui::terminal::TerminalUi;

/// Options that shape a run, accepted before or after the subcommand (`global`); a command
/// they do not apply to refuses them rather than ignoring them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LabOptions {
    /// Run the lessons in DIR instead of the shipped ones.
    #[arg(long, value_name = "DIR", global = true)]
    pub lessons: Option<PathBuf>,
    /// Add N to every port the lessons use (a lab has its own ports; this is for the host).
    #[arg(long, value_name = "N", default_value_t = 0, global = true)]
    pub port_offset: u16,
    /// Put the lessons' socket files in DIR (created if missing) instead of /tmp.
    #[arg(long, value_name = "DIR", global = true)]
    pub socket_dir: Option<PathBuf>,
    /// Where lessons and exercises run: a lab of your own (auto falls back to moved ports
    /// where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]
    #[arg(long, value_enum, value_name = "MODE", global = true)]
    pub isolation: Option<Mode>,
}

/// Each run-shaping option by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabOption {
    Lessons,
    PortOffset,
    SocketDir,
    Isolation,
}

impl LabOptions {
    /// Refuses the options given that `command` does not use (never ignored in silence).
    pub fn only(&self, command: &str, uses: &[LabOption]) -> Result<(), Failure> {
        let given = [
            (LabOption::Lessons, "--lessons", self.lessons.is_some()),
            (LabOption::PortOffset, "--port-offset", self.port_offset != 0),
            (LabOption::SocketDir, "--socket-dir", self.socket_dir.is_some()),
            (LabOption::Isolation, "--isolation", self.isolation.is_some()),
        ];
        match given.iter().find(|(option, _, set)| *set && !uses.contains(option)) {
            Some((_, flag, _)) => Err(Failure::usage(t!(
                "runner.lab.option_unused",
                option = flag,
                command = command
            ))
            .hint(t!("runner.lab.option_unused_hint"))),
            None => Ok(()),
        }
    }
}

/// `socklab run` options.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Lessons to run, by id (all when none is named).
    #[arg(value_name = "LESSON")]
    pub names: Vec<String>,
    /// Do not ask before starting (a terminal is asked to confirm that real sockets open).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The run-shaping options (global ones, filled in from the whole command line).
    #[arg(skip)]
    pub lab: LabOptions,
}

/// Loads the lessons (`--lessons DIR`, or the shipped ones); a problem in any file is a usage
/// error listing every problem.
pub fn load(options: &LabOptions) -> Result<Vec<Lesson>, Failure> {
    lesson::load::load(options.lessons.as_deref())
}

/// Where this run places the lessons' values (`--port-offset`, `--socket-dir`, created if
/// missing, made absolute, and refused when others could swap files in it).
pub fn placement(options: &LabOptions) -> Result<Placement, Failure> {
    let mut socket_dir = None;
    if let Some(dir) = &options.socket_dir {
        let unusable = |err: std::io::Error| {
            Failure::usage(t!("runner.socket_dir_unusable", dir = dir.display(), error = err))
        };
        std::fs::create_dir_all(dir).map_err(unusable)?;
        let dir = std::path::absolute(dir).map_err(unusable)?;
        crate::runner::session::check_socket_dir(&dir)?;
        socket_dir = Some(dir);
    }
    Ok(Placement { port_offset: options.port_offset, socket_dir, ..Placement::default() })
}

/// A run's placement, and what must stay held while the run lasts.
#[derive(Debug)]
pub struct Prepared {
    pub placement: Placement,
    /// The slot taken on the host when isolation fell back (released at the end of the run).
    _moved: Option<fallback::Moved>,
}

impl Prepared {
    /// Values placed as `placement` says, with no slot taken.
    pub fn on_host(placement: Placement) -> Self {
        Self { placement, _moved: None }
    }
}

/// Enters the lab `purpose` needs (call it while the process has one thread: before the
/// signal handler, listeners or prompts), then places the lessons' values: as asked inside a
/// lab or on the host with `--isolation none`; moved for this student, with a one-line
/// notice, where the kernel refused a lab.
pub fn prepare(
    options: &LabOptions,
    lessons: &[Lesson],
    purpose: Purpose,
) -> Result<Prepared, Failure> {
    let mode = Mode::resolve(options.isolation)?;
    let placed = isolation::enter(mode, purpose)?;
    let mut placement = placement(options)?;
    let reason = match placed {
        Placed::Lab | Placed::Host => return Ok(Prepared { placement, _moved: None }),
        Placed::HostNoLab => {
            eprintln!("{}", t!("runner.lab.no_lab_running"));
            return Ok(Prepared { placement, _moved: None });
        }
        Placed::Refused(reason) => reason,
    };
    // From every lesson loaded, not only those chosen: `check tcp` must find the exercise
    // ports where `practice` and `run` put them.
    let ports: Vec<u16> = lessons
        .iter()
        .flat_map(|lesson| &lesson.values.ports)
        .flat_map(|value| std::iter::once(value.port).chain(value.unprivileged))
        .collect();
    let kind = match purpose {
        Purpose::Exercises { .. } => fallback::For::Exercises,
        Purpose::Steps | Purpose::Tour => fallback::For::Steps,
    };
    let moved = fallback::place(&ports, kind)
        .map_err(|err| Failure::new(t!("runner.lab.fallback_failed", why = reason, error = err)))?;
    if options.port_offset == 0 {
        placement.port_offset = moved.port_offset;
    }
    if options.socket_dir.is_none() {
        placement.socket_dir = Some(moved.socket_dir.clone());
    }
    let example = ports.iter().copied().find(|&port| port >= 1024).unwrap_or(8080);
    eprintln!(
        "{}",
        t!(
            "runner.lab.fallback_notice",
            why = reason,
            offset = placement.port_offset,
            from = example,
            to = u32::from(example) + u32::from(placement.port_offset),
            dir = placement.socket_dir.as_deref().unwrap_or(std::path::Path::new("/tmp")).display()
        )
    );
    Ok(Prepared { placement, _moved: Some(moved) })
}

/// `socklab` with no subcommand: the tour in a terminal, the batch run without one.
pub fn default_command(options: &LabOptions) -> Result<ExitCode, Failure> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        let args =
            RunArgs { names: Vec::new(), yes: true, format: Format::Text, lab: options.clone() };
        return run(&args);
    }
    let lessons = load(options)?;
    let prepared = prepare(options, &lessons, Purpose::Tour)?;
    let placement = prepared.placement.clone();
    let env = Environment::detect();
    let mut progress = Progress::load()?;
    cleanup::install_signal_handler();
    let mut ui = TerminalUi::new();
    let env_placement = env.placement(&placement);
    // The book's section in markdown; the interface renders it like all prose.
    let read_more = |lesson: &Lesson, step: &lesson::Step| {
        let values_of =
            |l: &Lesson| l.values.place(&env_placement).unwrap_or_else(|_| l.values.as_written());
        crate::book::lookup(&lessons, &lesson.id, Some(&step.id), &values_of).ok()
    };
    let tally = tour::run(&lessons, None, &env, &placement, &mut progress, &read_more, &mut ui)?;
    if let Some(signal) = cleanup::interrupted() {
        return Ok(ExitCode::from(cleanup::exit_status(signal)));
    }
    Ok(if tally.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::error::EXIT_FAILURE)
    })
}

/// `socklab run`: the batch run.
pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let lessons = load(&args.lab)?;
    let selected = select(&lessons, &args.names)?;
    let prepared = prepare(&args.lab, &lessons, Purpose::Steps)?;
    let placement = &prepared.placement;
    if !args.yes && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        let question = t!("runner.confirm_batch", count = selected.len());
        let mut ui = TerminalUi::new();
        if !crate::ui::Ui::confirm(&mut ui, &question, true) {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let env = Environment::detect();
    let mut progress = Progress::load()?;
    cleanup::install_signal_handler();
    let mut stdout = std::io::stdout().lock();
    let tally = batch::run(&selected, &env, placement, args.format, &mut progress, &mut stdout)?;
    if let Some(signal) = cleanup::interrupted() {
        return Ok(ExitCode::from(cleanup::exit_status(signal)));
    }
    if args.format == Format::Json {
        eprintln!("{}", tally.summary());
    }
    Ok(if tally.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::error::EXIT_FAILURE)
    })
}

/// The lessons named (the tutorial's, without the extra lessons, when none is), or a usage
/// error naming the known ones.
pub fn select<'a>(lessons: &'a [Lesson], names: &[String]) -> Result<Vec<&'a Lesson>, Failure> {
    if names.is_empty() {
        // The tutorial's own lessons; an extra lesson runs when it is named.
        return Ok(lessons.iter().filter(|l| !l.extra).collect());
    }
    names
        .iter()
        .map(|name| {
            lessons.iter().find(|l| &l.id == name).ok_or_else(|| {
                let known: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
                Failure::usage(t!("runner.unknown_lesson", name = name))
                    .hint(t!("runner.known_lessons", known = known.join(", ")))
            })
        })
        .collect()
}

/// `socklab list`: the lessons and how far the student got in each (steps, exercises and
/// quizzes, as bars), then in the whole lab.
pub fn list(options: &LabOptions) -> Result<ExitCode, Failure> {
    let lessons = load(options)?;
    let progress = Progress::load()?;
    for (number, lesson) in lessons.iter().enumerate() {
        let mark = if progress.is_complete(lesson) {
            format!(" ({})", t!("runner.list_complete"))
        } else if progress.done_in(lesson) > 0 {
            format!(" ({})", t!("runner.list_started"))
        } else {
            String::new()
        };
        let title = if lesson.extra {
            format!("{} {}", lesson.title, t!("runner.list_extra", id = lesson.id))
        } else {
            lesson.title.clone()
        };
        if !say(format!("{:>2}  {}: {title}{mark}", number + 1, lesson.id)) {
            return Ok(ExitCode::SUCCESS);
        }
        for row in tour::Standing::of(lesson, &progress).rows().lines() {
            if !say(format!("      {row}")) {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    say(format!("\n{}", tour::Standing::of_lab(&lessons, &progress).line()));
    if let Some(path) = progress.path() {
        say(t!("runner.list_progress_file", path = path.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// `socklab reset [LESSON]`: forget progress.
pub fn reset(options: &LabOptions, lesson: Option<&str>) -> Result<ExitCode, Failure> {
    let lessons = load(options)?;
    if let Some(name) = lesson {
        select(&lessons, &[name.to_owned()])?;
    }
    let mut progress = Progress::load()?;
    let had = progress.reset(lesson);
    progress.save()?;
    let message = match (lesson, had) {
        (Some(name), true) => t!("runner.reset_lesson", lesson = name),
        (Some(name), false) => t!("runner.reset_lesson_nothing", lesson = name),
        (None, _) => t!("runner.reset_all"),
    };
    say(message);
    Ok(ExitCode::SUCCESS)
}

/// `socklab explain [LESSON[/STEP]] [--glossary [TERM]]`: the book's text, rendered for the
/// terminal (paged when long); without a topic, what can be explained.
pub fn explain(
    options: &LabOptions,
    topic: Option<&str>,
    glossary: Option<&str>,
) -> Result<ExitCode, Failure> {
    let lessons = load(options)?;
    let markdown = match (topic, glossary) {
        (_, Some("")) => crate::book::glossary_index(),
        (_, Some(term)) => crate::book::glossary_entry(term)?,
        (None, None) => crate::book::explain_index(&lessons),
        (Some(topic), None) => {
            let (lesson, step) = match topic.split_once('/') {
                Some((lesson, step)) => (lesson, Some(step)),
                None => (topic, None),
            };
            crate::book::lookup(&lessons, lesson, step, &|l: &Lesson| l.values.as_written())?
        }
    };
    let styled = crate::ui::render::colours_wanted();
    console::set_colors_enabled(styled);
    let rendered = crate::ui::render::render(crate::ui::Show::Page(&markdown), styled);
    crate::ui::terminal::page(&rendered);
    Ok(ExitCode::SUCCESS)
}
