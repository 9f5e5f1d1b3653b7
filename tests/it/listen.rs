//! `socklab listen` against the kernel: each of the six socat listeners is really there (the
//! kernel's tables list its socket, clients reach it, others cannot take its port), behaves
//! like `socat ADDRESS /dev/null` under load, stops cleanly on SIGINT and SIGTERM, refuses
//! what it must with an explanation, and, where socat and ss are installed, looks to ss exactly
//! as socat's listeners do.
//!
//! Other tests (and other people's tests) run at the same time on this machine: every port is
//! chosen by the kernel (port 0) or re-checked when a test must pick one, every path is in a
//! temporary directory, and each test finds its own sockets by inode, port, path or pid.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use socket2::{Domain, Socket, Type};
use socklab::net::inspect::{self, Netid};
use socklab::net::listen::{self, ListenKind, ListenSpec, ListenTarget, Listener};
use socklab::net::privilege;

use crate::support;

/// How long a test waits for something that should happen at once. Generous, because the
/// machine is shared; never a measure of speed.
const PATIENCE: Duration = Duration::from_secs(20);

/// Opens a listener in-process, or panics with socklab's explanation.
fn open(address: &str) -> Listener {
    let spec: ListenSpec = address.parse().unwrap_or_else(|failure| panic!("{address}: {failure}"));
    Listener::open(&spec).unwrap_or_else(|failure| panic!("{address}: {failure}"))
}

/// Opening `address` fails; returns the explanation as printed.
fn refused(address: &str) -> String {
    let spec: ListenSpec = address.parse().unwrap_or_else(|failure| panic!("{address}: {failure}"));
    match Listener::open(&spec) {
        Ok(listener) => panic!("{address} opened: {}", listener.ready_message()),
        Err(failure) => failure.to_string(),
    }
}

fn temp_dir() -> tempfile::TempDir {
    // Directly in /tmp: short paths leave room under the 107-byte limit.
    tempfile::Builder::new().prefix("sl-").tempdir_in("/tmp").unwrap()
}

/// Polls `check` until it returns `Some` or [`PATIENCE`] runs out.
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// The kernel's tables, read directly from /proc/net (not through socklab's own inspect).

/// One socket of `/proc/net/{tcp,tcp6,udp,udp6}`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct InetEntry {
    port: u16,
    /// TCP_* state: 0x0A LISTEN, 0x07 CLOSE (an unconnected UDP socket).
    state: u8,
    rx_queue: u64,
    inode: u64,
}

fn proc_net_inet(table: &str) -> Vec<InetEntry> {
    let text = std::fs::read_to_string(format!("/proc/net/{table}")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let port = u16::from_str_radix(fields.get(1)?.rsplit_once(':')?.1, 16).ok()?;
            let state = u8::from_str_radix(fields.get(3)?, 16).ok()?;
            let rx_queue = u64::from_str_radix(fields.get(4)?.split_once(':')?.1, 16).ok()?;
            let inode = fields.get(9)?.parse().ok()?;
            Some(InetEntry { port, state, rx_queue, inode })
        })
        .collect()
}

/// One socket of `/proc/net/unix`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UnixEntry {
    flags: u32,
    /// 1 SOCK_STREAM, 2 SOCK_DGRAM.
    kind: u16,
    inode: u64,
    path: Option<String>,
}

/// `__SO_ACCEPTCON` in /proc/net/unix's Flags: the socket is listening.
const ACCEPTCON: u32 = 1 << 16;

fn proc_net_unix() -> Vec<UnixEntry> {
    let text = std::fs::read_to_string("/proc/net/unix").unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some(UnixEntry {
                flags: u32::from_str_radix(fields.get(3)?, 16).ok()?,
                kind: u16::from_str_radix(fields.get(4)?, 16).ok()?,
                inode: fields.get(6)?.parse().ok()?,
                path: (fields.len() > 7).then(|| fields[7..].join(" ")),
            })
        })
        .collect()
}

fn inet_entry(table: &str, inode: u64) -> Option<InetEntry> {
    proc_net_inet(table).into_iter().find(|entry| entry.inode == inode)
}

/// Every socket inode in the kernel's tables.
fn all_socket_inodes() -> HashSet<u64> {
    let mut inodes: HashSet<u64> = ["tcp", "tcp6", "udp", "udp6"]
        .iter()
        .flat_map(|table| proc_net_inet(table))
        .map(|entry| entry.inode)
        .collect();
    inodes.extend(proc_net_unix().into_iter().map(|entry| entry.inode));
    inodes
}

/// The socket inodes a process holds, from `/proc/PID/fd/*` (`socket:[N]`).
fn socket_inodes_of(pid: u32) -> HashSet<u64> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return HashSet::new() };
    entries
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_str()?.to_owned();
            link.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with(field)).unwrap();
    line[field.len()..].trim().trim_end_matches(" kB").parse().unwrap()
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count()
}

fn is_addr_in_use<T>(result: &std::io::Result<T>) -> bool {
    matches!(result, Err(err) if err.kind() == std::io::ErrorKind::AddrInUse)
}

// ---------------------------------------------------------------------------------------------
// The socklab binary, run as a listener.

/// A running `socklab listen`; killed (SIGKILL) if a test ends before it exits.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// The stderr lines read so far.
    stderr: Vec<String>,
}

impl Running {
    /// Starts `socklab listen ADDRESSES` and waits for one ready line per address.
    fn start(addresses: &[String]) -> Self {
        let mut child = spawn_listen(addresses);
        let (sender, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut running = Self { child, lines, stderr: Vec::new() };
        let deadline = Instant::now() + PATIENCE;
        while running.ready_lines().len() < addresses.len() {
            match running.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => running.stderr.push(line),
                Err(_) => {
                    let status = running.child.try_wait().unwrap();
                    panic!(
                        "socklab listen {addresses:?} did not get ready (exit: {status:?}):\n{}",
                        running.stderr.join("\n")
                    );
                }
            }
        }
        running
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn ready_lines(&self) -> Vec<&str> {
        self.stderr.iter().filter_map(|line| line.strip_prefix("socklab: listening on ")).collect()
    }

    /// The bound address of the `index`th (TCP or UDP) address, from its ready line.
    fn inet_addr(&self, index: usize) -> SocketAddr {
        let line = self.ready_lines()[index];
        let (_proto, rest) = line.split_once(' ').unwrap();
        let addr = rest.split_once(" (").unwrap().0;
        addr.parse().unwrap_or_else(|err| panic!("{line}: {err}"))
    }

    fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.pid()).unwrap()).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
    }

    /// Waits for the process to end; returns its status and everything it wrote on stderr.
    fn wait(mut self) -> (ExitStatus, String) {
        let status = eventually("socklab to exit", || self.child.try_wait().unwrap());
        // The reader thread ends at end-of-file; what it has not sent yet follows.
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            self.stderr.push(line);
        }
        (status, self.stderr.join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `socklab listen ADDRESSES` with its stderr piped (where it reports).
fn spawn_listen(addresses: &[String]) -> std::process::Child {
    support::socklab()
        .args(["listen", "--notes"])
        .args(addresses)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `socklab listen ADDRESSES`, which must fail; returns its exit code and stderr. A
/// listener that starts instead is stopped, and the test fails.
fn cli_refusal(addresses: &[String]) -> (i32, String) {
    let mut child = spawn_listen(addresses);
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("socklab listen {addresses:?} kept running instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code().unwrap_or(-1), stderr)
}

fn strings(addresses: &[&str]) -> Vec<String> {
    addresses.iter().map(|address| (*address).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Each kind is really there.

/// A TCP listener: the kernel lists it as LISTEN with its inode, a client connects, and gets
/// socat's end-of-file at once (what `/dev/null` on the other side gives).
fn check_tcp(listener: &Listener, table: &str) {
    let addr = listener.local_addr().unwrap();
    assert_ne!(addr.port(), 0, "port 0 must be resolved to the real port");
    let entry = inet_entry(table, listener.inode())
        .unwrap_or_else(|| panic!("inode {} not in /proc/net/{table}", listener.inode()));
    assert_eq!((entry.port, entry.state), (addr.port(), 0x0A), "{entry:?}");
    assert!(socket_inodes_of(std::process::id()).contains(&listener.inode()));

    let target = SocketAddr::new(loopback_for(addr.ip()), addr.port());
    let mut client = TcpStream::connect_timeout(&target, PATIENCE).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client.write_all(b"thrown away").unwrap();
    let mut buffer = [0; 16];
    assert_eq!(client.read(&mut buffer).unwrap(), 0, "the listener sends nothing, then EOF");
}

/// A UDP listener: the kernel lists it (unconnected, state CLOSE), nobody else can bind its
/// port, and what is sent to it is read (its receive queue empties).
fn check_udp(listener: &Listener, table: &str) {
    let addr = listener.local_addr().unwrap();
    assert_ne!(addr.port(), 0);
    let entry = inet_entry(table, listener.inode()).unwrap();
    assert_eq!((entry.port, entry.state), (addr.port(), 0x07), "{entry:?}");
    assert!(is_addr_in_use(&UdpSocket::bind(addr)), "{addr} must be taken");

    let target = SocketAddr::new(loopback_for(addr.ip()), addr.port());
    let client = UdpSocket::bind(SocketAddr::new(target.ip(), 0)).unwrap();
    for _ in 0..10 {
        client.send_to(b"thrown away", target).unwrap();
    }
    eventually("the datagrams to be read", || {
        (inet_entry(table, listener.inode())?.rx_queue == 0).then_some(())
    });
}

fn loopback_for(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => "::1".parse().unwrap(),
        other => other,
    }
}

/// A Unix listener: its file is a socket (the one the listener reports), the kernel lists the
/// socket under its path, and dropping the listener removes the file.
fn check_unix(listener: &Listener, kind: u16) {
    let path = listener.path().unwrap();
    let metadata = std::fs::symlink_metadata(path).unwrap();
    assert!(metadata.file_type().is_socket());
    assert_eq!(listener.file_id(), Some((metadata.dev(), metadata.ino())));
    assert_ne!(metadata.ino(), listener.inode(), "the file's inode is not the socket's");
    let entry = proc_net_unix().into_iter().find(|entry| entry.inode == listener.inode()).unwrap();
    assert_eq!(entry.path.as_deref(), path.to_str());
    assert_eq!(entry.kind, kind);
    assert_eq!(entry.flags & ACCEPTCON != 0, kind == 1, "only the stream socket listens");
    assert!(socket_inodes_of(std::process::id()).contains(&listener.inode()));
}

#[test]
fn every_kind_is_open_in_the_kernel_and_gone_after_drop() {
    let dir = temp_dir();
    let stream_path = dir.path().join("stream.sock");
    let datagram_path = dir.path().join("datagram.sock");

    let mut listeners = vec![
        open("TCP4-LISTEN:0,fork"),
        open("TCP4-LISTEN:0,bind=127.0.0.1,fork"),
        open("UDP4-LISTEN:0,bind=127.0.0.1,fork"),
        open(&format!("UNIX-LISTEN:{},fork", stream_path.display())),
        open(&format!("UNIX-RECVFROM:{},fork", datagram_path.display())),
    ];
    assert_eq!(listeners[0].local_addr().unwrap().ip(), Ipv4Addr::UNSPECIFIED, "socat's default");
    check_tcp(&listeners[0], "tcp");
    check_tcp(&listeners[1], "tcp");
    check_udp(&listeners[2], "udp");
    check_unix(&listeners[3], 1);
    UnixStream::connect(&stream_path).unwrap();
    check_unix(&listeners[4], 2);
    UnixDatagram::unbound().unwrap().send_to(b"thrown away", &datagram_path).unwrap();

    if support::ipv6_available() {
        listeners.push(open("TCP6-LISTEN:0,bind=[::1],ipv6only=1,fork"));
        listeners.push(open("UDP6-LISTEN:0,bind=[::1],ipv6only=1,fork"));
        check_tcp(&listeners[5], "tcp6");
        check_udp(&listeners[6], "udp6");
    }

    let inodes: Vec<u64> = listeners.iter().map(Listener::inode).collect();
    let count = listeners.len();
    let started = Instant::now();
    drop(listeners);
    eprintln!("dropping {count} listeners took {:?} (reported, not asserted)", started.elapsed());
    assert!(!stream_path.exists() && !datagram_path.exists(), "socket files must be removed");
    let remaining = all_socket_inodes();
    assert!(inodes.iter().all(|inode| !remaining.contains(inode)), "a socket outlived its drop");
}

#[test]
fn ipv6only_decides_whether_ipv4_may_share_the_port() {
    if !support::ipv6_available() {
        return;
    }
    // With ipv6only=1 the IPv4 port stays free for an IPv4 listener. The kernel chose the port
    // for IPv6 only, so some other program may hold it in IPv4: then try another one.
    let shared = (0..20).find_map(|_| {
        let only = open("TCP6-LISTEN:0,ipv6only=1,fork");
        let port = only.local_addr().unwrap().port();
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port));
        let taken_by_others =
            proc_net_inet("tcp").iter().any(|entry| entry.port == port && entry.state == 0x0A);
        match v4 {
            Ok(v4) => Some((only, v4)),
            Err(err) if taken_by_others => {
                eprintln!(
                    "notice: IPv4 port {port} is in use by another program ({err}); retrying"
                );
                None
            }
            Err(err) => panic!("ipv6only=1 on [::]:{port} still blocked IPv4: {err}"),
        }
    });
    assert!(shared.is_some(), "no port could be shared in 20 tries");

    // Without it, the [::] listener is dual-stack and holds the IPv4 port too.
    let dual = open("TCP6-LISTEN:0,ipv6only=0,fork");
    let port = dual.local_addr().unwrap().port();
    assert!(is_addr_in_use(&TcpListener::bind((Ipv4Addr::LOCALHOST, port))));
    assert!(dual.notes().iter().any(|note| note.contains(&format!("*:{port}"))));

    // socklab explains the clash, from the other side: an IPv4 listener first.
    let v4 = open("TCP4-LISTEN:0,bind=127.0.0.1");
    let port = v4.local_addr().unwrap().port();
    let text = refused(&format!("TCP6-LISTEN:{port},ipv6only=0"));
    assert!(text.contains("already taken"), "{text}");
    assert!(text.contains("dual-stack") && text.contains("ipv6only=1"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Load: probes never hang, floods do not grow the process.

#[test]
fn probes_never_hang_on_a_small_backlog() {
    // First, what happens without an accept loop: with backlog 1 the kernel queues two
    // connections, and the next handshakes are not answered.
    let bare = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    bare.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into()).unwrap();
    bare.listen(1).unwrap();
    let bare_addr = bare.local_addr().unwrap().as_socket().unwrap();
    let attempts: Vec<_> = (0..4)
        .map(|_| TcpStream::connect_timeout(&bare_addr, Duration::from_millis(300)))
        .collect();
    assert!(attempts.iter().any(Result::is_err), "a listener nobody accepts on must fill up");

    // socklab takes each connection off the queue at once, so 50 probes, held open, all get
    // through. Each probe starts once the previous one has been accepted, as a student's
    // probes do: fired back-to-back from one thread, two loopback handshakes complete before
    // any sleeping thread can wake up, and the kernel drops the next SYN for a second whatever
    // the listener does (socat itself loses that race too).
    let listener = open("TCP4-LISTEN:0,bind=127.0.0.1,backlog=1,fork");
    let addr = listener.local_addr().unwrap();
    let accept_queue = || inet_entry("tcp", listener.inode()).map(|entry| entry.rx_queue);
    let mut held = Vec::new();
    for probe in 0..50 {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
            .unwrap_or_else(|err| panic!("probe {probe} did not connect: {err}"));
        held.push(stream);
        eventually("the listener to accept", || (accept_queue()? == 0).then_some(()));
    }
}

#[test]
fn a_flood_neither_grows_threads_nor_piles_up_connections() {
    let running = Running::start(&strings(&[
        "TCP4-LISTEN:0,bind=127.0.0.1,fork",
        "UDP4-LISTEN:0,bind=127.0.0.1,fork",
    ]));
    let pid = running.pid();
    let tcp = running.inet_addr(0);
    let udp = running.inet_addr(1);
    // The main thread and each listener's serving thread.
    let thread_bound = 1 + 2 * listen::MAX_THREADS_PER_LISTENER;
    // stdio, the signal pipe, two listening sockets, the connections being drained, a peer
    // socket for the UDP sender, and some slack: far below the 300 connections held open.
    let fd_bound = 3 + 2 + 2 + listen::MAX_CONNECTIONS + 1 + 8;
    assert!(status_field(pid, "Threads:") as usize <= thread_bound);

    let mut held = Vec::new();
    for index in 0..300 {
        let stream = TcpStream::connect_timeout(&tcp, PATIENCE)
            .unwrap_or_else(|err| panic!("connection {index} failed: {err}"));
        held.push(stream);
    }
    let threads = status_field(pid, "Threads:") as usize;
    let fds = open_fds(pid);
    eprintln!("with 300 connections held open: {threads} threads, {fds} fds");
    assert!(threads <= thread_bound, "{threads} threads > {thread_bound}");
    assert!(fds <= fd_bound, "{fds} fds open: connections pile up");

    let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    for _ in 0..10_000 {
        sender.send_to(&[0x5a; 512], udp).unwrap();
    }
    let threads = status_field(pid, "Threads:") as usize;
    let rss = status_field(pid, "VmRSS:");
    eprintln!("after 10,000 datagrams: {threads} threads, {rss} kB resident");
    assert!(threads <= thread_bound, "{threads} threads > {thread_bound}");
    eventually("the UDP receive queue to empty", || {
        let entry = proc_net_inet("udp").into_iter().find(|entry| entry.port == udp.port())?;
        (entry.rx_queue == 0).then_some(())
    });

    drop(held);
    let mut late = TcpStream::connect_timeout(&tcp, PATIENCE).unwrap();
    late.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(late.read(&mut [0; 8]).unwrap(), 0, "a new connection is still served");
}

// ---------------------------------------------------------------------------------------------
// Stopping.

fn stops_cleanly_on(signal: Signal) {
    let dir = temp_dir();
    let stream_path = dir.path().join("stream.sock");
    let datagram_path = dir.path().join("datagram.sock");
    let running = Running::start(&[
        "TCP4-LISTEN:0,bind=127.0.0.1,fork".to_owned(),
        "UDP4-LISTEN:0,bind=127.0.0.1,fork".to_owned(),
        format!("UNIX-LISTEN:{},fork", stream_path.display()),
        format!("UNIX-RECVFROM:{},fork", datagram_path.display()),
    ]);
    let (tcp, udp) = (running.inet_addr(0), running.inet_addr(1));
    assert!(std::fs::symlink_metadata(&stream_path).unwrap().file_type().is_socket());
    assert!(std::fs::symlink_metadata(&datagram_path).unwrap().file_type().is_socket());
    let pid = running.pid();
    let inodes = socket_inodes_of(pid);
    assert!(inodes.len() >= 4, "{inodes:?}");

    running.signal(signal);
    let (status, stderr) = running.wait();
    // Like socat: cleaned up, then exit status 128 + the signal (130, 143).
    assert_eq!(status.code(), Some(128 + signal.as_raw()), "{signal:?}: {status}\n{stderr}");
    assert!(!stream_path.exists() && !datagram_path.exists(), "socket files left behind");
    let remaining = all_socket_inodes();
    assert!(inodes.iter().all(|inode| !remaining.contains(inode)), "sockets outlived socklab");
    // The ports are free again (unless, by chance, another program took one meanwhile: then
    // it must not be socklab's pid that holds it).
    let tcp_again = TcpListener::bind(tcp);
    if let Err(err) = &tcp_again {
        let holders = inspect::holders_of_port(Netid::Tcp, tcp.port());
        assert!(holders.iter().all(|holder| holder.pid != pid), "{err}: {holders:?}");
    }
    let udp_again = UdpSocket::bind(udp);
    if let Err(err) = &udp_again {
        let holders = inspect::holders_of_port(Netid::Udp, udp.port());
        assert!(holders.iter().all(|holder| holder.pid != pid), "{err}: {holders:?}");
    }
}

#[test]
fn sigint_closes_everything_and_removes_the_socket_files() {
    stops_cleanly_on(Signal::INT);
}

#[test]
fn sigterm_closes_everything_and_removes_the_socket_files() {
    stops_cleanly_on(Signal::TERM);
}

#[test]
fn a_panic_still_removes_the_socket_file() {
    let dir = temp_dir();
    let path = dir.path().join("panic.sock");
    let address = format!("UNIX-LISTEN:{},fork", path.display());
    let outcome = std::panic::catch_unwind(|| {
        let _listener = open(&address);
        assert!(path.exists());
        panic!("a lesson step failed while the listener was open");
    });
    assert!(outcome.is_err());
    assert!(!path.exists(), "the guard must remove the socket file while unwinding");
}

#[test]
fn a_failing_address_closes_the_ones_already_open() {
    let dir = temp_dir();
    let first = dir.path().join("first.sock");
    let regular = dir.path().join("regular");
    std::fs::write(&regular, b"not a socket").unwrap();
    let (code, stderr) = cli_refusal(&[
        format!("UNIX-LISTEN:{},fork", first.display()),
        "TCP4-LISTEN:0,bind=127.0.0.1".to_owned(),
        format!("UNIX-RECVFROM:{},fork", regular.display()),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("listening on"), "the first ones did open:\n{stderr}");
    assert!(stderr.contains("not a socket"), "{stderr}");
    assert!(!first.exists(), "the socket file of the first address must be removed");
    assert_eq!(std::fs::read(&regular).unwrap(), b"not a socket");
}

// ---------------------------------------------------------------------------------------------
// What is already at a Unix socket path.

#[test]
fn a_file_that_is_not_a_socket_is_refused_and_left_exactly_as_it_was() {
    let dir = temp_dir();
    let path = dir.path().join("precious.txt");
    std::fs::write(&path, b"precious data\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = std::fs::symlink_metadata(&path).unwrap();

    // A symbolic link to a stale socket is not a socket either, even with unlink-early.
    let stale = dir.path().join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    let link = dir.path().join("link.sock");
    std::os::unix::fs::symlink(&stale, &link).unwrap();

    for kind in ["UNIX-LISTEN", "UNIX-RECVFROM"] {
        for options in [",fork", ",unlink-early,fork"] {
            let (code, stderr) = cli_refusal(&[format!("{kind}:{}{options}", path.display())]);
            assert_eq!(code, 1, "{stderr}");
            assert!(stderr.contains("a regular file, not a socket"), "{stderr}");
            let (code, stderr) = cli_refusal(&[format!("{kind}:{}{options}", link.display())]);
            assert_eq!(code, 1, "{stderr}");
            assert!(stderr.contains("a symbolic link, not a socket"), "{stderr}");
        }
    }
    let after = std::fs::symlink_metadata(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"precious data\n");
    assert_eq!(
        (after.ino(), after.mode(), after.mtime(), after.mtime_nsec(), after.len()),
        (before.ino(), before.mode(), before.mtime(), before.mtime_nsec(), before.len())
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::symlink_metadata(&stale).unwrap().file_type().is_socket());
}

#[test]
fn a_stale_socket_is_explained_and_unlink_early_replaces_it() {
    let dir = temp_dir();
    for kind in ["UNIX-LISTEN", "UNIX-RECVFROM"] {
        let path = dir.path().join(format!("{kind}.sock"));
        drop(UnixListener::bind(&path).unwrap());
        let old = std::fs::symlink_metadata(&path).unwrap();
        // A second name for the stale file keeps its inode alive, so a new file cannot get the
        // same inode number, and shows that unlink-early removes the name, nothing else.
        let second_name = dir.path().join(format!("{kind}.link"));
        std::fs::hard_link(&path, &second_name).unwrap();

        let (code, stderr) = cli_refusal(&[format!("{kind}:{},fork", path.display())]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("stale socket file"), "{stderr}");
        assert!(stderr.contains(&format!("rm {}", path.display())), "{stderr}");
        assert!(stderr.contains("unlink-early"), "{stderr}");
        assert_eq!(std::fs::symlink_metadata(&path).unwrap().ino(), old.ino(), "left in place");

        let listener = open(&format!("{kind}:{},unlink-early,fork", path.display()));
        let new = std::fs::symlink_metadata(&path).unwrap();
        assert_ne!(new.ino(), old.ino(), "a new socket file replaces the stale one");
        assert_eq!(listener.file_id(), Some((new.dev(), new.ino())));
        if kind == "UNIX-LISTEN" {
            UnixStream::connect(&path).unwrap();
        } else {
            UnixDatagram::unbound().unwrap().connect(&path).unwrap();
        }
        drop(listener);
        assert!(!path.exists());
        assert_eq!(std::fs::symlink_metadata(&second_name).unwrap().ino(), old.ino());
    }
}

#[test]
fn a_live_socket_is_reported_in_use_and_kept() {
    let dir = temp_dir();
    let stream_path = dir.path().join("live-stream.sock");
    let datagram_path = dir.path().join("live-datagram.sock");
    let _live_stream = UnixListener::bind(&stream_path).unwrap();
    let _live_datagram = UnixDatagram::bind(&datagram_path).unwrap();
    for path in [&stream_path, &datagram_path] {
        let ino = std::fs::symlink_metadata(path).unwrap().ino();
        for kind in ["UNIX-LISTEN", "UNIX-RECVFROM"] {
            for options in [",fork", ",unlink-early,fork"] {
                let (code, stderr) = cli_refusal(&[format!("{kind}:{}{options}", path.display())]);
                assert_eq!(code, 1, "{stderr}");
                assert!(stderr.contains("is in use"), "{stderr}");
            }
        }
        assert_eq!(std::fs::symlink_metadata(path).unwrap().ino(), ino, "the live file is kept");
    }
    UnixStream::connect(&stream_path).unwrap();
    UnixDatagram::unbound().unwrap().connect(&datagram_path).unwrap();
}

#[test]
fn the_socket_path_limit_is_107_bytes() {
    let dir = temp_dir();
    let path_of = |len: usize| {
        let prefix = format!("{}/", dir.path().display());
        assert!(prefix.len() < 90, "temporary directory path too long: {prefix}");
        PathBuf::from(format!("{prefix}{}", "p".repeat(len - prefix.len())))
    };
    let fits = path_of(listen::MAX_PATH_BYTES);
    assert_eq!(fits.as_os_str().len(), 107);
    let listener = open(&format!("UNIX-LISTEN:{},fork", fits.display()));
    assert!(std::fs::symlink_metadata(&fits).unwrap().file_type().is_socket());
    drop(listener);
    assert!(!fits.exists());

    let too_long = path_of(108);
    let address = format!("UNIX-RECVFROM:{},fork", too_long.display());
    let text = address.parse::<ListenSpec>().unwrap_err().to_string();
    assert!(text.contains("108 bytes long") && text.contains("at most 107"), "{text}");
    // A spec built by hand is checked as well, before any syscall.
    let spec = ListenSpec::new(ListenKind::UnixStream, ListenTarget::Path(too_long.clone()));
    let text = Listener::open(&spec).unwrap_err().to_string();
    assert!(text.contains("at most 107"), "{text}");
    let (code, stderr) = cli_refusal(&[format!("UNIX-LISTEN:{}", too_long.display())]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at most 107"), "{stderr}");
    assert!(!too_long.exists());
}

// ---------------------------------------------------------------------------------------------
// Ports that cannot be had.

#[test]
fn a_privileged_port_is_explained() {
    let start = privilege::unprivileged_port_start();
    if start <= 1 {
        eprintln!("notice: ip_unprivileged_port_start is {start}: no privileged port to test");
        return;
    }
    let port = start - 1;
    let address = format!("TCP4-LISTEN:{port},bind=127.0.0.1,fork");
    let output = if privilege::needs_privilege(port) {
        cli_refusal(std::slice::from_ref(&address))
    } else if privilege::euid() == 0 && which::which("setpriv").is_ok() {
        // As root, drop to nobody for the attempt.
        let binary = env!("CARGO_BIN_EXE_socklab");
        let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
        let usable = Command::new("setpriv").args(nobody).args([binary, "--version"]).output();
        if !usable.is_ok_and(|output| output.status.success()) {
            eprintln!("notice: uid 65534 cannot run {binary}; skipping the privileged-port case");
            return;
        }
        let output = Command::new("setpriv")
            .args(nobody)
            .args([binary, "listen", &address])
            .env("SOCKLAB_LANG", "en")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
    } else {
        eprintln!("notice: this process may bind port {port} and cannot drop privileges; skipping");
        return;
    };
    let (code, stderr) = output;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("port {port} is a privileged port")), "{stderr}");
    assert!(stderr.contains(&format!("which is {start} on this host")), "{stderr}");
    assert!(stderr.contains("sudo socklab listen"), "{stderr}");
    assert!(stderr.contains(&format!("port of {start} or above")), "{stderr}");
}

#[test]
fn reuseaddr_lets_a_listener_restart_over_time_wait() {
    let first = open("TCP4-LISTEN:0,bind=127.0.0.1,fork");
    let addr = first.local_addr().unwrap();
    let mut client = TcpStream::connect_timeout(&addr, PATIENCE).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(client.read(&mut [0; 8]).unwrap(), 0, "socklab closes its side first");
    drop(client);
    // The side that closed first keeps the connection in TIME-WAIT, on the listener's port.
    eventually("socklab's side to be in TIME-WAIT", || {
        let tables = proc_net_inet("tcp");
        tables.iter().any(|entry| entry.port == addr.port() && entry.state == 0x06).then_some(())
    });
    drop(first);
    let someone_else = || !inspect::holders_of_port(Netid::Tcp, addr.port()).is_empty();

    // Without SO_REUSEADDR (socat 1.7's default), the restart is refused, and explained.
    let spec: ListenSpec =
        format!("TCP4-LISTEN:{},bind=127.0.0.1,reuseaddr=0", addr.port()).parse().unwrap();
    match Listener::open(&spec) {
        Ok(_) => panic!("bound {addr} over TIME-WAIT without SO_REUSEADDR"),
        Err(failure) if someone_else() => {
            eprintln!("notice: port {} was taken meanwhile: {failure}", addr.port());
            return;
        }
        Err(failure) => {
            let text = failure.to_string();
            assert!(text.contains("TIME-WAIT") && text.contains("reuseaddr=0"), "{text}");
        }
    }
    // socklab's default, like socat 1.8's, sets it: the same port opens again at once.
    let spec: ListenSpec =
        format!("TCP4-LISTEN:{},bind=127.0.0.1,fork", addr.port()).parse().unwrap();
    match Listener::open(&spec) {
        Ok(again) => assert_eq!(again.local_addr(), Some(addr)),
        Err(failure) if someone_else() => eprintln!("notice: port taken meanwhile: {failure}"),
        Err(failure) => panic!("restart over TIME-WAIT failed: {failure}"),
    }
}

#[test]
fn an_address_this_host_does_not_have_is_explained() {
    // 192.0.2.0/24 is reserved for documentation: no host has it. Nothing is sent anywhere.
    let text = refused("TCP4-LISTEN:0,bind=192.0.2.1,fork");
    assert!(text.contains("192.0.2.1 is not an address of this host"), "{text}");
    assert!(text.contains("leave bind= out"), "{text}");
}

#[test]
fn ipv6_switched_off_is_explained() {
    // Switching IPv6 off needs a network namespace of our own, so root.
    let tools = ["unshare", "ip", "sh"].iter().all(|tool| which::which(tool).is_ok());
    if privilege::euid() != 0 || !tools {
        eprintln!("notice: needs root, unshare and ip to switch IPv6 off in a namespace; skipping");
        return;
    }
    let script = r#"ip link set lo up && echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 \
        && exec "$0" listen 'TCP6-LISTEN:0,bind=[::1],ipv6only=1,fork'"#;
    let output = Command::new("unshare")
        .args(["-n", "sh", "-c", script, env!("CARGO_BIN_EXE_socklab")])
        .env("SOCKLAB_LANG", "en")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains("socklab") {
        eprintln!("notice: could not switch IPv6 off in a namespace ({stderr}); skipping");
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("IPv6 is not available on this host"), "{stderr}");
    assert!(stderr.contains("here it is 1"), "{stderr}");
    assert!(stderr.contains("TCP4-LISTEN:0,bind=127.0.0.1,fork"), "{stderr}");
}

fn my_comm() -> String {
    std::fs::read_to_string("/proc/self/comm").unwrap().trim_end().to_owned()
}

#[test]
fn a_taken_port_names_the_process_holding_it() {
    let me = format!("{} (pid {}", my_comm(), std::process::id());

    let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = tcp.local_addr().unwrap().port();
    let (code, stderr) = cli_refusal(&[format!("TCP4-LISTEN:{port},bind=127.0.0.1,fork")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("port {port} is already taken, by")), "{stderr}");
    assert!(stderr.contains(&me), "expected {me} in:\n{stderr}");

    let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = udp.local_addr().unwrap().port();
    let text = refused(&format!("UDP4-LISTEN:{port},bind=127.0.0.1"));
    assert!(text.contains(&me), "expected {me} in:\n{text}");

    if support::have_tool("socat") {
        let (socat, port) =
            start_socat(|port| format!("TCP4-LISTEN:{port},bind=127.0.0.1,fork"), "-tln");
        let (code, stderr) = cli_refusal(&[format!("TCP4-LISTEN:{port},bind=127.0.0.1")]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(&format!("socat (pid {}", socat.pid())), "{stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// Addresses socat's grammar does not allow.

#[test]
fn bad_addresses_are_usage_errors_that_show_the_accepted_forms() {
    let dir = temp_dir();
    let untouched = dir.path().join("never.sock");
    let cases = [
        ("TCP4-CONNECT:8080", "is not one of the socat listener addresses"),
        ("TCP4-LISTEN", "needs a port"),
        ("UDP6-LISTEN:70000", "out of range"),
        ("TCP4-LISTEN:8080,frok", "`frok` is not an option"),
        ("UDP4-LISTEN:8080,ipv6only=1", "only exists for IPv6"),
        ("UNIX-LISTEN:stream.sock", "relative path"),
        ("UNIX-RECVFROM:", "needs a socket path"),
    ];
    for (bad, fragment) in cases {
        // The good first address must not be opened when a later one is wrong.
        let (code, stderr) =
            cli_refusal(&[format!("UNIX-LISTEN:{},fork", untouched.display()), bad.to_owned()]);
        assert_eq!(code, 2, "{bad}: {stderr}");
        assert!(stderr.contains(fragment), "{bad}: expected {fragment:?} in\n{stderr}");
        assert!(stderr.contains("TCP6-LISTEN:PORT") && stderr.contains("UNIX-LISTEN:/PATH"));
        assert!(!stderr.contains("listening on"), "{stderr}");
        assert!(!untouched.exists());
    }
}

// ---------------------------------------------------------------------------------------------
// socklab's listeners, as ss sees them, against socat's.

/// A socat address (with `{}` for the port) and the ss flags that list it.
#[derive(Clone, Copy)]
struct SsKind {
    socat: &'static str,
    flags: &'static str,
    v6: bool,
}

/// The rows `ss -H -p FLAGS` shows for process `pid`, without the process column.
fn ss_rows(flags: &str, pid: u32) -> Vec<Vec<String>> {
    let output = Command::new("ss").args(["-H", "-p"]).args(flags.split_whitespace()).output();
    let Ok(output) = output else { return Vec::new() };
    let needle = format!("pid={pid},");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(&needle))
        .map(|line| {
            let line = &line[..line.find("users:").unwrap_or(line.len())];
            line.split_whitespace().map(str::to_owned).collect()
        })
        .collect()
}

/// A child process, stopped with SIGTERM (then SIGKILL) at the end.
struct Spawned(Child);

impl Spawned {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn terminate(&mut self) -> ExitStatus {
        if let Ok(Some(status)) = self.0.try_wait() {
            return status;
        }
        let pid = Pid::from_raw(i32::try_from(self.pid()).unwrap()).unwrap();
        let _ = rustix::process::kill_process(pid, Signal::TERM);
        eventually("the process to exit", || self.0.try_wait().unwrap())
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            self.terminate();
        }
    }
}

/// Starts socat on a port that was free a moment ago (retrying if it is taken by then), and
/// waits until ss lists it. `address` makes the socat address for a port.
fn start_socat(address: impl Fn(u16) -> String, flags: &str) -> (Spawned, u16) {
    let udp = flags.contains('u');
    for _ in 0..10 {
        let port = if udp {
            UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap().local_addr().unwrap().port()
        } else {
            TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap().local_addr().unwrap().port()
        };
        let mut socat = Spawned(
            Command::new("socat")
                .args([&address(port), "/dev/null"])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let pid = socat.pid();
        let up = eventually("socat to listen or fail", || {
            if socat.0.try_wait().unwrap().is_some() {
                return Some(false);
            }
            (!ss_rows(flags, pid).is_empty()).then_some(true)
        });
        if up {
            return (socat, port);
        }
        socat.terminate();
    }
    panic!("socat could not get a port in 10 tries");
}

/// The fields of an ss row that must match, with the port (inet) or path and inode (Unix)
/// left out.
fn comparable(row: &[String], unix: bool) -> Vec<String> {
    if unix {
        // Netid State Recv-Q Send-Q Path Inode Peer PeerPort
        row.iter()
            .enumerate()
            .filter(|(index, _)| *index != 4 && *index != 5)
            .map(|(_, field)| field.clone())
            .collect()
    } else {
        // State Recv-Q Send-Q Local:Port Peer:Port
        let mut fields = row.to_vec();
        if let Some(local) = fields.get_mut(3) {
            *local = local.rsplit_once(':').map_or(local.clone(), |(addr, _)| addr.to_owned());
        }
        fields
    }
}

#[test]
fn ss_shows_socklab_listeners_exactly_as_it_shows_socat() {
    if !(support::have_tool("ss") && support::have_tool("socat")) {
        return;
    }
    let v6 = support::ipv6_available();
    let dir = temp_dir();
    let kinds = [
        SsKind { socat: "TCP4-LISTEN:{},fork", flags: "-4 -tln", v6: false },
        SsKind { socat: "TCP6-LISTEN:{},ipv6only=1,fork", flags: "-6 -tln", v6: true },
        SsKind { socat: "UDP4-LISTEN:{},fork", flags: "-4 -uln", v6: false },
        SsKind { socat: "UDP6-LISTEN:{},ipv6only=1,fork", flags: "-6 -uln", v6: true },
    ];
    for kind in kinds.iter().filter(|kind| v6 || !kind.v6) {
        let (mut socat, _port) =
            start_socat(|port| kind.socat.replace("{}", &port.to_string()), kind.flags);
        let socklab = Running::start(&[kind.socat.replace("{}", "0")]);
        let theirs = ss_rows(kind.flags, socat.pid());
        let ours = eventually("ss to list socklab", || {
            Some(ss_rows(kind.flags, socklab.pid())).filter(|rows| !rows.is_empty())
        });
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(comparable(&ours[0], false), comparable(&theirs[0], false), "{}", kind.socat);
        let socat_status = socat.terminate();
        socklab.signal(Signal::TERM);
        let (status, stderr) = socklab.wait();
        assert_eq!(status.code(), socat_status.code(), "{stderr}");
        assert_eq!(status.code(), Some(143), "{stderr}");
    }

    for (socat_kind, flags) in [("UNIX-LISTEN", "-xln"), ("UNIX-RECVFROM", "-xln")] {
        let socat_path = dir.path().join(format!("socat-{socat_kind}.sock"));
        let our_path = dir.path().join(format!("socklab-{socat_kind}.sock"));
        let mut socat = Spawned(
            Command::new("socat")
                .args([&format!("{socat_kind}:{},fork", socat_path.display()), "/dev/null"])
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let socklab = Running::start(&[format!("{socat_kind}:{},fork", our_path.display())]);
        let theirs = eventually("ss to list socat", || {
            Some(ss_rows(flags, socat.pid())).filter(|rows| !rows.is_empty())
        });
        let ours = eventually("ss to list socklab", || {
            Some(ss_rows(flags, socklab.pid())).filter(|rows| !rows.is_empty())
        });
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(ours[0][4], our_path.display().to_string());
        assert_eq!(comparable(&ours[0], true), comparable(&theirs[0], true), "{socat_kind}");

        let socat_status = socat.terminate();
        socklab.signal(Signal::TERM);
        let (status, stderr) = socklab.wait();
        assert_eq!(status.code(), socat_status.code(), "{stderr}");
        assert!(!socat_path.exists(), "socat left {}", socat_path.display());
        assert!(!our_path.exists(), "socklab left {}", our_path.display());
    }
}

#[test]
fn port_zero_and_several_addresses_in_one_call() {
    let running = Running::start(&strings(&[
        "tcp4-l:0,bind=127.0.0.1",
        "TCP-LISTEN:0,bind=127.0.0.1,FORK",
        "udp-listen:0,bind=localhost",
    ]));
    let addrs: Vec<SocketAddr> = (0..3).map(|index| running.inet_addr(index)).collect();
    assert!(addrs.iter().all(|addr| addr.port() != 0 && addr.ip() == Ipv4Addr::LOCALHOST));
    assert_ne!(addrs[0].port(), addrs[1].port());
    // The unversioned names are IPv4, as socat's are; socklab writes them back as such.
    assert!(running.ready_lines()[1].ends_with("(TCP4-LISTEN:0,bind=127.0.0.1,fork)"));
    assert!(running.stderr.iter().any(|line| line.contains("has no fork option")));
    for addr in &addrs[..2] {
        TcpStream::connect_timeout(addr, PATIENCE).unwrap();
    }
    assert!(is_addr_in_use(&UdpSocket::bind(addrs[2])));
}

// ---------------------------------------------------------------------------------------------
// Issue 15: what socat does that socklab did not.

/// A client that streams (1 KB every 10 ms for 3 s) is never cut off: socat's `-t 0.5` is a
/// time of *inactivity*, so socklab keeps reading as long as data comes.
#[test]
fn a_streaming_client_is_never_cut_off() {
    let listener = open("TCP4-LISTEN:0,bind=127.0.0.1,fork");
    let addr = listener.local_addr().unwrap();
    let mut streams: Vec<TcpStream> =
        (0..3).map(|_| TcpStream::connect_timeout(&addr, PATIENCE).unwrap()).collect();
    let chunk = [0x5a_u8; 1024];
    let started = Instant::now();
    let mut sends = 0;
    while started.elapsed() < Duration::from_secs(3) {
        for (index, stream) in streams.iter_mut().enumerate() {
            stream
                .write_all(&chunk)
                .unwrap_or_else(|err| panic!("client {index}, send {sends}: {err}"));
        }
        sends += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(sends >= 100, "only {sends} sends in 3 s");
    // Still served: the end-of-file came at once, and the data was read all along.
    for stream in &mut streams {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        assert_eq!(stream.read(&mut [0; 8]).unwrap(), 0);
        stream.write_all(&chunk).unwrap();
    }
}

/// Every connection gets socat's end-of-file when it is accepted, however many are idle.
#[test]
fn many_idle_connections_all_get_their_end_of_file_at_once() {
    let listener = open("TCP4-LISTEN:0,bind=127.0.0.1,fork");
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for index in 0..40 {
        let mut stream = TcpStream::connect_timeout(&addr, PATIENCE).unwrap();
        let connected = Instant::now();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        assert_eq!(stream.read(&mut [0; 8]).unwrap(), 0, "connection {index}");
        let waited = connected.elapsed();
        // socklab sends it on accept; the old design made the 21st and later wait for a free
        // draining thread, up to 2 s. One second is ample slack on a busy machine.
        assert!(waited < 2 * listen::LINGER, "connection {index} waited {waited:?} for its EOF");
        held.push(stream);
    }
}

/// The UDP sockets of `/proc/net/udp` on `port`: (state, remote port).
fn udp_rows(port: u16) -> Vec<(u8, u16)> {
    let text = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = u16::from_str_radix(fields.get(1)?.rsplit_once(':')?.1, 16).ok()?;
            let remote = u16::from_str_radix(fields.get(2)?.rsplit_once(':')?.1, 16).ok()?;
            let state = u8::from_str_radix(fields.get(3)?, 16).ok()?;
            (local == port).then_some((state, remote))
        })
        .collect()
}

/// Sends to `port` every 50 ms from one client until the kernel's UDP table shows what
/// `wanted` looks for in the rows of `port`, or [`PATIENCE`] runs out.
fn udp_rows_while_sending(port: u16, wanted: impl Fn(&[(u8, u16)], u16) -> bool) -> bool {
    let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let client_port = client.local_addr().unwrap().port();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let _ = client.send_to(b"x", (Ipv4Addr::LOCALHOST, port));
        std::thread::sleep(Duration::from_millis(50));
        if wanted(&udp_rows(port), client_port) {
            return true;
        }
    }
    false
}

const TCP_ESTABLISHED: u8 = 1;
const TCP_CLOSE: u8 = 7;

fn has_peer_socket(rows: &[(u8, u16)], client: u16) -> bool {
    rows.contains(&(TCP_CLOSE, 0)) && rows.contains(&(TCP_ESTABLISHED, client))
}

/// socat's `UDP4-LISTEN:PORT,fork` answers a peer from a child whose socket is connected to
/// it: ss shows `ESTAB 127.0.0.1:PORT 127.0.0.1:PEER` beside the `UNCONN` listener. socklab
/// shows the same, and `UDP4-RECVFROM` (which answers with sendto) shows no such socket.
#[test]
fn udp_fork_shows_a_connected_socket_per_peer_as_socat_does() {
    let listener = open("UDP4-LISTEN:0,bind=127.0.0.1,fork");
    let port = listener.local_addr().unwrap().port();
    assert!(udp_rows_while_sending(port, has_peer_socket), "no ESTAB row: {:?}", udp_rows(port));
    drop(listener);
    assert!(udp_rows(port).is_empty(), "peer sockets outlive the listener: {:?}", udp_rows(port));

    let recvfrom = open("UDP4-RECVFROM:0,bind=127.0.0.1,fork");
    assert_eq!(recvfrom.spec().to_string(), "UDP4-RECVFROM:0,bind=127.0.0.1,fork");
    let port = recvfrom.local_addr().unwrap().port();
    let only_unconn = |rows: &[(u8, u16)], _: u16| rows == [(TCP_CLOSE, 0)];
    assert!(udp_rows_while_sending(port, only_unconn));
    assert!(!udp_rows_while_sending(port, has_peer_socket), "{:?}", udp_rows(port));

    if support::have_tool("socat") {
        for (address, peer_socket) in [("UDP4-LISTEN", true), ("UDP4-RECVFROM", false)] {
            let (socat, port) =
                start_socat(|port| format!("{address}:{port},bind=127.0.0.1,fork"), "-4 -uln");
            let seen = udp_rows_while_sending(port, has_peer_socket);
            assert_eq!(seen, peer_socket, "socat {address}: {:?}", udp_rows(port));
            drop(socat);
        }
    }
}

/// socat's perm=, user= and group= set the socket file's mode and owner; socklab's too, and
/// the same as socat's where socat is installed.
#[test]
fn perm_user_and_group_set_the_socket_file_as_socat_does() {
    let dir = temp_dir();
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    for (options, mode) in [("perm=0600", 0o600), ("mode=640", 0o640), ("perm=0666", 0o666)] {
        let path = dir.path().join(format!("{mode:o}.sock"));
        let address = format!("UNIX-LISTEN:{},{options},user={uid},group={gid}", path.display());
        let listener = open(&address);
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!(metadata.permissions().mode() & 0o7777, mode, "{address}");
        assert_eq!((metadata.uid(), metadata.gid()), (uid, gid));
        UnixStream::connect(&path).unwrap();
        drop(listener);
        assert!(!path.exists());
        if support::have_tool("socat") {
            let socat_path = dir.path().join(format!("socat-{mode:o}.sock"));
            let mut socat = Spawned(
                Command::new("socat")
                    .args([&format!("UNIX-LISTEN:{},{options}", socat_path.display()), "/dev/null"])
                    .stdin(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            let theirs = eventually("socat's socket file", || {
                std::fs::symlink_metadata(&socat_path).ok().filter(|m| m.file_type().is_socket())
            });
            assert_eq!(theirs.permissions().mode() & 0o7777, mode, "socat {options}");
            socat.terminate();
        }
    }
    let text = format!("{:?}", "TCP4-LISTEN:0,perm=0600".parse::<ListenSpec>().unwrap_err());
    assert!(text.contains("perm"), "{text}");
}

/// Piped, `socklab listen` is as silent as socat: nothing on stderr, then 143 on SIGTERM.
#[test]
fn piped_listen_says_nothing_like_socat() {
    let dir = temp_dir();
    let path = dir.path().join("quiet.sock");
    let child = support::socklab()
        .args(["listen", &format!("UNIX-LISTEN:{},fork", path.display())])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    eventually("the socket file", || {
        std::fs::symlink_metadata(&path).ok().filter(|m| m.file_type().is_socket())
    });
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, Signal::TERM).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert!(!path.exists(), "the socket file is removed before exiting");
}

/// A port held only by TIME-WAIT connections that a listener without SO_REUSEADDR accepted
/// (socat 1.7.4's default, imitated with reuseaddr=0): even socklab's SO_REUSEADDR cannot
/// share it, and the refusal says so, never "a process this user cannot see" or sudo.
#[test]
fn time_wait_left_by_socat_1_7_is_named_as_such() {
    let first = open("TCP4-LISTEN:0,bind=127.0.0.1,reuseaddr=0,fork");
    let addr = first.local_addr().unwrap();
    let mut client = TcpStream::connect_timeout(&addr, PATIENCE).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(client.read(&mut [0; 8]).unwrap(), 0);
    drop(client);
    eventually("the listener's side to be in TIME-WAIT", || {
        let tables = proc_net_inet("tcp");
        tables.iter().any(|entry| entry.port == addr.port() && entry.state == 0x06).then_some(())
    });
    drop(first);
    let spec: ListenSpec =
        format!("TCP4-LISTEN:{},bind=127.0.0.1,fork", addr.port()).parse().unwrap();
    match Listener::open(&spec) {
        Ok(_) => panic!("bound {addr} over a TIME-WAIT without SO_REUSEADDR"),
        Err(failure) if !inspect::holders_of_port(Netid::Tcp, addr.port()).is_empty() => {
            eprintln!("notice: port {} was taken meanwhile: {failure}", addr.port());
        }
        Err(failure) => {
            let text = failure.to_string();
            assert!(text.contains("TIME-WAIT") && text.contains("socat 1.7.4"), "{text}");
            assert!(!text.contains("cannot see") && !text.contains("sudo"), "{text}");
        }
    }
}

/// A directory the user may not write to: the refusal reads "Permission denied", without
/// std's "(os error 13)".
#[test]
fn a_refused_directory_is_explained_without_os_error_numbers() {
    let dir = temp_dir();
    let closed = dir.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o555)).unwrap();
    let path = closed.join("x.sock");
    let mut command = if rustix::process::geteuid().is_root() {
        if which::which("setpriv").is_err() {
            eprintln!("notice: setpriv is not installed; skipping");
            return;
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        command.arg(env!("CARGO_BIN_EXE_socklab"));
        command
    } else {
        support::socklab()
    };
    let output =
        command.args(["listen", &format!("UNIX-LISTEN:{}", path.display())]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(126) {
        eprintln!("notice: uid 65534 cannot run socklab here; skipping");
        return;
    }
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("(Permission denied)"), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// socat's address grammar under arbitrary input (proptest; PROPTEST_CASES sets the count).

mod grammar {
    use proptest::prelude::*;
    use socklab::net::listen::ListenSpec;

    /// Address-shaped text: a type (real, short, wrong case or made up), a parameter and
    /// options with odd values, so that most inputs get past the first check.
    fn address_like() -> impl Strategy<Value = String> {
        let kind = prop::sample::select(vec![
            "TCP4-LISTEN",
            "tcp6-l",
            "TCP-LISTEN",
            "UDP4-LISTEN",
            "udp6-listen",
            "UDP-L",
            "UDP4-RECVFROM",
            "udp6-recvfrom",
            "UNIX-LISTEN",
            "unix-recvfrom",
            "TCP5-LISTEN",
            "",
        ]);
        let param = prop_oneof![
            (0u32..70_000).prop_map(|port| port.to_string()),
            "/[a-z./]{0,20}",
            "[ -~]{0,12}",
            Just("/".repeat(120)),
        ];
        let option = prop_oneof![
            prop::sample::select(vec![
                "fork",
                "reuseaddr",
                "reuseaddr=",
                "ipv6only",
                "unlink-early",
                "pf=ip6",
            ])
            .prop_map(str::to_owned),
            (
                prop::sample::select(vec![
                    "bind", "backlog", "ipv6only", "fork", "perm", "mode", "user", "group", "pf",
                ]),
                "[ -~]{0,10}",
            )
                .prop_map(|(name, value)| format!("{name}={value}")),
            "[ -~]{0,8}",
        ];
        (kind, param, prop::collection::vec(option, 0..4)).prop_map(|(kind, param, options)| {
            let mut address = format!("{kind}:{param}");
            for option in options {
                address.push(',');
                address.push_str(&option);
            }
            address
        })
    }

    proptest! {
        /// Any text: a spec or a usage error, never a panic; an accepted spec written back
        /// the socat way reads as the same spec.
        #[test]
        fn parsing_never_panics_and_round_trips(address in prop_oneof![any::<String>(), address_like()]) {
            if let Ok(spec) = address.parse::<ListenSpec>() {
                let written = spec.to_string();
                let again = written.parse::<ListenSpec>();
                prop_assert!(again.is_ok(), "{address:?} -> {written:?} is refused");
                prop_assert_eq!(again.ok(), Some(spec));
            }
        }
    }
}

/// Lesson files read socat commands with the same parser: perm=, user=, group= and the
/// RECVFROM addresses are accepted there too.
#[test]
fn lesson_commands_take_the_new_socat_options() {
    use socklab::lesson::command::{Invocation, parse};
    let line = parse("socat UNIX-LISTEN:/tmp/private.sock,perm=0600,fork /dev/null &").unwrap();
    let Invocation::Listen(spec) = line.invocation else { panic!("not a listener") };
    assert_eq!(spec.file.perm, Some(0o600));
    let line = parse("sudo socat UDP6-RECVFROM:123,fork /dev/null &").unwrap();
    let Invocation::Listen(spec) = line.invocation else { panic!("not a listener") };
    assert_eq!(spec.to_string(), "UDP6-RECVFROM:123,fork");
}
