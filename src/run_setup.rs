//! Setting a lesson command up, shared by the course's commands, `practice`, `check` and `lint`:
//! the run-shaping options (`--lessons`, `--port-offset`, `--socket-dir`, `--isolation`),
//! loading the lessons and choosing among them, and entering the student's lab
//! ([`isolation`]) with the lessons' values placed for this run.

use std::path::PathBuf;

use crate::error::Failure;
use crate::isolation::{self, Mode, Placed, Purpose, fallback};
use crate::lesson::values::Placement;
use crate::lesson::{self, Lesson};
use crate::t;

/// The help heading of the options that shape lesson runs: every command's help lists them
/// (clap repeats global options everywhere), and the heading says that they are for the
/// lessons, not for a tool such as `socklab inspect`, which refuses them.
pub const LESSON_OPTIONS: &str = "Lesson options";

/// Options that shape a run, accepted before or after the subcommand (`global`); a command
/// they do not apply to refuses them rather than ignoring them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunOptions {
    /// Run the lessons in DIR instead of the shipped ones.
    #[arg(long, value_name = "DIR", global = true, help_heading = LESSON_OPTIONS)]
    pub lessons: Option<PathBuf>,
    /// Add N to every port the lessons use (a lab has its own ports; this is for the host).
    #[arg(long, value_name = "N", default_value_t = 0, global = true, help_heading = LESSON_OPTIONS)]
    pub port_offset: u16,
    /// Put the lessons' socket files in DIR (created if missing) instead of /tmp.
    #[arg(long, value_name = "DIR", global = true, help_heading = LESSON_OPTIONS)]
    pub socket_dir: Option<PathBuf>,
    /// Where lessons and exercises run: a lab of your own (auto falls back to moved ports
    /// where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]
    #[arg(long, value_enum, value_name = "MODE", global = true, help_heading = LESSON_OPTIONS)]
    pub isolation: Option<Mode>,
}

/// Each run-shaping option by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOption {
    Lessons,
    PortOffset,
    SocketDir,
    Isolation,
}

impl RunOptions {
    /// Refuses the options given that `command` does not use (never ignored in silence).
    pub fn only(&self, command: &str, uses: &[RunOption]) -> Result<(), Failure> {
        let given = [
            (RunOption::Lessons, "--lessons", self.lessons.is_some()),
            (RunOption::PortOffset, "--port-offset", self.port_offset != 0),
            (RunOption::SocketDir, "--socket-dir", self.socket_dir.is_some()),
            (RunOption::Isolation, "--isolation", self.isolation.is_some()),
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

/// Loads the lessons (`--lessons DIR`, or the shipped ones); a problem in any file is a usage
/// error listing every problem.
pub fn load(options: &RunOptions) -> Result<Vec<Lesson>, Failure> {
    lesson::load::load(options.lessons.as_deref())
}

/// Where this run places the lessons' values (`--port-offset`, `--socket-dir`, created if
/// missing, made absolute, and refused when others could swap files in it).
pub fn placement(options: &RunOptions) -> Result<Placement, Failure> {
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
    options: &RunOptions,
    lessons: &[Lesson],
    purpose: Purpose,
) -> Result<Prepared, Failure> {
    let mode = Mode::resolve(options.isolation)?;
    let placed = isolation::enter(mode, purpose)?;
    let mut placement = placement(options)?;
    let reason = match placed {
        Placed::Lab | Placed::Host => return Ok(Prepared { placement, _moved: None }),
        Placed::HostNoLab => {
            crate::terminal_text::warn(t!("runner.lab.no_lab_running"));
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
    crate::terminal_text::warn(t!(
        "runner.lab.fallback_notice",
        why = reason,
        offset = placement.port_offset,
        from = example,
        to = u32::from(example) + u32::from(placement.port_offset),
        dir = placement.socket_dir.as_deref().unwrap_or(std::path::Path::new("/tmp")).display()
    ));
    Ok(Prepared { placement, _moved: Some(moved) })
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
