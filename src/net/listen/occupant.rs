//! What is at a Unix socket path before a listener binds it: nothing, a file that is not a
//! socket, a socket file nobody is bound to any more (stale), or a live socket. Looking never
//! changes anything there; connecting to a live socket is the only contact, and it sends
//! nothing.

use std::fs::FileType;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use rustix::io::Errno;
use socket2::{Domain, SockAddr, Socket, Type};

use crate::t;

/// What is found at a path before binding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Occupant {
    /// Nothing: the path is free.
    Nothing,
    /// A file that is not a socket; its kind in words ("a regular file").
    NotSocket(String),
    /// A socket file nobody accepts on: connecting is refused.
    StaleSocket,
    /// A socket some program has open and bound.
    LiveSocket,
    /// A socket we cannot test (no permission to connect, for instance).
    UnknownSocket(String),
}

/// Looks at `path` without changing anything there (connecting to a live socket is the only
/// contact, and it sends nothing).
pub(super) fn occupant(path: &Path) -> io::Result<Occupant> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Occupant::Nothing),
        Err(err) => return Err(err),
    };
    if !metadata.file_type().is_socket() {
        return Ok(Occupant::NotSocket(describe(metadata.file_type())));
    }
    Ok(liveness(path))
}

/// Whether a program holds the socket at `path`: a non-blocking stream connect succeeds or is
/// pending (a listener), fails with EPROTOTYPE (a live socket of another type), or is refused
/// (nobody is bound there: a stale file).
fn liveness(path: &Path) -> Occupant {
    let probe = || -> io::Result<()> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        socket.connect(&SockAddr::unix(path)?)
    };
    match probe() {
        Ok(()) => Occupant::LiveSocket,
        Err(err) => match Errno::from_io_error(&err) {
            Some(Errno::CONNREFUSED) => Occupant::StaleSocket,
            // A full backlog (EAGAIN) or a socket of another type still means someone is there.
            Some(Errno::AGAIN | Errno::INPROGRESS | Errno::PROTOTYPE) => Occupant::LiveSocket,
            // It vanished between the two looks: the caller's bind will tell.
            Some(Errno::NOENT) => Occupant::Nothing,
            _ => Occupant::UnknownSocket(crate::net::io_reason(&err)),
        },
    }
}

fn describe(file_type: FileType) -> String {
    if file_type.is_file() {
        t!("listen.path.kind_regular")
    } else if file_type.is_dir() {
        t!("listen.path.kind_dir")
    } else if file_type.is_symlink() {
        t!("listen.path.kind_symlink")
    } else if file_type.is_fifo() {
        t!("listen.path.kind_fifo")
    } else if file_type.is_char_device() {
        t!("listen.path.kind_char")
    } else if file_type.is_block_device() {
        t!("listen.path.kind_block")
    } else {
        t!("listen.path.kind_other")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_nothing_file_stale_and_live_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        assert_eq!(occupant(&path).unwrap(), Occupant::Nothing);

        let live = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert_eq!(occupant(&path).unwrap(), Occupant::LiveSocket);
        drop(live);
        assert_eq!(occupant(&path).unwrap(), Occupant::StaleSocket);
        std::fs::remove_file(&path).unwrap();

        let dgram = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        assert_eq!(occupant(&path).unwrap(), Occupant::LiveSocket);
        drop(dgram);
        assert_eq!(occupant(&path).unwrap(), Occupant::StaleSocket);
        std::fs::remove_file(&path).unwrap();

        std::fs::write(&path, b"keep me").unwrap();
        assert_eq!(occupant(&path).unwrap(), Occupant::NotSocket(t!("listen.path.kind_regular")));
        assert_eq!(occupant(dir.path()).unwrap(), Occupant::NotSocket(t!("listen.path.kind_dir")));
    }
}
