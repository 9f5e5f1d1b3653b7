//! The lab's simulated hosts: a `client` and a `server`, each its own network namespace,
//! joined by a veth pair, for the lessons that need a second machine (the firewall lesson).
//!
//! Everything is made in-process, inside whatever network namespace socklab runs in (the
//! student's lab): [`host`] makes a namespace from a dedicated thread and keeps a file
//! descriptor to it, [`rtnl`] makes the veth pair and gives it addresses over rtnetlink, and
//! [`nft`] sets up a host's firewall with the `nft` tool. A step runs "on" a host in a thread
//! that joins the host's namespace (a network namespace can be joined by one thread of a
//! multi-threaded process). Dropping the [`Topology`] closes the descriptors, and the kernel
//! frees the namespaces with their links and rules once no socket uses them any more.
//!
//! All of it needs CAP_SYS_ADMIN and CAP_NET_ADMIN in the current user namespace: socklab
//! holds them in the lab until it runs a program, and tests get them from `unshare -Urn`.
//! Where they are missing, [`Topology::build`] says why, and the lesson is skipped.

pub mod host;
pub mod nft;
pub mod rtnl;
pub mod watch;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use host::Host;

use crate::t;

/// The name of the link on each host (the two ends of the veth pair).
pub const LINK: &str = "eth0";

/// One simulated host's place on the link: its name and addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub name: &'static str,
    pub ipv4: Ipv4Addr,
    pub ipv6: Ipv6Addr,
}

/// The two hosts, on 192.0.2.0/24 and 2001:db8::/64 (documentation ranges: nothing there is
/// ever routed anywhere real).
pub const PLANS: [Plan; 2] = [
    Plan {
        name: "client",
        ipv4: Ipv4Addr::new(192, 0, 2, 1),
        ipv6: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1),
    },
    Plan {
        name: "server",
        ipv4: Ipv4Addr::new(192, 0, 2, 2),
        ipv6: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2),
    },
];

/// Prefix lengths of the link's IPv4 and IPv6 networks.
const PREFIX_V4: u8 = 24;
const PREFIX_V6: u8 = 64;

/// The names a lesson may give as a host.
pub fn names() -> impl Iterator<Item = &'static str> {
    PLANS.iter().map(|plan| plan.name)
}

/// The hosts of one lesson run.
#[derive(Debug)]
pub struct Topology {
    hosts: Vec<Host>,
}

impl Topology {
    /// Makes the client and the server, the veth pair between them, their addresses, and
    /// brings every link up (loopback included). Returns why not, in a sentence for the
    /// student, when the kernel refuses.
    pub fn build() -> Result<Self, String> {
        let mut hosts = Vec::new();
        for plan in &PLANS {
            let host = Host::create(plan.name).map_err(|err| unavailable(&err))?;
            hosts.push(host);
        }
        let (client, server) = (&hosts[0], &hosts[1]);
        client
            .run(|| rtnl::Rtnl::open()?.add_veth(LINK, server.netns(), LINK))
            .and_then(|made| made)
            .map_err(|err| unavailable(&err))?;
        for (host, plan) in hosts.iter().zip(&PLANS) {
            host.run(|| configure(plan)).and_then(|done| done).map_err(|err| unavailable(&err))?;
        }
        Ok(Self { hosts })
    }

    /// Both hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The host called `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|host| host.name() == name)
    }
}

/// Brings up loopback and the link end, and gives the link its addresses (IPv6 without
/// duplicate address detection, so that it is usable at once; a kernel without IPv6 makes
/// IPv4-only hosts).
fn configure(plan: &Plan) -> std::io::Result<()> {
    let mut rtnl = rtnl::Rtnl::open()?;
    let lo = rtnl.link_index("lo")?;
    rtnl.set_up(lo)?;
    let link = rtnl.link_index(LINK)?;
    rtnl.add_address(link, IpAddr::V4(plan.ipv4), PREFIX_V4)?;
    match rtnl.add_address(link, IpAddr::V6(plan.ipv6), PREFIX_V6) {
        Err(err) if err.raw_os_error() == Some(libc_eafnosupport()) => {}
        other => other?,
    }
    rtnl.set_up(link)
}

/// EAFNOSUPPORT: the kernel has no IPv6.
fn libc_eafnosupport() -> i32 {
    nix::errno::Errno::EAFNOSUPPORT as i32
}

/// Why the hosts cannot be made, for the student.
fn unavailable(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::PermissionDenied => t!("topology.no_capability", error = err),
        _ => t!("topology.refused", error = err),
    }
}

/// A run's hosts, made the first time a step names one, and whether their firewall can be
/// used, found out the first time a step needs it; a refusal is kept as the reason to skip.
#[derive(Debug, Default)]
pub struct OnDemand {
    built: Option<Result<Topology, String>>,
    firewall: Option<Result<(), String>>,
}

impl OnDemand {
    /// The hosts, or why there are none.
    pub fn get(&mut self) -> Result<&Topology, String> {
        self.built.get_or_insert_with(Topology::build).as_ref().map_err(Clone::clone)
    }

    /// Whether the server can have a firewall, or why not.
    pub fn firewall(&mut self) -> Result<(), String> {
        if self.firewall.is_none() {
            let found = self.get().and_then(|hosts| {
                let server = hosts.host(PLANS[1].name).expect("the server is always made");
                nft::available(server)
            });
            self.firewall = Some(found);
        }
        self.firewall.clone().unwrap_or(Ok(()))
    }

    /// The hosts, if they were made.
    pub fn made(&self) -> Option<&Topology> {
        self.built.as_ref().and_then(|built| built.as_ref().ok())
    }
}
