//! The commands a lesson step runs, written as the tutorial writes them.
//!
//! A step says `socat TCP4-LISTEN:8080,fork /dev/null &`, `ss -4 -tln`,
//! `nc -4 -vz 127.0.0.1 8080`, `stat /tmp/stream.sock`, `ls -l …`, `fg`, or (in an exercise's
//! solution) `chmod 600 /tmp/private.sock`. socklab never hands
//! these to a shell: it splits the words itself (quotes allowed, no pipes, redirections or
//! `$`), and parses each program's flags with the engine's own parsers, so a command the
//! engine does not know is refused when the lesson loads. `socklab listen|inspect|probe|stat`
//! spellings are accepted too.

use clap::Parser;

use crate::lesson::values::Resolved;
use crate::net::inspect::InspectArgs;
use crate::net::listen::ListenSpec;
use crate::net::probe::ProbeArgs;
use crate::net::stat::StatArgs;
use crate::t;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// socat ADDRESS /dev/null: open a listener.
    Listen(ListenSpec),
    /// ss: list sockets.
    Inspect(InspectArgs),
    /// nc -z: probe.
    Probe(ProbeArgs),
    /// stat, or ls -l (`ls` set).
    Stat(StatArgs),
    /// fg [%N], then Ctrl+C: stop a background listener (the last one without a job number).
    Foreground(Option<usize>),
    /// chmod MODE PATH…: set the permission bits (octal) of socket files the lesson's own
    /// listeners created; socklab refuses any other file.
    Chmod { mode: u32, paths: Vec<std::path::PathBuf> },
    /// nft WORDS…: change or list a simulated host's firewall (only with `ip netns exec HOST`).
    Nft(Vec<String>),
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandLine {
    /// The line as the student would type it (values filled in, quoted where a shell needs
    /// it).
    pub text: String,
    /// The line with values filled in as they are, unquoted: what `fg` echoes of a job, as
    /// the lesson's expected output writes it.
    pub plain: String,
    /// Whether it starts with `sudo`.
    pub sudo: bool,
    /// Whether it ends with `&` (runs in the background).
    pub background: bool,
    /// The simulated host it runs on (`ip netns exec HOST …`), if any.
    pub host: Option<String>,
    pub invocation: Invocation,
}

impl CommandLine {
    /// Shows the line without its `sudo` (where the command needs no privilege).
    pub fn drop_sudo(&mut self) {
        for line in [&mut self.text, &mut self.plain] {
            if let Some(rest) = line.strip_prefix("sudo ") {
                *line = rest.trim_start().to_owned();
            }
        }
        self.sudo = false;
    }
}

/// A problem with a command line: what is wrong, and the word it is about (to point at it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    pub message: String,
    pub word: Option<String>,
}

impl CommandError {
    fn new(message: String, word: Option<&str>) -> Self {
        Self { message, word: word.map(str::to_owned) }
    }
}

#[derive(Parser)]
#[command(name = "ss", disable_help_flag = true, disable_version_flag = true)]
struct Ss {
    #[command(flatten)]
    args: InspectArgs,
}

#[derive(Parser)]
#[command(name = "nc", disable_help_flag = true, disable_version_flag = true)]
struct Nc {
    #[command(flatten)]
    args: ProbeArgs,
}

#[derive(Parser)]
#[command(name = "stat", disable_help_flag = true, disable_version_flag = true)]
struct Stat {
    #[command(flatten)]
    args: StatArgs,
}

/// Parses one command line, written out in full.
pub fn parse(text: &str) -> Result<CommandLine, CommandError> {
    parse_words(text.trim().to_owned(), text.trim().to_owned(), split_words(text)?)
}

/// A lesson's command line with its `{value}` names filled in, not parsed yet: the text the
/// student sees and the words socklab runs. The line is split into words first and each word
/// filled in after, so a value is always part of one word, whatever it holds (a socket
/// directory with a space, `$`, a quote or a backslash); the text shown quotes such a value
/// as a shell would need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// As the student would type it (a value quoted where a shell needs it).
    pub shown: String,
    /// With the values as they are, unquoted: what the book prints, what `fg` echoes.
    pub plain: String,
    /// The words to run, or why the line does not split.
    words: Result<Vec<String>, CommandError>,
}

impl Command {
    /// Fills `values` into `template`.
    pub fn fill(template: &str, values: &Resolved) -> Self {
        let words = split_words(template)
            .map(|words| words.iter().map(|word| values.substitute(word)).collect());
        Self {
            shown: values.substitute_quoted(template),
            plain: values.substitute(template),
            words,
        }
    }

    /// Parses the line with the engine's parsers.
    pub fn parse(&self) -> Result<CommandLine, CommandError> {
        let words = self.words.clone()?;
        parse_words(self.shown.trim().to_owned(), self.plain.trim().to_owned(), words)
    }
}

/// Parses a lesson's command line with its `{value}` names filled in from `values` (see
/// [`Command`]).
pub fn parse_template(template: &str, values: &Resolved) -> Result<CommandLine, CommandError> {
    Command::fill(template, values).parse()
}

fn parse_words(
    text: String,
    plain: String,
    mut words: Vec<String>,
) -> Result<CommandLine, CommandError> {
    let background = words.last().is_some_and(|w| w == "&");
    if background {
        words.pop();
    }
    let sudo = words.first().is_some_and(|w| w == "sudo");
    if sudo {
        words.remove(0);
    }
    let host = host_prefix(&mut words)?;
    let Some(program) = words.first().cloned() else {
        return Err(CommandError::new(t!("lesson.command_empty"), None));
    };
    let (program, args) = match program.as_str() {
        "socklab" if words.len() > 1 => (words[1].clone(), words[2..].to_vec()),
        _ => (program, words[1..].to_vec()),
    };
    let invocation = match program.as_str() {
        "socat" | "listen" => parse_socat(&program, &args)?,
        "ss" | "inspect" => Invocation::Inspect(clap_parse::<Ss>("ss", &args)?.args),
        "nc" | "probe" => Invocation::Probe(clap_parse::<Nc>("nc", &args)?.args),
        "stat" => Invocation::Stat(clap_parse::<Stat>("stat", &args)?.args),
        "ls" => parse_ls(&args)?,
        "fg" => parse_fg(&args)?,
        "chmod" => parse_chmod(&args)?,
        "nft" => parse_nft(host.as_deref(), &args)?,
        other => {
            return Err(CommandError::new(
                t!("lesson.command_unknown", program = other),
                Some(other),
            ));
        }
    };
    match (&invocation, background) {
        (Invocation::Listen(_), false) => {
            return Err(CommandError::new(t!("lesson.listen_needs_background"), Some(&program)));
        }
        (Invocation::Listen(_), true) => {}
        (_, true) => {
            return Err(CommandError::new(t!("lesson.only_listen_in_background"), Some("&")));
        }
        _ => {}
    }
    Ok(CommandLine { text, plain, sudo, background, host, invocation })
}

/// Takes `ip netns exec HOST` off the front of `words`: the rest runs on that simulated host
/// (see [`crate::topology`]). Only the lab's own hosts are known.
fn host_prefix(words: &mut Vec<String>) -> Result<Option<String>, CommandError> {
    if words.len() < 3 || words[..3] != ["ip", "netns", "exec"] {
        return Ok(None);
    }
    let Some(host) = words.get(3).cloned() else {
        return Err(CommandError::new(t!("lesson.netns_shape"), Some("exec")));
    };
    if !crate::topology::names().any(|name| name == host) {
        let hosts: Vec<&str> = crate::topology::names().collect();
        let message = t!("topology.unknown_host", host = host, hosts = hosts.join(", "));
        return Err(CommandError::new(message, Some(&host)));
    }
    words.drain(..4);
    Ok(Some(host))
}

/// nft's words, kept for the tool: only on a simulated host, and only the verbs a lesson
/// needs to build, show and take down a ruleset.
fn parse_nft(host: Option<&str>, args: &[String]) -> Result<Invocation, CommandError> {
    const VERBS: &[&str] = &["add", "insert", "create", "delete", "flush", "list"];
    if host.is_none() {
        return Err(CommandError::new(t!("lesson.nft_needs_host"), Some("nft")));
    }
    // nft's own options (`-f FILE`, `-i`, `-I DIR`) would read files or a terminal: none.
    let option = |word: &&String| word.starts_with('-') && !word[1..].starts_with(char::is_numeric);
    if let Some(option) = args.iter().find(option) {
        return Err(CommandError::new(t!("lesson.nft_option", option = option), Some(option)));
    }
    match args.first() {
        Some(verb) if VERBS.contains(&verb.as_str()) && args.len() > 1 => {
            Ok(Invocation::Nft(args.to_vec()))
        }
        other => Err(CommandError::new(
            t!("lesson.nft_shape", verbs = VERBS.join(", ")),
            Some(other.map_or("nft", String::as_str)),
        )),
    }
}

fn parse_socat(program: &str, args: &[String]) -> Result<Invocation, CommandError> {
    // socat takes two addresses and joins them; the tutorial's second one is always /dev/null
    // (throw away what arrives). `socklab listen` takes just the listen address.
    let address = match (program, args) {
        ("socat", [address, sink]) if sink == "/dev/null" => address,
        ("socat", [_, sink]) => {
            return Err(CommandError::new(t!("lesson.socat_sink", sink = sink), Some(sink)));
        }
        ("listen", [address]) => address,
        _ => return Err(CommandError::new(t!("lesson.socat_shape"), Some(program))),
    };
    address
        .parse::<ListenSpec>()
        .map(Invocation::Listen)
        .map_err(|failure| CommandError::new(failure.message, Some(address)))
}

fn parse_ls(args: &[String]) -> Result<Invocation, CommandError> {
    match args.split_first() {
        Some((flag, paths)) if (flag == "-l" || flag == "-ld") && !paths.is_empty() => {
            Ok(Invocation::Stat(StatArgs {
                ls: true,
                directory: flag == "-ld",
                paths: paths.iter().map(Into::into).collect(),
                ..StatArgs::default()
            }))
        }
        _ => Err(CommandError::new(t!("lesson.ls_shape"), Some("ls"))),
    }
}

fn parse_fg(args: &[String]) -> Result<Invocation, CommandError> {
    match args {
        [] => Ok(Invocation::Foreground(None)),
        [job] => job
            .strip_prefix('%')
            .and_then(|n| n.parse().ok())
            .filter(|&n: &usize| n > 0)
            .map(|n| Invocation::Foreground(Some(n)))
            .ok_or_else(|| CommandError::new(t!("lesson.fg_shape"), Some(job))),
        [_, extra, ..] => Err(CommandError::new(t!("lesson.fg_shape"), Some(extra))),
    }
}

fn parse_chmod(args: &[String]) -> Result<Invocation, CommandError> {
    let Some((mode, paths)) = args.split_first().filter(|(_, paths)| !paths.is_empty()) else {
        return Err(CommandError::new(t!("lesson.chmod_shape"), Some("chmod")));
    };
    let octal = (3..=4).contains(&mode.len()) && mode.chars().all(|c| c.is_digit(8));
    match u32::from_str_radix(mode, 8) {
        Ok(bits) if octal => {
            Ok(Invocation::Chmod { mode: bits, paths: paths.iter().map(Into::into).collect() })
        }
        _ => Err(CommandError::new(t!("lesson.chmod_mode", mode = mode), Some(mode))),
    }
}

fn clap_parse<P: Parser>(name: &str, args: &[String]) -> Result<P, CommandError> {
    P::try_parse_from(std::iter::once(name.to_owned()).chain(args.iter().cloned())).map_err(|err| {
        // clap's first line says what is wrong; the usage that follows is for a terminal.
        let rendered = err.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let reason = first.trim_start_matches("error: ").to_owned();
        let word = args.iter().find(|a| reason.contains(a.as_str())).map(String::as_str);
        CommandError::new(t!("lesson.flags_rejected", program = name, reason = reason), word)
    })
}

/// Splits a command line into words: whitespace separates, '…' and "…" quote, a backslash
/// escapes one character. Shell syntax socklab does not run (pipes, redirections, `;`,
/// `&&`, `$`, backquotes) is refused rather than misread.
pub fn split_words(text: &str) -> Result<Vec<String>, CommandError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' | '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => word.extend(chars.next()),
                        Some(other) => word.push(other),
                        None => return Err(CommandError::new(t!("lesson.unclosed_quote"), None)),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '|' | ';' | '<' | '>' | '$' | '`' | '(' | ')' => {
                let shown = c.to_string();
                return Err(CommandError::new(
                    t!("lesson.shell_syntax", what = shown),
                    Some(&shown),
                ));
            }
            '&' if chars.peek() == Some(&'&') => {
                return Err(CommandError::new(t!("lesson.shell_syntax", what = "&&"), Some("&&")));
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    // A trailing `&` glued to the last word (`… /dev/null&`) is still the background marker.
    if let Some(last) = words.last_mut()
        && last.len() > 1
        && last.ends_with('&')
    {
        last.pop();
        words.push("&".to_owned());
    }
    if words.iter().rev().skip(1).any(|w| w == "&") {
        return Err(CommandError::new(t!("lesson.ampersand_last"), Some("&")));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_with_quotes_and_refuses_shell_syntax() {
        assert_eq!(split_words("stat '/tmp/a b.sock' x").unwrap(), ["stat", "/tmp/a b.sock", "x"]);
        assert_eq!(split_words("socat A /dev/null&").unwrap(), ["socat", "A", "/dev/null", "&"]);
        assert!(split_words("ss -tln | grep 8080").is_err());
        assert!(split_words("ss -tln > out").is_err());
        assert!(split_words("echo $HOME").is_err());
        assert!(split_words("ss && ss").is_err());
        assert!(split_words("stat 'open").is_err());
    }

    #[test]
    fn parses_the_tutorials_inspect_probe_stat_and_fg_lines() {
        let ss = parse("ss -4 -tln").unwrap();
        let Invocation::Inspect(args) = ss.invocation else { panic!("not inspect") };
        assert!(args.ipv4 && args.tcp && args.listening && args.numeric && !args.udp);

        let nc = parse("nc -6 -u -vz ::1 123").unwrap();
        let Invocation::Probe(args) = nc.invocation else { panic!("not probe") };
        assert!(args.ipv6 && args.udp && args.verbose && args.zero_io);
        assert_eq!((args.target.as_str(), args.ports.as_slice()), ("::1", &["123".to_owned()][..]));

        let ls = parse("ls -l /tmp/stream.sock /tmp/datagram.sock").unwrap();
        assert!(matches!(ls.invocation, Invocation::Stat(StatArgs { ls: true, .. })));
        assert_eq!(parse("fg").unwrap().invocation, Invocation::Foreground(None));
        assert_eq!(parse("fg %2").unwrap().invocation, Invocation::Foreground(Some(2)));
        assert!(parse("socklab inspect -xln").is_ok());
        let chmod = parse("chmod 0600 /tmp/a.sock").unwrap();
        assert_eq!(
            chmod.invocation,
            Invocation::Chmod { mode: 0o600, paths: vec!["/tmp/a.sock".into()] }
        );
    }

    #[test]
    fn values_with_shell_characters_stay_one_word() {
        use crate::lesson::values::{PathValue, Resolved};
        for dir in ["/tmp/a b", "/tmp/a$b", "/tmp/a\"b", "/tmp/a\\b", "/tmp/it's"] {
            let path = std::path::PathBuf::from(format!("{dir}/s.sock"));
            let values = Resolved {
                ports: Vec::new(),
                paths: vec![PathValue { name: "stream".into(), path: path.clone() }],
            };
            let line = parse_template("stat {stream}", &values).unwrap();
            let Invocation::Stat(args) = line.invocation else { panic!("not stat") };
            assert_eq!(args.paths, std::slice::from_ref(&path), "{dir}");
            // What is shown is what a shell would split back into the same words.
            assert_eq!(split_words(&line.text).unwrap(), ["stat", path.to_str().unwrap()], "{dir}");
            let listen = parse_template("socat UNIX-LISTEN:{stream},fork /dev/null &", &values);
            let Invocation::Listen(spec) = listen.unwrap().invocation else { panic!("not listen") };
            assert_eq!(spec.target, crate::net::listen::ListenTarget::Path(path), "{dir}");
        }
    }

    #[test]
    fn refuses_what_the_engine_does_not_know() {
        let unknown = parse("netstat -tln").unwrap_err();
        assert_eq!(unknown.word.as_deref(), Some("netstat"));
        let flag = parse("ss -4 -tln --bogus").unwrap_err();
        assert_eq!(flag.word.as_deref(), Some("--bogus"));
        assert!(parse("ls /tmp").is_err());
        assert!(parse("ss -tln &").is_err());
        assert!(parse("fg 2").is_err());
        assert!(parse("chmod u=rw /tmp/a.sock").is_err());
        assert!(parse("chmod 600").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn runs_on_a_simulated_host_and_knows_nft_only_there() {
        let on_server = parse("ip netns exec server socat TCP4-LISTEN:8080,fork /dev/null &");
        let on_server = on_server.unwrap();
        assert_eq!(on_server.host.as_deref(), Some("server"));
        assert!(matches!(on_server.invocation, Invocation::Listen(_)));
        let rule = parse("ip netns exec server nft add rule inet lab input tcp dport 8080 drop");
        assert_eq!(
            rule.unwrap().invocation,
            Invocation::Nft(
                ["add", "rule", "inet", "lab", "input", "tcp", "dport", "8080", "drop"]
                    .map(str::to_owned)
                    .to_vec()
            )
        );
        assert_eq!(parse("ss -tn").unwrap().host, None);
        assert_eq!(parse("ip netns exec router ss").unwrap_err().word.as_deref(), Some("router"));
        assert!(parse("nft add table inet lab").is_err());
        assert!(parse("ip netns exec server nft -f rules.nft").is_err());
        assert!(parse("ip netns exec server nft list ruleset -f x").is_err());
        let priority = "ip netns exec server nft add chain inet lab in '{ priority -100; }'";
        assert!(parse(priority).is_ok());
        assert!(parse("ip netns exec client").is_err());
    }
}
