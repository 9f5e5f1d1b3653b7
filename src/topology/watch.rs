//! A probe across the lab's link, watched from its own host while it waits: what `ss -tn`
//! shows in another terminal while nc hangs on a dropped SYN (the socket in SYN-SENT).
//!
//! Runs on the host's thread (see [`super::Host::run`]); the watcher is a thread started
//! from it, so it reads the same namespace's tables.

use std::time::Duration;

use crate::error::Failure;
use crate::net::ToolOutput;
use crate::net::inspect::{self, InspectArgs};
use crate::net::probe::{self, ProbeArgs};
use crate::t;

/// Runs the probe. A refusal across the link may come from a firewall: the note says so.
/// When it is a TCP probe that waits (it has a `-w`) and fails, adds a note with the
/// client's SYN-SENT row seen halfway through the wait.
pub fn probe(args: &ProbeArgs) -> Result<ToolOutput, Failure> {
    let mut output = watched(args)?;
    if !args.udp && output.stderr.contains("Connection refused") {
        let port = args.ports.join(" ");
        output.notes = vec![t!("topology.refused_across", host = args.target, port = port)];
    }
    Ok(output)
}

fn watched(args: &ProbeArgs) -> Result<ToolOutput, Failure> {
    let Some(wait) = args.timeout.filter(|_| !args.udp && !args.unix) else {
        return probe::execute(args);
    };
    let (output, seen) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            std::thread::sleep(Duration::from_secs_f64(wait / 2.0));
            syn_sent_rows()
        });
        let output = probe::execute(args);
        (output, watcher.join().unwrap_or_default())
    });
    let mut output = output?;
    if output.status != 0 && !seen.is_empty() {
        output.notes.push(t!("topology.meanwhile_syn_sent", rows = seen.join("\n")));
    }
    Ok(output)
}

/// The lines of `ss -tn` (header first) whose state is SYN-SENT, or none.
fn syn_sent_rows() -> Vec<String> {
    let args = InspectArgs { tcp: true, numeric: true, ..InspectArgs::default() };
    let Ok(shown) = inspect::execute(&args) else { return Vec::new() };
    let mut lines = shown.stdout.lines();
    let header = lines.next().unwrap_or_default().to_owned();
    let rows: Vec<String> =
        lines.filter(|line| line.starts_with("SYN-SENT")).map(str::to_owned).collect();
    if rows.is_empty() { rows } else { std::iter::once(header).chain(rows).collect() }
}
