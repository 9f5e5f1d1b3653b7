//! socklab's stat and ls -l, for socket files.
//!
//! A Unix socket bound to a path leaves a file of type *socket* there: `stat` says `socket`
//! and `ls -l` starts its mode with `s`. [`stat_path`] reads a file's metadata with `statx`
//! (not following a final symlink, like `stat` without `-L`) into a [`FileStat`];
//! [`render_stat`] and [`render_ls`] print it as GNU coreutils 9.1's `stat` and `ls -l` do
//! (measured on this Debian), with owner names from the system's name service ([`accounts`])
//! and times in the C library's local time zone ([`zone`]). `ls -l DIR` lists the directory;
//! names are written as ls writes them, byte for byte when piped and quoted on a terminal
//! ([`NameStyle`]).

pub mod accounts;
pub mod zone;

use std::fmt::Write as _;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, CWD, FileType, StatxFlags};

use crate::error::Failure;
use crate::net::ToolOutput;
use crate::t;

pub use zone::Zone;

/// `socklab stat [--ls] PATH...`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct StatArgs {
    /// Print what `ls -l` prints instead of stat's block: a line per file, a directory's
    /// contents.
    #[arg(long = "ls")]
    pub ls: bool,
    /// With --ls: a directory itself rather than its contents (`ls -ld`).
    #[arg(short = 'd', long = "directory")]
    pub directory: bool,
    /// Print socklab's notes even when stderr is not a terminal.
    #[arg(long)]
    pub notes: bool,
    /// Files to describe.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

/// The type of a file, as the mode's type bits say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A Unix domain socket's file.
    Socket,
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link (stat does not follow it).
    Symlink,
    /// A named pipe.
    Fifo,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else.
    Unknown,
}

impl FileKind {
    fn from_mode(mode: u32) -> Self {
        match FileType::from_raw_mode(mode) {
            FileType::Socket => Self::Socket,
            FileType::RegularFile => Self::Regular,
            FileType::Directory => Self::Directory,
            FileType::Symlink => Self::Symlink,
            FileType::Fifo => Self::Fifo,
            FileType::CharacterDevice => Self::CharDevice,
            FileType::BlockDevice => Self::BlockDevice,
            FileType::Unknown => Self::Unknown,
        }
    }

    /// stat's name for the type (`%F`); a regular file of size 0 is a "regular empty file".
    pub fn describe(self, size: u64) -> &'static str {
        match self {
            Self::Socket => "socket",
            Self::Regular if size == 0 => "regular empty file",
            Self::Regular => "regular file",
            Self::Directory => "directory",
            Self::Symlink => "symbolic link",
            Self::Fifo => "fifo",
            Self::CharDevice => "character special file",
            Self::BlockDevice => "block special file",
            Self::Unknown => "weird file",
        }
    }

    /// The first character of `ls -l`'s mode string.
    pub fn letter(self) -> char {
        match self {
            Self::Socket => 's',
            Self::Regular => '-',
            Self::Directory => 'd',
            Self::Symlink => 'l',
            Self::Fifo => 'p',
            Self::CharDevice => 'c',
            Self::BlockDevice => 'b',
            Self::Unknown => '?',
        }
    }
}

/// A point in time: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Timestamp {
    /// Now, from the system clock.
    pub fn now() -> Self {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => Self { secs: since.as_secs() as i64, nanos: since.subsec_nanos() },
            Err(before) => {
                let before = before.duration();
                Self { secs: -(before.as_secs() as i64), nanos: 0 }
            }
        }
    }
}

/// What `stat` knows about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    /// The path as given.
    pub path: PathBuf,
    /// The file's type.
    pub kind: FileKind,
    /// The whole `st_mode`: type bits and permission bits.
    pub mode: u32,
    /// Owner's user id.
    pub uid: u32,
    /// Owner's group id.
    pub gid: u32,
    /// Owner's user name, if the id has one.
    pub user: Option<String>,
    /// Owner's group name, if the id has one.
    pub group: Option<String>,
    /// Size in bytes (0 for a socket).
    pub size: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    /// Preferred I/O block size.
    pub io_block: u32,
    /// Inode number.
    pub inode: u64,
    /// Device holding the file: (major, minor).
    pub device: (u32, u32),
    /// For a device file, the device it stands for: (major, minor).
    pub device_type: (u32, u32),
    /// Number of hard links.
    pub nlink: u64,
    /// Last access.
    pub accessed: Timestamp,
    /// Last change of the contents.
    pub modified: Timestamp,
    /// Last change of the inode (mode, owner, links…).
    pub changed: Timestamp,
    /// Creation, where the file system records it.
    pub born: Option<Timestamp>,
    /// Where a symlink points.
    pub link_target: Option<PathBuf>,
    /// Whether the file has a POSIX ACL beyond its mode bits (ls shows `+`).
    pub has_acl: bool,
}

impl FileStat {
    /// The permission bits, with set-user-id, set-group-id and sticky (`st_mode & 07777`).
    pub fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }

    /// The mode as `ls -l` writes it: `srwxr-xr-x`.
    pub fn mode_string(&self) -> String {
        let bits = self.permissions();
        let mut text = String::with_capacity(10);
        text.push(self.kind.letter());
        let triads = [(0o400, 0o200, 0o100, 0o4000, 's'), (0o40, 0o20, 0o10, 0o2000, 's')];
        for (read, write, exec, special, letter) in
            triads.into_iter().chain([(0o4, 0o2, 0o1, 0o1000, 't')])
        {
            text.push(if bits & read != 0 { 'r' } else { '-' });
            text.push(if bits & write != 0 { 'w' } else { '-' });
            text.push(match (bits & exec != 0, bits & special != 0) {
                (true, false) => 'x',
                (false, false) => '-',
                (true, true) => letter,
                (false, true) => letter.to_ascii_uppercase(),
            });
        }
        text
    }

    /// The owner's name, or the uid as a number where there is none (as ls shows it).
    pub fn owner_name(&self) -> String {
        self.user.clone().unwrap_or_else(|| self.uid.to_string())
    }

    /// The group's name, or the gid as a number where there is none (as ls shows it).
    pub fn group_name(&self) -> String {
        self.group.clone().unwrap_or_else(|| self.gid.to_string())
    }
}

/// Reads a file's metadata without following a final symlink (like `stat` and `ls -l`).
pub fn stat_path(path: &Path) -> io::Result<FileStat> {
    let mask = StatxFlags::BASIC_STATS | StatxFlags::BTIME;
    let info = rustix::fs::statx(CWD, path, AtFlags::SYMLINK_NOFOLLOW, mask)?;
    let stamp = |t: rustix::fs::StatxTimestamp| Timestamp { secs: t.tv_sec, nanos: t.tv_nsec };
    let mode = u32::from(info.stx_mode);
    let kind = FileKind::from_mode(mode);
    let link_target = match kind {
        FileKind::Symlink => std::fs::read_link(path).ok(),
        _ => None,
    };
    let has_acl = rustix::fs::lgetxattr(path, "system.posix_acl_access", &mut [0u8; 0][..]).is_ok()
        || (kind == FileKind::Directory
            && rustix::fs::lgetxattr(path, "system.posix_acl_default", &mut [0u8; 0][..]).is_ok());
    Ok(FileStat {
        path: path.to_owned(),
        kind,
        mode,
        uid: info.stx_uid,
        gid: info.stx_gid,
        user: accounts::user_name(info.stx_uid).map(str::to_owned),
        group: accounts::group_name(info.stx_gid).map(str::to_owned),
        size: info.stx_size,
        blocks: info.stx_blocks,
        io_block: info.stx_blksize,
        inode: info.stx_ino,
        device: (info.stx_dev_major, info.stx_dev_minor),
        device_type: (info.stx_rdev_major, info.stx_rdev_minor),
        nlink: u64::from(info.stx_nlink),
        accessed: stamp(info.stx_atime),
        modified: stamp(info.stx_mtime),
        changed: stamp(info.stx_ctime),
        born: StatxFlags::from_bits_retain(info.stx_mask)
            .contains(StatxFlags::BTIME)
            .then(|| stamp(info.stx_btime)),
        link_target,
        has_acl,
    })
}

/// The type of the file `path` leads to, following symlinks (as `connect()` does).
pub fn kind_following_links(path: &Path) -> io::Result<FileKind> {
    let info = rustix::fs::statx(CWD, path, AtFlags::empty(), StatxFlags::TYPE)?;
    Ok(FileKind::from_mode(u32::from(info.stx_mode)))
}

/// How file names are written, as GNU ls writes them: as they are when its output is not a
/// terminal, and on a terminal in the shell-escape style (`'a b'`, `"it's"`,
/// `'nl'$'\n''x'`), with a space before the others so the names stay aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameStyle {
    /// The bytes as they are (ls piped: `--quoting-style=literal`, no `-q`).
    Literal,
    /// ls on a terminal (`--quoting-style=shell-escape`). `utf8`: the locale's character set
    /// is UTF-8, so non-ASCII letters are printable; in the C locale they are escaped.
    ShellEscape {
        /// Whether the locale is a UTF-8 one.
        utf8: bool,
    },
}

impl NameStyle {
    /// The style ls uses for this process's standard output.
    pub fn for_stdout() -> Self {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() {
            return Self::Literal;
        }
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self::ShellEscape { utf8: locale.contains("utf-8") || locale.contains("utf8") }
    }

    /// The name as written, and whether it was quoted.
    fn write(self, name: &[u8]) -> (Vec<u8>, bool) {
        match self {
            Self::Literal => (name.to_vec(), false),
            Self::ShellEscape { utf8 } if needs_quoting(name, utf8) => {
                (quote_with(name, utf8).into_bytes(), true)
            }
            Self::ShellEscape { .. } => (name.to_vec(), false),
        }
    }
}

/// Whether gnulib's shell-escape style quotes `name`: a shell metacharacter, `#` or `~` at
/// the start, a lone `{` or `}`, or a character that is not printable.
fn needs_quoting(name: &[u8], utf8: bool) -> bool {
    if name.is_empty() || matches!(name, b"{" | b"}") || matches!(name[0], b'#' | b'~') {
        return true;
    }
    let special = |c: char| " !\"$&'()*;<=>?[\\]^`|".contains(c);
    match std::str::from_utf8(name) {
        Ok(text) => text.chars().any(|c| special(c) || !printable(c, utf8)),
        Err(_) => true,
    }
}

/// Whether ls prints the character as it is: ASCII graphic characters and the space, and in
/// a UTF-8 locale any other character that is not a control.
fn printable(c: char, utf8: bool) -> bool {
    if c.is_ascii() { c == ' ' || c.is_ascii_graphic() } else { utf8 && !c.is_control() }
}

/// What one run of `stat` or `ls -l` printed, before it goes anywhere: both streams as bytes
/// (file names are bytes, not always UTF-8) in the order the real tool writes them, so that
/// with `2>&1` the lines come out as stat's and ls's do; the exit status and notes as the
/// runner reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Each piece written, in order (`true`: to stderr).
    pub written: Vec<(bool, Vec<u8>)>,
    /// Exit status and socklab's notes (its `stdout` and `stderr` left empty).
    pub output: ToolOutput,
}

impl Report {
    /// Bytes for standard output, after everything written so far.
    fn out(&mut self, bytes: Vec<u8>) {
        self.written.push((false, bytes));
    }

    /// A line for standard error, after everything written so far.
    fn err(&mut self, line: String) {
        self.written.push((true, line.into_bytes()));
    }

    /// Everything written to one stream (stderr when `to_stderr`).
    pub fn stream(&self, to_stderr: bool) -> Vec<u8> {
        self.written
            .iter()
            .filter(|(err, _)| *err == to_stderr)
            .flat_map(|(_, b)| b.clone())
            .collect()
    }
}

/// Describes each path as stat (or, with `--ls`, ls -l) would, names written as when piped.
pub fn execute(args: &StatArgs) -> Result<ToolOutput, Failure> {
    let report = report(args, NameStyle::Literal)?;
    let mut output = report.output.clone();
    output.stdout = String::from_utf8_lossy(&report.stream(false)).into_owned();
    output.stderr = String::from_utf8_lossy(&report.stream(true)).into_owned();
    Ok(output)
}

/// `socklab stat`: stat's or ls's bytes on stdout, their errors on stderr, their exit
/// status; socklab's notes only on a terminal or with `--notes`.
pub fn main(args: &StatArgs) -> Result<std::process::ExitCode, Failure> {
    use std::io::Write;
    let report = report(args, NameStyle::for_stdout())?;
    for (to_stderr, bytes) in &report.written {
        let _ = if *to_stderr {
            std::io::stderr().write_all(bytes)
        } else {
            std::io::stdout().write_all(bytes).and_then(|()| std::io::stdout().flush())
        };
    }
    // Written already, in order; what is left is socklab's notes.
    Ok(report.output.print_with_notes(args.notes))
}

/// Runs stat or ls -l over the arguments.
pub fn report(args: &StatArgs, style: NameStyle) -> Result<Report, Failure> {
    if args.directory && !args.ls {
        return Err(Failure::usage(t!("stat.directory_without_ls"))
            .hint(t!("stat.directory_without_ls_hint")));
    }
    let zone = Zone::local();
    let results: Vec<(&PathBuf, io::Result<FileStat>)> =
        args.paths.iter().map(|path| (path, stat_path(path))).collect();
    let mut report = Report::default();
    // ls reaches every argument (and says which it cannot) before it prints; stat prints as
    // it goes. Either way the errors go to stderr, in argument order.
    let (tool, verb, failure_status) =
        if args.ls { ("ls", "cannot access", 2) } else { ("stat", "cannot statx", 1) };
    for (path, result) in &results {
        match result {
            Ok(file) if !args.ls => report.out(render_stat_bytes(file, zone)),
            Ok(_) => {}
            Err(err) => {
                let name = quote(path.as_os_str().as_bytes());
                report.err(format!("{tool}: {verb} {name}: {}\n", crate::net::io_reason(err)));
                // For ls, a command-line argument it cannot reach is "serious trouble" (2).
                report.output.status = failure_status;
                if err.kind() == io::ErrorKind::NotFound {
                    report.output.notes.push(t!("stat.note_missing", path = path.display()));
                }
            }
        }
    }
    let output = &mut report.output;
    let several = results.len() > 1;
    let found: Vec<FileStat> = results.into_iter().filter_map(|(_, result)| result.ok()).collect();
    if found.iter().any(|file| file.kind == FileKind::Socket) {
        output.notes.push(t!("stat.note_socket"));
    }
    if args.ls {
        let now = Timestamp::now();
        let (dirs, files): (Vec<FileStat>, Vec<FileStat>) =
            found.into_iter().partition(|file| file.kind == FileKind::Directory && !args.directory);
        let named: Vec<Named> =
            files.into_iter().map(|file| Named::new(file.path.clone(), file)).collect();
        // ls sizes its columns as it reads its arguments, directories included, so the
        // directories' own lines count for the widths of the files' lines.
        let arguments: Vec<Named> = named
            .iter()
            .cloned()
            .chain(dirs.iter().map(|dir| Named::new(dir.path.clone(), dir.clone())))
            .collect();
        report.out(render_ls_named(&named, &arguments, style, now, zone));
        let mut dirs = dirs;
        dirs.sort_by(|a, b| a.path.as_os_str().as_bytes().cmp(b.path.as_os_str().as_bytes()));
        // As ls: a blank line between the files and the directories; each directory opened
        // before its heading, which a directory it cannot open never gets; a blank line
        // before every heading but the first.
        if !named.is_empty() && !dirs.is_empty() {
            report.out(b"\n".to_vec());
        }
        let mut first = true;
        for dir in &dirs {
            match list_directory(&dir.path) {
                Ok(entries) => {
                    let mut listing = Vec::new();
                    if several {
                        if !first {
                            listing.push(b'\n');
                        }
                        first = false;
                        listing.extend(style.write(dir.path.as_os_str().as_bytes()).0);
                        listing.extend(b":\n");
                    }
                    let blocks: u64 = entries.iter().map(|entry| entry.file.blocks).sum();
                    listing.extend(format!("total {}\n", blocks.div_ceil(2)).into_bytes());
                    listing.extend(render_ls_named(&entries, &entries, style, now, zone));
                    report.out(listing);
                }
                Err(err) => {
                    let name = quote(dir.path.as_os_str().as_bytes());
                    let reason = crate::net::io_reason(&err);
                    report.err(format!("ls: cannot open directory {name}: {reason}\n"));
                    report.output.status = 2;
                }
            }
        }
    }
    Ok(report)
}

/// A file with the name ls shows for it: the argument as given, or the entry's name in a
/// listed directory.
#[derive(Debug, Clone)]
struct Named {
    name: PathBuf,
    file: FileStat,
}

impl Named {
    fn new(name: PathBuf, file: FileStat) -> Self {
        Self { name, file }
    }
}

/// A directory's entries, as `ls -l DIR` lists them: all but the hidden ones (a leading
/// `.`), each as lstat sees it. An entry gone by the time it is looked at is left out.
fn list_directory(dir: &Path) -> io::Result<Vec<Named>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.as_bytes().starts_with(b".") {
            continue;
        }
        if let Ok(file) = stat_path(&entry.path()) {
            entries.push(Named::new(PathBuf::from(name), file));
        }
    }
    Ok(entries)
}

/// stat's default block for one file (GNU coreutils 9.1, no SELinux context line), with the
/// file name written as lossy UTF-8.
pub fn render_stat(file: &FileStat, zone: &Zone) -> String {
    String::from_utf8_lossy(&render_stat_bytes(file, zone)).into_owned()
}

/// stat's default block for one file, the names byte for byte as stat writes them.
pub fn render_stat_bytes(file: &FileStat, zone: &Zone) -> Vec<u8> {
    let mut out = b"  File: ".to_vec();
    out.extend(file.path.as_os_str().as_bytes());
    if let Some(target) = &file.link_target {
        out.extend(b" -> ");
        out.extend(target.as_os_str().as_bytes());
    }
    let mut rest = String::from("\n");
    let _ = writeln!(
        rest,
        "  Size: {:<10}\tBlocks: {:<10} IO Block: {:<6} {}",
        file.size,
        file.blocks,
        file.io_block,
        file.kind.describe(file.size)
    );
    let (major, minor) = file.device;
    let _ = write!(rest, "Device: {major},{minor}\tInode: {:<10}  Links: ", file.inode);
    if matches!(file.kind, FileKind::CharDevice | FileKind::BlockDevice) {
        let (major, minor) = file.device_type;
        let _ = writeln!(rest, "{:<5} Device type: {major},{minor}", file.nlink);
    } else {
        let _ = writeln!(rest, "{}", file.nlink);
    }
    let _ = writeln!(
        rest,
        "Access: ({:04o}/{})  Uid: ({:>5}/{:>8})   Gid: ({:>5}/{:>8})",
        file.permissions(),
        file.mode_string(),
        file.uid,
        file.user.as_deref().unwrap_or("UNKNOWN"),
        file.gid,
        file.group.as_deref().unwrap_or("UNKNOWN"),
    );
    let _ = writeln!(rest, "Access: {}", full_time(file.accessed, zone));
    let _ = writeln!(rest, "Modify: {}", full_time(file.modified, zone));
    let _ = writeln!(rest, "Change: {}", full_time(file.changed, zone));
    let born = file.born.map_or_else(|| "-".to_owned(), |born| full_time(born, zone));
    let _ = writeln!(rest, " Birth: {born}");
    out.extend(rest.into_bytes());
    out
}

/// `ls -l`'s lines for these files given as arguments (names as when piped, lossy UTF-8).
pub fn render_ls(files: &[FileStat], now: Timestamp, zone: &Zone) -> String {
    let named: Vec<Named> =
        files.iter().map(|file| Named::new(file.path.clone(), file.clone())).collect();
    let lines = render_ls_named(&named, &named, NameStyle::Literal, now, zone);
    String::from_utf8_lossy(&lines).into_owned()
}

/// `ls -l`'s lines, sorted by name as ls sorts (byte order, as in the C locale), with columns
/// as wide as their widest entry: link counts and sizes right-aligned, owner and group names
/// left-aligned, and owners without a name shown as numbers, right-aligned. The widths are
/// those of `measure` (the lines shown and any that ls sized them with).
fn render_ls_named(
    files: &[Named],
    measure: &[Named],
    style: NameStyle,
    now: Timestamp,
    zone: &Zone,
) -> Vec<u8> {
    let mut files: Vec<&Named> = files.iter().collect();
    files.sort_by(|a, b| a.name.as_os_str().as_bytes().cmp(b.name.as_os_str().as_bytes()));
    let is_device = |f: &FileStat| matches!(f.kind, FileKind::CharDevice | FileKind::BlockDevice);
    let width = |text: String| text.chars().count();
    let stats = || measure.iter().map(|named| &named.file);
    let links = stats().map(|f| width(f.nlink.to_string())).max().unwrap_or(0);
    let owner = stats().map(|f| width(f.owner_name())).max().unwrap_or(0);
    let group = stats().map(|f| width(f.group_name())).max().unwrap_or(0);
    let devices = stats().filter(|f| is_device(f));
    let major = devices.clone().map(|f| width(f.device_type.0.to_string())).max().unwrap_or(0);
    let minor = devices.map(|f| width(f.device_type.1.to_string())).max().unwrap_or(0);
    let size = stats()
        .map(|f| if is_device(f) { major + 2 + minor } else { width(f.size.to_string()) })
        .max()
        .unwrap_or(0);
    let any_acl = stats().any(|f| f.has_acl);
    let names: Vec<(Vec<u8>, bool)> =
        files.iter().map(|named| style.write(named.name.as_os_str().as_bytes())).collect();
    let some_quoted = measure.iter().any(|named| style.write(named.name.as_os_str().as_bytes()).1);
    let mut out = Vec::new();
    for (named, (name, quoted)) in files.iter().zip(names) {
        let file = &named.file;
        let mut line = file.mode_string();
        if any_acl {
            line.push(if file.has_acl { '+' } else { ' ' });
        }
        let _ = write!(line, " {:>links$} ", file.nlink);
        match &file.user {
            Some(name) => line.push_str(&format!("{name:<owner$} ")),
            None => line.push_str(&format!("{:>owner$} ", file.uid)),
        }
        match &file.group {
            Some(name) => line.push_str(&format!("{name:<group$} ")),
            None => line.push_str(&format!("{:>group$} ", file.gid)),
        }
        if is_device(file) {
            let (dev_major, dev_minor) = file.device_type;
            let major = major + size.saturating_sub(major + 2 + minor);
            let _ = write!(line, "{dev_major:>major$}, {dev_minor:>minor$} ");
        } else {
            let _ = write!(line, "{:>size$} ", file.size);
        }
        let _ = write!(line, "{} ", ls_time(file.modified, now, zone));
        out.extend(line.into_bytes());
        // ls keeps quoted and unquoted names aligned with a space before the unquoted ones.
        if some_quoted && !quoted {
            out.push(b' ');
        }
        out.extend(name);
        if let Some(target) = &file.link_target {
            out.extend(b" -> ");
            out.extend(style.write(target.as_os_str().as_bytes()).0);
        }
        out.push(b'\n');
    }
    out
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Half of an average Gregorian year, in seconds: ls's "six months".
const SIX_MONTHS: i64 = 31_556_952 / 2;

/// `2026-11-25 18:10:25.025755168 +0000`: stat's `%x`/`%y`/`%z`/`%w`.
pub fn full_time(when: Timestamp, zone: &Zone) -> String {
    let offset = zone.offset_at(when.secs);
    let local = when.secs + i64::from(offset);
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let second_of_day = local.rem_euclid(86_400);
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs() / 60;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:09} {sign}{:02}{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        when.nanos,
        offset / 60,
        offset % 60,
    )
}

/// ls -l's time column: `Nov 25 18:10` within the last six months, `Nov 25  2025` for older
/// times and times in the future.
pub fn ls_time(when: Timestamp, now: Timestamp, zone: &Zone) -> String {
    let six_months_ago = Timestamp { secs: now.secs - SIX_MONTHS, nanos: now.nanos };
    let recent = six_months_ago < when && when < now;
    let local = when.secs + i64::from(zone.offset_at(when.secs));
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let month = MONTHS[(month - 1) as usize];
    if recent {
        let second_of_day = local.rem_euclid(86_400);
        format!("{month} {day:>2} {:02}:{:02}", second_of_day / 3600, second_of_day / 60 % 60)
    } else {
        format!("{month} {day:>2}  {year}")
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a day counted from 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Quotes a file name for an error message the way coreutils does (`quoteaf`, the
/// shell-escape-always style): `'name'`, `"it's"`, `'new'$'\n''line'`.
pub fn quote(name: &[u8]) -> String {
    quote_with(name, true)
}

/// The shell-escape quoting of `name`; `utf8`: non-ASCII characters are printable.
fn quote_with(name: &[u8], utf8: bool) -> String {
    let text = String::from_utf8_lossy(name);
    let is_printable = |c: char| printable(c, utf8) && c != char::REPLACEMENT_CHARACTER;
    let plain = std::str::from_utf8(name).is_ok() && text.chars().all(is_printable);
    if plain && text.contains('\'') && !text.contains(['"', '$', '`', '\\']) {
        return format!("\"{text}\"");
    }
    // gnulib's shell-escape style: printable runs inside '...', the others as $'...'
    // escapes, each run closing the previous one: 'a'$'\n\n''b', 'caf'$'\303\251'.
    let mut out = String::from("'");
    let mut escaping = false;
    let escape = |out: &mut String, escaping: &mut bool, text: &str| {
        if !*escaping {
            out.push_str("'$'");
            *escaping = true;
        }
        out.push_str(text);
    };
    let mut rest = name;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(valid) => (valid, &[][..]),
            Err(err) => {
                let (valid, bad) = rest.split_at(err.valid_up_to());
                // `valid` is valid UTF-8 by construction.
                (std::str::from_utf8(valid).unwrap_or_default(), bad)
            }
        };
        for c in valid.chars() {
            if printable(c, utf8) {
                if escaping {
                    out.push_str("''");
                    escaping = false;
                }
                if c == '\'' {
                    out.push_str("'\\''")
                } else {
                    out.push(c)
                }
                continue;
            }
            let named = match c {
                '\u{7}' => Some("\\a"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                '\u{b}' => Some("\\v"),
                _ => None,
            };
            let text = named.map_or_else(
                || c.to_string().bytes().map(|byte| format!("\\{byte:03o}")).collect(),
                str::to_owned,
            );
            escape(&mut out, &mut escaping, &text);
        }
        if let Some((&byte, tail)) = bad.split_first() {
            escape(&mut out, &mut escaping, &format!("\\{byte:03o}"));
            rest = tail;
        } else {
            rest = &[];
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-800_000, -1, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn times_print_like_stat_and_ls() {
        let utc = Zone::utc();
        let when = Timestamp { secs: 1_614_622_225, nanos: 25_755_168 };
        assert_eq!(full_time(when, &utc), "2021-03-01 18:10:25.025755168 +0000");
        let now = Timestamp { secs: when.secs + 86_400, nanos: 0 };
        assert_eq!(ls_time(when, now, &utc), "Mar  1 18:10");
        let years_later = Timestamp { secs: when.secs + 400 * 86_400, nanos: 0 };
        assert_eq!(ls_time(when, years_later, &utc), "Mar  1  2021");
        let before = Timestamp { secs: when.secs - 60, nanos: 0 };
        assert_eq!(ls_time(when, before, &utc), "Mar  1  2021", "the future is not recent");
    }

    #[test]
    fn names_are_quoted_like_coreutils_errors() {
        assert_eq!(quote(b"/tmp/x.sock"), "'/tmp/x.sock'");
        assert_eq!(quote(b"no it's"), "\"no it's\"");
        assert_eq!(quote(b"no\nnl"), "'no'$'\\n''nl'");
        assert_eq!(quote(b"x\ty"), "'x'$'\\t''y'");
        assert_eq!(quote(b"a\"b"), "'a\"b'");
        assert_eq!(quote(b"bad\xffbyte"), "'bad'$'\\377''byte'");
        assert_eq!(quote(b"a\n\nb"), "'a'$'\\n\\n''b'");
        assert_eq!(quote_with("caf\u{e9}".as_bytes(), false), "'caf'$'\\303\\251'");
        assert_eq!(quote_with("caf\u{e9}".as_bytes(), true), "'caf\u{e9}'");
        assert_eq!(quote(b"\nx"), "''$'\\n''x'");
    }

    #[test]
    fn mode_strings_show_type_and_special_bits() {
        let file = |kind, mode| FileStat {
            path: PathBuf::from("x"),
            kind,
            mode,
            uid: 0,
            gid: 0,
            user: None,
            group: None,
            size: 0,
            blocks: 0,
            io_block: 4096,
            inode: 1,
            device: (0, 0),
            device_type: (0, 0),
            nlink: 1,
            accessed: Timestamp { secs: 0, nanos: 0 },
            modified: Timestamp { secs: 0, nanos: 0 },
            changed: Timestamp { secs: 0, nanos: 0 },
            born: None,
            link_target: None,
            has_acl: false,
        };
        assert_eq!(file(FileKind::Socket, 0o140755).mode_string(), "srwxr-xr-x");
        assert_eq!(file(FileKind::Regular, 0o104754).mode_string(), "-rwsr-xr--");
        assert_eq!(file(FileKind::Directory, 0o41777).mode_string(), "drwxrwxrwt");
        assert_eq!(file(FileKind::Directory, 0o43666).mode_string(), "drw-rwSrwT");
        assert_eq!(file(FileKind::Socket, 0o140000).mode_string(), "s---------");
        assert_eq!(file(FileKind::Socket, 0o140755).permissions(), 0o755);
        assert_eq!(file(FileKind::Socket, 0o140755).owner_name(), "0");
    }
}
