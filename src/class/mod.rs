//! A class: the directory where every student's record lands, and the instructor's view of it.
//!
//! - [`init`](init()): `socklab class init DIR`, a sticky directory (mode 1733) that students can
//!   create their own record in and nobody else's, with no common group;
//! - [`join`] and [`note`]: the student's side. The class directory is opened once, as a
//!   directory descriptor, when a command that produces verdicts starts (before a lab with a
//!   /tmp of its own is entered), and every verdict updates the student's `UID.json` there;
//! - [`record`]: the record and its atomic, link-proof writing and reading;
//! - [`report`]: `socklab class report`, one row per student, as a table, CSV, JSON or JUnit.
//!
//! Mode 1733 rather than 1777: students may create files but not list the directory, so
//! nobody browses a classmate's name; the instructor (its owner) and root list it. Records
//! are 0644 so that an instructor who is not root can read them; they hold nothing secret
//! (names and counts), and a student could read one only by guessing its uid.

pub mod init;
pub mod record;
pub mod report;

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use rustix::fs::{Mode, OFlags};

use crate::error::Failure;
use crate::t;
pub use init::init;
pub use record::Event;
use record::{Record, Unusable};

/// The class directory's mode: sticky, writable and searchable by all, listable by its owner.
pub const MODE: u32 = 0o1733;

/// The class this process records into, once joined.
struct Joined {
    path: PathBuf,
    dir: OwnedFd,
    uid: u32,
    /// Whether a failure to write was said already (said once per run).
    warned: bool,
}

fn joined() -> &'static Mutex<Option<Joined>> {
    static JOINED: OnceLock<Mutex<Option<Joined>>> = OnceLock::new();
    JOINED.get_or_init(|| Mutex::new(None))
}

/// Opens the class directory `path` for this student's record: the directory itself, never a
/// link in its place, and refused when others could replace files in it (writable by others
/// without the sticky bit). Call it before entering a lab: records then land in the host's
/// directory even when it is under /tmp.
pub fn open_class_dir(path: &Path) -> Result<OwnedFd, Failure> {
    let unusable = |error: String| {
        Failure::usage(t!("class.dir_unusable", dir = path.display(), error = error))
            .hint(t!("class.dir_unusable_hint"))
    };
    // O_PATH: a student may search the directory (mode 1733) but not read it, and a path
    // descriptor is all that openat and renameat need.
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let dir = rustix::fs::open(path, flags, Mode::empty()).map_err(|err| match err {
        rustix::io::Errno::LOOP => unusable(t!("class.dir_is_link")),
        err => unusable(std::io::Error::from(err).to_string()),
    })?;
    let stat = rustix::fs::fstat(&dir).map_err(|e| unusable(e.to_string()))?;
    if stat.st_mode & 0o002 != 0 && stat.st_mode & 0o1000 == 0 {
        return Err(unusable(t!("class.dir_not_sticky")));
    }
    Ok(dir)
}

/// Joins the class at `path`: later verdicts of this process update this student's record
/// there. A class that cannot be used is said in one line, and the run goes on without it.
pub fn join(path: &Path) {
    match open_class_dir(path) {
        Ok(dir) => {
            let uid = rustix::process::geteuid().as_raw();
            let mut slot = joined().lock().unwrap_or_else(PoisonError::into_inner);
            *slot = Some(Joined { path: path.to_owned(), dir, uid, warned: false });
        }
        Err(failure) => {
            let mut note = t!("class.not_recorded", why = failure.message);
            for hint in &failure.hints {
                note.push_str(&format!("\n  hint: {hint}"));
            }
            crate::terminal_text::warn(note);
        }
    }
}

/// Records `event` in this student's record, when a class was joined: under the student's
/// own progress lock (so two of their runs at once lose nothing), the record is read back
/// (only if it is really theirs), changed and written atomically. A failure is said once.
pub fn note(event: Event<'_>) {
    let mut slot = joined().lock().unwrap_or_else(PoisonError::into_inner);
    let Some(class) = slot.as_mut() else { return };
    // A signal's exit waits for this write as for a progress save (no temporary file left);
    // taken before the lock, in the same order as a progress save.
    let _writing = crate::runner::cleanup::hold_writes();
    let _lock = crate::runner::progress::lock_state();
    let name = Record::file_name(class.uid);
    let mut record = match record::read_at(&class.dir, &name, class.uid) {
        Ok(record) => record,
        Err(Unusable::Missing | Unusable::Bad(_)) => Record::new(class.uid),
    };
    // Who and where are this run's, whatever an older record said.
    let fresh = Record::new(class.uid);
    (record.user, record.host, record.version) = (fresh.user, fresh.host, fresh.version);
    record.apply(&event, &record::now());
    if let Err(err) = record::write_at(&class.dir, &record)
        && !class.warned
    {
        class.warned = true;
        let file = class.path.join(&name);
        let note = t!("class.write_failed", file = file.display(), error = err);
        crate::terminal_text::warn(note);
    }
}
