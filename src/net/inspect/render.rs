//! ss's table layout: the columns, the cell texts and the spacing ss computes for them.
//!
//! ss (iproute2 6.x, output not a terminal) collects every cell first, then gives each column
//! the width of its longest cell plus the column's one-space left delimiter (none for the
//! first column and for the two Port columns, which follow their address directly). Address
//! cells are right-aligned and end in `:` (or a space, for Unix names); every other cell is
//! left-aligned and padded to its width. Queues are printed as `%-6d`. The `Process` column
//! exists only with `-p` (as in ss from 6.8 on; older ss always printed its header).
//!
//! All cells go into one string, with their end offsets alongside, so a table of tens of
//! thousands of rows costs two allocations, not one per cell.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::OnceLock;

use crate::net::services::{self, Transport};

use super::{Endpoint, Netid, ProcessRef, SockState, SocketRow, UnixName};

/// What the table shows, decided from the flags.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub netid: bool,
    pub header: bool,
    pub processes: bool,
    pub numeric: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// ss's columns in order: header, left delimiter, alignment.
const COLUMNS: [(&str, &str, Align); 9] = [
    ("Netid", "", Align::Left),
    ("State", " ", Align::Left),
    ("Recv-Q", " ", Align::Left),
    ("Send-Q", " ", Align::Left),
    ("Local Address:", " ", Align::Right),
    ("Port", "", Align::Left),
    ("Peer Address:", " ", Align::Right),
    ("Port", "", Align::Left),
    ("Process", "", Align::Left),
];
const NETID: usize = 0;
const PROCESS: usize = 8;

/// Every cell of the table in one string; `ends[i]` is where cell `i` stops.
struct Cells {
    text: String,
    ends: Vec<usize>,
    per_line: usize,
}

impl Cells {
    fn end_cell(&mut self) {
        self.ends.push(self.text.len());
    }

    fn cell(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }
}

/// Renders `rows` as ss prints them.
pub(super) fn table(rows: &[SocketRow], layout: Layout) -> String {
    let columns: Vec<usize> = (0..COLUMNS.len())
        .filter(|&column| match column {
            NETID => layout.netid,
            PROCESS => layout.processes,
            _ => true,
        })
        .collect();
    let lines = rows.len() + usize::from(layout.header);
    let mut cells = Cells {
        text: String::with_capacity(lines * 64),
        ends: Vec::with_capacity(lines * columns.len()),
        per_line: columns.len(),
    };
    if layout.header {
        for &column in &columns {
            cells.text.push_str(COLUMNS[column].0);
            cells.end_cell();
        }
    }
    let ephemeral = ephemeral_ports();
    for row in rows {
        for &column in &columns {
            write_cell(&mut cells.text, row, column, layout, ephemeral);
            cells.end_cell();
        }
    }

    // Width: the longest cell, plus the left delimiter except on the first non-empty column.
    let mut widths = vec![0; columns.len()];
    for (index, end) in cells.ends.iter().enumerate() {
        let start = if index == 0 { 0 } else { cells.ends[index - 1] };
        let slot = &mut widths[index % cells.per_line];
        *slot = (*slot).max(end - start);
    }
    let mut first = true;
    for (slot, &column) in widths.iter_mut().zip(&columns) {
        if !first && *slot > 0 {
            *slot += COLUMNS[column].1.len();
        }
        if *slot > 0 {
            first = false;
        }
    }

    let mut out = String::with_capacity(cells.text.len() + lines * (widths.iter().sum::<usize>()));
    for line in 0..lines {
        for (slot, (&column, &width)) in columns.iter().zip(&widths).enumerate() {
            let (_, delimiter, align) = COLUMNS[column];
            let content = cells.cell(line * cells.per_line + slot);
            let mut printed = 0;
            if slot > 0 {
                out.push_str(delimiter);
                printed = delimiter.len();
            }
            if align == Align::Right && width > 0 {
                pad(&mut out, width.saturating_sub(content.len() + printed));
            }
            out.push_str(content);
            printed += content.len();
            if align == Align::Left && width > 0 {
                pad(&mut out, width.saturating_sub(printed));
            }
        }
        out.push('\n');
    }
    out
}

fn pad(out: &mut String, spaces: usize) {
    out.extend(std::iter::repeat_n(' ', spaces));
}

fn write_cell(out: &mut String, row: &SocketRow, column: usize, layout: Layout, eph: (u16, u16)) {
    let transport = if row.netid == Netid::Udp { Transport::Udp } else { Transport::Tcp };
    // Writing into a String cannot fail.
    let _ = match column {
        0 => out.write_str(netid_name(row.netid)),
        1 => out.write_str(state_name(row.state)),
        2 => write!(out, "{:<6}", row.recv_q),
        3 => write!(out, "{:<6}", row.send_q),
        4 => write_address(out, &row.local, row.v6only),
        5 => write_port(out, &row.local, transport, layout.numeric, eph),
        6 => write_address(out, &row.peer, row.v6only),
        7 => write_port(out, &row.peer, transport, layout.numeric, eph),
        _ => write_users(out, &row.processes),
    };
}

/// ss's Netid names.
pub(super) fn netid_name(netid: Netid) -> &'static str {
    match netid {
        Netid::Tcp => "tcp",
        Netid::Udp => "udp",
        Netid::UnixStream => "u_str",
        Netid::UnixDgram => "u_dgr",
        Netid::UnixSeqpacket => "u_seq",
    }
}

/// ss's state names.
pub(super) fn state_name(state: SockState) -> &'static str {
    match state {
        SockState::Established => "ESTAB",
        SockState::SynSent => "SYN-SENT",
        SockState::SynRecv => "SYN-RECV",
        SockState::FinWait1 => "FIN-WAIT-1",
        SockState::FinWait2 => "FIN-WAIT-2",
        SockState::TimeWait => "TIME-WAIT",
        SockState::Unconnected => "UNCONN",
        SockState::CloseWait => "CLOSE-WAIT",
        SockState::LastAck => "LAST-ACK",
        SockState::Listen => "LISTEN",
        SockState::Closing => "CLOSING",
    }
}

/// The address cell with its trailing delimiter: `127.0.0.1:`, `[::1]:`, `*:` for an IPv6
/// wildcard that also takes IPv4 (v6only = 0), or a Unix name and a space.
fn write_address(out: &mut String, endpoint: &Endpoint, v6only: Option<bool>) -> std::fmt::Result {
    match endpoint {
        Endpoint::Inet { addr: IpAddr::V4(addr), .. } => write!(out, "{addr}:"),
        Endpoint::Inet { addr: IpAddr::V6(addr), .. } => {
            if addr.is_unspecified() && v6only == Some(false) {
                out.write_str("*:")
            } else {
                write!(out, "[{addr}]:")
            }
        }
        Endpoint::Unix { name, .. } => {
            match name {
                UnixName::Path(path) => out.push_str(&path.to_string_lossy()),
                UnixName::Abstract(bytes) => {
                    // ss turns the leading NUL, and any NUL inside the name, into `@`.
                    out.push('@');
                    let shown: Vec<u8> =
                        bytes.iter().map(|&byte| if byte == 0 { b'@' } else { byte }).collect();
                    out.push_str(&String::from_utf8_lossy(&shown));
                }
                UnixName::Unnamed => out.push('*'),
            }
            out.write_char(' ')
        }
    }
}

/// The port cell: `*` for port 0, else the service name (without `-n`, outside the ephemeral
/// range, when /etc/services has one) or the number. For Unix sockets, the inode.
fn write_port(
    out: &mut String,
    endpoint: &Endpoint,
    transport: Transport,
    numeric: bool,
    ephemeral: (u16, u16),
) -> std::fmt::Result {
    match *endpoint {
        Endpoint::Unix { inode, .. } => write!(out, "{inode}"),
        Endpoint::Inet { port: 0, .. } => out.write_char('*'),
        Endpoint::Inet { port, .. } => {
            // Like ss, never name a port in the ephemeral range: /etc/services lists many
            // names there that would only mislead.
            let is_ephemeral = (ephemeral.0..=ephemeral.1).contains(&port);
            match services::name(port, transport).filter(|_| !numeric && !is_ephemeral) {
                Some(name) => out.write_str(name),
                None => write!(out, "{port}"),
            }
        }
    }
}

/// ` users:(("socat",pid=5845,fd=5),…)`, or nothing when no holder is visible.
pub(super) fn write_users(out: &mut String, holders: &[ProcessRef]) -> std::fmt::Result {
    if holders.is_empty() {
        return Ok(());
    }
    out.write_str(" users:(")?;
    for (index, holder) in holders.iter().enumerate() {
        if index > 0 {
            out.write_char(',')?;
        }
        write!(out, "(\"{}\",pid={},fd={})", holder.name, holder.pid, holder.fd)?;
    }
    out.write_char(')')
}

/// `net.ipv4.ip_local_port_range`, where bind(port 0) picks from; ss assumes 1024–4999 when
/// it cannot read it.
fn ephemeral_ports() -> (u16, u16) {
    static RANGE: OnceLock<(u16, u16)> = OnceLock::new();
    *RANGE.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range");
        let mut bounds = text.iter().flat_map(|text| text.split_whitespace());
        match (bounds.next().map(str::parse), bounds.next().map(str::parse)) {
            (Some(Ok(low)), Some(Ok(high))) => (low, high),
            _ => (1024, 4999),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(local: &str, v6only: Option<bool>, send_q: u32) -> SocketRow {
        let local: std::net::SocketAddr = local.parse().unwrap();
        let any: IpAddr = if local.is_ipv4() {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        } else {
            std::net::Ipv6Addr::UNSPECIFIED.into()
        };
        SocketRow {
            netid: Netid::Tcp,
            state: SockState::Listen,
            recv_q: 0,
            send_q,
            local: Endpoint::Inet { addr: local.ip(), port: local.port() },
            peer: Endpoint::Inet { addr: any, port: 0 },
            inode: 1,
            v6only,
            uid: Some(0),
            vfs: None,
            processes: Vec::new(),
        }
    }

    const NUMERIC: Layout = Layout { netid: false, header: true, processes: false, numeric: true };

    #[test]
    fn lays_out_like_ss_6() {
        // ss 6.8+ prints exactly this for `ss -4 -tln` with one socat listener, apart from the
        // trailing blanks it pads the last Port column with, which we keep too.
        let rows = [listener("127.0.0.1:8080", None, 5)];
        assert_eq!(
            table(&rows, NUMERIC),
            "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n\
             LISTEN 0      5          127.0.0.1:8080      0.0.0.0:*   \n"
        );
    }

    #[test]
    fn brackets_ipv6_and_stars_a_dual_stack_wildcard() {
        let rows = [
            listener("[::1]:8080", Some(true), 5),
            listener("[::]:8081", Some(false), 5),
            listener("[::]:8082", Some(true), 5),
        ];
        let layout = Layout { header: false, ..NUMERIC };
        let text = table(&rows, layout);
        let fields: Vec<Vec<&str>> =
            text.lines().map(|line| line.split_whitespace().collect()).collect();
        assert_eq!(fields[0][3..], ["[::1]:8080", "[::]:*"]);
        assert_eq!(fields[1][3..], ["*:8081", "*:*"]);
        assert_eq!(fields[2][3..], ["[::]:8082", "[::]:*"]);
    }

    #[test]
    fn unix_rows_show_name_inode_and_peer_and_process_list() {
        let mut row = listener("127.0.0.1:1", None, 5);
        row.netid = Netid::UnixStream;
        row.local =
            Endpoint::Unix { name: UnixName::Path("/tmp/lab/stream.sock".into()), inode: 26498 };
        row.peer = Endpoint::Unix { name: UnixName::Unnamed, inode: 0 };
        row.processes = vec![ProcessRef { name: "socat".into(), pid: 5845, fd: 5 }];
        let mut abstract_row = row.clone();
        abstract_row.local =
            Endpoint::Unix { name: UnixName::Abstract(b"lab\0x".to_vec()), inode: 7 };
        abstract_row.processes.clear();
        let layout = Layout { netid: true, processes: true, ..NUMERIC };
        let text = table(&[row, abstract_row], layout);
        let lines: Vec<&str> = text.lines().collect();
        // ss pads the header's Process cell to the width of the longest users:(…) list.
        assert_eq!(
            lines[0],
            format!(
                "Netid State  Recv-Q Send-Q        Local Address:Port  Peer Address:PortProcess{}",
                " ".repeat(25)
            )
        );
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            [
                "u_str",
                "LISTEN",
                "0",
                "5",
                "/tmp/lab/stream.sock",
                "26498",
                "*",
                "0",
                "users:((\"socat\",pid=5845,fd=5))"
            ]
        );
        assert_eq!(lines[2].split_whitespace().nth(4), Some("@lab@x"));
    }

    #[test]
    fn names_ports_only_without_numeric_and_outside_the_ephemeral_range() {
        let mut out = String::new();
        let port = |out: &mut String, port, numeric| {
            out.clear();
            let endpoint = Endpoint::Inet { addr: [0, 0, 0, 0].into(), port };
            write_port(out, &endpoint, Transport::Tcp, numeric, (32768, 60999)).unwrap();
            out.clone()
        };
        assert_eq!(port(&mut out, 0, false), "*");
        assert_eq!(port(&mut out, 40000, false), "40000");
        assert_eq!(port(&mut out, 8080, true), "8080");
        let expected = services::name(8080, Transport::Tcp).unwrap_or("8080");
        assert_eq!(port(&mut out, 8080, false), expected);
    }
}
