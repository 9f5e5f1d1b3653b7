//! Which processes hold which sockets: the `/proc/*/fd` walk behind `ss -p`.
//!
//! Every open socket appears in its holder's `/proc/PID/fd/N` as a link to `socket:[INODE]`,
//! and the inode is the one sock_diag reports. Walking every process is the slowest part of
//! an inspection, so it only happens when asked. Without root, the kernel lets us read only
//! our own processes' fd directories; other processes' sockets then have no holder.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::os::unix::ffi::OsStrExt;

use super::ProcessRef;

/// The holders of each socket inode in `wanted` (all sockets when `wanted` is `None`), in ss's
/// order: the last process found first.
pub(super) fn holders(wanted: Option<&HashSet<u64>>) -> HashMap<u64, Vec<ProcessRef>> {
    let mut found: HashMap<u64, Vec<ProcessRef>> = HashMap::new();
    if wanted.is_some_and(HashSet::is_empty) {
        return found;
    }
    let Ok(proc_dir) = fs::read_dir("/proc") else { return found };
    let mut path = String::with_capacity(32);
    for entry in proc_dir.flatten() {
        let Some(pid) = parse_u32(entry.file_name().as_bytes()) else { continue };
        path.clear();
        path.push_str("/proc/");
        path.push_str(&pid.to_string());
        path.push_str("/fd");
        // Another user's process (without root) or one that just exited: nothing to see.
        let Ok(fds) = fs::read_dir(&path) else { continue };
        let mut name: Option<String> = None;
        for fd_entry in fds.flatten() {
            let Some(fd) = parse_u32(fd_entry.file_name().as_bytes()) else { continue };
            let Ok(target) = fs::read_link(fd_entry.path()) else { continue };
            let Some(inode) = socket_inode(target.as_os_str().as_bytes()) else { continue };
            if wanted.is_some_and(|wanted| !wanted.contains(&inode)) {
                continue;
            }
            let name = name.get_or_insert_with(|| command_name(pid)).clone();
            found.entry(inode).or_default().push(ProcessRef { name, pid, fd });
        }
    }
    for refs in found.values_mut() {
        // ss prepends each find to its list, so it prints the highest pid and fd first.
        refs.sort_unstable_by_key(|holder| std::cmp::Reverse((holder.pid, holder.fd)));
    }
    found
}

/// The inode in a `socket:[N]` link target.
pub(super) fn socket_inode(target: &[u8]) -> Option<u64> {
    let digits = target.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn parse_u32(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// The command name from `/proc/PID/stat`, read as ss reads it (`%*d (%[^)])`: up to the
/// first closing parenthesis).
fn command_name(pid: u32) -> String {
    let stat = fs::read(format!("/proc/{pid}/stat")).unwrap_or_default();
    comm_from_stat(&stat)
}

pub(super) fn comm_from_stat(stat: &[u8]) -> String {
    let Some(open) = stat.iter().position(|&byte| byte == b'(') else { return String::new() };
    let rest = &stat[open + 1..];
    let close = rest.iter().position(|&byte| byte == b')').unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..close]).into_owned()
}

/// Whether this process can see every process's fds (only root can).
pub(super) fn sees_all_processes() -> bool {
    rustix::process::geteuid().is_root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_socket_links_and_command_names() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"pipe:[12345]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
        assert_eq!(comm_from_stat(b"5845 (socat) S 1 5845"), "socat");
        assert_eq!(comm_from_stat(b"77 (a b) R 1"), "a b");
        assert_eq!(comm_from_stat(b"garbage"), "");
    }

    #[test]
    fn finds_a_socket_this_process_holds() {
        use std::os::fd::AsRawFd;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fd = listener.as_raw_fd();
        let link = fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
        let inode = socket_inode(link.as_os_str().as_bytes()).unwrap();
        let wanted = HashSet::from([inode]);
        let found = holders(Some(&wanted));
        let me = std::process::id();
        assert!(
            found[&inode].iter().any(|p| p.pid == me && p.fd == u32::try_from(fd).unwrap()),
            "{found:?}"
        );
    }
}
