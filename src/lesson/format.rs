//! Reading one lesson file and checking it, every problem reported at once.
//!
//! The file is parsed with toml's span-keeping parser and walked by hand, rather than through
//! serde, so that a problem deep in the file does not hide the others and each one keeps its
//! line and column. The format:
//!
//! ```toml
//! format_version = 1
//! id = "tcp"                     # lowercase letters, digits and hyphens
//! title = "Stream sockets"
//! summary = "one line for `socklab list`"
//! intro = "shown before the first step"
//! outro = "shown after the last step"
//! extra = false                  # true: after the tutorial, run only when named
//!
//! [ports]                        # named ports: {tcp} in commands and expected output
//! tcp = 8080
//! udp = { port = 123, unprivileged = 1123 }   # used when 123 needs a privilege we lack
//!
//! [paths]                        # named socket paths: {stream}
//! stream = "/tmp/stream.sock"
//!
//! [[steps]]
//! id = "listen-ipv4"             # stable: progress and the book refer to it
//! title = "Listen on IPv4"
//! run = "socat TCP4-LISTEN:{tcp},fork /dev/null &"   # or: check = "tools" | "environment" | "released"
//! explain = "before running"
//! notice = "after running: what to look at"
//! expect = """                   # optional; `...` skips lines, {?} matches any text
//! [1] {?pid}
//! """
//! example = "[1] 4242"           # with a pattern in expect: an output it matches, for readers
//! any_order = false              # true: the expected lines may come in any order (ss rows)
//! status = 0                     # expected exit status (default 0)
//! needs = ["ipv6"]               # skipped, with the reason, where the host lacks it
//!                                # ("firewall": the simulated server's nftables)
//! ```
//!
//! A lesson may also have `[[exercises]]` and `[[quizzes]]`, described in
//! [`crate::lesson::exercise`].
//!
//! The reader is split by what it reads, each part adding to one `reader::Reader`:
//!
//! - `header`: the top-level table (format version, id, texts, `extra`), which reads the
//!   parts below and builds the [`Lesson`]; ids shared by steps, exercises and quizzes.
//! - `values`: `[ports]` and `[paths]`.
//! - `steps`: `[[steps]]`, and the order of background jobs.
//! - `exercises`: `[[exercises]]` and their `[[exercises.mistakes]]` rules.
//! - `facts`: the tables of facts about a socket that exercises expect and mistakes name.
//! - `quizzes`: `[[quizzes]]`, multiple choice or predict-then-run.
//! - `reader`: what they all share: walking toml's tables, each problem at its
//!   file:line:column, keys and values of each kind, `{value}` names, command lines.
//!
//! Each part only calls parts listed after it, down to `reader`; the data types they build
//! ([`crate::lesson::model`], [`crate::lesson::step`], [`crate::lesson::exercise`]) know
//! nothing of reading.

mod exercises;
mod facts;
mod header;
mod quizzes;
mod reader;
mod steps;
mod values;

use toml::de::DeTable;

use super::diagnostic::{Diagnostic, Report};
use super::model::Lesson;
use crate::t;
pub use header::FORMAT_VERSION;
use reader::Reader;

/// Reads a lesson from `text` (named `file` in messages).
pub fn parse(file: &str, text: &str) -> Result<Lesson, Vec<Diagnostic>> {
    let mut report = Report::new(file, text);
    let (document, errors) = DeTable::parse_recoverable(text);
    for error in &errors {
        let span = error.span().unwrap_or(0..0);
        report.at(span, t!("lesson.syntax", reason = error.message().trim()));
    }
    if !errors.is_empty() {
        // Recovery keeps what could be read, but checking a half-read file would only add
        // confusing follow-up problems.
        return Err(sorted(report.problems));
    }
    let root = document.get_ref();
    let whole = document.span();
    let mut reader = Reader { report };
    let lesson = reader.lesson(root, whole);
    if reader.report.is_empty() {
        Ok(lesson.expect("a lesson is built whenever no problem was found"))
    } else {
        Err(sorted(reader.report.problems))
    }
}

/// Problems in the order they appear in the file (those without a place last).
fn sorted(mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    problems.sort_by_key(|d| d.position.map_or((usize::MAX, 0), |p| (p.line, p.column)));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::step::{Action, Need};

    /// A good lesson with values and steps, for the tests of every part.
    pub(super) const GOOD: &str = r#"format_version = 1
id = "unix"
title = "Unix domain sockets"

[ports]
udp = { port = 123, unprivileged = 1123 }

[paths]
stream = "/tmp/stream.sock"

[[steps]]
id = "look"
title = "Look at the file"
run = "stat {stream}"
expect = """
  File: {stream}
...
"""

[[steps]]
id = "probe"
title = "Probe"
run = "nc -4 -u -vz 127.0.0.1 {udp}"
needs = ["ipv6"]
status = 1
"#;

    /// The start of a good lesson, for the tests of exercises and quizzes.
    pub(super) const HEAD: &str = r#"format_version = 1
id = "ex"
title = "Exercises"

[ports]
ex = 9090

[paths]
private = "/tmp/private.sock"

[[steps]]
id = "look"
title = "Look"
run = "ss -4 -tln"
"#;

    /// The problems of [`HEAD`] followed by `extra`, as printed.
    pub(super) fn problems(extra: &str) -> Vec<String> {
        parse("l.toml", &format!("{HEAD}{extra}"))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn reads_a_good_lesson() {
        let lesson = parse("lessons/unix.toml", GOOD).unwrap();
        assert_eq!(lesson.id, "unix");
        assert_eq!(lesson.file, "lessons/unix.toml");
        assert_eq!(lesson.values.ports[0].unprivileged, Some(1123));
        let ids: Vec<_> = lesson.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["look", "probe"]);
        assert_eq!(lesson.steps[0].action, Action::Run("stat {stream}".into()));
        assert_eq!(lesson.steps[1].status, 1);
        assert_eq!(lesson.steps[1].needs, [Need::Ipv6]);
    }

    #[test]
    fn reports_every_problem_with_its_position() {
        let bad = "format_version = 1\nid = \"Bad Id\"\ntitel = \"x\"\n\n[[steps]]\nid = \"a\"\n\
                   title = \"A\"\nrun = \"netstat -tln\"\n\n[[steps]]\nid = \"a\"\ntitle = \"B\"\n\
                   run = \"nc -z 127.0.0.1 {port}\"\n\n[[steps]]\nid = \"c\"\ntitle = \"C\"\n\
                   check = \"everything\"\n";
        let problems = parse("l.toml", bad).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let expect = [
            "l.toml:3:1: `titel` is not a lesson key",
            "l.toml:2:6: the id `Bad Id`",
            "l.toml:1:1: the lesson has no `title`",
            "l.toml:8:8: `netstat` is not a command",
            "l.toml:11:6: the step id `a` is already used at 6:6",
            "l.toml:13:24: `{port}` is not a value of this lesson",
            "l.toml:18:9: `everything` is not a check",
        ];
        for wanted in expect {
            assert!(text.iter().any(|t| t.starts_with(wanted)), "missing {wanted:?} in {text:#?}");
        }
        assert_eq!(text.len(), expect.len(), "{text:#?}");
    }

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let problems = parse("l.toml", "format_version = 1\nid = \"x\nx").unwrap_err();
        assert!(problems[0].to_string().starts_with("l.toml:2:"), "{problems:?}");
    }

    use proptest::prelude::*;

    /// Pieces of lesson files, glued at random: mostly near-valid TOML, often broken.
    fn lesson_text() -> impl Strategy<Value = String> {
        let piece = proptest::sample::select(vec![
            "format_version = 1\n",
            "format_version = 99999999999999999999\n",
            "id = \"x\"\n",
            "title = \"T\"\n",
            "[ports]\ntcp = 8080\n",
            "[ports]\nudp = { port = 123, unprivileged = 70000 }\n",
            "[paths]\ns = \"/tmp/s.sock\"\n",
            "[[steps]]\n",
            "id = \"a\"\n",
            "run = \"socat TCP4-LISTEN:{tcp},fork /dev/null &\"\n",
            "run = \"fg %99999999999999999999\"\n",
            "run = \"nc -w 1e30 -vz 127.0.0.1 {tcp}\"\n",
            "run = \"stat '{s}\"\n",
            "check = \"released\"\n",
            "expect = \"\"\"\n...\n{?}{?*}\n\"\"\"\n",
            "status = -2147483649\n",
            "needs = [\"ipv6\", 3]\n",
            "[[exercises]]\nid = \"e\"\n",
            "[[quizzes]]\nid = \"q\"\nanswer = 0\n",
            "\u{0}\u{1b}[",
            "{",
            "\"",
            "= =\n",
        ]);
        proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn the_loader_never_panics(text in lesson_text()) {
            let _ = parse("l.toml", &text);
        }

        #[test]
        fn the_loader_never_panics_on_any_text(text in "\\PC{0,300}") {
            let _ = parse("l.toml", &text);
        }
    }
}
