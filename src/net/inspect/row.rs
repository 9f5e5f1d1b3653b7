//! One socket as ss reports it, as data: its table (Netid), state, endpoints, owner, timers
//! and memory, with every value as the kernel gave it; and the kernel's state numbers. Read
//! by `netlink` and `procfs`, chosen by `filter` and `plan`, drawn by `render`.

use std::net::IpAddr;
use std::path::PathBuf;

/// Kernel socket states (`TCP_*` in include/net/tcp_states.h), as bits of a state mask.
pub(super) mod tcp_state {
    pub const ESTABLISHED: u8 = 1;
    pub const SYN_SENT: u8 = 2;
    pub const SYN_RECV: u8 = 3;
    pub const FIN_WAIT1: u8 = 4;
    pub const FIN_WAIT2: u8 = 5;
    pub const TIME_WAIT: u8 = 6;
    pub const CLOSE: u8 = 7;
    pub const CLOSE_WAIT: u8 = 8;
    pub const LAST_ACK: u8 = 9;
    pub const LISTEN: u8 = 10;
    pub const CLOSING: u8 = 11;
    /// A request socket (half-open connection); sock_diag reports it as SYN_RECV.
    pub const NEW_SYN_RECV: u8 = 12;

    /// Every state ss knows (its SS_ALL): bits 0 to 12.
    pub const ALL: u32 = (1 << 13) - 1;
    /// ss's `-l`: listeners, and bound sockets that are not connected (UDP, Unix datagram).
    pub const LISTENING: u32 = (1 << LISTEN) | (1 << CLOSE);
    /// ss's default (SS_CONN): everything but LISTEN, CLOSE, TIME_WAIT and SYN_RECV.
    pub const CONNECTED: u32 =
        ALL & !((1 << LISTEN) | (1 << CLOSE) | (1 << TIME_WAIT) | (1 << SYN_RECV));
}

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    V4,
    V6,
}

/// ss's Netid: which table a socket is in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Netid {
    #[default]
    Tcp,
    Udp,
    UnixStream,
    UnixDgram,
    UnixSeqpacket,
}

impl SockState {
    /// The state for a kernel `TCP_*` value (Unix sockets use the same values).
    pub(super) fn from_kernel(state: u8) -> Self {
        use tcp_state as k;
        match state {
            k::ESTABLISHED => Self::Established,
            k::SYN_SENT => Self::SynSent,
            k::SYN_RECV | k::NEW_SYN_RECV => Self::SynRecv,
            k::FIN_WAIT1 => Self::FinWait1,
            k::FIN_WAIT2 => Self::FinWait2,
            k::TIME_WAIT => Self::TimeWait,
            k::CLOSE_WAIT => Self::CloseWait,
            k::LAST_ACK => Self::LastAck,
            k::LISTEN => Self::Listen,
            k::CLOSING => Self::Closing,
            _ => Self::Unconnected,
        }
    }
}

/// A socket's state, named as ss names it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SockState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    /// TCP_CLOSE: shown as UNCONN.
    #[default]
    Unconnected,
    CloseWait,
    LastAck,
    Listen,
    Closing,
}

/// The name a Unix socket is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnixName {
    /// A file-system path.
    Path(PathBuf),
    /// An abstract name (without the leading NUL), shown with `@`.
    Abstract(Vec<u8>),
    /// Not bound.
    Unnamed,
}

/// One end of a socket, local or peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// An IP address and port; port 0 is shown as `*`.
    Inet { addr: IpAddr, port: u16 },
    /// A Unix socket: its name and its socket inode (ss shows the inode in the Port column).
    Unix { name: UnixName, inode: u64 },
}

impl Default for Endpoint {
    fn default() -> Self {
        Self::Inet { addr: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), port: 0 }
    }
}

/// A process that holds a socket open, as `ss -p` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessRef {
    pub name: String,
    pub pid: u32,
    pub fd: u32,
}

/// A TCP socket's running timer, as sock_diag gives it: which (1 retransmit, 2 keepalive,
/// 3 TIME-WAIT, 4 zero-window probe), milliseconds left, retransmissions so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub kind: u8,
    pub expires: u32,
    pub retrans: u8,
}

/// A socket's memory counters (`-m`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Memory {
    /// `SK_MEMINFO_*`: rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc, wmem_queued,
    /// optmem, backlog, drops (as many as the kernel sent).
    Sk(Vec<u32>),
    /// The older `inet_diag_meminfo`: rmem, wmem, fmem, tmem.
    Legacy(Vec<u32>),
}

/// One socket, with every value as the kernel gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketRow {
    pub netid: Netid,
    pub state: SockState,
    /// For a listener, the accept queue; otherwise bytes (or, for UDP, memory) not yet read.
    pub recv_q: u32,
    /// For a listener, its backlog; otherwise bytes not yet sent or acknowledged.
    pub send_q: u32,
    pub local: Endpoint,
    pub peer: Endpoint,
    /// The socket inode (`socket:[N]` in /proc/PID/fd).
    pub inode: u64,
    /// IPV6_V6ONLY for an IPv6 socket, when the kernel said.
    pub v6only: Option<bool>,
    /// The owner's uid, when the kernel said.
    pub uid: Option<u32>,
    /// For a Unix socket bound to a path: the (device, inode) of the socket file.
    pub vfs: Option<(u64, u64)>,
    /// Filled only when processes were asked for.
    pub processes: Vec<ProcessRef>,
    /// The interface the socket is bound to (SO_BINDTODEVICE), 0 for none.
    pub iface: u32,
    /// The kernel's cookie for the socket (ss's `sk:`).
    pub cookie: u64,
    /// A TCP socket's running timer.
    pub timer: Option<Timer>,
    /// Which directions are shut down (bit 0 receive, bit 1 send), when the kernel said.
    pub shutdown: Option<u8>,
    /// The socket's cgroup id, when the kernel said.
    pub cgroup: Option<u64>,
    /// Memory counters, when asked for (`-m`).
    pub memory: Option<Memory>,
    /// A Unix listener's connections not yet accepted (their inodes), when asked for (`-e`).
    pub pending: Option<Vec<u32>>,
}
