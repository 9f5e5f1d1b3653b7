//! Benchmark: `socklab inspect` against `ss` over a table of 15,000 TCP sockets.
//!
//! Run with `cargo bench --bench inspect`. It opens 10,000 listeners on 127.0.0.1 and 2,500
//! connected pairs (15,000 sockets in all, raising the soft RLIMIT_NOFILE to the hard limit
//! when needed), then times whole processes, the release `socklab inspect` and the system
//! `ss`, run alternately over that same state, plus in-process calls (among them the query
//! one poll of `check --wait` makes), and prints one table. Both tools must print the same
//! bytes for each command. Peak memory (maxrss) of each child is taken from GNU time's `%M`, which reads it
//! from wait4(); without /usr/bin/time that column is left empty.
//!
//! Without `--bench` on its command line (as under `cargo test --benches`) it does nothing.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};
use socklab::net::inspect::{self, InspectArgs};

const LISTENERS: usize = 10_000;
const PAIRS: usize = 2_500;
/// Runs of each command; the table shows their median and minimum.
const RUNS: usize = 21;

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("benches/inspect.rs: run it with `cargo bench --bench inspect`");
        return;
    }
    let wanted = LISTENERS + 2 * PAIRS + 64;
    let available = raise_open_files_limit();
    let scale = if available < wanted as u64 {
        eprintln!("notice: RLIMIT_NOFILE allows {available} files; opening fewer sockets");
        available as f64 / wanted as f64
    } else {
        1.0
    };
    let listeners_wanted = (LISTENERS as f64 * scale) as usize;
    let pairs_wanted = (PAIRS as f64 * scale) as usize;

    let started = Instant::now();
    let listeners = open_listeners(listeners_wanted);
    let pairs = open_pairs(&listeners[0], pairs_wanted);
    let sockets = listeners.len() + 2 * pairs.len();
    eprintln!("opened {sockets} TCP sockets in {:.1?}", started.elapsed());

    let socklab = env!("CARGO_BIN_EXE_socklab");
    let port = listeners[listeners.len() / 2].local_addr().unwrap().as_socket().unwrap().port();
    let have_ss = which::which("ss").is_ok();
    let argv = |words: &str| -> Vec<String> { words.split(' ').map(str::to_owned).collect() };
    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    for (ours, theirs) in [
        ("inspect -tln".to_owned(), "-tln".to_owned()),
        (format!("inspect -tln sport = :{port}"), format!("-tln sport = :{port}")),
        (format!("inspect -tln --port {port}"), format!("-tln sport = :{port}")),
        ("inspect -tan".to_owned(), "-tan".to_owned()),
        ("inspect -tlnp".to_owned(), "-tlnp".to_owned()),
    ] {
        cases.push((format!("socklab {ours}"), [vec![socklab.to_owned()], argv(&ours)].concat()));
        if have_ss {
            let label = match theirs.split_once(" sport") {
                Some((flags, filter)) => format!("ss {flags} 'sport{filter}'"),
                None => format!("ss {theirs}"),
            };
            cases.push((label, [vec!["ss".to_owned()], argv(&theirs)].concat()));
        }
    }
    if !have_ss {
        eprintln!("notice: ss is not installed; timing socklab alone");
    }

    // Same output, same bytes: a benchmark of different work would prove nothing.
    for pair in cases.chunks(if have_ss { 2 } else { 1 }) {
        let outputs: Vec<Vec<u8>> = pair.iter().map(|(_, argv)| output(argv)).collect();
        let lines = outputs[0].iter().filter(|&&byte| byte == b'\n').count();
        eprintln!("{}: {lines} lines", pair[0].0);
        if let [ours, theirs] = outputs.as_slice()
            && ours != theirs
            && !pair[0].0.contains("-p")
        {
            eprintln!("warning: {} and {} differ", pair[0].0, pair[1].0);
        }
    }

    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(RUNS); cases.len()];
    for (_, argv) in &cases {
        run_once(argv); // warm the page cache and /etc/services
    }
    for _ in 0..RUNS {
        // Alternate the commands so that background noise hits them alike.
        for (index, (_, argv)) in cases.iter().enumerate() {
            times[index].push(run_once(argv));
        }
    }
    let memory: Vec<Option<u64>> = cases.iter().map(|(_, argv)| max_rss_kib(argv)).collect();

    let in_process = [
        (
            "snapshot(-tln)",
            InspectArgs { tcp: true, listening: true, numeric: true, ..Default::default() },
        ),
        (
            "snapshot(-tln --port P)",
            InspectArgs {
                tcp: true,
                listening: true,
                numeric: true,
                port: Some(port),
                ..Default::default()
            },
        ),
        (
            "snapshot(-tan)",
            InspectArgs { tcp: true, all: true, numeric: true, ..Default::default() },
        ),
        (
            // What one poll of `check --wait` asks while waiting for a TCP listener.
            "snapshot(-t state listening sport = :P), a check --wait poll",
            InspectArgs {
                tcp: true,
                numeric: true,
                port: Some(port),
                filter: vec!["state".into(), "listening".into()],
                ..Default::default()
            },
        ),
        (
            // What the full check (and, before, every poll) asks for an exercise at a port.
            "snapshot(-tuan sport = :P), the full check",
            InspectArgs {
                tcp: true,
                udp: true,
                all: true,
                numeric: true,
                port: Some(port),
                ..Default::default()
            },
        ),
    ];
    let mut in_process_times = Vec::new();
    for (label, args) in &in_process {
        let rows = inspect::snapshot(args).rows.len();
        let mut samples: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(inspect::snapshot(args));
                start.elapsed()
            })
            .collect();
        samples.sort();
        in_process_times.push((format!("{label} [{rows} rows]"), samples));
    }
    let args = InspectArgs { tcp: true, listening: true, numeric: true, ..Default::default() };
    let snapshot = inspect::snapshot(&args);
    let mut render_samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(inspect::render(&snapshot, &args));
            start.elapsed()
        })
        .collect();
    render_samples.sort();
    in_process_times.push((format!("render(-tln) [{} rows]", snapshot.rows.len()), render_samples));

    println!();
    println!(
        "{sockets} TCP sockets ({} listeners, {} connected pairs); {RUNS} runs each",
        listeners.len(),
        pairs.len()
    );
    println!();
    println!("| command (whole process) | median | min | max RSS |");
    println!("|---|---:|---:|---:|");
    for (((label, _), samples), rss) in cases.iter().zip(&mut times).zip(&memory) {
        samples.sort();
        let rss =
            rss.map_or_else(|| "n/a".to_owned(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
        println!("| `{label}` | {} | {} | {rss} |", ms(median(samples)), ms(samples[0]));
    }
    println!();
    println!("| in-process call | median | min |");
    println!("|---|---:|---:|");
    for (label, samples) in &in_process_times {
        println!("| `{label}` | {} | {} |", ms(median(samples)), ms(samples[0]));
    }
    drop(pairs);
    drop(listeners);
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
fn raise_open_files_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        if let Err(err) = setrlimit(Resource::Nofile, limit) {
            eprintln!("notice: cannot raise RLIMIT_NOFILE: {err}");
        }
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

fn open_listeners(count: usize) -> Vec<Socket> {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    (0..count)
        .map(|index| {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            socket.bind(&any.into()).unwrap();
            // The first listener takes the connections of the pairs.
            socket.listen(if index == 0 { 4096 } else { 5 }).unwrap();
            socket
        })
        .collect()
}

fn open_pairs(listener: &Socket, count: usize) -> Vec<(TcpStream, TcpStream)> {
    let listener: TcpListener = listener.try_clone().unwrap().into();
    let addr = listener.local_addr().unwrap();
    (0..count)
        .map(|_| {
            let client = TcpStream::connect(addr).unwrap();
            let (server, _) = listener.accept().unwrap();
            (client, server)
        })
        .collect()
}

fn command(argv: &[String]) -> Command {
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]).env("SOCKLAB_LANG", "en").stdin(Stdio::null());
    command
}

/// Wall time of one whole run, start-up included, output discarded.
fn run_once(argv: &[String]) -> Duration {
    let start = Instant::now();
    let status = command(argv).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    let elapsed = start.elapsed();
    assert!(status.success(), "{argv:?} failed: {status}");
    elapsed
}

fn output(argv: &[String]) -> Vec<u8> {
    command(argv).stderr(Stdio::null()).output().unwrap().stdout
}

/// The child's peak resident set (KiB), the median of three runs under GNU time.
fn max_rss_kib(argv: &[String]) -> Option<u64> {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let mut samples: Vec<u64> = (0..3)
        .filter_map(|_| {
            let output = Command::new(time)
                .args(["-f", "%M"])
                .args(argv)
                .env("SOCKLAB_LANG", "en")
                .stdout(Stdio::null())
                .output()
                .ok()?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            stderr.lines().last()?.trim().parse().ok()
        })
        .collect();
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied()
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
