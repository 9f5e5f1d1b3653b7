//! The student's lasting lab: found again through the record in their private directory and
//! joined, or made (by a holder) when there is none. `socklab shell`, `practice` and `check`
//! come here; two first shells racing make one lab, because both take the record's lock.

use std::path::PathBuf;

use super::holder::{self, Report};
use super::namespace::{self, Handles, Refusal};
use super::private_dir;
use super::record::{self, Record};

/// How this process reached the lasting lab.
#[derive(Debug)]
pub enum Reached {
    /// It was already inside (a command run from `socklab shell`).
    AlreadyInside,
    /// It joined a running lab.
    Joined,
    /// It made the lab and joined it.
    Created,
    /// There is no lab, and none was to be made.
    NoLab,
}

/// Why the lasting lab could not be reached.
#[derive(Debug)]
pub enum Trouble {
    /// The kernel refused the namespaces (the host is untouched).
    Refused(Refusal),
    /// socklab's own files or processes failed (the message says which).
    Other(String),
}

/// Finds the lasting lab and moves this process into it, making it when `create` is true.
/// Must run while the process has a single thread.
pub fn reach(create: bool) -> Result<(Reached, Option<Handles>), Trouble> {
    let dir = private_dir::get().map_err(|err| Trouble::Other(err.to_string()))?;
    let _lock = record::lock(&dir).map_err(|err| other(&dir, &err))?;
    if let Some(handles) = Record::read(&dir).and_then(|record| record.open()) {
        let inside = handles.inodes().is_ok_and(|[user, net, _]| {
            net == namespace::own_inode("net")
                && (user == 0 || user == namespace::own_inode("user"))
        });
        if inside {
            return Ok((Reached::AlreadyInside, None));
        }
        handles.enter().map_err(|errno| Trouble::Other(errno.desc().to_owned()))?;
        return Ok((Reached::Joined, Some(handles)));
    }
    if !create {
        // No lab to grade in; if the kernel would refuse one, say so (the caller falls back
        // to the placement the student's other commands use).
        return match holder::probe(&dir).map_err(|err| other(&dir, &err))? {
            Report::Refused(errno) => Err(Trouble::Refused(Refusal::Refused(errno))),
            _ => Ok((Reached::NoLab, None)),
        };
    }
    let (pid, with_user) = match holder::start(&dir).map_err(|err| other(&dir, &err))? {
        Report::Ready { pid, with_user } => (pid, with_user),
        Report::Refused(errno) => return Err(Trouble::Refused(Refusal::Refused(errno))),
        Report::Broken(what) => {
            return Err(Trouble::Refused(Refusal::Broken { what: "lab", error: what }));
        }
    };
    let handles = Handles::of(&pid.to_string(), with_user).map_err(|err| other(&dir, &err))?;
    let record = Record { pid, inodes: handles.inodes().map_err(|err| other(&dir, &err))? };
    record.write(&dir).map_err(|err| other(&dir, &err))?;
    handles.enter().map_err(|errno| Trouble::Other(errno.desc().to_owned()))?;
    Ok((Reached::Created, Some(handles)))
}

/// Root grading the student `uid` (`socklab check --user`): joins that student's lasting lab,
/// if one is running, trusting the holder only when it is theirs and still holds the recorded
/// namespaces. Whether a lab was joined. Must run while the process has a single thread.
pub fn join_of(uid: u32) -> Result<bool, String> {
    let Some(dir) = private_dir::of(uid) else { return Ok(false) };
    let Some(handles) = Record::read(&dir).and_then(|record| record.open_for(uid)) else {
        return Ok(false);
    };
    handles.enter().map_err(|errno| errno.desc().to_owned())?;
    Ok(true)
}

fn other(dir: &std::path::Path, err: &std::io::Error) -> Trouble {
    Trouble::Other(format!("{}: {err}", PathBuf::from(dir).display()))
}
