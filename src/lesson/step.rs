//! A lesson's steps as data: what a [`Step`] runs ([`Action`]), the checks socklab makes
//! itself ([`Check`]), and what a step, an exercise or a quiz needs from the host ([`Need`]).
//!
//! The TOML form of a step is described in [`format`](super::format), which reads it.

/// One step of a lesson. `C` is how its command is held: the line as the lesson file writes
/// it (a template, `{value}` names in it) or, once [resolved](super::resolve), the concrete
/// command of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<C = String> {
    pub id: String,
    pub title: String,
    pub action: Action<C>,
    pub explain: String,
    pub notice: String,
    /// Expected output (in a template with `{value}` names still in it; its `{?…}` patterns
    /// stay in it once resolved: they are matched, not placed).
    pub expect: Option<String>,
    /// An output the expectation matches, for readers: what the book and "read more" show
    /// where `expect` has patterns (`{?}`, `...`). `socklab lint` proves that it matches.
    pub example: Option<String>,
    /// Whether the expected lines may come in any order.
    pub any_order: bool,
    /// Expected exit status.
    pub status: i32,
    pub needs: Vec<Need>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<C = String> {
    /// Runs a command line.
    Run(C),
    /// A check socklab makes itself.
    Check(Check),
}

/// Checks a step can ask socklab to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Which real tools (ss, nc, socat) are installed, and how to install the missing ones.
    Tools,
    /// What this host allows: IPv6, privileged ports, netlink sock_diag.
    Environment,
    /// Nothing of the lesson is left: no listener on its ports, no file at its paths.
    Released,
}

/// What a step needs from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A working IPv6 stack (`::1` can be bound).
    Ipv6,
    /// The simulated server's firewall (nft installed, nf_tables usable in the lab).
    Firewall,
}

impl Check {
    pub const NAMES: &'static [&'static str] = &["tools", "environment", "released"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "tools" => Some(Self::Tools),
            "environment" => Some(Self::Environment),
            "released" => Some(Self::Released),
            _ => None,
        }
    }
}

impl Need {
    pub const NAMES: &'static [&'static str] = &["ipv6", "firewall"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ipv6" => Some(Self::Ipv6),
            "firewall" => Some(Self::Firewall),
            _ => None,
        }
    }
}
