//! What a probe finds out, address by address: the verdict as nc would judge it, and each
//! attempt with where and when it failed.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use rustix::io::Errno;

use super::target::UnixKind;
use crate::net::stat::FileKind;

/// What one probe found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Connected (TCP handshake done, Unix socket accepted the connect) or a UDP reply came.
    Open,
    /// Refused: a TCP reset, an ICMP port-unreachable for UDP, or no socket bound to an
    /// abstract Unix name.
    Closed,
    /// UDP only: no answer and no error within the wait. nc calls this "succeeded".
    OpenOrFiltered,
    /// No answer to the TCP handshake in time (dropped by a firewall, or a full accept queue).
    TimedOut,
    /// No route to the network or host (`ENETUNREACH`, `EHOSTUNREACH`).
    Unreachable {
        /// The errno the kernel gave.
        errno: i32,
    },
    /// Unix: no file at the path (`ENOENT`).
    NoSuchFile,
    /// Unix: a socket file that no socket is bound to any more (`ECONNREFUSED`).
    Stale,
    /// Unix: the path is not a socket at all (`ECONNREFUSED`).
    NotASocket {
        /// What the file is instead.
        kind: FileKind,
    },
    /// Unix: the socket is of another type (`EPROTOTYPE`).
    WrongType {
        /// The type that was asked for.
        expected: UnixKind,
        /// The type it turned out to be, if it is one nc can probe.
        actual: Option<UnixKind>,
    },
    /// Unix: a stream socket whose accept queue stayed full until the timeout (`EAGAIN`).
    QueueFull,
    /// Unix: no write permission on the socket file, or no search permission on a directory
    /// above it (`EACCES`).
    PermissionDenied,
    /// Any other failure.
    Failed {
        /// The errno (`EIO` where the error carried none).
        errno: i32,
    },
}

impl Verdict {
    /// Whether nc counts this as success (exit status 0).
    pub fn succeeded(self) -> bool {
        matches!(self, Self::Open | Self::OpenOrFiltered)
    }

    /// The verdict for a failed `connect`, `send` or `recv` on an inet socket.
    pub fn from_connect_error(err: &io::Error) -> Self {
        if err.kind() == io::ErrorKind::TimedOut {
            return Self::TimedOut;
        }
        let errno = err.raw_os_error().unwrap_or(Errno::IO.raw_os_error());
        match Errno::from_raw_os_error(errno) {
            Errno::CONNREFUSED => Self::Closed,
            Errno::TIMEDOUT => Self::TimedOut,
            Errno::NETUNREACH | Errno::HOSTUNREACH => Self::Unreachable { errno },
            _ => Self::Failed { errno },
        }
    }

    /// The errno nc would report for this verdict (for `nc: …: REASON` lines).
    pub fn errno(self) -> Option<i32> {
        let errno = match self {
            Self::Open | Self::OpenOrFiltered | Self::TimedOut => return None,
            Self::Closed | Self::Stale | Self::NotASocket { .. } => Errno::CONNREFUSED,
            Self::NoSuchFile => Errno::NOENT,
            Self::WrongType { .. } => Errno::PROTOTYPE,
            Self::PermissionDenied => Errno::ACCESS,
            Self::QueueFull => Errno::AGAIN,
            Self::Unreachable { errno } | Self::Failed { errno } => return Some(errno),
        };
        Some(errno.raw_os_error())
    }
}

/// Where in a UDP probe an error came: nc reports a failed `connect()` but stays silent about
/// an error on the datagram itself (the ICMP port-unreachable of a closed port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Creating or connecting the socket.
    Connect,
    /// Sending the datagram or waiting for the answer (UDP only).
    Datagram,
}

/// One address tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The address.
    pub address: SocketAddr,
    /// What happened there.
    pub verdict: Verdict,
    /// Where a failure happened.
    pub phase: Phase,
    /// How long the attempt took.
    pub elapsed: Duration,
    /// For a UDP probe on loopback: the kernel's table showed a socket bound to receive the
    /// datagram, so no error could come back and socklab did not wait for one.
    pub receiver_bound: bool,
}
