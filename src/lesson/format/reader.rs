//! What every part of the lesson reader shares: walking toml's span-keeping tables by hand
//! and recording each problem at its file:line:column.
//!
//! A [`Reader`] carries the file's [`Report`]; a problem is recorded and reading goes on, so
//! that an author sees every problem of a file at once. Its helpers read a key as one kind
//! of value (a text, an id, a list of texts, command lines, the host's needs), report a
//! missing key, a wrong type or an unknown key with the keys and values allowed, and check
//! that every `{value}` a text names is declared by the lesson. The parts of the format
//! (header, values, steps, exercises, facts, quizzes) each add their own methods to it.

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::lesson::command::{self, Invocation};
use crate::lesson::diagnostic::Report;
use crate::lesson::step::Need;
use crate::lesson::values::{self, Values};
use crate::t;

type Entry<'a> = (&'a Spanned<Cow<'a, str>>, &'a Spanned<DeValue<'a>>);

/// Reads one lesson file, recording its problems.
pub(super) struct Reader<'a> {
    pub(super) report: Report<'a>,
}

impl Reader<'_> {
    /// Reports every key of `entries` that is not one of `known` (in a `place`: "lesson",
    /// "step"…), naming the keys allowed.
    pub(super) fn unknown_keys<'a>(
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

    /// The value as a string; another type is reported.
    pub(super) fn text_of<'v>(
        &mut self,
        value: &'v Spanned<DeValue<'_>>,
        key: &str,
    ) -> Option<&'v str> {
        let text = value.get_ref().as_str();
        if text.is_none() {
            self.report.at(value.span(), t!("lesson.wrong_type", key = key, expected = "a string"));
        }
        text
    }

    /// The non-empty string at `key`, which must be there.
    pub(super) fn required_text(
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

    /// The string at `key`, empty when absent.
    pub(super) fn optional_text(&mut self, table: &DeTable<'_>, key: &str) -> String {
        table.get(key).and_then(|value| self.text_of(value, key)).unwrap_or_default().to_owned()
    }

    /// The `id`, which must be there: lowercase letters, digits and hyphens, starting with a
    /// letter.
    pub(super) fn required_id(
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

    /// Byte `offset` as `line:column`, for a message that points back to an earlier place.
    pub(super) fn position_text(&self, offset: usize) -> String {
        let position = self.report.position(offset);
        format!("{}:{}", position.line, position.column)
    }

    /// What a step, an exercise or a quiz needs from the host (none when `needs` is absent).
    pub(super) fn needs(&mut self, table: &DeTable<'_>) -> Option<Vec<Need>> {
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
    pub(super) fn references(&mut self, span: Range<usize>, text: &str, values: &Values) {
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

    /// The tables of an optional array of tables.
    pub(super) fn tables<'t>(
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

    /// A required text whose `{value}` names must be declared.
    pub(super) fn required_text_with_values(
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
    pub(super) fn optional_text_with_values(
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
    pub(super) fn texts(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        values: &Values,
    ) -> Option<Vec<String>> {
        let expected = "an array of strings";
        self.strings(table, key, span, place, expected, |reader, at, text| {
            if text.trim().is_empty() {
                reader.report.at(at, t!("lesson.empty", key = key));
                return None;
            }
            reader.references(at, text, values);
            Some(text.to_owned())
        })
    }

    /// A required, non-empty array of command lines, each parsed as a step's would be.
    pub(super) fn command_lines(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        values: &Values,
    ) -> Option<Vec<(String, Invocation)>> {
        let expected = "an array of command lines";
        self.strings(table, key, span, place, expected, |reader, at, text| {
            reader.command_line(at, text, values)
        })
    }

    /// The required, non-empty array of strings at `key`, each read by `read` (which reports
    /// its own problems and gives nothing for a bad one); every problem is reported, and the
    /// array is whole only when every item read.
    fn strings<T>(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        span: &Range<usize>,
        place: &str,
        expected: &str,
        mut read: impl FnMut(&mut Self, Range<usize>, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let (value, array) = self.required_array(table, key, span, place, expected)?;
        let mut items = Vec::new();
        let mut complete = true;
        for item in array.iter() {
            let Some(text) = item.get_ref().as_str() else {
                self.report
                    .at(item.span(), t!("lesson.wrong_type", key = key, expected = expected));
                complete = false;
                continue;
            };
            match read(self, item.span(), text) {
                Some(read) => items.push(read),
                None => complete = false,
            }
        }
        if items.is_empty() && complete {
            self.report.at(value.span(), t!("lesson.empty", key = key));
            return None;
        }
        complete.then_some(items)
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
}
