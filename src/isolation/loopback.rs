//! Brings a new network namespace's loopback interface up, in-process, over rtnetlink.
//!
//! A new network namespace has only `lo`, always interface index 1, and it starts down.
//! `ip link set lo up` sends one `RTM_NEWLINK` with `IFF_UP` set in both the flags and the
//! change mask; this sends the same message through the project's netlink crates, while
//! socklab still holds the namespace's CAP_NET_ADMIN (a program exec'd later would not).

use std::io;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR, NetlinkBuffer, NetlinkHeader, NetlinkMessage,
    NetlinkPayload, NetlinkSerializable,
};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

/// `RTM_NEWLINK` (linux/rtnetlink.h).
const RTM_NEWLINK: u16 = 16;
/// `IFF_UP` (linux/if.h).
const IFF_UP: u32 = 1;
/// The loopback interface's index in every network namespace.
const LOOPBACK_INDEX: i32 = 1;
/// The size of `struct ifinfomsg`.
const IFINFOMSG_LEN: usize = 16;

/// An `RTM_NEWLINK` that sets `IFF_UP` on one interface (a `struct ifinfomsg`, no
/// attributes).
struct LinkUp {
    index: i32,
}

impl NetlinkSerializable for LinkUp {
    fn message_type(&self) -> u16 {
        RTM_NEWLINK
    }

    fn buffer_len(&self) -> usize {
        IFINFOMSG_LEN
    }

    fn serialize(&self, buffer: &mut [u8]) {
        // family (u8), padding (u8), type (u16), index (i32), flags (u32), change (u32).
        buffer.fill(0);
        buffer[4..8].copy_from_slice(&self.index.to_ne_bytes());
        buffer[8..12].copy_from_slice(&IFF_UP.to_ne_bytes());
        buffer[12..16].copy_from_slice(&IFF_UP.to_ne_bytes());
    }
}

/// Sets `lo` up in the calling thread's network namespace and waits for the kernel's answer.
pub fn up() -> io::Result<()> {
    let mut socket = Socket::new(NETLINK_ROUTE)?;
    socket.bind_auto()?;
    socket.connect(&SocketAddr::new(0, 0))?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK;
    header.sequence_number = 1;
    let mut message =
        NetlinkMessage::new(header, NetlinkPayload::InnerMessage(LinkUp { index: LOOPBACK_INDEX }));
    message.finalize();
    let mut request = vec![0; message.buffer_len()];
    message.serialize(&mut request);
    socket.send(&request, 0)?;
    let mut answer = Vec::with_capacity(4096);
    socket.recv(&mut answer, 0)?;
    let buffer = NetlinkBuffer::new_checked(&answer[..])
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
    if buffer.message_type() != NLMSG_ERROR || buffer.payload().len() < 4 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no acknowledgement"));
    }
    let payload = buffer.payload();
    let code = i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]);
    match code {
        0 => Ok(()),
        negative => Err(io::Error::from_raw_os_error(-negative)),
    }
}
