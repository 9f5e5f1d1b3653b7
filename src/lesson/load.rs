//! Loading lessons: the shipped ones (embedded) or every file of a lesson directory, each
//! read safely, checked by [`format`](mod@super::format), and put in the run's language by
//! [`translation`].

use std::path::Path;

use super::diagnostic::Diagnostic;
use super::format;
use super::model::Lesson;
use super::{SHIPPED, translation};
use crate::error::Failure;

/// Loads the lessons of `dir`, or the shipped ones without one, in this run's language; a
/// problem in any file is a usage error listing every problem.
pub fn load(dir: Option<&Path>) -> Result<Vec<Lesson>, Failure> {
    let loaded = match dir {
        Some(dir) => load_dir(dir),
        None => shipped(),
    };
    loaded.map_err(|problems| {
        let count = problems.len();
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Failure::usage(crate::t!(
            "runner.lessons_invalid",
            count = count,
            problems = list.join("\n")
        ))
    })
}

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
            message: crate::t!("lesson.dir_unreadable", error = crate::net::io_reason(&err)),
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
        let file = path.display().to_string();
        match read_lesson_file(&path) {
            Ok(text) => texts.push((file, text)),
            Err(Unread::Skipped(reason)) => {
                let note = crate::t!("lesson.skipped_note", file = file, reason = reason);
                crate::terminal_text::warn(note);
            }
            Err(Unread::Problem(message)) => {
                problems.push(Diagnostic { file, position: None, message });
            }
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

/// The most a lesson file may weigh: the shipped ones are a few KiB.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// Why a file of the lesson directory was not read.
enum Unread {
    /// Not a lesson at all (a FIFO, a device, far too big): skipped, with a note saying so.
    Skipped(String),
    /// A lesson file that cannot be read: a problem, as one in its text would be.
    Problem(String),
}

/// Reads one lesson file, if it is a regular file (after symlinks) of at most
/// [`MAX_FILE_SIZE`] bytes. It is opened without blocking, so a FIFO named `x.toml` cannot
/// hang the load, and read no further than the limit, so a link to `/dev/zero` cannot run it
/// away; either is skipped, with what it is.
fn read_lesson_file(path: &Path) -> Result<String, Unread> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let unreadable = |err: std::io::Error| {
        Unread::Problem(crate::t!("lesson.file_unreadable", error = crate::net::io_reason(&err)))
    };
    let nonblocking = i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or_default();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking)
        .open(path)
        .map_err(unreadable)?;
    let kind = file.metadata().map_err(unreadable)?.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "lesson.kind_fifo"
        } else if kind.is_dir() {
            "lesson.kind_directory"
        } else if kind.is_char_device() || kind.is_block_device() {
            "lesson.kind_device"
        } else {
            "lesson.kind_socket"
        };
        return Err(Unread::Skipped(crate::t!("lesson.file_not_regular", what = crate::t!(what))));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(Unread::Skipped(crate::t!("lesson.file_too_big", max = MAX_FILE_SIZE / 1024)));
    }
    String::from_utf8(bytes).map_err(|_| Unread::Problem(crate::t!("lesson.file_not_utf8")))
}

fn collect(
    files: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Lesson>, Vec<Diagnostic>> {
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for (file, text) in files {
        match format::parse(&file, &text) {
            Ok(lesson) => {
                if let Some(other) = by_id.get(&lesson.id).map(|&i| &lessons[i]) {
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
                by_id.entry(lesson.id.clone()).or_insert(lessons.len());
                lessons.push(lesson);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() { Ok(lessons) } else { Err(problems) }
}
