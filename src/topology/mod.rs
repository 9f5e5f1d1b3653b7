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
//!
//! The exercises need hosts that live while the student works: the holder of the student's
//! lasting lab builds them once and [`Topology::keep`]s them, each in a thread named after
//! the host and parked inside its namespace; `socklab shell --host`, `check` and `practice`
//! find them there again (see [`crate::isolation::lasting::hosts`]).

pub mod host;
pub mod nft;
pub mod reach;
pub mod rtnl;
pub mod watch;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use host::Host;

use crate::t;

/// How the thread that keeps a host of the lasting lab is named: this, then the host's name.
pub const THREAD_PREFIX: &str = "host:";

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
        // A veth's carrier comes a moment after both ends are up; until then the kernel drops
        // what is sent, so a probe typed at once would time out for nothing.
        let deadline = std::time::Instant::now() + CARRIER_WAIT;
        for host in &hosts {
            host.run(|| wait_for_carrier(deadline))
                .and_then(|done| done)
                .map_err(|err| unavailable(&err))?;
        }
        Ok(Self { hosts })
    }

    /// Hosts made elsewhere (the student's lasting lab), held from now on.
    pub fn of(hosts: Vec<Host>) -> Self {
        Self { hosts }
    }

    /// Keeps the hosts alive for as long as this process lives, each in a thread named
    /// [`THREAD_PREFIX`] + its name that has joined the host's namespace, given up its
    /// capabilities (see [`drop_capabilities`]) and waits there;
    /// others find a host's namespace as that thread's (`/proc/PID/task/TID/ns/net`). Returns
    /// the inode numbers of the hosts' namespaces.
    pub fn keep(self) -> std::io::Result<Vec<u64>> {
        use std::os::unix::fs::MetadataExt;
        let mut inodes = Vec::new();
        for host in self.hosts {
            inodes.push(std::fs::File::from(host.netns().try_clone_to_owned()?).metadata()?.ino());
            let (joined, ready) = std::sync::mpsc::channel();
            std::thread::Builder::new().name(format!("{THREAD_PREFIX}{}", host.name())).spawn(
                move || {
                    use nix::sched::{CloneFlags, setns};
                    let entered = setns(host.netns(), CloneFlags::CLONE_NEWNET)
                        .map_err(std::io::Error::from)
                        .and_then(|()| drop_capabilities().map_err(std::io::Error::other));
                    let _ = joined.send(entered);
                    loop {
                        std::thread::park();
                    }
                },
            )?;
            ready.recv().map_err(std::io::Error::other)??;
        }
        Ok(inodes)
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

/// Gives up every capability of the calling thread (each thread has its own). The kernel lets
/// a process read another's namespaces only if the other holds no capability it lacks: the
/// holder and its hosts' threads hold none once the lab is made, so that the student's
/// programs in the lab, which hold none, find the lab and its hosts.
pub fn drop_capabilities() -> Result<(), caps::errors::CapsError> {
    use caps::CapSet;
    for set in [CapSet::Ambient, CapSet::Effective, CapSet::Permitted, CapSet::Inheritable] {
        caps::clear(None, set)?;
    }
    Ok(())
}

/// Brings up loopback and the link end, and gives the link its addresses (IPv6 without
/// duplicate address detection, so that it is usable at once; a kernel without IPv6 makes
/// IPv4-only hosts). The host answers every datagram to a closed port with its ICMP error,
/// never holding one back for its rate limit (`net.ipv4.icmp_ratelimit` = 0 in its own
/// network): a probe's "closed" must not turn into silence because the probes before it
/// came quickly.
fn configure(plan: &Plan) -> std::io::Result<()> {
    // A kernel without the setting has no limit to lift.
    let _ = std::fs::write("/proc/sys/net/ipv4/icmp_ratelimit", "0\n");
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

/// How long a new link pair may take to get its carrier (it takes well under a millisecond).
const CARRIER_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Waits until this host's end of the link is running, or `deadline` (then goes on: a slow
/// carrier shows in the first probe, not as a failure to make the hosts).
fn wait_for_carrier(deadline: std::time::Instant) -> std::io::Result<()> {
    let mut rtnl = rtnl::Rtnl::open()?;
    let link = rtnl.link_index(LINK)?;
    while !rtnl.running(link)? && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    Ok(())
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
    /// Hosts already found (the student's lasting lab's), or why there are none.
    pub fn found(hosts: Result<Topology, String>) -> Self {
        Self { built: Some(hosts), firewall: None }
    }

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
