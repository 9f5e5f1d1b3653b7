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
        let [user, net, mnt] = handles.inodes().unwrap_or_default();
        let inside = (user == 0 || user == namespace::own_inode("user"))
            && mnt == namespace::own_inode("mnt");
        if inside {
            // On one of the lab's hosts (`socklab shell --host`, which may leave it): back to
            // the lab's own network.
            if net != namespace::own_inode("net") {
                let _ = handles.enter_network();
            }
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
    let handles = private_dir::of(uid)
        .and_then(|dir| Record::read(&dir))
        .and_then(|record| record.open_for(uid));
    let Some(handles) = handles else {
        note(Whereabouts::NoLab);
        return Ok(false);
    };
    handles.enter().map_err(|errno| errno.desc().to_owned())?;
    note(Whereabouts::Lab { uid });
    Ok(true)
}

fn other(dir: &std::path::Path, err: &std::io::Error) -> Trouble {
    Trouble::Other(format!("{}: {err}", PathBuf::from(dir).display()))
}

/// Where this process stands towards the student's lasting lab, for what lives only there
/// (the simulated hosts of the exercises): set once, by [`note`], when a command enters or
/// declines a lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    /// In the lasting lab of the student `uid` (one's own, or root grading theirs).
    Lab { uid: u32 },
    /// No lasting lab is running: nothing in it can have been done yet.
    NoLab,
    /// No lab here, and why (the kernel's refusal, `--isolation none`).
    Outside(String),
}

static WHEREABOUTS: std::sync::OnceLock<Whereabouts> = std::sync::OnceLock::new();

/// Records where this process stands (the first call counts).
pub fn note(whereabouts: Whereabouts) {
    let _ = WHEREABOUTS.set(whereabouts);
}

/// Where this process stands, if a command said.
pub fn whereabouts() -> Option<&'static Whereabouts> {
    WHEREABOUTS.get()
}

/// The simulated hosts of the lasting lab of the student `uid`: the namespaces of the
/// threads its holder keeps them in ([`crate::topology::Topology::keep`]), trusted only when
/// the holder is still the student's lab (see [`Record::open_for`]). Why not, in words.
pub fn hosts(uid: u32) -> Result<Vec<crate::topology::Host>, String> {
    use crate::t;
    use crate::topology::{self, THREAD_PREFIX};
    use std::os::unix::fs::MetadataExt;
    let dir = if uid == rustix::process::geteuid().as_raw() {
        private_dir::get().ok()
    } else {
        private_dir::of(uid)
    };
    let record = dir.as_deref().and_then(Record::read);
    let Some(record) = record.filter(|record| record.open_for(uid).is_some()) else {
        return Err(t!("topology.no_lab"));
    };
    let tasks = format!("/proc/{}/task", record.pid);
    let entries =
        std::fs::read_dir(&tasks).map_err(|err| t!("topology.lab_unreadable", error = err))?;
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        let Some(name) = comm.trim_end().strip_prefix(THREAD_PREFIX) else { continue };
        let Some(name) = topology::names().find(|known| *known == name) else { continue };
        let Ok(netns) = std::fs::File::open(entry.path().join("ns/net")) else { continue };
        if std::fs::metadata(entry.path()).is_ok_and(|meta| meta.uid() == uid) {
            found.push(topology::Host::open(name, netns.into()));
        }
    }
    // Checked after opening: the threads were the holder's, still the student's lab.
    if record.open_for(uid).is_none() {
        return Err(t!("topology.no_lab"));
    }
    if topology::names().all(|name| found.iter().any(|host| host.name() == name)) {
        found.sort_by_key(|host| topology::names().position(|name| name == host.name()));
        return Ok(found);
    }
    // The holder could not make them: the kernel's reason, found by trying here (in the lab,
    // with its privileges); or a lab made before socklab kept hosts in it.
    match topology::Topology::build() {
        Err(reason) => Err(reason),
        Ok(_) => Err(t!("topology.lab_without_hosts")),
    }
}
