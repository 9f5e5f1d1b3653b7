//! The lesson's top-level table: its format version, id and texts, whether it is an extra
//! lesson, and the parts it holds (values, steps, exercises, quizzes), read by the other
//! parts of the reader and put together into a [`Lesson`]. Also the rule that steps,
//! exercises and quizzes share one space of ids.

use std::ops::Range;

use toml::de::DeTable;

use super::reader::Reader;
use crate::lesson::model::Lesson;
use crate::t;

/// The newest lesson format this socklab reads.
pub const FORMAT_VERSION: i64 = 1;

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

impl Reader<'_> {
    /// The whole lesson from the top-level table `root` (spanning `whole`): its own keys,
    /// then each part; `None` when any part has a problem (all of them are reported).
    pub(super) fn lesson(&mut self, root: &DeTable<'_>, whole: Range<usize>) -> Option<Lesson> {
        self.unknown_keys(root.iter(), LESSON_KEYS, "lesson");
        match root.get("format_version") {
            None => self
                .report
                .at(0..0, t!("lesson.missing_key", key = "format_version", place = "lesson")),
            Some(value) => {
                match value.get_ref().as_integer().and_then(|i| i.as_str().parse::<i64>().ok()) {
                    Some(FORMAT_VERSION) => {}
                    Some(other) => self.report.at(
                        value.span(),
                        t!("lesson.format_version", found = other, supported = FORMAT_VERSION),
                    ),
                    None => self.report.at(
                        value.span(),
                        t!("lesson.wrong_type", key = "format_version", expected = "an integer"),
                    ),
                }
            }
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

    /// Reports an exercise or quiz id that a step, an exercise or a quiz already has: they
    /// share one name space, since progress and `socklab check` name them by id alone.
    fn unique_ids(&mut self, root: &DeTable<'_>) {
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
}

#[cfg(test)]
mod tests {
    use crate::lesson::format::parse;
    use crate::lesson::format::tests::GOOD;

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
}
