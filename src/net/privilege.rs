//! Who may bind which port: the kernel's rule for "privileged" ports, read at run time.
//!
//! A port below `net.ipv4.ip_unprivileged_port_start` (1024 by default, 0 in many containers)
//! can only be bound with `CAP_NET_BIND_SERVICE`, which root normally has. We read the sysctl
//! and our effective capabilities instead of assuming 1024 and "root", so that the answer is
//! right in a container, under `setpriv`, and for a binary given the capability by `setcap`.

/// The capability number of `CAP_NET_BIND_SERVICE` (linux/capability.h).
const CAP_NET_BIND_SERVICE: u32 = 10;

/// The first port anyone may bind, from `/proc/sys/net/ipv4/ip_unprivileged_port_start`.
pub fn unprivileged_port_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(1024)
}

/// Our effective user id.
pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Whether this process holds `CAP_NET_BIND_SERVICE` in its effective set.
pub fn has_bind_capability() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    match effective_capabilities(&status) {
        Some(caps) => caps & (1 << CAP_NET_BIND_SERVICE) != 0,
        // Without /proc we cannot see capabilities; root is the best guess.
        None => euid() == 0,
    }
}

/// Parses the `CapEff:` line of `/proc/<pid>/status`.
pub fn effective_capabilities(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("CapEff:"))?;
    u64::from_str_radix(line["CapEff:".len()..].trim(), 16).ok()
}

/// Whether binding `port` needs a privilege this process does not have.
pub fn needs_privilege(port: u16) -> bool {
    port != 0 && port < unprivileged_port_start() && !has_bind_capability()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_effective_set() {
        let status = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t0000000000000400\n";
        assert_eq!(effective_capabilities(status), Some(1 << CAP_NET_BIND_SERVICE));
        assert_eq!(effective_capabilities("Name: x\n"), None);
    }

    #[test]
    fn port_zero_never_needs_privilege() {
        assert!(!needs_privilege(0));
    }
}
