//! socklab's ss: the kernel's socket tables, read in-process.
//!
//! The rows come from netlink sock_diag (the same source as ss); where netlink fails they come
//! from `/proc/net/*` instead, and the output says so. Rendering follows ss's columns.
//!
//! - `netlink`: the sock_diag dumps; `procfs`: the `/proc/net/*` fallback;
//! - `process`: the `/proc/*/fd` walk behind `-p`; `render`: ss's table layout.
//!
//! Which sockets are read follows ss: no table flag means TCP, UDP and Unix; no `-4`/`-6`
//! means both families (and `-4`/`-6` leave Unix sockets out, since they have no IP family);
//! without `-l`/`-a` only connected sockets, with `-l` listening and unconnected bound ones,
//! with `-a` all. `--port` keeps TCP and UDP sockets whose local port is PORT.

mod netlink;
mod process;
mod procfs;
mod render;

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::error::Failure;
use crate::net::ToolOutput;
use crate::t;

/// The environment variable that picks the source of the rows: `proc` reads `/proc/net/*`
/// even where netlink works (to see, and to test, the fallback); `netlink` or unset is the
/// normal behaviour.
pub const SOURCE_ENV: &str = "SOCKLAB_INSPECT_SOURCE";

/// Kernel socket states (`TCP_*` in include/net/tcp_states.h), as bits of a state mask.
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

impl std::fmt::Display for SockState {
    /// ss's name for the state (`LISTEN`, `UNCONN`, `ESTAB`, …).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(render::state_name(*self))
    }
}

impl std::fmt::Display for Netid {
    /// ss's name for the table (`tcp`, `udp`, `u_str`, …).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(render::netid_name(*self))
    }
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

/// Which tables, families, states and port one inspection reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Query {
    tcp: bool,
    udp: bool,
    unix: bool,
    ipv4: bool,
    ipv6: bool,
    /// A mask of `1 << TCP_*`.
    states: u32,
    port: Option<u16>,
}

impl Query {
    fn from_args(args: &InspectArgs) -> Self {
        let any_table = args.tcp || args.udp || args.unix;
        let any_family = args.ipv4 || args.ipv6;
        let states = if args.all {
            tcp_state::ALL
        } else if args.listening {
            tcp_state::LISTENING
        } else {
            tcp_state::CONNECTED
        };
        Self {
            tcp: args.tcp || !any_table,
            udp: args.udp || !any_table,
            unix: (args.unix || !any_table) && !any_family && args.port.is_none(),
            ipv4: args.ipv4 || !any_family,
            ipv6: args.ipv6 || !any_family,
            states,
            port: args.port,
        }
    }

    fn families(&self) -> impl Iterator<Item = Family> {
        [(self.ipv4, Family::V4), (self.ipv6, Family::V6)]
            .into_iter()
            .filter_map(|(wanted, family)| wanted.then_some(family))
    }

    /// The (table, family) pairs in ss's order: Unix first, then UDP, then TCP, IPv4 before
    /// IPv6 in each.
    fn inet_tables(&self) -> impl Iterator<Item = (Netid, Family)> {
        let tables = [(self.udp, Netid::Udp), (self.tcp, Netid::Tcp)];
        let families: Vec<Family> = self.families().collect();
        tables
            .into_iter()
            .filter_map(|(wanted, netid)| wanted.then_some(netid))
            .flat_map(move |netid| families.clone().into_iter().map(move |family| (netid, family)))
    }
}

/// Whether ss would print the Netid column for these flags: when more than one table is
/// asked for, the Unix family counting as three (u_str, u_dgr, u_seq).
fn shows_netid(args: &InspectArgs) -> bool {
    let any_table = args.tcp || args.udp || args.unix;
    if !any_table {
        return true;
    }
    usize::from(args.tcp) + usize::from(args.udp) + 3 * usize::from(args.unix) > 1
}

/// What `SOCKLAB_INSPECT_SOURCE` asks for: `Ok(true)` to force `/proc`.
fn forced_proc() -> Result<bool, String> {
    match std::env::var(SOURCE_ENV) {
        Ok(value) if value == "proc" => Ok(true),
        Ok(value) if value.is_empty() || value == "netlink" => Ok(false),
        Ok(value) => Err(value),
        Err(_) => Ok(false),
    }
}

/// Reads the rows `query` asks for: from netlink, or from /proc when netlink fails or the
/// environment forces it.
fn read_rows(query: &Query) -> (Vec<SocketRow>, Source) {
    if forced_proc() == Ok(true) {
        let reason = t!("inspect.reason_forced", var = SOURCE_ENV);
        return (proc_rows(query), Source::ProcFallback { reason });
    }
    match netlink_rows(query) {
        Ok(rows) => (rows, Source::Netlink),
        Err(err) => {
            let reason = t!("inspect.reason_netlink_failed", error = err);
            (proc_rows(query), Source::ProcFallback { reason })
        }
    }
}

fn netlink_rows(query: &Query) -> std::io::Result<Vec<SocketRow>> {
    let mut rows = Vec::new();
    let mut diag = netlink::Diag::open()?;
    if query.unix {
        diag.unix(query.states, &mut rows)?;
    }
    for (netid, family) in query.inet_tables() {
        diag.inet(netid, family, query.states, query.port, &mut rows)?;
    }
    Ok(rows)
}

fn proc_rows(query: &Query) -> Vec<SocketRow> {
    let mut rows = Vec::new();
    // A table that cannot be read (IPv6 compiled out: no /proc/net/tcp6) has no rows, as in ss.
    if query.unix {
        let _ = procfs::unix(query.states, &mut rows);
    }
    for (netid, family) in query.inet_tables() {
        let _ = procfs::inet(netid, family, query.states, query.port, &mut rows);
    }
    rows
}

/// Reads the kernel's tables as `args` asks (ss's defaults where it says nothing).
pub fn snapshot(args: &InspectArgs) -> Snapshot {
    let (rows, source) = read_rows(&Query::from_args(args));
    with_processes(Snapshot { rows, source }, args)
}

/// Reads the same rows from `/proc/net/*`, whether or not netlink works: what the fallback
/// shows (used by tests and to compare the two sources).
pub fn snapshot_from_proc(args: &InspectArgs) -> Snapshot {
    let rows = proc_rows(&Query::from_args(args));
    let reason = t!("inspect.reason_asked");
    with_processes(Snapshot { rows, source: Source::ProcFallback { reason } }, args)
}

fn with_processes(mut snapshot: Snapshot, args: &InspectArgs) -> Snapshot {
    if args.processes {
        let mut holders = process::holders(None);
        for row in &mut snapshot.rows {
            if row.inode != 0
                && let Some(found) = holders.remove(&row.inode)
            {
                row.processes = found;
            }
        }
    }
    snapshot
}

/// Renders a snapshot as ss would print it for `args`.
pub fn render(snapshot: &Snapshot, args: &InspectArgs) -> String {
    let layout = render::Layout {
        netid: shows_netid(args),
        header: !args.no_header,
        processes: args.processes,
        numeric: args.numeric,
    };
    render::table(&snapshot.rows, layout)
}

/// socklab's notes on a snapshot: where the rows came from when not from netlink, and what
/// `-p` cannot see without root.
pub fn notes(snapshot: &Snapshot, args: &InspectArgs) -> Vec<String> {
    let mut notes = Vec::new();
    if let Source::ProcFallback { reason } = &snapshot.source {
        notes.push(t!("inspect.proc_fallback", reason = reason));
    }
    if args.processes && !process::sees_all_processes() {
        notes.push(t!("inspect.processes_not_root"));
    }
    notes
}

/// Runs `socklab inspect` / `ss`: snapshot, then render.
pub fn execute(args: &InspectArgs) -> Result<ToolOutput, Failure> {
    if args.port.is_some() && args.unix {
        return Err(
            Failure::usage(t!("inspect.port_with_unix")).hint(t!("inspect.port_with_unix_hint"))
        );
    }
    if let Err(value) = forced_proc() {
        return Err(Failure::usage(t!("inspect.bad_source", var = SOURCE_ENV, value = value))
            .hint(t!("inspect.bad_source_hint", var = SOURCE_ENV)));
    }
    let snapshot = snapshot(args);
    Ok(ToolOutput {
        stdout: render(&snapshot, args),
        notes: notes(&snapshot, args),
        ..ToolOutput::default()
    })
}

/// The processes holding a socket bound to local `port` in `netid`'s table (for explaining
/// EADDRINUSE). Empty when none is visible (another user's process, without root).
pub fn holders_of_port(netid: Netid, port: u16) -> Vec<ProcessRef> {
    let tcp = netid == Netid::Tcp;
    if !tcp && netid != Netid::Udp {
        return Vec::new();
    }
    // Any state: a connected socket holds its local port as firmly as a listener.
    let query = Query {
        tcp,
        udp: !tcp,
        unix: false,
        ipv4: true,
        ipv6: true,
        states: tcp_state::ALL,
        port: Some(port),
    };
    let (rows, _) = read_rows(&query);
    // TIME_WAIT sockets have no inode and no holder.
    let inodes: HashSet<u64> =
        rows.iter().map(|row| row.inode).filter(|&inode| inode != 0).collect();
    let mut holders: Vec<ProcessRef> =
        process::holders(Some(&inodes)).into_values().flatten().collect();
    holders.sort_unstable_by_key(|holder| (holder.pid, holder.fd));
    holders.dedup();
    holders
}
