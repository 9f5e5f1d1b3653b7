//! Problems found in a lesson file, each with its file, line and column.
//!
//! A lesson author gets every problem of a file at once (a TOML syntax error, an unknown key,
//! a command socklab does not know, a value that is never defined), each as
//! `lessons/tcp.toml:12:7: error: …` with what was expected.

use std::fmt;
use std::ops::Range;

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Maps byte offsets of a text to lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts: starts.collect() }
    }

    /// The position of byte `offset`; columns count characters, not bytes.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let column = text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        Position { line: line + 1, column }
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub position: Option<Position>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(Position { line, column }) => {
                write!(f, "{}:{line}:{column}: {}", self.file, self.message)
            }
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Collects the problems of one file, turning byte spans into positions.
#[derive(Debug)]
pub struct Report<'a> {
    file: String,
    text: &'a str,
    index: LineIndex,
    pub problems: Vec<Diagnostic>,
}

impl<'a> Report<'a> {
    pub fn new(file: impl Into<String>, text: &'a str) -> Self {
        Self { file: file.into(), text, index: LineIndex::new(text), problems: Vec::new() }
    }

    /// The name of the file being checked.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The text of the file being checked.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The line and column of byte `offset`.
    pub fn position(&self, offset: usize) -> Position {
        self.index.position(self.text, offset)
    }

    /// Records a problem at a byte span (its start is reported).
    pub fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let position = Some(self.index.position(self.text, span.start));
        self.problems.push(Diagnostic {
            file: self.file.clone(),
            position,
            message: message.into(),
        });
    }

    /// Records a problem at the place where `needle` first occurs inside `span` (for a problem
    /// inside a string value, such as one word of a command), or at the span's start.
    pub fn within(&mut self, span: Range<usize>, needle: &str, message: impl Into<String>) {
        let found = self
            .text
            .get(span.clone())
            .and_then(|raw| raw.find(needle))
            .map_or(span.start, |at| span.start + at);
        self.at(found..found, message);
    }

    /// Records a problem that has no place in the file.
    pub fn general(&mut self, message: impl Into<String>) {
        self.problems.push(Diagnostic {
            file: self.file.clone(),
            position: None,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nb = \"套接字\" x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position { line: 2, column: 11 });
        assert_eq!(index.position(text, text.len()), Position { line: 3, column: 1 });
    }

    #[test]
    fn within_points_at_the_needle() {
        let text = "run = \"ss -4 -tln\"\n";
        let mut report = Report::new("l.toml", text);
        report.within(6..18, "-tln", "here");
        assert_eq!(report.problems[0].to_string(), "l.toml:1:14: here");
    }
}
