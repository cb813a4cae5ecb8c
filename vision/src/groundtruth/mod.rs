//! The project's own ground-truth plans: synthetic but conventional French floor plans,
//! generated deterministically from a seed, written as DXF, vector PDF (text or outlined
//! glyphs), scanned PDF and raster images, each with the exact truth the plan reader is
//! measured against (scale, room names and areas, dimension values, wall lengths, door and
//! window counts, title block).
//!
//! Everything starts from a [`SheetSpec`]: [`generate`] lays out a dwelling ([`layout`]),
//! draws it as a neutral [`Drawing`] (walls, openings, labels, dimension chains, title
//! block, scale bar, schedule) and records the [`Truth`]; the writers ([`to_dxf`],
//! [`to_pdf`], [`render`], [`degrade`]) all draw that one drawing.
//!
//! Conventions (what a reader of real plans must cope with):
//! - walls: exterior 0.20 m, partitions 0.10 m (some 0.07 m); imperial sheets 8" and 4".
//!   Both faces stroked, body hatched at 45° or filled grey (exterior), filled black or
//!   left empty (partitions), interrupted at openings;
//! - doors: a gap, a leaf perpendicular to the wall from the hinge jamb (length = width)
//!   and a quarter-circle swing from the leaf's end to the other jamb;
//! - windows (exterior walls only): a gap closed by the wall's jambs, crossed by three lines
//!   parallel to the wall (both faces and the glass in the middle);
//! - room labels at the room's free centre: name and area of the inside-faces rectangle,
//!   rounded to 0.01 m², on one line or two;
//! - dimension chains outside the building (openings, partition axes, overall), with
//!   extension lines, oblique ticks or dots and the value above or left of the line;
//! - title block bottom-right with the written scale, a graphic scale bar above it and,
//!   on some sheets, a "TABLEAU DES SURFACES".
//!
//! Wall length, as [`Truth::wall_length_by_thickness`] counts it: the sum of the axis
//! lengths of [`Truth::walls`], where the exterior walls are the four sides of the axis
//! rectangle (corner to corner on the axes) and each partition runs from face to face of
//! the walls it meets; openings do not interrupt a wall's length.

mod compose;
pub mod degrade;
mod dims;
pub mod drawing;
pub mod dxf;
mod glyphs;
mod label;
pub mod layout;
mod metrics;
mod openings;
pub mod pdf;
pub mod raster;
mod rng;
mod sheet;
mod walls;

use serde::{Deserialize, Serialize};

pub use degrade::{Degrade, degrade};
pub use drawing::{Drawing, Item, Layer, Pt, Shape, Text};
pub use dxf::to_dxf;
pub use layout::Layout;
pub use pdf::{ImageEncoding, PdfOptions, ScanOptions, TextMode, to_pdf};
pub use raster::render;

/// Sheet size, landscape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paper {
    A3,
    A1,
}

impl Paper {
    /// (width, height) in millimetres, landscape.
    pub fn size_mm(self) -> (f64, f64) {
        match self {
            Paper::A3 => (420.0, 297.0),
            Paper::A1 => (841.0, 594.0),
        }
    }
}

/// How the title block writes the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleStyle {
    /// `ECHELLE : 1/100`
    Echelle,
    /// `Echelle 1/50`
    EchelleMixedCase,
    /// `ECH. 1/50`
    Ech,
    /// `1:100`
    Ratio,
    /// `SCALE: 1/8" = 1'-0"` (scale 96 only)
    Imperial,
}

/// How dimension values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DimFormat {
    /// `350`
    Centimetres,
    /// `3,50`
    MetresComma,
    /// `3.50`
    MetresDot,
    /// `12'-6"` (whole inches)
    FeetInches,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AreaUnit {
    /// `m²`
    Superscript,
    /// `m2`
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabelStyle {
    /// Name, then the area on the next line.
    TwoLines,
    /// `CH.1 11,20 m2` on one line (two lines where one would not fit in the room).
    OneLine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExteriorFill {
    /// 45° hatch lines (poché).
    Hatch,
    /// Solid grey.
    Grey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteriorFill {
    Solid,
    Empty,
}

/// Dimension line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DimTick {
    /// 45° oblique strokes.
    Oblique,
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    RezDeChaussee,
    Etage,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::RezDeChaussee => "Rez-de-chaussée",
            Level::Etage => "Étage",
        }
    }
}

/// Everything that varies from sheet to sheet; the seed drives the rest (footprint,
/// rooms, openings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetSpec {
    pub seed: u64,
    pub paper: Paper,
    /// 50 or 100; 96 for imperial sheets (1/8" = 1'-0").
    pub scale: u32,
    pub scale_style: ScaleStyle,
    pub dim_format: DimFormat,
    /// Areas with a decimal comma ("25,40") rather than a dot.
    pub decimal_comma: bool,
    pub area_unit: AreaUnit,
    pub label_style: LabelStyle,
    /// "CH.1", "Dgt" rather than "Chambre 1", "Dégagement".
    pub short_names: bool,
    pub exterior_fill: ExteriorFill,
    pub interior_fill: InteriorFill,
    pub ticks: DimTick,
    /// Pen of the wall faces, 0.35 to 0.5 mm.
    pub wall_pen_mm: f64,
    /// Room label text height on paper, 2.5 to 3.5 mm.
    pub text_height_mm: f64,
    /// Rooms wanted, 5 to 9.
    pub rooms: usize,
    /// Dimension chains on all four sides (else below and left only).
    pub dimension_all_sides: bool,
    /// Some partitions 0.07 m thick.
    pub thin_partitions: bool,
    /// Draw a "TABLEAU DES SURFACES".
    pub schedule: bool,
    /// Draw the graphic scale bar for another scale than the sheet's.
    pub scale_bar_mismatch: bool,
    pub project: String,
    pub level: Level,
    pub number: String,
    pub date: String,
}

impl SheetSpec {
    pub fn imperial(&self) -> bool {
        self.scale_style == ScaleStyle::Imperial || self.dim_format == DimFormat::FeetInches
    }

    /// A plain A3 1:100 sheet for `seed`, to vary from.
    pub fn new(seed: u64) -> SheetSpec {
        SheetSpec {
            seed,
            paper: Paper::A3,
            scale: 100,
            scale_style: ScaleStyle::Echelle,
            dim_format: DimFormat::Centimetres,
            decimal_comma: true,
            area_unit: AreaUnit::Superscript,
            label_style: LabelStyle::TwoLines,
            short_names: false,
            exterior_fill: ExteriorFill::Hatch,
            interior_fill: InteriorFill::Solid,
            ticks: DimTick::Oblique,
            wall_pen_mm: 0.5,
            text_height_mm: 2.5,
            rooms: 7,
            dimension_all_sides: false,
            thin_partitions: false,
            schedule: false,
            scale_bar_mismatch: false,
            project: "Maison Durand".into(),
            level: Level::RezDeChaussee,
            number: "A-101".into(),
            date: "12/03/2026".into(),
        }
    }
}

/// A room as labelled on the sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomTruth {
    /// The name as written ("CH.1" on short-name sheets).
    pub name: String,
    /// Inside-faces rectangle area, rounded to 0.01 m² (the value written).
    pub area_m2: f64,
    /// The area as written, unit included ("25,40 m²").
    pub area_text: String,
    /// The whole label, lines joined with '\n'.
    pub label_text: String,
    /// Paper box of the label, `[x_min, y_min, x_max, y_max]` mm, origin top-left, y down.
    pub bbox_mm: [f64; 4],
    /// Inside-faces rectangle in model metres `[x0, y0, x1, y1]` (y up).
    pub inner_m: [f64; 4],
}

/// One written dimension value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionTruth {
    pub text: String,
    /// The value written, in metres (exactly what the text says).
    pub value_m: f64,
    pub bbox_mm: [f64; 4],
    /// Text turned 90° (a vertical dimension).
    pub vertical: bool,
}

/// A wall's measured axis segment, model metres (y up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WallTruth {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub thickness_m: f64,
    pub exterior: bool,
}

impl WallTruth {
    pub fn length_m(&self) -> f64 {
        (self.x1 - self.x0).hypot(self.y1 - self.y0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WallLength {
    pub thickness_m: f64,
    pub length_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleTruth {
    pub project: String,
    pub plan: String,
    pub number: String,
    pub date: String,
    /// The scale as the title block writes it ("ECHELLE : 1/100").
    pub scale_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRow {
    pub name: String,
    pub area_text: String,
    pub area_m2: f64,
}

/// What a perfect reader finds on the sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub spec: SheetSpec,
    /// The sheet's scale (1:scale).
    pub scale: u32,
    pub paper_mm: (f64, f64),
    pub rooms: Vec<RoomTruth>,
    pub dimensions: Vec<DimensionTruth>,
    pub walls: Vec<WallTruth>,
    /// Sum of [`WallTruth::length_m`] per thickness, thickest first (see the module doc
    /// for what a wall's length is).
    pub wall_length_by_thickness: Vec<WallLength>,
    pub doors: usize,
    pub windows: usize,
    pub title: TitleTruth,
    /// The scale the graphic bar is drawn for (differs from `scale` on mismatch sheets).
    pub scale_bar_scale: u32,
    /// The rows of the "TABLEAU DES SURFACES" (empty when the sheet has none), then TOTAL.
    pub schedule: Vec<ScheduleRow>,
    /// Where model (0, 0) lies on paper (mm) and paper mm per model metre.
    pub model_origin_mm: Pt,
    pub mm_per_m: f64,
    /// Raster renderings only: resolution, and the rotation (degrees, counter-clockwise as
    /// seen) applied about the image centre; boxes stay on the unrotated sheet, map them
    /// with [`Truth::paper_to_scan_px`].
    pub dpi: Option<u32>,
    pub rotation_deg: Option<f64>,
}

impl Truth {
    /// This truth for a raster rendering at `dpi` degraded with `d`.
    pub fn for_scan(&self, dpi: u32, d: &Degrade) -> Truth {
        Truth {
            dpi: Some(dpi),
            rotation_deg: Some(d.rotation_deg),
            ..self.clone()
        }
    }

    /// A paper point (mm) to its pixel in the scan (`dpi`, `rotation_deg` set; the
    /// unrotated rendering otherwise, at 300 dpi when no dpi is set).
    pub fn paper_to_scan_px(&self, x_mm: f64, y_mm: f64) -> (f64, f64) {
        let k = self.dpi.unwrap_or(300) as f64 / 25.4;
        let (w, h) = (
            (self.paper_mm.0 * k).round().max(1.0),
            (self.paper_mm.1 * k).round().max(1.0),
        );
        let (x, y) = (x_mm * k, y_mm * k);
        let a = self.rotation_deg.unwrap_or(0.0).to_radians();
        let (cx, cy) = (w / 2.0, h / 2.0);
        let (s, c) = a.sin_cos();
        let (dx, dy) = (x - cx, y - cy);
        // Counter-clockwise as seen, with y down.
        (cx + dx * c + dy * s, cy - dx * s + dy * c)
    }

    /// Total wall length for one thickness (within 0.1 mm), 0 when none.
    pub fn wall_length(&self, thickness_m: f64) -> f64 {
        self.wall_length_by_thickness
            .iter()
            .filter(|w| (w.thickness_m - thickness_m).abs() < 1e-4)
            .map(|w| w.length_m)
            .sum()
    }
}

/// One generated sheet.
#[derive(Debug, Clone)]
pub struct SynthPlan {
    pub spec: SheetSpec,
    pub layout: Layout,
    pub drawing: Drawing,
    pub truth: Truth,
}

/// Generates the sheet `spec` describes. The same spec always gives the same sheet.
pub fn generate(spec: &SheetSpec) -> SynthPlan {
    compose::compose(spec)
}

/// The standard corpus: A3 and A1, scales 50, 100 and imperial 96, every scale style,
/// centimetre, metre and feet-inch dimensions, with and without a schedule, one sheet whose
/// scale bar disagrees with its written scale.
pub fn corpus() -> Vec<SynthPlan> {
    corpus_specs().iter().map(generate).collect()
}

/// The specs behind [`corpus`].
pub fn corpus_specs() -> Vec<SheetSpec> {
    let base = SheetSpec::new;
    vec![
        SheetSpec {
            schedule: true,
            ..base(101)
        },
        SheetSpec {
            scale: 50,
            scale_style: ScaleStyle::EchelleMixedCase,
            dim_format: DimFormat::MetresComma,
            area_unit: AreaUnit::Plain,
            label_style: LabelStyle::OneLine,
            short_names: true,
            exterior_fill: ExteriorFill::Grey,
            interior_fill: InteriorFill::Empty,
            ticks: DimTick::Dot,
            wall_pen_mm: 0.35,
            text_height_mm: 3.0,
            rooms: 5,
            project: "Villa Les Tilleuls".into(),
            number: "A-102".into(),
            ..base(202)
        },
        SheetSpec {
            paper: Paper::A1,
            scale: 50,
            scale_style: ScaleStyle::Ech,
            dim_format: DimFormat::MetresDot,
            decimal_comma: false,
            text_height_mm: 3.5,
            rooms: 9,
            dimension_all_sides: true,
            thin_partitions: true,
            schedule: true,
            project: "Résidence du Parc".into(),
            number: "A-103".into(),
            ..base(303)
        },
        SheetSpec {
            paper: Paper::A1,
            scale_style: ScaleStyle::Ratio,
            area_unit: AreaUnit::Plain,
            label_style: LabelStyle::OneLine,
            exterior_fill: ExteriorFill::Grey,
            interior_fill: InteriorFill::Solid,
            wall_pen_mm: 0.4,
            rooms: 8,
            scale_bar_mismatch: true,
            level: Level::Etage,
            project: "Maison Lefèvre".into(),
            number: "A-201".into(),
            ..base(404)
        },
        SheetSpec {
            scale: 96,
            scale_style: ScaleStyle::Imperial,
            dim_format: DimFormat::FeetInches,
            decimal_comma: false,
            ticks: DimTick::Dot,
            rooms: 6,
            dimension_all_sides: true,
            project: "Harbour View Cottage".into(),
            number: "A-104".into(),
            ..base(505)
        },
        SheetSpec {
            scale_style: ScaleStyle::Ech,
            dim_format: DimFormat::MetresComma,
            short_names: true,
            rooms: 9,
            thin_partitions: true,
            schedule: true,
            wall_pen_mm: 0.45,
            level: Level::Etage,
            project: "Maison Moreau".into(),
            number: "A-202".into(),
            ..base(606)
        },
        SheetSpec {
            paper: Paper::A1,
            scale: 50,
            scale_style: ScaleStyle::EchelleMixedCase,
            exterior_fill: ExteriorFill::Hatch,
            interior_fill: InteriorFill::Empty,
            ticks: DimTick::Oblique,
            text_height_mm: 3.0,
            rooms: 7,
            dimension_all_sides: true,
            schedule: true,
            project: "Pavillon Garnier".into(),
            number: "A-105".into(),
            ..base(707)
        },
        SheetSpec {
            scale: 50,
            scale_style: ScaleStyle::Ratio,
            dim_format: DimFormat::MetresDot,
            decimal_comma: false,
            area_unit: AreaUnit::Plain,
            label_style: LabelStyle::OneLine,
            exterior_fill: ExteriorFill::Grey,
            wall_pen_mm: 0.4,
            text_height_mm: 3.0,
            rooms: 6,
            project: "Chalet Bérard".into(),
            number: "A-106".into(),
            ..base(808)
        },
    ]
}

/// The scans of the corpus: (plan index, dpi, degradation), 150 to 300 dpi, rotations up to
/// ±2°.
pub fn scans() -> Vec<(usize, u32, Degrade)> {
    let d = |rotation_deg: f64, blur_sigma: f32, noise: f32, seed: u64| Degrade {
        rotation_deg,
        blur_sigma,
        noise,
        seed,
    };
    vec![
        (0, 150, d(0.0, 0.0, 0.0, 1)),
        (0, 300, d(1.2, 0.8, 0.03, 2)),
        (1, 200, d(-0.7, 0.6, 0.02, 3)),
        (2, 150, d(2.0, 0.7, 0.04, 4)),
        (3, 200, d(-1.5, 1.0, 0.03, 5)),
        (4, 300, d(0.4, 0.9, 0.05, 6)),
        (5, 150, d(-2.0, 0.5, 0.03, 7)),
        (6, 200, d(0.9, 0.8, 0.02, 8)),
        (7, 300, d(-0.3, 1.1, 0.04, 9)),
    ]
}
