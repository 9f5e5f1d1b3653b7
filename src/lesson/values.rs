//! A lesson's named values (its ports and socket paths), and where a run places them.
//!
//! A lesson never writes `8080` or `/tmp/stream.sock` in its commands and expected output; it
//! writes `{tcp}` and `{stream}`, and declares their tutorial values. A run can move them
//! (`--port-offset`, `--socket-dir`) so that many students share a server, a test avoids a
//! taken port, and an unprivileged student gets a port they may bind. The student always sees
//! the command and the expected output with the values really used: [`Values::place`] decides
//! them for a run, and [`resolve`](super::resolve) fills them into the whole lesson, once;
//! nothing after that substitutes.

use std::path::{Path, PathBuf};

/// A port the lesson uses: the tutorial's value, and the one used without privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortValue {
    pub name: String,
    /// The tutorial's port (8080, 123).
    pub port: u16,
    /// The port used instead when `port` needs a privilege the run does not have.
    pub unprivileged: Option<u16>,
}

/// A socket path the lesson uses (the tutorial's `/tmp/stream.sock`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathValue {
    pub name: String,
    pub path: PathBuf,
}

/// The named values a lesson declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    pub ports: Vec<PortValue>,
    pub paths: Vec<PathValue>,
}

/// How a run moves the lesson's values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Added to every port.
    pub port_offset: u16,
    /// Where socket files go instead of their directory in the lesson.
    pub socket_dir: Option<PathBuf>,
    /// Whether this run may bind ports below the unprivileged start.
    pub privileged: bool,
    /// `net.ipv4.ip_unprivileged_port_start` on this host.
    pub unprivileged_start: u16,
}

/// A port as placed for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedPort {
    pub name: String,
    pub port: u16,
    /// The tutorial's port (offset applied), when this run had to move away from it because
    /// binding it needs a privilege the run lacks.
    pub moved_from_privileged: Option<u16>,
}

/// The values as one run uses them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub ports: Vec<PlacedPort>,
    pub paths: Vec<PathValue>,
}

impl Values {
    /// Whether the lesson declares a value called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.ports.iter().any(|p| p.name == name) || self.paths.iter().any(|p| p.name == name)
    }

    /// The values with the tutorial's own ports and paths (as the book shows them).
    pub fn as_written(&self) -> Resolved {
        Resolved {
            ports: self
                .ports
                .iter()
                .map(|p| PlacedPort {
                    name: p.name.clone(),
                    port: p.port,
                    moved_from_privileged: None,
                })
                .collect(),
            paths: self.paths.clone(),
        }
    }

    /// Places the values for a run; a port pushed past 65535 by the offset is an error.
    pub fn place(&self, placement: &Placement) -> Result<Resolved, String> {
        let mut ports = Vec::with_capacity(self.ports.len());
        for value in &self.ports {
            let tutorial = offset_port(&value.name, value.port, placement)?;
            let needs_privilege = tutorial != 0 && tutorial < placement.unprivileged_start;
            let (port, moved) = match value.unprivileged {
                Some(alternative) if needs_privilege && !placement.privileged => {
                    (offset_port(&value.name, alternative, placement)?, Some(tutorial))
                }
                _ => (tutorial, None),
            };
            ports.push(PlacedPort { name: value.name.clone(), port, moved_from_privileged: moved });
        }
        let paths = self
            .paths
            .iter()
            .map(|value| PathValue {
                name: value.name.clone(),
                path: match (&placement.socket_dir, value.path.file_name()) {
                    (Some(dir), Some(file)) => dir.join(file),
                    _ => value.path.clone(),
                },
            })
            .collect();
        Ok(Resolved { ports, paths })
    }
}

impl Resolved {
    /// The text a `{name}` stands for.
    pub fn get(&self, name: &str) -> Option<String> {
        self.ports
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.port.to_string())
            .or_else(|| self.path(name).map(|p| p.display().to_string()))
    }

    /// The path called `name`.
    pub fn path(&self, name: &str) -> Option<&Path> {
        self.paths.iter().find(|p| p.name == name).map(|p| p.path.as_path())
    }

    /// Replaces every `{name}` of a known value in `template`; `{?…}` wildcards and unknown
    /// names are left for the caller (the loader reports unknown names). socklab calls it
    /// only while resolving a lesson ([`resolve`](super::resolve), [`Command::fill`]).
    ///
    /// [`Command::fill`]: super::command::Command::fill
    pub fn substitute(&self, template: &str) -> String {
        self.substitute_with(template, |value| value)
    }

    /// Like [`Resolved::substitute`], for a command line as the student would type it: a
    /// value holding a space or a character a shell treats specially is single-quoted.
    pub fn substitute_quoted(&self, template: &str) -> String {
        self.substitute_with(template, shell_quote)
    }

    fn substitute_with(&self, template: &str, shown: impl Fn(String) -> String) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            match after.find('}') {
                // `{ … }` with spaces (an nft rule block) is text, not a value's name.
                Some(close) if !is_reference(&after[1..close]) => {
                    out.push('{');
                    rest = &after[1..];
                }
                Some(close) => {
                    let name = &after[1..close];
                    match self.get(name) {
                        Some(value) => out.push_str(&shown(value)),
                        None => out.push_str(&after[..=close]),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(after);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// `value` as one shell word: as it is when it is plain, else in single quotes (a quote
/// inside written `'\''`).
fn shell_quote(value: String) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        value
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

fn offset_port(name: &str, port: u16, placement: &Placement) -> Result<u16, String> {
    port.checked_add(placement.port_offset).ok_or_else(|| {
        crate::t!(
            "runner.port_offset_too_big",
            name = name,
            port = port,
            offset = placement.port_offset
        )
    })
}

/// The `{name}` references in a template (not `{?…}` wildcards), with their byte offsets.
pub fn references(template: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = template[from..].find('{') {
        let start = from + open;
        let Some(close) = template[start..].find('}') else { break };
        let name = &template[start + 1..start + close];
        if !is_reference(name) {
            from = start + 1;
            continue;
        }
        if !name.starts_with('?') {
            found.push((start, name));
        }
        from = start + close + 1;
    }
    found
}

/// Whether `{name}` can be a value or a wildcard: no whitespace inside the braces.
fn is_reference(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson_values() -> Values {
        Values {
            ports: vec![
                PortValue { name: "tcp".into(), port: 8080, unprivileged: None },
                PortValue { name: "udp".into(), port: 123, unprivileged: Some(1123) },
            ],
            paths: vec![PathValue { name: "stream".into(), path: "/tmp/stream.sock".into() }],
        }
    }

    fn placement(offset: u16, privileged: bool) -> Placement {
        Placement { port_offset: offset, socket_dir: None, privileged, unprivileged_start: 1024 }
    }

    #[test]
    fn offset_moves_every_port_and_socket_dir_every_path() {
        let mut place = placement(100, true);
        place.socket_dir = Some("/run/user/1000/socklab".into());
        let resolved = lesson_values().place(&place).unwrap();
        assert_eq!(resolved.get("tcp").as_deref(), Some("8180"));
        assert_eq!(resolved.get("udp").as_deref(), Some("223"));
        assert_eq!(resolved.get("stream").as_deref(), Some("/run/user/1000/socklab/stream.sock"));
    }

    #[test]
    fn privileged_port_moves_to_its_alternative_without_privilege() {
        let resolved = lesson_values().place(&placement(0, false)).unwrap();
        let udp = resolved.ports.iter().find(|p| p.name == "udp").unwrap();
        assert_eq!((udp.port, udp.moved_from_privileged), (1123, Some(123)));
        let tcp = resolved.ports.iter().find(|p| p.name == "tcp").unwrap();
        assert_eq!((tcp.port, tcp.moved_from_privileged), (8080, None));
    }

    #[test]
    fn an_offset_past_65535_is_refused() {
        assert!(lesson_values().place(&placement(60000, true)).is_err());
    }

    #[test]
    fn substitutes_known_names_and_keeps_wildcards() {
        let resolved = lesson_values().as_written();
        assert_eq!(
            resolved.substitute("nc -4 -vz 127.0.0.1 {tcp} {?inode} {nope}"),
            "nc -4 -vz 127.0.0.1 8080 {?inode} {nope}"
        );
        assert_eq!(references("a {tcp} {?x} b {udp}"), vec![(2, "tcp"), (15, "udp")]);
    }

    #[test]
    fn braces_with_spaces_are_text_and_names_after_them_still_count() {
        let resolved = lesson_values().as_written();
        let rule = "nft add chain inet lab input '{ type filter hook input priority 0; }' {tcp}";
        assert_eq!(
            resolved.substitute(rule),
            "nft add chain inet lab input '{ type filter hook input priority 0; }' 8080"
        );
        assert_eq!(references(rule), vec![(rule.len() - 5, "tcp")]);
        assert_eq!(
            resolved.substitute("table inet lab {\n...\n{tcp}"),
            "table inet lab {\n...\n8080"
        );
    }
}
