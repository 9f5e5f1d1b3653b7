//! A lesson's `[[exercises]]`: the task, hints, reference solution and needs of each, what
//! the kernel must then show (a table of facts, read by [`facts`](super::facts)), and the
//! `[[exercises.mistakes]]` rules that name a likely mistake. Every problem is reported at
//! its line and column, all of them at once, as for steps.

use std::net::IpAddr;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::facts::FactsRole;
use super::reader::Reader;
use crate::lesson::exercise::{Exercise, Mistake, Probe, ProbeOutcome};
use crate::lesson::values::Values;
use crate::t;

const EXERCISE_KEYS: &[&str] = &[
    "id", "title", "task", "hints", "solution", "explain", "needs", "expect", "mistakes", "host",
    "probe", "absent",
];
const PROBE_KEYS: &[&str] = &["from", "kind", "address", "port", "outcome"];
const MISTAKE_KEYS: &[&str] = &["when", "say"];

impl Reader<'_> {
    /// The name of one of the lab's simulated hosts (`client`, `server`).
    fn host_name(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
        let hosts: Vec<&str> = crate::topology::names().collect();
        let Some(name) = value.get_ref().as_str() else {
            let expected = format!("one of: {}", hosts.join(", "));
            self.report.at(value.span(), t!("lesson.wrong_type", key = key, expected = expected));
            return None;
        };
        if !hosts.contains(&name) {
            let message = t!("topology.unknown_host", host = name, hosts = hosts.join(", "));
            self.report.at(value.span(), message);
            return None;
        }
        Some(name.to_owned())
    }

    /// An exercise's `probe`: a connection from one simulated host, and what it must get.
    fn probe(&mut self, value: &Spanned<DeValue<'_>>, values: &Values) -> Option<Probe> {
        let Some(table) = value.get_ref().as_table() else {
            let expected = "a table (from, kind, address, port, outcome)";
            self.report
                .at(value.span(), t!("lesson.wrong_type", key = "probe", expected = expected));
            return None;
        };
        self.unknown_keys(table.iter(), PROBE_KEYS, "probe");
        let at = value.span().start..value.span().start;
        let from = self.probe_key(table, "from", &at).and_then(|v| self.host_name(v, "from"));
        let address = self.probe_key(table, "address", &at).and_then(|value| {
            let address = value.get_ref().as_str().and_then(|text| text.parse::<IpAddr>().ok());
            if address.is_none() {
                self.report.at(value.span(), t!("lesson.bad_address"));
            }
            address
        });
        let port = self.probe_key(table, "port", &at).and_then(|v| self.port_fact(v, values));
        let outcome = self
            .probe_key(table, "outcome", &at)
            .and_then(|v| self.choice(v, "outcome", "probe outcome", ProbeOutcome::NAMES))
            .and_then(ProbeOutcome::from_name);
        let udp = match table.get("kind") {
            None => Some(false),
            Some(value) => {
                self.choice(value, "kind", "probe kind", &["tcp", "udp"]).map(|k| k == "udp")
            }
        };
        Some(Probe { from: from?, udp: udp?, address: address?, port: port?, outcome: outcome? })
    }

    /// The value at `key` of a probe, which must be there (reported at `at` when missing).
    fn probe_key<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        key: &str,
        at: &Range<usize>,
    ) -> Option<&'t Spanned<DeValue<'i>>> {
        let value = table.get(key);
        if value.is_none() {
            self.report.at(at.clone(), t!("lesson.missing_key", key = key, place = "probe"));
        }
        value
    }

    /// A string that must be one of `known` (a `what`, at `key`).
    fn choice<'v>(
        &mut self,
        value: &'v Spanned<DeValue<'_>>,
        key: &str,
        what: &str,
        known: &[&str],
    ) -> Option<&'v str> {
        let listed = known.join(", ");
        let message = match value.get_ref().as_str() {
            Some(name) if known.contains(&name) => return Some(name),
            Some(name) => t!("lesson.unknown_name", what = what, name = name, known = listed),
            None => t!("lesson.wrong_type", key = key, expected = format!("one of: {listed}")),
        };
        self.report.at(value.span(), message);
        None
    }

    /// The lesson's exercises (none when it has no `[[exercises]]`).
    pub(super) fn exercises(
        &mut self,
        root: &DeTable<'_>,
        values: &Values,
    ) -> Option<Vec<Exercise>> {
        let items = self.tables(root, "exercises", "[[exercises]]")?;
        let mut built = Vec::new();
        let mut complete = true;
        for (table, span) in items {
            match self.exercise(table, &span, values) {
                Some(exercise) => built.push(exercise),
                None => complete = false,
            }
        }
        complete.then_some(built)
    }

    /// One exercise; its `expect` facts must describe a socket that can exist and be found.
    fn exercise(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        values: &Values,
    ) -> Option<Exercise> {
        self.unknown_keys(table.iter(), EXERCISE_KEYS, "exercise");
        let id = self.required_id(table, span, "exercise");
        let title = self.required_text(table, "title", span, "exercise");
        let task = self.required_text_with_values(table, "task", span, "exercise", values);
        let explain = self.optional_text_with_values(table, "explain", values);
        let hints = self.texts(table, "hints", span, "exercise", values);
        let solution = self.command_lines(table, "solution", span, "exercise", values);
        let needs = self.needs(table);
        let expect = match table.get("expect") {
            Some(value) => self.facts(value, "expect", values, FactsRole::Expect),
            None => {
                self.report.at(
                    span.start..span.start,
                    t!("lesson.missing_key", key = "expect", place = "exercise"),
                );
                None
            }
        };
        let mistakes = self.mistakes(table, values);
        let host = table.get("host").map(|value| self.host_name(value, "host"));
        let probe = table.get("probe").map(|value| self.probe(value, values));
        let absent = match table.get("absent") {
            None => Some(false),
            Some(value) => {
                let absent = value.get_ref().as_bool();
                if absent.is_none() {
                    let message =
                        t!("lesson.wrong_type", key = "absent", expected = "true or false");
                    self.report.at(value.span(), message);
                }
                absent
            }
        };
        Some(Exercise {
            id: id?,
            title: title?,
            task: task?,
            hints: hints?,
            solution: solution?.into_iter().map(|(text, _)| text).collect(),
            explain,
            needs: needs?,
            expect: expect?,
            mistakes: mistakes?,
            host: match host {
                Some(host) => Some(host?),
                None => None,
            },
            probe: match probe {
                Some(probe) => Some(probe?),
                None => None,
            },
            absent: absent?,
        })
    }

    /// An exercise's `[[exercises.mistakes]]` (none when absent): each a `when` table of facts
    /// and what to `say`.
    fn mistakes(&mut self, table: &DeTable<'_>, values: &Values) -> Option<Vec<Mistake>> {
        let items = self.tables(table, "mistakes", "[[exercises.mistakes]]")?;
        let mut built = Vec::new();
        let mut complete = true;
        for (rule, span) in items {
            self.unknown_keys(rule.iter(), MISTAKE_KEYS, "mistake");
            let when = match rule.get("when") {
                Some(value) => self.facts(value, "when", values, FactsRole::When),
                None => {
                    self.report.at(
                        span.start..span.start,
                        t!("lesson.missing_key", key = "when", place = "mistake"),
                    );
                    None
                }
            };
            let say = self.required_text_with_values(rule, "say", &span, "mistake", values);
            match (when, say) {
                (Some(when), Some(say)) => built.push(Mistake { when, say }),
                _ => complete = false,
            }
        }
        complete.then_some(built)
    }
}

#[cfg(test)]
mod tests {
    use crate::lesson::exercise::{Facts, Family, PortRef, SocketKind, State};
    use crate::lesson::format::parse;
    use crate::lesson::format::tests::{HEAD, problems};

    const GOOD: &str = r#"
[[exercises]]
id = "v6only"
title = "IPv6 only"
task = "Listen on {ex}."
hints = ["nudge", "`socat TCP6-LISTEN:{ex},ipv6only=1,fork /dev/null`"]
solution = ["socat TCP6-LISTEN:{ex},ipv6only=1,fork /dev/null &"]
needs = ["ipv6"]
expect = { kind = "tcp", family = "ipv6", address = "::", port = "{ex}", state = "listening", ipv6only = true }

[[exercises.mistakes]]
when = { ipv6only = false }
say = "add ipv6only=1"

[[exercises]]
id = "private"
title = "Private"
task = "Make {private}."
hints = ["`socat UNIX-RECVFROM:{private},fork /dev/null` and `chmod 600 {private}`"]
solution = ["socat UNIX-RECVFROM:{private},fork /dev/null &", "chmod 600 {private}"]
expect = { kind = "unix-datagram", path = "{private}", mode = "0600", owner = "you" }
"#;

    #[test]
    fn reads_exercises() {
        let lesson = parse("l.toml", &format!("{HEAD}{GOOD}")).unwrap();
        let [v6only, private] = &lesson.exercises[..] else { panic!("{:?}", lesson.exercises) };
        assert_eq!(
            v6only.expect,
            Facts {
                kind: Some(SocketKind::Tcp),
                family: Some(Family::Ipv6),
                address: Some("::".parse().unwrap()),
                port: Some(PortRef::Value("ex".into())),
                state: Some(State::Listening),
                ipv6only: Some(true),
                ..Facts::default()
            }
        );
        assert_eq!(v6only.mistakes[0].when.ipv6only, Some(false));
        assert_eq!(private.expect.mode, Some(0o600));
        assert_eq!(private.solution.len(), 2);
    }

    #[test]
    fn reports_every_problem_of_an_exercise_with_its_position() {
        let bad = r#"
[[exercises]]
id = "look"
title = "Bad"
task = "Use {nope}."
hints = []
solution = ["netstat -ln"]
expect = { kind = "unix-stream", port = "{ex}", colour = "red", mode = "rw-------" }
"#;
        let found = problems(bad);
        let expect = [
            "l.toml:17:6: the id `look` is already used at 12:6",
            "l.toml:19:13: `{nope}` is not a value",
            "l.toml:20:9: `hints` is empty",
            "l.toml:21:14: `netstat` is not a command",
            "l.toml:22:49: `colour` is not a fact",
            "l.toml:22:72: `mode` must be the permission bits",
        ];
        for wanted in expect {
            assert!(
                found.iter().any(|p| p.starts_with(wanted)),
                "missing {wanted:?} in {found:#?}"
            );
        }
        assert_eq!(found.len(), expect.len(), "{found:#?}");
    }
}
