//! `socklab probe` (nc -z): verdicts against real sockets made here with std and socket2, the
//! kernel's side of each probe where it shows (an accepted connection, a delivered datagram),
//! and the same lines and exit statuses as the installed nc for the same targets.

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::Path;
use std::process::{Command, Output};
use std::thread;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use socklab::net::probe::{self, LOOPBACK_UDP_WAIT, Phase, ProbeArgs, UnixKind, Verdict};
use socklab::net::services::{self, Transport};
use socklab::net::stat::FileKind;

use crate::support;

/// nc-style arguments for HOST PORT.
fn inet_args(flags: &str, host: &str, port: u16) -> ProbeArgs {
    let mut args = ProbeArgs {
        target: host.to_owned(),
        ports: vec![port.to_string()],
        zero_io: true,
        ..ProbeArgs::default()
    };
    for flag in flags.chars() {
        match flag {
            '4' => args.ipv4 = true,
            '6' => args.ipv6 = true,
            'u' => args.udp = true,
            'v' => args.verbose = true,
            'n' => args.numeric = true,
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

fn unix_args(path: &Path, datagram: bool) -> ProbeArgs {
    ProbeArgs {
        unix: true,
        udp: datagram,
        zero_io: true,
        target: path.to_str().unwrap().to_owned(),
        ..ProbeArgs::default()
    }
}

/// `-4`/`-6` and the host for a loopback address.
fn family(addr: SocketAddr) -> (&'static str, String) {
    if addr.is_ipv4() { ("4", addr.ip().to_string()) } else { ("6", addr.ip().to_string()) }
}

/// The loopback hosts to test: 127.0.0.1, and ::1 where it can be bound.
fn loopbacks() -> Vec<&'static str> {
    let mut hosts = vec!["127.0.0.1"];
    if support::ipv6_available() {
        hosts.push("::1");
    }
    hosts
}

fn success_line(host: &str, port: u16, transport: Transport) -> String {
    let service = services::name(port, transport).unwrap_or("*");
    format!("Connection to {host} {port} port [{}/{service}] succeeded!\n", transport.as_str())
}

/// A TCP port that refuses connections for as long as the returned socket lives: bound but
/// not listening, it holds the port (nobody else can listen there) and the kernel answers a
/// SYN to it with a reset.
fn refusing_tcp_port(host: &str) -> (Socket, u16) {
    let addr: SocketAddr = SocketAddr::new(host.parse().unwrap(), 0);
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    socket.bind(&addr.into()).unwrap();
    let port = socket.local_addr().unwrap().as_socket().unwrap().port();
    (socket, port)
}

/// A UDP port that had a socket a moment ago and has none now. Another process may bind it
/// again at any time, so callers re-check with [`udp_port_is_free`] and retry.
fn freed_udp_port(host: &str) -> u16 {
    UdpSocket::bind((host, 0)).unwrap().local_addr().unwrap().port()
}

fn udp_port_is_free(host: &str, port: u16) -> bool {
    UdpSocket::bind((host, port)).is_ok()
}

/// Runs `check` on a freshly freed UDP port until a run sees the port still free afterwards
/// (so nobody else took it in between), at most 5 times.
fn with_closed_udp_port(host: &str, mut check: impl FnMut(u16) -> bool) {
    for _ in 0..5 {
        let port = freed_udp_port(host);
        let passed = check(port);
        if udp_port_is_free(host, port) {
            assert!(passed, "the probe of the closed UDP port {host}:{port} went wrong");
            return;
        }
    }
    panic!("another process kept taking the freed UDP ports on {host}");
}

fn run(mut command: Command) -> Output {
    command.output().expect("command starts")
}

fn socklab_probe(args: &[&str]) -> Output {
    let mut command = support::socklab();
    command.arg("probe").args(args);
    run(command)
}

fn nc(args: &[&str]) -> Output {
    let mut command = Command::new("nc");
    command.args(args).env("LC_ALL", "C");
    run(command)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// socklab's stderr without its own notes (`socklab: note: …`), i.e. what nc would print.
fn nc_part(output: &Output) -> String {
    text(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("socklab: note: "))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn tcp_open_port_is_open_and_the_listener_gets_the_connection() {
    for host in loopbacks() {
        let listener = TcpListener::bind((host, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (flag, host) = family(listener.local_addr().unwrap());
        let result = probe::probe(&inet_args(&format!("{flag}v"), &host, port)).unwrap();
        assert_eq!(result.verdict, Verdict::Open);
        assert_eq!(result.attempts.len(), 1);
        assert_eq!(result.attempts[0].address, listener.local_addr().unwrap());
        assert_eq!(result.output.stderr, success_line(&host, port, Transport::Tcp));
        assert_eq!(result.output.status, 0);
        // The kernel completed the handshake: the connection waits in the accept queue.
        listener.set_nonblocking(true).unwrap();
        let (_, peer) = listener.accept().expect("the probe's connection was queued");
        assert_eq!(peer.ip(), listener.local_addr().unwrap().ip());

        let output = socklab_probe(&[&format!("-{flag}"), "-vz", &host, &port.to_string()]);
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(nc_part(&output), success_line(&host, port, Transport::Tcp));
    }
}

#[test]
fn tcp_port_without_listener_is_closed() {
    for host in loopbacks() {
        let (_holder, port) = refusing_tcp_port(host);
        let result = probe::probe(&inet_args("v", host, port)).unwrap();
        assert_eq!(result.verdict, Verdict::Closed);
        let expected =
            format!("nc: connect to {host} port {port} (tcp) failed: Connection refused\n");
        assert_eq!(result.output.stderr, expected);
        assert_eq!(result.output.status, 1);
        assert!(!result.output.notes.is_empty(), "a refused port is explained");

        let output = socklab_probe(&["-z", host, &port.to_string()]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(nc_part(&output), "", "without -v nc prints nothing");
    }
}

/// A listener whose accept queue is full: listen(0) admits one finished connection, and with
/// nobody calling accept() the kernel drops every further SYN, so handshakes never complete.
fn full_accept_queue() -> (Socket, TcpStream, SocketAddr) {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.bind(&addr.into()).unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let queued = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    (socket, queued, addr)
}

/// A Unix stream listener whose accept queue is full (listen(0) and one connection waiting):
/// a blocking connect to it would wait for ever.
fn full_unix_queue(dir: &Path) -> (Socket, Vec<Socket>, std::path::PathBuf) {
    let path = dir.join("full.sock");
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
    socket.bind(&socket2::SockAddr::unix(&path).unwrap()).unwrap();
    socket.listen(0).unwrap();
    let mut queued = Vec::new();
    loop {
        let client = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
        client.set_nonblocking(true).unwrap();
        match client.connect(&socket2::SockAddr::unix(&path).unwrap()) {
            Ok(()) => queued.push(client),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(err) => panic!("filling the queue: {err}"),
        }
        assert!(queued.len() < 64, "the accept queue never filled");
    }
    (socket, queued, path)
}

/// No Unix probe blocks on a full accept queue: `-U -u` names the type at once, as nc does
/// ("Protocol wrong type for socket"), and `-U` gives up at its timeout, where nc hangs.
#[test]
fn unix_probes_never_block_on_a_full_accept_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (_listener, _queued, path) = full_unix_queue(dir.path());
    let (sender, done) = std::sync::mpsc::channel();
    let target = path.clone();
    thread::spawn(move || {
        let wrong_type = probe::probe(&unix_args(&target, true)).unwrap();
        let mut args = unix_args(&target, false);
        args.timeout = Some(0.3);
        let stream = probe::probe(&args).unwrap();
        let _ = sender.send((wrong_type, stream));
    });
    let (wrong_type, stream) =
        done.recv_timeout(Duration::from_secs(20)).expect("a Unix probe blocked");
    assert_eq!(
        wrong_type.verdict,
        Verdict::WrongType { expected: UnixKind::Datagram, actual: Some(UnixKind::Stream) }
    );
    let path = path.to_str().unwrap();
    assert_eq!(wrong_type.output.stderr, format!("nc: {path}: Protocol wrong type for socket\n"));
    assert_eq!(stream.verdict, Verdict::QueueFull);
    assert_eq!(stream.output.status, 1);
    assert!(!stream.output.notes.is_empty(), "the full queue is explained");
}

/// Absurd timeouts are refused with an explanation, never a panic.
#[test]
fn absurd_timeouts_are_refused() {
    for value in ["1e30", "inf", "NaN", "0", "3000000"] {
        let output = socklab_probe(&["-vz", "-w", value, "127.0.0.1", "80"]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "-w {value}: {stderr}");
        assert!(stderr.starts_with("socklab: error: -w "), "-w {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "-w {value}: {stderr}");
    }
}

/// Several ports: one attempt each, nc's line each, success when any succeeded.
#[test]
fn port_lists_and_ranges_probe_each_port() {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let open = listener.local_addr().unwrap().port();
    let (_holder, closed) = refusing_tcp_port("127.0.0.1");
    let mut args = inet_args("v", "127.0.0.1", closed);
    args.ports.push(open.to_string());
    let probes = probe::probe_all(&args).unwrap();
    let verdicts: Vec<Verdict> = probes.iter().map(|probe| probe.verdict).collect();
    assert_eq!(verdicts, [Verdict::Closed, Verdict::Open]);
    let output = probe::execute(&args).unwrap();
    assert_eq!(output.status, 0);
    assert_eq!(
        output.stderr,
        format!(
            "nc: connect to 127.0.0.1 port {closed} (tcp) failed: Connection refused\n{}",
            success_line("127.0.0.1", open, Transport::Tcp)
        )
    );
    args.ports = vec![format!("{closed}-{closed}"), closed.to_string()];
    let output = probe::execute(&args).unwrap();
    assert_eq!((output.status, output.stderr.lines().count()), (1, 2));
    // A port nc refuses: nc's own line and status, socklab's explanation as a note.
    args.ports = vec![format!("{open} ")];
    let output = probe::execute(&args).unwrap();
    assert_eq!(
        (output.stderr.as_str(), output.status),
        (&*format!("nc: port number invalid: {open} \n"), 1)
    );
    assert!(!output.notes.is_empty());
}

#[test]
fn tcp_full_accept_queue_times_out() {
    let (_listener, _queued, addr) = full_accept_queue();
    let mut args = inet_args("v", "127.0.0.1", addr.port());
    args.timeout = Some(0.3);
    let result = probe::probe(&args).unwrap();
    assert_eq!(result.verdict, Verdict::TimedOut);
    assert_eq!(
        result.output.stderr,
        format!(
            "nc: connect to 127.0.0.1 port {} (tcp) timed out: Operation now in progress\n",
            addr.port()
        )
    );
    assert_eq!(result.output.status, 1);
}

#[test]
fn udp_port_without_socket_is_closed() {
    for host in loopbacks() {
        with_closed_udp_port(host, |port| {
            let result = probe::probe(&inet_args("uv", host, port)).unwrap();
            result.verdict == Verdict::Closed
                && result.attempts[0].phase == Phase::Datagram
                // nc stays silent about the ICMP error even with -v.
                && result.output.stderr.is_empty()
                && result.output.status == 1
        });
        with_closed_udp_port(host, |port| {
            let output = socklab_probe(&["-u", "-vz", host, &port.to_string()]);
            output.status.code() == Some(1) && nc_part(&output).is_empty()
        });
        // Without -v Debian's nc does not test at all: it exits 0, and so does socklab, which
        // says why.
        with_closed_udp_port(host, |port| {
            let result = probe::probe(&inet_args("u", host, port)).unwrap();
            result.verdict == Verdict::OpenOrFiltered
                && result.attempts[0].phase == Phase::Connect
                && result.output.stderr.is_empty()
                && result.output.status == 0
                && result.output.notes == [socklab::t!("probe.note_udp_needs_v")]
        });
    }
}

#[test]
fn udp_silent_socket_is_open_or_filtered_and_receives_the_datagram() {
    for host in loopbacks() {
        let socket = UdpSocket::bind((host, 0)).unwrap();
        let port = socket.local_addr().unwrap().port();
        let result = probe::probe(&inet_args("uv", host, port)).unwrap();
        assert_eq!(result.verdict, Verdict::OpenOrFiltered);
        assert_eq!(result.waited, LOOPBACK_UDP_WAIT, "loopback needs no 3 s wait");
        assert_eq!(result.output.stderr, success_line(host, port, Transport::Udp));
        assert_eq!(result.output.status, 0);
        socket.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buffer = [0u8; 8];
        let (len, _) = socket.recv_from(&mut buffer).expect("the probe's datagram arrived");
        assert_eq!(&buffer[..len], b"X");

        let output = socklab_probe(&["-u", "-vz", host, &port.to_string()]);
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(nc_part(&output), success_line(host, port, Transport::Udp));
    }
}

#[test]
fn udp_answering_socket_is_open() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let echo = thread::spawn(move || {
        let mut buffer = [0u8; 8];
        let (len, peer) = socket.recv_from(&mut buffer).unwrap();
        socket.send_to(&buffer[..len], peer).unwrap();
    });
    let mut args = inet_args("uv", "127.0.0.1", port);
    args.timeout = Some(5.0);
    let result = probe::probe(&args).unwrap();
    echo.join().unwrap();
    assert_eq!(result.verdict, Verdict::Open);
    assert_eq!(result.output.status, 0);
}

#[test]
fn unix_stream_and_datagram_sockets_connect_silently() {
    let dir = tempfile::tempdir().unwrap();
    let stream_path = dir.path().join("stream.sock");
    let datagram_path = dir.path().join("datagram.sock");
    let listener = UnixListener::bind(&stream_path).unwrap();
    let _datagram = UnixDatagram::bind(&datagram_path).unwrap();

    let stream = probe::probe(&unix_args(&stream_path, false)).unwrap();
    assert_eq!(stream.verdict, Verdict::Open);
    assert_eq!((stream.output.stderr.as_str(), stream.output.status), ("", 0));
    listener.set_nonblocking(true).unwrap();
    listener.accept().expect("the probe's connection was queued");

    let datagram = probe::probe(&unix_args(&datagram_path, true)).unwrap();
    assert_eq!(datagram.verdict, Verdict::Open);
    assert_eq!((datagram.output.stderr.as_str(), datagram.output.status), ("", 0));

    for (path, datagram) in [(&stream_path, false), (&datagram_path, true)] {
        let mut args = vec!["-U", "-z", path.to_str().unwrap()];
        if datagram {
            args.insert(1, "-u");
        }
        let output = socklab_probe(&args);
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(nc_part(&output), "");
    }
}

#[test]
fn unix_failures_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.sock");
    let stale = dir.path().join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    let regular = dir.path().join("regular");
    std::fs::write(&regular, b"not a socket").unwrap();
    let stream = dir.path().join("stream.sock");
    let _listener = UnixListener::bind(&stream).unwrap();
    let datagram = dir.path().join("datagram.sock");
    let _socket = UnixDatagram::bind(&datagram).unwrap();

    let cases = [
        (&missing, false, Verdict::NoSuchFile, "No such file or directory"),
        (&stale, false, Verdict::Stale, "Connection refused"),
        (&stale, true, Verdict::Stale, "Connection refused"),
        (&regular, false, Verdict::NotASocket { kind: FileKind::Regular }, "Connection refused"),
        (
            &datagram,
            false,
            Verdict::WrongType { expected: UnixKind::Stream, actual: Some(UnixKind::Datagram) },
            "Protocol wrong type for socket",
        ),
        (
            &stream,
            true,
            Verdict::WrongType { expected: UnixKind::Datagram, actual: Some(UnixKind::Stream) },
            "Protocol wrong type for socket",
        ),
    ];
    for (path, datagram, verdict, reason) in cases {
        let result = probe::probe(&unix_args(path, datagram)).unwrap();
        assert_eq!(result.verdict, verdict, "{}", path.display());
        assert_eq!(result.output.stderr, format!("nc: {}: {reason}\n", path.display()));
        assert_eq!(result.output.status, 1);
        assert_eq!(result.output.notes.len(), 1, "{verdict:?} is explained");
    }
    // The stale file is still there: probing never deletes anything.
    assert!(stale.exists());
}

#[test]
fn bad_input_is_a_usage_error_with_a_hint() {
    for args in [vec!["-4", "-6", "-vz", "127.0.0.1", "80"], vec!["-U", "-z", "/tmp/x.sock", "80"]]
    {
        let output = socklab_probe(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.starts_with("socklab: error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("\n  hint: "), "{args:?}: {stderr}");
    }
}

/// What nc refuses with a line of its own (no port, a host of the other family, a name with
/// -n) gives that line and nc's status 1, and socklab's explanation as notes.
#[test]
fn a_port_or_host_nc_refuses_gives_ncs_line_and_status() {
    for (args, line) in [
        (vec!["-vz", "127.0.0.1"], "nc: missing port number\n"),
        (
            vec!["-4", "-vz", "::1", "80"],
            "nc: getaddrinfo for host \"::1\" port 80: Address family for hostname not supported\n",
        ),
        (
            vec!["-6", "-u", "-vz", "127.0.0.1", "ntp"],
            "nc: getaddrinfo for host \"127.0.0.1\" port 123: Address family for hostname not \
             supported\n",
        ),
        (
            vec!["-n", "-vz", "localhost", "80"],
            "nc: getaddrinfo for host \"localhost\" port 80: Name or service not known\n",
        ),
    ] {
        let output = socklab_probe(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(text(&output.stderr), line, "{args:?}");
        let mut noted = args.clone();
        noted.insert(0, "--notes");
        let explained = text(&socklab_probe(&noted).stderr);
        assert!(explained.starts_with(line), "{args:?}: {explained}");
        assert!(explained.contains("socklab: note: "), "{args:?}: {explained}");
    }
}

/// One comparison with the installed nc: the same arguments, the same exit status and the
/// same stderr, byte for byte (piped, socklab prints no notes).
struct Case {
    args: Vec<String>,
}

impl Case {
    fn new(args: &[&str]) -> Self {
        Self { args: args.iter().map(|arg| (*arg).to_owned()).collect() }
    }

    /// Runs nc and socklab; returns a description of any difference.
    fn compare(&self) -> Option<String> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let real = nc(&args);
        let ours = socklab_probe(&args);
        // Piped, socklab prints exactly what nc prints: no notes to leave out.
        let (real_err, our_err) = (text(&real.stderr), text(&ours.stderr));
        (real.status.code() != ours.status.code() || real_err != our_err).then(|| {
            format!(
                "nc {}: nc exited {:?} with {real_err:?}, socklab exited {:?} with {our_err:?}",
                args.join(" "),
                real.status.code(),
                ours.status.code()
            )
        })
    }
}

#[test]
fn matches_the_installed_nc() {
    if !support::have_tool("nc") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stream = dir.path().join("stream.sock");
    let datagram = dir.path().join("datagram.sock");
    let stale = dir.path().join("stale.sock");
    let regular = dir.path().join("regular");
    let _stream_listener = UnixListener::bind(&stream).unwrap();
    let _datagram_socket = UnixDatagram::bind(&datagram).unwrap();
    drop(UnixListener::bind(&stale).unwrap());
    std::fs::write(&regular, b"").unwrap();
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let (stream, datagram, stale, regular) =
        (path(&stream), path(&datagram), path(&stale), path(&regular));
    let missing = format!("{}/missing.sock", dir.path().display());

    let mut keep = Vec::new();
    let mut cases = vec![
        Case::new(&["-U", "-z", &stream]),
        Case::new(&["-U", "-u", "-z", &datagram]),
        Case::new(&["-U", "-z", &missing]),
        Case::new(&["-U", "-u", "-z", &missing]),
        Case::new(&["-U", "-z", &stale]),
        Case::new(&["-U", "-z", &regular]),
        Case::new(&["-U", "-z", &datagram]),
        Case::new(&["-U", "-u", "-z", &stream]),
    ];
    for host in loopbacks() {
        let flag = if host == "::1" { "-6" } else { "-4" };
        let listener = TcpListener::bind((host, 0)).unwrap();
        let open = listener.local_addr().unwrap().port().to_string();
        let (holder, closed) = refusing_tcp_port(host);
        let closed = closed.to_string();
        let udp = UdpSocket::bind((host, 0)).unwrap();
        let udp_open = udp.local_addr().unwrap().port().to_string();
        // Drain what the probes send, so the listener's queue never fills.
        thread::spawn(move || for _ in listener.incoming() {});
        keep.push((holder, udp));
        cases.extend([
            Case::new(&[flag, "-vz", host, &open]),
            Case::new(&[flag, "-vzn", host, &open]),
            Case::new(&[flag, "-z", host, &open]),
            Case::new(&[flag, "-vz", host, &closed]),
            Case::new(&[flag, "-z", host, &closed]),
            // nc waits 3 s for an ICMP error that never comes; these run in parallel.
            Case::new(&[flag, "-u", "-vz", host, &udp_open]),
        ]);
    }
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    cases.push(Case::new(&["-vz", "localhost", &port]));
    let (_full_queue, _queued, full) = full_accept_queue();
    let full = full.port().to_string();
    cases.push(Case::new(&["-vz", "-w", "1", "127.0.0.1", &full]));
    // Port lists and ranges, one line each, status 0 when any succeeded (issue 15.9), and
    // port arguments as nc's strtonum reads them.
    let (_refusing, closed) = refusing_tcp_port("127.0.0.1");
    let closed = closed.to_string();
    let range = format!("{}-{}", port.parse::<u16>().unwrap() - 1, port);
    let reversed = format!("{port}-{}", port.parse::<u16>().unwrap() - 1);
    let spaced = format!(" {port}");
    let trailing = format!("{port} ");
    let bad_range = format!("{port}-http");
    for args in [
        vec!["-vz", "127.0.0.1", &closed, &port, &closed],
        vec!["-z", "127.0.0.1", &closed, &port],
        vec!["-vz", "127.0.0.1", &closed, &closed],
        vec!["-vz", "127.0.0.1", &range],
        vec!["-vz", "127.0.0.1", &reversed],
        vec!["-vz", "127.0.0.1", &spaced],
        vec!["-vz", "127.0.0.1", &trailing],
        vec!["-vz", "127.0.0.1", &bad_range],
        vec!["-vz", "127.0.0.1", "0"],
        vec!["-vz", "127.0.0.1", "70000"],
        vec!["-vz", "127.0.0.1", &port, "not-a-service-anywhere"],
        vec!["-vz", "127.0.0.1"],
        vec!["-6", "-vz", "127.0.0.1", &port],
        vec!["-4", "-vz", "::1", &port, &closed],
        vec!["-nvz", "localhost", &port],
        vec!["-vvz", "127.0.0.1", &port],
    ] {
        cases.push(Case::new(&args));
    }
    // A stream socket whose accept queue is full: `-U -u` answers at once (issue 15.8).
    let (_full_unix, _queued_unix, full_unix) = full_unix_queue(dir.path());
    cases.push(Case::new(&["-U", "-u", "-z", full_unix.to_str().unwrap()]));

    let differences: Vec<String> = thread::scope(|scope| {
        let runs: Vec<_> = cases.iter().map(|case| scope.spawn(|| case.compare())).collect();
        runs.into_iter().filter_map(|run| run.join().unwrap()).collect()
    });
    assert!(differences.is_empty(), "socklab differs from nc:\n{}", differences.join("\n"));
    drop(listener);
}

#[test]
fn closed_udp_port_matches_the_installed_nc() {
    if !support::have_tool("nc") {
        return;
    }
    for host in loopbacks() {
        let flag = if host == "::1" { "-6" } else { "-4" };
        with_closed_udp_port(host, |port| {
            Case::new(&[flag, "-u", "-vz", host, &port.to_string()]).compare().is_none()
                && Case::new(&[flag, "-u", "-z", host, &port.to_string()]).compare().is_none()
        });
    }
}

#[test]
fn permission_denied_on_the_socket_file_matches_nc() {
    // EACCES needs a user the kernel checks: root passes every permission check, so run the
    // probe as nobody (65534) through setpriv; as a normal user, probe a file we cannot write.
    let as_root = rustix::process::geteuid().is_root();
    if as_root && which::which("setpriv").is_err() {
        eprintln!("notice: setpriv is not installed; skipping the permission test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.path().join("private.sock");
    let _listener = UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let path = path.to_str().unwrap();
    let run_as_nobody = |program: &str, args: &[&str]| {
        let mut command = if as_root {
            let mut command = Command::new("setpriv");
            command.args(["--reuid=65534", "--regid=65534", "--clear-groups", program]);
            command
        } else {
            Command::new(program)
        };
        command.args(args).env("SOCKLAB_LANG", "en").env("LC_ALL", "C");
        run(command)
    };
    let socklab = env!("CARGO_BIN_EXE_socklab");
    let ours = run_as_nobody(socklab, &["probe", "--notes", "-U", "-z", path]);
    if ours.status.code() == Some(126) || text(&ours.stderr).contains("Permission denied (os") {
        eprintln!("notice: uid 65534 cannot run {socklab}; skipping the permission test");
        return;
    }
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(nc_part(&ours), format!("nc: {path}: Permission denied\n"));
    assert!(text(&ours.stderr).contains("write permission"), "the note explains EACCES");
    if support::have_tool("nc") {
        let real = run_as_nobody("nc", &["-U", "-z", path]);
        assert_eq!(real.status.code(), ours.status.code());
        assert_eq!(text(&real.stderr), nc_part(&ours));
    }
}
