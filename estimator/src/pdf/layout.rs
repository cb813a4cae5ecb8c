//! Page geometry, drawing operations, text wrapping by measured width and the flow of
//! blocks down the pages. Coordinates are PDF points, origin at the bottom left.

use super::font::Font;

pub(crate) const PAGE_WIDTH: f32 = 595.276;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// 15 mm.
pub(crate) const MARGIN: f32 = 42.52;
pub(crate) const LEFT: f32 = MARGIN;
pub(crate) const RIGHT: f32 = PAGE_WIDTH - MARGIN;
pub(crate) const WIDTH: f32 = RIGHT - LEFT;
pub(crate) const TOP: f32 = PAGE_HEIGHT - MARGIN;
/// Lowest point of the content; the footer sits below.
pub(crate) const BOTTOM: f32 = MARGIN + 14.0;
/// Baseline of the footer.
pub(crate) const FOOTER_Y: f32 = MARGIN - 8.0;

/// An RGB colour, components in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Color(pub f32, pub f32, pub f32);

pub(crate) const BLACK: Color = Color(0.1, 0.1, 0.12);
pub(crate) const MUTED: Color = Color(0.22, 0.22, 0.26);
pub(crate) const GREY: Color = Color(0.38, 0.38, 0.42);
pub(crate) const RULE: Color = Color(0.78, 0.8, 0.84);
pub(crate) const ACCENT: Color = Color(0.09, 0.23, 0.42);
pub(crate) const HEADER_FILL: Color = Color(0.86, 0.9, 0.95);
pub(crate) const LOT_FILL: Color = Color(0.94, 0.95, 0.97);

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Align {
    Left,
    Right,
    Center,
}

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// Text with its baseline starting at (x, y).
    Text {
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        color: Color,
        text: String,
    },
    /// A rectangle from its bottom-left corner, filled and/or stroked.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<(Color, f32)>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Color,
        width: f32,
    },
}

/// A text style.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub font: Font,
    pub size: f32,
    pub color: Color,
}

impl Style {
    pub(crate) const fn new(font: Font, size: f32, color: Color) -> Style {
        Style { font, size, color }
    }

    /// Distance between two baselines.
    pub(crate) fn leading(&self) -> f32 {
        self.size * 1.28
    }

    pub(crate) fn width(&self, text: &str) -> f32 {
        self.font.width(text, self.size)
    }

    pub(crate) fn bold(self) -> Style {
        Style {
            font: Font::Bold,
            ..self
        }
    }

    pub(crate) fn colored(self, color: Color) -> Style {
        Style { color, ..self }
    }

    pub(crate) fn sized(self, size: f32) -> Style {
        Style { size, ..self }
    }
}

/// The drawing operations of one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Page {
    pub ops: Vec<Op>,
}

impl Page {
    /// Text aligned on `x` (its left edge, right edge or centre).
    pub(crate) fn text(&mut self, x: f32, y: f32, align: Align, style: Style, text: &str) {
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - style.width(text),
            Align::Center => x - style.width(text) / 2.0,
        };
        self.ops.push(Op::Text {
            x,
            y,
            font: style.font,
            size: style.size,
            color: style.color,
            text: text.to_string(),
        });
    }

    /// Text in a box `width` wide, shrunk if it would not fit.
    pub(crate) fn text_fit(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        align: Align,
        style: Style,
        text: &str,
    ) {
        let style = style.sized(fit_size(style, text, width));
        let x = match align {
            Align::Left => x,
            Align::Right => x + width,
            Align::Center => x + width / 2.0,
        };
        self.text(x, y, align, style, text);
    }

    pub(crate) fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<(Color, f32)>,
    ) {
        self.ops.push(Op::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: Color, width: f32) {
        self.ops.push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            color,
            width,
        });
    }

    /// Every text drawn on the page, in drawing order (for tests).
    #[cfg(test)]
    pub(crate) fn texts(&self) -> impl Iterator<Item = &str> {
        self.ops.iter().filter_map(|o| match o {
            Op::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

/// The size at which `text` fits `width`: the style's, or smaller (not under 60 %).
pub(crate) fn fit_size(style: Style, text: &str, width: f32) -> f32 {
    let w = style.width(text);
    if w <= width || w == 0.0 {
        style.size
    } else {
        (style.size * width / w).max(style.size * 0.6)
    }
}

/// Breaks `text` into lines no wider than `width` at `style`: at spaces, at explicit line
/// breaks (kept), and inside words longer than a line. Runs of spaces inside a line are kept;
/// spaces at a break vanish.
pub(crate) fn wrap(text: &str, style: Style, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let space = style.width(" ");
    let text = glue(text);
    for paragraph in text.split('\n') {
        let paragraph = paragraph.trim_end_matches('\r');
        let mut line = String::new();
        let mut line_w = 0.0f32;
        // Whether the line has started (it may hold only leading spaces).
        let mut started = false;
        for word in paragraph.split(' ') {
            let word_w = style.width(word);
            if started {
                if line_w + space + word_w <= width {
                    line.push(' ');
                    line.push_str(word);
                    line_w += space + word_w;
                    continue;
                }
                lines.push(line.trim_end().to_string());
                line.clear();
                line_w = 0.0;
                started = false;
                if word.is_empty() {
                    continue;
                }
            }
            started = true;
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
                continue;
            }
            // A word longer than a line: cut it where it overflows.
            for c in word.chars() {
                let cw = style.width(c.encode_utf8(&mut [0; 4]));
                if line_w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// French punctuation stays with its word: a line never starts with ":", "»", ";", "!" or
/// "?", nor ends with "«" (the spaces become no-break spaces, as French typography wants).
fn glue(text: &str) -> std::borrow::Cow<'_, str> {
    const PATTERNS: [(&str, &str); 6] = [
        (" :", "\u{a0}:"),
        (" ;", "\u{a0};"),
        (" !", "\u{a0}!"),
        (" ?", "\u{a0}?"),
        (" »", "\u{a0}»"),
        ("« ", "«\u{a0}"),
    ];
    if !PATTERNS.iter().any(|(from, _)| text.contains(from)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for (from, to) in PATTERNS {
        out = out.replace(from, to);
    }
    std::borrow::Cow::Owned(out)
}

/// Blocks flowing down pages: a cursor, and a page break when a block does not fit.
pub(crate) struct Flow<'a> {
    pub pages: Vec<Page>,
    /// Top of the free space on the current page.
    pub y: f32,
    /// Top of the free space on a fresh current page: nothing was drawn while `y` is here.
    page_top: f32,
    /// Drawn at the top of every page after the first; returns its height.
    running_header: Box<dyn Fn(&mut Page) -> f32 + 'a>,
}

impl<'a> Flow<'a> {
    pub(crate) fn new(running_header: impl Fn(&mut Page) -> f32 + 'a) -> Flow<'a> {
        Flow {
            pages: vec![Page::default()],
            y: TOP,
            page_top: TOP,
            running_header: Box::new(running_header),
        }
    }

    pub(crate) fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a flow always has a page")
    }

    /// Space left on the current page.
    pub(crate) fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    pub(crate) fn new_page(&mut self) {
        let mut page = Page::default();
        let h = (self.running_header)(&mut page);
        self.pages.push(page);
        self.y = TOP - h;
        self.page_top = self.y;
    }

    /// Starts a new page unless `height` fits on this one (or the page is still empty, when
    /// a new one would not help); true when it broke the page.
    pub(crate) fn ensure(&mut self, height: f32) -> bool {
        if height <= self.room() || self.y >= self.page_top {
            return false;
        }
        self.new_page();
        true
    }

    /// Moves the cursor down.
    pub(crate) fn advance(&mut self, dy: f32) {
        self.y -= dy;
    }

    /// Wrapped text at the cursor, `width` wide from `x`, breaking pages between lines.
    pub(crate) fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        for line in wrap(text, style, width) {
            self.ensure(style.leading());
            let y = self.y - style.size;
            self.page().text(x, y, Align::Left, style, &line);
            self.advance(style.leading());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: Style = Style::new(Font::Regular, 9.0, BLACK);

    #[test]
    fn wrapping_follows_the_measured_width() {
        let text = "Mur en maçonnerie de blocs béton creux de 20 cm, hourdés au mortier de ciment, \
                    y compris chaînages, linteaux et coupes";
        let lines = wrap(text, BODY, 150.0);
        assert!(lines.len() >= 3, "{lines:?}");
        for l in &lines {
            assert!(BODY.width(l) <= 150.0, "{l:?} is {} wide", BODY.width(l));
            assert!(!l.starts_with(' ') && !l.ends_with(' '), "{l:?}");
        }
        assert_eq!(lines.join(" "), text);
        // Narrow letters fit more per line than wide ones at the same width.
        let narrow = wrap(&"il ".repeat(60), BODY, 100.0).len();
        let wide = wrap(&"MW ".repeat(60), BODY, 100.0).len();
        assert!(narrow < wide, "{narrow} vs {wide}");
    }

    #[test]
    fn wrapping_keeps_breaks_and_cuts_long_words() {
        let lines = wrap("Date ....    Lieu ....\nSignature", BODY, 400.0);
        assert_eq!(lines, vec!["Date ....    Lieu ....", "Signature"]);
        // French punctuation never starts a line.
        let text = "Signature du client, précédée de la mention « Bon pour accord » :";
        for w in (100..300).step_by(7) {
            for l in wrap(text, BODY, w as f32) {
                assert!(!l.starts_with([':', '»']) && !l.ends_with('«'), "{l:?}");
            }
        }
        let long = "x".repeat(200);
        let lines = wrap(&long, BODY, 100.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| BODY.width(l) <= 100.0));
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap("", BODY, 100.0), vec![String::new()]);
    }

    #[test]
    fn flow_breaks_pages_and_draws_the_running_header() {
        fn header(p: &mut Page) -> f32 {
            p.text(LEFT, TOP - 8.0, Align::Left, BODY, "suite");
            20.0
        }
        let mut flow = Flow::new(header);
        for _ in 0..200 {
            flow.ensure(12.0);
            flow.advance(12.0);
        }
        assert!(flow.pages.len() >= 3, "{}", flow.pages.len());
        assert_eq!(flow.pages[0].texts().count(), 0);
        for p in &flow.pages[1..] {
            assert_eq!(p.texts().collect::<Vec<_>>(), vec!["suite"]);
        }
        assert!(flow.y >= BOTTOM);
    }
}
