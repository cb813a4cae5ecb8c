//! OCR on rendered plan labels: French and English words and numbers drawn with DejaVu Sans
//! at 300 dpi sizes, across tile seams, straight and turned 2 degrees.
//!
//! Needs Tesseract's French and English data; without it the tests print `skipping: ...`
//! and pass, unless `CI` is set (CI installs them, see `.ci/run`).

use ab_glyph::{FontRef, PxScale};
use chantier_vision::VisionError;
use chantier_vision::ocr::{
    OcrConfig, OcrPage, decode_scan, deskew, estimate_skew, read_scan, recognize,
};
use image::{GrayImage, Luma};
use imageproc::drawing::{draw_filled_rect_mut, draw_line_segment_mut, draw_text_mut, text_size};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};

/// A word as drawn: its text and ink box.
#[derive(Debug, Clone)]
struct Drawn {
    text: String,
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

impl Drawn {
    fn centre(&self) -> (f32, f32) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
}

fn font() -> FontRef<'static> {
    FontRef::try_from_slice(dejavu::sans::regular()).expect("DejaVu Sans is a valid font")
}

/// Draws `label` word by word from (x, y) at `px` pixels per em (48 px: capitals about
/// 35 px tall, 8.5 pt at 300 dpi) and returns each word's box.
fn draw_label(img: &mut GrayImage, x: i32, y: i32, px: f32, label: &str) -> Vec<Drawn> {
    let font = font();
    let scale = PxScale::from(px);
    let space = text_size(scale, &font, "a a").0 - text_size(scale, &font, "aa").0;
    let mut out = Vec::new();
    let mut cx = x;
    for word in label.split(' ') {
        let (w, h) = text_size(scale, &font, word);
        draw_text_mut(img, Luma([0]), cx, y, scale, &font, word);
        out.push(Drawn {
            text: word.to_owned(),
            x0: cx as f32,
            y0: y as f32,
            x1: (cx + w as i32) as f32,
            y1: (y + h as i32) as f32,
        });
        cx += w as i32 + space as i32;
    }
    out
}

/// Labels of a small plan, some across the seams of 800-pixel tiles (x = 800, 1600 and
/// y = 800 on a 2400x1600 sheet).
fn plan_sheet() -> (GrayImage, Vec<Drawn>) {
    let mut img = GrayImage::from_pixel(2400, 1600, Luma([255]));
    let labels: &[(i32, i32, f32, &str)] = &[
        (150, 200, 48.0, "Séjour 25,40 m²"),
        (700, 420, 48.0, "CH.1 11,20 m2"),
        (1520, 300, 44.0, "Cuisine 9,80 m2"),
        (1000, 780, 48.0, "ECHELLE 1/100"),
        (300, 1100, 40.0, "3,50"),
        (1580, 1200, 48.0, "Bedroom 12,60 m2"),
        (2050, 600, 36.0, "4,15"),
        (500, 1400, 44.0, "Entrée"),
    ];
    let mut drawn = Vec::new();
    for &(x, y, px, label) in labels {
        drawn.extend(draw_label(&mut img, x, y, px, label));
    }
    (img, drawn)
}

/// Small tiles so the sheet has seams to cross.
fn seam_config() -> OcrConfig {
    OcrConfig {
        tile_px: 800,
        overlap_px: 200,
        threads: 2,
        ..OcrConfig::default()
    }
}

/// Whether Tesseract with French and English data can run; fails under CI when not.
fn tesseract_ready() -> bool {
    let blank = GrayImage::from_pixel(32, 32, Luma([255]));
    match recognize(&blank, &OcrConfig::default()) {
        Ok(_) => true,
        Err(e) => {
            let msg = format!(
                "Tesseract with fra+eng is not usable ({e}); \
                 apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng"
            );
            if std::env::var_os("CI").is_some() {
                panic!("{msg}; CI installs them (.ci/run)");
            }
            eprintln!("skipping: {msg}");
            false
        }
    }
}

/// The words of `expected` found in `page` with the same text and a centre within `tol`
/// pixels of where they were drawn; each read word matches at most one drawn word.
fn found<'a>(page: &OcrPage, expected: &'a [Drawn], tol: f32) -> Vec<&'a Drawn> {
    let mut used = vec![false; page.words.len()];
    let mut hits = Vec::new();
    for d in expected {
        let (dx, dy) = d.centre();
        let hit = page.words.iter().enumerate().position(|(i, w)| {
            let (cx, cy) = ((w.x0 + w.x1) / 2.0, (w.y0 + w.y1) / 2.0);
            !used[i] && w.text == d.text && (cx - dx).abs() < tol && (cy - dy).abs() < tol
        });
        if let Some(i) = hit {
            used[i] = true;
            hits.push(d);
        }
    }
    hits
}

fn texts(page: &OcrPage) -> Vec<&str> {
    page.words.iter().map(|w| w.text.as_str()).collect()
}

/// Words every test expects read exactly: the superscript of "m²" is Tesseract's weak
/// point at this size, the rest is plain print.
fn must_read(d: &Drawn) -> bool {
    d.text != "m²"
}

#[test]
fn plan_labels_are_read_with_their_boxes_across_seams() {
    if !tesseract_ready() {
        return;
    }
    let (img, drawn) = plan_sheet();
    let page = recognize(&img, &seam_config()).unwrap();
    assert_eq!((page.width, page.height), (2400, 1600));
    assert!(page.tiles > 1, "the sheet should be read in tiles");
    let required: Vec<Drawn> = drawn.iter().filter(|d| must_read(d)).cloned().collect();
    let hits = found(&page, &required, 15.0);
    let missed: Vec<&str> = required
        .iter()
        .filter(|d| !hits.iter().any(|h| std::ptr::eq(*h, *d)))
        .map(|d| d.text.as_str())
        .collect();
    assert!(
        missed.is_empty(),
        "missed {missed:?}; read {:?}",
        texts(&page)
    );
    for w in &page.words {
        assert!((0.0..=1.0).contains(&w.confidence), "{w:?}");
        assert!(w.x0 < w.x1 && w.y0 < w.y1, "{w:?}");
    }
    assert!(page.mean_confidence > 0.7, "{}", page.mean_confidence);
}

#[test]
fn seam_words_are_not_duplicated() {
    if !tesseract_ready() {
        return;
    }
    let (img, drawn) = plan_sheet();
    let page = recognize(&img, &seam_config()).unwrap();
    // "CH.1 11,20 m2" and "ECHELLE 1/100" cross x = 800 and y = 800: each word once.
    for text in ["CH.1", "11,20", "ECHELLE", "1/100", "Bedroom", "12,60"] {
        let n = page.words.iter().filter(|w| w.text == text).count();
        assert_eq!(n, 1, "{text} read {n} times in {:?}", texts(&page));
    }
    assert!(
        page.words.len() <= drawn.len(),
        "{} words read, {} drawn: {:?}",
        page.words.len(),
        drawn.len(),
        texts(&page)
    );

    // One tile for the whole sheet reads the same words.
    let whole = recognize(
        &img,
        &OcrConfig {
            tile_px: 4000,
            ..seam_config()
        },
    )
    .unwrap();
    assert_eq!(whole.tiles, 1);
    let mut a = texts(&page);
    let mut b = texts(&whole);
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

#[test]
fn dense_text_is_read_once_across_overlapping_seams() {
    if !tesseract_ready() {
        return;
    }
    // Rows of labels, each row shifted, so no white band runs across the page near the
    // tile cuts: the tiles must overlap there and the seam words be kept once.
    let mut img = GrayImage::from_pixel(2400, 1200, Luma([255]));
    let mut drawn = Vec::new();
    for i in 0..12 {
        let x = 30 + (i * 137) % 300;
        let label = "Séjour 25,40 m2 CH.1 11,20 m2 ECHELLE 1/100 3,50 Kitchen";
        drawn.extend(draw_label(&mut img, x, 40 + i * 95, 48.0, label));
    }
    let page = recognize(&img, &seam_config()).unwrap();
    let hits = found(&page, &drawn, 15.0);
    assert!(
        hits.len() * 100 >= drawn.len() * 97,
        "{} of {} words read: {:?}",
        hits.len(),
        drawn.len(),
        texts(&page)
    );
    for (i, a) in page.words.iter().enumerate() {
        let twin =
            page.words.iter().skip(i + 1).find(|b| {
                b.text == a.text && (b.x0 - a.x0).abs() < 30.0 && (b.y0 - a.y0).abs() < 30.0
            });
        assert!(twin.is_none(), "{a:?} read twice");
    }
    assert!(page.words.len() <= drawn.len() + 2, "{:?}", texts(&page));
}

/// Walls, a door swing, hatching and dimension lines around the labels of `plan_sheet`.
fn draw_plan_graphics(img: &mut GrayImage) {
    let ink = Luma([20u8]);
    for (x, y, w, h) in [
        (60, 120, 2280, 14),
        (60, 1480, 2280, 14),
        (60, 120, 14, 1374),
        (2326, 120, 14, 1374),
        (1350, 120, 14, 600),
        (60, 980, 1200, 14),
    ] {
        draw_filled_rect_mut(img, imageproc::rect::Rect::at(x, y).of_size(w, h), ink);
    }
    // Hatching in a room corner and a door swing, as long thin diagonals.
    for k in 0..16 {
        let x = 1450.0 + k as f32 * 22.0;
        for t in 0..2 {
            let o = t as f32;
            draw_line_segment_mut(img, (x + o, 940.0), (x + 260.0 + o, 680.0), ink);
        }
    }
    draw_line_segment_mut(img, (400.0, 980.0), (520.0, 1120.0), ink);
    // A dimension line with ticks under "3,50".
    draw_filled_rect_mut(
        img,
        imageproc::rect::Rect::at(150, 1160).of_size(500, 2),
        ink,
    );
    for x in [150, 648] {
        draw_filled_rect_mut(img, imageproc::rect::Rect::at(x, 1140).of_size(2, 42), ink);
    }
}

#[test]
fn drawing_around_the_labels_is_taken_out_before_reading() {
    if !tesseract_ready() {
        return;
    }
    let (mut img, drawn) = plan_sheet();
    draw_plan_graphics(&mut img);
    let read = read_scan(&img, &seam_config()).unwrap();
    let required: Vec<Drawn> = drawn.iter().filter(|d| must_read(d)).cloned().collect();
    let hits = found(&read.page, &required, 15.0);
    assert_eq!(hits.len(), required.len(), "read {:?}", texts(&read.page));
    // Walls, hatching and ticks are not read as words.
    assert!(
        read.page.words.len() <= drawn.len() + 1,
        "{} words for {} drawn: {:?}",
        read.page.words.len(),
        drawn.len(),
        texts(&read.page)
    );
}

#[test]
fn a_turned_scan_is_straightened_and_read_in_its_own_pixels() {
    if !tesseract_ready() {
        return;
    }
    let (img, drawn) = plan_sheet();
    let angle = 2.0f32;
    let turned = rotate_about_center(
        &img,
        angle.to_radians(),
        Interpolation::Bilinear,
        Border::Constant(Luma([255])),
    );
    let skew = estimate_skew(&turned);
    assert!((skew - angle).abs() < 0.3, "skew {skew}");
    assert!(estimate_skew(&deskew(&turned, skew)).abs() < 0.3);

    // Where each word went when the sheet was turned (clockwise on screen).
    let (cx, cy) = (1200.0, 800.0);
    let (sin, cos) = angle.to_radians().sin_cos();
    let moved: Vec<Drawn> = drawn
        .iter()
        .filter(|d| must_read(d))
        .map(|d| {
            let (x, y) = d.centre();
            let (nx, ny) = (
                cx + (x - cx) * cos - (y - cy) * sin,
                cy + (x - cx) * sin + (y - cy) * cos,
            );
            let (hw, hh) = ((d.x1 - d.x0) / 2.0, (d.y1 - d.y0) / 2.0);
            Drawn {
                text: d.text.clone(),
                x0: nx - hw,
                y0: ny - hh,
                x1: nx + hw,
                y1: ny + hh,
            }
        })
        .collect();
    let read = read_scan(&turned, &seam_config()).unwrap();
    assert!((read.skew_deg - angle).abs() < 0.3, "{}", read.skew_deg);
    let hits = found(&read.page, &moved, 20.0);
    assert!(
        hits.len() == moved.len(),
        "{} of {} words read: {:?}",
        hits.len(),
        moved.len(),
        texts(&read.page)
    );
}

#[test]
fn an_image_over_the_pixel_limit_is_refused() {
    let cfg = OcrConfig {
        max_pixels: 1_000_000,
        ..OcrConfig::default()
    };
    let img = GrayImage::from_pixel(1200, 900, Luma([255]));
    let err = recognize(&img, &cfg).unwrap_err();
    assert!(
        matches!(
            err,
            VisionError::ImageSize {
                width: 1200,
                height: 900,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("1000000"), "{err}");
    assert!(matches!(
        read_scan(&img, &cfg),
        Err(VisionError::ImageSize { .. })
    ));

    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    assert!(matches!(
        decode_scan(png.get_ref(), 1_000_000),
        Err(VisionError::ImageSize { .. })
    ));
}

#[test]
fn missing_language_data_names_the_package() {
    let empty = tempfile::tempdir().unwrap();
    let cfg = OcrConfig {
        tessdata: Some(empty.path().to_path_buf()),
        ..OcrConfig::default()
    };
    let err = recognize(&GrayImage::from_pixel(64, 64, Luma([255])), &cfg).unwrap_err();
    match &err {
        VisionError::OcrData {
            language, package, ..
        } => {
            assert_eq!(language, "fra");
            assert_eq!(package, "tesseract-ocr-fra");
        }
        other => panic!("expected OcrData, got {other:?}"),
    }
    assert!(err.to_string().contains("tesseract-ocr-fra"), "{err}");
}
