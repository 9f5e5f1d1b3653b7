//! Lessons: the tutorial as data, in `lessons/*.toml`.
//!
//! A lesson file has a format version, an id, text for the student, its named values (ports
//! and socket paths) and its steps, each with an id that never depends on its position. The
//! shipped lessons are embedded in the binary; `--lessons DIR` loads an instructor's own.
//! Loading checks everything a run would trip over (syntax, keys, types, ids, every command
//! parsed by the engine's own parsers, every `{value}` defined, job order) and reports all
//! problems of a file at once, each with file:line:column.
//!
//! - [`format`]: reading and checking one file.
//! - [`command`]: the command lines a step runs.
//! - [`expect`]: expected output and how it is matched.
//! - [`values`]: named ports and paths, and how a run moves them.
//! - [`exercise`]: exercises and quizzes, where the student acts and socklab checks.
//! - [`diagnostic`]: problems with their positions.
//! - [`translation`]: the pass that puts the run's language in place after loading.

pub mod command;
pub mod diagnostic;
pub mod exercise;
pub mod expect;
pub mod format;
pub mod translation;
pub mod values;

use std::path::Path;

pub use diagnostic::Diagnostic;
pub use format::{Action, Check, Lesson, Need, Step};

/// The lessons shipped with socklab, embedded at build time: (file name, text), in order.
pub const SHIPPED: &[(&str, &str)] = &[
    ("01-setup.toml", include_str!("../../lessons/01-setup.toml")),
    ("02-tcp.toml", include_str!("../../lessons/02-tcp.toml")),
    ("03-udp.toml", include_str!("../../lessons/03-udp.toml")),
    ("04-unix.toml", include_str!("../../lessons/04-unix.toml")),
];

/// The newest lesson format this socklab reads.
pub const FORMAT_VERSION: i64 = 1;

/// Loads the shipped lessons, in this run's language.
pub fn shipped() -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    shipped_in(crate::language::current())
}

/// Loads the shipped lessons in `lang` (English where a text has no current translation).
pub fn shipped_in(lang: &str) -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    let mut lessons = shipped_english()?;
    for lesson in &mut lessons {
        translation::apply(lesson, translation::shipped(lang));
    }
    Ok(lessons)
}

/// Loads the shipped lessons as written, in English.
pub fn shipped_english() -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    collect(SHIPPED.iter().map(|(name, text)| (format!("lessons/{name}"), (*text).to_owned())))
}

/// Loads every `*.toml` in `dir`, in file-name order, in this run's language (from the
/// directory's own catalogue, `DIR/po/<lang>.po`).
pub fn load_dir(dir: &Path) -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    let mut lessons = load_dir_english(dir)?;
    let lang = crate::language::current();
    if lang != crate::language::ENGLISH {
        let translations = translation::read_catalogue(dir, lang).map_err(|found| vec![found])?;
        for lesson in &mut lessons {
            translation::apply(lesson, &translations);
        }
    }
    Ok(lessons)
}

/// Loads every `*.toml` in `dir` as written, in English.
pub fn load_dir_english(dir: &Path) -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    let entries = std::fs::read_dir(dir).map_err(|err| {
        vec![Diagnostic {
            file: dir.display().to_string(),
            position: None,
            message: crate::t!("lesson.dir_unreadable", error = err),
        }]
    })?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut texts = Vec::new();
    for path in files {
        match std::fs::read_to_string(&path) {
            Ok(text) => texts.push((path.display().to_string(), text)),
            Err(err) => problems.push(Diagnostic {
                file: path.display().to_string(),
                position: None,
                message: crate::t!("lesson.file_unreadable", error = err),
            }),
        }
    }
    match collect(texts) {
        Ok(lessons) if problems.is_empty() => Ok(lessons),
        Ok(_) => Err(problems),
        Err(mut more) => {
            problems.append(&mut more);
            Err(problems)
        }
    }
}

fn collect(
    files: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut problems = Vec::new();
    for (file, text) in files {
        match format::parse(&file, &text) {
            Ok(lesson) => {
                if let Some(other) = lessons.iter().find(|l| l.id == lesson.id) {
                    problems.push(Diagnostic {
                        file: file.clone(),
                        position: None,
                        message: crate::t!(
                            "lesson.duplicate_lesson",
                            id = lesson.id,
                            other = other.file
                        ),
                    });
                }
                lessons.push(lesson);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() { Ok(lessons) } else { Err(problems) }
}
