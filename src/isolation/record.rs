//! The note that finds a student's lasting lab again, and the lock that makes two first
//! shells racing agree on one lab.
//!
//! The record (`lab` in the student's private directory) names the holder process and the
//! inode numbers of the lab's namespaces. It is trusted only after checking: the process
//! belongs to the student and its namespaces are still those inodes. A pid alone proves
//! nothing (pids are reused).

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use rustix::fs::{FlockOperation, Mode, OFlags};

use super::namespace::Handles;

const RECORD: &str = "lab";
const LOCK: &str = "lab.lock";

/// Where a lasting lab is: its holder, and its namespaces' inodes (user, net, mnt; user is 0
/// for a lab without a user namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub pid: u32,
    pub inodes: [u64; 3],
}

/// An exclusive lock on the student's lab record, released when dropped (or when the
/// process ends).
#[derive(Debug)]
pub struct Lock(#[allow(dead_code)] File);

fn open_lock(path: &Path) -> io::Result<File> {
    let flags = OFlags::CREATE | OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o600))?;
    Ok(File::from(fd))
}

/// Waits for the lock on the record in `dir`.
pub fn lock(dir: &Path) -> io::Result<Lock> {
    let file = open_lock(&dir.join(LOCK))?;
    rustix::fs::flock(&file, FlockOperation::LockExclusive)?;
    Ok(Lock(file))
}

/// Takes the lock on the record in `dir` if nobody holds it.
pub fn try_lock(dir: &Path) -> io::Result<Option<Lock>> {
    try_lock_file(&dir.join(LOCK))
}

/// Takes the lock on the file at `path` (created if missing) if nobody holds it.
pub fn try_lock_file(path: &Path) -> io::Result<Option<Lock>> {
    let file = open_lock(path)?;
    match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(Lock(file))),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
        Err(errno) => Err(errno.into()),
    }
}

impl Record {
    /// Reads the record; none when missing or not in the expected form.
    pub fn read(dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(dir.join(RECORD)).ok()?;
        let mut numbers = text.split_whitespace().map(str::parse::<u64>);
        let pid = u32::try_from(numbers.next()?.ok()?).ok()?;
        let mut inodes = [0; 3];
        for slot in &mut inodes {
            *slot = numbers.next()?.ok()?;
        }
        Some(Self { pid, inodes })
    }

    /// Writes the record (to a new file renamed over the old one, in a directory only the
    /// student can write).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let temporary = dir.join(format!("{RECORD}.{}", std::process::id()));
        let flags = OFlags::CREATE | OFlags::TRUNC | OFlags::WRONLY | OFlags::NOFOLLOW;
        let fd = rustix::fs::open(&temporary, flags | OFlags::CLOEXEC, Mode::from_raw_mode(0o600))?;
        let [user, net, mnt] = self.inodes;
        File::from(fd).write_all(format!("{} {user} {net} {mnt}\n", self.pid).as_bytes())?;
        std::fs::rename(&temporary, dir.join(RECORD))
    }

    /// Removes the record if it is still this one.
    pub fn remove(&self, dir: &Path) {
        if Self::read(dir).as_ref() == Some(self) {
            let _ = std::fs::remove_file(dir.join(RECORD));
        }
    }

    /// The lab's namespaces, opened through the holder, if the holder is still the student's
    /// and its namespaces are still the recorded ones.
    pub fn open(&self) -> Option<Handles> {
        self.open_for(rustix::process::geteuid().as_raw())
    }

    /// [`Record::open`] for the student `uid` (root grading a student's lab).
    pub fn open_for(&self, uid: u32) -> Option<Handles> {
        let proc_dir = format!("/proc/{}", self.pid);
        let handles = Handles::of(&self.pid.to_string(), self.inodes[0] != 0).ok()?;
        // Checked after opening: the files opened are the ones checked.
        let owner = std::fs::metadata(&proc_dir).ok()?.uid();
        (owner == uid && handles.inodes().ok()? == self.inodes).then_some(handles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_written_and_is_removed_only_while_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let record = Record { pid: 42, inodes: [1, 2, 3] };
        record.write(dir.path()).unwrap();
        assert_eq!(Record::read(dir.path()), Some(record));
        Record { pid: 43, ..record }.remove(dir.path());
        assert_eq!(Record::read(dir.path()), Some(record), "removed another lab's record");
        record.remove(dir.path());
        assert_eq!(Record::read(dir.path()), None);
    }

    #[test]
    fn a_record_of_a_process_that_is_not_the_lab_is_not_trusted() {
        // This very process is the student's, but its namespaces are not the recorded ones.
        let record = Record { pid: std::process::id(), inodes: [1, 2, 3] };
        assert!(record.open().is_none());
    }

    #[test]
    fn the_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        assert!(try_lock(dir.path()).unwrap().is_none());
        drop(held);
        assert!(try_lock(dir.path()).unwrap().is_some());
    }
}
