//! Automatic placement, where the kernel refuses a lab: every port moved by an offset chosen
//! for this student and every socket file put in a directory of theirs, so that classmates
//! on one host still never meet.
//!
//! The offsets are multiples of a step that no difference between two of the lessons' ports
//! divides, so two students in different slots can never land one's port on another's.
//! A slot comes from the uid; concurrent runs of the same student take the next slots (each
//! holds a lock on its own); a run checks its ports free before using them, and moves on to
//! the next slot if they are not. Exercises (`check`, `practice`) use the student's first
//! slot without that check: their own sockets are expected on those ports.

use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, UdpSocket};
use std::path::PathBuf;

use super::private_dir;
use super::record::{self, Lock};

/// The lowest offset used: moved ports stay above the privileged range...
const BASE: u16 = 10_000;
/// ...and below the kernel's ephemeral range, where connections take their local ports.
const CEILING: u16 = 32_767;
/// How many runs of one student may hold slots at once.
const RUNS_PER_STUDENT: u32 = 16;

/// Where this student's run goes on the host.
#[derive(Debug)]
pub struct Moved {
    pub port_offset: u16,
    pub socket_dir: PathBuf,
    /// Held while the run lasts, so another run of the same student takes another slot.
    _run: Option<Lock>,
}

/// What the placement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    /// Lesson steps: a slot of their own, checked free.
    Steps,
    /// Exercises: the student's own first slot, where their sockets are.
    Exercises,
}

/// Chooses the offset and socket directory for the lessons' `ports` (every port value,
/// privileged alternatives included).
pub fn place(ports: &[u16], purpose: For) -> std::io::Result<Moved> {
    let dir = private_dir::get()?;
    let step = step_for(ports);
    let highest = ports.iter().copied().max().unwrap_or(0);
    let slots = u32::from(CEILING.saturating_sub(highest).saturating_sub(BASE)) / u32::from(step);
    let slots = slots.max(1);
    let uid = rustix::process::geteuid().as_raw();
    let first = (uid % (slots / RUNS_PER_STUDENT).max(1)) * RUNS_PER_STUDENT;
    let offset_of = |slot: u32| BASE + u16::try_from((slot % slots) * u32::from(step)).unwrap_or(0);
    if purpose == For::Exercises {
        let socket_dir = dir.join("sockets");
        make_dir(&socket_dir)?;
        return Ok(Moved { port_offset: offset_of(first), socket_dir, _run: None });
    }
    for run in 0..RUNS_PER_STUDENT {
        let Some(lock) = record::try_lock_file(&dir.join(format!("run-{run}.lock")))? else {
            continue;
        };
        for slot in (first + run..first + slots).step_by(RUNS_PER_STUDENT as usize) {
            let offset = offset_of(slot);
            if ports.iter().all(|port| is_free(port.saturating_add(offset))) {
                let socket_dir = dir.join(format!("run-{run}"));
                make_dir(&socket_dir)?;
                return Ok(Moved { port_offset: offset, socket_dir, _run: Some(lock) });
            }
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AddrInUse, crate::t!("runner.lab.no_free_slot")))
}

/// The smallest step (10 or more) that divides no difference between two of `ports`.
fn step_for(ports: &[u16]) -> u16 {
    (10..1000)
        .find(|step| {
            ports.iter().all(|a| ports.iter().all(|b| a == b || a.abs_diff(*b) % step != 0))
        })
        .unwrap_or(1000)
}

fn make_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => Err(err),
        _ => Ok(()),
    }
}

/// Whether nothing holds `port` for TCP or UDP on IPv4 or IPv6 (a UDP bind without
/// SO_REUSEADDR fails whenever another socket has the port).
fn is_free(port: u16) -> bool {
    let v4 = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok()
        && UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok();
    let ipv6 = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok();
    v4 && (!ipv6
        || (TcpListener::bind((Ipv6Addr::UNSPECIFIED, port)).is_ok()
            && UdpSocket::bind((Ipv6Addr::UNSPECIFIED, port)).is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_never_divides_a_difference_between_ports() {
        let ports = [1123, 8080, 9090, 9091, 9092, 9099];
        let step = step_for(&ports);
        assert!(step >= 10);
        for a in ports {
            for b in ports {
                assert!(a == b || a.abs_diff(b) % step != 0, "{a} {b} {step}");
            }
        }
    }
}
