//! Which tables, families and states ss's flags select, worked out as ss 6.1 works them out
//! (misc/ss.c `main`, `filter_db_set`, `filter_af_set`, `filter_merge_defaults`).
//!
//! ss keeps three sets: tables (tcp, udp, u_str, u_dgr, u_seq, raw, nl, p_raw, …), address
//! families, and socket states. `-t`/`-u` add a table and its default states, `-4`/`-6`/`-x`/
//! `-f` add a family and its default states, `-A` names tables, `-l`/`-a`/`state`/`exclude`
//! replace the states; then every table pulls in its families and every family its tables
//! (so `-4 -x -l` lists Unix and IPv4 sockets). The Netid column is shown when more than one
//! table is selected, the State column when more than one state is. socklab reads the tcp,
//! udp and Unix tables; the others (raw, nl, packet, dccp, mptcp, sctp, vsock, xdp, tipc) are
//! counted for the layout, left out of the rows, and named in a note.

use crate::error::Failure;
use crate::t;

use super::filter::{self, Context, Expr, Facts, Host, Side};
use super::netlink::Extras;
use super::render::Layout;
use super::{Family, InspectArgs, Netid, SocketRow, tcp_state};

/// ss's socket tables (its `*_DB`), as bits.
mod db {
    pub const TCP: u32 = 1 << 0;
    pub const UDP: u32 = 1 << 1;
    pub const UNIX_ST: u32 = 1 << 2;
    pub const UNIX_DG: u32 = 1 << 3;
    pub const UNIX_SQ: u32 = 1 << 4;
    pub const RAW: u32 = 1 << 5;
    pub const NETLINK: u32 = 1 << 6;
    pub const PACKET_R: u32 = 1 << 7;
    pub const PACKET_DG: u32 = 1 << 8;
    pub const DCCP: u32 = 1 << 9;
    pub const MPTCP: u32 = 1 << 10;
    pub const SCTP: u32 = 1 << 11;
    pub const VSOCK_ST: u32 = 1 << 12;
    pub const VSOCK_DG: u32 = 1 << 13;
    pub const XDP: u32 = 1 << 14;
    pub const TIPC: u32 = 1 << 15;

    pub const UNIX: u32 = UNIX_ST | UNIX_DG | UNIX_SQ;
    pub const PACKET: u32 = PACKET_R | PACKET_DG;
    pub const VSOCK: u32 = VSOCK_ST | VSOCK_DG;
    pub const INET: u32 = TCP | UDP | DCCP | MPTCP | SCTP | RAW;
    /// ss's "all" (every table but tipc).
    pub const ALL: u32 = INET | UNIX | PACKET | NETLINK | VSOCK | XDP;

    /// The names `-A` takes, and the tables each stands for.
    pub const NAMES: [(&str, u32); 28] = [
        ("all", ALL),
        ("inet", INET),
        ("udp", UDP),
        ("dccp", DCCP),
        ("tcp", TCP),
        ("mptcp", MPTCP),
        ("sctp", SCTP),
        ("raw", RAW),
        ("unix", UNIX),
        ("unix_stream", UNIX_ST),
        ("u_str", UNIX_ST),
        ("unix_dgram", UNIX_DG),
        ("u_dgr", UNIX_DG),
        ("unix_seqpacket", UNIX_SQ),
        ("u_seq", UNIX_SQ),
        ("packet", PACKET),
        ("packet_raw", PACKET_R),
        ("p_raw", PACKET_R),
        ("packet_dgram", PACKET_DG),
        ("p_dgr", PACKET_DG),
        ("netlink", NETLINK),
        ("tipc", TIPC),
        ("vsock", VSOCK),
        ("vsock_stream", VSOCK_ST),
        ("v_str", VSOCK_ST),
        ("vsock_dgram", VSOCK_DG),
        ("v_dgr", VSOCK_DG),
        ("xdp", XDP),
    ];

    /// The names ss prints in the Netid column for the tables socklab leaves out.
    pub const LEFT_OUT: [(u32, &str); 11] = [
        (RAW, "raw"),
        (NETLINK, "nl"),
        (PACKET_R, "p_raw"),
        (PACKET_DG, "p_dgr"),
        (DCCP, "dccp"),
        (MPTCP, "mptcp"),
        (SCTP, "sctp"),
        (VSOCK_ST, "v_str"),
        (VSOCK_DG, "v_dgr"),
        (XDP, "xdp"),
        (TIPC, "tipc"),
    ];
}

/// ss's address families, as bits.
mod af {
    pub const INET: u32 = 1 << 0;
    pub const INET6: u32 = 1 << 1;
    pub const UNIX: u32 = 1 << 2;
    pub const PACKET: u32 = 1 << 3;
    pub const NETLINK: u32 = 1 << 4;
    pub const VSOCK: u32 = 1 << 5;
    pub const XDP: u32 = 1 << 6;
    pub const TIPC: u32 = 1 << 7;
    pub const ALL: [u32; 8] = [INET, INET6, UNIX, PACKET, NETLINK, VSOCK, XDP, TIPC];
}

const ESTABLISHED: u32 = 1 << tcp_state::ESTABLISHED;
const CLOSE: u32 = 1 << tcp_state::CLOSE;
/// ss's TIPC default: established, listening and unconnected.
const TIPC_CONN: u32 = ESTABLISHED | (1 << tcp_state::LISTEN) | CLOSE;

/// ss's `default_dbs`: a table's default states and families.
fn table_defaults(table: u32) -> (u32, u32) {
    match table {
        db::UDP | db::RAW => (ESTABLISHED, af::INET | af::INET6),
        db::UNIX_DG => (CLOSE, af::UNIX),
        db::PACKET_R | db::PACKET_DG => (CLOSE, af::PACKET),
        db::NETLINK => (CLOSE, af::NETLINK),
        db::XDP => (CLOSE, af::XDP),
        db::TIPC => (TIPC_CONN, af::TIPC),
        db::UNIX_ST | db::UNIX_SQ => (tcp_state::CONNECTED, af::UNIX),
        db::VSOCK_ST | db::VSOCK_DG => (tcp_state::CONNECTED, af::VSOCK),
        _ => (tcp_state::CONNECTED, af::INET | af::INET6),
    }
}

/// ss's `default_afs`: a family's tables and default states.
fn family_defaults(family: u32) -> (u32, u32) {
    match family {
        af::INET | af::INET6 => (db::INET, tcp_state::CONNECTED),
        af::UNIX => (db::UNIX, tcp_state::CONNECTED),
        af::PACKET => (db::PACKET, CLOSE),
        af::NETLINK => (db::NETLINK, CLOSE),
        af::VSOCK => (db::VSOCK, tcp_state::CONNECTED),
        af::TIPC => (db::TIPC, TIPC_CONN),
        _ => (db::XDP, CLOSE),
    }
}

/// What one inspection reads and shows.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    tables: u32,
    families: u32,
    /// The state mask sent to the kernel.
    pub states: u32,
    filter: Option<Expr>,
    /// Whether any table or family flag was given (ss's `do_default` is its opposite).
    chosen: bool,
    layout: Layout,
    extras: Extras,
}

fn usage(message: String, status: u8) -> Failure {
    let mut failure = Failure::usage(message).hint(t!("inspect.real_ss_hint"));
    failure.status = status;
    failure
}

impl Plan {
    pub(super) fn from_args(args: &InspectArgs) -> Result<Self, Failure> {
        let mut plan = Self::default();
        let add_table = |plan: &mut Self, table: u32| {
            plan.states |= table_defaults(table).0;
            plan.tables |= table;
            plan.chosen = true;
        };
        let add_family = |plan: &mut Self, family: u32| {
            plan.states |= family_defaults(family).1;
            plan.families |= family;
            plan.chosen = true;
        };
        if args.tcp {
            add_table(&mut plan, db::TCP);
        }
        if args.udp {
            add_table(&mut plan, db::UDP);
        }
        if args.unix {
            add_family(&mut plan, af::UNIX);
        }
        if args.ipv4 {
            add_family(&mut plan, af::INET);
        }
        if args.ipv6 {
            add_family(&mut plan, af::INET6);
        }
        for name in &args.family {
            let family = match name.as_str() {
                "inet" => af::INET,
                "inet6" => af::INET6,
                "unix" => af::UNIX,
                "link" => af::PACKET,
                "netlink" => af::NETLINK,
                "vsock" => af::VSOCK,
                "tipc" => af::TIPC,
                "xdp" => af::XDP,
                _ => return Err(usage(t!("inspect.bad_family", family = name), 255)),
            };
            add_family(&mut plan, family);
        }
        let mut state_filter = if args.all {
            tcp_state::ALL
        } else if args.listening {
            tcp_state::LISTENING
        } else {
            0
        };
        if !args.query.is_empty() {
            plan.tables = 0;
            plan.chosen = true;
            if state_filter == 0 {
                state_filter = tcp_state::CONNECTED;
            }
            for name in args.query.iter().flat_map(|list| list.split(',')) {
                let (enable, bare) = match name.strip_prefix('!') {
                    Some(bare) => (false, bare),
                    None => (true, name),
                };
                let Some(&(_, tables)) = db::NAMES.iter().find(|(known, _)| *known == bare) else {
                    return Err(usage(t!("inspect.bad_query", name = name), 255));
                };
                for bit in (0..16).map(|bit| 1u32 << bit).filter(|bit| tables & bit != 0) {
                    if enable {
                        add_table(&mut plan, bit);
                    } else {
                        plan.tables &= !bit;
                    }
                }
            }
        }
        let (states, used) = filter::leading_states(&args.filter).map_err(filter_failure)?;
        if let Some(states) = states {
            state_filter = states;
        }
        if !plan.chosen {
            if state_filter == 0 {
                state_filter = tcp_state::CONNECTED;
            }
            for bit in (0..16).map(|bit| 1u32 << bit).filter(|bit| db::ALL & bit != 0) {
                plan.states |= table_defaults(bit).0;
                plan.tables |= bit;
            }
        }
        if state_filter != 0 {
            plan.states = state_filter;
        }
        plan.merge_defaults();

        let interfaces = |name: &str| interface_index(name);
        // ss reads address words in the family its flags named last (`-x`: Unix names).
        let unix = match args.family.last() {
            Some(family) => family == "unix",
            None => args.unix && !args.ipv4 && !args.ipv6,
        };
        let context = Context {
            tcp: plan.tables & db::TCP != 0,
            udp: plan.tables & db::UDP != 0,
            unix,
            ifindex: &interfaces,
        };
        plan.filter = filter::parse(&args.filter[used..], &context).map_err(filter_failure)?;
        if let Some(port) = args.port {
            // `--port P` is `sport = :P` for TCP and UDP.
            plan.tables &= !db::UNIX;
            let alias = Expr::Cond {
                side: Side::Local,
                host: Host { prefix: None, port: Some(port), unix: None },
            };
            plan.filter = Some(match plan.filter.take() {
                Some(expr) => Expr::And(Box::new(alias), Box::new(expr)),
                None => alias,
            });
        }
        plan.layout = Layout {
            netid: plan.tables.count_ones() > 1,
            state: plan.states.count_ones() > 1,
            header: !args.no_header,
            numeric: args.numeric,
            options: args.options || args.extended,
            extended: args.extended,
            memory: args.memory,
            oneline: args.oneline,
            screen: None,
        };
        plan.extras = Extras { memory: args.memory, pending: args.extended };
        Ok(plan)
    }

    /// ss's `filter_merge_defaults`: every table brings its families, every family its
    /// tables.
    fn merge_defaults(&mut self) {
        for bit in (0..16).map(|bit| 1u32 << bit).filter(|bit| self.tables & bit != 0) {
            let families = table_defaults(bit).1;
            if families & self.families == 0 {
                self.families |= families;
            }
        }
        for family in af::ALL.into_iter().filter(|family| self.families & family != 0) {
            let tables = family_defaults(family).0;
            if tables & self.tables == 0 {
                self.tables |= tables;
            }
        }
    }

    /// ss's messages (on standard error, exit status 0) when nothing can be listed.
    pub(super) fn nothing_to_show(&self) -> Option<&'static str> {
        if self.tables == 0 {
            Some("ss: no socket tables to show with such filter.")
        } else if self.families == 0 {
            Some("ss: no families to show with such filter.")
        } else if self.states == 0 {
            Some("ss: no socket states to show with such filter.")
        } else {
            None
        }
    }

    /// `ss -s` alone prints the summary and nothing else.
    pub(super) fn summary_only(&self, args: &InspectArgs) -> bool {
        !self.chosen && args.filter.is_empty()
    }

    pub(super) fn layout(&self) -> Layout {
        self.layout
    }

    pub(super) fn extras(&self) -> Extras {
        self.extras
    }

    pub(super) fn reads_unix(&self) -> bool {
        self.families & af::UNIX != 0 && self.tables & db::UNIX != 0
    }

    /// Whether a Unix socket of this type is in the selected tables.
    pub(super) fn keeps_unix(&self, netid: Netid) -> bool {
        let table = match netid {
            Netid::UnixStream => db::UNIX_ST,
            Netid::UnixDgram => db::UNIX_DG,
            Netid::UnixSeqpacket => db::UNIX_SQ,
            Netid::Tcp | Netid::Udp => return false,
        };
        self.tables & table != 0
    }

    /// The (table, family) pairs in ss's order: UDP before TCP, IPv4 before IPv6 in each.
    pub(super) fn inet_tables(&self) -> impl Iterator<Item = (Netid, Family)> + '_ {
        let families: Vec<Family> = [(af::INET, Family::V4), (af::INET6, Family::V6)]
            .into_iter()
            .filter(|(bit, _)| self.families & bit != 0)
            .map(|(_, family)| family)
            .collect();
        [(db::UDP, Netid::Udp), (db::TCP, Netid::Tcp)]
            .into_iter()
            .filter(|(bit, _)| self.tables & bit != 0)
            .flat_map(move |(_, netid)| families.clone().into_iter().map(move |f| (netid, f)))
    }

    /// The local port every socket that passes the filter has: for the kernel to compare.
    pub(super) fn kernel_port(&self) -> Option<u16> {
        self.filter.as_ref().and_then(Expr::local_port)
    }

    /// The filter as kernel bytecode, where it compiles (as ss sends it).
    pub(super) fn bytecode(&self) -> Option<Vec<u8>> {
        self.filter.as_ref().and_then(Expr::bytecode)
    }

    /// Whether a row passes the filter expression.
    pub(super) fn passes(&self, row: &SocketRow, ephemeral: (u16, u16)) -> bool {
        self.filter.as_ref().is_none_or(|expr| expr.matches(&Facts::of(row, ephemeral)))
    }

    /// The names of the selected tables socklab does not read.
    pub(super) fn left_out(&self) -> Vec<&'static str> {
        db::LEFT_OUT
            .iter()
            .filter(|(bit, _)| self.tables & bit != 0)
            .map(|&(_, name)| name)
            .collect()
    }
}

/// An interface's index by name, as `dev NAME` needs it.
fn interface_index(name: &str) -> Option<u32> {
    let socket =
        rustix::net::socket(rustix::net::AddressFamily::INET, rustix::net::SocketType::DGRAM, None)
            .ok()?;
    rustix::net::netdevice::name_to_index(&socket, name).ok()
}

fn filter_failure(error: filter::FilterError) -> Failure {
    use filter::ErrorKind;
    let message = match &error.kind {
        ErrorKind::Syntax(word) => t!("inspect.filter_syntax", word = word),
        ErrorKind::UnexpectedEnd => t!("inspect.filter_end"),
        ErrorKind::NotAPort(word) => t!("inspect.filter_port", word = word),
        ErrorKind::NotAnAddress(word) => t!("inspect.filter_address", word = word),
        ErrorKind::BadState(word) => t!("inspect.filter_state", word = word),
        ErrorKind::NoDevice(word) => t!("inspect.filter_device", word = word),
        ErrorKind::TooDeep => t!("inspect.filter_too_deep", depth = filter::MAX_DEPTH),
        ErrorKind::TooLong => t!("inspect.filter_too_long", parts = filter::MAX_PARTS),
        ErrorKind::Unsupported(word) => t!("inspect.filter_unsupported", word = word),
    };
    let mut failure = Failure::usage(message).hint(t!("inspect.filter_hint"));
    failure.status = error.status;
    failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn plan(flags: &str) -> Plan {
        #[derive(Parser)]
        struct Ss {
            #[command(flatten)]
            args: InspectArgs,
        }
        let words = std::iter::once("ss").chain(flags.split_whitespace());
        Plan::from_args(&Ss::try_parse_from(words).unwrap().args).unwrap()
    }

    #[test]
    fn selects_tables_and_columns_as_ss_6_1() {
        let udp = plan("-un");
        assert_eq!((udp.tables, udp.states), (db::UDP, ESTABLISHED));
        assert!(!udp.layout.state && !udp.layout.netid, "one state, one table");
        let tcp = plan("-tln");
        assert!(tcp.layout.state && !tcp.layout.netid);
        let unix = plan("-xln");
        assert!(unix.layout.netid && unix.reads_unix());
        // -4 -x: the IPv4 family pulls in its tables, Unix its own.
        let mixed = plan("-4 -x -l");
        assert!(mixed.reads_unix());
        assert_eq!(
            mixed.inet_tables().collect::<Vec<_>>(),
            [(Netid::Udp, Family::V4), (Netid::Tcp, Family::V4)]
        );
        assert_eq!(mixed.left_out(), ["raw", "dccp", "mptcp", "sctp"]);
        let everything = plan("-ln");
        assert!(everything.left_out().contains(&"nl"));
        assert!(plan("-tln").left_out().is_empty());
        assert_eq!(plan("-A tcp,udp -l").tables, db::TCP | db::UDP);
        assert_eq!(plan("-f inet6 -t").inet_tables().count(), 1);
        let waiting = plan("-tan state time-wait");
        assert_eq!(waiting.states, 1 << tcp_state::TIME_WAIT);
        assert!(!waiting.layout.state);
        assert_eq!(plan("-t sport = :8080").kernel_port(), Some(8080));
        // ss's quirk: states that cancel out leave the flags' default states in place.
        assert_eq!(plan("-t state listening exclude listening").states, tcp_state::CONNECTED);
        assert_eq!(
            plan("-A !tcp").nothing_to_show(),
            Some("ss: no socket tables to show with such filter.")
        );
    }
}
