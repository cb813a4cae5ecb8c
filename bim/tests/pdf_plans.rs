//! PDF reading on a real CAD-exported plan (the VA medical centre finish plan of the shared
//! corpus, checked against pdfplumber's figures) and on hostile files made here.

use std::path::PathBuf;

use chantier_bim::pdf::{PdfFile, PdfLimits};
use chantier_bim::plan::analyse;
use chantier_bim::{BimError, Limits, takeoff_bytes};
use lopdf::{Document, Object, Stream, dictionary};

fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/datasets/bim")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs with ../shared beside the clone"
        );
        eprintln!(
            "skipping: {} is absent (the shared corpus is not beside this checkout)",
            p.display()
        );
        None
    }
}

#[test]
fn va_plan_text_is_complete_and_decoded() {
    let Some(path) = shared("pdf/VA_medcenter_floor_finish_plan.pdf") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let pdf = PdfFile::open(&bytes, PdfLimits::default()).unwrap();
    assert_eq!(pdf.page_count(), 2);
    // pdfplumber counts 4,703 and 5,753 glyphs (spaces included) and 12,433 pictures a page.
    let mut words = Vec::new();
    for (n, chars) in [(1, 4703), (2, 5753)] {
        let page = pdf.read_page(n).unwrap().page;
        assert_eq!(page.text_chars, chars, "page {n}");
        assert_eq!(page.images.len(), 12_433, "page {n}");
        assert!((page.width_mm - 1066.8).abs() < 0.1 && (page.height_mm - 762.0).abs() < 0.1);
        for r in &page.texts {
            assert!(
                r.text.chars().all(|c| (' '..='~').contains(&c)),
                "page {n}: text decoded wrong: {:?}",
                r.text
            );
            words.extend(r.text.split_whitespace().map(str::to_string));
        }
        if n == 1 {
            // Text turned 90 degrees reads the right way round.
            assert!(page.texts.iter().any(
                |r| r.text == "one eighth inch = one foot" && (r.angle_deg - 90.0).abs() < 1.0
            ));
            let takeoff = analyse(&page);
            assert_eq!(takeoff.scale, Some(96.0), "1/8\" = 1'-0\"");
            let dims: Vec<&str> = takeoff.dimensions.iter().map(|d| d.text.as_str()).collect();
            assert!(
                dims.contains(&"23'-6\"") && dims.contains(&"58'-5\""),
                "{dims:?}"
            );
            // The finish legend, read as a table: 14 abbreviations with their meaning.
            let legend = takeoff
                .tables
                .iter()
                .find(|t| t.title.starts_with("ROOM FINISH LEGEND"))
                .expect("the finish legend");
            for (code, text) in [
                ("ACT", "ACOUSTICAL CEILING (TILE)"),
                ("CT", "CERAMIC TILE"),
                ("GWB (SC)", "GYPSUM WALLBACK SYSTEMS (SPECIAL COATING)"),
                ("LVT", "LUXURY VINYL TILE"),
                ("P", "PAINT"),
                ("PT", "PORCELAIN TILE (FLOOR AND BASE)"),
                ("RB", "RESILIENT BASE"),
                ("RES", "RESINOUS EPOXY FLOORING"),
                ("RES-W", "RESINOUS/EPOXY WALL/CEILING"),
                ("RF", "RUBBER FLOORING"),
                ("S", "SOLID SURFACE"),
                ("SC", "SPECIAL COATING"),
                ("SP", "SPECIAL FACED"),
                ("WSF", "WELDED SEAM SHEET FLOORING (HEAT WELDED WITH ROD)"),
            ] {
                assert!(
                    legend
                        .rows
                        .iter()
                        .any(|r| r == &vec![code.to_string(), text.to_string()]),
                    "legend row {code} | {text} missing: {:?}",
                    legend.rows
                );
            }
        }
    }
    for w in ["AF101", "AF600", "656-19-306"] {
        assert!(words.iter().any(|x| x == w), "{w} not extracted");
    }
}

fn one_page_pdf(pages: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"0 0 m 10 10 l S".to_vec()));
    let kids: Vec<Object> = (0..pages)
        .map(|_| {
            doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content,
            })
            .into()
        })
        .collect();
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => pages as i64,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn ten_thousand_pages_stop_at_the_page_limit() {
    let bytes = one_page_pdf(10_000);
    let e = takeoff_bytes("many.pdf", bytes, None, &Limits::default()).unwrap_err();
    assert!(matches!(e, BimError::Limit(_)), "{e}");
    assert!(e.to_string().contains("10000 pages"), "{e}");
}

#[test]
fn broken_and_encrypted_pdfs_are_clear_errors() {
    let good = one_page_pdf(1);
    let t = takeoff_bytes("one.pdf", good.clone(), None, &Limits::default()).unwrap();
    assert_eq!(t.format, "pdf");
    assert_eq!(t.plan.as_ref().unwrap().pages.len(), 1);
    // Truncated in the middle of its objects.
    let e = takeoff_bytes(
        "cut.pdf",
        good[..good.len() / 3].to_vec(),
        None,
        &Limits::default(),
    );
    match e {
        Err(BimError::Pdf { message, .. }) => assert!(!message.is_empty()),
        Ok(t) => assert!(
            t.plan
                .is_none_or(|p| p.pages.iter().all(|p| p.rooms.is_empty())),
            "a truncated file must not invent content"
        ),
        Err(other) => panic!("unexpected error kind: {other}"),
    }
    // Garbage after a PDF header.
    let e = takeoff_bytes(
        "junk.pdf",
        b"%PDF-1.7\n\x00\x01garbage".to_vec(),
        None,
        &Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(e, BimError::Pdf { .. }), "{e}");
    // Encrypted with a user password.
    let mut doc = Document::load_mem(&good).unwrap();
    let id = Object::string_literal(b"0123456789abcdef".to_vec());
    doc.trailer.set("ID", vec![id.clone(), id]);
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "secret",
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let mut enc = Vec::new();
    doc.save_to(&mut enc).unwrap();
    let e = takeoff_bytes("locked.pdf", enc, None, &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("encrypted"), "{e}");
}

#[test]
fn a_form_xobject_cycle_does_not_hang() {
    let mut doc = Document::with_version("1.5");
    let form_id = doc.new_object_id();
    let form = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "F" => form_id } },
        },
        b"0 0 m 5 5 l S /F Do".to_vec(),
    );
    doc.objects.insert(form_id, Object::Stream(form));
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"/F Do".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content,
        "Resources" => dictionary! { "XObject" => dictionary! { "F" => form_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let pdf = PdfFile::open(&bytes, PdfLimits::default()).unwrap();
    let page = pdf.read_page(1).unwrap().page;
    assert_eq!(
        page.segments.len(),
        1,
        "the form is drawn once, its recursion refused"
    );
    assert!(
        page.warnings.iter().any(|w| w.contains("recursive")),
        "{:?}",
        page.warnings
    );
}
