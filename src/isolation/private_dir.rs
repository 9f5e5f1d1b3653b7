//! A directory only this student can write, where socklab finds the student's lasting lab
//! again: `$XDG_RUNTIME_DIR/socklab` when `$XDG_RUNTIME_DIR` is the student's own 0700
//! directory, else `/dev/shm/socklab-UID`, created 0700 and checked. Never under /tmp, which
//! a lab replaces with its own.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The student's private directory for socklab's lab records, created if missing; an error
/// says why no candidate could be trusted.
pub fn get() -> io::Result<PathBuf> {
    let uid = rustix::process::geteuid().as_raw();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && !dir.starts_with("/tmp") && owned_private(dir, uid));
    let dir = match runtime {
        Some(runtime) => runtime.join("socklab"),
        None => PathBuf::from(format!("/dev/shm/socklab-{uid}")),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
        Err(err) => return Err(err),
    }
    if owned_private(&dir, uid) {
        Ok(dir)
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            crate::t!("runner.lab.dir_not_private", dir = dir.display()),
        ))
    }
}

/// Where socklab keeps the lab record of the student `uid`, for root grading that student:
/// `/run/user/UID/socklab` (the usual `$XDG_RUNTIME_DIR`), else `/dev/shm/socklab-UID`; only
/// a directory that is theirs and private counts. Nothing is created.
pub fn of(uid: u32) -> Option<PathBuf> {
    [
        PathBuf::from(format!("/run/user/{uid}/socklab")),
        PathBuf::from(format!("/dev/shm/socklab-{uid}")),
    ]
    .into_iter()
    .find(|dir| owned_private(dir, uid))
}

/// Whether `dir` is a real directory (not a symbolic link) owned by `uid` that nobody else
/// may enter or write.
fn owned_private(dir: &Path, uid: u32) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|meta| {
        meta.file_type().is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0
    })
}
