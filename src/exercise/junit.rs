//! JUnit XML for `socklab check --format junit`: one `<testsuite>` per lesson, one
//! `<testcase>` per exercise, as CI systems and classroom graders read it.
//!
//! A failed check is a `<failure>` (the student's business), a check socklab could not make
//! an `<error>` (the environment's), an exercise the host cannot run `<skipped>`. Every text
//! is escaped, and characters XML 1.0 cannot carry at all are dropped.

use std::fmt::Write as _;

use super::check::CheckResult;
use super::graded::{Checked, Student};

/// Text made safe for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters, not even as references.
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML document for `student`'s checked exercises, in the order given: each suite
/// names the host (`hostname`) and carries the user, uid and host as properties.
pub fn render(checked: &[Checked<'_>], student: &Student) -> String {
    let mut suites: Vec<(&str, Vec<&Checked<'_>>)> = Vec::new();
    for item in checked {
        match suites.iter_mut().find(|(lesson, _)| *lesson == item.lesson.id) {
            Some((_, cases)) => cases.push(item),
            None => suites.push((&item.lesson.id, vec![item])),
        }
    }
    let counts = |cases: &[&Checked<'_>]| {
        let count = |f: fn(&CheckResult) -> bool| cases.iter().filter(|c| f(&c.result)).count();
        (
            cases.len(),
            count(|r| matches!(r, CheckResult::Fail { .. })),
            count(|r| matches!(r, CheckResult::Error { .. })),
            count(|r| matches!(r, CheckResult::Skipped { .. })),
            cases.iter().map(|c| c.seconds).sum::<f64>(),
        )
    };
    let all: Vec<&Checked<'_>> = checked.iter().collect();
    let (tests, failures, errors, skipped, time) = counts(&all);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"socklab\" tests=\"{tests}\" failures=\"{failures}\" \
         errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">"
    );
    for (lesson, cases) in &suites {
        let (tests, failures, errors, skipped, time) = counts(cases);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" hostname=\"{}\" tests=\"{tests}\" failures=\"{failures}\" \
             errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
            escape(lesson),
            escape(&student.host)
        );
        out.push_str("    <properties>\n");
        let uid = student.uid.to_string();
        for (name, value) in [("user", &student.name), ("uid", &uid), ("host", &student.host)] {
            let _ = writeln!(out, "      <property name=\"{name}\" value=\"{}\"/>", escape(value));
        }
        out.push_str("    </properties>\n");
        for case in cases {
            testcase(&mut out, case);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, case: &Checked<'_>) {
    let open = format!(
        "    <testcase classname=\"socklab.{}\" name=\"{}\" time=\"{:.3}\"",
        escape(&case.lesson.id),
        escape(&case.exercise.id),
        case.seconds
    );
    let details = case.result.details();
    let first = details.first().cloned().unwrap_or_default();
    let body = escape(&details.join("\n"));
    let _ = match &case.result {
        CheckResult::Pass { .. } => writeln!(out, "{open}/>"),
        CheckResult::Fail { .. } => writeln!(
            out,
            "{open}>\n      <failure message=\"{}\" type=\"fail\">{body}</failure>\n    </testcase>",
            escape(&first)
        ),
        CheckResult::Error { .. } => writeln!(
            out,
            "{open}>\n      <error message=\"{}\" type=\"error\">{body}</error>\n    </testcase>",
            escape(&first)
        ),
        CheckResult::Skipped { reason } => writeln!(
            out,
            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
            escape(reason)
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_drops_what_xml_cannot_carry() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("bell\u{7} tab\t"), "bell tab\t");
    }
}
