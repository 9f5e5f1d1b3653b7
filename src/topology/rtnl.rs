//! rtnetlink requests for the simulated hosts: make a veth pair across two namespaces, find a
//! link, bring it up, give it an address. What `ip link add … type veth peer …`,
//! `ip link set … up` and `ip addr add …` do, sent over a `NETLINK_ROUTE` socket.
//!
//! A netlink socket speaks for the network namespace of the thread that opened it, so each
//! host's requests are sent from a thread inside that host (see [`super::Host::run`]).

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, BorrowedFd};

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

/// An open rtnetlink socket in the calling thread's network namespace.
pub struct Rtnl {
    socket: Socket,
    sequence: u32,
}

impl Rtnl {
    pub fn open() -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Self { socket, sequence: 0 })
    }

    /// Makes a veth pair: `name` here, its peer `peer_name` in the namespace `peer_netns`.
    pub fn add_veth(
        &mut self,
        name: &str,
        peer_netns: BorrowedFd<'_>,
        peer_name: &str,
    ) -> io::Result<()> {
        let mut peer = LinkMessage::default();
        peer.attributes = vec![
            LinkAttribute::IfName(peer_name.to_owned()),
            LinkAttribute::NetNsFd(peer_netns.as_raw_fd()),
        ];
        let mut link = LinkMessage::default();
        link.attributes = vec![
            LinkAttribute::IfName(name.to_owned()),
            LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::Veth),
                LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
            ]),
        ];
        self.request(RouteNetlinkMessage::NewLink(link), NLM_F_CREATE | NLM_F_EXCL).map(drop)
    }

    /// The index of the link called `name`.
    pub fn link_index(&mut self, name: &str) -> io::Result<u32> {
        let mut query = LinkMessage::default();
        query.attributes = vec![LinkAttribute::IfName(name.to_owned())];
        self.request(RouteNetlinkMessage::GetLink(query), 0)?
            .into_iter()
            .find_map(|message| match message {
                RouteNetlinkMessage::NewLink(link) => Some(link.header.index),
                _ => None,
            })
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no link {name}")))
    }

    /// Brings the link up.
    pub fn set_up(&mut self, index: u32) -> io::Result<()> {
        let mut link = LinkMessage::default();
        link.header.index = index;
        link.header.flags = LinkFlags::Up;
        link.header.change_mask = LinkFlags::Up;
        self.request(RouteNetlinkMessage::SetLink(link), 0).map(drop)
    }

    /// Whether the link is running: up, and its carrier there (for a veth, its peer is up
    /// too). Until then the kernel drops what is sent over it.
    pub fn running(&mut self, index: u32) -> io::Result<bool> {
        let mut query = LinkMessage::default();
        query.header.index = index;
        Ok(self.request(RouteNetlinkMessage::GetLink(query), 0)?.into_iter().any(|message| {
            matches!(message, RouteNetlinkMessage::NewLink(link)
                if link.header.flags.contains(LinkFlags::Running))
        }))
    }

    /// Adds `address/prefix` to the link (IPv6 without duplicate address detection).
    pub fn add_address(&mut self, index: u32, address: IpAddr, prefix: u8) -> io::Result<()> {
        let mut message = AddressMessage::default();
        message.header.index = index;
        message.header.prefix_len = prefix;
        message.header.family =
            if address.is_ipv4() { AddressFamily::Inet } else { AddressFamily::Inet6 };
        message.attributes =
            vec![AddressAttribute::Local(address), AddressAttribute::Address(address)];
        if address.is_ipv6() {
            message.attributes.push(AddressAttribute::Flags(AddressFlags::Nodad));
        }
        self.request(RouteNetlinkMessage::NewAddress(message), NLM_F_CREATE | NLM_F_EXCL).map(drop)
    }

    /// Sends one request and reads the answers up to the kernel's acknowledgement; a refusal
    /// becomes the kernel's errno.
    fn request(
        &mut self,
        message: RouteNetlinkMessage,
        flags: u16,
    ) -> io::Result<Vec<RouteNetlinkMessage>> {
        self.sequence += 1;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let mut buffer = vec![0; packet.buffer_len()];
        packet.serialize(&mut buffer);
        self.socket.send(&buffer, 0)?;
        let mut answers = Vec::new();
        let mut received = Vec::with_capacity(16 * 1024);
        loop {
            received.clear();
            let length = self.socket.recv(&mut received, 0)?;
            let mut offset = 0;
            while offset < length.min(received.len()) {
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&received[offset..])
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
                let size = reply.header.length as usize;
                if size == 0 {
                    break;
                }
                offset += size;
                if reply.header.sequence_number != self.sequence {
                    continue;
                }
                match reply.payload {
                    NetlinkPayload::Error(error) => {
                        return match error.code {
                            Some(code) => Err(io::Error::from_raw_os_error(-code.get())),
                            None => Ok(answers),
                        };
                    }
                    NetlinkPayload::Done(_) => return Ok(answers),
                    NetlinkPayload::InnerMessage(inner) => answers.push(inner),
                    _ => {}
                }
            }
        }
    }
}
