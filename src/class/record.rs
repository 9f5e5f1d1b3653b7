//! A student's record in the class directory, `UID.json`, and how it is written.
//!
//! The record says who (user name from the name service, uid, host, socklab version) and,
//! per lesson, the last verdict of each step and when, each exercise (passed, attempts, hints
//! used) and each quiz answered. It is a few KB of JSON.
//!
//! It is written relative to the class directory's descriptor, opened when the command
//! started (before a lab with a /tmp of its own was entered): a new temporary file created
//! exclusively and without following links, written, synced, and renamed over `UID.json`.
//! In the sticky class directory nobody but its owner can replace or delete that file, and a
//! record is only ever read back when it is a regular file owned by this student.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{Mode, OFlags};
use serde::{Deserialize, Serialize};

use crate::runner::verdict::Verdict;

/// The record format this socklab writes and reads.
pub const FORMAT: u32 = 1;
/// The largest record read (a tutorial's record is a few KB; a bigger one is refused).
pub const MAX_BYTES: u64 = 256 * 1024;

/// One student's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub format: u32,
    pub user: String,
    pub uid: u32,
    pub host: String,
    pub version: String,
    /// When the record was last written (RFC 3339, UTC).
    pub updated: String,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonRecord>,
}

/// One lesson in a record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonRecord {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<String, StepRecord>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exercises: BTreeMap<String, ExerciseRecord>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub quizzes: BTreeMap<String, QuizRecord>,
}

/// A step's last verdict (`pass`, `fail`, `error`, `skipped`) and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    pub verdict: String,
    pub at: String,
}

/// An exercise: whether it ever passed, the last verdict, attempts and hints seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseRecord {
    pub passed: bool,
    pub verdict: String,
    pub attempts: u32,
    pub hints: u32,
    pub at: String,
}

/// A quiz: whether it was answered right, how many times it was answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizRecord {
    pub passed: bool,
    pub answers: u32,
    pub at: String,
}

/// Something that happened that the class should know of.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A lesson step's verdict.
    Step { lesson: &'a str, step: &'a str, verdict: &'a Verdict },
    /// An exercise graded (by `check` or `practice`), with the hints seen so far.
    Exercise { lesson: &'a str, exercise: &'a str, verdict: &'a Verdict, hints: usize },
    /// A quiz answered.
    Quiz { lesson: &'a str, quiz: &'a str, verdict: &'a Verdict },
}

impl Record {
    /// A new, empty record for `uid` on this host.
    pub fn new(uid: u32) -> Self {
        Self {
            format: FORMAT,
            user: crate::net::stat::accounts::user_name(uid)
                .map_or_else(|| uid.to_string(), str::to_owned),
            uid,
            host: host_name(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            updated: now(),
            lessons: BTreeMap::new(),
        }
    }

    /// Applies `event` at time `at`.
    pub fn apply(&mut self, event: &Event<'_>, at: &str) {
        self.updated = at.to_owned();
        let at = at.to_owned();
        match *event {
            Event::Step { lesson, step, verdict } => {
                let steps = &mut self.lessons.entry(lesson.to_owned()).or_default().steps;
                steps
                    .insert(step.to_owned(), StepRecord { verdict: verdict.name().to_owned(), at });
            }
            Event::Exercise { lesson, exercise, verdict, hints } => {
                let exercises = &mut self.lessons.entry(lesson.to_owned()).or_default().exercises;
                let entry = exercises.entry(exercise.to_owned()).or_default();
                entry.passed |= *verdict == Verdict::Pass;
                entry.verdict = verdict.name().to_owned();
                entry.attempts = entry.attempts.saturating_add(1);
                entry.hints = entry.hints.max(u32::try_from(hints).unwrap_or(u32::MAX));
                entry.at = at;
            }
            Event::Quiz { lesson, quiz, verdict } => {
                let quizzes = &mut self.lessons.entry(lesson.to_owned()).or_default().quizzes;
                let entry = quizzes.entry(quiz.to_owned()).or_default();
                entry.passed |= *verdict == Verdict::Pass;
                entry.answers = entry.answers.saturating_add(1);
                entry.at = at;
            }
        }
    }

    /// The file name of `uid`'s record.
    pub fn file_name(uid: u32) -> String {
        format!("{uid}.json")
    }
}

/// Now, as a record writes times (RFC 3339, UTC, whole seconds).
pub fn now() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second()).unwrap_or(now).to_string()
}

/// This machine's host name (the kernel's; a lab shares it with the host).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Why a file in the class directory is not a usable record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// No such file.
    Missing,
    /// Anything else, in words.
    Bad(String),
}

/// Opens `name` in `dir` for reading: never through a symbolic link, never blocking on a FIFO,
/// only a regular file owned by `uid` and no bigger than [`MAX_BYTES`]; parses it and checks
/// that it speaks for `uid`.
pub fn read_at(dir: &impl AsFd, name: &str, uid: u32) -> Result<Record, Unusable> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Err(Unusable::Missing),
        Err(rustix::io::Errno::LOOP) => {
            return Err(Unusable::Bad(crate::t!("class.problem_symlink")));
        }
        Err(err) => return Err(Unusable::Bad(std::io::Error::from(err).to_string())),
    };
    let stat = rustix::fs::fstat(&fd).map_err(|e| Unusable::Bad(e.to_string()))?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
        return Err(Unusable::Bad(crate::t!("class.problem_not_regular")));
    }
    if stat.st_uid != uid {
        return Err(Unusable::Bad(crate::t!(
            "class.problem_owner",
            owner = stat.st_uid,
            named = uid
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Unusable::Bad(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Unusable::Bad(crate::t!("class.problem_too_big", limit = MAX_BYTES / 1024)));
    }
    let record: Record = serde_json::from_slice(&bytes)
        .map_err(|e| Unusable::Bad(crate::t!("class.problem_not_json", error = e)))?;
    if record.format != FORMAT {
        return Err(Unusable::Bad(crate::t!("class.problem_format", format = record.format)));
    }
    if record.uid != uid {
        return Err(Unusable::Bad(crate::t!(
            "class.problem_content_uid",
            says = record.uid,
            named = uid
        )));
    }
    Ok(record)
}

/// Writes `record` as `UID.json` in `dir`, atomically: a new temporary file (created
/// exclusively, never through a link, mode 0644 so the instructor can read it), synced, then
/// renamed over the old record. Nothing is left behind when any of it fails.
pub fn write_at(dir: &OwnedFd, record: &Record) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    if bytes.len() as u64 > MAX_BYTES {
        return Err(std::io::Error::other(crate::t!(
            "class.problem_too_big",
            limit = MAX_BYTES / 1024
        )));
    }
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mode = Mode::from_raw_mode(0o644);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // Another user may have taken a name (the directory is shared): try a few.
    let mut attempt = 0;
    let (name, fd) = loop {
        let name = format!(".{}.{}.{nanos}.{attempt}.tmp", record.uid, std::process::id());
        match rustix::fs::openat(dir, name.as_str(), flags, mode) {
            Ok(fd) => break (name, fd),
            Err(rustix::io::Errno::EXIST) if attempt < 16 => attempt += 1,
            Err(err) => return Err(err.into()),
        }
    };
    let written = (|| -> std::io::Result<()> {
        rustix::fs::fchmod(&fd, mode)?;
        let mut file = std::fs::File::from(fd);
        file.write_all(&bytes)?;
        file.sync_all()?;
        rustix::fs::renameat(dir, name.as_str(), dir, Record::file_name(record.uid).as_str())?;
        Ok(())
    })();
    if written.is_err() {
        let _ = rustix::fs::unlinkat(dir, name.as_str(), rustix::fs::AtFlags::empty());
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &std::path::Path) -> OwnedFd {
        rustix::fs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap()
    }

    #[test]
    fn a_record_round_trips_and_keeps_the_last_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let fd = open(dir.path());
        let uid = rustix::process::geteuid().as_raw();
        let mut record = Record::new(uid);
        let fail = Verdict::Fail { difference: String::new() };
        record.apply(&Event::Step { lesson: "tcp", step: "a", verdict: &fail }, "t1");
        record.apply(&Event::Step { lesson: "tcp", step: "a", verdict: &Verdict::Pass }, "t2");
        let exercise =
            |verdict, hints| Event::Exercise { lesson: "tcp", exercise: "x", verdict, hints };
        record.apply(&exercise(&Verdict::Pass, 2), "t3");
        record.apply(&exercise(&fail, 1), "t4");
        write_at(&fd, &record).unwrap();
        let back = read_at(&fd, &Record::file_name(uid), uid).unwrap();
        assert_eq!(back, record);
        let tcp = &back.lessons["tcp"];
        assert_eq!(tcp.steps["a"].verdict, "pass");
        let x = &tcp.exercises["x"];
        assert_eq!((x.passed, x.attempts, x.hints, x.verdict.as_str()), (true, 2, 2, "fail"));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap()).collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
        assert_eq!(read_at(&fd, "none.json", uid), Err(Unusable::Missing));
    }
}
