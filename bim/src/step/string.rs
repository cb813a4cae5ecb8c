//! STEP string literals: `''` for a quote, `\\` for a backslash, and the `\X\`, `\X2\`, `\X4\`
//! and `\S\` escapes that exporters use for accents (Revit writes `\X2\00E9\X0\` for "é").

/// Decodes the raw bytes between the quotes of a STEP string.
pub fn decode_step_string(raw: &[u8]) -> String {
    if !raw.iter().any(|&b| b == b'\\' || b == b'\'' || b >= 0x80) {
        // Fast path: plain ASCII, the overwhelming majority of strings.
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut out = String::with_capacity(raw.len());
    // Once an \X2\ or \X4\ is found unclosed, no later one can close either: skipping the
    // search from then on keeps hostile strings linear.
    let mut unclosed = false;
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\'' && raw.get(i + 1) == Some(&b'\'') {
            out.push('\'');
            i += 2;
        } else if b == b'\\' {
            i += decode_escape(&raw[i..], &mut out, &mut unclosed);
        } else if b < 0x80 {
            out.push(b as char);
            i += 1;
        } else {
            // Not allowed by the standard, but common: raw UTF-8 or Latin-1 bytes.
            let end = raw[i..]
                .iter()
                .position(|&c| c < 0x80)
                .map_or(raw.len(), |p| i + p);
            match std::str::from_utf8(&raw[i..end]) {
                Ok(s) => out.push_str(s),
                Err(_) => out.extend(raw[i..end].iter().map(|&c| c as char)),
            }
            i = end;
        }
    }
    out
}

/// Decodes one escape starting at `s[0] == '\\'`; returns how many bytes it used.
fn decode_escape(s: &[u8], out: &mut String, unclosed: &mut bool) -> usize {
    let hex =
        |h: &[u8]| -> Option<u32> { u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok() };
    if s.starts_with(b"\\\\") {
        out.push('\\');
        return 2;
    }
    if s.starts_with(b"\\X\\")
        && s.len() >= 5
        && let Some(c) = hex(&s[3..5]).and_then(char::from_u32)
    {
        out.push(c);
        return 5;
    }
    if s.starts_with(b"\\S\\") && s.len() >= 4 {
        out.push(char::from_u32(u32::from(s[3]) + 128).unwrap_or('?'));
        return 4;
    }
    if s.starts_with(b"\\P") && s.len() >= 4 && s[3] == b'\\' {
        return 4; // code page switch: ISO 8859 pages are treated as Latin-1
    }
    for (tag, width) in [(&b"\\X2\\"[..], 4usize), (&b"\\X4\\"[..], 8usize)] {
        if let Some(rest) = s.strip_prefix(tag)
            && !*unclosed
        {
            let Some(end) = memchr::memmem::find(rest, b"\\X0\\") else {
                *unclosed = true;
                break;
            };
            let units: Vec<u32> = rest[..end].chunks(width).filter_map(hex).collect();
            if width == 4 {
                let units16: Vec<u16> = units.iter().map(|&u| u as u16).collect();
                out.push_str(&String::from_utf16_lossy(&units16));
            } else {
                out.extend(units.iter().filter_map(|&u| char::from_u32(u)));
            }
            return tag.len() + end + 4;
        }
    }
    out.push('\\');
    1
}

#[cfg(test)]
mod tests {
    use super::decode_step_string as d;

    #[test]
    fn unclosed_escapes_stay_linear() {
        let hostile = "\\X2\\".repeat(200_000);
        // Quadratic decoding of this string would take hours; linear decoding keeps the text.
        let out = d(hostile.as_bytes());
        assert!(
            out.starts_with("\\X2") && out.len() > hostile.len() / 2,
            "{}",
            out.len()
        );
    }

    #[test]
    fn decodes_escapes() {
        assert_eq!(d(b"plain"), "plain");
        assert_eq!(d(b"it''s"), "it's");
        assert_eq!(d(b"Fen\\X2\\00EA\\X0\\tre"), "Fenêtre");
        assert_eq!(d(b"\\X\\E9t\\X\\E9"), "été");
        assert_eq!(d(b"C:\\\\dir"), "C:\\dir");
        assert_eq!(d(b"\\X4\\0001F600\\X0\\"), "\u{1F600}");
        assert_eq!(d("déjà".as_bytes()), "déjà");
    }
}
