//! A lesson's `[[steps]]`: each step's keys, its action (a command line parsed by the
//! engine's parsers, or a check socklab makes), its expected output, exit status and needs;
//! and, across the steps, unique ids, `fg` only after a background job, and a `released`
//! check after the last listener.

use std::collections::HashMap;
use std::collections::hash_map::Entry as Seen;
use std::ops::Range;

use toml::Spanned;
use toml::de::DeTable;

use super::reader::Reader;
use crate::lesson::command::Invocation;
use crate::lesson::step::{Action, Check, Step};
use crate::lesson::values::Values;
use crate::t;

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

impl Reader<'_> {
    /// The lesson's steps (at least one), with the checks across them: each id once, `fg` only
    /// with a background job before it, and a `released` check after the last listener.
    pub(super) fn steps(
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

    /// One step, with what its `run` line parses to, for the checks across steps.
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
            if let Some(problem) = crate::lesson::expect::limits(&text) {
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
}

#[cfg(test)]
mod tests {
    use crate::lesson::format::parse;
    use crate::lesson::format::tests::GOOD;

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
}
