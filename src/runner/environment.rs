//! What this host allows, found once per run: IPv6, privileged ports, the real tools, and
//! whether the run is in a lab of its own.

use crate::lesson::values::Placement;
use crate::net::privilege;

/// The real tools the tutorial uses, with the Debian package that brings each.
pub const TOOLS: &[(&str, &str)] =
    &[("ss", "iproute2"), ("nc", "netcat-openbsd"), ("socat", "socat")];

/// Facts about this host that decide how steps run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Whether `::1` can be bound.
    pub ipv6: bool,
    /// Whether this process may bind ports below `unprivileged_start`.
    pub privileged: bool,
    /// `net.ipv4.ip_unprivileged_port_start`.
    pub unprivileged_start: u16,
    /// Each real tool and where it is installed, if it is.
    pub tools: Vec<(&'static str, &'static str, Option<std::path::PathBuf>)>,
    /// In a lab: `ip_unprivileged_port_start` of the host it was made on (the lab's own is 0).
    pub lab_of_host_start: Option<u16>,
}

impl Environment {
    /// Looks at this host.
    pub fn detect() -> Self {
        Self {
            ipv6: ipv6_available(),
            privileged: privilege::has_bind_capability(),
            unprivileged_start: privilege::unprivileged_port_start(),
            tools: TOOLS
                .iter()
                .map(|(tool, package)| (*tool, *package, which::which(tool).ok()))
                .collect(),
            lab_of_host_start: crate::isolation::current().map(|lab| lab.host_port_start),
        }
    }

    /// `placement` with this host's facts about privileged ports filled in, as a lesson's
    /// values are placed on this host.
    pub fn placement(&self, placement: &Placement) -> Placement {
        Placement {
            privileged: self.privileged,
            unprivileged_start: self.unprivileged_start,
            ..placement.clone()
        }
    }
}

/// Whether an IPv6 socket can be bound on `::1` (the stack may be absent or disabled).
pub fn ipv6_available() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}
