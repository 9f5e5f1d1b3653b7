//! Exercises and quizzes: the parts of a lesson where the student acts and socklab checks.
//!
//! An [`Exercise`] gives a task for the real tools ("start an IPv6-only TCP listener on port
//! {ex_v6only}") and the [`Facts`] the kernel must then show: the kind of socket, its address
//! and port or its path, its state, ipv6only, backlog, the socket file's mode and owner.
//! socklab compares facts, never text; [`Mistake`] rules name the likely mistake behind a
//! wrong attempt. Each exercise carries levelled hints (a nudge first, the command last) and a
//! reference solution that `socklab lint` and the tests carry out to prove the check can pass
//! and cannot pass by itself.
//!
//! A [`Quiz`] asks a question with choices: either multiple choice with a fixed answer, or
//! predict-then-run, where socklab runs a command and the kernel's answer grades the
//! prediction.
//!
//! The TOML form (read by [`format`](super::format)'s `exercises`, `facts` and `quizzes`):
//!
//! ```toml
//! [ports]
//! ex_v6only = 9090
//!
//! [[exercises]]
//! id = "ipv6-only-listener"        # unique among the lesson's steps, exercises and quizzes
//! title = "An IPv6-only TCP listener"
//! task = "In another terminal, start a TCP listener on port {ex_v6only} that takes IPv6 only."
//! hints = ["a nudge", "a closer one", "`socat TCP6-LISTEN:{ex_v6only},ipv6only=1,fork /dev/null`"]
//! solution = ["socat TCP6-LISTEN:{ex_v6only},ipv6only=1,fork /dev/null &"]
//! explain = "shown once it passes"
//! needs = ["ipv6"]
//! expect = { kind = "tcp", family = "ipv6", address = "::", port = "{ex_v6only}", state = "listening", ipv6only = true }
//!
//! # On the lab's simulated hosts (the firewall lesson): the facts are looked for on `host`,
//! # and a TCP connection from one host to another must get `outcome`
//! # ("connects", "refused" or "times-out"; `kind = "udp"` sends a datagram instead);
//! # `absent = true` turns `expect` around: no such socket may be there.
//! # host = "server"
//! # probe = { from = "client", address = "192.0.2.2", port = "{ex_web}", outcome = "refused" }
//!
//! [[exercises.mistakes]]
//! when = { ipv6only = false }
//! say = "It also accepts IPv4: add ipv6only=1."
//!
//! [[quizzes]]
//! id = "v4-to-v6only"
//! title = "IPv4 against an IPv6-only listener"
//! question = "Will `nc -4 -z 127.0.0.1 {quiz}` reach it?"
//! choices = ["Yes", "No"]
//! setup = ["socat TCP6-LISTEN:{quiz},ipv6only=1,fork /dev/null &"]
//! run = "nc -4 -vz 127.0.0.1 {quiz}"
//! outcomes = ["succeeds", "fails"]   # or, for multiple choice: answer = 2 (1-based)
//! explain = "…"
//! ```

use std::net::IpAddr;

use super::step::Need;

/// A task for the real tools, checked against the live system. `C` is how its solution's
/// commands are held (see [`Step`](super::step::Step)): as written, or resolved for a run,
/// when its texts have their values in and its ports are numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise<C = String> {
    pub id: String,
    pub title: String,
    /// What to do, with `{value}` names still in it.
    pub task: String,
    /// Hints from a nudge to the command itself.
    pub hints: Vec<String>,
    /// The reference solution: command lines socklab can run itself.
    pub solution: Vec<C>,
    /// Shown once the check passes: why it matters.
    pub explain: String,
    pub needs: Vec<Need>,
    /// What the kernel must show.
    pub expect: Facts,
    /// Likely mistakes, recognised from the facts of what was found.
    pub mistakes: Vec<Mistake>,
    /// The lab's simulated host where `expect` is looked for (`server`); none: the lab itself.
    pub host: Option<String>,
    /// A connection made from one simulated host to another, and what it must get.
    pub probe: Option<Probe>,
    /// Whether the socket `expect` describes must *not* be there (`absent = true`: a UDP port
    /// that must stay closed while a probe finds it silent).
    pub absent: bool,
}

/// A connection an exercise makes across the lab's link to see the firewall at work:
/// `probe = { from = "client", address = "192.0.2.2", port = "{ex_web}", outcome = "refused" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The host it is made from.
    pub from: String,
    /// A UDP datagram (`kind = "udp"`) rather than a TCP connection.
    pub udp: bool,
    pub address: IpAddr,
    pub port: PortRef,
    pub outcome: ProbeOutcome,
}

/// What a probe across the link gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeOutcome {
    /// TCP: the handshake completes; UDP: an answer comes back.
    Connects,
    /// TCP: a reset comes back at once (a closed port, or `reject with tcp reset`); UDP: an
    /// ICMP port-unreachable error comes back (a closed port).
    Refused,
    /// Nothing comes back before the wait is over: a `drop`, or for UDP a port that is open
    /// or filtered (what nc calls "succeeded").
    TimesOut,
}

impl ProbeOutcome {
    pub const NAMES: &'static [&'static str] = &["connects", "refused", "times-out"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "connects" => Some(Self::Connects),
            "refused" => Some(Self::Refused),
            "times-out" => Some(Self::TimesOut),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Connects => "connects",
            Self::Refused => "refused",
            Self::TimesOut => "times-out",
        }
    }
}

/// A likely mistake: when the socket found has all of `when`'s facts, `say` explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mistake {
    pub when: Facts,
    pub say: String,
}

/// Facts about one socket; each one left out is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub kind: Option<SocketKind>,
    pub family: Option<Family>,
    pub address: Option<IpAddr>,
    /// The port: a number, or a lesson value such as `{ex_v6only}`.
    pub port: Option<PortRef>,
    /// The socket file's path, with `{value}` names still in it.
    pub path: Option<String>,
    pub state: Option<State>,
    pub ipv6only: Option<bool>,
    /// A listener's backlog (the Send-Q ss shows for it).
    pub backlog: Option<u32>,
    /// The socket file's permission bits, exactly (`"0600"`).
    pub mode: Option<u32>,
    pub owner: Option<Owner>,
}

impl Facts {
    /// The fact names a lesson may use, in the order differences are listed.
    pub const NAMES: &'static [&'static str] = &[
        "kind", "family", "address", "port", "path", "state", "ipv6only", "backlog", "mode",
        "owner",
    ];
}

/// A port in a fact: written as a number, or as the name of a lesson value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Number(u16),
    Value(String),
}

/// The kind of socket: its table in ss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketKind {
    Tcp,
    Udp,
    UnixStream,
    UnixDatagram,
    UnixSeqpacket,
}

impl SocketKind {
    pub const NAMES: &'static [&'static str] =
        &["tcp", "udp", "unix-stream", "unix-datagram", "unix-seqpacket"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "tcp" => Self::Tcp,
            "udp" => Self::Udp,
            "unix-stream" => Self::UnixStream,
            "unix-datagram" => Self::UnixDatagram,
            "unix-seqpacket" => Self::UnixSeqpacket,
            _ => return None,
        })
    }

    /// The name a lesson writes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::UnixStream => "unix-stream",
            Self::UnixDatagram => "unix-datagram",
            Self::UnixSeqpacket => "unix-seqpacket",
        }
    }

    /// Whether it is a Unix domain socket (found by path, not port).
    pub fn is_unix(self) -> bool {
        !matches!(self, Self::Tcp | Self::Udp)
    }

    /// Whether it has a listen backlog (a stream or seqpacket socket).
    pub fn has_backlog(self) -> bool {
        !matches!(self, Self::Udp | Self::UnixDatagram)
    }
}

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub const NAMES: &'static [&'static str] = &["ipv4", "ipv6"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ipv4" => Some(Self::Ipv4),
            "ipv6" => Some(Self::Ipv6),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
        }
    }

    /// The family of an address.
    pub fn of(address: IpAddr) -> Self {
        if address.is_ipv4() { Self::Ipv4 } else { Self::Ipv6 }
    }
}

/// A socket's state, in the two forms an exercise asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for connections: ss's LISTEN.
    Listening,
    /// Bound without a peer, as a datagram socket waits: ss's UNCONN.
    Unconnected,
    /// Anything else (connected, closing, TIME-WAIT…); only ever found, never asked for.
    Other,
}

impl State {
    pub const NAMES: &'static [&'static str] = &["listening", "unconnected"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "listening" => Some(Self::Listening),
            "unconnected" => Some(Self::Unconnected),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Listening => "listening",
            Self::Unconnected => "unconnected",
            Self::Other => "other",
        }
    }
}

/// Who owns a socket (the file's owner for a Unix socket bound to a path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// The user running socklab.
    You,
    /// root (uid 0).
    Root,
}

impl Owner {
    pub const NAMES: &'static [&'static str] = &["you", "root"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "you" => Some(Self::You),
            "root" => Some(Self::Root),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::You => "you",
            Self::Root => "root",
        }
    }
}

/// A question with choices; `C` as for [`Exercise`].
#[derive(Debug, Clone, PartialEq)]
pub struct Quiz<C = String> {
    pub id: String,
    pub title: String,
    /// The question, with `{value}` names still in it.
    pub question: String,
    pub choices: Vec<String>,
    /// Shown after the answer: why the answer is what it is.
    pub explain: String,
    pub needs: Vec<Need>,
    pub kind: QuizKind<C>,
}

/// How a quiz is graded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuizKind<C = String> {
    /// Multiple choice: `answer` is the index of the right choice (0-based here; the lesson
    /// writes it 1-based).
    Choice { answer: usize },
    /// Predict, then run: socklab runs `setup` (listeners) and then `run`; the choice whose
    /// outcome is what happened is right.
    Predict { setup: Vec<C>, run: C, outcomes: Vec<Outcome> },
}

/// What a predict-then-run quiz's command does, as its exit status tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Exit status 0.
    Succeeds,
    /// Any other exit status.
    Fails,
}

impl Outcome {
    pub const NAMES: &'static [&'static str] = &["succeeds", "fails"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "succeeds" => Some(Self::Succeeds),
            "fails" => Some(Self::Fails),
            _ => None,
        }
    }

    /// The outcome an exit status stands for.
    pub fn of_status(status: i32) -> Self {
        if status == 0 { Self::Succeeds } else { Self::Fails }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Succeeds => "succeeds",
            Self::Fails => "fails",
        }
    }
}
