//! Input text read strictly: bytes → UTF-8 text that YAML 1.2 accepts, or a diagnostic with
//! file:line:col. A UTF-8 byte order mark is accepted (and kept: the tree skips it); UTF-16 and
//! UTF-32 (by byte order mark or by the NUL pattern of their first bytes, as YAML 1.2 detects
//! them) are named. Only tab, line feed, carriage return and printable characters may appear:
//! other C0 controls (NUL above all, which used to end the file silently), DEL and the C1
//! controls (U+0080–U+009F, NEL included: YAML 1.1 and 1.2 readers disagree on it) are errors,
//! as are U+FFFE and U+FFFF.

use std::sync::Arc;

use crate::{Code, Diagnostic, Span};

/// Check and convert the bytes of the input `name`.
pub fn decode(name: &str, bytes: &[u8]) -> Result<String, Box<Diagnostic>> {
    if let Some((enc, iconv)) = wide_encoding(bytes) {
        return Err(Box::new(
            Diagnostic::error(
                Code::InvalidText,
                format!("`{name}` is {enc}; save it as UTF-8"),
            )
            .at(Span::file_only(name))
            .hint(convert_hint(iconv)),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let byte = bytes.get(at).copied().unwrap_or_default();
            return Err(Box::new(Diagnostic::error(
                Code::InvalidText,
                format!(
                    "`{name}` is not UTF-8 text: byte 0x{byte:02X} does not start a UTF-8 character"
                ),
            )
            .at(span_at(name, valid, at, 1))
            .hint(
                "save the file as UTF-8 (it may be Latin-1 or Windows-1252, or not a text file)",
            )));
        }
    };
    check(name, text)?;
    Ok(text.to_string())
}

/// Check text already in memory (a `--override-property` value, a file read elsewhere).
pub fn check(name: &str, text: &str) -> Result<(), Box<Diagnostic>> {
    if let Some((enc, iconv)) = wide_encoding(text.as_bytes()) {
        return Err(Box::new(Diagnostic::error(
            Code::InvalidText,
            format!("`{name}` looks like {enc} (NUL bytes between its first characters); save it as UTF-8"),
        )
        .at(Span::file_only(name))
        .hint(convert_hint(iconv))));
    }
    let Some((at, c)) = text.char_indices().find(|&(_, c)| !allowed(c)) else {
        return Ok(());
    };
    let what = match control_name(c) {
        Some(n) => format!("control character U+{:04X} ({n})", u32::from(c)),
        None => format!("character U+{:04X}", u32::from(c)),
    };
    let hint = if c == '\0' {
        "remove it: YAML text holds only tabs, line breaks and printable characters (a NUL byte often means a binary, truncated or UTF-16 file)"
    } else {
        "remove it, or write it as an escape in a double-quoted string (for example \"\\e\" for ESC)"
    };
    let d = Diagnostic::error(
        Code::InvalidText,
        format!("{what} is not allowed in YAML text"),
    )
    .at(span_at(name, &text[..at], at, c.len_utf8()))
    .hint(hint);
    Err(Box::new(d))
}

/// Tab, line breaks and the printable characters of YAML 1.2 (without NEL, see the module doc).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The position after `before` (the text preceding byte `offset`).
fn span_at(name: &str, before: &str, offset: usize, len: usize) -> Span {
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    Span {
        file: Arc::from(name),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        offset,
        len,
        path: Arc::from(""),
    }
}

fn convert_hint(iconv: &str) -> String {
    format!(
        "score-x reads UTF-8 only; convert it, e.g. `iconv -f {iconv} -t UTF-8 FILE > FILE.utf8`, or re-save it as UTF-8 in the editor"
    )
}

/// UTF-16 or UTF-32 (its name, and iconv's), by byte order mark or by the NUL pattern of the
/// first four bytes.
fn wide_encoding(b: &[u8]) -> Option<(&'static str, &'static str)> {
    let at = |i: usize| b.get(i).copied();
    let nul = |i: usize| at(i) == Some(0);
    let some = |i: usize| at(i).is_some_and(|x| x != 0);
    if b.starts_with(&[0xFF, 0xFE, 0, 0]) || (some(0) && nul(1) && nul(2) && nul(3)) {
        Some(("UTF-32 (little-endian)", "UTF-32LE"))
    } else if b.starts_with(&[0, 0, 0xFE, 0xFF]) || (nul(0) && nul(1) && nul(2) && some(3)) {
        Some(("UTF-32 (big-endian)", "UTF-32BE"))
    } else if b.starts_with(&[0xFF, 0xFE]) || (some(0) && nul(1)) {
        Some(("UTF-16 (little-endian)", "UTF-16LE"))
    } else if b.starts_with(&[0xFE, 0xFF]) || (nul(0) && some(1)) {
        Some(("UTF-16 (big-endian)", "UTF-16BE"))
    } else {
        None
    }
}

/// The usual name of a control character.
fn control_name(c: char) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF",
        "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
        "SUB", "ESC", "FS", "GS", "RS", "US",
    ];
    match u32::from(c) {
        n @ 0..=31 => C0.get(n as usize).copied(),
        0x7F => Some("DEL"),
        0x85 => Some("NEL"),
        0x9B => Some("CSI"),
        0x80..=0x9F => Some("C1 control"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_the_middle_is_an_error_at_its_position() {
        let e = decode("s.yaml", b"a: 1\nb: x\0y\nc: 3\n").unwrap_err();
        assert_eq!(e.code, Code::InvalidText);
        let s = e.span.as_ref().unwrap();
        assert_eq!((s.line, s.column, s.offset), (2, 5, 9));
        assert!(e.message.contains("U+0000 (NUL)"), "{}", e.message);
    }

    #[test]
    fn controls_del_and_c1_are_errors_tab_cr_lf_are_not() {
        assert!(decode("f", b"a:\tb\r\nc: d\n").is_ok());
        for bad in [
            "\u{1b}[31m",
            "\u{7}",
            "\u{7f}",
            "\u{85}",
            "\u{9b}",
            "\u{fffe}",
        ] {
            let t = format!("k: é{bad}\n");
            let e = check("f", &t).unwrap_err();
            assert_eq!(e.span.as_ref().unwrap().column, 5, "{bad:?}");
        }
        let e = check("f", "k: \u{1b}\n").unwrap_err();
        assert!(e.message.contains("U+001B (ESC)"), "{}", e.message);
        assert!(!e.message.contains('\u{1b}'));
    }

    #[test]
    fn utf8_bom_is_accepted() {
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFa: 1\n").unwrap(),
            "\u{feff}a: 1\n"
        );
    }

    #[test]
    fn utf16_and_utf32_are_named() {
        let utf16le: Vec<u8> = "\u{feff}a: 1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let e = decode("w.yaml", &utf16le).unwrap_err();
        assert_eq!(
            e.message,
            "`w.yaml` is UTF-16 (little-endian); save it as UTF-8"
        );
        let utf16be: Vec<u8> = "a: 1\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(
            decode("w", &utf16be)
                .unwrap_err()
                .message
                .contains("UTF-16 (big-endian)")
        );
        let utf32: Vec<u8> = "a: 1\n"
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect();
        assert!(
            decode("w", &utf32)
                .unwrap_err()
                .message
                .contains("UTF-32 (little-endian)")
        );
        // Without a byte order mark, ASCII in UTF-16 is valid UTF-8: the NUL pattern names it.
        let text = String::from_utf8(utf16be).unwrap();
        assert!(
            check("w", &text)
                .unwrap_err()
                .message
                .contains("looks like UTF-16")
        );
    }

    #[test]
    fn invalid_utf8_has_a_position() {
        let e = decode("l.yaml", b"a: 1\nb: caf\xE9\n").unwrap_err();
        let s = e.span.as_ref().unwrap();
        assert_eq!((s.line, s.column, s.offset), (2, 7, 11));
        assert!(e.message.contains("0xE9"));
    }
}
