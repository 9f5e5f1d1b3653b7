//! `socklab stat` (stat and ls -l): the structured metadata against std's view of the same
//! file, and the rendered text against the installed GNU stat and ls, byte for byte.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use socklab::net::stat::{self, FileKind};

use crate::support;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `TZ` value that means "leave TZ unset".
const UNSET: &str = "<unset>";

/// Runs a command in the C locale and the given time zone.
fn run(program: &str, args: &[&str], paths: &[&Path], tz: &str) -> Output {
    let mut command = if program == "socklab" { support::socklab() } else { Command::new(program) };
    command.args(args).args(paths).env("LC_ALL", "C");
    if tz == UNSET {
        command.env_remove("TZ");
    } else {
        command.env("TZ", tz);
    }
    command.output().expect("command starts")
}

/// socklab's stderr without its own notes, i.e. what the real tool would print.
fn tool_part(output: &Output) -> String {
    text(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("socklab: note: "))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Asserts that socklab, piped, prints exactly what the real tool prints: stdout byte for
/// byte, the same stderr (no notes when piped), the same exit status.
fn assert_same(real: &str, real_args: &[&str], ours_args: &[&str], paths: &[&Path], tz: &str) {
    let expected = run(real, real_args, paths, tz);
    let actual = run("socklab", ours_args, paths, tz);
    let expected_out = text(&expected.stdout);
    let actual_out = text(&actual.stdout);
    for (line, (want, got)) in expected_out.lines().zip(actual_out.lines()).enumerate() {
        assert_eq!(got, want, "{real} {real_args:?}, TZ={tz}: line {} differs", line + 1);
    }
    assert_eq!(actual.stdout, expected.stdout, "{real} {real_args:?}, TZ={tz}: output differs");
    assert_eq!(text(&actual.stderr), text(&expected.stderr), "{real}: stderr differs");
    assert_eq!(actual.status.code(), expected.status.code(), "{real}: exit status differs");
}

/// A temp dir with a stream socket, a datagram socket, a regular file, an empty file, a
/// directory, a fifo-less symlink, and the sockets kept open.
struct Files {
    dir: tempfile::TempDir,
    _stream: UnixListener,
    _datagram: UnixDatagram,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let stream = UnixListener::bind(dir.path().join("stream.sock")).unwrap();
        let datagram = UnixDatagram::bind(dir.path().join("datagram.sock")).unwrap();
        std::fs::write(dir.path().join("regular"), b"some bytes\n").unwrap();
        std::fs::write(dir.path().join("empty"), b"").unwrap();
        std::fs::create_dir(dir.path().join("directory")).unwrap();
        std::os::unix::fs::symlink("stream.sock", dir.path().join("link.sock")).unwrap();
        Self { dir, _stream: stream, _datagram: datagram }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn socket_file_metadata_matches_the_kernel() {
    let files = Files::new();
    for name in ["stream.sock", "datagram.sock"] {
        let path = files.path(name);
        let file = stat::stat_path(&path).unwrap();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(file.kind, FileKind::Socket);
        assert_eq!(file.mode, meta.mode());
        assert_eq!(file.permissions(), meta.mode() & 0o7777);
        assert!(file.mode_string().starts_with('s'), "{}", file.mode_string());
        assert_eq!((file.uid, file.gid), (meta.uid(), meta.gid()));
        assert_eq!(file.uid, rustix::process::geteuid().as_raw(), "we bound it, we own it");
        assert_eq!((file.inode, file.nlink, file.size), (meta.ino(), meta.nlink(), 0));
        assert_eq!(
            (file.modified.secs, i64::from(file.modified.nanos)),
            (meta.mtime(), meta.mtime_nsec())
        );
    }
    let link = stat::stat_path(&files.path("link.sock")).unwrap();
    assert_eq!(link.kind, FileKind::Symlink, "stat does not follow the link");
    assert_eq!(link.link_target.as_deref(), Some(Path::new("stream.sock")));
    let missing = stat::stat_path(&files.path("missing")).unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn stat_block_matches_gnu_stat() {
    if !support::have_tool("stat") {
        return;
    }
    let files = Files::new();
    let names = ["stream.sock", "datagram.sock", "regular", "empty", "directory", "link.sock"];
    let paths: Vec<PathBuf> = names.iter().map(|name| files.path(name)).collect();
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    // Both tools read the symlink to print "-> target", and with relatime that read moves its
    // access time while the access time is not newer than the change and modification times,
    // which is the case for a fresh link (all set within the same clock tick). An access time
    // a day ahead, with an older modification time, stops that, so neither run changes what
    // the other sees.
    let now = stat::Timestamp::now().secs;
    let times = rustix::fs::Timestamps {
        last_access: rustix::fs::Timespec { tv_sec: now + 86_400, tv_nsec: 0 },
        last_modification: rustix::fs::Timespec { tv_sec: now - 86_400, tv_nsec: 0 },
    };
    let link = files.path("link.sock");
    rustix::fs::utimensat(rustix::fs::CWD, &link, &times, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
        .unwrap();
    // Both read the same inodes and nothing else touches them in between, so every field, the
    // access times included, must agree.
    assert_same("stat", &[], &["stat"], &paths, "UTC");

    // A device file exercises the "Device type" layout. Every process on the machine may
    // read and write /dev/null at any moment, which moves its times between the two runs, so
    // only the lines before the times are compared.
    let null = [Path::new("/dev/null")];
    let head = |output: Output| text(&output.stdout).lines().take(4).collect::<Vec<_>>().join("\n");
    let expected = head(run("stat", &[], &null, "UTC"));
    assert_eq!(head(run("socklab", &["stat"], &null, "UTC")), expected);
    assert!(expected.contains("Device type: 1,3"), "{expected}");
}

#[test]
fn stat_times_follow_the_time_zone() {
    if !support::have_tool("stat") {
        return;
    }
    let files = Files::new();
    let regular = files.path("regular");
    // An old mtime in winter, so daylight saving time shows in the offset too.
    let winter = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_934_245);
    std::fs::File::options().write(true).open(&regular).unwrap().set_modified(winter).unwrap();
    for tz in ["UTC", "EST5EDT", "XYZ-5:30", "CST-8", "AAA5BBB", "", "No/Such/Zone", UNSET] {
        assert_same("stat", &[], &["stat"], &[&regular], tz);
    }
    if Path::new("/etc/localtime").exists() {
        assert_same("stat", &[], &["stat"], &[&regular], ":/etc/localtime");
    }
    if Path::new("/usr/share/zoneinfo/Europe/Paris").exists() {
        assert_same("stat", &[], &["stat"], &[&regular], "Europe/Paris");
        assert_same("stat", &[], &["stat"], &[&regular], "Asia/Shanghai");
        assert_same("stat", &[], &["stat"], &[&regular], "America/New_York");
        assert_same("stat", &[], &["stat"], &[&regular], ":America/New_York");
    } else {
        eprintln!("notice: no zone files installed; skipping the named time zones");
    }
}

#[test]
fn ls_lines_match_gnu_ls() {
    if !support::have_tool("ls") {
        return;
    }
    let files = Files::new();
    let old = files.path("old");
    std::fs::write(&old, b"x").unwrap();
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_934_245);
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(long_ago).unwrap();
    // Given out of order: ls sorts its arguments by name.
    let names = ["stream.sock", "regular", "datagram.sock", "link.sock", "empty", "old"];
    let paths: Vec<PathBuf> = names.iter().map(|name| files.path(name)).collect();
    let mut paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    paths.push(Path::new("/dev/null"));
    assert_same("ls", &["-l"], &["stat", "--ls"], &paths, "UTC");
    // The two sockets of the tutorial, alone: the lesson's `ls -l` step.
    let sockets = [files.path("stream.sock"), files.path("datagram.sock")];
    let sockets: Vec<&Path> = sockets.iter().map(PathBuf::as_path).collect();
    assert_same("ls", &["-l"], &["stat", "--ls"], &sockets, "UTC");
    // ls -ld shows a directory itself; ls -l lists what it holds (issue 15.11).
    assert_same("ls", &["-ld"], &["stat", "--ls", "-d"], &[&files.path("directory")], "UTC");
    assert_same("ls", &["-l"], &["stat", "--ls"], &[files.dir.path()], "UTC");
    assert_same("ls", &["-l"], &["stat", "--ls"], &[&files.path("directory")], "UTC");
    // Files first, then each directory under its name.
    let mixed = [files.dir.path(), &files.path("regular"), &files.path("directory")];
    assert_same("ls", &["-l"], &["stat", "--ls"], &mixed, "UTC");
}

/// A directory of odd names: spaces, quotes, shell characters, control characters and bytes
/// that are not UTF-8, listed piped (the bytes as they are) and on a terminal (quoted).
fn odd_names() -> tempfile::TempDir {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let names: [&[u8]; 12] = [
        b"plain",
        b"a b",
        b"it's",
        b"nl\nx",
        b"a\n\nb",
        b"bad\xffbyte",
        b"caf\xc3\xa9",
        b"dollar$",
        b"#hash",
        b"mid#x",
        b"{",
        b"x\ty",
    ];
    for name in names {
        std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(name)), b"").unwrap();
    }
    dir
}

#[test]
fn odd_names_are_written_as_ls_writes_them() {
    if !support::have_tool("ls") {
        return;
    }
    let dir = odd_names();
    assert_same("ls", &["-l"], &["stat", "--ls"], &[dir.path()], "UTC");
    // The names given as arguments: the non-UTF-8 one keeps its bytes in stat's block too.
    let bad = dir.path().join(std::ffi::OsStr::from_bytes(b"bad\xffbyte"));
    assert_same("stat", &[], &["stat"], &[&bad], "UTC");
    assert_same("ls", &["-l"], &["stat", "--ls"], &[&bad, &dir.path().join("a b")], "UTC");
    // On a terminal: `script` gives both a pseudo-terminal.
    if !support::have_tool("script") {
        eprintln!("notice: script is not installed; skipping the terminal quoting test");
        return;
    }
    let on_terminal = |command: String| {
        let output = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        output.stdout
    };
    let dir_arg = dir.path().display();
    let socklab = env!("CARGO_BIN_EXE_socklab");
    let theirs = on_terminal(format!("ls -l {dir_arg}"));
    let ours = on_terminal(format!("{socklab} stat --ls {dir_arg}"));
    assert!(text(&theirs).contains("'a b'"), "{}", text(&theirs));
    assert_eq!(text(&ours), text(&theirs), "quoted on a terminal as ls quotes");
}

#[test]
fn numeric_owners_are_right_aligned_like_ls() {
    if !rustix::process::geteuid().is_root() || !support::have_tool("ls") {
        eprintln!("notice: not root or no ls; skipping the numeric owner test (it needs chown)");
        return;
    }
    let files = Files::new();
    // A short number beside longer names: right-aligned, where names are left-aligned.
    std::os::unix::fs::lchown(files.path("regular"), Some(42), Some(42)).unwrap();
    if nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(42)).ok().flatten().is_some() {
        eprintln!("notice: uid 42 has a name here; skipping the numeric owner test");
        return;
    }
    let paths = [files.path("regular"), files.path("stream.sock"), files.path("empty")];
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    assert_same("ls", &["-l"], &["stat", "--ls"], &paths, "UTC");
    assert_same("ls", &["-l"], &["stat", "--ls"], &[files.dir.path()], "UTC");
}

#[test]
fn unreadable_directories_are_reported_as_ls_does() {
    if rustix::process::geteuid().is_root() || !support::have_tool("ls") {
        eprintln!("notice: root reads every directory; skipping the unreadable directory test");
        return;
    }
    let files = Files::new();
    let closed = files.path("directory");
    std::fs::set_permissions(&closed, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    assert_same("ls", &["-l"], &["stat", "--ls"], &[&closed], "UTC");
    let ours = run("socklab", &["stat", "--ls"], &[&closed], "UTC");
    assert!(!text(&ours.stderr).contains("os error"), "{}", text(&ours.stderr));
}

#[test]
fn missing_paths_are_reported_and_the_others_still_shown() {
    if !support::have_tool("stat") || !support::have_tool("ls") {
        return;
    }
    let files = Files::new();
    let missing = files.path("gone.sock");
    let present = files.path("stream.sock");
    assert_same("stat", &[], &["stat"], &[&missing, &present], "UTC");
    assert_same("ls", &["-l"], &["stat", "--ls"], &[&missing, &present], "UTC");
    let ours = run("socklab", &["stat"], &[&missing], "UTC");
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(
        tool_part(&ours),
        format!("stat: cannot statx '{}': No such file or directory\n", missing.display())
    );
    assert!(!text(&ours.stderr).contains("socklab: note: "), "piped: only what stat prints");
    let explained = run("socklab", &["stat", "--notes"], &[&missing], "UTC");
    assert!(text(&explained.stderr).contains("socklab: note: "), "a missing file is explained");
}

/// Runs a command with stdout and stderr into one file, as `2>&1` does, and returns what it
/// holds: the order of the two streams' lines, the way a terminal shows them.
fn merged(program: &str, args: &[&str], paths: &[&Path]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("both")).unwrap();
    let mut command = if program == "socklab" { support::socklab() } else { Command::new(program) };
    command.args(args).args(paths).env("LC_ALL", "C").env("TZ", "UTC");
    command.stdout(file.try_clone().unwrap()).stderr(file).status().unwrap();
    std::fs::read_to_string(dir.path().join("both")).unwrap()
}

/// With both streams in one place (`2>&1`), the lines come in the real tools' order: stat
/// writes each error where its argument comes; ls names every argument it cannot reach
/// before it lists anything, and a directory it cannot open gets no heading.
#[test]
fn errors_and_output_interleave_as_stat_and_ls_write_them() {
    if !support::have_tool("stat") || !support::have_tool("ls") {
        return;
    }
    let files = Files::new();
    let (missing, other) = (files.path("gone.sock"), files.path("gone-too.sock"));
    let (present, directory) = (files.path("stream.sock"), files.path("directory"));
    let stat_order = [missing.as_path(), &present, &other];
    let expected = merged("stat", &[], &stat_order);
    assert_eq!(merged("socklab", &["stat"], &stat_order), expected);
    let ls_order = [present.as_path(), &missing, &directory, &other];
    let expected = merged("ls", &["-l"], &ls_order);
    assert_eq!(merged("socklab", &["stat", "--ls"], &ls_order), expected);
    if rustix::process::geteuid().is_root() {
        eprintln!("notice: root opens every directory; the unopenable one is tested as a user");
        return;
    }
    let closed = files.path("closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::set_permissions(&closed, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    for paths in [vec![&present, &closed, &directory], vec![&closed, &directory]] {
        let paths: Vec<&Path> = paths.iter().map(|path| path.as_path()).collect();
        let expected = merged("ls", &["-l"], &paths);
        assert_eq!(merged("socklab", &["stat", "--ls"], &paths), expected, "{paths:?}");
    }
}

#[test]
fn unknown_owner_shows_as_numbers_like_stat_and_ls() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("notice: not root; skipping the unknown-owner test (it needs chown)");
        return;
    }
    if !support::have_tool("stat") || !support::have_tool("ls") {
        return;
    }
    // An id far from any real account; checked against /etc/passwd and /etc/group.
    let id = 4_242_424;
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    if passwd.contains(&format!(":{id}:")) || group.contains(&format!(":{id}:")) {
        eprintln!("notice: id {id} has an account here; skipping the unknown-owner test");
        return;
    }
    let files = Files::new();
    let path = files.path("stream.sock");
    std::os::unix::fs::lchown(&path, Some(id), Some(id)).unwrap();
    let file = stat::stat_path(&path).unwrap();
    assert_eq!((file.user.as_deref(), file.owner_name()), (None, id.to_string()));
    assert_same("stat", &[], &["stat"], &[&path], "UTC");
    assert_same("ls", &["-l"], &["stat", "--ls"], &[&path, &files.path("regular")], "UTC");
}

#[test]
fn acl_plus_sign_matches_gnu_ls() {
    if !support::have_tool("ls") {
        return;
    }
    let files = Files::new();
    let regular = files.path("regular");
    // A POSIX ACL in its xattr form (acl_ea_header + entries, little endian): the owner,
    // nobody (65534) and the mask read-write, the group and others read-only.
    let mut acl = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [
        (1u16, 6u16, u32::MAX),
        (2, 6, 65_534),
        (4, 4, u32::MAX),
        (0x10, 6, u32::MAX),
        (0x20, 4, u32::MAX),
    ] {
        acl.extend(tag.to_le_bytes().into_iter().chain(perm.to_le_bytes()).chain(id.to_le_bytes()));
    }
    let flags = rustix::fs::XattrFlags::empty();
    if let Err(err) = rustix::fs::lsetxattr(&regular, "system.posix_acl_access", &acl, flags) {
        eprintln!("notice: cannot set an ACL here ({err}); skipping the ACL test");
        return;
    }
    assert!(stat::stat_path(&regular).unwrap().has_acl);
    let paths = [regular.as_path(), &files.path("stream.sock")];
    assert_same("ls", &["-l"], &["stat", "--ls"], &paths, "UTC");
}

#[test]
fn socket_files_come_with_a_note_on_what_stat_cannot_tell() {
    let files = Files::new();
    let args = |names: &[&str]| stat::StatArgs {
        paths: names.iter().map(|name| files.path(name)).collect(),
        ..stat::StatArgs::default()
    };
    let note = socklab::t!("stat.note_socket");
    let sockets = stat::execute(&args(&["stream.sock", "datagram.sock"])).unwrap();
    assert_eq!(sockets.notes, vec![note.clone()]);
    assert_eq!(sockets.status, 0);
    let regular = stat::execute(&args(&["regular"])).unwrap();
    assert!(!regular.notes.contains(&note));
}
