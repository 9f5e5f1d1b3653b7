//! Which processes hold which sockets: the `/proc/*/fd` walk behind `ss -p`.
//!
//! Every open socket appears in its holder's `/proc/PID/fd/N` as a link to `socket:[INODE]`,
//! and the inode is the one sock_diag reports. Walking every process is the slowest part of
//! an inspection, so it only happens when asked. Without root, the kernel lets us read only
//! our own processes' fd directories; other processes' sockets then have no holder.

use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use super::ProcessRef;

/// Which processes hold which socket inodes, kept compact: one 16-byte entry per open socket
/// (its inode, the process's place in `processes`, the fd), sorted by inode, and one entry
/// per process with its name. A host with tens of thousands of sockets costs a few hundred
/// KiB, not a name and two allocations per socket.
#[derive(Debug, Default)]
pub(super) struct Holders {
    processes: Vec<(u32, String)>,
    /// (inode, index into `processes`, fd), in ss's order within an inode.
    sockets: Vec<(u64, u32, u32)>,
}

impl Holders {
    /// The holders of one socket, in ss's order: the last process found first.
    pub(super) fn of(&self, inode: u64) -> Vec<ProcessRef> {
        let start = self.sockets.partition_point(|&(found, _, _)| found < inode);
        self.sockets[start..]
            .iter()
            .take_while(|&&(found, _, _)| found == inode)
            .map(|&(_, process, fd)| {
                let (pid, name) = &self.processes[process as usize];
                ProcessRef { name: name.clone(), pid: *pid, fd }
            })
            .collect()
    }

    /// Every holder of every socket.
    pub(super) fn all(&self) -> Vec<ProcessRef> {
        let mut inodes: Vec<u64> = self.sockets.iter().map(|&(inode, _, _)| inode).collect();
        inodes.dedup();
        inodes.into_iter().flat_map(|inode| self.of(inode)).collect()
    }
}

/// The holders of each socket inode in `wanted` (all sockets when `wanted` is `None`).
pub(super) fn holders(wanted: Option<&HashSet<u64>>) -> Holders {
    let mut found = Holders::default();
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
        let mut index: Option<u32> = None;
        for fd_entry in fds.flatten() {
            let Some(fd) = parse_u32(fd_entry.file_name().as_bytes()) else { continue };
            let Ok(target) = fs::read_link(fd_entry.path()) else { continue };
            let Some(inode) = socket_inode(target.as_os_str().as_bytes()) else { continue };
            if wanted.is_some_and(|wanted| !wanted.contains(&inode)) {
                continue;
            }
            let index = *index.get_or_insert_with(|| {
                found.processes.push((pid, command_name(pid)));
                (found.processes.len() - 1) as u32
            });
            found.sockets.push((inode, index, fd));
        }
    }
    // ss prepends each find to its list, so it prints the highest pid and fd first.
    let processes = &found.processes;
    found.sockets.sort_unstable_by_key(|&(inode, process, fd)| {
        (inode, std::cmp::Reverse((processes[process as usize].0, fd)))
    });
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
        let found = holders(Some(&wanted)).of(inode);
        let me = std::process::id();
        assert!(
            found.iter().any(|p| p.pid == me && p.fd == u32::try_from(fd).unwrap()),
            "{found:?}"
        );
        let everything = holders(None);
        assert_eq!(everything.of(inode), found);
        assert!(everything.all().len() >= found.len());
    }
}
