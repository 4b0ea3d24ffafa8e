//! Text from outside (WHOIS, RDAP, feeds, mail) made safe to show on a terminal or in a
//! plain-text message.

/// Replaces control characters and bidirectional overrides (from hostile input) with U+FFFD so
/// output cannot inject terminal escapes, fake lines, or visually reorder text (a registrar name
/// with U+202E would display reversed).
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(unsafe_char) {
        return s.to_string();
    }
    s.chars()
        .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
        .collect()
}

fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_replaced() {
        assert_eq!(sanitize("plain é"), "plain é");
        assert_eq!(sanitize("a\x1b[31mb"), "a\u{FFFD}[31mb");
        assert_eq!(
            sanitize("x\u{202E}y\u{2066}z\nw"),
            "x\u{FFFD}y\u{FFFD}z\u{FFFD}w"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_leaves_a_control(s in ".*") {
            let out = sanitize(&s);
            proptest::prop_assert!(!out.chars().any(unsafe_char));
            proptest::prop_assert_eq!(out.chars().count(), s.chars().count());
        }
    }
}
