//! `socklab inspect`'s command line: ss's flags and filter words, and the flags of ss that
//! socklab only names.

use crate::t;

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
    /// Keep each socket on one line (what -m adds goes on the socket's own line).
    #[arg(short = 'O', long = "oneline")]
    pub oneline: bool,
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
    pub(super) fn first(&self) -> Option<(&'static str, String)> {
        let flags: [(bool, &str, Describe); 12] = [
            (self.raw, "-w", || t!("inspect.beyond_raw")),
            (self.packet, "-0", || t!("inspect.beyond_packet")),
            (self.dccp, "-d", || t!("inspect.beyond_dccp")),
            (self.sctp, "-S", || t!("inspect.beyond_sctp")),
            (self.mptcp, "-M", || t!("inspect.beyond_mptcp")),
            (self.resolve, "-r", || t!("inspect.beyond_resolve")),
            (self.threads, "-T", || t!("inspect.beyond_threads")),
            (self.kill, "-K", || t!("inspect.beyond_kill")),
            (self.events, "-E", || t!("inspect.beyond_events")),
            (self.bpf, "-b", || t!("inspect.beyond_bpf")),
            (self.context || self.contexts, "-Z", || t!("inspect.beyond_selinux")),
            (self.netns.is_some(), "-N", || t!("inspect.beyond_netns")),
        ];
        flags.into_iter().find_map(|(given, flag, what)| given.then(|| (flag, what())))
    }
}
