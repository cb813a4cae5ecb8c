//! The content stream interpreter: runs a page's operators with the graphics state, the
//! CTM and Form XObjects, and emits what plan recognition needs (glyphs with positions,
//! straight segments, flattened curves, image placements) in paper millimetres.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Operation;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::fonts::Font;
use super::matrix::Matrix;
use crate::plan::page::{BBox, Curve, ImagePlacement, PlanPage, Pt, Segment};

/// A glyph placed on the page, before glyphs are grouped into runs.
#[derive(Debug, Clone)]
pub struct PlacedGlyph {
    pub text: String,
    pub origin: Pt,
    /// Where the next glyph would start without spacing: the end of this one.
    pub end: Pt,
    pub bbox: BBox,
    pub angle_deg: f64,
    pub size_mm: f64,
}

/// An image the page draws, kept so a scanned page can be decoded later.
#[derive(Debug, Clone)]
pub enum ImageSource {
    XObject(ObjectId),
    Inline(Box<Stream>),
}

/// Budgets that stop hostile content streams.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_operations: u64,
    pub max_segments: usize,
    pub max_depth: u32,
    pub deadline: Option<std::time::Instant>,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    line_width: f64,
    font: Option<Rc<Font>>,
    font_size: f64,
    char_spacing: f64,
    word_spacing: f64,
    hscale: f64,
    leading: f64,
    rise: f64,
}

impl GState {
    fn new(ctm: Matrix) -> Self {
        Self {
            ctm,
            line_width: 1.0,
            font: None,
            font_size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            hscale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

enum PathSeg {
    Line(Pt, Pt),
    Cubic(Pt, Pt, Pt, Pt),
}

#[derive(Default)]
struct PathBuilder {
    segs: Vec<Vec<PathSeg>>,
    start: Option<Pt>,
    current: Option<Pt>,
}

/// Why a page could not be read to the end.
#[derive(Debug)]
pub enum Stop {
    Budget(String),
    Deadline,
}

pub struct Interpreter<'a> {
    doc: &'a Document,
    budget: Budget,
    pub page: PlanPage,
    pub glyphs: Vec<PlacedGlyph>,
    pub images: Vec<ImageSource>,
    fonts: HashMap<ObjectId, Rc<Font>>,
    paths: u32,
    operations: u64,
    form_stack: Vec<ObjectId>,
    warned_fonts: Vec<String>,
}

impl<'a> Interpreter<'a> {
    pub fn new(doc: &'a Document, page: PlanPage, budget: Budget) -> Self {
        Self {
            doc,
            budget,
            page,
            glyphs: Vec::new(),
            images: Vec::new(),
            fonts: HashMap::new(),
            paths: 0,
            operations: 0,
            form_stack: Vec::new(),
            warned_fonts: Vec::new(),
        }
    }

    /// Runs one content stream; `base` maps the stream's user space to paper millimetres.
    pub fn run(
        &mut self,
        content: &[u8],
        resources: &[&'a Dictionary],
        base: Matrix,
        depth: u32,
    ) -> Result<(), Stop> {
        let ops = match lopdf::content::Content::decode(content) {
            Ok(c) => c.operations,
            Err(e) => {
                self.page
                    .warnings
                    .push(format!("a content stream could not be parsed: {e}"));
                return Ok(());
            }
        };
        self.execute(&ops, resources, GState::new(base), depth)
    }

    fn execute(
        &mut self,
        ops: &[Operation],
        resources: &[&'a Dictionary],
        initial: GState,
        depth: u32,
    ) -> Result<(), Stop> {
        let mut gs = initial;
        let mut stack: Vec<GState> = Vec::new();
        let mut path = PathBuilder::default();
        let mut tm = Matrix::IDENTITY;
        let mut tlm = Matrix::IDENTITY;
        for op in ops {
            self.operations += 1;
            if self.operations > self.budget.max_operations {
                return Err(Stop::Budget(format!(
                    "page {} has more than {} drawing operations",
                    self.page.number, self.budget.max_operations
                )));
            }
            if self.operations & 0xFFF == 0
                && let Some(d) = self.budget.deadline
                && std::time::Instant::now() > d
            {
                return Err(Stop::Deadline);
            }
            let n = |i: usize| op.operands.get(i).and_then(num).unwrap_or(0.0);
            match op.operator.as_str() {
                "q" if stack.len() < 256 => stack.push(gs.clone()),
                "q" => {}
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => {
                    let m = Matrix([n(0), n(1), n(2), n(3), n(4), n(5)]);
                    if m.is_finite() {
                        gs.ctm = m.then(&gs.ctm);
                    }
                }
                "w" => gs.line_width = n(0),
                // Path construction.
                "m" => {
                    let p = self.point(&gs, n(0), n(1));
                    path.segs.push(Vec::new());
                    path.start = Some(p);
                    path.current = Some(p);
                }
                "l" => {
                    let p = self.point(&gs, n(0), n(1));
                    if let Some(c) = path.current {
                        if path.segs.is_empty() {
                            path.segs.push(Vec::new());
                        }
                        if let Some(sp) = path.segs.last_mut() {
                            sp.push(PathSeg::Line(c, p));
                        }
                    } else {
                        path.segs.push(Vec::new());
                        path.start = Some(p);
                    }
                    path.current = Some(p);
                }
                "c" | "v" | "y" => {
                    let Some(c0) = path.current else { continue };
                    let (c1, c2, p) = match op.operator.as_str() {
                        "c" => (
                            self.point(&gs, n(0), n(1)),
                            self.point(&gs, n(2), n(3)),
                            self.point(&gs, n(4), n(5)),
                        ),
                        "v" => (c0, self.point(&gs, n(0), n(1)), self.point(&gs, n(2), n(3))),
                        _ => {
                            let p = self.point(&gs, n(2), n(3));
                            (self.point(&gs, n(0), n(1)), p, p)
                        }
                    };
                    if let Some(sp) = path.segs.last_mut() {
                        sp.push(PathSeg::Cubic(c0, c1, c2, p));
                    }
                    path.current = Some(p);
                }
                "h" => {
                    if let (Some(c), Some(s)) = (path.current, path.start)
                        && let Some(sp) = path.segs.last_mut()
                        && c != s
                    {
                        sp.push(PathSeg::Line(c, s));
                    }
                    path.current = path.start;
                }
                "re" => {
                    let (x, y, w, h) = (n(0), n(1), n(2), n(3));
                    let p0 = self.point(&gs, x, y);
                    let p1 = self.point(&gs, x + w, y);
                    let p2 = self.point(&gs, x + w, y + h);
                    let p3 = self.point(&gs, x, y + h);
                    path.segs.push(vec![
                        PathSeg::Line(p0, p1),
                        PathSeg::Line(p1, p2),
                        PathSeg::Line(p2, p3),
                        PathSeg::Line(p3, p0),
                    ]);
                    path.start = Some(p0);
                    path.current = Some(p0);
                }
                // Path painting.
                "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                    let op_name = op.operator.as_str();
                    let stroke = matches!(op_name, "S" | "s" | "B" | "B*" | "b" | "b*");
                    let close = matches!(op_name, "s" | "b" | "b*");
                    let fill = !stroke;
                    self.emit_path(std::mem::take(&mut path), &gs, close || fill, fill)?;
                }
                "n" => path = PathBuilder::default(),
                // Text objects and state.
                "BT" => {
                    tm = Matrix::IDENTITY;
                    tlm = Matrix::IDENTITY;
                }
                "Tf" => {
                    gs.font_size = n(1);
                    if let Some(Object::Name(name)) = op.operands.first() {
                        gs.font = Some(self.font(resources, name));
                    }
                }
                "Tc" => gs.char_spacing = n(0),
                "Tw" => gs.word_spacing = n(0),
                "Tz" => gs.hscale = n(0) / 100.0,
                "TL" => gs.leading = n(0),
                "Ts" => gs.rise = n(0),
                "Td" => {
                    tlm = Matrix::translate(n(0), n(1)).then(&tlm);
                    tm = tlm;
                }
                "TD" => {
                    gs.leading = -n(1);
                    tlm = Matrix::translate(n(0), n(1)).then(&tlm);
                    tm = tlm;
                }
                "Tm" => {
                    let m = Matrix([n(0), n(1), n(2), n(3), n(4), n(5)]);
                    if m.is_finite() {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = op.operands.first() {
                        self.show(&gs, &mut tm, s);
                    }
                }
                "'" | "\"" => {
                    if op.operator == "\"" {
                        gs.word_spacing = n(0);
                        gs.char_spacing = n(1);
                    }
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = op.operands.last() {
                        self.show(&gs, &mut tm, s);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = op.operands.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(&gs, &mut tm, s),
                                other => {
                                    if let Some(v) = num(other) {
                                        let tx = -v / 1000.0 * gs.font_size * gs.hscale;
                                        tm = Matrix::translate(tx, 0.0).then(&tm);
                                    }
                                }
                            }
                        }
                    }
                }
                // External objects and inline images.
                "Do" => {
                    if let Some(Object::Name(name)) = op.operands.first() {
                        self.xobject(resources, name, &gs, depth)?;
                    }
                }
                "BI" => match op.operands.first() {
                    Some(Object::Stream(s)) => {
                        let dims = image_dims(&s.dict);
                        self.place_image(&gs, dims, Some(ImageSource::Inline(Box::new(s.clone()))));
                    }
                    // lopdf gives no operand for inline images it cannot parse (abbreviated
                    // filter names): still a picture on the page, placed by the CTM.
                    _ => self.place_image(&gs, (0, 0), None),
                },
                _ => {}
            }
        }
        Ok(())
    }

    fn point(&self, gs: &GState, x: f64, y: f64) -> Pt {
        let (x, y) = gs.ctm.apply(x, y);
        Pt::new(x, y)
    }

    fn emit_path(
        &mut self,
        path: PathBuilder,
        gs: &GState,
        close: bool,
        fill: bool,
    ) -> Result<(), Stop> {
        let id = self.paths;
        self.paths += 1;
        let width = gs.line_width * gs.ctm.scale();
        for mut sub in path.segs {
            if close {
                let first = sub.first().map(|s| match s {
                    PathSeg::Line(a, _) | PathSeg::Cubic(a, ..) => *a,
                });
                let last = sub.last().map(|s| match s {
                    PathSeg::Line(_, b) | PathSeg::Cubic(.., b) => *b,
                });
                if let (Some(f), Some(l)) = (first, last)
                    && f.dist(l) > 1e-9
                {
                    sub.push(PathSeg::Line(l, f));
                }
            }
            for seg in sub {
                match seg {
                    PathSeg::Line(a, b) => self.page.segments.push(Segment {
                        a,
                        b,
                        width_mm: width,
                        path: id,
                        fill,
                    }),
                    PathSeg::Cubic(a, b, c, d) => {
                        const N: usize = 8;
                        let points = (0..=N)
                            .map(|i| {
                                let t = i as f64 / N as f64;
                                let u = 1.0 - t;
                                let (w0, w1, w2, w3) =
                                    (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                                Pt::new(
                                    w0 * a.x + w1 * b.x + w2 * c.x + w3 * d.x,
                                    w0 * a.y + w1 * b.y + w2 * c.y + w3 * d.y,
                                )
                            })
                            .collect();
                        self.page.curves.push(Curve {
                            points,
                            path: id,
                            fill,
                        });
                    }
                }
            }
        }
        if self.page.segments.len() + self.page.curves.len() > self.budget.max_segments {
            return Err(Stop::Budget(format!(
                "page {} draws more than {} path segments",
                self.page.number, self.budget.max_segments
            )));
        }
        Ok(())
    }

    fn show(&mut self, gs: &GState, tm: &mut Matrix, bytes: &[u8]) {
        let font = match &gs.font {
            Some(f) => f.clone(),
            None => {
                let f = Rc::new(Font::fallback("(none)"));
                self.warn_font(&f.name, "text shown before any font was set");
                f
            }
        };
        let (asc, desc) = font.vertical_extent();
        let fs = gs.font_size;
        let th = gs.hscale;
        for g in font.decode(bytes) {
            let trm = Matrix([fs * th, 0.0, 0.0, fs, 0.0, gs.rise])
                .then(tm)
                .then(&gs.ctm);
            let (ox, oy) = trm.apply(0.0, 0.0);
            let (ex, ey) = trm.apply(g.advance, 0.0);
            let corners = [
                trm.apply(0.0, desc),
                trm.apply(g.advance, desc),
                trm.apply(g.advance, asc),
                trm.apply(0.0, asc),
            ];
            let (ux, uy) = trm.apply_vector(1.0, 0.0);
            let (vx, vy) = trm.apply_vector(0.0, 1.0);
            if !g.text.is_empty() || g.advance > 0.0 {
                self.page.text_chars += 1;
            }
            if !g.text.trim().is_empty() {
                self.glyphs.push(PlacedGlyph {
                    text: g.text.clone(),
                    origin: Pt::new(ox, oy),
                    end: Pt::new(ex, ey),
                    bbox: BBox::from_points(corners.iter().map(|&(x, y)| Pt::new(x, y))),
                    // Paper space is y-down: a reader's counter-clockwise angle flips dy.
                    angle_deg: (-uy).atan2(ux).to_degrees(),
                    size_mm: vx.hypot(vy),
                });
            }
            let mut tx = g.advance * fs + gs.char_spacing;
            if g.word_space {
                tx += gs.word_spacing;
            }
            *tm = Matrix::translate(tx * th, 0.0).then(tm);
        }
        if font.unknown_encoding {
            let name = font.name.clone();
            self.warn_font(
                &name,
                "no usable encoding or ToUnicode map; its text may be wrong",
            );
        }
    }

    fn warn_font(&mut self, name: &str, why: &str) {
        if !self.warned_fonts.iter().any(|n| n == name) {
            self.warned_fonts.push(name.to_string());
            self.page.warnings.push(format!("font {name}: {why}"));
        }
    }

    fn font(&mut self, resources: &[&'a Dictionary], name: &[u8]) -> Rc<Font> {
        for res in resources {
            let Some(fonts) = self.dict(res.get(b"Font").ok()) else {
                continue;
            };
            let Ok(entry) = fonts.get(name) else { continue };
            let id = match entry {
                Object::Reference(id) => Some(*id),
                _ => None,
            };
            if let Some(id) = id
                && let Some(f) = self.fonts.get(&id)
            {
                return f.clone();
            }
            if let Some(dict) = self.dict(Some(entry)) {
                let f = Rc::new(Font::load(self.doc, dict));
                if let Some(id) = id {
                    self.fonts.insert(id, f.clone());
                }
                return f;
            }
        }
        let label = String::from_utf8_lossy(name).into_owned();
        self.warn_font(&label, "not found in the page resources");
        Rc::new(Font::fallback(&label))
    }

    fn dict(&self, o: Option<&'a Object>) -> Option<&'a Dictionary> {
        let mut o = o?;
        for _ in 0..8 {
            match o {
                Object::Reference(id) => o = self.doc.get_object(*id).ok()?,
                Object::Dictionary(d) => return Some(d),
                Object::Stream(s) => return Some(&s.dict),
                _ => return None,
            }
        }
        None
    }

    fn xobject(
        &mut self,
        resources: &[&'a Dictionary],
        name: &[u8],
        gs: &GState,
        depth: u32,
    ) -> Result<(), Stop> {
        let found = resources.iter().find_map(|res| {
            let xo = self.dict(res.get(b"XObject").ok())?;
            match xo.get(name).ok()? {
                Object::Reference(id) => Some(*id),
                _ => None,
            }
        });
        let Some(id) = found else { return Ok(()) };
        let Ok(Object::Stream(stream)) = self.doc.get_object(id) else {
            return Ok(());
        };
        let subtype = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        match subtype {
            b"Image" => {
                let dims = image_dims(&stream.dict);
                self.place_image(gs, dims, Some(ImageSource::XObject(id)));
            }
            b"Form" => {
                if depth >= self.budget.max_depth || self.form_stack.contains(&id) {
                    self.page.warnings.push(format!(
                        "form XObject {} {} skipped: nested too deep or recursive",
                        id.0, id.1
                    ));
                    return Ok(());
                }
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .and_then(Object::as_array)
                    .ok()
                    .filter(|a| a.len() == 6)
                    .map(|a| Matrix([0, 1, 2, 3, 4, 5].map(|i| num(&a[i]).unwrap_or(0.0))))
                    .filter(Matrix::is_finite)
                    .unwrap_or(Matrix::IDENTITY);
                let content = match stream.decompressed_content() {
                    Ok(c) => c,
                    Err(_) => stream.content.clone(),
                };
                let mut res: Vec<&'a Dictionary> = Vec::new();
                if let Some(own) = self.dict(stream.dict.get(b"Resources").ok()) {
                    res.push(own);
                }
                res.extend_from_slice(resources);
                let ops = match lopdf::content::Content::decode(&content) {
                    Ok(c) => c.operations,
                    Err(e) => {
                        self.page
                            .warnings
                            .push(format!("form XObject {} {}: {e}", id.0, id.1));
                        return Ok(());
                    }
                };
                let mut inner = gs.clone();
                inner.ctm = matrix.then(&gs.ctm);
                self.form_stack.push(id);
                let r = self.execute(&ops, &res, inner, depth + 1);
                self.form_stack.pop();
                r?;
            }
            _ => {}
        }
        Ok(())
    }

    fn place_image(&mut self, gs: &GState, (w, h): (u32, u32), source: Option<ImageSource>) {
        let corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
            .map(|(x, y)| gs.ctm.apply(x, y))
            .map(|(x, y)| Pt::new(x, y));
        // Only pictures big enough to hold a scan are worth keeping for decoding.
        let index = match source {
            Some(source) if w >= 64 && h >= 64 => {
                self.images.push(source);
                self.images.len() - 1
            }
            _ => usize::MAX,
        };
        self.page.images.push(ImagePlacement {
            bbox: BBox::from_points(corners),
            width_px: w,
            height_px: h,
            index,
        });
    }
}

fn image_dims(d: &Dictionary) -> (u32, u32) {
    let g = |k: &[u8], short: &[u8]| {
        d.get(k)
            .or_else(|_| d.get(short))
            .ok()
            .and_then(num)
            .unwrap_or(0.0)
            .max(0.0) as u32
    };
    (g(b"Width", b"W"), g(b"Height", b"H"))
}

pub fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64).filter(|v| v.is_finite()),
        _ => None,
    }
}
