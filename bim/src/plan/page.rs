//! The page model every plan reader produces and the recognisers consume: vector PDFs, OCR'd
//! scans and renderings all become the same lists of text runs, segments and arcs, in paper
//! millimetres with the origin at the top-left corner and y pointing down (as in a picture,
//! so a recognised item's box can be drawn on the page's rendering without conversion).

use serde::{Deserialize, Serialize};

/// A point on the paper, in millimetres, y down.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

impl Pt {
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    pub fn dist(self, o: Pt) -> f64 {
        (self.x - o.x).hypot(self.y - o.y)
    }
    pub fn mid(self, o: Pt) -> Pt {
        Pt::new((self.x + o.x) / 2.0, (self.y + o.y) / 2.0)
    }
}

/// An axis-aligned box on the paper, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BBox {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl BBox {
    pub fn from_points(points: impl IntoIterator<Item = Pt>) -> BBox {
        let mut b = BBox {
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
        };
        for p in points {
            b.x0 = b.x0.min(p.x);
            b.y0 = b.y0.min(p.y);
            b.x1 = b.x1.max(p.x);
            b.y1 = b.y1.max(p.y);
        }
        b
    }
    pub fn union(self, o: BBox) -> BBox {
        BBox {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
    pub fn centre(&self) -> Pt {
        Pt::new((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
    pub fn contains(&self, p: Pt) -> bool {
        p.x >= self.x0 && p.x <= self.x1 && p.y >= self.y0 && p.y <= self.y1
    }
    pub fn grow(self, d: f64) -> BBox {
        BBox {
            x0: self.x0 - d,
            y0: self.y0 - d,
            x1: self.x1 + d,
            y1: self.y1 + d,
        }
    }
    /// Distance between two boxes (0 when they touch or overlap).
    pub fn gap(&self, o: &BBox) -> f64 {
        let dx = (o.x0 - self.x1).max(self.x0 - o.x1).max(0.0);
        let dy = (o.y0 - self.y1).max(self.y0 - o.y1).max(0.0);
        dx.hypot(dy)
    }
}

/// Where a page's content came from, which sets how much its geometry can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageSource {
    /// Text and paths read from the PDF's content streams.
    Vector,
    /// Text from OCR of a picture (a scan, an image file, or a rendering of outlined text).
    Raster,
}

/// A piece of text on one baseline: a glyph run of the PDF, or an OCR word or line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRun {
    pub text: String,
    pub bbox: BBox,
    /// Baseline start and direction in degrees, counter-clockwise from the page's +x axis
    /// as the reader sees it (90 for text reading bottom-to-top).
    pub origin: Pt,
    pub angle_deg: f64,
    /// Font size on the paper, in millimetres (the height of the em square).
    pub size_mm: f64,
    /// 1.0 for vector text, the OCR confidence otherwise.
    pub confidence: f32,
}

/// A straight stroke or an edge of a filled shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub a: Pt,
    pub b: Pt,
    /// Stroke width on the paper in millimetres (0 for hairlines and fill edges).
    pub width_mm: f64,
    /// Index of the path it belongs to, so that the edges of one filled shape stay together.
    pub path: u32,
    /// True when the segment bounds a filled area rather than being stroked.
    pub fill: bool,
}

impl Segment {
    pub fn len(&self) -> f64 {
        self.a.dist(self.b)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0.0
    }
    /// Direction in degrees in [0, 180).
    pub fn angle_deg(&self) -> f64 {
        let a = (self.b.y - self.a.y)
            .atan2(self.b.x - self.a.x)
            .to_degrees();
        a.rem_euclid(180.0)
    }
}

/// A curved stroke, kept as the polyline that flattens it (and the original cubic control
/// points when it came from a PDF path), for arc and circle recognition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub points: Vec<Pt>,
    pub path: u32,
    pub fill: bool,
}

/// A picture placed on the page (a scan in a PDF, a logo, a hatch tile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagePlacement {
    pub bbox: BBox,
    pub width_px: u32,
    pub height_px: u32,
    /// Index into the reader's image list, to decode it on demand.
    pub index: usize,
}

/// One page, whatever it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPage {
    /// 1-based.
    pub number: u32,
    pub width_mm: f64,
    pub height_mm: f64,
    pub source: PageSource,
    pub texts: Vec<TextRun>,
    pub segments: Vec<Segment>,
    pub curves: Vec<Curve>,
    pub images: Vec<ImagePlacement>,
    /// Glyphs drawn as text (spaces included), as pdfplumber counts them.
    pub text_chars: usize,
    /// Non-fatal problems met while reading (unknown font encodings, skipped images...).
    pub warnings: Vec<String>,
}

impl PlanPage {
    pub fn new(number: u32, width_mm: f64, height_mm: f64, source: PageSource) -> Self {
        Self {
            number,
            width_mm,
            height_mm,
            source,
            texts: Vec::new(),
            segments: Vec::new(),
            curves: Vec::new(),
            images: Vec::new(),
            text_chars: 0,
            warnings: Vec::new(),
        }
    }
}

impl PlanPage {
    /// Moves everything by (dx, dy) millimetres: a scan placed on a PDF page.
    pub fn shift(&mut self, dx: f64, dy: f64) {
        self.map(|p| Pt::new(p.x + dx, p.y + dy), 1.0);
    }

    /// Scales everything about the origin: a picture whose resolution was guessed wrong.
    pub fn scale_by(&mut self, k: f64) {
        self.map(|p| Pt::new(p.x * k, p.y * k), k);
        self.width_mm *= k;
        self.height_mm *= k;
    }

    fn map(&mut self, f: impl Fn(Pt) -> Pt, k: f64) {
        let bb = |b: BBox| BBox::from_points([f(Pt::new(b.x0, b.y0)), f(Pt::new(b.x1, b.y1))]);
        for t in &mut self.texts {
            t.bbox = bb(t.bbox);
            t.origin = f(t.origin);
            t.size_mm *= k;
        }
        for s in &mut self.segments {
            s.a = f(s.a);
            s.b = f(s.b);
            s.width_mm *= k;
        }
        for c in &mut self.curves {
            c.points.iter_mut().for_each(|p| *p = f(*p));
        }
        for i in &mut self.images {
            i.bbox = bb(i.bbox);
        }
    }
}
