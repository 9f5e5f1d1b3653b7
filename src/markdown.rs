//! Markdown rendered for a terminal: headings, paragraphs, lists, block quotes, code blocks,
//! emphasis and links, styled with console (or plain without colour), wrapped to the width.
//!
//! Headings lose their `{#anchor}`; links keep their text and show the target only when it
//! leads out of the book.

use console::Style;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Renders `markdown` for a terminal `width` columns wide; `styled` adds colour and emphasis.
pub fn render(markdown: &str, width: usize, styled: bool) -> String {
    let mut renderer = Renderer { styled, width: width.max(20), ..Renderer::default() };
    let options =
        Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        renderer.event(event);
    }
    renderer.flush_paragraph();
    if !renderer.glossary.is_empty() {
        // A link has no use in a terminal; the command that shows the term has.
        let terms = renderer.glossary.join(", ");
        renderer.blank_line();
        renderer.push_text(&crate::t!("book.glossary_footer", terms = terms));
        renderer.flush_paragraph();
    }
    let out = renderer.out.trim_end().to_owned();
    out + "\n"
}

/// The anchor prefix of a glossary entry in the book: `### backlog {#glossary-backlog}`. A
/// link to one is a glossary term, listed under the text it appears in.
pub const GLOSSARY_ANCHOR: &str = "glossary-";

/// Closing punctuation: a line never starts with it.
const CLOSING: &str = "，。、；：！？）」』》】”’…";
/// Opening punctuation: a line never ends with it.
const OPENING: &str = "（「『《【“‘";

#[derive(Default)]
struct Renderer {
    styled: bool,
    width: usize,
    out: String,
    /// The words of the paragraph being built, already styled: text, display width, and
    /// whether it is glued to the word before (no space between: Chinese text breaks
    /// between characters, not at spaces).
    words: Vec<(String, usize, bool)>,
    /// Text being built for the current word (styles can change inside a word).
    pending: (String, usize, bool),
    /// The last character added was a wide (CJK) one: a line may break after it.
    after_wide: bool,
    /// The last character added opens a bracket or quote (`（`, `“`): no break after it.
    no_break: bool,
    styles: Vec<Attr>,
    lists: Vec<Option<u64>>,
    quote_depth: usize,
    code: Option<String>,
    heading: Option<HeadingLevel>,
    link: Option<String>,
    /// The glossary's terms linked to, in order (ids, as `explain --glossary` takes them).
    glossary: Vec<String>,
    /// The first line of the current list item gets the bullet; the rest are indented.
    bullet: Option<String>,
    /// A table being collected: its rows of cells (plain text), the header first.
    table: Option<Vec<Vec<String>>>,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles.iter().fold(Style::new(), |style, attr| attr.apply(style))
    }

    fn paint(&self, text: &str, style: &Style) -> String {
        if self.styled { style.apply_to(text).to_string() } else { text.to_owned() }
    }

    fn indent(&self) -> String {
        let mut prefix = "│ ".repeat(self.quote_depth);
        prefix.push_str(&"  ".repeat(self.lists.len().saturating_sub(1)));
        if !self.lists.is_empty() {
            prefix.push_str("  ");
        }
        prefix
    }

    /// Adds text to the paragraph: words end at spaces, and a line may also break before and
    /// after each wide character (never before closing punctuation such as `，` or `。`,
    /// never after an opening bracket).
    fn push_text(&mut self, text: &str) {
        let style = self.style();
        let mut first = true;
        for piece in text.split(' ') {
            if !first {
                self.end_word();
            }
            first = false;
            let mut run = String::new();
            for c in piece.chars() {
                let wide = textwrap::core::display_width(c.encode_utf8(&mut [0; 4])) >= 2;
                let breaks = if wide { !CLOSING.contains(c) } else { self.after_wide };
                if breaks && !self.no_break {
                    self.add_run(&mut run, &style);
                    self.break_glued();
                }
                run.push(c);
                self.after_wide = wide;
                self.no_break = OPENING.contains(c);
            }
            self.add_run(&mut run, &style);
        }
    }

    fn add_run(&mut self, run: &mut String, style: &Style) {
        if !run.is_empty() {
            let painted = self.paint(run, style);
            self.pending.0.push_str(&painted);
            self.pending.1 += textwrap::core::display_width(run);
            run.clear();
        }
    }

    /// Ends the current word; the next one follows it without a space.
    fn break_glued(&mut self) {
        if self.pending.1 > 0 {
            self.words.push(std::mem::take(&mut self.pending));
            self.pending.2 = true;
        }
    }

    fn end_word(&mut self) {
        if self.pending.1 > 0 {
            self.words.push(std::mem::take(&mut self.pending));
        }
        self.pending.2 = false;
        self.after_wide = false;
        self.no_break = false;
    }

    fn flush_paragraph(&mut self) {
        self.end_word();
        if self.words.is_empty() {
            return;
        }
        let indent = self.indent();
        let first_prefix = match self.bullet.take() {
            Some(bullet) => format!("{}{bullet}", &indent[..indent.len().saturating_sub(2)]),
            None => indent.clone(),
        };
        let mut line = first_prefix.clone();
        let mut used = textwrap::core::display_width(&first_prefix);
        let mut empty = true;
        for (word, len, glued) in std::mem::take(&mut self.words) {
            let space = usize::from(!glued);
            if !empty && used + space + len > self.width {
                self.out.push_str(line.trim_end());
                self.out.push('\n');
                line = indent.clone();
                used = textwrap::core::display_width(&indent);
                empty = true;
            }
            if !empty && !glued {
                line.push(' ');
                used += 1;
            }
            line.push_str(&word);
            used += len;
            empty = false;
        }
        self.out.push_str(line.trim_end());
        self.out.push('\n');
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// Collects table cells as plain text; at the end of the table, prints it with columns
    /// padded to their widest cell and a rule under the header.
    fn table_event(&mut self, event: Event<'_>) {
        let Some(rows) = &mut self.table else { return };
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => {
                if let Some(row) = rows.last_mut() {
                    row.push(String::new());
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(cell) = rows.last_mut().and_then(|row| row.last_mut()) {
                    cell.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(cell) = rows.last_mut().and_then(|row| row.last_mut()) {
                    cell.push(' ');
                }
            }
            Event::End(TagEnd::Table) => {
                let rows = self.table.take().unwrap_or_default();
                let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
                let widths: Vec<usize> = (0..columns)
                    .map(|c| {
                        rows.iter()
                            .filter_map(|r| r.get(c))
                            .map(|t| textwrap::core::display_width(t))
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                let indent = self.indent();
                for (index, row) in rows.iter().enumerate() {
                    let mut line = indent.clone();
                    for (column, cell) in row.iter().enumerate() {
                        let pad =
                            widths[column].saturating_sub(textwrap::core::display_width(cell));
                        let text = if index == 0 {
                            self.paint(cell, &Style::new().bold())
                        } else {
                            cell.clone()
                        };
                        line.push_str(&text);
                        line.push_str(&" ".repeat(pad + 2));
                    }
                    self.out.push_str(line.trim_end());
                    self.out.push('\n');
                    if index == 0 {
                        let rule: usize =
                            widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
                        self.out.push_str(&format!("{indent}{}\n", "─".repeat(rule)));
                    }
                }
                self.blank_line();
            }
            _ => {}
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if self.table.is_some() {
            self.table_event(event);
            return;
        }
        if let Event::Start(Tag::Table(_)) = event {
            self.flush_paragraph();
            self.table = Some(Vec::new());
            return;
        }
        if let Some(code) = &mut self.code {
            match event {
                Event::Text(text) => code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    let code = self.code.take().unwrap_or_default();
                    let indent = self.indent() + "    ";
                    let style = Style::new().cyan();
                    for line in code.trim_end_matches('\n').lines() {
                        let painted = self.paint(line, &style);
                        self.out.push_str(format!("{indent}{painted}").trim_end());
                        self.out.push('\n');
                    }
                    self.blank_line();
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush_paragraph();
                self.blank_line();
                self.heading = Some(level);
                self.styles.push(Attr::Bold);
                self.styles.push(match level {
                    HeadingLevel::H1 => Attr::Underlined,
                    HeadingLevel::H2 => Attr::Cyan,
                    _ => Attr::Bold,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                self.styles.truncate(self.styles.len().saturating_sub(2));
                let start = self.out.len();
                self.flush_paragraph();
                if self.heading.take() == Some(HeadingLevel::H1) {
                    // As wide as the title's longest line, in display columns.
                    let title = self.out[start..].lines().map(console::measure_text_width);
                    self.out.push_str(&"=".repeat(title.max().unwrap_or(0)));
                    self.out.push('\n');
                }
                self.out.push('\n');
            }
            Event::Start(Tag::Paragraph) => {}
            Event::End(TagEnd::Paragraph) => {
                self.flush_paragraph();
                if self.lists.is_empty() {
                    self.blank_line();
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.flush_paragraph();
                self.quote_depth += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush_paragraph();
                self.quote_depth -= 1;
                self.blank_line();
            }
            // Fenced or indented, a code block is shown indented, never wrapped.
            Event::Start(Tag::CodeBlock(_)) => {
                self.flush_paragraph();
                self.code = Some(String::new());
            }
            Event::Start(Tag::List(start)) => {
                self.flush_paragraph();
                self.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                self.flush_paragraph();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank_line();
                }
            }
            Event::Start(Tag::Item) => {
                self.flush_paragraph();
                let bullet = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        let text = format!("{number}. ");
                        *number += 1;
                        text
                    }
                    _ => "• ".to_owned(),
                };
                self.bullet = Some(bullet);
            }
            Event::End(TagEnd::Item) => self.flush_paragraph(),
            Event::Start(Tag::Emphasis) => self.styles.push(Attr::Italic),
            Event::Start(Tag::Strong) => self.styles.push(Attr::Bold),
            Event::Start(Tag::Strikethrough) => self.styles.push(Attr::Strikethrough),
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                self.styles.pop();
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.styles.push(Attr::Underlined);
                if let Some((_, id)) = dest_url.split_once(GLOSSARY_ANCHOR)
                    && (dest_url.starts_with('#') || dest_url.contains("glossary.md#"))
                    && !self.glossary.iter().any(|known| known == id)
                {
                    self.glossary.push(id.to_owned());
                }
                self.link = Some(dest_url.to_string());
            }
            Event::End(TagEnd::Link) => {
                self.styles.pop();
                if let Some(url) = self.link.take().filter(|u| u.contains("://")) {
                    self.push_text(&format!(" <{url}>"));
                }
            }
            Event::Code(code) => {
                let style = Attr::Cyan.apply(self.style());
                let text = if self.styled { code.to_string() } else { format!("`{code}`") };
                let painted = self.paint(&text, &style);
                if self.after_wide && !self.no_break {
                    self.break_glued();
                }
                self.after_wide = false;
                // Inline code is one unit: it is not split across lines.
                self.pending.0.push_str(&painted);
                self.pending.1 += textwrap::core::display_width(&text);
            }
            Event::Text(text) => self.push_text(&text),
            Event::SoftBreak => self.end_word(),
            Event::HardBreak => self.flush_paragraph(),
            Event::Rule => {
                self.flush_paragraph();
                self.out.push_str(&"─".repeat(self.width.min(60)));
                self.out.push_str("\n\n");
            }
            Event::Html(html) | Event::InlineHtml(html) => self.push_text(&html),
            _ => {}
        }
    }
}

/// One text attribute; the attributes open at a point make its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Bold,
    Italic,
    Underlined,
    Strikethrough,
    Cyan,
}

impl Attr {
    fn apply(self, style: Style) -> Style {
        match self {
            Self::Bold => style.bold(),
            Self::Italic => style.italic(),
            Self::Underlined => style.underlined(),
            Self::Strikethrough => style.strikethrough(),
            Self::Cyan => style.cyan(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_plain_text_structure() {
        let markdown = "# Title {#t}\n\nSome *emphasis* and `code` in a paragraph that is long enough to wrap.\n\n\
                        - one\n- two with [a link](tcp.md#x)\n\n1. first\n2. second\n\n```console\n$ ss -tln\n```\n\n> quoted\n";
        let text = render(markdown, 40, false);
        assert_eq!(
            text,
            "Title\n=====\n\n\
             Some emphasis and `code` in a paragraph\nthat is long enough to wrap.\n\n\
             • one\n• two with a link\n\n1. first\n2. second\n\n    $ ss -tln\n\n│ quoted\n"
        );
    }

    #[test]
    fn tables_line_up_their_columns() {
        let text = render(
            "| tool | package |\n|---|---|\n| ss | iproute2 |\n| nc | `netcat-openbsd` |\n",
            80,
            false,
        );
        assert_eq!(
            text,
            "tool  package\n────────────────────\nss    iproute2\nnc    netcat-openbsd\n"
        );
    }

    #[test]
    fn wraps_by_display_width_not_by_characters() {
        // Chinese breaks between characters: each is 2 columns wide.
        let text = render("漢字漢字 漢字漢字 漢字漢字", 20, false);
        assert_eq!(text, "漢字漢字 漢字漢字 漢\n字漢字\n");
        let text = render("监听套接字在端口 8080 上等待连接，内核替它完成握手。", 20, false);
        assert_eq!(text, "监听套接字在端口\n8080 上等待连接，内\n核替它完成握手。\n");
        // The comma would end a line at 22 columns: it stays with the character before.
        let text = render("一二三四五六七八九十，百", 20, false);
        assert_eq!(text, "一二三四五六七八九\n十，百\n");
        for line in text.lines() {
            assert!(textwrap::core::display_width(line) <= 20, "{line}");
            assert!(!line.starts_with('，') && !line.starts_with('。'), "{text}");
        }
    }

    #[test]
    fn a_title_is_underlined_as_wide_as_it_is() {
        assert_eq!(
            render("# 实验需要什么\n\ntext", 80, false),
            "实验需要什么\n============\n\ntext\n"
        );
        assert_eq!(
            render("# What the lab needs", 80, false),
            "What the lab needs\n==================\n"
        );
    }

    #[test]
    fn glossary_links_become_the_command_that_explains_them() {
        let text = render(
            "A [backlog](glossary.md#glossary-backlog) and a [port](#glossary-port).",
            80,
            false,
        );
        assert!(text.starts_with("A backlog and a port."), "{text}");
        assert!(text.contains("`socklab explain --glossary TERM`): backlog, port"), "{text}");
    }

    #[test]
    fn styles_only_when_asked() {
        console::set_colors_enabled(true);
        let styled = render("**bold**", 80, true);
        assert!(styled.contains('\u{1b}'), "{styled:?}");
        assert!(!render("**bold**", 80, false).contains('\u{1b}'));
    }
}
