//! ToUnicode CMaps: the map from a font's character codes to Unicode text. Parsed here
//! rather than through `lopdf`, whose font encoding prefers `/Encoding` over `/ToUnicode`
//! (the reverse of what text extraction needs) and hides code lengths.

use std::collections::HashMap;

/// Codes to text, with the code lengths the CMap declares.
#[derive(Debug, Default, Clone)]
pub struct ToUnicode {
    map: HashMap<(u8, u32), String>,
    /// (length in bytes, low, high) from `begincodespacerange`.
    spaces: Vec<(u8, u32, u32)>,
}

impl ToUnicode {
    pub fn parse(data: &[u8]) -> ToUnicode {
        let tokens = tokenize(data);
        let mut out = ToUnicode::default();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Tok::Op(op) if op == "begincodespacerange" => {
                    i += 1;
                    while i + 1 < tokens.len() {
                        match (&tokens[i], &tokens[i + 1]) {
                            (Tok::Hex(lo), Tok::Hex(hi)) => {
                                out.spaces.push((lo.len() as u8, be(lo), be(hi)));
                                i += 2;
                            }
                            _ => break,
                        }
                    }
                }
                Tok::Op(op) if op == "beginbfchar" => {
                    i += 1;
                    while i + 1 < tokens.len() {
                        match (&tokens[i], &tokens[i + 1]) {
                            (Tok::Hex(src), Tok::Hex(dst)) => {
                                out.map.insert((src.len() as u8, be(src)), utf16(dst));
                                i += 2;
                            }
                            _ => break,
                        }
                    }
                }
                Tok::Op(op) if op == "beginbfrange" => {
                    i += 1;
                    while i + 2 < tokens.len() {
                        let (Tok::Hex(lo), Tok::Hex(hi)) = (&tokens[i], &tokens[i + 1]) else {
                            break;
                        };
                        let len = lo.len() as u8;
                        let (lo, hi) = (be(lo), be(hi));
                        // A range wider than a two-byte code space is corrupt; cap the work.
                        let hi = hi.min(lo.saturating_add(0xFFFF));
                        match &tokens[i + 2] {
                            Tok::Hex(dst) => {
                                let mut units: Vec<u16> = dst
                                    .chunks(2)
                                    .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                                    .collect();
                                for code in lo..=hi {
                                    out.map
                                        .insert((len, code), String::from_utf16_lossy(&units));
                                    if let Some(last) = units.last_mut() {
                                        *last = last.wrapping_add(1);
                                    }
                                }
                                i += 3;
                            }
                            Tok::ArrayStart => {
                                let mut j = i + 3;
                                let mut code = lo;
                                while let Some(Tok::Hex(dst)) = tokens.get(j) {
                                    if code <= hi {
                                        out.map.insert((len, code), utf16(dst));
                                    }
                                    code = code.saturating_add(1);
                                    j += 1;
                                }
                                i = j + 1; // past ']'
                            }
                            _ => break,
                        }
                    }
                }
                _ => i += 1,
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Splits a string of bytes into codes: by the declared code spaces, else by the lengths
    /// the map uses, else `default_len` bytes.
    pub fn codes(&self, bytes: &[u8], default_len: usize) -> Vec<(u32, usize)> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let len = self.code_len_at(&bytes[i..]).unwrap_or(default_len).max(1);
            let end = (i + len).min(bytes.len());
            out.push((be(&bytes[i..end]), end - i));
            i = end;
        }
        out
    }

    fn code_len_at(&self, bytes: &[u8]) -> Option<usize> {
        for n in 1..=4usize {
            if n > bytes.len() {
                break;
            }
            let v = be(&bytes[..n]);
            if self
                .spaces
                .iter()
                .any(|&(l, lo, hi)| l as usize == n && v >= lo && v <= hi)
            {
                return Some(n);
            }
        }
        if self.spaces.is_empty() {
            for n in 1..=4usize {
                if n <= bytes.len() && self.map.contains_key(&(n as u8, be(&bytes[..n]))) {
                    return Some(n);
                }
            }
        }
        None
    }

    pub fn get(&self, code: u32, len: usize) -> Option<&str> {
        self.map.get(&(len as u8, code)).map(String::as_str)
    }
}

fn be(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| (acc << 8) | b as u32)
}

fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16_lossy(&units)
}

#[derive(Debug)]
enum Tok {
    Hex(Vec<u8>),
    Op(String),
    ArrayStart,
    ArrayEnd,
    Other,
}

fn tokenize(data: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        match c {
            b'<' if data.get(i + 1) == Some(&b'<') => {
                out.push(Tok::Other);
                i += 2;
            }
            b'<' => {
                let end = data[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(data.len(), |p| i + p);
                let hex: Vec<u8> = data[i + 1..end]
                    .iter()
                    .filter(|b| b.is_ascii_hexdigit())
                    .copied()
                    .collect();
                let mut bytes = Vec::with_capacity(hex.len() / 2 + 1);
                for pair in hex.chunks(2) {
                    let h = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                    let hi = h(pair[0]);
                    let lo = pair.get(1).map_or(0, |&b| h(b));
                    bytes.push(hi << 4 | lo);
                }
                out.push(Tok::Hex(bytes));
                i = end + 1;
            }
            b'[' => {
                out.push(Tok::ArrayStart);
                i += 1;
            }
            b']' => {
                out.push(Tok::ArrayEnd);
                i += 1;
            }
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                let mut depth = 0;
                while i < data.len() {
                    match data[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                out.push(Tok::Other);
                i += 1;
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < data.len() && (data[i].is_ascii_alphanumeric() || data[i] == b'_') {
                    i += 1;
                }
                out.push(Tok::Op(
                    String::from_utf8_lossy(&data[start..i]).into_owned(),
                ));
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < data.len()
                    && !data[i].is_ascii_whitespace()
                    && !matches!(data[i], b'<' | b'[' | b']' | b'(' | b'%')
                {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                out.push(Tok::Other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_and_ranges() {
        let cmap = ToUnicode::parse(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
              1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              2 beginbfchar <0003> <0020> <0010> <00E9> endbfchar\n\
              2 beginbfrange <0024> <0026> <0041> <0030> <0031> [<0078> <0079>] endbfrange\n\
              endcmap",
        );
        let bytes = [0x00, 0x24, 0x00, 0x26, 0x00, 0x10, 0x00, 0x31];
        let text: String = cmap
            .codes(&bytes, 2)
            .into_iter()
            .map(|(c, l)| cmap.get(c, l).unwrap_or("?").to_string())
            .collect();
        assert_eq!(text, "ACéy");
    }
}
