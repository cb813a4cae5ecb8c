//! Tests of the devis layout and of the PDF as a whole, on estimates built by hand.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

use super::layout::Page;
use super::{devis, render};
use crate::clauses::ClauseLibrary;
use crate::estimate::{
    Breakdown, Estimate, EstimateSettings, Language, Line, LotSection, Party, PaymentLine, Totals,
    Variant, VatAmount, VatRegime,
};
use crate::library::{Unit, VatCategory};
use crate::profile::FirmProfile;

const DESIGNATIONS: [&str; 5] = [
    "Maçonnerie en blocs béton creux de 20 cm, hourdés au mortier, y compris chaînages et linteaux",
    "Enduit monocouche gratté, teinte claire",
    "Cloison en plaques de plâtre BA13 sur ossature métallique 72/48, isolant laine minérale 45 mm",
    "Carrelage grès cérame 45 × 45, pose collée, plinthes assorties",
    "Peinture acrylique deux couches sur murs et plafonds, impression comprise",
];

fn line(prefix: &str, lot: usize, n: usize, rate: Decimal) -> Line {
    let quantity = Decimal::new(1000 + (n as i64 * 137) % 9000, 2);
    let unit_price = Decimal::new(2500 + (n as i64 * 7919) % 90000, 2);
    Line {
        number: format!("{prefix}{lot}.{n}"),
        code: format!("X{lot:02}{n:03}"),
        designation: DESIGNATIONS[n % DESIGNATIONS.len()].to_string(),
        group: if n.is_multiple_of(4) {
            "RDC".into()
        } else {
            String::new()
        },
        unit: [Unit::M2, Unit::M3, Unit::Ml, Unit::U, Unit::Ens][n % 5],
        quantity,
        unit_price,
        total: (quantity * unit_price).round_dp(2),
        vat_rate: rate,
        vat_category: VatCategory::Standard,
        cost_unit_price: unit_price,
        labour_hours: Decimal::ONE,
        rule: "r".into(),
        confidence: 1.0,
        provenance: Vec::new(),
    }
}

fn lots(prefix: &str, count: usize, per_lot: usize, rate: Decimal) -> Vec<LotSection> {
    let names = [
        "Gros œuvre",
        "Maçonnerie",
        "Plâtrerie – Cloisons",
        "Électricité",
        "Peinture",
    ];
    (1..=count)
        .map(|l| {
            let lines: Vec<Line> = (1..=per_lot).map(|n| line(prefix, l, n, rate)).collect();
            LotSection {
                code: format!("L{l}"),
                name: names[(l - 1) % names.len()].to_string(),
                total_ht: lines.iter().map(|x| x.total).sum(),
                lines,
            }
        })
        .collect()
}

fn totals_of(lots: &[LotSection], rate: Decimal) -> Totals {
    let total_ht: Decimal = lots.iter().map(|l| l.total_ht).sum();
    let amount = (total_ht * rate).round_dp(2);
    Totals {
        total_ht,
        vat: vec![VatAmount {
            rate,
            base_ht: total_ht,
            amount,
        }],
        total_vat: amount,
        total_ttc: total_ht + amount,
        rounding_adjustment: Decimal::ZERO,
    }
}

/// An estimate of `count` lines over ten lots, with an option, built without a takeoff.
pub(crate) fn synthetic(count: usize, language: Language, regime: VatRegime) -> Estimate {
    let english = language == Language::En;
    let rate = if regime == VatRegime::ReverseCharge {
        Decimal::ZERO
    } else {
        Decimal::new(20, 2)
    };
    let lot_count = 10.min(count.max(1));
    let base = lots("", lot_count, count.div_ceil(lot_count), rate);
    let option_lots = lots("O1.", 1, 3, rate);
    let t = totals_of(&base, rate);
    let date = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
    let firm = FirmProfile::sample();
    let library = ClauseLibrary::sample();
    let values = BTreeMap::from([
        ("validity_days", "90".to_string()),
        ("date", "12/03/2026".to_string()),
        ("valid_until", "10/06/2026".to_string()),
        ("insurer_name", firm.insurer.name.clone()),
        ("coverage_area", firm.insurer.coverage_area.clone()),
    ]);
    let mut ids = vec!["validite", "devis_gratuit", "assurance_decennale"];
    if regime == VatRegime::ReverseCharge {
        ids.push("autoliquidation");
    }
    ids.extend(["mediateur", "bon_pour_accord"]);
    let mentions = ids
        .iter()
        .map(|id| library.render(id, english, &values).unwrap())
        .collect();
    let conditions = library
        .default_conditions()
        .iter()
        .map(|id| library.render(id, english, &values).unwrap())
        .collect();
    let deposit = (t.total_ttc * Decimal::new(3, 1)).round_dp(2);
    Estimate {
        id: "00000000-0000-0000-0000-000000000000".into(),
        reference: "DEV-2026-0000TEST".into(),
        version: 2,
        created_at: Utc.with_ymd_and_hms(2026, 3, 12, 9, 0, 0).unwrap(),
        date,
        valid_until: date + chrono::Duration::days(90),
        language,
        currency: "EUR".into(),
        title: "Construction d'une maison individuelle de plain-pied, 98 m² habitables".into(),
        client: Party {
            name: "Mme Hélène Dupré".into(),
            address: vec![
                "8 chemin des Écoliers".into(),
                "69370 Saint-Didier-au-Mont-d'Or".into(),
            ],
            ..Party::default()
        },
        site_address: vec![
            "Lot n° 4, allée des Cèdres".into(),
            "69370 Saint-Didier-au-Mont-d'Or".into(),
        ],
        library: "exemple".into(),
        library_note: String::new(),
        rules: "exemple".into(),
        documents: Vec::new(),
        variants: vec![Variant {
            name: "Pompe à chaleur air/eau au lieu des radiateurs électriques".into(),
            totals: totals_of(&option_lots, rate),
            lots: option_lots,
        }],
        lots: base,
        total_ht: t.total_ht,
        rounding_adjustment: t.rounding_adjustment,
        vat: t.vat,
        total_vat: t.total_vat,
        total_ttc: t.total_ttc,
        vat_regime: regime,
        breakdown: Breakdown::default(),
        retenue_rate: Decimal::new(5, 2),
        retenue_amount: (t.total_ttc * Decimal::new(5, 2)).round_dp(2),
        payments: vec![
            PaymentLine {
                label: "Acompte à la signature".into(),
                rate: Decimal::new(3, 1),
                amount: deposit,
            },
            PaymentLine {
                label: "Solde à la réception des travaux".into(),
                rate: Decimal::new(7, 1),
                amount: t.total_ttc - deposit,
            },
        ],
        free_estimate: true,
        mentions,
        conditions,
        unmatched: Vec::new(),
        warnings: Vec::new(),
        measured: Vec::new(),
        library_items: Vec::new(),
        library_lots: Vec::new(),
        library_info: None,
        settings: EstimateSettings {
            language,
            start_date: NaiveDate::from_ymd_opt(2026, 6, 1),
            duration_weeks: Some(16),
            ..EstimateSettings::default()
        },
        opportunity_id: None,
        firm,
    }
}

fn count(page: &Page, needle: &str) -> usize {
    page.texts().filter(|t| *t == needle).count()
}

fn all_text(pages: &[Page]) -> String {
    pages
        .iter()
        .flat_map(|p| p.texts())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn three_hundred_lines_break_into_pages_with_the_header_repeated() {
    let e = synthetic(300, Language::Fr, VatRegime::Standard);
    let pages = devis::layout(&e);
    let n = pages.len();
    assert!(n >= 6, "{n} pages");
    // Every line is printed once.
    let text = all_text(&pages);
    for l in e.lines() {
        assert_eq!(
            pages.iter().map(|p| count(p, &l.number)).sum::<usize>(),
            1,
            "line {}",
            l.number
        );
    }
    // The column header is on every page the table runs over, and only once there.
    let table_pages: Vec<usize> = (0..n)
        .filter(|&i| e.lines().any(|l| pages[i].texts().any(|t| t == l.number)))
        .collect();
    assert!(table_pages.len() >= 5, "{table_pages:?}");
    for &i in &table_pages {
        let texts: Vec<&str> = pages[i].texts().collect();
        let header = texts.iter().position(|t| *t == "Désignation");
        let first_line = texts.iter().position(|t| e.lines().any(|l| l.number == *t));
        assert!(header.is_some() && header < first_line, "page {}", i + 1);
    }
    // The option table has its own header.
    let headers: usize = pages.iter().map(|p| count(p, "Désignation")).sum();
    assert!(headers > table_pages.len(), "{headers} headers");
    // The lot broken over a page is marked as continued.
    assert!(text.contains("(suite)"));
    // Footer with the page count on every page.
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(count(p, &format!("Page {} / {n}", i + 1)), 1);
    }
    // The running header is on every page but the first.
    assert_eq!(count(&pages[0], "DEVIS"), 1);
    for p in &pages[1..] {
        assert!(p.texts().any(|t| t.contains("DEV-2026-0000TEST")));
    }
    // Nothing is drawn over the footer or past the top margin.
    for p in &pages {
        for op in &p.ops {
            if let super::layout::Op::Text { y, .. } = op {
                assert!(*y >= super::layout::FOOTER_Y - 0.01 && *y <= super::layout::TOP);
            }
        }
    }
}

#[test]
fn no_row_is_split_and_rows_stay_above_the_footer() {
    let e = synthetic(300, Language::Fr, VatRegime::Standard);
    let pages = devis::layout(&e);
    for (i, p) in pages.iter().enumerate() {
        for op in &p.ops {
            match op {
                super::layout::Op::Rect { y, .. } => {
                    assert!(
                        *y >= super::layout::BOTTOM - 0.5,
                        "page {}: rect at {y}",
                        i + 1
                    )
                }
                super::layout::Op::Text { y, size, .. } if *size > 7.5 => {
                    assert!(
                        *y >= super::layout::BOTTOM - 0.5,
                        "page {}: text at {y}",
                        i + 1
                    )
                }
                _ => {}
            }
        }
    }
}

#[test]
fn the_devis_carries_totals_options_mentions_and_the_signature() {
    let e = synthetic(12, Language::Fr, VatRegime::Standard);
    let text = all_text(&devis::layout(&e));
    for needle in [
        "Bâtisseurs Exemple SARL",
        "SIRET 123 456 782 00010 – APE 4120A",
        "N° DEV-2026-0000TEST",
        "Version 2",
        "Valable jusqu'au\u{a0}: 10/06/2026",
        "Adresse du chantier",
        "Mme Hélène Dupré",
        "Nature des travaux",
        "Options (non comprises dans le total)",
        "Total HT",
        "Total TTC",
        "Échéancier de paiement",
        "Mentions légales",
        "Assurance de responsabilité décennale",
        "Conditions particulières",
        "Le client",
        "L'entreprise",
        "Retenue de garantie (5\u{a0}%)",
    ] {
        assert!(text.contains(needle), "{needle:?} missing");
    }
    let vat = format!(
        "TVA 20\u{a0}% sur {}",
        super::format::money(e.total_ht, false)
    );
    assert!(text.contains(&vat), "{vat:?} missing");
    assert!(!text.contains("Autoliquidation"));
}

#[test]
fn global_rounding_prints_the_lots_the_rounding_and_the_total() {
    let mut e = synthetic(12, Language::Fr, VatRegime::Standard);
    assert!(
        !all_text(&devis::layout(&e)).contains("Arrondi"),
        "no row when nothing moves"
    );
    let lots = e.total_ht;
    e.rounding_adjustment = Decimal::new(-2, 2);
    e.total_ht = lots - Decimal::new(2, 2);
    let text = all_text(&devis::layout(&e));
    for needle in [
        format!("Total des lots HT\n{}", super::format::money(lots, false)),
        format!(
            "Arrondi (total calculé sur les montants non arrondis)\n{}",
            super::format::money(Decimal::new(-2, 2), false)
        ),
        format!("Total HT\n{}", super::format::money(e.total_ht, false)),
    ] {
        assert!(text.contains(&needle), "{needle:?} missing");
    }
}

#[test]
fn english_and_reverse_charge() {
    let e = synthetic(12, Language::En, VatRegime::ReverseCharge);
    let text = all_text(&devis::layout(&e));
    for needle in [
        "QUOTATION",
        "Description",
        "Total excl. VAT",
        "Net payable (VAT reverse-charged)",
        "Options (not included in the total)",
        "Payment schedule",
    ] {
        assert!(text.contains(needle), "{needle:?} missing");
    }
    assert!(!text.contains("Total incl. VAT"));
    assert!(!text.contains("VAT 20%"));
    assert!(
        text.contains("283"),
        "the reverse-charge mention is printed"
    );
}

#[test]
fn the_pdf_is_valid_with_embedded_subset_fonts() {
    let e = synthetic(40, Language::Fr, VatRegime::Standard);
    let bytes = render(&e).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7"));
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let pages = doc.get_pages();
    assert_eq!(pages.len(), devis::layout(&e).len());
    let mut font_files = 0;
    for obj in doc.objects.values() {
        if let Ok(d) = obj.as_dict() {
            if d.has(b"FontFile2") {
                font_files += 1;
            }
            if d.get(b"Subtype").ok().and_then(|s| s.as_name().ok()) == Some(b"Type0") {
                assert!(d.has(b"ToUnicode"));
            }
        }
    }
    assert_eq!(font_files, 2);
    // The ToUnicode maps give the text back, accents and euro sign included.
    let text = doc.extract_text(&[1]).unwrap();
    for needle in ["Désignation", "Bâtisseurs", "€"] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    assert!(info.has(b"CreationDate") && info.has(b"Author") && info.has(b"Title"));
}

#[test]
fn the_same_estimate_gives_the_same_pages() {
    let e = synthetic(60, Language::Fr, VatRegime::Standard);
    assert_eq!(devis::layout(&e), devis::layout(&e));
    let strip = |b: Vec<u8>| {
        let s = String::from_utf8_lossy(&b).to_string();
        let at = s.find("/CreationDate").unwrap();
        format!("{}{}", &s[..at], &s[at + 40..])
    };
    assert_eq!(strip(render(&e).unwrap()), strip(render(&e).unwrap()));
}

#[test]
fn a_three_hundred_line_devis_stays_small() {
    let e = synthetic(300, Language::Fr, VatRegime::Standard);
    let bytes = render(&e).unwrap();
    assert!(bytes.len() < 150_000, "{} bytes", bytes.len());
}

#[test]
fn an_endless_designation_is_cut_to_fit_a_page() {
    let mut e = synthetic(3, Language::Fr, VatRegime::Standard);
    e.lots[0].lines[0].designation = "très long ".repeat(2000);
    let pages = devis::layout(&e);
    let text = all_text(&pages);
    assert!(text.contains("[…]"));
    for p in &pages {
        for op in &p.ops {
            if let super::layout::Op::Text { y, .. } = op {
                assert!(*y >= super::layout::FOOTER_Y - 0.01);
            }
        }
    }
}
