//! The socket files of Unix listeners: making a path ready, and who may remove what.
//!
//! Binding a Unix socket creates a file, and closing the socket does not remove it. socat
//! refuses a path that exists and removes its own file when it stops; socklab does the same,
//! with two promises kept here: it never removes anything that is not a socket, and at the end
//! it removes only the file its own `bind()` created. For the second, [`SocketFile`] records
//! the file's (device, inode) right after bind and unlinks the path only if it still names that
//! very file (a student may have deleted it and started another listener there meanwhile).

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD, Gid, Mode, OFlags, Uid};
use rustix::io::Errno;

use crate::error::Failure;

use super::explain::{self, DirectoryProblem, Step};
use super::occupant::{Occupant, occupant};
use super::{ListenSpec, SocketFileOptions};

/// Makes `path` ready for bind, as socat does: refuses it if something is there, except a
/// stale socket when `unlink-early` was asked for, which is removed.
pub(super) fn prepare(spec: &ListenSpec, path: &Path) -> Result<(), Failure> {
    let found = occupant(path).map_err(|err| match err.kind() {
        io::ErrorKind::PermissionDenied => {
            explain::path_directory(path, DirectoryProblem::Denied, &err)
        }
        _ => explain::syscall_failed(spec, Step::Inspect, &err),
    })?;
    match found {
        Occupant::Nothing => Ok(()),
        Occupant::StaleSocket if spec.unlink_early => match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(explain::syscall_failed(spec, Step::UnlinkEarly, &err)),
        },
        other => Err(explain::path_occupied(spec, path, &other)),
    }
}

/// Explains a refused bind of a Unix socket path.
pub(super) fn bind_failed(spec: &ListenSpec, path: &Path, err: &io::Error) -> Failure {
    match Errno::from_io_error(err) {
        // Something appeared at the path since `prepare` looked: say what it is.
        Some(Errno::ADDRINUSE) => match occupant(path) {
            Ok(found @ (Occupant::NotSocket(_) | Occupant::StaleSocket | Occupant::LiveSocket)) => {
                explain::path_occupied(spec, path, &found)
            }
            _ => explain::syscall_failed(spec, Step::Bind, err),
        },
        Some(Errno::NOENT | Errno::NOTDIR) => {
            explain::path_directory(path, DirectoryProblem::Missing, err)
        }
        Some(Errno::ACCESS | Errno::PERM | Errno::ROFS) => {
            explain::path_directory(path, DirectoryProblem::Denied, err)
        }
        _ => explain::syscall_failed(spec, Step::Bind, err),
    }
}

/// The socket file a listener's bind created; dropping it removes the file if the path still
/// names that same file and it is still a socket.
#[derive(Debug)]
pub(super) struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    /// Records the file that bind just created at `path`.
    pub(super) fn claim(path: &Path) -> io::Result<Self> {
        let metadata = std::fs::symlink_metadata(path)?;
        if !metadata.file_type().is_socket() {
            // Cannot happen right after a successful bind unless someone raced us; then the
            // file is not ours to remove.
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        Ok(Self { path: path.to_owned(), dev: metadata.dev(), ino: metadata.ino() })
    }

    /// The (device, inode) of the file, as `stat` shows them.
    pub(super) fn id(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }

    /// Applies socat's `perm=`, `user=` and `group=` to the socket file, never through a path
    /// someone could swap in between: the file is opened once (`O_PATH`, not following a
    /// symlink) and checked to be our socket file (same device and inode as bind created);
    /// the owner is then set on that descriptor (`fchownat` with `AT_EMPTY_PATH`), and the mode
    /// through `/proc/self/fd/N`, which leads to that very inode. (`fchmod` on the socket's
    /// own descriptor, before or after bind, changes the socket's inode, not the file's, and
    /// a umask is process-wide, so neither will do.)
    pub(super) fn set_mode_and_owner(&self, options: &SocketFileOptions) -> io::Result<()> {
        if !options.any() {
            return Ok(());
        }
        let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let file = rustix::fs::openat(CWD, &self.path, flags, Mode::empty())?;
        let found = rustix::fs::fstat(&file)?;
        let ours = rustix::fs::FileType::from_raw_mode(found.st_mode)
            == rustix::fs::FileType::Socket
            && found.st_dev == self.dev
            && found.st_ino == self.ino;
        if !ours {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        if options.user.is_some() || options.group.is_some() {
            let user = options.user.map(Uid::from_raw_unchecked);
            let group = options.group.map(Gid::from_raw_unchecked);
            rustix::fs::chownat(&file, "", user, group, AtFlags::EMPTY_PATH)?;
        }
        if let Some(perm) = options.perm {
            let by_descriptor = format!("/proc/self/fd/{}", file.as_raw_fd());
            std::fs::set_permissions(by_descriptor, std::fs::Permissions::from_mode(perm))?;
        }
        Ok(())
    }

    /// Whether the path still names our socket file.
    fn still_ours(&self) -> bool {
        std::fs::symlink_metadata(&self.path).is_ok_and(|metadata| {
            metadata.file_type().is_socket()
                && metadata.dev() == self.dev
                && metadata.ino() == self.ino
        })
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if self.still_ours() {
            // Nothing useful can be done about a failure here (we may be unwinding); the file
            // then stays, as after a crash, and the next start explains it as stale.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_its_own_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");

        let first = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let guard = SocketFile::claim(&path).unwrap();
        drop(first);
        drop(guard);
        assert!(!path.exists(), "our own socket file must go");

        // Someone replaced the file: another socket at the same path is not ours.
        let _first = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let guard = SocketFile::claim(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let _other = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(guard);
        assert!(path.exists(), "another socket at our path must stay");
        std::fs::remove_file(&path).unwrap();

        // Nor is a regular file put there.
        let _first = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let guard = SocketFile::claim(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"data").unwrap();
        drop(guard);
        assert_eq!(std::fs::read(&path).unwrap(), b"data");
    }
}
