//! The kernel side of a lab: making the user, network and mount namespaces, setting them up
//! while socklab holds their capabilities, and joining namespaces that already exist.
//!
//! The student is mapped to themselves (`uid_map` = `UID UID 1`, `setgroups` = `deny`,
//! `gid_map` = `GID GID 1`), so files and sockets show their own name. Until it calls
//! execve, the process that made the namespaces holds every capability in them: that is
//! when the loopback comes up, /tmp becomes a private tmpfs and
//! `net.ipv4.ip_unprivileged_port_start` drops to 0 in the lab's own network. A program
//! exec'd later runs as the student with no capability, yet binds port 123 there.
//!
//! The kernel only lets a single-threaded process unshare or join a user namespace (and join
//! a mount namespace): callers do this at the very start of a command.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, setns, unshare};

use super::loopback;

/// The sysctl a lab lowers so that its student binds any port.
pub const PORT_START_SYSCTL: &str = "/proc/sys/net/ipv4/ip_unprivileged_port_start";

/// Why a lab could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The kernel refused the namespaces themselves: nothing changed, the host is still
    /// usable (ENOSPC for `user.max_user_namespaces = 0`, EPERM/EACCES for a policy or a
    /// missing capability).
    Refused(Errno),
    /// The namespaces exist but setting one up failed: this process cannot go back.
    Broken { what: &'static str, error: String },
}

/// The namespaces of one lab, held open (a held namespace file keeps the namespace alive,
/// and joining through it cannot be fooled by a reused pid).
#[derive(Debug)]
pub struct Handles {
    /// None for a lab made by root where user namespaces are refused.
    pub user: Option<File>,
    pub net: File,
    pub mnt: File,
}

impl Handles {
    /// Opens the namespaces of process `pid` (`self` for this thread's own).
    pub fn of(pid: &str, with_user: bool) -> io::Result<Self> {
        let open = |kind: &str| File::open(format!("/proc/{pid}/ns/{kind}"));
        Ok(Self {
            user: if with_user { Some(open("user")?) } else { None },
            net: open("net")?,
            mnt: open("mnt")?,
        })
    }

    /// The namespaces' inode numbers (user, net, mnt; 0 for no user namespace).
    pub fn inodes(&self) -> io::Result<[u64; 3]> {
        let ino = |file: &File| file.metadata().map(|m| m.ino());
        Ok([self.user.as_ref().map_or(Ok(0), ino)?, ino(&self.net)?, ino(&self.mnt)?])
    }

    /// Moves this process into these namespaces: the user namespace first (which gives the
    /// capabilities needed for the others), then network and mount. Needs a single thread.
    pub fn enter(&self) -> Result<(), Errno> {
        if let Some(user) = &self.user
            && user.metadata().map(|m| m.ino()).ok() != Some(own_inode("user"))
        {
            setns(user.as_fd(), CloneFlags::CLONE_NEWUSER)?;
        }
        setns(self.net.as_fd(), CloneFlags::CLONE_NEWNET)?;
        self.enter_mounts()
    }

    /// Moves the calling thread into the mount namespace only. The thread first takes a
    /// private copy of its filesystem context, which lets a thread of a multi-threaded
    /// process switch mount namespaces.
    pub fn enter_mounts(&self) -> Result<(), Errno> {
        unshare(CloneFlags::CLONE_FS)?;
        setns(self.mnt.as_fd(), CloneFlags::CLONE_NEWNS)
    }

    /// Moves the calling thread into the network namespace only.
    pub fn enter_network(&self) -> Result<(), Errno> {
        setns(self.net.as_fd(), CloneFlags::CLONE_NEWNET)
    }
}

/// The inode of this thread's namespace of `kind` ("user", "net", "mnt"); 0 if unreadable.
pub fn own_inode(kind: &str) -> u64 {
    std::fs::metadata(format!("/proc/thread-self/ns/{kind}")).map_or(0, |m| m.ino())
}

/// Makes a new lab and moves this process into it: user (unless `with_user` is false: root
/// where user namespaces are refused), network and mount namespaces, all set up. Returns
/// whether a user namespace was made.
pub fn create() -> Result<bool, Refusal> {
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    let all = CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS;
    let with_user = match unshare(all) {
        Ok(()) => true,
        // Root may make the network and mount namespaces without a user namespace; if even
        // that is refused, the user namespace's refusal says more.
        Err(first) if uid == 0 => {
            unshare(CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS)
                .map_err(|_| Refusal::Refused(first))?;
            false
        }
        Err(errno) => return Err(Refusal::Refused(errno)),
    };
    if with_user {
        map_to_self(uid, gid)?;
    }
    set_up(Path::new("/tmp"))?;
    Ok(with_user)
}

/// A new network and mount namespace inside the lab this process is in (for a tour whose
/// steps need a clean network while the student's lasting lab stays as it is).
pub fn create_nested() -> Result<(), Refusal> {
    unshare(CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS).map_err(Refusal::Refused)?;
    set_up(Path::new("/tmp"))
}

fn broken(what: &'static str) -> impl Fn(io::Error) -> Refusal {
    move |err| Refusal::Broken { what, error: err.to_string() }
}

/// Maps the student to themselves in the new user namespace.
fn map_to_self(uid: u32, gid: u32) -> Result<(), Refusal> {
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n")).map_err(broken("uid_map"))?;
    std::fs::write("/proc/self/setgroups", "deny\n").map_err(broken("setgroups"))?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n")).map_err(broken("gid_map"))
}

/// Sets up a new network and mount namespace while this process holds their capabilities:
/// nothing mounted here reaches the host, `tmp` becomes a private tmpfs, the loopback comes
/// up and every port may be bound by the student.
fn set_up(tmp: &Path) -> Result<(), Refusal> {
    let none: Option<&str> = None;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)
        .map_err(|errno| broken("mount propagation")(errno.into()))?;
    mount(
        Some("socklab"),
        tmp,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=1777,size=16m"),
    )
    .map_err(|errno| broken("tmpfs")(errno.into()))?;
    loopback::up().map_err(broken("loopback"))?;
    std::fs::write(PORT_START_SYSCTL, "0\n").map_err(broken("ip_unprivileged_port_start"))
}
