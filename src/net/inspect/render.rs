//! ss's table layout: the columns, the cell texts and the spacing ss computes for them.
//!
//! This is iproute2 6.1's renderer (misc/ss.c `render`), output not a terminal: every cell is
//! collected first, then each column gets the width of its longest cell so far plus the
//! column's one-space left delimiter (none for the first column and for the Port columns,
//! which follow their address directly). Address cells are right-aligned and end in `:` (or
//! a space, for Unix names); every other cell is left-aligned and padded to its width. Queues
//! are printed as `%-6d`. The `Process` column is always there, as in ss before 6.8 (Debian
//! 12, Ubuntu 22.04 and 24.04, and the tutorial): `-p`'s users, `-o`'s timers, `-e`'s details
//! and `-m`'s memory go into it, and rows without any are padded to its width.
//!
//! Like ss, the table is printed in batches: once the cells would fill ss's five 1 MiB
//! buffers, the rows so far are printed and their memory reused; column widths only ever grow
//! from one batch to the next. Rows arrive one at a time from the kernel's dump and are never
//! kept, so memory stays that of one batch of cells however many sockets there are.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;
use std::sync::OnceLock;

use crate::net::services::{self, Transport};

#[cfg(test)]
use super::Timer;
use super::{Endpoint, Memory, Netid, ProcessRef, SockState, SocketRow, UnixName};

/// What the table shows, decided from the flags.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Layout {
    pub netid: bool,
    pub state: bool,
    pub header: bool,
    pub numeric: bool,
    /// `-o`: timers.
    pub options: bool,
    /// `-e`: uid, inode, cookie, cgroup, v6only, shutdown.
    pub extended: bool,
    /// `-m`: socket memory.
    pub memory: bool,
    /// `-O`: what `-m` adds stays on the socket's line instead of a line of its own.
    pub oneline: bool,
    /// The terminal's width, when printing to one: ss then spreads the columns over it.
    pub screen: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// ss's columns in order: header, left delimiter, alignment. The ninth holds everything after
/// the peer (ss calls it COL_EXT; its header is `Process`); the tenth (COL_PROC) stays empty.
const COLUMNS: [(&str, &str, Align); 10] = [
    ("Netid", "", Align::Left),
    ("State", " ", Align::Left),
    ("Recv-Q", " ", Align::Left),
    ("Send-Q", " ", Align::Left),
    ("Local Address:", " ", Align::Right),
    ("Port", "", Align::Left),
    ("Peer Address:", " ", Align::Right),
    ("Port", "", Align::Left),
    ("Process", "", Align::Left),
    ("", "", Align::Left),
];
const NETID: usize = 0;
const STATE: usize = 1;
const RECV_Q: usize = 2;
const SEND_Q: usize = 3;
const EXT: usize = 8;

/// ss's output buffer: chunks of 1 MiB (less two pointers), at most five before it prints.
const CHUNK: usize = 1024 * 1024 - 16;
const CHUNKS_MAX: usize = 5;
/// A cell's length byte: its text is that of the cell above it (kept once).
const SAME: u8 = u8::MAX - 1;
/// A cell's length byte: its length is in `long`.
const LONG: u8 = u8::MAX;

/// A table being printed: the current batch's cells, and each column's longest cell so far.
///
/// Cell texts are kept as ss keeps them: back to back in chunks of 1 MiB (so growing never
/// copies what is there, and only the bytes written are touched), with a one-byte length per
/// cell (254 and above go to `long`). A cell that repeats the one above it (`LISTEN`, `0`,
/// `0.0.0.0:*` row after row) is kept as one byte, [`SAME`]: at 10,000 listeners that halves
/// the batch. ss's own accounting of its chunks (`chunks`, `used`), which decides when a
/// batch is printed and so the column widths, is kept as if every text were stored. The
/// queue cells are kept without ss's `%-6d` padding, which the column's own padding restores.
pub(super) struct Table<'w> {
    layout: Layout,
    columns: Vec<usize>,
    max_len: Vec<usize>,
    /// The cell being written.
    cell: String,
    texts: Vec<String>,
    lengths: Vec<u8>,
    long: Vec<u16>,
    /// Where each column's last text in this batch is: (chunk, offset, length).
    last: Vec<Option<(usize, usize, usize)>>,
    /// ss's chunk accounting: chunks in use, bytes used in the last one.
    chunks: usize,
    used: usize,
    out: &'w mut dyn io::Write,
    ephemeral: (u16, u16),
    interfaces: HashMap<u32, String>,
    cgroups: Option<HashMap<u64, String>>,
    /// The length of the last row's Process cell, not yet counted in its column's width.
    deferred: Option<(usize, usize)>,
    /// Past the header.
    in_rows: bool,
}

impl<'w> Table<'w> {
    /// A table for `layout` that prints to `out`.
    pub(super) fn new(layout: Layout, out: &'w mut dyn io::Write) -> Self {
        let columns: Vec<usize> = (0..COLUMNS.len())
            .filter(|&column| match column {
                NETID => layout.netid,
                STATE => layout.state,
                _ => true,
            })
            .collect();
        let mut table = Self {
            layout,
            max_len: vec![0; columns.len()],
            last: vec![None; columns.len()],
            columns,
            cell: String::new(),
            texts: Vec::new(),
            lengths: Vec::new(),
            long: Vec::new(),
            chunks: 0,
            used: 0,
            out,
            ephemeral: ephemeral_ports(),
            interfaces: HashMap::new(),
            cgroups: None,
            deferred: None,
            in_rows: false,
        };
        if layout.header {
            for slot in 0..table.columns.len() {
                table.cell.push_str(COLUMNS[table.columns[slot]].0);
                table.end_cell(slot);
            }
        }
        table
    }

    /// Stores the cell just written (cut, as ss cuts it, at 65,535 bytes).
    fn end_cell(&mut self, slot: usize) {
        let mut length = self.cell.len().min(usize::from(u16::MAX));
        while !self.cell.is_char_boundary(length) {
            length -= 1;
        }
        let text = &self.cell[..length];
        let above = self.last[slot].map(|(chunk, at, len)| &self.texts[chunk][at..at + len]);
        if length > 0 && above == Some(text) {
            self.lengths.push(SAME);
        } else {
            match self.texts.last_mut() {
                Some(chunk) if chunk.capacity() - chunk.len() >= length => chunk.push_str(text),
                _ => {
                    let mut chunk = String::with_capacity(CHUNK.max(length));
                    chunk.push_str(text);
                    self.texts.push(chunk);
                }
            }
            let chunk = self.texts.len() - 1;
            self.last[slot] = Some((chunk, self.texts[chunk].len() - length, length));
            match u8::try_from(length) {
                Ok(short) if short < SAME => self.lengths.push(short),
                _ => {
                    self.lengths.push(LONG);
                    self.long.push(length as u16);
                }
            }
        }
        self.cell.clear();
        // A queue is printed as `%-6d`: six characters at least.
        let length =
            if matches!(self.columns[slot], RECV_Q | SEND_Q) { length.max(6) } else { length };
        if self.columns[slot] == EXT && self.in_rows {
            // ss counts a cell's length when it moves on to the next cell; after a row's
            // Process cell that happens only when the next row begins, so the very last
            // row's Process cell never widens its column.
            self.deferred = Some((slot, length));
        } else {
            self.max_len[slot] = self.max_len[slot].max(length);
        }
        // A token is a 16-bit length and the text, kept at even offsets.
        let size = 2 + length.next_multiple_of(2);
        if self.chunks == 0 || self.used + size > CHUNK {
            self.chunks += 1;
            self.used = 0;
        }
        self.used += size;
    }

    fn count_deferred(&mut self) {
        if let Some((slot, length)) = self.deferred.take() {
            self.max_len[slot] = self.max_len[slot].max(length);
        }
    }

    /// Adds one socket's row; prints the batch when ss would.
    pub(super) fn row(&mut self, row: &SocketRow) -> io::Result<()> {
        self.count_deferred();
        self.in_rows = true;
        for slot in 0..self.columns.len() {
            let column = self.columns[slot];
            let mut cell = std::mem::take(&mut self.cell);
            self.write_cell(&mut cell, row, column);
            self.cell = cell;
            self.end_cell(slot);
        }
        if self.chunks >= CHUNKS_MAX {
            self.count_deferred();
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Prints the rows collected so far.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        if self.lengths.is_empty() {
            return Ok(());
        }
        let widths = self.widths();
        let per_line = self.columns.len();
        let mut line = String::new();
        let (mut chunk, mut offset) = (0, 0);
        let mut long = self.long.iter();
        // Each column's last stored text: (start, end) in its chunk.
        let mut above = vec![(0, 0, 0); per_line];
        for (index, &length) in self.lengths.iter().enumerate() {
            let slot = index % per_line;
            let (from, start, end) = match length {
                SAME => above[slot],
                stored => {
                    let length = match stored {
                        LONG => usize::from(long.next().copied().unwrap_or(0)),
                        short => usize::from(short),
                    };
                    // A cell that did not fit its chunk went whole into the next one.
                    while offset + length > self.texts[chunk].len() {
                        (chunk, offset) = (chunk + 1, 0);
                    }
                    offset += length;
                    above[slot] = (chunk, offset - length, offset);
                    above[slot]
                }
            };
            let content = &self.texts[from][start..end];
            let (_, delimiter, align) = COLUMNS[self.columns[slot]];
            let width = widths[slot];
            let mut printed = 0;
            if slot > 0 {
                line.push_str(delimiter);
                printed = delimiter.len();
            }
            if align == Align::Right && width > 0 {
                pad(&mut line, width.saturating_sub(content.len() + printed));
            }
            line.push_str(content);
            printed += content.len();
            if align == Align::Left && width > 0 {
                pad(&mut line, width.saturating_sub(printed));
            }
            if slot + 1 == per_line {
                line.push('\n');
                self.out.write_all(line.as_bytes())?;
                line.clear();
            }
        }
        // Keep the first chunk for the next batch; ss frees them all and allocates anew.
        self.texts.truncate(1);
        if let Some(first) = self.texts.first_mut() {
            first.clear();
        }
        self.lengths.clear();
        self.long.clear();
        self.last.iter_mut().for_each(|last| *last = None);
        self.chunks = 0;
        self.used = 0;
        Ok(())
    }

    /// Width: the longest cell, plus the left delimiter except on the first non-empty column;
    /// on a terminal, spread over the screen as ss spreads it.
    fn widths(&self) -> Vec<usize> {
        let mut first = true;
        let screen = self.layout.screen.unwrap_or(usize::MAX);
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .zip(&self.max_len)
            .map(|(&column, &longest)| {
                let width =
                    if !first && longest > 0 { longest + COLUMNS[column].1.len() } else { longest };
                if width > 0 {
                    first = false;
                }
                width.min(screen)
            })
            .collect();
        if self.layout.screen.is_some() {
            spread(&mut widths, screen);
        }
        widths
    }

    fn write_cell(&mut self, out: &mut String, row: &SocketRow, column: usize) {
        let transport = if row.netid == Netid::Udp { Transport::Udp } else { Transport::Tcp };
        let (numeric, eph) = (self.layout.numeric, self.ephemeral);
        // Writing into a String cannot fail.
        let _ = match column {
            0 => out.write_str(netid_name(row.netid)),
            1 => out.write_str(state_name(row.state)),
            RECV_Q => write!(out, "{}", row.recv_q),
            SEND_Q => write!(out, "{}", row.send_q),
            4 => {
                let interface = (row.iface != 0).then(|| self.interface(row.iface));
                write_address(out, &row.local, row.v6only, interface)
            }
            5 => write_port(out, &row.local, transport, numeric, eph),
            6 => write_address(out, &row.peer, row.v6only, None),
            7 => write_port(out, &row.peer, transport, numeric, eph),
            EXT => self.write_ext(out, row),
            _ => Ok(()),
        };
    }

    /// The Process column: `-p`'s users, then, as ss orders them, `-o`'s timer, `-e`'s
    /// details and `-m`'s memory (for Unix sockets, memory before details).
    fn write_ext(&mut self, out: &mut String, row: &SocketRow) -> std::fmt::Result {
        write_users(out, &row.processes)?;
        if let Endpoint::Unix { .. } = row.local {
            if self.layout.memory {
                write_memory(out, row.memory.as_ref())?;
            }
            if self.layout.extended {
                if let Some(mask) = row.shutdown {
                    write_shutdown(out, mask)?;
                }
                if let Some((dev, ino)) = row.vfs {
                    // ss hands the kernel's dev (major << 20 | minor) to glibc's major() and
                    // minor(), which read it as a user-space dev_t.
                    let kernel = (u64::from(rustix::fs::major(dev)) << 20)
                        | u64::from(rustix::fs::minor(dev));
                    let major = (kernel >> 8) & 0xfff;
                    let minor = (kernel & 0xff) | ((kernel >> 12) & !0xff);
                    write!(out, " ino:{ino} dev:{major}/{minor}")?;
                }
                if let Some(pending) = &row.pending {
                    out.write_str(" peers:")?;
                    for peer in pending {
                        write!(out, " {peer}")?;
                    }
                }
            }
            return Ok(());
        }
        if self.layout.options
            && let Some(timer) = row.timer
        {
            const NAMES: [&str; 6] = ["off", "on", "keepalive", "timewait", "persist", "unknown"];
            let name = NAMES[usize::from(timer.kind.min(5))];
            write!(out, " timer:({name},{},{})", ms_timer(timer.expires), timer.retrans)?;
        }
        if self.layout.extended {
            if let Some(uid) = row.uid.filter(|&uid| uid != 0) {
                write!(out, " uid:{uid}")?;
            }
            write!(out, " ino:{} sk:{:x}", row.inode, row.cookie)?;
            if let Some(id) = row.cgroup.filter(|&id| id != 0) {
                let path = self.cgroup(id);
                write!(out, " cgroup:{path}")?;
            }
            if let (Endpoint::Inet { addr: IpAddr::V6(_), .. }, Some(v6only)) =
                (&row.local, row.v6only)
            {
                write!(out, " v6only:{}", u8::from(v6only))?;
            }
            if let Some(mask) = row.shutdown {
                write_shutdown(out, mask)?;
            }
        }
        if self.layout.memory {
            if !self.layout.oneline {
                out.write_str("\n\t")?;
            }
            write_memory(out, row.memory.as_ref())?;
        }
        Ok(())
    }

    /// The interface's name, as ss's `ll_index_to_name` gives it (`if7` when unknown).
    fn interface(&mut self, index: u32) -> String {
        self.interfaces.entry(index).or_insert_with(|| interface_name(index)).clone()
    }

    fn cgroup(&mut self, id: u64) -> String {
        let map = self.cgroups.get_or_insert_with(cgroup_paths);
        map.get(&id).cloned().unwrap_or_else(|| format!("unreachable:{id:x}"))
    }
}

/// ss's `render_calc_width`, second pass: columns that fit on a screen line share the space
/// left on it; a column that does not fit starts the next line.
fn spread(widths: &mut [usize], screen: usize) {
    let mut line_start = 0;
    let (mut length, mut count) = (0, 0);
    let mut column = 0;
    while column < widths.len() {
        if widths[column] == 0 {
            column += 1;
            continue;
        }
        count += 1;
        length += widths[column];
        let last = widths[column + 1..].iter().all(|&width| width == 0);
        if !last && length < screen {
            column += 1;
            continue;
        }
        if length != screen {
            let mut end = column;
            if length > screen {
                // This column starts the next line.
                length -= widths[column];
                count -= 1;
                end = column - 1;
            }
            let spare = screen - length;
            let (spacing, mut rest) = (spare / count.max(1), spare % count.max(1));
            for width in widths[line_start..=end].iter_mut().rev().filter(|width| **width > 0) {
                *width += spacing;
                if rest > 0 {
                    *width += 1;
                    rest -= 1;
                }
            }
            column = end;
        }
        line_start = column + 1;
        (length, count) = (0, 0);
        column += 1;
    }
}

fn pad(out: &mut String, spaces: usize) {
    out.extend(std::iter::repeat_n(' ', spaces));
}

/// ` <->`: `-` where a direction is shut down (bit 0 receive, bit 1 send).
fn write_shutdown(out: &mut String, mask: u8) -> std::fmt::Result {
    let receive = if mask & 1 != 0 { '-' } else { '<' };
    let send = if mask & 2 != 0 { '-' } else { '>' };
    write!(out, " {receive}-{send}")
}

/// ` skmem:(r…,rb…,t…,tb…,f…,w…,o…,bl…,d…)`, or the older ` mem:(r…,w…,f…,t…)`.
fn write_memory(out: &mut String, memory: Option<&Memory>) -> std::fmt::Result {
    match memory {
        Some(Memory::Sk(words)) if words.len() >= 7 => {
            write!(
                out,
                " skmem:(r{},rb{},t{},tb{},f{},w{},o{}",
                words[0], words[1], words[2], words[3], words[4], words[5], words[6]
            )?;
            if let Some(backlog) = words.get(7) {
                write!(out, ",bl{backlog}")?;
            }
            if let Some(drops) = words.get(8) {
                write!(out, ",d{drops}")?;
            }
            out.write_char(')')
        }
        Some(Memory::Legacy(words)) if words.len() >= 4 => {
            write!(out, " mem:(r{},w{},f{},t{})", words[0], words[1], words[2], words[3])
        }
        _ => Ok(()),
    }
}

/// ss's `print_ms_timer`: `59sec`, `1.500ms`, `2min30sec`, `15min`.
pub(super) fn ms_timer(timeout: u32) -> String {
    let mut secs = timeout / 1000;
    let minutes = secs / 60;
    secs %= 60;
    let mut msecs = timeout % 1000;
    let mut text = String::new();
    if minutes > 0 {
        msecs = 0;
        let _ = write!(text, "{minutes}min");
        if minutes > 9 {
            secs = 0;
        }
    }
    if secs > 0 {
        if secs > 9 {
            msecs = 0;
        }
        let _ = write!(text, "{secs}{}", if msecs > 0 { "." } else { "sec" });
    }
    if msecs > 0 {
        let _ = write!(text, "{msecs:03}ms");
    }
    text
}

fn interface_name(index: u32) -> String {
    let socket =
        rustix::net::socket(rustix::net::AddressFamily::INET, rustix::net::SocketType::DGRAM, None);
    socket
        .ok()
        .and_then(|socket| rustix::net::netdevice::index_to_name(&socket, index).ok())
        .unwrap_or_else(|| format!("if{index}"))
}

/// Every cgroup directory under the cgroup2 mount, by its id (the directory's inode), as
/// the path ss prints (`/` for the root).
fn cgroup_paths() -> HashMap<u64, String> {
    use std::os::unix::fs::MetadataExt as _;
    let mut paths = HashMap::new();
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let Some(root) = mounts.lines().find_map(|line| {
        let mut fields = line.split(' ');
        let (_, dir, kind) = (fields.next()?, fields.next()?, fields.next()?);
        (kind == "cgroup2").then(|| std::path::PathBuf::from(dir))
    }) else {
        return paths;
    };
    let Ok(top) = std::fs::metadata(&root) else { return paths };
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let Ok(meta) = std::fs::metadata(&dir) else { continue };
        if meta.dev() != top.dev() {
            continue;
        }
        let relative = dir.strip_prefix(&root).map(|p| p.to_string_lossy().into_owned());
        let shown = match relative.as_deref() {
            Ok("") | Err(_) => "/".to_owned(),
            Ok(path) => format!("/{path}"),
        };
        paths.insert(meta.ino(), shown);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    pending.push(entry.path());
                }
            }
        }
    }
    paths
}

/// ss's Netid names.
pub(super) fn netid_name(netid: Netid) -> &'static str {
    match netid {
        Netid::Tcp => "tcp",
        Netid::Udp => "udp",
        Netid::UnixStream => "u_str",
        Netid::UnixDgram => "u_dgr",
        Netid::UnixSeqpacket => "u_seq",
    }
}

/// ss's state names.
pub(super) fn state_name(state: SockState) -> &'static str {
    match state {
        SockState::Established => "ESTAB",
        SockState::SynSent => "SYN-SENT",
        SockState::SynRecv => "SYN-RECV",
        SockState::FinWait1 => "FIN-WAIT-1",
        SockState::FinWait2 => "FIN-WAIT-2",
        SockState::TimeWait => "TIME-WAIT",
        SockState::Unconnected => "UNCONN",
        SockState::CloseWait => "CLOSE-WAIT",
        SockState::LastAck => "LAST-ACK",
        SockState::Listen => "LISTEN",
        SockState::Closing => "CLOSING",
    }
}

/// The address cell with its trailing delimiter: `127.0.0.1:`, `[::1]:`, `*:` for an IPv6
/// wildcard that also takes IPv4 (v6only = 0), `0.0.0.0%lo:` for a socket bound to an
/// interface, or a Unix name and a space.
fn write_address(
    out: &mut String,
    endpoint: &Endpoint,
    v6only: Option<bool>,
    interface: Option<String>,
) -> std::fmt::Result {
    match endpoint {
        Endpoint::Inet { addr, .. } => {
            match addr {
                IpAddr::V4(addr) => write!(out, "{addr}")?,
                // ss tests `!v6only`: a wildcard with no v6only attribute is `*` too.
                IpAddr::V6(addr) if addr.is_unspecified() && v6only != Some(true) => {
                    out.write_char('*')?
                }
                IpAddr::V6(addr) => write!(out, "[{addr}]")?,
            }
            if let Some(interface) = interface {
                write!(out, "%{interface}")?;
            }
            out.write_char(':')
        }
        Endpoint::Unix { name, .. } => {
            match name {
                UnixName::Path(path) => out.push_str(&path.to_string_lossy()),
                UnixName::Abstract(bytes) => {
                    // ss turns the leading NUL, and any NUL inside the name, into `@`.
                    out.push('@');
                    let shown: Vec<u8> =
                        bytes.iter().map(|&byte| if byte == 0 { b'@' } else { byte }).collect();
                    out.push_str(&String::from_utf8_lossy(&shown));
                }
                UnixName::Unnamed => out.push('*'),
            }
            out.write_char(' ')
        }
    }
}

/// The port cell: `*` for port 0, else the service name (without `-n`, outside the ephemeral
/// range, when /etc/services has one) or the number. For Unix sockets, the inode.
fn write_port(
    out: &mut String,
    endpoint: &Endpoint,
    transport: Transport,
    numeric: bool,
    ephemeral: (u16, u16),
) -> std::fmt::Result {
    match *endpoint {
        Endpoint::Unix { inode, .. } => write!(out, "{inode}"),
        Endpoint::Inet { port: 0, .. } => out.write_char('*'),
        Endpoint::Inet { port, .. } => {
            // Like ss, never name a port in the ephemeral range: /etc/services lists many
            // names there that would only mislead.
            let is_ephemeral = (ephemeral.0..=ephemeral.1).contains(&port);
            // With -n, /etc/services is not even read.
            let named = !numeric && !is_ephemeral;
            match named.then(|| services::name(port, transport)).flatten() {
                Some(name) => out.write_str(name),
                None => write!(out, "{port}"),
            }
        }
    }
}

/// ` users:(("socat",pid=5845,fd=5),…)`, or nothing when no holder is visible.
pub(super) fn write_users(out: &mut String, holders: &[ProcessRef]) -> std::fmt::Result {
    if holders.is_empty() {
        return Ok(());
    }
    out.write_str(" users:(")?;
    for (index, holder) in holders.iter().enumerate() {
        if index > 0 {
            out.write_char(',')?;
        }
        write!(out, "(\"{}\",pid={},fd={})", holder.name, holder.pid, holder.fd)?;
    }
    out.write_char(')')
}

/// `net.ipv4.ip_local_port_range`, where bind(port 0) picks from; ss assumes 1024–4999 when
/// it cannot read it.
pub(super) fn ephemeral_ports() -> (u16, u16) {
    static RANGE: OnceLock<(u16, u16)> = OnceLock::new();
    *RANGE.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range");
        let mut bounds = text.iter().flat_map(|text| text.split_whitespace());
        match (bounds.next().map(str::parse), bounds.next().map(str::parse)) {
            (Some(Ok(low)), Some(Ok(high))) => (low, high),
            _ => (1024, 4999),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(local: &str, v6only: Option<bool>, send_q: u32) -> SocketRow {
        let local: std::net::SocketAddr = local.parse().unwrap();
        let any: IpAddr = if local.is_ipv4() {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        } else {
            std::net::Ipv6Addr::UNSPECIFIED.into()
        };
        SocketRow {
            netid: Netid::Tcp,
            state: SockState::Listen,
            send_q,
            local: Endpoint::Inet { addr: local.ip(), port: local.port() },
            peer: Endpoint::Inet { addr: any, port: 0 },
            inode: 1,
            v6only,
            uid: Some(0),
            ..SocketRow::default()
        }
    }

    const NUMERIC: Layout = Layout {
        netid: false,
        state: true,
        header: true,
        numeric: true,
        options: false,
        extended: false,
        memory: false,
        oneline: false,
        screen: None,
    };

    fn table(rows: &[SocketRow], layout: Layout) -> String {
        let mut out = Vec::new();
        let mut table = Table::new(layout, &mut out);
        for row in rows {
            table.row(row).unwrap();
        }
        table.flush().unwrap();
        drop(table);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lays_out_like_ss_6_1() {
        // ss 6.1 prints exactly this for `ss -4 -tln` with one socat listener: the Process
        // header glued to the Port header, and every row padded with an empty Process cell.
        let rows = [listener("127.0.0.1:8080", None, 5)];
        assert_eq!(
            table(&rows, NUMERIC),
            "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n\
             LISTEN 0      5          127.0.0.1:8080      0.0.0.0:*          \n"
        );
        let bound = SocketRow { iface: 1, ..listener("0.0.0.0:8086", None, 5) };
        let text = table(&[bound], Layout { header: false, ..NUMERIC });
        assert!(text.contains(&format!("0.0.0.0%{}:8086", interface_name(1))), "{text}");
    }

    #[test]
    fn spreads_over_a_terminal_as_ss_does() {
        // ss 6.1's `ss -tln` in a pseudo-terminal 80 columns wide, same sockets.
        let rows = [listener("127.0.0.1:8080", None, 5), listener("[::]:8081", Some(false), 5)];
        assert_eq!(
            table(&rows, Layout { screen: Some(80), ..NUMERIC }),
            "State    Recv-Q   Send-Q     Local Address:Port     Peer Address:Port  Process  \n\
             LISTEN   0        5              127.0.0.1:8080          0.0.0.0:*              \n\
             LISTEN   0        5                      *:8081                *:*              \n"
        );
        // Columns that do not fit on one screen line start the next one; each line shares
        // its spare room (worked through by hand from ss's render_calc_width).
        let mut widths = vec![5, 7, 7, 15, 5, 14, 4, 7, 0];
        spread(&mut widths, 40);
        assert_eq!(widths, [5, 7, 7, 15, 6, 19, 9, 12, 0]);
    }

    #[test]
    fn one_state_hides_the_state_column() {
        let mut row = listener("127.0.0.1:123", None, 0);
        row.netid = Netid::Udp;
        row.state = SockState::Established;
        row.peer = Endpoint::Inet { addr: [127, 0, 0, 1].into(), port: 5000 };
        let text = table(&[row], Layout { state: false, ..NUMERIC });
        assert_eq!(
            text,
            "Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n\
             0      0          127.0.0.1:123     127.0.0.1:5000       \n"
        );
    }

    #[test]
    fn brackets_ipv6_and_stars_a_dual_stack_wildcard() {
        let rows = [
            listener("[::1]:8080", Some(true), 5),
            listener("[::]:8081", Some(false), 5),
            listener("[::]:8082", Some(true), 5),
        ];
        let layout = Layout { header: false, ..NUMERIC };
        let text = table(&rows, layout);
        let fields: Vec<Vec<&str>> =
            text.lines().map(|line| line.split_whitespace().collect()).collect();
        assert_eq!(fields[0][3..], ["[::1]:8080", "[::]:*"]);
        assert_eq!(fields[1][3..], ["*:8081", "*:*"]);
        assert_eq!(fields[2][3..], ["[::]:8082", "[::]:*"]);
    }

    #[test]
    fn extended_options_and_memory_go_into_the_process_column() {
        let mut row = listener("[::]:8081", Some(false), 5);
        (row.inode, row.cookie, row.shutdown, row.uid) = (75178, 0x10be, Some(0), Some(1000));
        row.memory = Some(Memory::Sk(vec![0, 131072, 0, 16384, 0, 0, 0, 0, 0]));
        let layout = Layout { header: false, extended: true, memory: true, ..NUMERIC };
        assert_eq!(
            table(&[row], layout),
            "LISTEN 0      5      *:8081 *:* uid:1000 ino:75178 sk:10be v6only:0 <->\n\t \
             skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0)\n"
        );
        let mut waiting = listener("127.0.0.1:8080", None, 0);
        waiting.state = SockState::TimeWait;
        waiting.timer = Some(Timer { kind: 3, expires: 59_000, retrans: 0 });
        let mut one = listener("[::]:8081", Some(false), 5);
        one.memory = Some(Memory::Sk(vec![0, 131072, 0, 16384, 0, 0, 0, 0, 0]));
        let layout = Layout { header: false, memory: true, oneline: true, ..NUMERIC };
        assert_eq!(
            table(&[one], layout),
            "LISTEN 0      5      *:8081 *:* skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0)\n"
        );
        let text = table(&[waiting], Layout { header: false, options: true, ..NUMERIC });
        assert!(text.ends_with(" timer:(timewait,59sec,0)\n"), "{text}");
        assert_eq!(ms_timer(1_500), "1.500ms");
        assert_eq!(ms_timer(150_000), "2min30sec");
        assert_eq!(ms_timer(900_000), "15min");
        assert_eq!(ms_timer(0), "");
    }

    #[test]
    fn unix_rows_show_name_inode_and_peer_and_process_list() {
        let mut row = listener("127.0.0.1:1", None, 5);
        row.netid = Netid::UnixStream;
        row.local =
            Endpoint::Unix { name: UnixName::Path("/tmp/lab/stream.sock".into()), inode: 26498 };
        row.peer = Endpoint::Unix { name: UnixName::Unnamed, inode: 0 };
        row.processes = vec![ProcessRef { name: "socat".into(), pid: 5845, fd: 5 }];
        let mut abstract_row = row.clone();
        abstract_row.local =
            Endpoint::Unix { name: UnixName::Abstract(b"lab\0x".to_vec()), inode: 7 };
        abstract_row.processes.clear();
        let layout = Layout { netid: true, ..NUMERIC };
        let text = table(&[row, abstract_row], layout);
        let lines: Vec<&str> = text.lines().collect();
        // ss pads the header's Process cell to the width of the longest users:(…) list.
        assert_eq!(
            lines[0],
            format!(
                "Netid State  Recv-Q Send-Q        Local Address:Port  Peer Address:PortProcess{}",
                " ".repeat(25)
            )
        );
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            [
                "u_str",
                "LISTEN",
                "0",
                "5",
                "/tmp/lab/stream.sock",
                "26498",
                "*",
                "0",
                "users:((\"socat\",pid=5845,fd=5))"
            ]
        );
        assert_eq!(lines[2].split_whitespace().nth(4), Some("@lab@x"));
    }

    #[test]
    fn repeated_and_long_cells_print_as_written() {
        // Cells that repeat the one above are kept once; lengths of 254 and more go to `long`.
        let unix = |path: &str, inode: u64| {
            let mut row = listener("127.0.0.1:1", None, 5);
            row.netid = Netid::UnixStream;
            row.local = Endpoint::Unix { name: UnixName::Path(path.into()), inode };
            row.peer = Endpoint::Unix { name: UnixName::Unnamed, inode: 0 };
            row
        };
        let (a, b) = (format!("/{}", "a".repeat(253)), format!("/{}", "b".repeat(299)));
        let paths = [a.as_str(), a.as_str(), b.as_str(), "/c", "/c", a.as_str(), "/c"];
        let rows: Vec<SocketRow> = paths.iter().map(|path| unix(path, 7)).collect();
        let text = table(&rows, Layout { header: false, ..NUMERIC });
        let shown: Vec<Vec<&str>> =
            text.lines().map(|line| line.split_whitespace().collect()).collect();
        assert_eq!(shown.len(), paths.len(), "{text}");
        for (fields, path) in shown.iter().zip(paths) {
            assert_eq!(fields[..5], ["LISTEN", "0", "5", path, "7"], "{text}");
        }
    }

    #[test]
    fn prints_in_batches_as_ss_does_and_widths_only_grow() {
        // 58 bytes of tokens a row: the fifth buffer is started after about 72,000 rows, and
        // that batch is printed before the wider rows arrive; later batches keep at least the
        // earlier widths.
        let rows = (0..100_000u32).map(|n| {
            let port = if n < 80_000 { 1 } else { 10_000 };
            listener(&format!("127.0.0.1:{port}"), None, 5)
        });
        let mut out = Vec::new();
        let mut table = Table::new(Layout { header: false, ..NUMERIC }, &mut out);
        for row in rows {
            table.row(&row).unwrap();
        }
        table.flush().unwrap();
        drop(table);
        let text = String::from_utf8(out).unwrap();
        let first = text.lines().next().unwrap();
        let last = text.lines().last().unwrap();
        assert_eq!(first, "LISTEN 0      5      127.0.0.1:1 0.0.0.0:*");
        assert_eq!(last, "LISTEN 0      5      127.0.0.1:10000 0.0.0.0:*");
    }

    #[test]
    fn names_ports_only_without_numeric_and_outside_the_ephemeral_range() {
        let mut out = String::new();
        let port = |out: &mut String, port, numeric| {
            out.clear();
            let endpoint = Endpoint::Inet { addr: [0, 0, 0, 0].into(), port };
            write_port(out, &endpoint, Transport::Tcp, numeric, (32768, 60999)).unwrap();
            out.clone()
        };
        assert_eq!(port(&mut out, 0, false), "*");
        assert_eq!(port(&mut out, 40000, false), "40000");
        assert_eq!(port(&mut out, 8080, true), "8080");
        let expected = services::name(8080, Transport::Tcp).unwrap_or("8080");
        assert_eq!(port(&mut out, 8080, false), expected);
    }
}
