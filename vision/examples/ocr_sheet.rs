//! Draws a synthetic A1 plan scanned at 300 dpi (9933x7016) for the OCR benchmark: rooms
//! with walls, names and areas, dimension lines, hatching, a notes block and a title block,
//! on slightly grey, noisy paper. Writes the PNG and the truth: one drawn word per line,
//! `text<TAB>x0<TAB>y0<TAB>x1<TAB>y1` in pixels.
//!
//! cargo run --release -p chantier-vision --example ocr_sheet -- page.png truth.tsv [--skew DEG]

use ab_glyph::{FontRef, PxScale};
use image::{GrayImage, Luma};
use imageproc::drawing::{draw_filled_rect_mut, draw_line_segment_mut, draw_text_mut, text_size};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};
use imageproc::rect::Rect;

const WIDTH: u32 = 9933;
const HEIGHT: u32 = 7016;
const INK: Luma<u8> = Luma([25]);

/// Deterministic numbers (the same sheet every run, no dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u32) as usize]
    }
}

struct Sheet {
    img: GrayImage,
    font: FontRef<'static>,
    truth: Vec<(String, [i32; 4])>,
}

impl Sheet {
    fn width_of(&self, px: f32, text: &str) -> i32 {
        text_size(PxScale::from(px), &self.font, text).0 as i32
    }

    /// Draws a label word by word and records each word's box.
    fn label(&mut self, x: i32, y: i32, px: f32, text: &str) {
        let scale = PxScale::from(px);
        let space = self.width_of(px, "a a") - self.width_of(px, "aa");
        let mut cx = x;
        for word in text.split(' ') {
            let (w, h) = text_size(scale, &self.font, word);
            draw_text_mut(&mut self.img, INK, cx, y, scale, &self.font, word);
            self.truth
                .push((word.to_owned(), [cx, y, cx + w as i32, y + h as i32]));
            cx += w as i32 + space;
        }
    }

    fn centred(&mut self, cx: i32, y: i32, px: f32, text: &str) {
        let w = self.width_of(px, text);
        self.label(cx - w / 2, y, px, text);
    }

    fn rect(&mut self, x: i32, y: i32, w: u32, h: u32) {
        draw_filled_rect_mut(
            &mut self.img,
            Rect::at(x, y).of_size(w.max(1), h.max(1)),
            INK,
        );
    }

    fn line(&mut self, a: (f32, f32), b: (f32, f32), thick: i32) {
        for t in 0..thick {
            let o = t as f32 - thick as f32 / 2.0;
            draw_line_segment_mut(&mut self.img, (a.0 + o, a.1), (b.0 + o, b.1), INK);
            draw_line_segment_mut(&mut self.img, (a.0, a.1 + o), (b.0, b.1 + o), INK);
        }
    }
}

const ROOMS: &[&str] = &[
    "Séjour",
    "Cuisine",
    "CH.1",
    "CH.2",
    "CH.3",
    "SdB",
    "WC",
    "Dégagement",
    "Entrée",
    "Bureau",
    "Cellier",
    "Garage",
    "Buanderie",
    "Dressing",
    "Palier",
    "Kitchen",
    "Bedroom",
    "Living",
    "Bathroom",
    "Storage",
];

const NOTES: &[&str] = &[
    "NOTES GENERALES",
    "Toutes les cotes sont à vérifier sur place avant exécution",
    "Cloisons placostil 72/48 avec isolant acoustique",
    "Menuiseries extérieures aluminium teinte gris anthracite",
    "Plancher bas isolé sous chape flottante",
    "Hauteur sous plafond 2,50 m sauf indication contraire",
    "Doublage des murs périphériques 10+100 mm",
    "All dimensions are in metres unless noted",
    "Do not scale from this drawing",
    "Contractor to check all levels on site",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(out), Some(truth_path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: ocr_sheet PAGE.png TRUTH.tsv [--skew DEG]");
        std::process::exit(2);
    };
    let skew: f32 = args
        .iter()
        .position(|a| a == "--skew")
        .and_then(|i| args.get(i + 1))
        .map_or(0.0, |s| s.parse().expect("--skew takes degrees"));

    let font = FontRef::try_from_slice(dejavu::sans::regular()).expect("DejaVu Sans");
    let mut s = Sheet {
        img: GrayImage::from_pixel(WIDTH, HEIGHT, Luma([255])),
        font,
        truth: Vec::new(),
    };
    let mut rng = Lcg(0x5eed_0f0c);
    let mut schedule: Vec<(String, String)> = Vec::new();

    // Rooms: 7 columns by 3 rows of cells between walls.
    let (x0, y0, cols, rows, cw, ch) = (450, 500, 7, 3, 1300, 1450);
    for r in 0..=rows {
        s.rect(x0, y0 + r * ch - 8, (cols * cw) as u32 + 16, 16);
    }
    for c in 0..=cols {
        s.rect(x0 + c * cw - 8, y0, 16, (rows * ch) as u32);
    }
    for r in 0..rows {
        for c in 0..cols {
            let (rx, ry) = (x0 + c * cw, y0 + r * ch);
            let name = rng.pick(ROOMS);
            let area = format!("{},{:02} m²", 6 + rng.below(30), rng.below(100));
            let px = 44.0 + rng.below(20) as f32;
            let (cx, cy) = (rx + cw / 2, ry + ch / 2 + rng.below(300) as i32 - 150);
            s.centred(cx, cy - 70, px, name);
            s.centred(cx, cy + 10, px - 6.0, &area);
            schedule.push((name.to_owned(), area));
            // A door opening and its swing.
            let dx = rx + 200 + rng.below(600) as i32;
            draw_filled_rect_mut(
                &mut s.img,
                Rect::at(dx, ry - 10).of_size(180, 20),
                Luma([255]),
            );
            s.line(
                (dx as f32, ry as f32),
                (dx as f32 + 120.0, ry as f32 + 150.0),
                3,
            );
            // Hatching in some rooms' corners (read as noise, not words).
            if rng.below(3) == 0 {
                for k in 0..14 {
                    let o = (k * 22) as f32;
                    s.line(
                        (rx as f32 + 40.0 + o, (ry + ch) as f32 - 40.0),
                        (rx as f32 + 40.0 + o + 250.0, (ry + ch) as f32 - 290.0),
                        2,
                    );
                }
            }
            // Inner dimension of the room width, under the top wall.
            let dim = format!("{},{:02}", 3 + rng.below(4), rng.below(100));
            let y = ry + 140;
            s.line(
                (rx as f32 + 60.0, y as f32),
                ((rx + cw) as f32 - 60.0, y as f32),
                2,
            );
            s.line(
                (rx as f32 + 60.0, y as f32 - 25.0),
                (rx as f32 + 60.0, y as f32 + 25.0),
                2,
            );
            s.line(
                ((rx + cw) as f32 - 60.0, y as f32 - 25.0),
                ((rx + cw) as f32 - 60.0, y as f32 + 25.0),
                2,
            );
            s.centred(rx + cw / 2, y - 55, 40.0, &dim);
        }
    }
    // Overall dimensions above the plan.
    for c in 0..cols {
        let x = x0 + c * cw;
        s.line((x as f32, 330.0), ((x + cw) as f32, 330.0), 2);
        s.line((x as f32, 300.0), (x as f32, 360.0), 3);
        let dim = format!("{},{:02}", 4 + rng.below(3), rng.below(100));
        s.centred(x + cw / 2, 265, 42.0, &dim);
    }

    // Notes block, bottom left.
    let (nx, ny) = (500, 5150);
    for (i, line) in NOTES.iter().enumerate() {
        let px = if i == 0 { 56.0 } else { 44.0 };
        s.label(nx, ny + i as i32 * 82, px, line);
    }

    // Room schedule, bottom middle: a ruled table.
    let (sx, sy, rh) = (3500, 4980, 80);
    let cols_x = [0, 150, 800, 1350, 2500];
    s.label(sx, sy - 100, 52.0, "NOMENCLATURE DES PIECES");
    let header = ["N°", "Pièce", "Surface", "Revêtement de sol"];
    let floors = ["Carrelage", "Parquet chêne", "Sol souple", "Béton quartzé"];
    for (row, cells) in std::iter::once(header.map(str::to_owned).to_vec())
        .chain(schedule.iter().enumerate().map(|(i, (name, area))| {
            vec![
                format!("{:02}", i + 1),
                name.clone(),
                area.clone(),
                floors[i % floors.len()].to_owned(),
            ]
        }))
        .enumerate()
    {
        let y = sy + row as i32 * rh;
        s.rect(sx, y, cols_x[4] as u32, 3);
        for (c, cell) in cells.iter().enumerate() {
            s.label(sx + cols_x[c] + 25, y + 18, 40.0, cell);
        }
    }
    let bottom = sy + (schedule.len() as i32 + 1) * rh;
    s.rect(sx, bottom, cols_x[4] as u32, 3);
    for x in cols_x {
        s.rect(sx + x, sy, 3, (bottom - sy) as u32);
    }

    // Title block, bottom right, in a frame.
    let (tx, ty, tw, th) = (6300, 5000, 3300, 1700);
    for (x, y, w, h) in [
        (tx, ty, tw, 10),
        (tx, ty + th, tw + 10, 10),
        (tx, ty, 10, th),
        (tx + tw, ty, 10, th),
        (tx, ty + 560, tw, 6),
        (tx, ty + 1120, tw, 6),
    ] {
        s.rect(x, y, w as u32, h as u32);
    }
    s.label(tx + 80, ty + 80, 64.0, "MAISON INDIVIDUELLE");
    s.label(tx + 80, ty + 200, 48.0, "12 chemin des Vignes 69130 Écully");
    s.label(tx + 80, ty + 300, 48.0, "Maître d'ouvrage SCI Les Tilleuls");
    s.label(
        tx + 80,
        ty + 400,
        44.0,
        "Architecte Atelier Martin & Associés",
    );
    s.label(tx + 80, ty + 640, 60.0, "PLAN DU REZ-DE-CHAUSSEE");
    s.label(tx + 80, ty + 760, 48.0, "ECHELLE 1/100");
    s.label(tx + 80, ty + 860, 44.0, "Phase PRO Indice B");
    s.label(tx + 80, ty + 1200, 44.0, "Date 14/03/2026 Dessiné par JM");
    s.label(tx + 80, ty + 1300, 44.0, "Vérifié par PL Planche 03/12");
    s.label(tx + 80, ty + 1400, 44.0, "Surface habitable 142,35 m²");

    // Scanned paper: slightly grey, with light noise.
    for p in s.img.pixels_mut() {
        let n = (rng.next() % 13) as i32 - 6;
        let base = if p.0[0] > 128 {
            243
        } else {
            i32::from(p.0[0]) + 10
        };
        p.0[0] = (base + n).clamp(0, 255) as u8;
    }
    let truth: Vec<(String, [i32; 4])> = if skew != 0.0 {
        s.img = rotate_about_center(
            &s.img,
            skew.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(Luma([243])),
        );
        let (cx, cy) = (WIDTH as f32 / 2.0, HEIGHT as f32 / 2.0);
        let (sin, cos) = skew.to_radians().sin_cos();
        s.truth
            .iter()
            .map(|(t, b)| {
                let (mx, my) = ((b[0] + b[2]) as f32 / 2.0, (b[1] + b[3]) as f32 / 2.0);
                let nx = cx + (mx - cx) * cos - (my - cy) * sin;
                let ny = cy + (mx - cx) * sin + (my - cy) * cos;
                let (hw, hh) = ((b[2] - b[0]) / 2, (b[3] - b[1]) / 2);
                (
                    t.clone(),
                    [
                        nx as i32 - hw,
                        ny as i32 - hh,
                        nx as i32 + hw,
                        ny as i32 + hh,
                    ],
                )
            })
            .collect()
    } else {
        s.truth.clone()
    };
    s.img.save(out).expect("write the page");
    let mut tsv = String::new();
    for (t, b) in &truth {
        tsv.push_str(&format!("{t}\t{}\t{}\t{}\t{}\n", b[0], b[1], b[2], b[3]));
    }
    std::fs::write(truth_path, tsv).expect("write the truth");
    eprintln!("{out}: {WIDTH}x{HEIGHT}, {} words", truth.len());
}
