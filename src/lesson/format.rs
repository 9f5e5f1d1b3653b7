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
//! A lesson may also have `[[exercises]]` and `[[quizzes]]`, read by [`exercises`] and
//! described in [`crate::lesson::exercise`].

use std::collections::HashMap;
use std::collections::hash_map::Entry as Seen;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::command::Invocation;
use super::diagnostic::{Diagnostic, Report};
use super::exercise::{Exercise, Quiz};
use super::values::{self, PathValue, PortValue, Values};
use crate::t;

/// A lesson, checked and ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub intro: String,
    pub outro: String,
    /// Where it was read from (shown in messages).
    pub file: String,
    pub values: Values,
    pub steps: Vec<Step>,
    /// Tasks for the student, checked against the live system (after the steps).
    pub exercises: Vec<Exercise>,
    /// Questions, graded by a fixed answer or by what a run shows.
    pub quizzes: Vec<Quiz>,
    /// An extra lesson, after the tutorial: run only when named (`extra = true`).
    pub extra: bool,
}

/// One step of a lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub action: Action,
    pub explain: String,
    pub notice: String,
    /// Expected output, with `{value}` names still in it.
    pub expect: Option<String>,
    /// An output the expectation matches, for readers: what the book and "read more" show
    /// where `expect` has patterns (`{?}`, `...`). `socklab lint` proves that it matches.
    pub example: Option<String>,
    /// Whether the expected lines may come in any order.
    pub any_order: bool,
    /// Expected exit status.
    pub status: i32,
    pub needs: Vec<Need>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Runs a command line (with `{value}` names still in it).
    Run(String),
    /// A check socklab makes itself.
    Check(Check),
}

/// Checks a step can ask socklab to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Which real tools (ss, nc, socat) are installed, and how to install the missing ones.
    Tools,
    /// What this host allows: IPv6, privileged ports, netlink sock_diag.
    Environment,
    /// Nothing of the lesson is left: no listener on its ports, no file at its paths.
    Released,
}

/// What a step needs from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A working IPv6 stack (`::1` can be bound).
    Ipv6,
    /// The simulated server's firewall (nft installed, nf_tables usable in the lab).
    Firewall,
}

impl Check {
    pub const NAMES: &'static [&'static str] = &["tools", "environment", "released"];

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "tools" => Some(Self::Tools),
            "environment" => Some(Self::Environment),
            "released" => Some(Self::Released),
            _ => None,
        }
    }
}

impl Need {
    pub const NAMES: &'static [&'static str] = &["ipv6", "firewall"];

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "ipv6" => Some(Self::Ipv6),
            "firewall" => Some(Self::Firewall),
            _ => None,
        }
    }
}

const LESSON_KEYS: &[&str] = &[
    "format_version",
    "id",
    "title",
    "summary",
    "intro",
    "outro",
    "ports",
    "paths",
    "steps",
    "exercises",
    "quizzes",
    "extra",
];
const STEP_KEYS: &[&str] = &[
    "id",
    "title",
    "run",
    "check",
    "explain",
    "notice",
    "expect",
    "example",
    "any_order",
    "status",
    "needs",
];
const PORT_KEYS: &[&str] = &["port", "unprivileged"];

mod exercises;

type Entry<'a> = (&'a Spanned<std::borrow::Cow<'a, str>>, &'a Spanned<DeValue<'a>>);

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

struct Reader<'a> {
    report: Report<'a>,
}

impl Reader<'_> {
    fn lesson(&mut self, root: &DeTable<'_>, whole: Range<usize>) -> Option<Lesson> {
        self.unknown_keys(root.iter(), LESSON_KEYS, "lesson");
        match root.get("format_version") {
            None => self
                .report
                .at(0..0, t!("lesson.missing_key", key = "format_version", place = "lesson")),
            Some(value) => match value
                .get_ref()
                .as_integer()
                .and_then(|i| i.as_str().parse::<i64>().ok())
            {
                Some(super::FORMAT_VERSION) => {}
                Some(other) => self.report.at(
                    value.span(),
                    t!("lesson.format_version", found = other, supported = super::FORMAT_VERSION),
                ),
                None => self.report.at(
                    value.span(),
                    t!("lesson.wrong_type", key = "format_version", expected = "an integer"),
                ),
            },
        }
        let id = self.required_id(root, &whole, "lesson");
        let title = self.required_text(root, "title", &whole, "lesson");
        let summary = self.optional_text(root, "summary");
        let intro = self.optional_text(root, "intro");
        let outro = self.optional_text(root, "outro");
        let values = self.values(root);
        let steps = self.steps(root, &whole, &values);
        let exercises = self.exercises(root, &values);
        let quizzes = self.quizzes(root, &values);
        self.unique_ids(root);
        let extra = self.extra(root);
        Some(Lesson {
            id: id?,
            title: title?,
            summary,
            intro,
            outro,
            file: self.report.file().to_owned(),
            values,
            steps: steps?,
            exercises: exercises?,
            quizzes: quizzes?,
            extra: extra?,
        })
    }

    /// `extra = true`: a lesson after the tutorial, run only when named.
    fn extra(&mut self, root: &DeTable<'_>) -> Option<bool> {
        let Some(value) = root.get("extra") else { return Some(false) };
        let flag = value.get_ref().as_bool();
        if flag.is_none() {
            let expected = "true or false";
            self.report
                .at(value.span(), t!("lesson.wrong_type", key = "extra", expected = expected));
        }
        flag
    }

    fn unknown_keys<'a>(
        &mut self,
        entries: impl Iterator<Item = Entry<'a>>,
        known: &[&str],
        place: &str,
    ) {
        for (key, _) in entries {
            if !known.contains(&key.get_ref().as_ref()) {
                self.report.at(
                    key.span(),
                    t!(
                        "lesson.unknown_key",
                        key = key.get_ref(),
                        place = place,
                        known = known.join(", ")
                    ),
                );
            }
        }
    }

    fn text_of<'v>(&mut self, value: &'v Spanned<DeValue<'_>>, key: &str) -> Option<&'v str> {
        let text = value.get_ref().as_str();
        if text.is_none() {
            self.report.at(value.span(), t!("lesson.wrong_type", key = key, expected = "a string"));
        }
        text
    }

    fn required_text(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
    ) -> Option<String> {
        match table.get(key) {
            Some(value) => {
                let text = self.text_of(value, key)?;
                if text.trim().is_empty() {
                    self.report.at(value.span(), t!("lesson.empty", key = key));
                    return None;
                }
                Some(text.to_owned())
            }
            None => {
                self.report
                    .at(span.start..span.start, t!("lesson.missing_key", key = key, place = place));
                None
            }
        }
    }

    fn optional_text(&mut self, table: &DeTable<'_>, key: &str) -> String {
        table.get(key).and_then(|value| self.text_of(value, key)).unwrap_or_default().to_owned()
    }

    fn required_id(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        place: &str,
    ) -> Option<String> {
        let id = self.required_text(table, "id", span, place)?;
        let valid = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.report.at(
                table.get("id").map_or(span.clone(), Spanned::span),
                t!("lesson.bad_id", id = id),
            );
            return None;
        }
        Some(id)
    }

    fn values(&mut self, root: &DeTable<'_>) -> Values {
        let mut values = Values::default();
        if let Some(ports) = root.get("ports") {
            match ports.get_ref().as_table() {
                None => self
                    .report
                    .at(ports.span(), t!("lesson.wrong_type", key = "ports", expected = "a table")),
                Some(table) => {
                    for (name, value) in table.iter() {
                        if let Some(port) = self.port_value(name, value) {
                            values.ports.push(port);
                        }
                    }
                }
            }
        }
        if let Some(paths) = root.get("paths") {
            match paths.get_ref().as_table() {
                None => self
                    .report
                    .at(paths.span(), t!("lesson.wrong_type", key = "paths", expected = "a table")),
                Some(table) => {
                    for (name, value) in table.iter() {
                        let Some(text) = self.text_of(value, name.get_ref()) else { continue };
                        if !text.starts_with('/') {
                            self.report
                                .at(value.span(), t!("lesson.path_not_absolute", path = text));
                            continue;
                        }
                        if values.contains(name.get_ref()) {
                            self.report.at(
                                name.span(),
                                t!("lesson.duplicate_value", name = name.get_ref()),
                            );
                            continue;
                        }
                        values.paths.push(PathValue {
                            name: name.get_ref().to_string(),
                            path: text.into(),
                        });
                    }
                }
            }
        }
        values
    }

    fn port_number(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<u16> {
        let number = value.get_ref().as_integer().and_then(|i| i.as_str().parse::<u16>().ok());
        if number.is_none() {
            self.report.at(value.span(), t!("lesson.bad_port", key = key));
        }
        number
    }

    fn port_value(
        &mut self,
        name: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<PortValue> {
        let name_text = name.get_ref().to_string();
        match value.get_ref() {
            DeValue::Table(table) => {
                self.unknown_keys(table.iter(), PORT_KEYS, "port");
                let port = match table.get("port") {
                    Some(port) => self.port_number(port, "port"),
                    None => {
                        self.report.at(
                            value.span(),
                            t!("lesson.missing_key", key = "port", place = "port"),
                        );
                        None
                    }
                };
                let unprivileged =
                    table.get("unprivileged").and_then(|v| self.port_number(v, "unprivileged"));
                Some(PortValue { name: name_text, port: port?, unprivileged })
            }
            _ => self.port_number(value, &name_text).map(|port| PortValue {
                name: name_text,
                port,
                unprivileged: None,
            }),
        }
    }

    fn steps(
        &mut self,
        root: &DeTable<'_>,
        whole: &Range<usize>,
        values: &Values,
    ) -> Option<Vec<Step>> {
        let Some(steps) = root.get("steps") else {
            self.report.at(
                whole.start..whole.start,
                t!("lesson.missing_key", key = "steps", place = "lesson"),
            );
            return None;
        };
        let Some(array) = steps.get_ref().as_array() else {
            self.report.at(
                steps.span(),
                t!("lesson.wrong_type", key = "steps", expected = "an array of tables ([[steps]])"),
            );
            return None;
        };
        let mut built = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut jobs = 0usize;
        let mut listened = false;
        let mut released_after_last_job = true;
        let mut complete = true;
        for item in array.iter() {
            let Some(table) = item.get_ref().as_table() else {
                self.report
                    .at(item.span(), t!("lesson.wrong_type", key = "steps", expected = "a table"));
                complete = false;
                continue;
            };
            let span = item.span();
            if let (Some(id), Some(value)) =
                (table.get("id").and_then(|v| v.get_ref().as_str()), table.get("id"))
            {
                match seen.entry(id) {
                    Seen::Occupied(first) => {
                        let first = self.position_text(*first.get());
                        self.report
                            .at(value.span(), t!("lesson.duplicate_step", id = id, first = first));
                    }
                    Seen::Vacant(slot) => {
                        slot.insert(value.span().start);
                    }
                }
            }
            match self.step(table, &span, values) {
                Some((step, invocation)) => {
                    match (&step.action, invocation) {
                        (_, Some(Invocation::Listen(_))) => {
                            jobs += 1;
                            listened = true;
                            released_after_last_job = false;
                        }
                        (_, Some(Invocation::Foreground(_))) => {
                            if jobs == 0 {
                                let at = table.get("run").map_or(span.clone(), Spanned::span);
                                self.report.at(at, t!("lesson.fg_without_job"));
                            }
                            jobs = jobs.saturating_sub(1);
                        }
                        (Action::Check(Check::Released), _) => released_after_last_job = true,
                        _ => {}
                    }
                    built.push(step);
                }
                None => complete = false,
            }
        }
        if array.iter().next().is_none() {
            self.report.at(steps.span(), t!("lesson.no_steps"));
            return None;
        }
        if complete && listened && !released_after_last_job {
            self.report.at(steps.span(), t!("lesson.no_release_check"));
        }
        complete.then_some(built)
    }

    fn position_text(&self, offset: usize) -> String {
        let position = self.report.position(offset);
        format!("{}:{}", position.line, position.column)
    }

    fn step(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        values: &Values,
    ) -> Option<(Step, Option<Invocation>)> {
        self.unknown_keys(table.iter(), STEP_KEYS, "step");
        let id = self.required_id(table, span, "step");
        let title = self.required_text(table, "title", span, "step");
        let explain = self.optional_text(table, "explain");
        let notice = self.optional_text(table, "notice");
        let mut invocation = None;
        let action = match (table.get("run"), table.get("check")) {
            (Some(_), Some(check)) => {
                self.report.at(check.span(), t!("lesson.run_and_check"));
                None
            }
            (None, None) => {
                self.report.at(span.start..span.start, t!("lesson.run_or_check"));
                None
            }
            (Some(run), None) => {
                let text = self.text_of(run, "run").map(str::to_owned);
                let line = text.and_then(|text| self.command_line(run.span(), &text, values));
                line.map(|(text, parsed)| {
                    invocation = Some(parsed);
                    Action::Run(text)
                })
            }
            (None, Some(check)) => {
                let name = self.text_of(check, "check");
                match name.map(|n| (n, Check::from_name(n))) {
                    Some((_, Some(kind))) => Some(Action::Check(kind)),
                    Some((name, None)) => {
                        self.report.at(
                            check.span(),
                            t!(
                                "lesson.unknown_check",
                                name = name,
                                known = Check::NAMES.join(", ")
                            ),
                        );
                        None
                    }
                    None => None,
                }
            }
        };
        let expect = table.get("expect").and_then(|value| {
            let text = self.text_of(value, "expect")?.to_owned();
            self.references(value.span(), &text, values);
            if let Some(problem) = super::expect::limits(&text) {
                self.report.at(value.span(), problem);
                return None;
            }
            Some(text)
        });
        let example = table.get("example").and_then(|value| {
            let text = self.text_of(value, "example")?.to_owned();
            self.references(value.span(), &text, values);
            Some(text)
        });
        let status = match table.get("status") {
            None => Some(0),
            Some(value) => {
                // An exit status is what a process can give: 0 to 255.
                let status = value
                    .get_ref()
                    .as_integer()
                    .and_then(|i| i.as_str().parse::<i32>().ok())
                    .filter(|status| (0..=255).contains(status));
                if status.is_none() {
                    self.report.at(
                        value.span(),
                        t!(
                            "lesson.wrong_type",
                            key = "status",
                            expected = "an exit status, 0 to 255"
                        ),
                    );
                }
                status
            }
        };
        let any_order = match table.get("any_order") {
            None => Some(false),
            Some(value) => {
                let flag = value.get_ref().as_bool();
                if flag.is_none() {
                    self.report.at(
                        value.span(),
                        t!("lesson.wrong_type", key = "any_order", expected = "true or false"),
                    );
                }
                flag
            }
        };
        let needs = self.needs(table);
        Some((
            Step {
                id: id?,
                title: title?,
                action: action?,
                explain,
                notice,
                expect,
                example,
                any_order: any_order?,
                status: status?,
                needs: needs?,
            },
            invocation,
        ))
    }

    fn needs(&mut self, table: &DeTable<'_>) -> Option<Vec<Need>> {
        let Some(value) = table.get("needs") else { return Some(Vec::new()) };
        let Some(array) = value.get_ref().as_array() else {
            self.report.at(
                value.span(),
                t!("lesson.wrong_type", key = "needs", expected = "an array of strings"),
            );
            return None;
        };
        let mut needs = Vec::new();
        let mut ok = true;
        for item in array.iter() {
            match item.get_ref().as_str().map(|name| (name, Need::from_name(name))) {
                Some((_, Some(need))) => needs.push(need),
                Some((name, None)) => {
                    self.report.at(
                        item.span(),
                        t!("lesson.unknown_need", name = name, known = Need::NAMES.join(", ")),
                    );
                    ok = false;
                }
                None => {
                    self.report.at(
                        item.span(),
                        t!("lesson.wrong_type", key = "needs", expected = "an array of strings"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(needs)
    }

    /// Reports every `{name}` in `text` that the lesson does not declare.
    fn references(&mut self, span: Range<usize>, text: &str, values: &Values) {
        for (_, name) in values::references(text) {
            if !values.contains(name) {
                let needle = format!("{{{name}}}");
                let mut known: Vec<&str> = values.ports.iter().map(|p| p.name.as_str()).collect();
                known.extend(values.paths.iter().map(|p| p.name.as_str()));
                self.report.within(
                    span.clone(),
                    &needle,
                    t!("lesson.unknown_value", name = name, known = known.join(", ")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format_version = 1
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

    #[test]
    fn refuses_an_unknown_format_version() {
        let text = GOOD.replace("format_version = 1", "format_version = 7");
        let problems = parse("l.toml", &text).unwrap_err();
        assert!(
            problems[0].to_string().starts_with("l.toml:1:18: format_version 7"),
            "{problems:?}"
        );
    }

    #[test]
    fn an_extra_lesson_says_so_and_the_flag_is_checked() {
        assert!(!parse("l.toml", GOOD).unwrap().extra);
        let extra = GOOD.replace("format_version = 1", "format_version = 1\nextra = true");
        assert!(parse("l.toml", &extra).unwrap().extra);
        let wrong = GOOD.replace("format_version = 1", "format_version = 1\nextra = \"yes\"");
        let problems = parse("l.toml", &wrong).unwrap_err();
        assert!(problems[0].message.contains("true or false"), "{problems:?}");
    }

    #[test]
    fn fg_needs_a_job_before_it() {
        let text = format!("{GOOD}\n[[steps]]\nid = \"stop\"\ntitle = \"Stop\"\nrun = \"fg\"\n");
        let problems = parse("l.toml", &text).unwrap_err();
        assert!(problems[0].message.contains("no background listener"), "{problems:?}");
    }

    #[test]
    fn many_steps_with_one_id_are_each_reported_once() {
        let mut text = String::from("format_version = 1\nid = \"big\"\ntitle = \"Big\"\n");
        for _ in 0..20_000 {
            text.push_str("[[steps]]\nid = \"same\"\ntitle = \"T\"\ncheck = \"tools\"\n");
        }
        let problems = parse("l.toml", &text).unwrap_err();
        assert_eq!(problems.len(), 19_999);
        assert!(problems[0].message.contains("already used at 5:6"), "{:?}", problems[0]);
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
