//! Expected output: what a step should print, matched field by field.
//!
//! A lesson writes the output the tutorial shows. Matching ignores column spacing: each line
//! is split into whitespace-separated fields and compared field by field. A line that is only
//! `...` (or the tutorial's `. . .`) matches any number of lines, including none. Inside a
//! field, `{?}` (or a named `{?inode}`, `{?pid}`: the name is only for the reader) matches
//! any text, for values the kernel decides; a last field `{?*}` matches the rest of the line,
//! however many fields (for text whose spacing splits it differently from one machine to the
//! next, such as stat's `Uid: (    0/    root)`). `{name}` is a lesson value, filled in before
//! matching.
//!
//! Matching never recurses and never backtracks more than a glob must: within a field, each
//! piece of text between wildcards is found at its leftmost place after the previous one;
//! across lines, each run of lines between `...` markers is placed at its leftmost fit. Either
//! is correct because a wildcard (or `...`) can always absorb what a later, leftmost choice
//! left over, so the work is at most the size of the pattern times the size of the output,
//! and usually linear. A lesson may still only ask for [`MAX_LINES`] lines and
//! [`MAX_WILDCARDS`] wildcards in a field ([`limits`]); the loader refuses more.

use std::fmt::Write as _;

/// One piece of an expected field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Wildcard,
}

/// One expected field: text and wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    pieces: Vec<Piece>,
    /// The texts between the wildcards (empty where two wildcards meet or at an end), as the
    /// matcher walks them.
    texts: Vec<String>,
}

/// One line of expected output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// `...`: any number of lines.
    Skip,
    /// Fields to match, with the line as written (for showing differences).
    Fields { fields: Vec<Field>, written: String },
}

/// Expected output, with the lesson's values already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    lines: Vec<Line>,
    /// Whether the lines may come in any order (ss lists sockets in the kernel's hash
    /// order, not in the order they were made).
    unordered: bool,
}

/// The most lines an expected output may have.
pub const MAX_LINES: usize = 1_000;
/// The most `{?}` wildcards one expected field may have.
pub const MAX_WILDCARDS: usize = 8;

/// What in `text` (an expected output) goes past the limits a lesson may ask for, if
/// anything: a message for the lesson's author.
pub fn limits(text: &str) -> Option<String> {
    let lines = text.lines().count();
    if lines > MAX_LINES {
        return Some(crate::t!("lesson.expect_too_long", lines = lines, max = MAX_LINES));
    }
    text.split_whitespace()
        .map(|word| (word, Field::parse(word).wildcards()))
        .find(|(_, count)| *count > MAX_WILDCARDS)
        .map(|(word, count)| {
            crate::t!("lesson.expect_wildcards", field = word, count = count, max = MAX_WILDCARDS)
        })
}

/// Whether a line of expected output is the skip marker.
pub fn is_skip_marker(line: &str) -> bool {
    let squeezed: String = line.split_whitespace().collect();
    squeezed == "..."
}

impl Expected {
    /// Parses expected output (values already substituted). Blank lines at either end are
    /// dropped; blank lines inside must match blank lines.
    pub fn parse(text: &str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let first = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(lines.len());
        let last = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(first, |i| i + 1);
        let lines = lines[first..last]
            .iter()
            .map(|line| {
                if is_skip_marker(line) {
                    Line::Skip
                } else {
                    Line::Fields {
                        fields: line.split_whitespace().map(Field::parse).collect(),
                        written: line.trim_end().to_owned(),
                    }
                }
            })
            .collect();
        Self { lines, unordered: false }
    }

    /// Lets the expected lines match in any order; a `...` anywhere then allows any number of
    /// other lines anywhere.
    #[must_use]
    pub fn in_any_order(mut self) -> Self {
        self.unordered = true;
        self
    }

    /// Whether `observed` matches.
    pub fn matches(&self, observed: &str) -> bool {
        let observed = observed_lines(observed);
        if self.unordered {
            let (missing, extra) = self.unordered_leftovers(&observed);
            return missing.is_empty() && (extra.is_empty() || self.has_skip());
        }
        // Runs of lines between `...` markers: the first is anchored at the start (unless a
        // marker comes first), the last at the end; each other one takes its leftmost fit.
        let runs: Vec<&[Line]> = self.lines.split(|line| *line == Line::Skip).collect();
        // Each observed line is split into fields once, when first looked at.
        let split: Vec<std::cell::OnceCell<Vec<&str>>> =
            observed.iter().map(|_| std::cell::OnceCell::new()).collect();
        let fields = |i: usize| split[i].get_or_init(|| observed[i].split_whitespace().collect());
        let fits = |run: &[Line], at: usize| {
            run.iter().enumerate().all(|(k, line)| fields_match(line, fields(at + k)))
        };
        let (first, middle) = runs.split_first().expect("split yields at least one run");
        let Some((last, middle)) = middle.split_last() else {
            // No marker: the run must be the whole output.
            return first.len() == observed.len() && fits(first, 0);
        };
        if first.len() + last.len() > observed.len() || !fits(first, 0) {
            return false;
        }
        let end = observed.len() - last.len();
        if !fits(last, end) {
            return false;
        }
        let mut at = first.len();
        for run in middle {
            let Some(found) = (at..=end.saturating_sub(run.len()))
                .find(|&i| i + run.len() <= end && fits(run, i))
            else {
                return false;
            };
            at = found + run.len();
        }
        at <= end
    }

    fn has_skip(&self) -> bool {
        self.lines.contains(&Line::Skip)
    }

    /// Pairs expected lines with observed ones regardless of order; returns the expected
    /// lines left without a partner and the observed lines nobody expected.
    fn unordered_leftovers<'o>(&self, observed: &[&'o str]) -> (Vec<&Line>, Vec<&'o str>) {
        let mut taken = vec![false; observed.len()];
        let mut missing = Vec::new();
        // Lines without wildcards first, so that a wildcard line cannot steal their partner.
        let mut wanted: Vec<&Line> = self.lines.iter().filter(|l| **l != Line::Skip).collect();
        wanted.sort_by_key(|line| match line {
            Line::Fields { fields, .. } => {
                fields.iter().any(|f| f.pieces.contains(&Piece::Wildcard))
            }
            Line::Skip => true,
        });
        for line in wanted {
            match (0..observed.len()).find(|&i| !taken[i] && line_matches(line, observed[i])) {
                Some(i) => taken[i] = true,
                None => missing.push(line),
            }
        }
        let extra = observed.iter().zip(&taken).filter(|(_, t)| !**t).map(|(o, _)| *o).collect();
        (missing, extra)
    }

    fn unordered_difference(&self, observed: &[&str]) -> String {
        let (missing, mut extra) = self.unordered_leftovers(observed);
        let mut out = String::new();
        for line in &missing {
            if let Line::Fields { written, .. } = line {
                let _ = writeln!(out, "- {written}");
                let nearest = (0..extra.len())
                    .max_by_key(|&i| likeness(line, extra[i]))
                    .filter(|&i| likeness(line, extra[i]) > 0);
                if let Some(i) = nearest {
                    let near = extra.remove(i);
                    let _ = writeln!(out, "+ {near}");
                    if let Some(marks) = field_marks(line, near) {
                        let _ = writeln!(out, "  {marks}");
                    }
                }
            }
        }
        if !self.has_skip() {
            for line in extra {
                let _ = writeln!(out, "+ {line}");
            }
        }
        out
    }

    /// A side-by-side account of where `observed` departs from this expectation: expected
    /// lines that found no match are marked `-` next to the nearest observed line `+`, with
    /// the differing fields underlined `^`; observed lines nobody expected are marked `+`.
    pub fn difference(&self, observed: &str) -> String {
        let observed = observed_lines(observed);
        if self.unordered {
            return self.unordered_difference(&observed);
        }
        let mut out = String::new();
        let mut o = 0;
        let mut after_skip = false;
        let pass_over = |out: &mut String, from: usize, to: usize, after_skip: bool| {
            if to <= from {
                return;
            }
            if after_skip {
                let _ = writeln!(out, "  {}", crate::t!("lesson.lines_skipped", count = to - from));
            } else {
                for extra in &observed[from..to] {
                    let _ = writeln!(out, "+ {extra}");
                }
            }
        };
        for line in &self.lines {
            let Line::Fields { written, .. } = line else {
                after_skip = true;
                continue;
            };
            let exact = (o..observed.len()).find(|&i| line_matches(line, observed[i]));
            match exact {
                Some(i) => {
                    pass_over(&mut out, o, i, after_skip);
                    let _ = writeln!(out, "  {}", observed[i]);
                    o = i + 1;
                }
                None => {
                    let nearest = (o..observed.len())
                        .max_by_key(|&i| (likeness(line, observed[i]), std::cmp::Reverse(i)))
                        .filter(|&i| likeness(line, observed[i]) > 0);
                    if let Some(i) = nearest {
                        pass_over(&mut out, o, i, after_skip);
                    }
                    let _ = writeln!(out, "- {written}");
                    if let Some(i) = nearest {
                        let _ = writeln!(out, "+ {}", observed[i]);
                        if let Some(marks) = field_marks(line, observed[i]) {
                            let _ = writeln!(out, "  {marks}");
                        }
                        o = i + 1;
                    }
                }
            }
            after_skip = false;
        }
        pass_over(&mut out, o, observed.len(), after_skip);
        out
    }
}

/// How alike an expected line and an observed line are: the number of matching fields when
/// both have as many fields, else 0.
fn likeness(line: &Line, observed: &str) -> usize {
    let Line::Fields { fields, .. } = line else { return 0 };
    let got: Vec<&str> = observed.split_whitespace().collect();
    if got.len() != fields.len() {
        return 0;
    }
    fields.iter().zip(&got).filter(|(f, g)| f.matches(g)).count()
}

fn observed_lines(observed: &str) -> Vec<&str> {
    let lines: Vec<&str> = observed.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(lines.len());
    let last = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(first, |i| i + 1);
    lines[first..last].to_vec()
}

/// The field that matches the rest of a line.
const REST: &str = "{?*}";

fn line_matches(line: &Line, observed: &str) -> bool {
    fields_match(line, &observed.split_whitespace().collect::<Vec<_>>())
}

/// Whether an observed line, already split into fields, matches `line`.
fn fields_match(line: &Line, got: &[&str]) -> bool {
    match line {
        Line::Skip => true,
        Line::Fields { fields, .. } => {
            let (fields, rest) = match fields.split_last() {
                Some((last, before)) if last.is_rest() => (before, true),
                _ => (fields.as_slice(), false),
            };
            let count_fits =
                if rest { got.len() >= fields.len() } else { got.len() == fields.len() };
            count_fits && fields.iter().zip(got).all(|(f, g)| f.matches(g))
        }
    }
}

/// Carets under the fields of `observed` that differ from `line`, when both have the same
/// number of fields (otherwise the lines are too different for carets to help).
fn field_marks(line: &Line, observed: &str) -> Option<String> {
    let Line::Fields { fields, .. } = line else { return None };
    let mut positions = Vec::new();
    let mut from = 0;
    for word in observed.split_whitespace() {
        let at = from + observed[from..].find(word).unwrap_or(0);
        positions.push((at, word));
        from = at + word.len();
    }
    if positions.len() != fields.len() {
        return None;
    }
    let mut marks = String::new();
    for ((at, word), field) in positions.iter().zip(fields) {
        if !field.matches(word) {
            let column = observed[..*at].chars().count();
            let width = marks.chars().count();
            marks.push_str(&" ".repeat(column.saturating_sub(width)));
            marks.push_str(&"^".repeat(word.chars().count().max(1)));
        }
    }
    (!marks.is_empty()).then_some(marks)
}

impl Field {
    fn is_rest(&self) -> bool {
        self.pieces == [Piece::Text(REST.to_owned())]
    }

    fn parse(word: &str) -> Self {
        if word == REST {
            return Self {
                pieces: vec![Piece::Text(REST.to_owned())],
                texts: vec![REST.to_owned()],
            };
        }
        let mut pieces = Vec::new();
        let mut rest = word;
        while let Some(open) = rest.find("{?") {
            let Some(close) = rest[open..].find('}') else { break };
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            pieces.push(Piece::Wildcard);
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        let texts = pieces
            .split(|p| *p == Piece::Wildcard)
            .map(|run| match run {
                [Piece::Text(text)] => text.clone(),
                _ => String::new(),
            })
            .collect();
        Self { pieces, texts }
    }

    /// How many wildcards the field has.
    fn wildcards(&self) -> usize {
        self.pieces.iter().filter(|p| **p == Piece::Wildcard).count()
    }

    /// Glob matching: text must appear in order; a wildcard takes any run (even empty). The
    /// text before the first wildcard must begin the word, the text after the last must end
    /// it, and each piece in between is taken at its leftmost place: no backtracking.
    fn matches(&self, word: &str) -> bool {
        // parse never puts two texts side by side, so each run between wildcards is one text.
        let (first, rest) = self.texts.split_first().expect("split yields at least one run");
        let Some((last, middle)) = rest.split_last() else { return word == first };
        let Some(mut tail) = word.strip_prefix(first) else { return false };
        for text in middle {
            match tail.find(text.as_str()) {
                Some(at) => tail = &tail[at + text.len()..],
                None => return false,
            }
        }
        tail.len() >= last.len() && tail.ends_with(last.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SS: &str = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n\
                      LISTEN 0      4096   127.0.0.53%lo:53      0.0.0.0:*\n\
                      LISTEN 0      5            0.0.0.0:8080      0.0.0.0:*\n";

    #[test]
    fn spacing_does_not_matter_and_skip_takes_other_rows() {
        let expected = Expected::parse(
            "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n. . .\n\
             LISTEN 0 5 0.0.0.0:8080 0.0.0.0:*\n...\n",
        );
        assert!(expected.matches(SS));
    }

    #[test]
    fn a_wrong_field_fails_and_is_marked() {
        let expected = Expected::parse("...\nLISTEN 0 1 0.0.0.0:8080 0.0.0.0:*\n");
        assert!(!expected.matches(SS));
        let diff = expected.difference(SS);
        assert!(diff.contains("- LISTEN 0 1 0.0.0.0:8080 0.0.0.0:*"), "{diff}");
        assert!(
            diff.contains("+ LISTEN 0      5            0.0.0.0:8080      0.0.0.0:*"),
            "{diff}"
        );
        assert!(diff.contains("\n                ^\n"), "the backlog field is marked:\n{diff}");
        assert!(diff.starts_with("  ... (2 lines skipped)\n- LISTEN"), "{diff}");
    }

    #[test]
    fn wildcards_match_inside_a_field() {
        let expected = Expected::parse("u_str LISTEN 0 5 /tmp/stream.sock {?inode} * 0");
        assert!(
            expected.matches("u_str LISTEN 0      5      /tmp/stream.sock 436470            * 0")
        );
        assert!(!expected.matches("u_dgr UNCONN 0 0 /tmp/stream.sock 436470 * 0"));
        let field = Expected::parse("port [tcp/{?}] succeeded!");
        assert!(field.matches("port [tcp/http-alt] succeeded!"));
        assert!(!field.matches("port [udp/ntp] succeeded!"));
    }

    #[test]
    fn rest_of_line_takes_any_number_of_fields() {
        let expected = Expected::parse("Access: (0{?}/s{?}) Uid: {?*}");
        assert!(
            expected.matches(
                "Access: (0755/srwxr-xr-x)  Uid: (    0/    root)   Gid: (    0/    root)"
            )
        );
        assert!(
            expected.matches(
                "Access: (0755/srwxr-xr-x)  Uid: (65534/  nobody)   Gid: (65534/ nogroup)"
            )
        );
        assert!(expected.matches("Access: (0755/srwxr-xr-x)  Uid:"));
        assert!(!expected.matches("Access: (0644/-rw-r--r--)  Uid: (    0/    root)"));
    }

    #[test]
    fn missing_and_extra_lines_fail() {
        let expected = Expected::parse("a b\nc d\n");
        assert!(expected.matches("a   b\n c d \n"));
        assert!(!expected.matches("a b\n"));
        assert!(!expected.matches("a b\nc d\ne f\n"));
        assert!(Expected::parse("").matches("\n\n"));
        assert!(!Expected::parse("").matches("something"));
    }

    #[test]
    fn unordered_lines_match_in_any_order() {
        let rows = "Netid State\nu_dgr UNCONN /d 2 * 0\nu_str LISTEN /s 1 * 0\n";
        let ordered = Expected::parse(
            "Netid State\n...\nu_str LISTEN /s {?} * 0\n...\nu_dgr UNCONN /d {?} * 0\n...",
        );
        assert!(!ordered.matches(rows));
        let any_order = ordered.clone().in_any_order();
        assert!(any_order.matches(rows));
        assert!(any_order.matches(&format!("{rows}u_str LISTEN /other 3 * 0\n")));
        let strict =
            Expected::parse("u_str LISTEN /s {?} * 0\nu_dgr UNCONN /d {?} * 0").in_any_order();
        assert!(!strict.matches(rows), "the header is not expected");
        let diff = strict.difference("u_str LISTEN /s 1 * 0\nu_dgr UNCONN /x 2 * 0\n");
        assert_eq!(diff, "- u_dgr UNCONN /d {?} * 0\n+ u_dgr UNCONN /x 2 * 0\n               ^^\n");
    }

    #[test]
    fn difference_shows_unexpected_lines() {
        let expected = Expected::parse("a b\n");
        let diff = expected.difference("x y\na b\n");
        assert_eq!(diff, "+ x y\n  a b\n");
    }

    #[test]
    fn half_a_million_skip_markers_do_not_overflow_the_stack() {
        let expected = Expected::parse(&"...\n".repeat(500_000));
        assert!(expected.matches("a\nb\n"));
        let mut many = "...\nx\n".repeat(100_000);
        many.push_str("y\n");
        assert!(!Expected::parse(&many).matches("x\nz\n"));
    }

    #[test]
    fn many_wildcards_in_a_field_do_not_backtrack() {
        // Fifteen wildcards against a long word that almost matches: exponential for a
        // backtracking matcher, one pass here.
        let expected = Expected::parse(&format!("{}b", "a{?}".repeat(15)));
        let word = "a".repeat(200);
        assert!(!expected.matches(&word));
        assert!(expected.matches(&format!("{word}b")));
    }

    #[test]
    fn limits_name_what_a_lesson_asks_too_much_of() {
        assert_eq!(limits("a {?} b\n...\n"), None);
        let long = "x\n".repeat(MAX_LINES + 1);
        assert!(limits(&long).is_some_and(|m| m.contains(&MAX_LINES.to_string())));
        let wild = format!("a {}", "{?}".repeat(MAX_WILDCARDS + 1));
        assert!(limits(&wild).is_some_and(|m| m.contains(&(MAX_WILDCARDS + 1).to_string())));
    }

    /// The matcher as first written, recursive and backtracking: slow on large inputs, but
    /// plainly right, so the fast one must agree with it.
    mod reference {
        fn field(pattern: &[Option<char>], word: &[char]) -> bool {
            match pattern.split_first() {
                None => word.is_empty(),
                Some((None, rest)) => (0..=word.len()).any(|i| field(rest, &word[i..])),
                Some((Some(c), rest)) => word.first() == Some(c) && field(rest, &word[1..]),
            }
        }

        fn line(expected: &str, observed: &str) -> bool {
            let fields: Vec<&str> = expected.split_whitespace().collect();
            let got: Vec<&str> = observed.split_whitespace().collect();
            let (fields, rest) = match fields.split_last() {
                Some((last, before)) if *last == "{?*}" => (before, true),
                _ => (fields.as_slice(), false),
            };
            let count_fits =
                if rest { got.len() >= fields.len() } else { got.len() == fields.len() };
            count_fits
                && fields.iter().zip(&got).all(|(f, g)| {
                    let pattern: Vec<Option<char>> = f
                        .replace("{?}", "\u{0}")
                        .chars()
                        .map(|c| (c != '\u{0}').then_some(c))
                        .collect();
                    field(&pattern, &g.chars().collect::<Vec<_>>())
                })
        }

        pub fn matches(expected: &[&str], observed: &[&str]) -> bool {
            match expected.split_first() {
                None => observed.is_empty(),
                Some((&"...", rest)) => (0..=observed.len()).any(|i| matches(rest, &observed[i..])),
                Some((first, rest)) => {
                    !observed.is_empty()
                        && line(first, observed[0])
                        && matches(rest, &observed[1..])
                }
            }
        }
    }

    use proptest::prelude::*;

    /// Small lines built from few symbols, so that matches and near-misses are both common.
    fn expected_lines() -> impl Strategy<Value = Vec<String>> {
        let field =
            proptest::collection::vec(proptest::sample::select(vec!["a", "b", "ab", "{?}"]), 1..4)
                .prop_map(|parts| parts.concat());
        let line = prop_oneof![
            1 => Just("...".to_owned()),
            1 => Just("a {?*}".to_owned()),
            4 => proptest::collection::vec(field, 1..3).prop_map(|f| f.join(" ")),
        ];
        proptest::collection::vec(line, 0..5)
    }

    fn observed_lines() -> impl Strategy<Value = Vec<String>> {
        let field = "[ab]{1,4}";
        let line = proptest::collection::vec(field, 1..4).prop_map(|f| f.join(" "));
        proptest::collection::vec(line, 1..6)
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference(expected in expected_lines(), observed in observed_lines()) {
            let expected_refs: Vec<&str> = expected.iter().map(String::as_str).collect();
            let observed_refs: Vec<&str> = observed.iter().map(String::as_str).collect();
            let fast = Expected::parse(&expected.join("\n")).matches(&observed.join("\n"));
            prop_assert_eq!(fast, reference::matches(&expected_refs, &observed_refs));
        }

        #[test]
        fn never_panics(expected in "\\PC{0,200}", observed in "\\PC{0,200}") {
            let parsed = Expected::parse(&expected);
            let _ = parsed.matches(&observed);
            let _ = parsed.difference(&observed);
            let unordered = parsed.in_any_order();
            let _ = unordered.matches(&observed);
            let _ = unordered.difference(&observed);
            let _ = limits(&expected);
        }
    }
}
