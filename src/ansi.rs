//! Terminal colour codes in text from the cluster: Ray colours the `(task pid=...)` prefix
//! of streamed output and the `ray::f()` line of tracebacks for a terminal; text handed to
//! a program (a callback, a file, an error message) goes without them.

/// `s` without its ANSI escape sequences (`ESC [ ... letter`).
pub(crate) fn strip(s: &str) -> String {
    if !s.contains('\u{1b}') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_codes_go_text_stays() {
        assert_eq!(
            super::strip("\u{1b}[36m(f pid=1)\u{1b}[0m hi é\n"),
            "(f pid=1) hi é\n"
        );
        assert_eq!(super::strip("plain"), "plain");
    }
}
