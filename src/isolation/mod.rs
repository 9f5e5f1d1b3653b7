//! Every student their own lab: the tutorial's real ports and paths on a shared server.
//!
//! A lab is a user + network + mount namespace with its loopback up, a private tmpfs on
//! /tmp and every port open to the student (see [`namespace`]). Lesson steps (`run`, the
//! tour) get a fresh lab each time; exercises (`practice`, `check`) and `socklab shell` use
//! the student's lasting lab, kept by a [`holder`] and found again through a [`record`] in a
//! [`private_dir`]. Where the kernel refuses namespaces, `--isolation auto` falls back to a
//! per-student [`fallback`] placement on the host. The engine's own tools (`listen`,
//! `inspect`, `probe`, `stat`) never come here: they act where they are run.
//!
//! - [`mode`]: `--isolation auto|namespace|none`.
//! - [`namespace`]: making, setting up and joining namespaces; [`loopback`]: `lo` up.
//! - [`lasting`]: find, join or make the student's lasting lab; [`shell`]: `socklab shell`.
//! - [`fallback`]: automatic placement when isolation is off.

pub mod fallback;
pub mod holder;
pub mod lasting;
pub mod loopback;
pub mod mode;
pub mod namespace;
pub mod private_dir;
pub mod record;
pub mod shell;

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use mode::Mode;
use namespace::{Handles, Refusal};

use crate::error::Failure;
use crate::t;

/// What a command needs a lab for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Lesson steps in batch (`run`): a fresh lab of their own.
    Steps,
    /// The tour: a fresh lab for the steps, the lasting lab for its exercises.
    Tour,
    /// Exercises: the lasting lab, made when `create` is true (`practice`), else only joined
    /// when running (`check`).
    Exercises { create: bool },
}

/// Where a command ended up.
#[derive(Debug)]
pub enum Placed {
    /// In a lab.
    Lab,
    /// On the host because `--isolation none` asked for it.
    Host,
    /// On the host because no lasting lab is running (`check`).
    HostNoLab,
    /// On the host because the kernel refused a lab; the reason in words.
    Refused(String),
}

/// The lab this process is in, for the rest of the run.
#[derive(Debug)]
pub struct Current {
    /// `ip_unprivileged_port_start` of the host the lab was made on.
    pub host_port_start: u16,
    /// The host's /tmp, opened before the lab's own covered it (for files socklab keeps for
    /// the student, such as progress, that must outlive the lab).
    host_tmp: Option<OwnedFd>,
    /// For a tour: the lasting lab (exercises) and the fresh one (steps).
    sides: Option<(Handles, Handles)>,
}

static CURRENT: OnceLock<Current> = OnceLock::new();

/// The lab this process is in, if it entered one.
pub fn current() -> Option<&'static Current> {
    CURRENT.get()
}

/// Enters a lab for `purpose` as `mode` says. Must be called while the process has one thread
/// (before the signal handler, listeners or prompts).
pub fn enter(mode: Mode, purpose: Purpose) -> Result<Placed, Failure> {
    if mode == Mode::None {
        lasting::note(lasting::Whereabouts::Outside(t!("topology.needs_lab_none")));
        return Ok(Placed::Host);
    }
    let host_port_start = crate::net::privilege::unprivileged_port_start();
    let host_tmp = open_host_tmp();
    let outcome = match purpose {
        Purpose::Steps => namespace::create().map(|_| None),
        Purpose::Tour => match lasting::reach(true) {
            Ok(_) => {
                let lasting = Handles::of("self", false);
                namespace::create_nested().and_then(|()| {
                    let fresh = Handles::of("self", false);
                    match (lasting, fresh) {
                        (Ok(lasting), Ok(fresh)) => Ok(Some((lasting, fresh))),
                        (Err(err), _) | (_, Err(err)) => {
                            Err(Refusal::Broken { what: "lab", error: err.to_string() })
                        }
                    }
                })
            }
            Err(trouble) => Err(refusal_of(trouble)),
        },
        Purpose::Exercises { create } => match lasting::reach(create) {
            Ok((lasting::Reached::NoLab, _)) => {
                lasting::note(lasting::Whereabouts::NoLab);
                return Ok(Placed::HostNoLab);
            }
            Ok(_) => Ok(None),
            Err(trouble) => Err(refusal_of(trouble)),
        },
    };
    match outcome {
        Ok(sides) => {
            if purpose != Purpose::Steps {
                let uid = rustix::process::geteuid().as_raw();
                lasting::note(lasting::Whereabouts::Lab { uid });
            }
            let _ = CURRENT.set(Current { host_port_start, host_tmp, sides });
            Ok(Placed::Lab)
        }
        Err(Refusal::Refused(errno)) if mode == Mode::Auto => {
            let why = why(errno);
            lasting::note(lasting::Whereabouts::Outside(t!("topology.needs_lab", why = why)));
            Ok(Placed::Refused(why))
        }
        Err(Refusal::Refused(errno)) => {
            Err(Failure::new(t!("runner.lab.refused", why = why(errno)))
                .hint(t!("runner.lab.refused_hint")))
        }
        Err(Refusal::Broken { what, error }) => {
            Err(Failure::new(t!("runner.lab.broken", what = what, error = error))
                .hint(t!("runner.lab.refused_hint")))
        }
    }
}

fn refusal_of(trouble: lasting::Trouble) -> Refusal {
    match trouble {
        lasting::Trouble::Refused(refusal) => refusal,
        lasting::Trouble::Other(error) => Refusal::Broken { what: "lasting lab", error },
    }
}

/// Why the kernel refused, in words a student or instructor can act on.
pub fn why(errno: nix::errno::Errno) -> String {
    use nix::errno::Errno;
    match errno {
        Errno::ENOSPC => t!("runner.lab.why_enospc"),
        Errno::EPERM | Errno::EACCES => t!("runner.lab.why_eperm", error = errno.desc()),
        Errno::EINVAL => t!("runner.lab.why_einval"),
        other => t!("runner.lab.why_other", error = other.desc()),
    }
}

/// The host's /tmp, opened without following anything but the path itself.
fn open_host_tmp() -> Option<OwnedFd> {
    use rustix::fs::{Mode as FileMode, OFlags};
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    rustix::fs::open("/tmp", flags, FileMode::empty()).ok()
}

/// `path` as this process reaches it: a path under the host's /tmp, once a lab's own /tmp
/// covers it, is reached through the host /tmp opened before (so progress and records kept
/// there land where the student and instructor will look for them).
pub fn host_path(path: &Path) -> PathBuf {
    let Some(fd) = current().and_then(|c| c.host_tmp.as_ref()) else { return path.to_owned() };
    match path.strip_prefix("/tmp") {
        Ok(rest) => PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd())).join(rest),
        Err(_) => path.to_owned(),
    }
}

/// While a tour's exercises run: the main thread in the student's lasting lab, where their
/// own sockets are; back in the tour's fresh lab when dropped.
#[derive(Debug)]
pub struct ExercisesSide {
    back: &'static Handles,
}

/// Moves to the lasting lab for exercises, when this process is a tour in a fresh lab.
pub fn exercises_side() -> Option<ExercisesSide> {
    let (lasting, fresh) = current()?.sides.as_ref()?;
    (lasting.enter_network().is_ok() && lasting.enter_mounts().is_ok())
        .then_some(ExercisesSide { back: fresh })
}

impl Drop for ExercisesSide {
    fn drop(&mut self) {
        let _ = self.back.enter_network();
        let _ = self.back.enter_mounts();
    }
}
