//! One probe of a Unix domain socket, the way `nc -U -z` (stream) and `nc -U -u -z`
//! (datagram) do it: `connect()` and nothing else.
//!
//! `connect()` alone says a lot, because the kernel checks the file before the socket: no
//! file (`ENOENT`), a file that is not a socket or a socket file nobody has bound any more
//! (both `ECONNREFUSED`), the wrong socket type (`EPROTOTYPE`) and no write permission on the
//! file (`EACCES`). `ECONNREFUSED` is ambiguous, so we look at the file's type to say which.
//! nc's datagram probe also binds a temporary client address first; a connect-only check does
//! not need one, so we don't.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use socket2::{Domain, SockAddr, Socket, Type};

use super::Verdict;
use super::target::{UnixKind, UnixTarget};
use crate::net::stat::{self, FileKind};

/// How often a stream connect refused for a full accept queue is tried again.
const RETRY: Duration = Duration::from_millis(10);

/// Connects to the target's socket with the target's type and says what happened, giving up
/// after `timeout`.
///
/// A stream socket whose accept queue is full makes a blocking `connect()` wait until the
/// server accepts, for ever if it never does (nc hangs there, even with `-w`). socklab
/// connects without blocking: `EAGAIN` means "full", and it tries again until `timeout`,
/// then says so ([`Verdict::QueueFull`]).
pub fn probe(target: &UnixTarget, timeout: Duration) -> Verdict {
    let deadline = Instant::now() + timeout;
    loop {
        match connect(&target.path, target.kind) {
            Ok(()) => return Verdict::Open,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Verdict::QueueFull;
                }
                std::thread::sleep(RETRY.min(deadline.saturating_duration_since(Instant::now())));
            }
            Err(err) => return diagnose(target, &err),
        }
    }
}

/// The socket address for `path`: a file path, or an abstract name when it starts with `@`
/// (Debian's nc accepts that spelling too).
fn address(path: &str) -> io::Result<SockAddr> {
    match path.strip_prefix('@') {
        Some(name) => {
            let mut bytes = vec![0u8];
            bytes.extend_from_slice(name.as_bytes());
            SockAddr::unix(OsStr::from_bytes(&bytes))
        }
        // socket2 refuses paths that do not fit sun_path with InvalidInput; the kernel's
        // word for that (and nc's message) is ENAMETOOLONG.
        None => SockAddr::unix(path)
            .map_err(|_| io::Error::from_raw_os_error(Errno::NAMETOOLONG.raw_os_error())),
    }
}

/// One `connect()` that never blocks: a Unix stream connect either completes at once or
/// fails with `EAGAIN` (the accept queue is full).
fn connect(path: &str, kind: UnixKind) -> io::Result<()> {
    let address = address(path)?;
    let socket_type = match kind {
        UnixKind::Stream => Type::STREAM,
        UnixKind::Datagram => Type::DGRAM,
    };
    let socket = Socket::new(Domain::UNIX, socket_type, None)?;
    socket.set_nonblocking(true)?;
    socket.connect(&address)
}

fn diagnose(target: &UnixTarget, err: &io::Error) -> Verdict {
    let errno = err.raw_os_error().map(Errno::from_raw_os_error);
    match errno {
        Some(Errno::NOENT) => Verdict::NoSuchFile,
        Some(Errno::CONNREFUSED) if target.path.starts_with('@') => Verdict::Closed,
        // connect() follows symlinks, so the file to look at is the one they lead to.
        Some(Errno::CONNREFUSED) => match stat::kind_following_links(Path::new(&target.path)) {
            Ok(FileKind::Socket) | Err(_) => Verdict::Stale,
            Ok(kind) => Verdict::NotASocket { kind },
        },
        Some(Errno::PROTOTYPE) => {
            // Which type is it, then? A connect with the other type tells, without sending
            // anything (and without waiting: a stream socket with a full accept queue answers
            // EAGAIN, which says "stream" as well); if that is refused too, it is neither
            // (SOCK_SEQPACKET, say).
            let other = target.kind.other();
            let is_other = match connect(&target.path, other) {
                Ok(()) => true,
                Err(err) => err.kind() == io::ErrorKind::WouldBlock,
            };
            let actual = is_other.then_some(other);
            Verdict::WrongType { expected: target.kind, actual }
        }
        Some(Errno::ACCESS) => Verdict::PermissionDenied,
        _ => Verdict::from_connect_error(err),
    }
}
