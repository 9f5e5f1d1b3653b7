//! The kernel's socket tables through netlink sock_diag, the way ss reads them.
//!
//! One `NETLINK_SOCK_DIAG` socket carries every dump of an inspection: one `InetRequest` per
//! (family, protocol), then one `UnixRequest`. The state mask goes to the kernel, so a
//! LISTEN-only dump never walks the established connections; a port filter goes into
//! `socket_id.source_port`, which the kernel compares for each socket it visits.

use std::io;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{
    AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM,
};
use netlink_packet_sock_diag::inet::nlas::Nla as InetNla;
use netlink_packet_sock_diag::inet::{
    ExtensionFlags, InetRequest, InetResponse, SocketId, StateFlags as InetStates,
};
use netlink_packet_sock_diag::unix::nlas::{Nla as UnixNla, UnixDiagName};
use netlink_packet_sock_diag::unix::{
    ShowFlags, StateFlags as UnixStates, UnixRequest, UnixResponse,
};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

use super::{Endpoint, Family, Netid, SockState, SocketRow, UnixName};

/// The kernel hands out dump messages in chunks of at most 32 KiB; twice that leaves room.
const RECV_BUFFER: usize = 64 * 1024;

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
    /// `1 << TCP_*`), and, when `port` is given, whose local port is `port`.
    pub(super) fn inet(
        &mut self,
        netid: Netid,
        family: Family,
        states: u32,
        port: Option<u16>,
        rows: &mut Vec<SocketRow>,
    ) -> io::Result<()> {
        let (family_code, mut socket_id) = match family {
            Family::V4 => (AF_INET, SocketId::new_v4()),
            Family::V6 => (AF_INET6, SocketId::new_v6()),
        };
        socket_id.source_port = port.unwrap_or(0);
        let protocol = if netid == Netid::Udp { IPPROTO_UDP } else { IPPROTO_TCP };
        let request = SockDiagMessage::InetRequest(InetRequest {
            family: family_code,
            protocol,
            extensions: ExtensionFlags::empty(),
            states: InetStates::from_bits_retain(states),
            socket_id,
        });
        self.dump(request, |message| {
            if let SockDiagMessage::InetResponse(response) = message {
                let row = inet_row(netid, &response);
                // The kernel filters by port while it walks; this keeps the answer exact even
                // where a kernel would not.
                if port.is_none_or(|port| endpoint_port(&row.local) == port) {
                    rows.push(row);
                }
            }
        })
    }

    /// Dumps the Unix sockets whose state is in `states`, with name, peer, queues and the
    /// socket file's (device, inode).
    pub(super) fn unix(&mut self, states: u32, rows: &mut Vec<SocketRow>) -> io::Result<()> {
        let request = SockDiagMessage::UnixRequest(UnixRequest {
            // The crate's flags know only ESTABLISHED and LISTEN; CLOSE (unconnected and
            // unbound sockets) is a valid bit for the kernel all the same.
            state_flags: UnixStates::from_bits_retain(states),
            inode: 0,
            show_flags: ShowFlags::NAME | ShowFlags::PEER | ShowFlags::RQLEN | ShowFlags::VFS,
            cookie: [0xff; 8],
        });
        self.dump(request, |message| {
            if let SockDiagMessage::UnixResponse(response) = message
                && let Some(row) = unix_row(&response)
            {
                rows.push(row);
            }
        })
    }

    /// Sends one dump request and hands each reply to `each` until the kernel says done.
    fn dump(
        &mut self,
        request: SockDiagMessage,
        mut each: impl FnMut(SockDiagMessage),
    ) -> io::Result<()> {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(request));
        packet.finalize();
        self.send.clear();
        self.send.resize(packet.buffer_len(), 0);
        packet.serialize(&mut self.send);
        self.socket.send(&self.send, 0)?;

        loop {
            self.recv.clear();
            let received = self.socket.recv(&mut self.recv, 0)?;
            let mut offset = 0;
            while offset < received.min(self.recv.len()) {
                let message = NetlinkMessage::<SockDiagMessage>::deserialize(&self.recv[offset..])
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
                let length = message.header.length as usize;
                if message.header.sequence_number != self.sequence {
                    // A late reply to an earlier request: not ours to read.
                } else {
                    match message.payload {
                        NetlinkPayload::Done(_) => return Ok(()),
                        NetlinkPayload::Error(error) => {
                            return Err(match error.code {
                                Some(_) => error.to_io(),
                                None => io::Error::other("unexpected netlink ACK in a dump"),
                            });
                        }
                        NetlinkPayload::Overrun(_) => {
                            return Err(io::Error::other("netlink dump overrun"));
                        }
                        NetlinkPayload::InnerMessage(inner) => each(inner),
                        NetlinkPayload::Noop => {}
                        _ => {}
                    }
                }
                if length == 0 {
                    break;
                }
                offset += length.next_multiple_of(4);
            }
        }
    }
}

fn endpoint_port(endpoint: &Endpoint) -> u16 {
    match endpoint {
        Endpoint::Inet { port, .. } => *port,
        Endpoint::Unix { .. } => 0,
    }
}

fn inet_row(netid: Netid, response: &InetResponse) -> SocketRow {
    let header = &response.header;
    let id = &header.socket_id;
    let v6only = response.nlas.iter().find_map(|nla| match nla {
        InetNla::SkV6Only(v6only) => Some(*v6only),
        _ => None,
    });
    SocketRow {
        netid,
        state: SockState::from_kernel(header.state),
        recv_q: header.recv_queue,
        send_q: header.send_queue,
        local: Endpoint::Inet { addr: id.source_address, port: id.source_port },
        peer: Endpoint::Inet { addr: id.destination_address, port: id.destination_port },
        inode: u64::from(header.inode),
        v6only,
        uid: Some(header.uid),
        vfs: None,
        processes: Vec::new(),
    }
}

fn unix_row(response: &UnixResponse) -> Option<SocketRow> {
    let header = &response.header;
    let netid = match header.kind {
        SOCK_STREAM => Netid::UnixStream,
        SOCK_DGRAM => Netid::UnixDgram,
        SOCK_SEQPACKET => Netid::UnixSeqpacket,
        _ => return None,
    };
    let mut name = UnixName::Unnamed;
    let mut peer = 0;
    let mut queues = (0, 0);
    let mut vfs = None;
    for nla in &response.nlas {
        match nla {
            UnixNla::Name(UnixDiagName::Pathname(path)) => name = UnixName::Path(path.into()),
            UnixNla::Name(UnixDiagName::Abstract(bytes)) => {
                name = UnixName::Abstract(bytes.clone())
            }
            UnixNla::Peer(inode) => peer = u64::from(*inode),
            UnixNla::ReceiveQueueLength(recv, send) => queues = (*recv, *send),
            UnixNla::Vfs(raw) => vfs = Some(vfs_identity(raw)),
            _ => {}
        }
    }
    let inode = u64::from(header.inode);
    Some(SocketRow {
        netid,
        state: SockState::from_kernel(header.state),
        recv_q: queues.0,
        send_q: queues.1,
        local: Endpoint::Unix { name, inode },
        peer: Endpoint::Unix { name: UnixName::Unnamed, inode: peer },
        inode,
        v6only: None,
        uid: None,
        vfs,
        processes: Vec::new(),
    })
}

/// `UNIX_DIAG_VFS` as (device, inode), the device converted from the kernel's internal
/// encoding (major << 20 | minor) to the one `stat` reports, so the pair matches
/// `std::fs::symlink_metadata(path)`'s `dev()` and `ino()`.
fn vfs_identity(raw: &netlink_packet_sock_diag::unix::nlas::Vfs) -> (u64, u64) {
    use netlink_packet_core::Emitable;
    // The crate keeps the fields private; its wire form is `struct unix_diag_vfs
    // { u32 inode; u32 dev; }` in host byte order.
    let mut bytes = [0u8; 8];
    raw.emit(&mut bytes);
    let inode = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let kernel_dev = u32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let dev = rustix::fs::makedev(kernel_dev >> 20, kernel_dev & 0xf_ffff);
    (dev, u64::from(inode))
}
