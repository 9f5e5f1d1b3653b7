//! socklab's ss: the kernel's socket tables, read in-process.
//!
//! The rows come from netlink sock_diag (the same source as ss); where netlink fails they come
//! from `/proc/net/*` instead, and the output says so. Rendering follows ss's columns.
//!
//! (Skeleton: the model and the public API are fixed here; the implementation fills them in.)

// Parts of these are used by snapshot(), which comes next.
#[allow(dead_code)]
mod netlink;
#[allow(dead_code)]
mod process;

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::error::Failure;
use crate::net::ToolOutput;

/// Kernel socket states (`TCP_*` in include/net/tcp_states.h), as bits of a state mask.
#[allow(dead_code)]
mod tcp_state {
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

    /// Every state ss knows (its SS_ALL, without the unused bit 0).
    pub const ALL: u32 = 0xffe;
    /// ss's `-l`: listeners, and bound sockets that are not connected (UDP, Unix datagram).
    pub const LISTENING: u32 = (1 << LISTEN) | (1 << CLOSE);
    /// ss's default (SS_CONN): everything but LISTEN, CLOSE, TIME_WAIT and SYN_RECV.
    pub const CONNECTED: u32 =
        ALL & !((1 << LISTEN) | (1 << CLOSE) | (1 << TIME_WAIT) | (1 << SYN_RECV));
}

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

/// ss's flags, as `socklab inspect` and lesson steps (`ss -4 -tln`) take them.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct InspectArgs {
    /// Only IPv4 sockets.
    #[arg(short = '4', long = "ipv4")]
    pub ipv4: bool,
    /// Only IPv6 sockets.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// TCP sockets.
    #[arg(short = 't', long = "tcp")]
    pub tcp: bool,
    /// UDP sockets.
    #[arg(short = 'u', long = "udp")]
    pub udp: bool,
    /// Unix domain sockets.
    #[arg(short = 'x', long = "unix")]
    pub unix: bool,
    /// Only listening sockets (LISTEN, and unconnected bound datagram sockets).
    #[arg(short = 'l', long = "listening")]
    pub listening: bool,
    /// Listening and non-listening sockets.
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Numeric ports: do not resolve service names.
    #[arg(short = 'n', long = "numeric")]
    pub numeric: bool,
    /// No header line.
    #[arg(short = 'H', long = "no-header")]
    pub no_header: bool,
    /// Show the processes that hold each socket.
    #[arg(short = 'p', long = "processes")]
    pub processes: bool,
    /// Only sockets whose local port is PORT.
    #[arg(long = "port", value_name = "PORT")]
    pub port: Option<u16>,
}

/// ss's Netid: which table a socket is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Netid {
    Tcp,
    Udp,
    UnixStream,
    UnixDgram,
    UnixSeqpacket,
}

impl SockState {
    /// The state for a kernel `TCP_*` value (Unix sockets use the same values).
    fn from_kernel(state: u8) -> Self {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SockState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    /// TCP_CLOSE: shown as UNCONN.
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

/// A process that holds a socket open, as `ss -p` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessRef {
    pub name: String,
    pub pid: u32,
    pub fd: u32,
}

/// One socket, with every value as the kernel gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// Where the rows came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Netlink,
    /// `/proc/net/*`, because netlink failed (the reason); backlogs and v6only are unknown.
    ProcFallback {
        reason: String,
    },
}

/// The rows of one inspection and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub rows: Vec<SocketRow>,
    pub source: Source,
}

/// Reads the kernel's tables as `args` asks (ss's defaults where it says nothing).
pub fn snapshot(args: &InspectArgs) -> Snapshot {
    let _ = args;
    todo!("inspect::snapshot")
}

/// Renders a snapshot as ss would print it for `args`.
pub fn render(snapshot: &Snapshot, args: &InspectArgs) -> String {
    let _ = (snapshot, args);
    todo!("inspect::render")
}

/// Runs `socklab inspect` / `ss`: snapshot, then render.
pub fn execute(args: &InspectArgs) -> Result<ToolOutput, Failure> {
    let snapshot = snapshot(args);
    Ok(ToolOutput { stdout: render(&snapshot, args), ..ToolOutput::default() })
}

/// The processes holding a socket bound to local `port` in `netid`'s table (for explaining
/// EADDRINUSE). Empty when none is visible (another user's process, without root).
pub fn holders_of_port(netid: Netid, port: u16) -> Vec<ProcessRef> {
    if !matches!(netid, Netid::Tcp | Netid::Udp) {
        return Vec::new();
    }
    let mut rows = Vec::new();
    let Ok(mut diag) = netlink::Diag::open() else { return Vec::new() };
    for family in [Family::V4, Family::V6] {
        // Any state: a connected socket holds its local port as firmly as a listener.
        if diag.inet(netid, family, tcp_state::ALL, Some(port), &mut rows).is_err() {
            return Vec::new();
        }
    }
    // TIME_WAIT sockets have no inode and no holder.
    let inodes: HashSet<u64> =
        rows.iter().map(|row| row.inode).filter(|&inode| inode != 0).collect();
    let mut holders: Vec<ProcessRef> =
        process::holders(Some(&inodes)).into_values().flatten().collect();
    holders.sort_unstable_by_key(|holder| (holder.pid, holder.fd));
    holders.dedup();
    holders
}
