//! Text on its way to a terminal. Lesson text, file paths and what a command printed may hold
//! control characters (an escape sequence that clears the screen, retitles the window or fakes
//! output): [`clean`] shows them as visible text instead, and everything socklab prints of
//! them passes through it, here in [`say`] or in the interface's rendering
//! ([`ui::render`](crate::ui::render)). [`say`] also stops quietly when stdout's reader has
//! gone, and [`warn`], its stderr twin, never panics on a closed stderr.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: control characters (C0 but newline and
/// tab, DEL, C1) and the bidirectional overrides that make text read other than it is.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with its control characters made visible: `^[` for ESC and the other C0 controls
/// (caret notation, as `cat -v`), `^?` for DEL, `\u{9b}` for the rest. Newlines and tabs stay.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !is_unsafe(c) => out.push(c),
            '\u{7f}' => out.push_str("^?"),
            c if u32::from(c) < 0x20 => {
                out.push('^');
                out.push(char::from_u32(u32::from(c) + 0x40).unwrap_or('?'));
            }
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// Bytes as [`clean`] would write them: the same characters made visible in every valid
/// UTF-8 stretch, other bytes (a file name need not be UTF-8) passed as they are.
pub fn clean_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let untouched =
        |chunk: std::str::Utf8Chunk<'_>| matches!(clean(chunk.valid()), Cow::Borrowed(_));
    if bytes.utf8_chunks().all(untouched) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.extend_from_slice(clean(chunk.valid()).as_bytes());
        out.extend_from_slice(chunk.invalid());
    }
    Cow::Owned(out)
}

/// Prints `text` (cleaned of control characters) and a newline on stdout. False when stdout
/// cannot be written any more, as when its reader has gone (`socklab list | head -1`): the
/// command then ends normally, printing no more, rather than panicking as `println!` would.
pub fn say(text: impl std::fmt::Display) -> bool {
    say_raw(&format!("{}\n", clean(&text.to_string())))
}

/// Prints `text` (cleaned of control characters) and a newline on stderr; a stderr that
/// cannot be written (its reader gone, `2>&-`) loses the line but never panics the program
/// (`eprintln!` would, and take a listener or a clean-up down with it).
pub fn warn(text: impl std::fmt::Display) {
    warn_raw(&format!("{}\n", clean(&text.to_string())));
}

/// Prints `text` as it is on stderr, as [`warn`] does.
pub fn warn_raw(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints `text` as it is (already rendered for the terminal); false as for [`say`].
pub fn say_raw(text: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_cleaned_as_text_and_other_bytes_kept() {
        assert_eq!(&*clean_bytes(b"plain\tline\n"), b"plain\tline\n");
        assert_eq!(&*clean_bytes(b"/tmp/\x1b]0;x\x07.sock"), b"/tmp/^[]0;x^G.sock");
        assert_eq!(&*clean_bytes("a\u{9b}b\u{202e}c".as_bytes()), b"a\\u{9b}b\\u{202e}c");
        assert_eq!(&*clean_bytes(b"bad\xffbyte\x7f"), b"bad\xffbyte^?");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(clean("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(clean("\u{1b}[2J\u{7}x\r\u{7f}"), "^[[2J^Gx^M^?");
        assert_eq!(clean("a\u{9b}31mb\u{202e}c"), "a\\u{9b}31mb\\u{202e}c");
    }
}
