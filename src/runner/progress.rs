//! Progress, kept per user: which steps of which lessons a student has done.
//!
//! It lives in the XDG state directory (`$XDG_STATE_HOME/socklab/progress.toml`, by default
//! `~/.local/state/socklab/progress.toml`), keyed by lesson and step ids, so that reordering
//! or adding steps never scrambles it. Writes go through a temporary file and a rename, so a
//! crash never leaves half a file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::Failure;
use crate::lesson::Lesson;
use crate::t;

const FORMAT: u32 = 1;

/// One lesson's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Ids of the steps done (passed, or skipped for a reason of the host's).
    #[serde(default)]
    pub done: BTreeSet<String>,
    /// Whether the lesson was run to its end with every step done.
    #[serde(default)]
    pub finished: bool,
    /// How many hints the student has seen, per exercise id (the most in any attempt).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hints: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct File {
    format: u32,
    #[serde(default)]
    lessons: BTreeMap<String, LessonProgress>,
}

/// A student's progress, and where it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    path: Option<PathBuf>,
    lessons: BTreeMap<String, LessonProgress>,
}

/// Where progress is kept for this user, if there is a home or XDG state directory.
pub fn state_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"))
        })?;
    // Reached through the host's /tmp when a lab's own /tmp covers it.
    Some(crate::isolation::host_path(&base.join("socklab").join("progress.toml")))
}

impl Progress {
    /// Progress kept nowhere (when there is no home directory): the run still works.
    pub fn in_memory() -> Self {
        Self { path: None, lessons: BTreeMap::new() }
    }

    /// Loads this user's progress; no file yet means no progress.
    pub fn load() -> Result<Self, Failure> {
        match state_file() {
            Some(path) => Self::load_from(path),
            None => Ok(Self::in_memory()),
        }
    }

    /// Loads progress from `path`.
    pub fn load_from(path: PathBuf) -> Result<Self, Failure> {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => {
                return Err(Failure::new(t!(
                    "runner.progress_unreadable",
                    path = path.display(),
                    error = err
                )));
            }
        };
        let lessons = if text.trim().is_empty() {
            BTreeMap::new()
        } else {
            let file: File = toml::from_str(&text).map_err(|err| {
                Failure::new(t!(
                    "runner.progress_malformed",
                    path = path.display(),
                    error = err.message()
                ))
                .hint(t!("runner.progress_reset_hint"))
            })?;
            if file.format != FORMAT {
                return Err(Failure::new(t!(
                    "runner.progress_format",
                    path = path.display(),
                    format = file.format
                ))
                .hint(t!("runner.progress_reset_hint")));
            }
            file.lessons
        };
        Ok(Self { path: Some(path), lessons })
    }

    /// Writes the progress back (temporary file, then rename).
    pub fn save(&self) -> Result<(), Failure> {
        let Some(path) = &self.path else { return Ok(()) };
        let file = File { format: FORMAT, lessons: self.lessons.clone() };
        let text = format!(
            "{}\n{}",
            t!("runner.progress_header"),
            toml::to_string(&file).unwrap_or_default()
        );
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let temporary = path.with_extension(format!("toml.{}", std::process::id()));
            std::fs::write(&temporary, text)?;
            std::fs::rename(&temporary, path)
        };
        write().map_err(|err| {
            Failure::new(t!("runner.progress_unwritable", path = path.display(), error = err))
        })
    }

    /// Where this progress is kept.
    pub fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }

    /// Marks a step done.
    pub fn mark_done(&mut self, lesson: &str, step: &str) {
        self.lessons.entry(lesson.to_owned()).or_default().done.insert(step.to_owned());
    }

    /// Records that `count` hints of an exercise were shown (keeps the highest count).
    pub fn note_hints(&mut self, lesson: &str, exercise: &str, count: usize) {
        let hints = &mut self.lessons.entry(lesson.to_owned()).or_default().hints;
        let seen = hints.entry(exercise.to_owned()).or_default();
        *seen = (*seen).max(count);
    }

    /// Marks a lesson finished.
    pub fn mark_finished(&mut self, lesson: &str) {
        self.lessons.entry(lesson.to_owned()).or_default().finished = true;
    }

    /// A lesson's progress.
    pub fn lesson(&self, id: &str) -> LessonProgress {
        self.lessons.get(id).cloned().unwrap_or_default()
    }

    /// How many of `lesson`'s current steps are done (ids of removed steps do not count).
    pub fn done_in(&self, lesson: &Lesson) -> usize {
        let progress = self.lesson(&lesson.id);
        lesson.steps.iter().filter(|step| progress.done.contains(&step.id)).count()
    }

    /// Whether every step of `lesson` is done.
    pub fn is_complete(&self, lesson: &Lesson) -> bool {
        self.lesson(&lesson.id).finished && self.done_in(lesson) == lesson.steps.len()
    }

    /// The first lesson not yet complete: where the tour resumes.
    pub fn resume_at(&self, lessons: &[Lesson]) -> Option<usize> {
        lessons.iter().position(|lesson| !self.is_complete(lesson))
    }

    /// Forgets one lesson's progress, or all of it; says whether there was any.
    pub fn reset(&mut self, lesson: Option<&str>) -> bool {
        match lesson {
            Some(id) => self.lessons.remove(id).is_some(),
            None => {
                let had = !self.lessons.is_empty();
                self.lessons.clear();
                had
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_round_trip_and_resets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("socklab/progress.toml");
        let mut progress = Progress::load_from(path.clone()).unwrap();
        progress.mark_done("tcp", "listen-ipv4");
        progress.mark_done("udp", "listen-ipv4");
        progress.mark_finished("tcp");
        progress.save().unwrap();
        let mut again = Progress::load_from(path.clone()).unwrap();
        assert_eq!(again, progress);
        assert!(again.lesson("tcp").finished);
        assert!(again.reset(Some("tcp")));
        assert!(!again.reset(Some("tcp")));
        assert!(again.lesson("udp").done.contains("listen-ipv4"));
        assert!(again.reset(None));
        assert_eq!(again.lesson("udp"), LessonProgress::default());
    }

    #[test]
    fn a_damaged_file_is_explained_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.toml");
        std::fs::write(&path, "format = [").unwrap();
        let failure = Progress::load_from(path.clone()).unwrap_err();
        assert!(failure.message.contains(&path.display().to_string()), "{failure}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "format = [");
    }
}
