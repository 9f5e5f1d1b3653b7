//! The kernel's socket tables through netlink sock_diag, the way ss reads them.
//!
//! One `NETLINK_SOCK_DIAG` socket carries every dump of an inspection: one `InetRequest` per
//! (family, protocol), then one `UnixRequest`. The state mask goes to the kernel, so a
//! LISTEN-only dump never walks the established connections; a local port every wanted socket
//! must have goes into `socket_id.source_port`, which the kernel compares for each socket it
//! visits. Requests are built with netlink-packet-sock-diag; replies are read straight from
//! the received bytes (`struct inet_diag_msg`, `struct unix_diag_msg` and their attributes),
//! one at a time, so rows go to the caller as the kernel sends them and nothing is kept: the
//! crate's parsed form would drop the TIME-WAIT timer's countdown and allocate per message.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{
    AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM,
};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_packet_sock_diag::unix::{ShowFlags, StateFlags as UnixStates, UnixRequest};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

use super::{Endpoint, Family, Netid, SockState, SocketRow, Timer, UnixName};

/// The kernel hands out dump messages in chunks of at most 32 KiB; twice that leaves room.
const RECV_BUFFER: usize = 64 * 1024;

const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
const NLMSG_HEADER: usize = 16;
/// The request attribute that carries a filter program.
const INET_DIAG_REQ_BYTECODE: u16 = 1;
/// EINVAL: what a kernel answers to bytecode it does not accept.
const EINVAL: i32 = 22;

/// `struct inet_diag_msg` is 72 bytes; `struct unix_diag_msg` 16.
const INET_DIAG_MSG: usize = 72;
const UNIX_DIAG_MSG: usize = 16;

// Attributes of an inet reply (include/uapi/linux/inet_diag.h).
const INET_DIAG_MEMINFO: u16 = 1;
const INET_DIAG_SKMEMINFO: u16 = 7;
const INET_DIAG_SHUTDOWN: u16 = 8;
const INET_DIAG_SKV6ONLY: u16 = 11;
const INET_DIAG_CGROUP_ID: u16 = 21;

// Attributes of a Unix reply (include/uapi/linux/unix_diag.h).
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_VFS: u16 = 1;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_ICONS: u16 = 3;
const UNIX_DIAG_RQLEN: u16 = 4;
const UNIX_DIAG_MEMINFO: u16 = 5;
const UNIX_DIAG_SHUTDOWN: u16 = 6;

// What a Unix request asks to be shown.
const UDIAG_SHOW_NAME: u32 = 0x01;
const UDIAG_SHOW_VFS: u32 = 0x02;
const UDIAG_SHOW_PEER: u32 = 0x04;
const UDIAG_SHOW_ICONS: u32 = 0x08;
const UDIAG_SHOW_RQLEN: u32 = 0x10;
const UDIAG_SHOW_MEMINFO: u32 = 0x20;

/// Which optional details a dump asks the kernel for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Extras {
    /// `-m`: socket memory (`skmem:(…)`).
    pub memory: bool,
    /// `-e` for Unix sockets: the connections waiting to be accepted (`peers:`).
    pub pending: bool,
}

/// An open sock_diag socket and the buffers its dumps reuse.
pub(super) struct Diag {
    socket: Socket,
    sequence: u32,
    send: Vec<u8>,
    recv: Vec<u8>,
}

impl Diag {
    /// Opens and connects a `NETLINK_SOCK_DIAG` socket (no privilege needed).
    pub(super) fn open() -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Self { socket, sequence: 0, send: Vec::new(), recv: Vec::with_capacity(RECV_BUFFER) })
    }

    /// Dumps the TCP or UDP sockets of one family whose state is in `states` (a mask of
    /// `1 << TCP_*`), and, when `port` is given, whose local port is `port`, and that pass
    /// `bytecode` (ss's compiled filter, run by the kernel); hands each to `each` as it
    /// arrives. A kernel that refuses the bytecode gets the request without it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn inet(
        &mut self,
        netid: Netid,
        family: Family,
        states: u32,
        port: Option<u16>,
        bytecode: Option<&[u8]>,
        extras: Extras,
        each: &mut dyn FnMut(SocketRow),
    ) -> io::Result<()> {
        let (family_code, mut socket_id) = match family {
            Family::V4 => (AF_INET, SocketId::new_v4()),
            Family::V6 => (AF_INET6, SocketId::new_v6()),
        };
        socket_id.source_port = port.unwrap_or(0);
        let protocol = if netid == Netid::Udp { IPPROTO_UDP } else { IPPROTO_TCP };
        let extensions = if extras.memory {
            (1 << (INET_DIAG_MEMINFO - 1)) | (1 << (INET_DIAG_SKMEMINFO - 1))
        } else {
            0
        };
        let request = SockDiagMessage::InetRequest(InetRequest {
            family: family_code,
            protocol,
            extensions: ExtensionFlags::from_bits_retain(extensions),
            states: StateFlags::from_bits_retain(states),
            socket_id,
        });
        let any = std::cell::Cell::new(false);
        let mut handle = |payload: &[u8]| {
            any.set(true);
            if let Some(row) = inet_row(netid, payload)
                // The kernel filters by port while it walks; this keeps the answer exact even
                // where a kernel would not.
                && port.is_none_or(|port| matches!(row.local, Endpoint::Inet { port: p, .. } if p == port))
            {
                each(row);
            }
        };
        match self.dump(&request, bytecode, &mut handle) {
            Err(err) if bytecode.is_some() && !any.get() && err.raw_os_error() == Some(EINVAL) => {
                self.dump(&request, None, &mut handle)
            }
            result => result,
        }
    }

    /// Dumps the Unix sockets whose state is in `states`, with name, peer, queues and the
    /// socket file's (device, inode).
    pub(super) fn unix(
        &mut self,
        states: u32,
        extras: Extras,
        each: &mut dyn FnMut(SocketRow),
    ) -> io::Result<()> {
        let mut show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_VFS;
        if extras.memory {
            show |= UDIAG_SHOW_MEMINFO;
        }
        if extras.pending {
            show |= UDIAG_SHOW_ICONS;
        }
        let request = SockDiagMessage::UnixRequest(UnixRequest {
            // The crate's flags know only ESTABLISHED and LISTEN; CLOSE (unconnected and
            // unbound sockets) is a valid bit for the kernel all the same.
            state_flags: UnixStates::from_bits_retain(states),
            inode: 0,
            show_flags: ShowFlags::from_bits_retain(show),
            cookie: [0xff; 8],
        });
        self.dump(&request, None, &mut |payload| {
            if let Some(row) = unix_row(payload) {
                each(row);
            }
        })
    }

    /// Sends one dump request (with `bytecode` as its `INET_DIAG_REQ_BYTECODE` attribute)
    /// and hands each reply's payload to `each` until the kernel says done.
    fn dump(
        &mut self,
        request: &SockDiagMessage,
        bytecode: Option<&[u8]>,
        each: &mut dyn FnMut(&[u8]),
    ) -> io::Result<()> {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(request.clone()));
        packet.finalize();
        self.send.clear();
        self.send.resize(packet.buffer_len(), 0);
        packet.serialize(&mut self.send);
        if let Some(code) = bytecode {
            // struct rtattr { u16 len; u16 type; } and the code, padded to four bytes.
            let length = u16::try_from(4 + code.len())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "filter too long"))?;
            self.send.extend_from_slice(&length.to_ne_bytes());
            self.send.extend_from_slice(&INET_DIAG_REQ_BYTECODE.to_ne_bytes());
            self.send.extend_from_slice(code);
            self.send.resize(self.send.len().next_multiple_of(4), 0);
            let total = u32::try_from(self.send.len()).unwrap_or(u32::MAX);
            self.send[..4].copy_from_slice(&total.to_ne_bytes());
        }
        self.socket.send(&self.send, 0)?;

        loop {
            self.recv.clear();
            let received = self.socket.recv(&mut self.recv, 0)?;
            let mut rest = &self.recv[..received.min(self.recv.len())];
            while rest.len() >= NLMSG_HEADER {
                let length = u32_at(rest, 0) as usize;
                if length < NLMSG_HEADER || length > rest.len() {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad netlink length"));
                }
                let kind = u16::from_ne_bytes([rest[4], rest[5]]);
                let sequence = u32_at(rest, 8);
                let payload = &rest[NLMSG_HEADER..length];
                // A late reply to an earlier request is not ours to read.
                if sequence == self.sequence {
                    match kind {
                        NLMSG_DONE => {
                            return match payload.get(..4).map(|_| u32_at(payload, 0) as i32) {
                                Some(code) if code < 0 => Err(io::Error::from_raw_os_error(-code)),
                                _ => Ok(()),
                            };
                        }
                        NLMSG_ERROR => {
                            let code = payload.get(..4).map_or(0, |_| u32_at(payload, 0) as i32);
                            return Err(if code < 0 {
                                io::Error::from_raw_os_error(-code)
                            } else {
                                io::Error::other("unexpected netlink ACK in a dump")
                            });
                        }
                        NLMSG_OVERRUN => return Err(io::Error::other("netlink dump overrun")),
                        NLMSG_NOOP => {}
                        _ => each(payload),
                    }
                }
                rest = &rest[length.next_multiple_of(4).min(rest.len())..];
            }
        }
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The attributes after a fixed header: (type, payload) pairs.
fn attributes(mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if bytes.len() < 4 {
            return None;
        }
        let length = usize::from(u16::from_ne_bytes([bytes[0], bytes[1]]));
        let kind = u16::from_ne_bytes([bytes[2], bytes[3]]) & 0x3fff;
        if length < 4 || length > bytes.len() {
            return None;
        }
        let payload = &bytes[4..length];
        bytes = &bytes[length.next_multiple_of(4).min(bytes.len())..];
        Some((kind, payload))
    })
}

fn address(family: u8, bytes: &[u8]) -> Option<IpAddr> {
    match family {
        AF_INET => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        AF_INET6 => {
            let octets: [u8; 16] = bytes[..16].try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
        _ => None,
    }
}

fn skmem(payload: &[u8]) -> Vec<u32> {
    payload.chunks_exact(4).map(|word| u32_at(word, 0)).collect()
}

fn inet_row(netid: Netid, msg: &[u8]) -> Option<SocketRow> {
    if msg.len() < INET_DIAG_MSG {
        return None;
    }
    let family = msg[0];
    let local = address(family, &msg[8..24])?;
    let peer = address(family, &msg[24..40])?;
    let mut row = SocketRow {
        netid,
        state: SockState::from_kernel(msg[1]),
        recv_q: u32_at(msg, 56),
        send_q: u32_at(msg, 60),
        local: Endpoint::Inet { addr: local, port: u16::from_be_bytes([msg[4], msg[5]]) },
        peer: Endpoint::Inet { addr: peer, port: u16::from_be_bytes([msg[6], msg[7]]) },
        inode: u64::from(u32_at(msg, 68)),
        v6only: None,
        uid: Some(u32_at(msg, 64)),
        vfs: None,
        processes: Vec::new(),
        iface: u32_at(msg, 40),
        cookie: (u64::from(u32_at(msg, 48)) << 32) | u64::from(u32_at(msg, 44)),
        timer: (msg[2] != 0).then(|| Timer {
            kind: msg[2],
            expires: u32_at(msg, 52),
            retrans: msg[3],
        }),
        shutdown: None,
        cgroup: None,
        memory: None,
        pending: None,
    };
    for (kind, payload) in attributes(&msg[INET_DIAG_MSG..]) {
        match kind {
            INET_DIAG_SKV6ONLY if !payload.is_empty() => row.v6only = Some(payload[0] != 0),
            INET_DIAG_SHUTDOWN if !payload.is_empty() => row.shutdown = Some(payload[0]),
            INET_DIAG_CGROUP_ID if payload.len() >= 8 => {
                row.cgroup = Some(u64::from_ne_bytes(payload[..8].try_into().ok()?));
            }
            INET_DIAG_SKMEMINFO => row.memory = Some(super::Memory::Sk(skmem(payload))),
            INET_DIAG_MEMINFO if row.memory.is_none() && payload.len() >= 16 => {
                row.memory = Some(super::Memory::Legacy(skmem(payload)));
            }
            _ => {}
        }
    }
    if family != AF_INET6 {
        row.v6only = None;
    }
    Some(row)
}

fn unix_row(msg: &[u8]) -> Option<SocketRow> {
    if msg.len() < UNIX_DIAG_MSG {
        return None;
    }
    let netid = match msg[1] {
        SOCK_STREAM => Netid::UnixStream,
        SOCK_DGRAM => Netid::UnixDgram,
        SOCK_SEQPACKET => Netid::UnixSeqpacket,
        _ => return None,
    };
    let inode = u64::from(u32_at(msg, 4));
    let mut name = UnixName::Unnamed;
    let mut peer = 0;
    let mut queues = (0, 0);
    let mut vfs = None;
    let mut shutdown = None;
    let mut memory = None;
    let mut pending = None;
    for (kind, payload) in attributes(&msg[UNIX_DIAG_MSG..]) {
        match kind {
            UNIX_DIAG_NAME => name = unix_name(payload),
            UNIX_DIAG_PEER if payload.len() >= 4 => peer = u64::from(u32_at(payload, 0)),
            UNIX_DIAG_RQLEN if payload.len() >= 8 => {
                queues = (u32_at(payload, 0), u32_at(payload, 4));
            }
            UNIX_DIAG_VFS if payload.len() >= 8 => {
                vfs = Some(vfs_identity(u32_at(payload, 0), u32_at(payload, 4)));
            }
            UNIX_DIAG_ICONS => pending = Some(skmem(payload)),
            UNIX_DIAG_MEMINFO => memory = Some(super::Memory::Sk(skmem(payload))),
            UNIX_DIAG_SHUTDOWN if !payload.is_empty() => shutdown = Some(payload[0]),
            _ => {}
        }
    }
    Some(SocketRow {
        netid,
        state: SockState::from_kernel(msg[2]),
        recv_q: queues.0,
        send_q: queues.1,
        local: Endpoint::Unix { name, inode },
        peer: Endpoint::Unix { name: UnixName::Unnamed, inode: peer },
        inode,
        v6only: None,
        uid: None,
        vfs,
        processes: Vec::new(),
        iface: 0,
        cookie: 0,
        timer: None,
        shutdown,
        cgroup: None,
        memory,
        pending,
    })
}

/// `UNIX_DIAG_NAME`: a leading NUL makes an abstract name; a path ends at its first NUL, as
/// ss prints it.
fn unix_name(payload: &[u8]) -> UnixName {
    match payload {
        [] => UnixName::Unnamed,
        [0, rest @ ..] => UnixName::Abstract(rest.to_vec()),
        path => {
            let end = path.iter().position(|&byte| byte == 0).unwrap_or(path.len());
            UnixName::Path(std::ffi::OsStr::from_bytes(&path[..end]).into())
        }
    }
}

/// `UNIX_DIAG_VFS` as (device, inode), the device converted from the kernel's internal
/// encoding (major << 20 | minor) to the one `stat` reports, so the pair matches
/// `std::fs::symlink_metadata(path)`'s `dev()` and `ino()`.
fn vfs_identity(inode: u32, kernel_dev: u32) -> (u64, u64) {
    let dev = rustix::fs::makedev(kernel_dev >> 20, kernel_dev & 0xf_ffff);
    (dev, u64::from(inode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_inet_reply_with_its_attributes() {
        let mut msg = vec![0u8; INET_DIAG_MSG];
        msg[0] = AF_INET6;
        msg[1] = 6; // TIME_WAIT
        msg[2] = 3; // timewait timer
        msg[4..6].copy_from_slice(&8080u16.to_be_bytes());
        msg[8..24].copy_from_slice(&Ipv6Addr::LOCALHOST.octets());
        msg[40..44].copy_from_slice(&1u32.to_ne_bytes());
        msg[44..48].copy_from_slice(&0x10bcu32.to_ne_bytes());
        msg[52..56].copy_from_slice(&59_000u32.to_ne_bytes());
        // INET_DIAG_SKV6ONLY = 1, padded to 4 bytes.
        msg.extend_from_slice(&5u16.to_ne_bytes());
        msg.extend_from_slice(&INET_DIAG_SKV6ONLY.to_ne_bytes());
        msg.extend_from_slice(&[1, 0, 0, 0]);
        let row = inet_row(Netid::Tcp, &msg).unwrap();
        assert_eq!(row.state, SockState::TimeWait);
        assert_eq!(row.local, Endpoint::Inet { addr: Ipv6Addr::LOCALHOST.into(), port: 8080 });
        assert_eq!(row.timer, Some(Timer { kind: 3, expires: 59_000, retrans: 0 }));
        assert_eq!((row.iface, row.cookie, row.v6only), (1, 0x10bc, Some(true)));
    }

    #[test]
    fn unix_names_stop_at_nul_and_keep_abstract_bytes() {
        assert_eq!(unix_name(b"/tmp/a.sock\0"), UnixName::Path("/tmp/a.sock".into()));
        assert_eq!(unix_name(b"\0lab\0x"), UnixName::Abstract(b"lab\0x".to_vec()));
        assert_eq!(unix_name(b""), UnixName::Unnamed);
    }
}
