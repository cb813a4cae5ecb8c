//! Text metrics: every writer places text with Helvetica's advance widths (Adobe core-14
//! metrics), so that a label has the same position and extent in the PDF (real Helvetica),
//! in the outlined PDF and in the raster (DejaVu glyphs fitted to those advances), and the
//! truth's boxes hold for all of them.

/// Cap height of Helvetica in em: CAD text height is the height of capitals.
pub const CAP_HEIGHT_EM: f64 = 0.718;
/// Helvetica's ascender and descender in em (AFM `Ascender 718`, `Descender -207`): the
/// vertical extent of a text box.
pub const ASCENT_EM: f64 = 0.718;
pub const DESCENT_EM: f64 = 0.207;

/// Advance width of one character in 1/1000 em. Accented letters have their base letter's
/// width, as in Helvetica's AFM.
pub fn advance(c: char) -> f64 {
    // One table serves the reader and the generator: the PDF reader places glyphs of
    // standard fonts with the same metrics.
    chantier_bim::pdf::helvetica_advance(c)
}

/// Pair kerning in 1/1000 em (negative brings the glyphs closer), a few of Helvetica's
/// strongest pairs: strings drawn with `TJ` arrays carry them.
pub fn kerning(a: char, b: char) -> f64 {
    match (a, b) {
        ('A', 'V') | ('V', 'A') => -70.0,
        ('A', 'T') | ('T', 'A') => -111.0,
        ('T', 'a') | ('T', 'e') | ('T', 'o') => -120.0,
        ('P', 'A') => -74.0,
        ('L', 'T') => -92.0,
        ('r', '.') | ('r', ',') => -37.0,
        ('1', '1') => -74.0,
        ('f', 'o') | ('v', 'e') | ('y', 'e') => -20.0,
        _ => 0.0,
    }
}

/// A line of text laid out along its baseline, in em.
#[derive(Debug, Clone)]
pub struct Run {
    /// Each character with its pen position (em) from the start of the baseline.
    pub glyphs: Vec<(char, f64)>,
    /// Kerning before each character in 1/1000 em (0 for the first), what a `TJ` array says.
    pub kerns: Vec<f64>,
    pub width: f64,
}

pub fn layout(text: &str, kern: bool) -> Run {
    let mut glyphs = Vec::new();
    let mut kerns = Vec::new();
    let mut x = 0.0;
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let k = match (kern, prev) {
            (true, Some(p)) => kerning(p, c),
            _ => 0.0,
        };
        x += k / 1000.0;
        glyphs.push((c, x));
        kerns.push(k);
        x += advance(c) / 1000.0;
        prev = Some(c);
    }
    Run {
        glyphs,
        kerns,
        width: x,
    }
}

/// Width in em of `text`.
pub fn width_em(text: &str, kern: bool) -> f64 {
    layout(text, kern).width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helvetica_widths() {
        assert_eq!(advance('0'), 556.0);
        assert_eq!(advance('é'), 556.0);
        assert_eq!(advance('²'), 333.0);
        assert!((width_em("AV", true) - (1.334 - 0.070)).abs() < 1e-9);
        assert!((width_em("AV", false) - 1.334).abs() < 1e-9);
    }
}
