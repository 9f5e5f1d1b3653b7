//! The socket tables as `/proc/net/{tcp,tcp6,udp,udp6,unix}` print them: the fallback for
//! when netlink sock_diag is unavailable.
//!
//! These files carry less than sock_diag: no listener backlog (tx_queue is 0 for a
//! listener), no IPV6_V6ONLY, and for Unix sockets neither queues nor peers. Their state,
//! port and family filters are applied here, since the kernel prints every socket.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::{Endpoint, Family, Netid, SockState, SocketRow, UnixName, tcp_state};

/// ss's own switch to the fallback: with `PROC_ROOT` set, ss (and socklab) read the tables
/// from `$PROC_ROOT/net/*` instead of asking netlink.
pub const PROC_ROOT_ENV: &str = "PROC_ROOT";

/// `__SO_ACCEPTCON` in the Flags column of /proc/net/unix: the socket is listening.
const UNIX_FLAG_LISTENING: u32 = 1 << 16;

/// Reads `/proc/net/{tcp,udp}{,6}` for one (table, family), keeping the sockets whose state is
/// in `states` and, when `port` is given, whose local port is `port`.
pub(super) fn inet(
    netid: Netid,
    family: Family,
    states: u32,
    port: Option<u16>,
    rows: &mut Vec<SocketRow>,
) -> io::Result<()> {
    let text = read_table(&path(netid, family))?;
    parse_inet(&text, netid, states, port, rows);
    Ok(())
}

/// The file that holds one (table, family): under `$PROC_ROOT/net/` when that is set (as ss
/// reads it), else under `/proc/net/`.
pub(super) fn path(netid: Netid, family: Family) -> String {
    let name = match (netid, family) {
        (Netid::Udp, Family::V4) => "udp",
        (Netid::Udp, Family::V6) => "udp6",
        (_, Family::V4) => "tcp",
        (_, Family::V6) => "tcp6",
    };
    in_proc_net(name)
}

/// The file that holds the Unix sockets.
pub(super) fn path_of_unix() -> String {
    in_proc_net("unix")
}

fn in_proc_net(name: &str) -> String {
    let root = std::env::var(PROC_ROOT_ENV).unwrap_or_else(|_| "/proc".to_owned());
    format!("{root}/net/{name}")
}

/// A table's text; an empty file (not even the header line the kernel always prints) is as
/// good as none.
fn read_table(path: &str) -> io::Result<Vec<u8>> {
    let text = std::fs::read(path)?;
    if text.is_empty() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "empty"));
    }
    Ok(text)
}

/// Parses the text of a /proc/net/{tcp,udp}{,6} file (header line first).
pub(super) fn parse_inet(
    text: &[u8],
    netid: Netid,
    states: u32,
    port: Option<u16>,
    rows: &mut Vec<SocketRow>,
) {
    for line in text.split(|&byte| byte == b'\n').skip(1) {
        let Some((state, local_port)) = state_and_port(line) else { continue };
        if states & (1 << state) == 0 {
            continue;
        }
        if port.is_some_and(|port| port != local_port) {
            continue;
        }
        if let Some(row) = inet_row(line, netid, state) {
            rows.push(row);
        }
    }
}

/// The state and local port of a line, cheap enough to filter every line of a big table.
fn state_and_port(line: &[u8]) -> Option<(u8, u16)> {
    let mut fields = line.split(u8::is_ascii_whitespace).filter(|field| !field.is_empty());
    let local = fields.nth(1)?;
    let state = fields.nth(1)?;
    let (_, port) = split_colon(local)?;
    Some((hex_u8(state)?, hex_u16(port)?))
}

fn inet_row(line: &[u8], netid: Netid, state: u8) -> Option<SocketRow> {
    let fields: Vec<&[u8]> =
        line.split(u8::is_ascii_whitespace).filter(|field| !field.is_empty()).take(10).collect();
    let [_, local, remote, _, queues, _, _, uid, _, inode] = fields.as_slice() else {
        return None;
    };
    let (send_q, recv_q) = split_colon(queues)?;
    Some(SocketRow {
        netid,
        state: SockState::from_kernel(state),
        recv_q: hex_u32(recv_q)?,
        send_q: hex_u32(send_q)?,
        local: inet_endpoint(local)?,
        peer: inet_endpoint(remote)?,
        inode: decimal(inode)?,
        v6only: None,
        uid: u32::try_from(decimal(uid)?).ok(),
        vfs: None,
        processes: Vec::new(),
        ..SocketRow::default()
    })
}

/// `0100007F:1F90` → 127.0.0.1:8080. The kernel prints each 32-bit word of the address as
/// a number in host byte order, so the word's bytes in memory are the address's bytes.
fn inet_endpoint(field: &[u8]) -> Option<Endpoint> {
    let (addr, port) = split_colon(field)?;
    let addr = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(hex_u32(addr)?.to_ne_bytes())),
        32 => {
            let mut octets = [0u8; 16];
            for (word, chunk) in octets.chunks_exact_mut(4).zip(addr.chunks_exact(8)) {
                word.copy_from_slice(&hex_u32(chunk)?.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return None,
    };
    Some(Endpoint::Inet { addr, port: hex_u16(port)? })
}

/// Reads `/proc/net/unix` (or `$PROC_ROOT/net/unix`), keeping the sockets whose state is in `states`.
pub(super) fn unix(states: u32, rows: &mut Vec<SocketRow>) -> io::Result<()> {
    let text = read_table(&in_proc_net("unix"))?;
    parse_unix(&text, states, rows);
    Ok(())
}

/// Parses the text of /proc/net/unix:
/// `Num: RefCount Protocol Flags Type St Inode Path`, where Path (possibly with spaces, or
/// absent) is the rest of the line.
pub(super) fn parse_unix(text: &[u8], states: u32, rows: &mut Vec<SocketRow>) {
    for line in text.split(|&byte| byte == b'\n').skip(1) {
        if let Some(row) = unix_row(line)
            && states & (1 << state_bit(row.state)) != 0
        {
            rows.push(row);
        }
    }
}

fn unix_row(line: &[u8]) -> Option<SocketRow> {
    let mut rest = line;
    let mut fields = [&[][..]; 7];
    for field in &mut fields {
        let start = rest.iter().position(|byte| !byte.is_ascii_whitespace())?;
        rest = &rest[start..];
        let end = rest.iter().position(u8::is_ascii_whitespace).unwrap_or(rest.len());
        *field = &rest[..end];
        rest = &rest[end..];
    }
    let [_, _, _, flags, kind, socket_state, inode] = fields;
    // One space separates the inode from the path; the path itself may hold spaces.
    let path = rest.strip_prefix(b" ").unwrap_or(rest);
    let inode = decimal(inode)?;
    // A connection not yet accepted has no inode and no file; sock_diag does not list it.
    if inode == 0 {
        return None;
    }
    let netid = match hex_u32(kind)? {
        1 => Netid::UnixStream,
        2 => Netid::UnixDgram,
        5 => Netid::UnixSeqpacket,
        _ => return None,
    };
    let state = if hex_u32(flags)? & UNIX_FLAG_LISTENING != 0 {
        SockState::Listen
    } else {
        // The St column is the socket layer's state (SS_UNCONNECTED = 1 …), not sk_state.
        match hex_u32(socket_state)? {
            2 => SockState::SynSent,
            3 => SockState::Established,
            4 => SockState::Closing,
            _ => SockState::Unconnected,
        }
    };
    let name = match path {
        [] => UnixName::Unnamed,
        [b'@', name @ ..] => UnixName::Abstract(name.to_vec()),
        path => UnixName::Path(PathBuf::from(std::ffi::OsStr::from_bytes(path))),
    };
    Some(SocketRow {
        netid,
        state,
        recv_q: 0,
        send_q: 0,
        local: Endpoint::Unix { name, inode },
        peer: Endpoint::Unix { name: UnixName::Unnamed, inode: 0 },
        inode,
        v6only: None,
        uid: None,
        vfs: None,
        processes: Vec::new(),
        ..SocketRow::default()
    })
}

/// The kernel state bit a row's state is filtered by.
fn state_bit(state: SockState) -> u8 {
    use tcp_state as k;
    match state {
        SockState::Established => k::ESTABLISHED,
        SockState::SynSent => k::SYN_SENT,
        SockState::SynRecv => k::SYN_RECV,
        SockState::FinWait1 => k::FIN_WAIT1,
        SockState::FinWait2 => k::FIN_WAIT2,
        SockState::TimeWait => k::TIME_WAIT,
        SockState::Unconnected => k::CLOSE,
        SockState::CloseWait => k::CLOSE_WAIT,
        SockState::LastAck => k::LAST_ACK,
        SockState::Listen => k::LISTEN,
        SockState::Closing => k::CLOSING,
    }
}

fn split_colon(field: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = field.iter().position(|&byte| byte == b':')?;
    Some((&field[..colon], &field[colon + 1..]))
}

fn hex_u32(digits: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn hex_u16(digits: &[u8]) -> Option<u16> {
    u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn hex_u8(digits: &[u8]) -> Option<u8> {
    u8::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn decimal(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 26498 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:A000 0100007F:1F90 01 00000003:00000000 00:00000000 00000000  1000        0 26500 1 0000000000000000 20 4 30 10 -1\n";

    #[test]
    fn parses_tcp_lines_and_filters_by_state_and_port() {
        let mut rows = Vec::new();
        parse_inet(TCP.as_bytes(), Netid::Tcp, tcp_state::ALL, None, &mut rows);
        assert_eq!(rows.len(), 2);
        let listener = &rows[0];
        assert_eq!(listener.state, SockState::Listen);
        assert_eq!(listener.local, Endpoint::Inet { addr: [127, 0, 0, 1].into(), port: 8080 });
        assert_eq!(listener.peer, Endpoint::Inet { addr: [0, 0, 0, 0].into(), port: 0 });
        assert_eq!((listener.recv_q, listener.send_q), (2, 0));
        assert_eq!((listener.inode, listener.uid), (26498, Some(1000)));
        assert_eq!(rows[1].state, SockState::Established);
        assert_eq!(rows[1].send_q, 3);

        let mut rows = Vec::new();
        parse_inet(TCP.as_bytes(), Netid::Tcp, tcp_state::LISTENING, None, &mut rows);
        assert_eq!(rows.len(), 1);
        let mut rows = Vec::new();
        parse_inet(TCP.as_bytes(), Netid::Tcp, tcp_state::ALL, Some(0xA000), &mut rows);
        assert_eq!(rows.iter().map(|row| row.inode).collect::<Vec<_>>(), [26500]);
    }

    #[test]
    fn parses_ipv6_words_in_host_order() {
        let text = "header\n   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1\n";
        let mut rows = Vec::new();
        parse_inet(text.as_bytes(), Netid::Tcp, tcp_state::ALL, None, &mut rows);
        let expected = if cfg!(target_endian = "little") {
            Ipv6Addr::LOCALHOST
        } else {
            Ipv6Addr::from(0x0100_0000_u128)
        };
        assert_eq!(rows[0].local, Endpoint::Inet { addr: expected.into(), port: 80 });
    }

    #[test]
    fn unix_lines_keep_flags_and_paths_with_spaces() {
        let text = "Num       RefCount Protocol Flags    Type St Inode Path\n\
            0000000000000000: 00000002 00000000 00010000 0001 01 26498 /tmp/lab/my stream.sock\n\
            0000000000000000: 00000002 00000000 00000000 0002 01 26499 /tmp/lab/datagram.sock\n\
            0000000000000000: 00000002 00000000 00000000 0002 01 26500\n\
            0000000000000000: 00000003 00000000 00000000 0001 03 26501 @lab-abstract\n\
            0000000000000000: 00000003 00000000 00000000 0001 02     0 /tmp/lab/my stream.sock\n";
        let mut rows = Vec::new();
        parse_unix(text.as_bytes(), tcp_state::ALL, &mut rows);
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].netid, rows[0].state), (Netid::UnixStream, SockState::Listen));
        let path = UnixName::Path("/tmp/lab/my stream.sock".into());
        assert_eq!(rows[0].local, Endpoint::Unix { name: path, inode: 26498 });
        // A bound datagram socket nobody connected to is unconnected, not ESTAB.
        assert_eq!((rows[1].netid, rows[1].state), (Netid::UnixDgram, SockState::Unconnected));
        assert_eq!(rows[2].local, Endpoint::Unix { name: UnixName::Unnamed, inode: 26500 });
        let abstract_name = UnixName::Abstract(b"lab-abstract".to_vec());
        assert_eq!(rows[3].local, Endpoint::Unix { name: abstract_name, inode: 26501 });
        assert_eq!(rows[3].state, SockState::Established);

        let mut rows = Vec::new();
        parse_unix(text.as_bytes(), tcp_state::LISTENING, &mut rows);
        assert_eq!(rows.iter().map(|row| row.inode).collect::<Vec<_>>(), [26498, 26499, 26500]);
    }
}
