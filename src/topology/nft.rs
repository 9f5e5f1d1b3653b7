//! A host's firewall, set up with the `nft` tool (Debian package nftables).
//!
//! socklab never runs a shell: `nft` is started directly, with the lesson's words as its
//! arguments, from a thread inside the host's network namespace, so the program is born
//! there. It needs CAP_NET_ADMIN in the lab's user namespace, which a program loses when it
//! starts unless it holds the capability as an *ambient* one: the thread raises
//! CAP_NET_ADMIN into its inheritable and ambient sets first (the thread ends with the
//! command, so socklab's other threads never carry it). Why a tool and not netlink:
//! ARCHITECTURE.md, "Libraries".

use std::io;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use caps::{CapSet, Capability};

use super::Host;
use crate::t;

/// Where the system's `nft` is. Only the system's own directories are searched, never the
/// PATH: the program gets CAP_NET_ADMIN, so it must not be one the student put first.
pub fn program() -> Option<PathBuf> {
    ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft", "/usr/local/sbin/nft"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
}

/// Runs `nft ARGS…` on `host` and returns what it printed and its status.
pub fn run(host: &Host, args: &[String]) -> io::Result<Output> {
    let program = program().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "nft"))?;
    host.run(|| {
        // Without the capability (outside a lab) nft is refused and says so itself.
        let _ = caps::raise(None, CapSet::Inheritable, Capability::CAP_NET_ADMIN)
            .and_then(|()| caps::raise(None, CapSet::Ambient, Capability::CAP_NET_ADMIN));
        Command::new(&program).args(args).env_clear().stdin(Stdio::null()).output()
    })?
}

/// One nft transaction that uses every kind of rule a lesson sets up (a drop, a reject with
/// a reset, an ICMP match, input and output hooks) on a table of its own, and deletes the
/// table again: nothing stays, and a kernel that lacks one of the pieces refuses it all.
const TRIAL: &str = "add table inet socklab_trial; \
    add chain inet socklab_trial in { type filter hook input priority 0; }; \
    add chain inet socklab_trial out { type filter hook output priority 0; }; \
    add rule inet socklab_trial in tcp dport 9 drop; \
    add rule inet socklab_trial in tcp dport 9 reject with tcp reset; \
    add rule inet socklab_trial out icmp type destination-unreachable drop; \
    delete table inet socklab_trial";

/// Whether `host` can have a firewall: `nft` installed, and nf_tables with the pieces the
/// lessons use available from here (built into the kernel or already loaded: a user
/// namespace cannot load a module). The reason, for the student, when not.
pub fn available(host: &Host) -> Result<(), String> {
    if program().is_none() {
        return Err(t!("topology.nft_missing"));
    }
    match run(host, &[TRIAL.to_owned()]) {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => {
            let said = String::from_utf8_lossy(&output.stderr);
            let first = said.lines().next().unwrap_or_default().trim().to_owned();
            Err(t!("topology.nftables_unavailable", error = first))
        }
        Err(err) => Err(t!("topology.nftables_unavailable", error = err)),
    }
}
