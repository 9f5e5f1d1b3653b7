//! Reading a lesson's `[[exercises]]` and `[[quizzes]]`, with the same care as its steps:
//! every problem at its line and column, all of them at once.
//!
//! Beyond the types of each key, this checks what would make an exercise impossible to
//! check: a fact socklab does not know, a Unix socket asked for by port, a datagram socket
//! asked to listen, a `{value}` the lesson does not declare, a solution line socklab cannot
//! run, a quiz whose answer is not one of its choices.

use std::borrow::Cow;
use std::net::IpAddr;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::Reader;
use crate::lesson::command::{self, Invocation};
use crate::lesson::exercise::{
    Exercise, Facts, Family, Mistake, Outcome, Owner, PortRef, Probe, ProbeOutcome, Quiz, QuizKind,
    SocketKind, State,
};
use crate::lesson::values::Values;
use crate::t;

const EXERCISE_KEYS: &[&str] = &[
    "id", "title", "task", "hints", "solution", "explain", "needs", "expect", "mistakes", "host",
    "probe", "absent",
];
const PROBE_KEYS: &[&str] = &["from", "kind", "address", "port", "outcome"];
const MISTAKE_KEYS: &[&str] = &["when", "say"];
const QUIZ_KEYS: &[&str] = &[
    "id", "title", "question", "choices", "answer", "setup", "run", "outcomes", "explain", "needs",
];

/// Whether a fact table is what an exercise expects, or the condition of a mistake rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FactsRole {
    Expect,
    When,
}

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

    /// The lesson's quizzes (none when it has no `[[quizzes]]`).
    pub(super) fn quizzes(&mut self, root: &DeTable<'_>, values: &Values) -> Option<Vec<Quiz>> {
        let items = self.tables(root, "quizzes", "[[quizzes]]")?;
        let mut built = Vec::new();
        let mut complete = true;
        for (table, span) in items {
            match self.quiz(table, &span, values) {
                Some(quiz) => built.push(quiz),
                None => complete = false,
            }
        }
        complete.then_some(built)
    }

    /// Reports an exercise or quiz id that a step, an exercise or a quiz already has: they
    /// share one name space, since progress and `socklab check` name them by id alone.
    pub(super) fn unique_ids(&mut self, root: &DeTable<'_>) {
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (key, checked_before) in [("steps", true), ("exercises", false), ("quizzes", false)] {
            let Some(array) = root.get(key).and_then(|v| v.get_ref().as_array()) else { continue };
            for item in array.iter() {
                let Some(id) = item.get_ref().as_table().and_then(|t| t.get("id")) else {
                    continue;
                };
                let Some(text) = id.get_ref().as_str() else { continue };
                let first = seen.get(text).copied();
                match first {
                    // Duplicates among steps are reported by the steps' own check.
                    Some(_) if checked_before => {}
                    Some(at) => {
                        let first = self.position_text(at);
                        self.report
                            .at(id.span(), t!("lesson.duplicate_id", id = text, first = first));
                    }
                    None => {
                        seen.insert(text, id.span().start);
                    }
                }
            }
        }
    }

    /// The tables of an optional array of tables.
    fn tables<'t>(
        &mut self,
        root: &'t DeTable<'t>,
        key: &str,
        shape: &str,
    ) -> Option<Vec<(&'t DeTable<'t>, Range<usize>)>> {
        let Some(value) = root.get(key) else { return Some(Vec::new()) };
        let expected = format!("an array of tables ({shape})");
        let Some(array) = value.get_ref().as_array() else {
            self.report.at(value.span(), t!("lesson.wrong_type", key = key, expected = expected));
            return None;
        };
        let mut tables = Vec::new();
        let mut complete = true;
        for item in array.iter() {
            match item.get_ref().as_table() {
                Some(table) => tables.push((table, item.span())),
                None => {
                    self.report
                        .at(item.span(), t!("lesson.wrong_type", key = key, expected = "a table"));
                    complete = false;
                }
            }
        }
        complete.then_some(tables)
    }

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

    fn quiz(&mut self, table: &DeTable<'_>, span: &Range<usize>, values: &Values) -> Option<Quiz> {
        self.unknown_keys(table.iter(), QUIZ_KEYS, "quiz");
        let id = self.required_id(table, span, "quiz");
        let title = self.required_text(table, "title", span, "quiz");
        let question = self.required_text_with_values(table, "question", span, "quiz", values);
        let explain = self.optional_text_with_values(table, "explain", values);
        let choices = self.texts(table, "choices", span, "quiz", values);
        if let (Some(choices), Some(value)) = (&choices, table.get("choices"))
            && choices.len() < 2
        {
            self.report.at(value.span(), t!("lesson.too_few_choices"));
        }
        let needs = self.needs(table);
        let count = choices.as_ref().map(Vec::len);
        let kind = match (table.get("answer"), table.get("run")) {
            (Some(_), Some(run)) => {
                self.report.at(run.span(), t!("lesson.answer_and_run"));
                None
            }
            (None, None) => {
                self.report.at(span.start..span.start, t!("lesson.answer_or_run"));
                None
            }
            (Some(answer), None) => {
                for key in ["setup", "outcomes"] {
                    if let Some(value) = table.get(key) {
                        self.report.at(value.span(), t!("lesson.only_with_run", key = key));
                    }
                }
                self.answer(answer, count).map(|answer| QuizKind::Choice { answer })
            }
            (None, Some(run)) => self.prediction(table, span, run, count, values),
        };
        Some(Quiz {
            id: id?,
            title: title?,
            question: question?,
            choices: choices.filter(|c| c.len() >= 2)?,
            explain,
            needs: needs?,
            kind: kind?,
        })
    }

    fn answer(&mut self, value: &Spanned<DeValue<'_>>, count: Option<usize>) -> Option<usize> {
        let number = value.get_ref().as_integer().and_then(|i| i.as_str().parse::<usize>().ok());
        let count = count?;
        match number {
            Some(n) if (1..=count).contains(&n) => Some(n - 1),
            _ => {
                self.report.at(value.span(), t!("lesson.bad_answer", count = count));
                None
            }
        }
    }

    fn prediction(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        run: &Spanned<DeValue<'_>>,
        count: Option<usize>,
        values: &Values,
    ) -> Option<QuizKind> {
        let setup = match table.get("setup") {
            Some(_) => self.command_lines(table, "setup", span, "quiz", values),
            None => Some(Vec::new()),
        };
        let run_text = self.text_of(run, "run").map(str::to_owned);
        let run_line = run_text.and_then(|text| {
            let (text, invocation) = self.command_line(run.span(), &text, values)?;
            if matches!(invocation, Invocation::Listen(_)) {
                self.report.at(run.span(), t!("lesson.run_is_listener"));
                return None;
            }
            Some(text)
        });
        let outcomes = match table.get("outcomes") {
            Some(value) => self.outcomes(value, count),
            None => {
                self.report.at(
                    span.start..span.start,
                    t!("lesson.missing_key", key = "outcomes", place = "quiz"),
                );
                None
            }
        };
        Some(QuizKind::Predict {
            setup: setup?.into_iter().map(|(text, _)| text).collect(),
            run: run_line?,
            outcomes: outcomes?,
        })
    }

    fn outcomes(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        count: Option<usize>,
    ) -> Option<Vec<Outcome>> {
        let expected = "an array of outcomes (\"succeeds\" or \"fails\"), one per choice";
        let Some(array) = value.get_ref().as_array() else {
            self.report
                .at(value.span(), t!("lesson.wrong_type", key = "outcomes", expected = expected));
            return None;
        };
        let mut outcomes = Vec::new();
        let mut complete = true;
        for item in array.iter() {
            match item.get_ref().as_str().map(|name| (name, Outcome::from_name(name))) {
                Some((_, Some(outcome))) => outcomes.push(outcome),
                Some((name, None)) => {
                    self.report.at(
                        item.span(),
                        t!(
                            "lesson.unknown_name",
                            what = "outcome",
                            name = name,
                            known = Outcome::NAMES.join(", ")
                        ),
                    );
                    complete = false;
                }
                None => {
                    self.report.at(
                        item.span(),
                        t!("lesson.wrong_type", key = "outcomes", expected = expected),
                    );
                    complete = false;
                }
            }
        }
        if complete && count.is_some_and(|count| count != outcomes.len()) {
            self.report.at(
                value.span(),
                t!(
                    "lesson.outcomes_count",
                    outcomes = outcomes.len(),
                    choices = count.unwrap_or(0)
                ),
            );
            return None;
        }
        complete.then_some(outcomes)
    }

    /// A required text whose `{value}` names must be declared.
    fn required_text_with_values(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        values: &Values,
    ) -> Option<String> {
        let text = self.required_text(table, key, span, place)?;
        if let Some(value) = table.get(key) {
            self.references(value.span(), &text, values);
        }
        Some(text)
    }

    /// An optional text (empty when absent) whose `{value}` names must be declared.
    fn optional_text_with_values(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        values: &Values,
    ) -> String {
        let text = self.optional_text(table, key);
        if let Some(value) = table.get(key) {
            self.references(value.span(), &text, values);
        }
        text
    }

    /// The array at `key`, which must be there; a missing key or another type is reported.
    fn required_array<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        expected: &str,
    ) -> Option<(&'t Spanned<DeValue<'i>>, &'t DeArray<'i>)> {
        let Some(value) = table.get(key) else {
            self.report
                .at(span.start..span.start, t!("lesson.missing_key", key = key, place = place));
            return None;
        };
        let Some(array) = value.get_ref().as_array() else {
            self.report.at(value.span(), t!("lesson.wrong_type", key = key, expected = expected));
            return None;
        };
        Some((value, array))
    }

    /// A required, non-empty array of strings, each checked for `{value}` names.
    fn texts(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        values: &Values,
    ) -> Option<Vec<String>> {
        let (value, array) = self.required_array(table, key, span, place, "an array of strings")?;
        let mut texts = Vec::new();
        let mut complete = true;
        for item in array.iter() {
            match item.get_ref().as_str() {
                Some(text) if !text.trim().is_empty() => {
                    self.references(item.span(), text, values);
                    texts.push(text.to_owned());
                }
                Some(_) => {
                    self.report.at(item.span(), t!("lesson.empty", key = key));
                    complete = false;
                }
                None => {
                    self.report.at(
                        item.span(),
                        t!("lesson.wrong_type", key = key, expected = "an array of strings"),
                    );
                    complete = false;
                }
            }
        }
        if texts.is_empty() && complete {
            self.report.at(value.span(), t!("lesson.empty", key = key));
            return None;
        }
        complete.then_some(texts)
    }

    /// A required, non-empty array of command lines, each parsed as a step's would be.
    fn command_lines(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        values: &Values,
    ) -> Option<Vec<(String, Invocation)>> {
        let expected = "an array of command lines";
        let (value, array) = self.required_array(table, key, span, place, expected)?;
        let mut lines = Vec::new();
        let mut complete = true;
        for item in array.iter() {
            let Some(text) = item.get_ref().as_str() else {
                self.report
                    .at(item.span(), t!("lesson.wrong_type", key = key, expected = expected));
                complete = false;
                continue;
            };
            match self.command_line(item.span(), text, values) {
                Some(line) => lines.push(line),
                None => complete = false,
            }
        }
        if lines.is_empty() && complete {
            self.report.at(value.span(), t!("lesson.empty", key = key));
            return None;
        }
        complete.then_some(lines)
    }

    /// One command line: its `{value}` names declared, and the line parsed by the engine. A
    /// step's `run`, an exercise's solution and a quiz's setup and run are all read this way.
    pub(super) fn command_line(
        &mut self,
        span: Range<usize>,
        text: &str,
        values: &Values,
    ) -> Option<(String, Invocation)> {
        self.references(span.clone(), text, values);
        match command::parse_template(text, &values.as_written()) {
            Ok(parsed) => Some((text.to_owned(), parsed.invocation)),
            Err(err) => {
                match &err.word {
                    Some(word) => self.report.within(span, word, err.message),
                    None => self.report.at(span, err.message),
                }
                None
            }
        }
    }

    fn facts(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        key: &str,
        values: &Values,
        role: FactsRole,
    ) -> Option<Facts> {
        let Some(table) = value.get_ref().as_table() else {
            self.report.at(
                value.span(),
                t!("lesson.wrong_type", key = key, expected = "a table of facts"),
            );
            return None;
        };
        let mut facts = Facts::default();
        let mut complete = true;
        for (name, fact) in table.iter() {
            if !self.fact(name, fact, values, role, &mut facts) {
                complete = false;
            }
        }
        if !complete {
            return None;
        }
        match role {
            FactsRole::Expect => self.consistent(&facts, value.span()).then_some(facts),
            FactsRole::When if table.iter().next().is_none() => {
                self.report.at(value.span(), t!("lesson.empty", key = key));
                None
            }
            FactsRole::When => Some(facts),
        }
    }

    /// Reads one fact into `facts`; false when it is not right.
    fn fact(
        &mut self,
        name: &Spanned<Cow<'_, str>>,
        fact: &Spanned<DeValue<'_>>,
        values: &Values,
        role: FactsRole,
        facts: &mut Facts,
    ) -> bool {
        let key = name.get_ref().as_ref();
        let span = fact.span();
        let text = fact.get_ref().as_str();
        let named = |this: &mut Self, known: &[&str], what: &str| {
            let Some(text) = text else {
                let expected = format!("one of: {}", known.join(", "));
                this.report
                    .at(span.clone(), t!("lesson.wrong_type", key = key, expected = expected));
                return None;
            };
            if !known.contains(&text) {
                this.report.at(
                    span.clone(),
                    t!("lesson.unknown_name", what = what, name = text, known = known.join(", ")),
                );
                return None;
            }
            Some(text)
        };
        match key {
            "kind" => {
                facts.kind =
                    named(self, SocketKind::NAMES, "socket kind").and_then(SocketKind::from_name);
                facts.kind.is_some()
            }
            "family" => {
                facts.family =
                    named(self, Family::NAMES, "address family").and_then(Family::from_name);
                facts.family.is_some()
            }
            "state" => {
                facts.state = named(self, State::NAMES, "state").and_then(State::from_name);
                facts.state.is_some()
            }
            "owner" => {
                facts.owner = named(self, Owner::NAMES, "owner").and_then(Owner::from_name);
                facts.owner.is_some()
            }
            "address" => {
                facts.address = text.and_then(|text| text.parse::<IpAddr>().ok());
                if facts.address.is_none() {
                    self.report.at(span, t!("lesson.bad_address"));
                }
                facts.address.is_some()
            }
            "ipv6only" => {
                facts.ipv6only = fact.get_ref().as_bool();
                if facts.ipv6only.is_none() {
                    self.report
                        .at(span, t!("lesson.wrong_type", key = key, expected = "true or false"));
                }
                facts.ipv6only.is_some()
            }
            "backlog" => {
                facts.backlog =
                    fact.get_ref().as_integer().and_then(|i| i.as_str().parse::<u32>().ok());
                if facts.backlog.is_none() {
                    self.report
                        .at(span, t!("lesson.wrong_type", key = key, expected = "a whole number"));
                }
                facts.backlog.is_some()
            }
            "mode" => {
                facts.mode = text.filter(|t| (3..=4).contains(&t.len())).and_then(|t| {
                    u32::from_str_radix(t, 8).ok().filter(|_| t.chars().all(|c| c.is_digit(8)))
                });
                if facts.mode.is_none() {
                    self.report.at(span, t!("lesson.bad_mode"));
                }
                facts.mode.is_some()
            }
            "port" | "path" if role == FactsRole::When => {
                self.report.at(name.span(), t!("lesson.when_target", key = key));
                false
            }
            "port" => {
                facts.port = self.port_fact(fact, values);
                facts.port.is_some()
            }
            "path" => {
                facts.path = text.map(str::to_owned);
                match text {
                    None => {
                        self.report
                            .at(span, t!("lesson.wrong_type", key = key, expected = "a string"));
                        false
                    }
                    Some(path) if !path.starts_with('/') && !path.starts_with('{') => {
                        self.report.at(span, t!("lesson.path_not_absolute", path = path));
                        false
                    }
                    Some(path) => {
                        self.references(span, path, values);
                        true
                    }
                }
            }
            _ => {
                self.report.at(
                    name.span(),
                    t!("lesson.unknown_fact", name = key, known = Facts::NAMES.join(", ")),
                );
                false
            }
        }
    }

    fn port_fact(&mut self, fact: &Spanned<DeValue<'_>>, values: &Values) -> Option<PortRef> {
        if let Some(number) = fact.get_ref().as_integer() {
            let port = number.as_str().parse::<u16>().ok().map(PortRef::Number);
            if port.is_none() {
                self.report.at(fact.span(), t!("lesson.bad_port", key = "port"));
            }
            return port;
        }
        let name = fact
            .get_ref()
            .as_str()
            .and_then(|text| text.strip_prefix('{'))
            .and_then(|text| text.strip_suffix('}'));
        match name {
            Some(name) if values.ports.iter().any(|p| p.name == name) => {
                Some(PortRef::Value(name.to_owned()))
            }
            Some(name) => {
                let known: Vec<&str> = values.ports.iter().map(|p| p.name.as_str()).collect();
                self.report.at(
                    fact.span(),
                    t!("lesson.unknown_port_value", name = name, known = known.join(", ")),
                );
                None
            }
            None => {
                self.report.at(fact.span(), t!("lesson.bad_port_fact"));
                None
            }
        }
    }

    /// Whether an exercise's expected facts describe a socket that can exist and be found.
    fn consistent(&mut self, facts: &Facts, span: Range<usize>) -> bool {
        let before = self.report.problems.len();
        let Some(kind) = facts.kind else {
            self.report.at(span, t!("lesson.missing_key", key = "kind", place = "expect table"));
            return false;
        };
        if kind == SocketKind::UnixSeqpacket {
            self.report.at(span.clone(), t!("lesson.seqpacket_not_checked"));
        }
        let (needed, stray) = if kind.is_unix() {
            (
                facts.path.is_none().then(|| t!("lesson.needs_path", kind = kind.name())),
                facts.port.is_some().then(|| t!("lesson.no_port_for_unix", kind = kind.name())),
            )
        } else {
            (
                facts.port.is_none().then(|| t!("lesson.needs_port", kind = kind.name())),
                facts.path.is_some().then(|| t!("lesson.no_path_for_inet", kind = kind.name())),
            )
        };
        for problem in needed.into_iter().chain(stray) {
            self.report.at(span.clone(), problem);
        }
        if kind.is_unix() {
            let inet_only = [
                ("family", facts.family.is_some()),
                ("address", facts.address.is_some()),
                ("ipv6only", facts.ipv6only.is_some()),
            ];
            for (key, given) in inet_only {
                if given {
                    self.report.at(span.clone(), t!("lesson.inet_fact_for_unix", key = key));
                }
            }
        } else if facts.mode.is_some() {
            self.report.at(span.clone(), t!("lesson.mode_needs_path"));
        }
        if let (Some(family), Some(address)) = (facts.family, facts.address)
            && Family::of(address) != family
        {
            self.report.at(span.clone(), t!("lesson.family_differs", family = family.name()));
        }
        let family = facts.family.or(facts.address.map(Family::of));
        if facts.ipv6only.is_some() && family != Some(Family::Ipv6) {
            self.report.at(span.clone(), t!("lesson.ipv6only_needs_ipv6"));
        }
        if facts.state == Some(State::Listening) && !kind.has_backlog() {
            self.report.at(span.clone(), t!("lesson.datagram_never_listens", kind = kind.name()));
        }
        if facts.backlog.is_some() && (!kind.has_backlog() || facts.state != Some(State::Listening))
        {
            self.report.at(span, t!("lesson.backlog_needs_listener"));
        }
        self.report.problems.len() == before
    }
}

#[cfg(test)]
mod tests {
    use crate::lesson::exercise::{Facts, Family, Outcome, PortRef, QuizKind, SocketKind, State};
    use crate::lesson::format::parse;

    const HEAD: &str = r#"format_version = 1
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

[[quizzes]]
id = "predict"
title = "Predict"
question = "Will it connect?"
choices = ["yes", "no"]
setup = ["socat TCP6-LISTEN:{ex},ipv6only=1,fork /dev/null &"]
run = "nc -4 -vz 127.0.0.1 {ex}"
outcomes = ["succeeds", "fails"]

[[quizzes]]
id = "choose"
title = "Choose"
question = "Which?"
choices = ["a", "b", "c"]
answer = 3
"#;

    #[test]
    fn reads_exercises_and_quizzes() {
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
        assert_eq!(
            lesson.quizzes[0].kind,
            QuizKind::Predict {
                setup: vec!["socat TCP6-LISTEN:{ex},ipv6only=1,fork /dev/null &".into()],
                run: "nc -4 -vz 127.0.0.1 {ex}".into(),
                outcomes: vec![Outcome::Succeeds, Outcome::Fails],
            }
        );
        assert_eq!(lesson.quizzes[1].kind, QuizKind::Choice { answer: 2 });
    }

    fn problems(extra: &str) -> Vec<String> {
        parse("l.toml", &format!("{HEAD}{extra}"))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
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

    #[test]
    fn refuses_facts_that_cannot_describe_one_socket() {
        let cases = [
            (r#"{ kind = "unix-stream", port = "{ex}" }"#, "has a path, not a port"),
            (r#"{ kind = "tcp", path = "{private}" }"#, "is found by its port"),
            (r#"{ kind = "udp", port = 1, state = "listening" }"#, "never listens"),
            (
                r#"{ kind = "tcp", port = 1, family = "ipv4", ipv6only = true }"#,
                "only exists for IPv6",
            ),
            (
                r#"{ kind = "tcp", port = 1, family = "ipv4", address = "::1" }"#,
                "is not an ipv4 address",
            ),
            (r#"{ kind = "tcp", port = "{private}" }"#, "is not a port of this lesson"),
            (r#"{ kind = "datagram", port = 1 }"#, "`datagram` is not a socket kind"),
            (r#"{ kind = "tcp", port = 1, backlog = 5 }"#, "`backlog` is the queue"),
        ];
        for (facts, wanted) in cases {
            let exercise = format!(
                "\n[[exercises]]\nid = \"x\"\ntitle = \"X\"\ntask = \"t\"\nhints = [\"h\"]\n\
                 solution = [\"ss -tln\"]\nexpect = {facts}\n"
            );
            let found = problems(&exercise);
            assert!(found.iter().any(|p| p.contains(wanted)), "{facts}: {found:#?}");
        }
    }

    #[test]
    fn reports_quiz_problems() {
        let cases = [
            ("choices = [\"a\", \"b\"]\nanswer = 3", "from 1 to 2"),
            ("choices = [\"a\"]\nanswer = 1", "at least two choices"),
            (
                "choices = [\"a\", \"b\"]\nrun = \"ss -tln\"\noutcomes = [\"fails\"]",
                "1 outcomes for 2",
            ),
            (
                "choices = [\"a\", \"b\"]\nrun = \"ss -tln\"\noutcomes = [\"fails\", \"hangs\"]",
                "`hangs` is not a outcome",
            ),
            (
                "choices = [\"a\", \"b\"]\nrun = \"socat TCP4-LISTEN:{ex} /dev/null &\"\noutcomes = [\"fails\", \"succeeds\"]",
                "start listeners in `setup`",
            ),
            ("choices = [\"a\", \"b\"]\nanswer = 1\nrun = \"ss\"", "not both"),
            (
                "choices = [\"a\", \"b\"]\nanswer = 1\noutcomes = [\"fails\", \"fails\"]",
                "belongs to a predict-then-run quiz",
            ),
        ];
        for (body, wanted) in cases {
            let quiz =
                format!("\n[[quizzes]]\nid = \"q\"\ntitle = \"Q\"\nquestion = \"?\"\n{body}\n");
            let found = problems(&quiz);
            assert!(found.iter().any(|p| p.contains(wanted)), "{body}: {found:#?}");
        }
    }
}
