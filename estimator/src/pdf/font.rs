//! DejaVu Sans, measured with `ttf-parser` and embedded as a subset Type0 / CIDFontType2 font
//! (Identity-H, glyph ids as CIDs, /W widths and a /ToUnicode CMap so text can be copied).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, dictionary};

use crate::error::{EstimatorError, Result};

/// The two faces the devis uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(crate) const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    pub(crate) fn face(self) -> &'static Face {
        static REGULAR: OnceLock<Face> = OnceLock::new();
        static BOLD: OnceLock<Face> = OnceLock::new();
        match self {
            Font::Regular => {
                REGULAR.get_or_init(|| Face::new(dejavu::sans::regular(), "DejaVuSans"))
            }
            Font::Bold => BOLD.get_or_init(|| Face::new(dejavu::sans::bold(), "DejaVuSans-Bold")),
        }
    }

    /// Resource name in the page dictionaries.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Width of `text` at `size` points, in points.
    pub(crate) fn width(self, text: &str, size: f32) -> f32 {
        self.face().width(text, size)
    }
}

/// Characters below this are looked up once and kept in a table (Latin-1 and Latin
/// Extended-A: every French letter, œ included).
const TABLE: usize = 0x180;

/// A parsed font with the metrics the layout needs.
pub(crate) struct Face {
    data: &'static [u8],
    face: Option<ttf_parser::Face<'static>>,
    name: &'static str,
    units_per_em: f32,
    /// (glyph id, advance) for chars below [`TABLE`].
    table: Vec<(u16, u16)>,
    /// Glyph printed for characters the font lacks ('?').
    fallback: u16,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").field("name", &self.name).finish()
    }
}

impl Face {
    fn new(data: &'static [u8], name: &'static str) -> Face {
        // DejaVu is compiled in; a parse failure is caught by the tests, and rendering
        // reports it rather than panicking.
        let face = ttf_parser::Face::parse(data, 0).ok();
        let units_per_em = face
            .as_ref()
            .map_or(1000.0, |f| f32::from(f.units_per_em()));
        let mut this = Face {
            data,
            face,
            name,
            units_per_em,
            table: Vec::new(),
            fallback: 0,
        };
        this.fallback = this.lookup('?').map_or(0, |(g, _)| g);
        this.table = (0..TABLE as u32)
            .map(|c| {
                char::from_u32(c)
                    .and_then(|c| this.lookup(c))
                    .unwrap_or((this.fallback, this.advance(this.fallback)))
            })
            .collect();
        this
    }

    fn lookup(&self, c: char) -> Option<(u16, u16)> {
        let face = self.face.as_ref()?;
        let g = face.glyph_index(c)?;
        Some((g.0, face.glyph_hor_advance(g).unwrap_or(0)))
    }

    fn advance(&self, glyph: u16) -> u16 {
        self.face
            .as_ref()
            .and_then(|f| f.glyph_hor_advance(ttf_parser::GlyphId(glyph)))
            .unwrap_or(0)
    }

    /// Glyph id and advance (font units) of `c`; '?' when the font lacks it.
    pub(crate) fn glyph(&self, c: char) -> (u16, u16) {
        let c = normalize(c);
        if (c as usize) < TABLE {
            return self.table[c as usize];
        }
        self.lookup(c)
            .unwrap_or_else(|| (self.fallback, self.advance(self.fallback)))
    }

    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        units as f32 * size / self.units_per_em
    }

    /// Whether the font has a glyph of its own for `c`.
    #[cfg(test)]
    pub(crate) fn has(&self, c: char) -> bool {
        self.face
            .as_ref()
            .is_some_and(|f| f.glyph_index(c).is_some_and(|g| g.0 != 0))
    }

    fn to_1000(&self, units: f32) -> i64 {
        (units * 1000.0 / self.units_per_em).round() as i64
    }
}

/// Characters drawn as another: tabs and line controls as spaces.
pub(crate) fn normalize(c: char) -> char {
    match c {
        '\t' | '\r' | '\n' => ' ',
        c => c,
    }
}

/// The glyphs of one font used in a document, collected before embedding.
#[derive(Debug, Default)]
pub(crate) struct Usage {
    chars: BTreeSet<char>,
}

impl Usage {
    pub(crate) fn add(&mut self, text: &str) {
        self.chars.extend(text.chars().map(normalize));
    }
}

/// What a page content stream needs to write text in an embedded font.
#[derive(Debug)]
pub(crate) struct Encoder {
    /// Character to the glyph id of the subset (the CID).
    cids: BTreeMap<char, u16>,
    fallback: u16,
}

impl Encoder {
    /// Appends `text` as a hex string of 2-byte CIDs: `<0001002A>`.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        out.push(b'<');
        for c in text.chars() {
            let cid = self
                .cids
                .get(&normalize(c))
                .copied()
                .unwrap_or(self.fallback);
            for shift in [12, 8, 4, 0] {
                out.push(HEX[usize::from((cid >> shift) & 0xf)]);
            }
        }
        out.push(b'>');
    }
}

fn render_error(what: &str, e: impl std::fmt::Display) -> EstimatorError {
    EstimatorError::Render(format!("{what}: {e}"))
}

/// Six capital letters naming the subset, derived from its glyphs so the same text gives
/// the same file.
fn subset_tag(glyphs: &[u16]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs {
        for b in g.to_be_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}

/// Embeds the subset of `font` covering `usage`; returns the Type0 font object and the
/// encoder for content streams.
pub(crate) fn embed(doc: &mut Document, font: Font, usage: &Usage) -> Result<(ObjectId, Encoder)> {
    let face = font.face();
    let parsed = face
        .face
        .as_ref()
        .ok_or_else(|| EstimatorError::Render(format!("cannot parse the font {}", face.name)))?;

    // Original glyph ids, sorted so the subset numbering does not depend on text order.
    let mut by_glyph: BTreeMap<u16, char> = BTreeMap::new();
    let mut glyph_of: BTreeMap<char, u16> = BTreeMap::new();
    for &c in &usage.chars {
        let (g, _) = face.glyph(c);
        glyph_of.insert(c, g);
        // Several chars may share a glyph; the smallest code point wins for copy/paste.
        by_glyph.entry(g).or_insert(c);
    }
    by_glyph.entry(face.fallback).or_insert('?');
    let originals: Vec<u16> = by_glyph.keys().copied().collect();
    let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&originals);
    let new_id = |g: u16| remapper.get(g).unwrap_or(0);
    let subset = subsetter::subset(face.data, 0, &remapper)
        .map_err(|e| render_error("font subsetting failed", e))?;

    let cids: BTreeMap<char, u16> = glyph_of.iter().map(|(&c, &g)| (c, new_id(g))).collect();
    let encoder = Encoder {
        cids,
        fallback: new_id(face.fallback),
    };

    // Widths: new ids are 0..n in the order of the original ids.
    let count = remapper.num_gids();
    let mut widths = vec![Object::Integer(0); usize::from(count)];
    for &g in &originals {
        let id = usize::from(new_id(g));
        if let Some(w) = widths.get_mut(id) {
            *w = Object::Integer(face.to_1000(f32::from(face.advance(g))));
        }
    }
    let tag = subset_tag(&originals);
    let base_font = format!("{tag}+{}", face.name);

    let mut file = Stream::new(
        dictionary! { "Length1" => Object::Integer(subset.len() as i64) },
        subset,
    );
    file.compress()
        .map_err(|e| render_error("cannot compress the font", e))?;
    let file_id = doc.add_object(file);

    let bbox = parsed.global_bounding_box();
    let ascent = face.to_1000(f32::from(parsed.ascender()));
    let descent = face.to_1000(f32::from(parsed.descender()));
    let cap_height = face.to_1000(f32::from(
        parsed.capital_height().unwrap_or(parsed.ascender()),
    ));
    let descriptor = dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(base_font.clone().into_bytes()),
        "Flags" => 32,
        "FontBBox" => vec![
            face.to_1000(f32::from(bbox.x_min)).into(),
            face.to_1000(f32::from(bbox.y_min)).into(),
            face.to_1000(f32::from(bbox.x_max)).into(),
            face.to_1000(f32::from(bbox.y_max)).into(),
        ],
        "ItalicAngle" => 0,
        "Ascent" => ascent,
        "Descent" => descent,
        "CapHeight" => cap_height,
        "StemV" => if font == Font::Bold { 120 } else { 80 },
        "FontFile2" => file_id,
    };
    let descriptor_id = doc.add_object(descriptor);

    let cid_font = dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => Object::Name(base_font.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor_id,
        "DW" => 1000,
        "W" => vec![Object::Integer(0), Object::Array(widths)],
        "CIDToGIDMap" => "Identity",
    };
    let cid_font_id = doc.add_object(cid_font);

    let cmap = to_unicode(by_glyph.iter().map(|(&g, &c)| (new_id(g), c)));
    let mut cmap = Stream::new(Dictionary::new(), cmap.into_bytes());
    cmap.compress()
        .map_err(|e| render_error("cannot compress the ToUnicode map", e))?;
    let cmap_id = doc.add_object(cmap);

    let type0 = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => Object::Name(base_font.into_bytes()),
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid_font_id.into()],
        "ToUnicode" => cmap_id,
    };
    Ok((doc.add_object(type0), encoder))
}

/// A /ToUnicode CMap from CIDs to characters.
fn to_unicode(pairs: impl Iterator<Item = (u16, char)>) -> String {
    let pairs: Vec<(u16, char)> = pairs.filter(|&(cid, _)| cid != 0).collect();
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in pairs.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for &(cid, c) in chunk {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(s, "<{cid:04X}> <{hex}>");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

/// A PDF text string (Info dictionary): UTF-16BE with a byte order mark.
pub(crate) fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xfe, 0xff];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_has_every_character_a_devis_prints() {
        for font in Font::ALL {
            let face = font.face();
            assert!(face.face.is_some(), "{} parses", face.name);
            for c in "éèêàçùœÉÈÀÇŒ€²³«»’…\u{a0}\u{202f}°".chars() {
                assert!(face.has(c), "{} lacks {c:?}", face.name);
            }
        }
    }

    #[test]
    fn widths_are_measured_from_the_font() {
        let w = Font::Regular.width("Désignation", 10.0);
        assert!(w > 40.0 && w < 70.0, "{w}");
        assert!(Font::Bold.width("Désignation", 10.0) > w);
        assert_eq!(Font::Regular.width("", 10.0), 0.0);
        // Missing characters measure as '?', never zero.
        assert_eq!(
            Font::Regular.width("\u{10FFFD}", 10.0),
            Font::Regular.width("?", 10.0)
        );
    }

    #[test]
    fn subset_is_small_and_encodes_through_the_remapped_ids() {
        let mut doc = Document::with_version("1.7");
        let mut usage = Usage::default();
        usage.add("Désignation 1 234,56 € m²");
        let (id, enc) = embed(&mut doc, Font::Regular, &usage).unwrap();
        assert!(doc.get_object(id).is_ok());
        let mut out = Vec::new();
        enc.encode("é", &mut out);
        // A handful of glyphs: the subset ids are small, not DejaVu's.
        let cid = u16::from_str_radix(std::str::from_utf8(&out[1..5]).unwrap(), 16).unwrap();
        assert!(cid > 0 && cid < 30, "{cid}");
        let fonts: usize = doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| s.dict.has(b"Length1"))
            .map(|s| s.content.len())
            .sum();
        assert!(fonts < 40_000, "subset is {fonts} bytes");
    }
}
