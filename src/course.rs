//! The course: the commands that take a student through the lessons, from the command line to
//! the runner: the tour, `run`, `list`, `reset` and `explain`. Each loads the lessons, enters
//! the student's lab and places the lessons' values ([`run_setup`](crate::run_setup)), and
//! picks interactive or batch mode. (The lab itself, the student's namespaces, is
//! [`isolation`](crate::isolation).)

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::error::Failure;
use crate::isolation::Purpose;
use crate::lesson;
use crate::run_setup::{RunOptions, load, prepare, select};
use crate::runner::batch::{self, Format};
use crate::runner::cleanup;
use crate::runner::environment::Environment;
use crate::runner::progress::Progress;
use crate::runner::tour;
use crate::t;
use crate::terminal_text::say;
use crate::ui::terminal::TerminalUi;

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
    pub options: RunOptions,
}

/// `socklab` with no subcommand: the tour in a terminal, the batch run without one.
pub fn default_command(options: &RunOptions) -> Result<ExitCode, Failure> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        let args = RunArgs {
            names: Vec::new(),
            yes: true,
            format: Format::Text,
            options: options.clone(),
        };
        return run(&args);
    }
    let lessons = load(options)?;
    let prepared = prepare(options, &lessons, Purpose::Tour)?;
    let placement = prepared.placement.clone();
    let env = Environment::detect();
    let mut progress = Progress::load()?;
    cleanup::install_signal_handler();
    let mut ui = TerminalUi::new();
    // The book's section in markdown, with this run's values; the interface renders it like
    // all prose.
    let explained: Vec<_> = lessons
        .iter()
        .map(|l| {
            crate::runner::session::resolve(l, &env, &placement)
                .unwrap_or_else(|_| lesson::resolve::as_written(l))
        })
        .collect();
    let read_more = |lesson: &lesson::resolve::ConcreteLesson,
                     step: &lesson::resolve::ConcreteStep| {
        crate::book::lookup(&explained, &lesson.id, Some(&step.id)).ok()
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
    let lessons = load(&args.options)?;
    let selected = select(&lessons, &args.names)?;
    let prepared = prepare(&args.options, &lessons, Purpose::Steps)?;
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
        crate::terminal_text::warn(tally.summary());
    }
    Ok(if tally.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::error::EXIT_FAILURE)
    })
}

/// `socklab list`: the lessons and how far the student got in each (steps, exercises and
/// quizzes, as bars), then in the whole lab.
pub fn list(options: &RunOptions) -> Result<ExitCode, Failure> {
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
pub fn reset(options: &RunOptions, lesson: Option<&str>) -> Result<ExitCode, Failure> {
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
    options: &RunOptions,
    topic: Option<&str>,
    glossary: Option<&str>,
) -> Result<ExitCode, Failure> {
    let lessons: Vec<_> = load(options)?.iter().map(lesson::resolve::as_written).collect();
    let markdown = match (topic, glossary) {
        (_, Some("")) => crate::book::glossary_index(),
        (_, Some(term)) => crate::book::glossary_entry(term)?,
        (None, None) => crate::book::explain_index(&lessons),
        (Some(topic), None) => {
            let (lesson, step) = match topic.split_once('/') {
                Some((lesson, step)) => (lesson, Some(step)),
                None => (topic, None),
            };
            crate::book::lookup(&lessons, lesson, step)?
        }
    };
    let styled = crate::ui::render::colours_wanted();
    console::set_colors_enabled(styled);
    let rendered = crate::ui::render::render(crate::ui::Show::Page(&markdown), styled);
    crate::ui::terminal::page(&rendered);
    Ok(ExitCode::SUCCESS)
}
