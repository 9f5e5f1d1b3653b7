//! One simulated host: a network namespace made from a dedicated thread, held by a file
//! descriptor, and joined by a fresh thread whenever something must run there.
//!
//! unshare(CLONE_NEWNET) moves only the calling thread, so a throwaway thread makes the
//! namespace and opens `/proc/thread-self/ns/net` before it ends; the descriptor keeps the
//! namespace alive. [`Host::run`] starts a scoped thread, moves it into the namespace with
//! setns and runs the closure there: sockets it opens belong to the host for good, whichever
//! thread uses them later, and a program it starts is born in the host's namespace.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::sched::{CloneFlags, setns, unshare};

/// A network namespace standing for one machine.
#[derive(Debug)]
pub struct Host {
    name: &'static str,
    netns: OwnedFd,
}

impl Host {
    /// Makes a new, empty network namespace (only a loopback, down) inside the current one's
    /// user namespace.
    pub fn create(name: &'static str) -> io::Result<Self> {
        let netns = std::thread::scope(|scope| {
            scope
                .spawn(|| -> io::Result<OwnedFd> {
                    unshare(CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
                    Ok(File::open("/proc/thread-self/ns/net")?.into())
                })
                .join()
                .map_err(|_| io::Error::other("the thread making a namespace panicked"))?
        })?;
        Ok(Self { name, netns })
    }

    /// A host whose namespace is already made (by the holder of the student's lasting lab),
    /// held from now on by `netns`.
    pub fn open(name: &'static str, netns: OwnedFd) -> Self {
        Self { name, netns }
    }

    /// The host's name (`client`, `server`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The descriptor of the host's network namespace.
    pub fn netns(&self) -> BorrowedFd<'_> {
        self.netns.as_fd()
    }

    /// Runs `work` on this host: in a thread of its own that has joined the host's network
    /// namespace. The calling thread's namespace is never changed.
    pub fn run<T: Send>(&self, work: impl FnOnce() -> T + Send) -> io::Result<T> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| -> io::Result<T> {
                    setns(self.netns.as_fd(), CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
                    Ok(work())
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}
