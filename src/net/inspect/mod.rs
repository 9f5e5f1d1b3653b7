//! socklab's ss: the kernel's socket tables, read in-process.
//!
//! The rows come from netlink sock_diag (the same source as ss); where netlink fails they come
//! from `/proc/net/*` instead, and socklab says so. Rendering follows ss 6.1's columns.
//!
//! - `args`: the command line; `row`: one socket as data, as both sources give it;
//! - `plan`: which tables, families and states ss's flags and `state`/`exclude` words select;
//! - `filter`: ss's filter expressions; `netlink`: the sock_diag dumps; `procfs`: the
//!   `/proc/net/*` fallback; `process`: the `/proc/*/fd` walk behind `-p`; `render`: ss's
//!   table layout; `summary`: `-s`.
//!
//! Rows are handed on one by one as the kernel sends them, in its order (as ss prints them),
//! and `socklab inspect` prints them as it goes, so memory does not grow with the table.
//! What goes to standard output is exactly what ss prints; socklab's own notes (a fallback, a
//! table it leaves out) go to standard error, and only on a terminal or with `--notes`.

mod args;
mod filter;
mod netlink;
mod plan;
mod process;
mod procfs;
mod render;
mod row;
mod summary;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::process::ExitCode;

use crate::error::Failure;
use crate::net::ToolOutput;
use crate::t;

pub use args::{Beyond, InspectArgs};
use plan::Plan;
pub use procfs::PROC_ROOT_ENV;
pub use row::{Endpoint, Memory, Netid, ProcessRef, SockState, SocketRow, Timer, UnixName};
use row::{Family, tcp_state};

/// The environment variable that picks the source of the rows: `proc` reads `/proc/net/*`
/// even where netlink works (to see, and to test, the fallback); `netlink` or unset is the
/// normal behaviour.
pub const SOURCE_ENV: &str = "SOCKLAB_INSPECT_SOURCE";

impl std::fmt::Display for SockState {
    /// ss's name for the state (`LISTEN`, `UNCONN`, `ESTAB`, …).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(render::state_name(*self))
    }
}

impl std::fmt::Display for Netid {
    /// ss's name for the table (`tcp`, `udp`, `u_str`, …).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(render::netid_name(*self))
    }
}

/// Where the rows came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Netlink,
    /// `/proc/net/*`, because netlink failed (the reason); backlogs and v6only are unknown.
    ProcFallback {
        reason: String,
    },
}

/// The rows of one inspection and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub rows: Vec<SocketRow>,
    pub source: Source,
    /// Set when neither netlink nor `/proc/net` could be read: the tables are unknown, not
    /// empty (the reason).
    pub unreadable: Option<String>,
}

/// What `SOCKLAB_INSPECT_SOURCE` asks for: `Ok(true)` to force `/proc`.
fn forced_proc() -> Result<bool, String> {
    match std::env::var(SOURCE_ENV) {
        Ok(value) if value == "proc" => Ok(true),
        Ok(value) if value.is_empty() || value == "netlink" => Ok(false),
        Ok(value) => Err(value),
        Err(_) => Ok(false),
    }
}

/// How one reading went: where the rows came from, and whether the tables could be read at
/// all.
struct Reading {
    source: Source,
    unreadable: Option<String>,
}

/// Reads the rows `plan` asks for and hands each one that passes its filter to `each`, in
/// the kernel's order: from netlink, or from /proc when netlink fails before any row (or the
/// environment forces it).
fn read(plan: &Plan, each: &mut dyn FnMut(SocketRow)) -> Reading {
    let ephemeral = render::ephemeral_ports();
    let mut passed = |row: SocketRow| {
        if plan.passes(&row, ephemeral) {
            each(row);
        }
    };
    if forced_proc() == Ok(true) {
        let reason = t!("inspect.reason_forced", var = SOURCE_ENV);
        return proc_read(plan, reason, &mut passed);
    }
    if let Ok(root) = std::env::var(PROC_ROOT_ENV) {
        let reason = t!("inspect.reason_proc_root", var = PROC_ROOT_ENV, root = root);
        return proc_read(plan, reason, &mut passed);
    }
    let mut any = false;
    let mut counted = |row: SocketRow| {
        any = true;
        passed(row);
    };
    match netlink_read(plan, &mut counted) {
        Ok(()) => Reading { source: Source::Netlink, unreadable: None },
        Err(err) if !any => {
            let reason = t!("inspect.reason_netlink_failed", error = err);
            proc_read(plan, reason, &mut passed)
        }
        // Rows already went out: what followed is lost, as in ss.
        Err(_) => Reading { source: Source::Netlink, unreadable: None },
    }
}

fn netlink_read(plan: &Plan, each: &mut dyn FnMut(SocketRow)) -> std::io::Result<()> {
    let mut diag = netlink::Diag::open()?;
    let extras = plan.extras();
    if plan.reads_unix() {
        diag.unix(plan.states, extras, &mut |row| {
            if plan.keeps_unix(row.netid) {
                each(row);
            }
        })?;
    }
    let bytecode = plan.bytecode();
    for (netid, family) in plan.inet_tables() {
        let port = plan.kernel_port();
        diag.inet(netid, family, plan.states, port, bytecode.as_deref(), extras, each)?;
    }
    Ok(())
}

fn proc_read(plan: &Plan, reason: String, each: &mut dyn FnMut(SocketRow)) -> Reading {
    let mut tried = 0;
    let mut failed: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    if plan.reads_unix() {
        tried += 1;
        if let Err(err) = procfs::unix(plan.states, &mut rows) {
            failed.push(format!("{}: {err}", procfs::path_of_unix()));
        }
        for row in rows.drain(..) {
            if plan.keeps_unix(row.netid) {
                each(row);
            }
        }
    }
    for (netid, family) in plan.inet_tables() {
        tried += 1;
        if let Err(err) = procfs::inet(netid, family, plan.states, plan.kernel_port(), &mut rows) {
            failed.push(format!("{}: {err}", procfs::path(netid, family)));
        }
        rows.drain(..).for_each(&mut *each);
    }
    // One table that cannot be read (IPv6 compiled out: no /proc/net/tcp6) has no rows, as
    // in ss; when none can be read, and netlink failed too, nothing is known.
    let unreadable = (tried > 0 && failed.len() == tried).then(|| {
        t!("inspect.unreadable_detail", netlink = reason.clone(), proc = failed.join("; "))
    });
    Reading { source: Source::ProcFallback { reason }, unreadable }
}

/// The plan for `args`; filter words that do not parse are left out here (`execute` reports
/// them).
fn lenient_plan(args: &InspectArgs) -> Plan {
    Plan::from_args(args).unwrap_or_else(|_| {
        let mut plain = args.clone();
        plain.filter.clear();
        plain.query.clear();
        plain.family.clear();
        Plan::from_args(&plain).unwrap_or_default()
    })
}

/// Reads the kernel's tables as `args` asks (ss's defaults where it says nothing).
pub fn snapshot(args: &InspectArgs) -> Snapshot {
    let plan = lenient_plan(args);
    let mut rows = Vec::new();
    let reading = read(&plan, &mut |row| rows.push(row));
    with_processes(Snapshot { rows, source: reading.source, unreadable: reading.unreadable }, args)
}

/// Reads the same rows from `/proc/net/*`, whether or not netlink works: what the fallback
/// shows (used by tests and to compare the two sources).
pub fn snapshot_from_proc(args: &InspectArgs) -> Snapshot {
    let plan = lenient_plan(args);
    let mut rows = Vec::new();
    let ephemeral = render::ephemeral_ports();
    let reading = proc_read(&plan, t!("inspect.reason_asked"), &mut |row| {
        if plan.passes(&row, ephemeral) {
            rows.push(row);
        }
    });
    with_processes(Snapshot { rows, source: reading.source, unreadable: reading.unreadable }, args)
}

fn with_processes(mut snapshot: Snapshot, args: &InspectArgs) -> Snapshot {
    if args.processes {
        let holders = process::holders(None);
        for row in &mut snapshot.rows {
            if row.inode != 0 {
                row.processes = holders.of(row.inode);
            }
        }
    }
    snapshot
}

/// Renders a snapshot as ss would print it for `args`.
pub fn render(snapshot: &Snapshot, args: &InspectArgs) -> String {
    let plan = lenient_plan(args);
    let mut out = Vec::new();
    let mut table = render::Table::new(plan.layout(), &mut out);
    for row in &snapshot.rows {
        // Writing into a Vec cannot fail.
        let _ = table.row(row);
    }
    let _ = table.flush();
    drop(table);
    String::from_utf8_lossy(&out).into_owned()
}

/// socklab's notes on an inspection: where the rows came from when not from netlink, the
/// tables ss would also list that socklab leaves out, and what `-p` cannot see without root.
fn notes_for(source: &Source, plan: &Plan, args: &InspectArgs) -> Vec<String> {
    let mut notes = Vec::new();
    if let Source::ProcFallback { reason } = source {
        notes.push(t!("inspect.proc_fallback", reason = reason));
    }
    let left_out = plan.left_out();
    if !left_out.is_empty() {
        notes.push(t!("inspect.tables_left_out", tables = left_out.join(", ")));
    }
    if args.port.is_some() {
        notes.push(t!("inspect.port_alias", port = args.port.unwrap_or_default()));
    }
    if args.processes && !process::sees_all_processes() {
        notes.push(t!("inspect.processes_not_root"));
    }
    notes
}

/// socklab's notes on a snapshot (see [`execute`]).
pub fn notes(snapshot: &Snapshot, args: &InspectArgs) -> Vec<String> {
    notes_for(&snapshot.source, &lenient_plan(args), args)
}

/// Checks the flags and filter, as ss would before reading anything.
fn checked_plan(args: &InspectArgs) -> Result<Plan, Failure> {
    if args.port.is_some() && args.unix {
        return Err(
            Failure::usage(t!("inspect.port_with_unix")).hint(t!("inspect.port_with_unix_hint"))
        );
    }
    if args.info {
        return Err(Failure::usage(t!("inspect.info_out_of_scope"))
            .hint(t!("inspect.info_out_of_scope_hint")));
    }
    if let Some((flag, what)) = args.beyond.first() {
        return Err(Failure::usage(t!("inspect.beyond", flag = flag, what = what))
            .hint(t!("inspect.beyond_hint", flag = flag)));
    }
    if let Err(value) = forced_proc() {
        return Err(Failure::usage(t!("inspect.bad_source", var = SOURCE_ENV, value = value))
            .hint(t!("inspect.bad_source_hint", var = SOURCE_ENV)));
    }
    Plan::from_args(args)
}

/// What ss prints on standard error, and its exit status, when the flags leave nothing to
/// list (`state listening exclude listening`): not an error for ss.
fn nothing_to_show(plan: &Plan) -> Option<ToolOutput> {
    let message = plan.nothing_to_show()?;
    Some(ToolOutput { stderr: format!("{message}\n"), ..ToolOutput::default() })
}

/// Runs `socklab inspect` / `ss` into memory: what a lesson step shows.
pub fn execute(args: &InspectArgs) -> Result<ToolOutput, Failure> {
    let plan = checked_plan(args)?;
    let mut stdout = Vec::new();
    if args.summary {
        stdout.extend_from_slice(summary::text().as_bytes());
        if plan.summary_only(args) {
            return Ok(ToolOutput {
                stdout: String::from_utf8_lossy(&stdout).into(),
                ..Default::default()
            });
        }
    }
    if let Some(output) = nothing_to_show(&plan) {
        return Ok(output);
    }
    let reading =
        list(&plan, args, None, &mut stdout).map_err(|err| Failure::new(err.to_string()))?;
    if let Some(detail) = reading.unreadable {
        return Err(unreadable(detail));
    }
    Ok(ToolOutput {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        notes: notes_for(&reading.source, &plan, args),
        ..ToolOutput::default()
    })
}

fn unreadable(detail: String) -> Failure {
    Failure::new(t!("inspect.unreadable", detail = detail)).hint(t!("inspect.unreadable_hint"))
}

/// Reads and prints the table for `plan` into `out`, row by row as the kernel sends them.
fn list(
    plan: &Plan,
    args: &InspectArgs,
    screen: Option<usize>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Reading> {
    let holders = args.processes.then(|| process::holders(None));
    let layout = render::Layout { screen, ..plan.layout() };
    let mut table = render::Table::new(layout, out);
    let mut failed = None;
    let reading = read(plan, &mut |mut row| {
        if let Some(holders) = &holders
            && row.inode != 0
        {
            row.processes = holders.of(row.inode);
        }
        if failed.is_none()
            && let Err(err) = table.row(&row)
        {
            failed = Some(err);
        }
    });
    if let Some(err) = failed {
        return Err(err);
    }
    // Tables that could not be read print nothing, not even a header.
    if reading.unreadable.is_none() {
        table.flush()?;
    }
    Ok(reading)
}

/// `socklab inspect` on the command line: prints as it reads, exactly what ss prints on
/// standard output and standard error; socklab's notes follow on standard error when it is a
/// terminal or `--notes` asks for them.
pub fn main(args: &InspectArgs) -> Result<ExitCode, Failure> {
    let plan = checked_plan(args)?;
    let stdout = std::io::stdout();
    // On a terminal, names other users chose (socket paths) are shown, never obeyed.
    let active = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(crate::net::TerminalSafe {
        inner: stdout.lock(),
        active,
        rewrote: false,
    });
    // A closed pipe (`socklab inspect | head`) is not an error worth reporting.
    if args.summary {
        let _ = std::io::Write::write_all(&mut out, summary::text().as_bytes());
        if plan.summary_only(args) {
            let _ = std::io::Write::flush(&mut out);
            return Ok(ExitCode::SUCCESS);
        }
    }
    if let Some(output) = nothing_to_show(&plan) {
        let _ = std::io::Write::flush(&mut out);
        drop(out);
        return Ok(output.print_with_notes(args.notes));
    }
    // On a terminal ss spreads the columns over its width; into a pipe it packs them.
    let screen = active
        .then(|| console::Term::stdout().size_checked())
        .flatten()
        .map(|(_, columns)| usize::from(columns))
        .filter(|&columns| columns > 0);
    let reading = match list(&plan, args, screen, &mut out) {
        Ok(reading) => reading,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(err) => return Err(Failure::new(err.to_string())),
    };
    let _ = std::io::Write::flush(&mut out);
    let rewrote = out.get_ref().rewrote;
    drop(out);
    if let Some(detail) = reading.unreadable {
        return Err(unreadable(detail));
    }
    if args.notes || std::io::stderr().is_terminal() {
        let mut notes = notes_for(&reading.source, &plan, args);
        // ss would have printed those bytes raw: say why these differ, and how to get ss's.
        if rewrote {
            notes.push(t!("inspect.control_characters_shown"));
        }
        for note in notes {
            super::print_socklab_line("note: ", &note);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The processes holding a socket bound to local `port` in `netid`'s table (for explaining
/// EADDRINUSE). Empty when none is visible (another user's process, without root).
pub fn holders_of_port(netid: Netid, port: u16) -> Vec<ProcessRef> {
    let tcp = netid == Netid::Tcp;
    if !tcp && netid != Netid::Udp {
        return Vec::new();
    }
    // Any state: a connected socket holds its local port as firmly as a listener.
    let args = InspectArgs {
        tcp,
        udp: !tcp,
        all: true,
        numeric: true,
        port: Some(port),
        ..InspectArgs::default()
    };
    let snapshot = snapshot(&args);
    // TIME_WAIT sockets have no inode and no holder.
    let inodes: HashSet<u64> =
        snapshot.rows.iter().map(|row| row.inode).filter(|&inode| inode != 0).collect();
    let mut holders: Vec<ProcessRef> = process::holders(Some(&inodes)).all();
    holders.sort_unstable_by_key(|holder| (holder.pid, holder.fd));
    holders.dedup();
    holders
}
