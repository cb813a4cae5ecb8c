//! The sheet as an ASCII DXF (R2000, AC1015) in metres (`$INSUNITS` 6): the plan at its
//! real size in model space, with the title block, scale bar and schedule drawn around it
//! at the sheet's scale, as small offices draw whole sheets in model space. Layers MURS,
//! PORTES, FENETRES, COTES, TEXTES, CARTOUCHE; LINE, LWPOLYLINE, ARC, HATCH (ANSI31 poché
//! and SOLID fills) and TEXT entities. Non-ASCII characters are written as `\U+XXXX`, the
//! R2000 way.

use std::fmt::Write;

use super::SynthPlan;
use super::drawing::{Drawing, HAlign, Layer, Pt, Shape, Text, VAlign};

struct Writer {
    out: String,
    handle: u32,
}

impl Writer {
    fn pair(&mut self, code: i32, value: impl std::fmt::Display) {
        let _ = write!(self.out, "{code:>3}\n{value}\n");
    }
    fn f(&mut self, code: i32, v: f64) {
        let v = if v.abs() < 5e-10 { 0.0 } else { v };
        self.pair(code, format_args!("{v:.9}"));
    }
    fn next_handle(&mut self) -> String {
        self.handle += 1;
        format!("{:X}", self.handle)
    }
    fn handle(&mut self) -> String {
        let h = self.next_handle();
        self.pair(5, &h);
        h
    }
}

const MODEL_SPACE_RECORD: &str = "1F";
const PAPER_SPACE_RECORD: &str = "1E";

fn colour(l: Layer) -> i32 {
    match l {
        Layer::Murs => 7,
        Layer::Portes => 3,
        Layer::Fenetres => 5,
        Layer::Cotes => 1,
        Layer::Textes => 7,
        Layer::Cartouche => 8,
    }
}

/// DXF lineweight (1/100 mm) nearest a pen width.
fn lineweight(pen_mm: f64) -> i32 {
    const W: [i32; 10] = [13, 15, 18, 20, 25, 30, 35, 40, 50, 70];
    let target = pen_mm * 100.0;
    W.iter()
        .copied()
        .min_by(|a, b| {
            (*a as f64 - target)
                .abs()
                .total_cmp(&(*b as f64 - target).abs())
        })
        .unwrap_or(25)
}

/// `\U+XXXX` for characters outside ASCII.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\U+{:04X}", c as u32)
            }
        })
        .collect()
}

pub fn to_dxf(plan: &SynthPlan) -> String {
    drawing_to_dxf(&plan.drawing, plan.spec.imperial())
}

pub fn drawing_to_dxf(d: &Drawing, imperial: bool) -> String {
    let mut w = Writer {
        out: String::with_capacity(1 << 20),
        handle: 0x100,
    };
    let corner = |p: Pt| d.to_model(p);
    let (x0, y1) = corner(Pt { x: 0.0, y: 0.0 });
    let (x1, y0) = corner(Pt {
        x: d.paper_mm.0,
        y: d.paper_mm.1,
    });
    // HEADER
    w.pair(0, "SECTION");
    w.pair(2, "HEADER");
    w.pair(9, "$ACADVER");
    w.pair(1, "AC1015");
    w.pair(9, "$DWGCODEPAGE");
    w.pair(3, "ANSI_1252");
    w.pair(9, "$INSUNITS");
    w.pair(70, 6);
    w.pair(9, "$MEASUREMENT");
    w.pair(70, if imperial { 0 } else { 1 });
    w.pair(9, "$EXTMIN");
    w.f(10, x0);
    w.f(20, y0);
    w.f(30, 0.0);
    w.pair(9, "$EXTMAX");
    w.f(10, x1);
    w.f(20, y1);
    w.f(30, 0.0);
    w.pair(9, "$HANDSEED");
    w.pair(5, "FFFFF");
    w.pair(0, "ENDSEC");
    // TABLES
    w.pair(0, "SECTION");
    w.pair(2, "TABLES");
    table(&mut w, "VPORT", 1, |w| {
        w.pair(0, "VPORT");
        w.handle();
        w.pair(100, "AcDbSymbolTableRecord");
        w.pair(100, "AcDbViewportTableRecord");
        w.pair(2, "*ACTIVE");
        w.pair(70, 0);
        w.f(12, (x0 + x1) / 2.0);
        w.f(22, (y0 + y1) / 2.0);
        w.f(40, y1 - y0);
        w.f(41, (x1 - x0) / (y1 - y0).max(1e-9));
    });
    table(&mut w, "LTYPE", 1, |w| {
        w.pair(0, "LTYPE");
        w.handle();
        w.pair(100, "AcDbSymbolTableRecord");
        w.pair(100, "AcDbLinetypeTableRecord");
        w.pair(2, "CONTINUOUS");
        w.pair(70, 0);
        w.pair(3, "Solid line");
        w.pair(72, 65);
        w.pair(73, 0);
        w.f(40, 0.0);
    });
    table(&mut w, "LAYER", Layer::ALL.len() + 1, |w| {
        for (name, col) in
            std::iter::once(("0", 7)).chain(Layer::ALL.iter().map(|l| (l.name(), colour(*l))))
        {
            w.pair(0, "LAYER");
            w.handle();
            w.pair(100, "AcDbSymbolTableRecord");
            w.pair(100, "AcDbLayerTableRecord");
            w.pair(2, name);
            w.pair(70, 0);
            w.pair(62, col);
            w.pair(6, "CONTINUOUS");
            w.pair(370, -3);
        }
    });
    table(&mut w, "STYLE", 1, |w| {
        w.pair(0, "STYLE");
        w.handle();
        w.pair(100, "AcDbSymbolTableRecord");
        w.pair(100, "AcDbTextStyleTableRecord");
        w.pair(2, "STANDARD");
        w.pair(70, 0);
        w.f(40, 0.0);
        w.f(41, 1.0);
        w.f(50, 0.0);
        w.pair(71, 0);
        w.f(42, 0.25);
        w.pair(3, "arial.ttf");
        w.pair(4, "");
    });
    table(&mut w, "APPID", 1, |w| {
        w.pair(0, "APPID");
        w.handle();
        w.pair(100, "AcDbSymbolTableRecord");
        w.pair(100, "AcDbRegAppTableRecord");
        w.pair(2, "ACAD");
        w.pair(70, 0);
    });
    table(&mut w, "BLOCK_RECORD", 2, |w| {
        for (h, name) in [
            (MODEL_SPACE_RECORD, "*Model_Space"),
            (PAPER_SPACE_RECORD, "*Paper_Space"),
        ] {
            w.pair(0, "BLOCK_RECORD");
            w.pair(5, h);
            w.pair(100, "AcDbSymbolTableRecord");
            w.pair(100, "AcDbBlockTableRecord");
            w.pair(2, name);
        }
    });
    w.pair(0, "ENDSEC");
    // BLOCKS: the two layout blocks, empty.
    w.pair(0, "SECTION");
    w.pair(2, "BLOCKS");
    for (owner, name) in [
        (MODEL_SPACE_RECORD, "*Model_Space"),
        (PAPER_SPACE_RECORD, "*Paper_Space"),
    ] {
        w.pair(0, "BLOCK");
        w.handle();
        w.pair(330, owner);
        w.pair(100, "AcDbEntity");
        w.pair(8, "0");
        w.pair(100, "AcDbBlockBegin");
        w.pair(2, name);
        w.pair(70, 0);
        w.f(10, 0.0);
        w.f(20, 0.0);
        w.f(30, 0.0);
        w.pair(3, name);
        w.pair(1, "");
        w.pair(0, "ENDBLK");
        w.handle();
        w.pair(330, owner);
        w.pair(100, "AcDbEntity");
        w.pair(8, "0");
        w.pair(100, "AcDbBlockEnd");
    }
    w.pair(0, "ENDSEC");
    // ENTITIES
    w.pair(0, "SECTION");
    w.pair(2, "ENTITIES");
    for item in &d.items {
        entity(&mut w, d, item.layer, &item.shape);
    }
    w.pair(0, "ENDSEC");
    // OBJECTS: the root dictionary.
    w.pair(0, "SECTION");
    w.pair(2, "OBJECTS");
    w.pair(0, "DICTIONARY");
    w.pair(5, "C");
    w.pair(330, 0);
    w.pair(100, "AcDbDictionary");
    w.pair(281, 1);
    w.pair(0, "ENDSEC");
    w.pair(0, "EOF");
    w.out
}

fn table(w: &mut Writer, name: &str, count: usize, body: impl FnOnce(&mut Writer)) {
    w.pair(0, "TABLE");
    w.pair(2, name);
    w.handle();
    w.pair(100, "AcDbSymbolTable");
    w.pair(70, count);
    body(w);
    w.pair(0, "ENDTAB");
}

fn head(w: &mut Writer, kind: &str, layer: Layer, pen_mm: Option<f64>) {
    w.pair(0, kind);
    w.handle();
    w.pair(330, MODEL_SPACE_RECORD);
    w.pair(100, "AcDbEntity");
    w.pair(8, layer.name());
    if let Some(p) = pen_mm {
        w.pair(370, lineweight(p));
    }
}

fn entity(w: &mut Writer, d: &Drawing, layer: Layer, s: &Shape) {
    let m = |p: Pt| d.to_model(p);
    let k = d.mm_per_m;
    match s {
        Shape::Line { a, b, pen_mm } => line(w, layer, m(*a), m(*b), *pen_mm),
        Shape::Polyline {
            points,
            closed,
            pen_mm,
        } => {
            head(w, "LWPOLYLINE", layer, Some(*pen_mm));
            w.pair(100, "AcDbPolyline");
            w.pair(90, points.len());
            w.pair(70, if *closed { 1 } else { 0 });
            for &p in points {
                let (x, y) = m(p);
                w.f(10, x);
                w.f(20, y);
            }
        }
        Shape::Arc {
            centre,
            radius,
            start_deg,
            sweep_deg,
            pen_mm,
        } => {
            head(w, "ARC", layer, Some(*pen_mm));
            w.pair(100, "AcDbCircle");
            let (x, y) = m(*centre);
            w.f(10, x);
            w.f(20, y);
            w.f(30, 0.0);
            w.f(40, radius / k);
            w.pair(100, "AcDbArc");
            w.f(50, start_deg.rem_euclid(360.0));
            w.f(51, (start_deg + sweep_deg).rem_euclid(360.0));
        }
        Shape::Fill { points, .. } => {
            let pts: Vec<(f64, f64)> = points.iter().map(|&p| m(p)).collect();
            hatch(w, layer, &pts, None);
        }
        Shape::Hatch {
            boundary,
            angle_deg,
            spacing_mm,
            ..
        } => {
            let pts: Vec<(f64, f64)> = boundary.iter().map(|&p| m(p)).collect();
            hatch(w, layer, &pts, Some((*angle_deg, spacing_mm / k)));
        }
        Shape::Disc { centre, radius } => {
            // A DONUT: a closed two-vertex polyline of half bulges, as wide as the radius.
            let (x, y) = m(*centre);
            let r = radius / k;
            head(w, "LWPOLYLINE", layer, None);
            w.pair(100, "AcDbPolyline");
            w.pair(90, 2);
            w.pair(70, 1);
            w.f(43, r);
            for dx in [-r / 2.0, r / 2.0] {
                w.f(10, x + dx);
                w.f(20, y);
                w.f(42, 1.0);
            }
        }
        Shape::Text(t) => text(w, d, layer, t),
    }
}

fn line(w: &mut Writer, layer: Layer, a: (f64, f64), b: (f64, f64), pen_mm: f64) {
    head(w, "LINE", layer, Some(pen_mm));
    w.pair(100, "AcDbLine");
    w.f(10, a.0);
    w.f(20, a.1);
    w.f(30, 0.0);
    w.f(11, b.0);
    w.f(21, b.1);
    w.f(31, 0.0);
}

/// A HATCH with one polyline boundary: SOLID, or ANSI31-like parallel lines at `angle`
/// every `spacing` (model units).
fn hatch(w: &mut Writer, layer: Layer, pts: &[(f64, f64)], pattern: Option<(f64, f64)>) {
    head(w, "HATCH", layer, None);
    w.pair(100, "AcDbHatch");
    w.f(10, 0.0);
    w.f(20, 0.0);
    w.f(30, 0.0);
    w.f(210, 0.0);
    w.f(220, 0.0);
    w.f(230, 1.0);
    w.pair(2, if pattern.is_some() { "ANSI31" } else { "SOLID" });
    w.pair(70, if pattern.is_some() { 0 } else { 1 });
    w.pair(71, 0);
    w.pair(91, 1);
    w.pair(92, 3);
    w.pair(72, 0);
    w.pair(73, 1);
    w.pair(93, pts.len());
    for &(x, y) in pts {
        w.f(10, x);
        w.f(20, y);
    }
    w.pair(97, 0);
    w.pair(75, 0);
    w.pair(76, 1);
    if let Some((angle, spacing)) = pattern {
        // ANSI31 is one family of 45° lines 0.125 apart: its angle is 0 and its scale the
        // spacing over 0.125.
        w.f(52, angle - 45.0);
        w.f(41, spacing / 0.125);
        w.pair(77, 0);
        w.pair(78, 1);
        let a = angle.to_radians();
        w.f(53, angle);
        w.f(43, 0.0);
        w.f(44, 0.0);
        w.f(45, -spacing * a.sin());
        w.f(46, spacing * a.cos());
        w.pair(79, 0);
    }
    w.pair(98, 0);
}

fn text(w: &mut Writer, d: &Drawing, layer: Layer, t: &Text) {
    let k = d.mm_per_m;
    head(w, "TEXT", layer, None);
    w.pair(100, "AcDbText");
    let (ox, oy) = d.to_model(t.origin());
    w.f(10, ox);
    w.f(20, oy);
    w.f(30, 0.0);
    w.f(40, t.height_mm / k);
    w.pair(1, escape(&t.text));
    if t.rotation_deg != 0.0 {
        w.f(50, t.rotation_deg);
    }
    w.pair(7, "STANDARD");
    let h = match t.h {
        HAlign::Left => 0,
        HAlign::Center => 1,
        HAlign::Right => 2,
    };
    let v = match t.v {
        VAlign::Baseline => 0,
        VAlign::Middle => 2,
        VAlign::Top => 3,
    };
    if h != 0 || v != 0 {
        w.pair(72, h);
        let (ax, ay) = d.to_model(t.at);
        w.f(11, ax);
        w.f(21, ay);
        w.f(31, 0.0);
    }
    w.pair(100, "AcDbText");
    if v != 0 {
        w.pair(73, v);
    }
}
