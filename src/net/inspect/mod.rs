//! socklab's ss: the kernel's socket tables, read in-process.
//!
//! The rows come from netlink sock_diag (the same source as ss); where netlink fails they come
//! from `/proc/net/*` instead, and socklab says so. Rendering follows ss 6.1's columns.
//!
//! - `plan`: which tables, families and states ss's flags and `state`/`exclude` words select;
//! - `filter`: ss's filter expressions; `netlink`: the sock_diag dumps; `procfs`: the
//!   `/proc/net/*` fallback; `process`: the `/proc/*/fd` walk behind `-p`; `render`: ss's
//!   table layout; `summary`: `-s`.
//!
//! Rows are handed on one by one as the kernel sends them, in its order (as ss prints them),
//! and `socklab inspect` prints them as it goes, so memory does not grow with the table.
//! What goes to standard output is exactly what ss prints; socklab's own notes (a fallback, a
//! table it leaves out) go to standard error, and only on a terminal or with `--notes`.

mod filter;
mod netlink;
mod plan;
mod process;
mod procfs;
mod render;
mod summary;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::Failure;
use crate::net::ToolOutput;
use crate::t;

use plan::Plan;

/// The environment variable that picks the source of the rows: `proc` reads `/proc/net/*`
/// even where netlink works (to see, and to test, the fallback); `netlink` or unset is the
/// normal behaviour.
pub const SOURCE_ENV: &str = "SOCKLAB_INSPECT_SOURCE";

/// ss's own switch to the fallback: with `PROC_ROOT` set, ss (and socklab) read the tables
/// from `$PROC_ROOT/net/*` instead of asking netlink.
pub const PROC_ROOT_ENV: &str = "PROC_ROOT";

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

    /// Every state ss knows (its SS_ALL).
    pub const ALL: u32 = super::filter::SS_ALL;
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

/// ss's flags, as `socklab inspect` and lesson steps (`ss -4 -tln`) take them, and the
/// filter words after them (`state time-wait`, `sport = :8080`).
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
    #[arg(short = 'l', long = "listening", overrides_with = "all")]
    pub listening: bool,
    /// Listening and non-listening sockets.
    #[arg(short = 'a', long = "all", overrides_with = "listening")]
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
    /// Show timers (a TIME-WAIT's countdown, retransmits, keepalive).
    #[arg(short = 'o', long = "options")]
    pub options: bool,
    /// Show details: uid, inode, cookie, cgroup, v6only, shutdown (and timers).
    #[arg(short = 'e', long = "extended")]
    pub extended: bool,
    /// Show socket memory (skmem).
    #[arg(short = 'm', long = "memory")]
    pub memory: bool,
    /// Internal TCP information (not in socklab: the real ss shows it).
    #[arg(short = 'i', long = "info")]
    pub info: bool,
    /// Print a summary of socket counts.
    #[arg(short = 's', long = "summary")]
    pub summary: bool,
    /// Socket tables to list, comma-separated: all, inet, tcp, udp, unix, u_str, u_dgr, u_seq…
    #[arg(short = 'A', long = "query", alias = "socket", value_name = "QUERY")]
    pub query: Vec<String>,
    /// Address family: inet, inet6, unix (link, netlink, vsock, tipc, xdp are not in socklab).
    #[arg(short = 'f', long = "family", value_name = "FAMILY")]
    pub family: Vec<String>,
    /// socklab's alias for the filter `sport = :PORT` (TCP and UDP only).
    #[arg(long = "port", value_name = "PORT")]
    pub port: Option<u16>,
    /// ss's flags socklab does not implement, taken only to say so (and name the real ss).
    #[command(flatten)]
    pub beyond: Beyond,
    /// Print socklab's notes even when standard error is not a terminal.
    #[arg(long = "notes")]
    pub notes: bool,
    /// ss's filter: `state NAME`/`exclude NAME`, then an expression such as
    /// `sport = :8080`, `( dport = :22 or dport = :443 )`, `src 127.0.0.1`.
    #[arg(value_name = "FILTER", trailing_var_arg = true, allow_hyphen_values = false)]
    pub filter: Vec<String>,
}

/// ss's flags that reach beyond what socklab's ss does: accepted so that socklab can say so,
/// naming the real ss, rather than call them unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct Beyond {
    #[arg(short = 'w', long = "raw", hide = true)]
    raw: bool,
    #[arg(short = '0', long = "packet", hide = true)]
    packet: bool,
    #[arg(short = 'd', long = "dccp", hide = true)]
    dccp: bool,
    #[arg(short = 'S', long = "sctp", hide = true)]
    sctp: bool,
    #[arg(short = 'M', long = "mptcp", hide = true)]
    mptcp: bool,
    #[arg(short = 'r', long = "resolve", hide = true)]
    resolve: bool,
    #[arg(short = 'T', long = "threads", hide = true)]
    threads: bool,
    #[arg(short = 'K', long = "kill", hide = true)]
    kill: bool,
    #[arg(short = 'E', long = "events", hide = true)]
    events: bool,
    #[arg(short = 'O', long = "oneline", hide = true)]
    oneline: bool,
    #[arg(short = 'b', long = "bpf", hide = true)]
    bpf: bool,
    #[arg(short = 'Z', long = "context", hide = true)]
    context: bool,
    #[arg(short = 'z', long = "contexts", hide = true)]
    contexts: bool,
    #[arg(short = 'N', long = "net", hide = true, value_name = "NETNS")]
    netns: Option<String>,
}

/// Says what a flag does, in the student's language.
type Describe = fn() -> String;

impl Beyond {
    /// The first such flag given, as ss spells it, and what it does.
    fn first(&self) -> Option<(&'static str, String)> {
        let flags: [(bool, &str, Describe); 13] = [
            (self.raw, "-w", || t!("inspect.beyond_raw")),
            (self.packet, "-0", || t!("inspect.beyond_packet")),
            (self.dccp, "-d", || t!("inspect.beyond_dccp")),
            (self.sctp, "-S", || t!("inspect.beyond_sctp")),
            (self.mptcp, "-M", || t!("inspect.beyond_mptcp")),
            (self.resolve, "-r", || t!("inspect.beyond_resolve")),
            (self.threads, "-T", || t!("inspect.beyond_threads")),
            (self.kill, "-K", || t!("inspect.beyond_kill")),
            (self.events, "-E", || t!("inspect.beyond_events")),
            (self.oneline, "-O", || t!("inspect.beyond_oneline")),
            (self.bpf, "-b", || t!("inspect.beyond_bpf")),
            (self.context || self.contexts, "-Z", || t!("inspect.beyond_selinux")),
            (self.netns.is_some(), "-N", || t!("inspect.beyond_netns")),
        ];
        flags.into_iter().find_map(|(given, flag, what)| given.then(|| (flag, what())))
    }
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
    /// Set when neither netlink nor `/proc/net` could be read: the tables are unknown, not
    /// empty (the reason).
    pub unreadable: Option<String>,
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

/// How one reading went: where the rows came from, and whether the tables could be read at
/// all.
struct Reading {
    source: Source,
    unreadable: Option<String>,
}

/// Reads the rows `plan` asks for and hands each one that passes its filter to `each`, in
/// the kernel's order: from netlink, or from /proc when netlink fails before any row (or the
/// environment forces it).
fn read(plan: &Plan, each: &mut dyn FnMut(SocketRow)) -> Reading {
    let ephemeral = render::ephemeral_ports();
    let mut passed = |row: SocketRow| {
        if plan.passes(&row, ephemeral) {
            each(row);
        }
    };
    if forced_proc() == Ok(true) {
        let reason = t!("inspect.reason_forced", var = SOURCE_ENV);
        return proc_read(plan, reason, &mut passed);
    }
    if let Ok(root) = std::env::var(PROC_ROOT_ENV) {
        let reason = t!("inspect.reason_proc_root", var = PROC_ROOT_ENV, root = root);
        return proc_read(plan, reason, &mut passed);
    }
    let mut any = false;
    let mut counted = |row: SocketRow| {
        any = true;
        passed(row);
    };
    match netlink_read(plan, &mut counted) {
        Ok(()) => Reading { source: Source::Netlink, unreadable: None },
        Err(err) if !any => {
            let reason = t!("inspect.reason_netlink_failed", error = err);
            proc_read(plan, reason, &mut passed)
        }
        // Rows already went out: what followed is lost, as in ss.
        Err(_) => Reading { source: Source::Netlink, unreadable: None },
    }
}

fn netlink_read(plan: &Plan, each: &mut dyn FnMut(SocketRow)) -> std::io::Result<()> {
    let mut diag = netlink::Diag::open()?;
    let extras = plan.extras();
    if plan.reads_unix() {
        diag.unix(plan.states, extras, &mut |row| {
            if plan.keeps_unix(row.netid) {
                each(row);
            }
        })?;
    }
    let bytecode = plan.bytecode();
    for (netid, family) in plan.inet_tables() {
        let port = plan.kernel_port();
        diag.inet(netid, family, plan.states, port, bytecode.as_deref(), extras, each)?;
    }
    Ok(())
}

fn proc_read(plan: &Plan, reason: String, each: &mut dyn FnMut(SocketRow)) -> Reading {
    let mut tried = 0;
    let mut failed: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    if plan.reads_unix() {
        tried += 1;
        if let Err(err) = procfs::unix(plan.states, &mut rows) {
            failed.push(format!("{}: {err}", procfs::path_of_unix()));
        }
        for row in rows.drain(..) {
            if plan.keeps_unix(row.netid) {
                each(row);
            }
        }
    }
    for (netid, family) in plan.inet_tables() {
        tried += 1;
        if let Err(err) = procfs::inet(netid, family, plan.states, plan.kernel_port(), &mut rows) {
            failed.push(format!("{}: {err}", procfs::path(netid, family)));
        }
        rows.drain(..).for_each(&mut *each);
    }
    // One table that cannot be read (IPv6 compiled out: no /proc/net/tcp6) has no rows, as
    // in ss; when none can be read, and netlink failed too, nothing is known.
    let unreadable = (tried > 0 && failed.len() == tried).then(|| {
        t!("inspect.unreadable_detail", netlink = reason.clone(), proc = failed.join("; "))
    });
    Reading { source: Source::ProcFallback { reason }, unreadable }
}

/// The plan for `args`; filter words that do not parse are left out here (`execute` reports
/// them).
fn lenient_plan(args: &InspectArgs) -> Plan {
    Plan::from_args(args).unwrap_or_else(|_| {
        let mut plain = args.clone();
        plain.filter.clear();
        plain.query.clear();
        plain.family.clear();
        Plan::from_args(&plain).unwrap_or_default()
    })
}

/// Reads the kernel's tables as `args` asks (ss's defaults where it says nothing).
pub fn snapshot(args: &InspectArgs) -> Snapshot {
    let plan = lenient_plan(args);
    let mut rows = Vec::new();
    let reading = read(&plan, &mut |row| rows.push(row));
    with_processes(Snapshot { rows, source: reading.source, unreadable: reading.unreadable }, args)
}

/// Reads the same rows from `/proc/net/*`, whether or not netlink works: what the fallback
/// shows (used by tests and to compare the two sources).
pub fn snapshot_from_proc(args: &InspectArgs) -> Snapshot {
    let plan = lenient_plan(args);
    let mut rows = Vec::new();
    let ephemeral = render::ephemeral_ports();
    let reading = proc_read(&plan, t!("inspect.reason_asked"), &mut |row| {
        if plan.passes(&row, ephemeral) {
            rows.push(row);
        }
    });
    with_processes(Snapshot { rows, source: reading.source, unreadable: reading.unreadable }, args)
}

fn with_processes(mut snapshot: Snapshot, args: &InspectArgs) -> Snapshot {
    if args.processes {
        let holders = process::holders(None);
        for row in &mut snapshot.rows {
            if row.inode != 0 {
                row.processes = holders.of(row.inode);
            }
        }
    }
    snapshot
}

/// Renders a snapshot as ss would print it for `args`.
pub fn render(snapshot: &Snapshot, args: &InspectArgs) -> String {
    let plan = lenient_plan(args);
    let mut out = Vec::new();
    let mut table = render::Table::new(plan.layout(), &mut out);
    for row in &snapshot.rows {
        // Writing into a Vec cannot fail.
        let _ = table.row(row);
    }
    let _ = table.flush();
    drop(table);
    String::from_utf8_lossy(&out).into_owned()
}

/// socklab's notes on an inspection: where the rows came from when not from netlink, the
/// tables ss would also list that socklab leaves out, and what `-p` cannot see without root.
fn notes_for(source: &Source, plan: &Plan, args: &InspectArgs) -> Vec<String> {
    let mut notes = Vec::new();
    if let Source::ProcFallback { reason } = source {
        notes.push(t!("inspect.proc_fallback", reason = reason));
    }
    let left_out = plan.left_out();
    if !left_out.is_empty() {
        notes.push(t!("inspect.tables_left_out", tables = left_out.join(", ")));
    }
    if args.port.is_some() {
        notes.push(t!("inspect.port_alias", port = args.port.unwrap_or_default()));
    }
    if args.processes && !process::sees_all_processes() {
        notes.push(t!("inspect.processes_not_root"));
    }
    notes
}

/// socklab's notes on a snapshot (see [`execute`]).
pub fn notes(snapshot: &Snapshot, args: &InspectArgs) -> Vec<String> {
    notes_for(&snapshot.source, &lenient_plan(args), args)
}

/// Checks the flags and filter, as ss would before reading anything.
fn checked_plan(args: &InspectArgs) -> Result<Plan, Failure> {
    if args.port.is_some() && args.unix {
        return Err(
            Failure::usage(t!("inspect.port_with_unix")).hint(t!("inspect.port_with_unix_hint"))
        );
    }
    if args.info {
        return Err(Failure::usage(t!("inspect.info_out_of_scope"))
            .hint(t!("inspect.info_out_of_scope_hint")));
    }
    if let Some((flag, what)) = args.beyond.first() {
        return Err(Failure::usage(t!("inspect.beyond", flag = flag, what = what))
            .hint(t!("inspect.beyond_hint", flag = flag)));
    }
    if let Err(value) = forced_proc() {
        return Err(Failure::usage(t!("inspect.bad_source", var = SOURCE_ENV, value = value))
            .hint(t!("inspect.bad_source_hint", var = SOURCE_ENV)));
    }
    Plan::from_args(args)
}

/// What ss prints on standard error, and its exit status, when the flags leave nothing to
/// list (`state listening exclude listening`): not an error for ss.
fn nothing_to_show(plan: &Plan) -> Option<ToolOutput> {
    let message = plan.nothing_to_show()?;
    Some(ToolOutput { stderr: format!("{message}\n"), ..ToolOutput::default() })
}

/// Runs `socklab inspect` / `ss` into memory: what a lesson step shows.
pub fn execute(args: &InspectArgs) -> Result<ToolOutput, Failure> {
    let plan = checked_plan(args)?;
    let mut stdout = Vec::new();
    if args.summary {
        stdout.extend_from_slice(summary::text().as_bytes());
        if plan.summary_only(args) {
            return Ok(ToolOutput {
                stdout: String::from_utf8_lossy(&stdout).into(),
                ..Default::default()
            });
        }
    }
    if let Some(output) = nothing_to_show(&plan) {
        return Ok(output);
    }
    let reading =
        list(&plan, args, None, &mut stdout).map_err(|err| Failure::new(err.to_string()))?;
    if let Some(detail) = reading.unreadable {
        return Err(unreadable(detail));
    }
    Ok(ToolOutput {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        notes: notes_for(&reading.source, &plan, args),
        ..ToolOutput::default()
    })
}

fn unreadable(detail: String) -> Failure {
    Failure::new(t!("inspect.unreadable", detail = detail)).hint(t!("inspect.unreadable_hint"))
}

/// Reads and prints the table for `plan` into `out`, row by row as the kernel sends them.
fn list(
    plan: &Plan,
    args: &InspectArgs,
    screen: Option<usize>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Reading> {
    let holders = args.processes.then(|| process::holders(None));
    let layout = render::Layout { screen, ..plan.layout() };
    let mut table = render::Table::new(layout, out);
    let mut failed = None;
    let reading = read(plan, &mut |mut row| {
        if let Some(holders) = &holders
            && row.inode != 0
        {
            row.processes = holders.of(row.inode);
        }
        if failed.is_none()
            && let Err(err) = table.row(&row)
        {
            failed = Some(err);
        }
    });
    if let Some(err) = failed {
        return Err(err);
    }
    // Tables that could not be read print nothing, not even a header.
    if reading.unreadable.is_none() {
        table.flush()?;
    }
    Ok(reading)
}

/// `socklab inspect` on the command line: prints as it reads, exactly what ss prints on
/// standard output and standard error; socklab's notes follow on standard error when it is a
/// terminal or `--notes` asks for them.
pub fn main(args: &InspectArgs) -> Result<ExitCode, Failure> {
    let plan = checked_plan(args)?;
    let stdout = std::io::stdout();
    // On a terminal, names other users chose (socket paths) are shown, never obeyed.
    let active = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(crate::net::TerminalSafe {
        inner: stdout.lock(),
        active,
        rewrote: false,
    });
    // A closed pipe (`socklab inspect | head`) is not an error worth reporting.
    if args.summary {
        let _ = std::io::Write::write_all(&mut out, summary::text().as_bytes());
        if plan.summary_only(args) {
            let _ = std::io::Write::flush(&mut out);
            return Ok(ExitCode::SUCCESS);
        }
    }
    if let Some(output) = nothing_to_show(&plan) {
        let _ = std::io::Write::flush(&mut out);
        drop(out);
        return Ok(output.print_with_notes(args.notes));
    }
    // On a terminal ss spreads the columns over its width; into a pipe it packs them.
    let screen = active
        .then(|| console::Term::stdout().size_checked())
        .flatten()
        .map(|(_, columns)| usize::from(columns))
        .filter(|&columns| columns > 0);
    let reading = match list(&plan, args, screen, &mut out) {
        Ok(reading) => reading,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(err) => return Err(Failure::new(err.to_string())),
    };
    let _ = std::io::Write::flush(&mut out);
    let rewrote = out.get_ref().rewrote;
    drop(out);
    if let Some(detail) = reading.unreadable {
        return Err(unreadable(detail));
    }
    if args.notes || std::io::stderr().is_terminal() {
        let mut notes = notes_for(&reading.source, &plan, args);
        // ss would have printed those bytes raw: say why these differ, and how to get ss's.
        if rewrote {
            notes.push(t!("inspect.control_characters_shown"));
        }
        for note in notes {
            eprintln!("socklab: note: {note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The processes holding a socket bound to local `port` in `netid`'s table (for explaining
/// EADDRINUSE). Empty when none is visible (another user's process, without root).
pub fn holders_of_port(netid: Netid, port: u16) -> Vec<ProcessRef> {
    let tcp = netid == Netid::Tcp;
    if !tcp && netid != Netid::Udp {
        return Vec::new();
    }
    // Any state: a connected socket holds its local port as firmly as a listener.
    let args = InspectArgs {
        tcp,
        udp: !tcp,
        all: true,
        numeric: true,
        port: Some(port),
        ..InspectArgs::default()
    };
    let snapshot = snapshot(&args);
    // TIME_WAIT sockets have no inode and no holder.
    let inodes: HashSet<u64> =
        snapshot.rows.iter().map(|row| row.inode).filter(|&inode| inode != 0).collect();
    let mut holders: Vec<ProcessRef> = process::holders(Some(&inodes)).all();
    holders.sort_unstable_by_key(|holder| (holder.pid, holder.fd));
    holders.dedup();
    holders
}
