//! Annotation text: MTEXT formatting removal, `\U+XXXX` escapes, and the text the `dxf`
//! crate cannot see (MULTILEADER content, ACAD_TABLE cells).

use super::tokens::Pair;

/// Replaces `\U+XXXX` escapes (how pre-2007 files store characters outside the code page).
pub fn unescape_unicode(s: &str) -> String {
    if !s.contains("\\U+") && !s.contains("\\u+") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find("\\U+").or_else(|| rest.find("\\u+")) {
        out.push_str(rest.get(..k).unwrap_or_default());
        let hex = rest.get(k + 3..k + 7).unwrap_or_default();
        match u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .filter(|_| hex.len() == 4)
        {
            Some(ch) => {
                out.push(ch);
                rest = rest.get(k + 7..).unwrap_or_default();
            }
            None => {
                out.push_str("\\U+");
                rest = rest.get(k + 3..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// Plain text of an MTEXT string: paragraph breaks become newlines, formatting codes
/// (font, height, colour, stacking, grouping braces) are removed, escapes resolved.
pub fn strip_mtext(s: &str) -> String {
    let s = unescape_unicode(s);
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '{' | '}' => {}
            '\\' => match it.next() {
                Some('P') => out.push('\n'),
                Some('~') => out.push(' '),
                Some(e @ ('\\' | '{' | '}')) => out.push(e),
                // Codes with an argument up to ';'.
                Some('A' | 'C' | 'c' | 'f' | 'F' | 'H' | 'Q' | 'T' | 'W' | 'p' | 'X') => {
                    for a in it.by_ref() {
                        if a == ';' {
                            break;
                        }
                    }
                }
                // Stacked fraction: \Snum^den; -> num/den.
                Some('S') => {
                    for a in it.by_ref() {
                        match a {
                            ';' => break,
                            '^' | '#' => out.push('/'),
                            _ => out.push(a),
                        }
                    }
                }
                // On/off toggles: underline, overline, strike-through.
                Some('L' | 'l' | 'O' | 'o' | 'K' | 'k' | 'N') => {}
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            _ => out.push(c),
        }
    }
    percent_codes(&out)
}

/// Plain TEXT content: `\U+XXXX` escapes and AutoCAD's `%%` codes resolved (backslashes
/// are literal in TEXT, unlike MTEXT).
pub fn plain_text(s: &str) -> String {
    percent_codes(&unescape_unicode(s))
}

/// AutoCAD's `%%c` (diameter), `%%d` (degree) and `%%p` (plus-minus) codes.
fn percent_codes(s: &str) -> String {
    if !s.contains("%%") {
        return s.to_string();
    }
    s.replace("%%c", "Ø")
        .replace("%%C", "Ø")
        .replace("%%d", "°")
        .replace("%%D", "°")
        .replace("%%p", "±")
        .replace("%%P", "±")
}

/// A text found in an entity the crate does not read, with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundText {
    pub text: String,
    pub x: f64,
    pub y: f64,
}

/// The MTEXT content of a MULTILEADER (group 304 in its context data; 304 is reused for
/// the `LEADER_LINE{` marker) at its text location (12/22).
pub fn multileader_text(pairs: &[Pair<'_>]) -> Option<FoundText> {
    let text = pairs
        .iter()
        .find(|p| p.code == 304 && !p.text().ends_with('{') && p.text() != "}")?
        .text();
    let x = pairs
        .iter()
        .find(|p| p.code == 12)
        .and_then(Pair::f64)
        .unwrap_or(0.0);
    let y = pairs
        .iter()
        .find(|p| p.code == 22)
        .and_then(Pair::f64)
        .unwrap_or(0.0);
    let text = strip_mtext(&text);
    (!text.trim().is_empty()).then_some(FoundText { text, x, y })
}

/// Cell texts of an ACAD_TABLE: the group 1 values after the AcDbTable marker, placed at
/// the table's insertion point.
pub fn table_texts(pairs: &[Pair<'_>]) -> Vec<FoundText> {
    let x = pairs
        .iter()
        .find(|p| p.code == 10)
        .and_then(Pair::f64)
        .unwrap_or(0.0);
    let y = pairs
        .iter()
        .find(|p| p.code == 20)
        .and_then(Pair::f64)
        .unwrap_or(0.0);
    let Some(start) = pairs
        .iter()
        .position(|p| p.code == 100 && p.text() == "AcDbTable")
    else {
        return Vec::new();
    };
    pairs
        .get(start..)
        .unwrap_or_default()
        .iter()
        .filter(|p| p.code == 1)
        .map(|p| strip_mtext(&p.text()))
        .filter(|t| !t.trim().is_empty())
        .map(|text| FoundText { text, x, y })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtext_codes_removed() {
        assert_eq!(strip_mtext(r"{\fArial|b1;Hello}\PWorld"), "Hello\nWorld");
        assert_eq!(strip_mtext(r"\H2.5x;1\S1^2; in"), "11/2 in");
        assert_eq!(strip_mtext(r"a\\b\{c\}"), r"a\b{c}");
        assert_eq!(strip_mtext(r"\U+00E9t\U+00E9"), "été");
        assert_eq!(strip_mtext(r"\Lunder\l"), "under");
    }
}
