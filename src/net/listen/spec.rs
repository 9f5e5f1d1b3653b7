//! A socat listen address as data: the kind of socket, where it binds and its options, with
//! socat's defaults, and socat's own spelling of it. Reading one from text is
//! [`address`](super::address)'s work.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use socket2::{Domain, Type};

/// The kind of socket a socat address makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenKind {
    Tcp4,
    Tcp6,
    Udp4,
    Udp6,
    UnixStream,
    UnixDatagram,
}

impl ListenKind {
    /// socat's name for the address type, as socklab writes it back.
    pub fn socat_name(self) -> &'static str {
        match self {
            Self::Tcp4 => "TCP4-LISTEN",
            Self::Tcp6 => "TCP6-LISTEN",
            Self::Udp4 => "UDP4-LISTEN",
            Self::Udp6 => "UDP6-LISTEN",
            Self::UnixStream => "UNIX-LISTEN",
            Self::UnixDatagram => "UNIX-RECVFROM",
        }
    }

    /// Whether the socket accepts connections (a stream) rather than receiving datagrams.
    pub fn is_stream(self) -> bool {
        matches!(self, Self::Tcp4 | Self::Tcp6 | Self::UnixStream)
    }

    /// Whether the socket is a Unix domain socket bound to a path.
    pub fn is_unix(self) -> bool {
        matches!(self, Self::UnixStream | Self::UnixDatagram)
    }

    /// Whether the socket is an IPv6 one.
    pub fn is_ipv6(self) -> bool {
        matches!(self, Self::Tcp6 | Self::Udp6)
    }

    /// The protocol name shown to the user ("TCP", "UDP", "UNIX").
    pub fn protocol(self) -> &'static str {
        match self {
            Self::Tcp4 | Self::Tcp6 => "TCP",
            Self::Udp4 | Self::Udp6 => "UDP",
            Self::UnixStream | Self::UnixDatagram => "UNIX",
        }
    }

    /// The wildcard address socat binds when no `bind=` is given.
    pub fn wildcard(self) -> Option<IpAddr> {
        match self {
            Self::Tcp4 | Self::Udp4 => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            Self::Tcp6 | Self::Udp6 => Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            Self::UnixStream | Self::UnixDatagram => None,
        }
    }

    pub(super) fn domain(self) -> Domain {
        match self {
            Self::Tcp4 | Self::Udp4 => Domain::IPV4,
            Self::Tcp6 | Self::Udp6 => Domain::IPV6,
            Self::UnixStream | Self::UnixDatagram => Domain::UNIX,
        }
    }

    pub(super) fn socket_type(self) -> Type {
        if self.is_stream() { Type::STREAM } else { Type::DGRAM }
    }
}

/// Where a listener binds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListenTarget {
    /// A port (0: any free one), on the `bind=` address or the wildcard.
    Port(u16),
    /// A Unix socket path.
    Path(PathBuf),
}

/// socat's default backlog for `listen()` (`xio-listen.c`: "int backlog = 5").
pub const DEFAULT_BACKLOG: i32 = 5;

/// A parsed socat listen address with its options.
///
/// Options left out keep socat's defaults: backlog 5, the wildcard address, `SO_REUSEADDR` on
/// TCP listeners (socat 1.8) and on forking UDP ones, `IPV6_V6ONLY` as the system sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenSpec {
    pub kind: ListenKind,
    pub target: ListenTarget,
    /// `bind=ADDR`: the local address for TCP and UDP (default: the wildcard).
    pub bind: Option<std::net::IpAddr>,
    /// `backlog=N`: the queue length given to `listen()` (default 5).
    pub backlog: Option<i32>,
    /// `reuseaddr[=0|1]`: SO_REUSEADDR; `None` keeps socat's default.
    pub reuseaddr: Option<bool>,
    /// `ipv6only[=0|1]`: IPV6_V6ONLY, set before bind; `None` keeps the system default.
    pub ipv6only: Option<bool>,
    /// `fork`: socat serves each connection in a child and keeps listening.
    pub fork: bool,
    /// `unlink-early`: remove a stale socket file at the path before binding.
    pub unlink_early: bool,
    /// `UDP4-RECVFROM` / `UDP6-RECVFROM` rather than `*-LISTEN`: socat answers each datagram
    /// with `sendto` and never connects a socket to the peer.
    pub recvfrom: bool,
    /// `perm=`, `user=`, `group=`: the socket file's mode and owner (Unix addresses only).
    pub file: SocketFileOptions,
}

/// socat's `perm=` (alias `mode=`), `user=` and `group=` for the file a Unix listener creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SocketFileOptions {
    /// The permission bits (`perm=0600`), instead of 0777 less the umask.
    pub perm: Option<u32>,
    /// The owner's uid (`user=NAME` or a number).
    pub user: Option<u32>,
    /// The group's gid (`group=NAME` or a number).
    pub group: Option<u32>,
}

impl SocketFileOptions {
    /// Whether any of the three is given.
    pub fn any(&self) -> bool {
        self.perm.is_some() || self.user.is_some() || self.group.is_some()
    }
}

impl ListenSpec {
    /// A spec with socat's defaults for `kind` at `target`.
    pub fn new(kind: ListenKind, target: ListenTarget) -> Self {
        Self {
            kind,
            target,
            bind: None,
            backlog: None,
            reuseaddr: None,
            ipv6only: None,
            fork: false,
            unlink_early: false,
            recvfrom: false,
            file: SocketFileOptions::default(),
        }
    }

    /// socat's name for the address type: the kind's, or `UDP4-RECVFROM` / `UDP6-RECVFROM`.
    pub fn type_name(&self) -> &'static str {
        match (self.recvfrom, self.kind) {
            (true, ListenKind::Udp4) => "UDP4-RECVFROM",
            (true, ListenKind::Udp6) => "UDP6-RECVFROM",
            (_, kind) => kind.socat_name(),
        }
    }

    /// The backlog `listen()` gets.
    pub fn effective_backlog(&self) -> i32 {
        self.backlog.unwrap_or(DEFAULT_BACKLOG)
    }

    /// Whether SO_REUSEADDR is set: as asked, else on for TCP (socat 1.8 sets it for every TCP
    /// listener) and for a forking UDP listener (socat forces it there), off otherwise.
    pub fn effective_reuseaddr(&self) -> bool {
        self.reuseaddr.unwrap_or(match self.kind {
            ListenKind::Tcp4 | ListenKind::Tcp6 => true,
            ListenKind::Udp4 | ListenKind::Udp6 => self.fork,
            ListenKind::UnixStream | ListenKind::UnixDatagram => false,
        })
    }

    /// The address a TCP or UDP listener binds (port as given, possibly 0).
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match (&self.target, self.bind.or(self.kind.wildcard())) {
            (ListenTarget::Port(port), Some(ip)) => Some(SocketAddr::new(ip, *port)),
            _ => None,
        }
    }
}

/// socat's own spelling of the address, with the options that differ from the defaults.
impl fmt::Display for ListenSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.type_name())?;
        match &self.target {
            ListenTarget::Port(port) => write!(f, "{port}")?,
            ListenTarget::Path(path) => write!(f, "{}", path.display())?,
        }
        if let Some(ip) = self.bind {
            match ip {
                IpAddr::V4(ip) => write!(f, ",bind={ip}")?,
                IpAddr::V6(ip) => write!(f, ",bind=[{ip}]")?,
            }
        }
        if let Some(backlog) = self.backlog {
            write!(f, ",backlog={backlog}")?;
        }
        match self.reuseaddr {
            Some(true) => write!(f, ",reuseaddr")?,
            Some(false) => write!(f, ",reuseaddr=0")?,
            None => {}
        }
        if let Some(only) = self.ipv6only {
            write!(f, ",ipv6only={}", u8::from(only))?;
        }
        if self.unlink_early {
            write!(f, ",unlink-early")?;
        }
        if let Some(perm) = self.file.perm {
            write!(f, ",perm={perm:04o}")?;
        }
        if let Some(user) = self.file.user {
            write!(f, ",user={user}")?;
        }
        if let Some(group) = self.file.group {
            write!(f, ",group={group}")?;
        }
        if self.fork {
            write!(f, ",fork")?;
        }
        Ok(())
    }
}
