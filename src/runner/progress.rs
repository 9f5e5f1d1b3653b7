//! Progress, kept per user: which steps of which lessons a student has done.
//!
//! It lives in the XDG state directory (`$XDG_STATE_HOME/socklab/progress.toml`, by default
//! `~/.local/state/socklab/progress.toml`), keyed by lesson and step ids, so that reordering
//! or adding steps never scrambles it. Without an absolute `XDG_STATE_HOME` or `HOME` it is
//! kept nowhere (never in the working directory), and socklab says so.
//!
//! Each change is saved when it happens: under an exclusive lock (`flock` on
//! `progress.toml.lock`), the file is read again, the change applied to what it holds, and
//! the result written to a new temporary file in the same directory (created exclusively, so
//! never through a link) and renamed over the old one. Two runs of one student at once thus
//! lose nothing, and a run stopped by Ctrl+C keeps every step it finished. A damaged file, or
//! one from a newer socklab, is moved aside as `progress.toml.bad-SECONDS`, named in one line,
//! and the run goes on with fresh progress.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

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
    lessons: Lessons,
}

type Lessons = BTreeMap<String, LessonProgress>;

/// A student's progress, and where it is kept.
#[derive(Debug)]
pub struct Progress {
    path: Option<PathBuf>,
    lessons: Lessons,
    /// The first save that failed (the run goes on; [`Progress::save`] reports it).
    unsaved: Option<Failure>,
}

impl PartialEq for Progress {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.lessons == other.lessons
    }
}

/// The state directory opened by [`pin_state_dir`], as a path through its descriptor.
static PINNED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Opens this user's state directory now (creating it, private), for the rest of the process:
/// from then on progress is kept through that descriptor (`/proc/self/fd/N`), which names the
/// directory opened whatever mount namespace the process enters later. Call it before a lab
/// with a /tmp of its own is entered, so progress kept under /tmp still lands on the host.
/// Without a state directory, or without /proc, nothing changes.
pub fn pin_state_dir() {
    use rustix::fs::{Mode, OFlags};
    use std::os::fd::IntoRawFd;
    let Some(dir) = unpinned_state_file().and_then(|file| file.parent().map(Path::to_owned)) else {
        return;
    };
    if !Path::new("/proc/self/fd").is_dir()
        || std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).is_err()
    {
        return;
    }
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if let Ok(fd) = rustix::fs::open(&dir, flags, Mode::empty()) {
        // Kept open for the life of the process: the path below refers to it.
        let _ = PINNED.set(PathBuf::from(format!("/proc/self/fd/{}", fd.into_raw_fd())));
    }
}

/// Where progress is kept for this user: under an absolute `XDG_STATE_HOME`, else under an
/// absolute `HOME`; nowhere otherwise (a relative or empty one would put it in whatever
/// directory socklab happens to run in). Once [`pin_state_dir`] ran, through its descriptor.
pub fn state_file() -> Option<PathBuf> {
    match PINNED.get() {
        Some(dir) => Some(dir.join("progress.toml")),
        None => unpinned_state_file(),
    }
}

fn unpinned_state_file() -> Option<PathBuf> {
    let absolute =
        |name: &str| std::env::var_os(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base = absolute("XDG_STATE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".local/state")))?;
    // Reached through the host's /tmp when a lab's own /tmp covers it.
    Some(crate::isolation::host_path(&base.join("socklab").join("progress.toml")))
}

impl Progress {
    /// Progress kept nowhere (when there is no home directory): the run still works.
    pub fn in_memory() -> Self {
        Self { path: None, lessons: Lessons::new(), unsaved: None }
    }

    /// Loads this user's progress; no file yet means no progress. Without a place to keep it,
    /// says in one line that progress is not kept.
    pub fn load() -> Result<Self, Failure> {
        match state_file() {
            Some(path) => Self::load_from(path),
            None => {
                crate::terminal_text::warn(t!("runner.progress_not_kept"));
                Ok(Self::in_memory())
            }
        }
    }

    /// Loads progress from `path`. A damaged file is moved aside (and named on stderr), so
    /// the run goes on with fresh progress; it fails only when the damaged file cannot be moved.
    pub fn load_from(path: PathBuf) -> Result<Self, Failure> {
        let lessons = match read(&path) {
            (lessons, None) => lessons,
            (_, Some(_)) => {
                let _lock = lock(&path)?;
                // Read again under the lock: another run may have set it aside already.
                let (lessons, damage) = read(&path);
                if let Some(reason) = damage {
                    set_aside(&path, &reason)?;
                }
                lessons
            }
        };
        Ok(Self { path: Some(path), lessons, unsaved: None })
    }

    /// Whether every change so far was saved: the first failure to save, if any.
    pub fn save(&self) -> Result<(), Failure> {
        self.unsaved.clone().map_or(Ok(()), Err)
    }

    /// Applies `change` here and to the file: under the lock, to what the file holds now
    /// (another run may have added to it), written back atomically. What the file then holds
    /// becomes this progress. A failure is said once and kept for [`Progress::save`].
    fn record(&mut self, change: impl Fn(&mut Lessons)) {
        change(&mut self.lessons);
        let Some(path) = self.path.clone() else { return };
        let _writing = crate::runner::cleanup::hold_writes();
        match merge_into_file(&path, &change) {
            Ok(merged) => self.lessons = merged,
            Err(failure) => {
                if self.unsaved.is_none() {
                    crate::terminal_text::warn(failure.to_string());
                    self.unsaved = Some(failure);
                }
            }
        }
    }

    /// Where this progress is kept.
    pub fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }

    /// Marks a step done (saved at once).
    pub fn mark_done(&mut self, lesson: &str, step: &str) {
        self.record(|lessons| {
            lessons.entry(lesson.to_owned()).or_default().done.insert(step.to_owned());
        });
    }

    /// Records that `count` hints of an exercise were shown (keeps the highest count).
    pub fn note_hints(&mut self, lesson: &str, exercise: &str, count: usize) {
        self.record(|lessons| {
            let hints = &mut lessons.entry(lesson.to_owned()).or_default().hints;
            let seen = hints.entry(exercise.to_owned()).or_default();
            *seen = (*seen).max(count);
        });
    }

    /// Marks a lesson finished (saved at once).
    pub fn mark_finished(&mut self, lesson: &str) {
        self.record(|lessons| lessons.entry(lesson.to_owned()).or_default().finished = true);
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

    /// Forgets one lesson's progress, or all of it (saved at once); says whether there was
    /// any.
    pub fn reset(&mut self, lesson: Option<&str>) -> bool {
        let had = match lesson {
            Some(id) => self.lessons.contains_key(id),
            None => !self.lessons.is_empty(),
        };
        self.record(|lessons| match lesson {
            Some(id) => {
                lessons.remove(id);
            }
            None => lessons.clear(),
        });
        had
    }
}

/// Reads the progress file: what it holds (nothing when it does not exist), and why it cannot
/// be used when it is damaged, from a newer socklab, or not readable at all (a directory in
/// its place, no permission): each is set aside rather than blocking every command.
fn read(path: &Path) -> (Lessons, Option<String>) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return (Lessons::new(), Some(err.to_string())),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return (Lessons::new(), Some(t!("runner.progress_not_text")));
    };
    if text.trim().is_empty() {
        return (Lessons::new(), None);
    }
    match toml::from_str::<File>(&text) {
        Err(err) => (Lessons::new(), Some(err.message().to_owned())),
        Ok(file) if file.format != FORMAT => {
            (Lessons::new(), Some(t!("runner.progress_format", format = file.format)))
        }
        Ok(file) => (file.lessons, None),
    }
}

/// Moves a damaged progress file aside as `progress.toml.bad-SECONDS` and says so in one
/// line.
fn set_aside(path: &Path, reason: &str) -> Result<(), Failure> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let backup = (0..)
        .map(|n: u32| {
            let suffix = if n == 0 { String::new() } else { format!("-{n}") };
            path.with_file_name(format!("{name}.bad-{seconds}{suffix}"))
        })
        .find(|candidate| std::fs::symlink_metadata(candidate).is_err())
        .unwrap_or_else(|| path.with_file_name(format!("{name}.bad")));
    std::fs::rename(path, &backup).map_err(|err| {
        Failure::new(t!(
            "runner.progress_unwritable",
            path = path.display(),
            error = crate::net::io_reason(&err)
        ))
    })?;
    let reason = reason.lines().next().unwrap_or_default();
    let backup = backup.display();
    let note = t!("runner.progress_set_aside", backup = backup, reason = reason);
    crate::terminal_text::warn(note);
    Ok(())
}

/// Takes this student's progress lock, when progress is kept somewhere (None otherwise, or
/// when it cannot be taken): the class record is written under it, so two runs of one
/// student at once never lose each other's verdicts.
pub fn lock_state() -> Option<std::fs::File> {
    state_file().and_then(|path| lock(&path).ok())
}

/// Takes the progress file's lock (creating its directory, private, and the lock file, never
/// through a link); released when the returned file is closed.
fn lock(path: &Path) -> Result<std::fs::File, Failure> {
    let unwritable = |err: std::io::Error| {
        Failure::new(t!(
            "runner.progress_unwritable",
            path = path.display(),
            error = crate::net::io_reason(&err)
        ))
    };
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(unwritable)?;
    }
    let nofollow = i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or_default();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(nofollow)
        .open(path.with_extension("toml.lock"))
        .map_err(unwritable)?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|err| unwritable(err.into()))?;
    Ok(file)
}

/// Under the lock: reads the file, applies `change`, writes the result to a new temporary
/// file and renames it over the old one. Returns what the file now holds.
fn merge_into_file(path: &Path, change: &dyn Fn(&mut Lessons)) -> Result<Lessons, Failure> {
    let _lock = lock(path)?;
    let (mut lessons, damage) = read(path);
    if let Some(reason) = damage {
        set_aside(path, &reason)?;
    }
    change(&mut lessons);
    let file = File { format: FORMAT, lessons };
    let text =
        format!("{}\n{}", t!("runner.progress_header"), toml::to_string(&file).unwrap_or_default());
    let temporary = path.with_extension(format!("toml.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        // A leftover of an earlier process with this id is removed (never followed), then the
        // file is created exclusively: O_EXCL never follows a link.
        let _ = std::fs::remove_file(&temporary);
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        Failure::new(t!(
            "runner.progress_unwritable",
            path = path.display(),
            error = crate::net::io_reason(&err)
        ))
    })?;
    Ok(file.lessons)
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
        assert_eq!(Progress::load_from(path).unwrap().lesson("udp"), LessonProgress::default());
    }

    #[test]
    fn every_step_is_saved_when_it_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.toml");
        let mut progress = Progress::load_from(path.clone()).unwrap();
        progress.mark_done("tcp", "listen-ipv4");
        // No save() call: the file already has it.
        let on_disk = Progress::load_from(path).unwrap();
        assert!(on_disk.lesson("tcp").done.contains("listen-ipv4"));
    }

    #[test]
    fn runs_at_the_same_time_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("socklab/progress.toml");
        // Every run loads before any saves, as two terminals started together would.
        let runs: Vec<Progress> =
            (0..4).map(|_| Progress::load_from(path.clone()).unwrap()).collect();
        std::thread::scope(|scope| {
            for (run, mut progress) in runs.into_iter().enumerate() {
                scope.spawn(move || {
                    for step in 0..20 {
                        progress.mark_done("tcp", &format!("run{run}-step{step}"));
                    }
                    progress.save().unwrap();
                });
            }
        });
        let done = Progress::load_from(path).unwrap().lesson("tcp").done;
        assert_eq!(done.len(), 80, "{done:?}");
        let left: Vec<_> = std::fs::read_dir(dir.path().join("socklab"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name != "progress.toml" && name != "progress.toml.lock")
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    #[test]
    fn a_damaged_or_future_file_is_set_aside_and_the_run_goes_on() {
        for damaged in ["format = [", "format = 99\n", "\u{0}\u{7f}[[x", "a directory"] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("progress.toml");
            if damaged == "a directory" {
                std::fs::create_dir(&path).unwrap();
            } else {
                std::fs::write(&path, damaged).unwrap();
            }
            let mut progress = Progress::load_from(path.clone()).unwrap();
            assert_eq!(progress.lesson("tcp"), LessonProgress::default());
            let backups: Vec<PathBuf> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.to_string_lossy().contains("progress.toml.bad-"))
                .collect();
            assert_eq!(backups.len(), 1, "{damaged:?}");
            if backups[0].is_file() {
                assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), damaged);
            }
            assert!(!progress.reset(None));
            progress.mark_done("tcp", "clean");
            assert!(Progress::load_from(path).unwrap().lesson("tcp").done.contains("clean"));
        }
    }

    #[test]
    fn a_link_in_place_of_the_temporary_file_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.toml");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let temporary = path.with_extension(format!("toml.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &temporary).unwrap();
        let mut progress = Progress::load_from(path.clone()).unwrap();
        progress.mark_done("tcp", "clean");
        progress.save().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(Progress::load_from(path).unwrap().lesson("tcp").done.contains("clean"));
    }
}
