//! The project's sample house (IFC + DXF with known quantities, datasets/sample_house) priced
//! with the sample library and rules: quantities against the generator's expected values,
//! arithmetic, VAT regimes, payment terms, exports.

mod common;

use std::collections::BTreeMap;

use chantier_estimator::clauses::ClauseLibrary;
use chantier_estimator::estimate::{
    self, Estimate, EstimateSettings, Installment, Language, TaxRounding, VatRegime,
};
use chantier_estimator::export::{self, Table};
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::profile::FirmProfile;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

fn expected() -> serde_json::Value {
    let text =
        std::fs::read_to_string(common::datasets().join("sample_house/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn qty(e: &Estimate, code: &str) -> Decimal {
    e.lines()
        .filter(|l| l.code == code)
        .map(|l| l.quantity)
        .sum()
}

fn dec(v: &serde_json::Value) -> Decimal {
    Decimal::from_f64(v.as_f64().unwrap()).unwrap().round_dp(2)
}

#[test]
fn quantities_match_the_generator() {
    let (e, _) = common::house_estimate(common::settings());
    let x = expected();
    let walls = &x["ifc"]["types"];
    let ext = walls
        .get("Mur ext. parpaing 20")
        .unwrap_or_else(|| panic!("expected.json types: {walls}"));
    // Masonry is priced on one face of the exterior walls, openings deducted.
    assert!((qty(&e, "MAC-010") - dec(&ext["net_side_area_m2"])).abs() <= Decimal::new(1, 2));
    let partitions = &walls["Cloison placo 72/48"];
    let plaster: Decimal = e
        .lines()
        .filter(|l| l.rule == "cloisons-distribution")
        .map(|l| l.quantity)
        .sum();
    assert!(
        (plaster - dec(&partitions["net_side_area_m2"])).abs() <= Decimal::new(2, 2),
        "{plaster}"
    );
    // Windows come from the model only: the drawing's window blocks are a fallback.
    assert_eq!(
        qty(&e, "MEXT-010"),
        Decimal::from(
            x["ifc"]["types"]["Fenêtre PVC 120x135"]["count"]
                .as_u64()
                .unwrap()
        )
    );
    // Sockets: 14 drawn plus 3 inside the kitchen kit block.
    assert_eq!(
        qty(&e, "ELE-010"),
        Decimal::from(x["dxf"]["blocks_expanded"]["PRISE_16A"].as_u64().unwrap())
    );
    assert!(
        (qty(&e, "GO-030") - dec(&x["ifc"]["classes"]["IfcFooting"]["net_volume_m3"])).abs()
            <= Decimal::new(1, 2)
    );
    // Nothing silently dropped: the kit block itself is listed for review.
    assert!(
        e.unmatched
            .iter()
            .any(|u| u.name == "KIT_CUISINE" && u.reason == "no rule matched")
    );
    for l in e.lines() {
        assert!(!l.provenance.is_empty(), "{} has no provenance", l.number);
        assert!(l.confidence > 0.0 && l.confidence <= 1.0);
    }
}

#[test]
fn totals_add_up_to_the_cent() {
    // Both of Odoo's methods, on prices re-computed with a margin that leaves sub-cent line
    // amounts (the bundled margin happens to land on whole cents more often).
    for method in [TaxRounding::Globally, TaxRounding::PerLine] {
        let (e, _) = common::house_estimate(EstimateSettings {
            tax_rounding: Some(method),
            margin_rate: Decimal::new(12, 2),
            vat_regime: VatRegime::Renovation,
            ..common::settings()
        });
        assert_eq!(e.tax_rounding(), Some(method));
        let mut raw_by_rate: BTreeMap<Decimal, Decimal> = BTreeMap::new();
        for lot in &e.lots {
            for l in &lot.lines {
                assert_eq!(
                    l.total,
                    (l.quantity * l.unit_price).round_dp(2),
                    "{}",
                    l.number
                );
                *raw_by_rate.entry(l.vat_rate.normalize()).or_default() +=
                    l.quantity * l.unit_price;
            }
            assert_eq!(
                lot.total_ht,
                lot.lines.iter().map(|l| l.total).sum::<Decimal>()
            );
        }
        let lots: Decimal = e.lots.iter().map(|l| l.total_ht).sum();
        assert_eq!(e.total_ht, lots + e.rounding_adjustment, "{method:?}");
        let raw: Decimal = raw_by_rate.values().sum();
        for v in &e.vat {
            let base = raw_by_rate[&v.rate];
            let per_line: Decimal = e
                .lines()
                .filter(|l| l.vat_rate.normalize() == v.rate)
                .map(|l| (l.total * l.vat_rate).round_dp(2))
                .sum();
            match method {
                TaxRounding::Globally => assert_eq!(v.amount, (base * v.rate).round_dp(2)),
                TaxRounding::PerLine => assert_eq!(v.amount, per_line),
            }
        }
        match method {
            TaxRounding::Globally => assert_eq!(e.total_ht, raw.round_dp(2)),
            TaxRounding::PerLine => assert!(e.rounding_adjustment.is_zero()),
        }
        assert_eq!(e.total_vat, e.vat.iter().map(|v| v.amount).sum::<Decimal>());
        assert_eq!(e.total_ttc, e.total_ht + e.total_vat);
        assert_eq!(
            e.payments.iter().map(|p| p.amount).sum::<Decimal>(),
            e.total_ttc
        );
    }
    let (e, _) = common::house_estimate(common::settings());
    assert_eq!(e.tax_rounding(), Some(TaxRounding::Globally), "the default");
    assert_eq!(e.vat.len(), 1, "new build: 20 % only");
    assert_eq!(
        e.vat[0].amount,
        (e.total_ht * Decimal::new(20, 2)).round_dp(2)
    );
    assert_eq!(
        e.payments.iter().map(|p| p.amount).sum::<Decimal>(),
        e.total_ttc
    );
    assert!(!e.variants.is_empty(), "the sample rules price options");
    for v in &e.variants {
        assert!(v.totals.total_ht > Decimal::ZERO);
        assert!(
            v.lots
                .iter()
                .flat_map(|l| &l.lines)
                .all(|l| l.number.starts_with('O'))
        );
    }
    // Selling prices are cost x (1 + overheads)(1 + contingency)(1 + margin).
    let k = e.breakdown.coefficient;
    let l = e.lines().next().unwrap();
    assert!((l.cost_unit_price * k - l.unit_price).abs() <= Decimal::new(1, 2));
    let ids: Vec<&str> = e.mentions.iter().map(|m| m.id.as_str()).collect();
    for id in [
        "validite",
        "devis_gratuit",
        "assurance_decennale",
        "penalites_retard",
        "bon_pour_accord",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(!ids.contains(&"tva_attestation_2025"));
    let insurance = e
        .mentions
        .iter()
        .find(|m| m.id == "assurance_decennale")
        .unwrap();
    assert!(
        insurance.text.contains(&e.firm.insurer.name)
            && insurance.text.contains(&e.firm.insurer.coverage_area)
    );
}

#[test]
fn vat_regimes_and_payment_terms() {
    let mut s = common::settings();
    s.vat_regime = VatRegime::Renovation;
    s.retenue_rate = Decimal::new(5, 2);
    s.deposit_rate = Some(Decimal::new(30, 2));
    s.schedule = vec![
        Installment {
            label_fr: "Fin du gros oeuvre".into(),
            label_en: "Structure done".into(),
            rate: Decimal::new(40, 2),
        },
        Installment {
            label_fr: "Réception".into(),
            label_en: "Acceptance".into(),
            rate: Decimal::new(30, 2),
        },
    ];
    let (e, _) = common::house_estimate(s.clone());
    let rates: BTreeMap<String, usize> = e.lines().fold(BTreeMap::new(), |mut m, l| {
        *m.entry(l.vat_rate.normalize().to_string()).or_default() += 1;
        m
    });
    assert!(
        rates.contains_key("0.1") && rates.contains_key("0.055"),
        "{rates:?}"
    );
    for l in e.lines() {
        let want = match l.vat_category {
            chantier_estimator::library::VatCategory::Energy => Decimal::new(55, 3),
            chantier_estimator::library::VatCategory::Renovation => Decimal::new(10, 2),
            chantier_estimator::library::VatCategory::Standard => Decimal::new(20, 2),
        };
        assert_eq!(l.vat_rate, want, "{}", l.code);
    }
    let attestation = e
        .mentions
        .iter()
        .find(|m| m.id == "tva_attestation_2025")
        .expect("certification printed");
    assert!(
        attestation.text.contains("deux ans"),
        "{}",
        attestation.text
    );
    assert!(e.mentions.iter().any(|m| m.id == "retenue_garantie"));
    assert_eq!(
        e.retenue_amount,
        (e.total_ttc * Decimal::new(5, 2)).round_dp(2)
    );
    assert_eq!(
        e.payments.len(),
        4,
        "deposit, 2 installments, retenue release"
    );
    assert_eq!(
        e.payments.iter().map(|p| p.amount).sum::<Decimal>(),
        e.total_ttc
    );

    s.vat_regime = VatRegime::ReverseCharge;
    let (rc, _) = common::house_estimate(s.clone());
    assert_eq!(rc.total_vat, Decimal::ZERO);
    assert_eq!(rc.total_ttc, rc.total_ht);
    assert!(
        rc.mentions
            .iter()
            .any(|m| m.id == "autoliquidation" && m.text.contains("283"))
    );

    s.retenue_rate = Decimal::new(6, 2);
    let err = estimate::build(
        estimate::Inputs {
            takeoffs: &common::house_takeoffs(),
            documents: &[],
            library: &PriceLibrary::sample(),
            rules: &chantier_estimator::rules::RuleSet::sample(),
            clauses: &ClauseLibrary::sample(),
            firm: &FirmProfile::sample(),
        },
        s,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("5 %"), "{err}");
}

#[test]
fn english_reprice_and_a_library_without_an_item() {
    let (e, _) = common::house_estimate(common::settings());
    let mut s = e.settings.clone();
    s.language = Language::En;
    let en = estimate::reprice(
        &e,
        &PriceLibrary::sample(),
        &ClauseLibrary::sample(),
        &FirmProfile::sample(),
        s,
    )
    .unwrap();
    assert_eq!((en.id.as_str(), en.version), (e.id.as_str(), 2));
    assert_eq!(
        en.total_ht, e.total_ht,
        "a translation does not change prices"
    );
    let lib = PriceLibrary::sample();
    let mac = lib.get("MAC-010").unwrap();
    assert!(en.lines().any(|l| l.designation == mac.designation_en));
    assert!(
        en.mentions
            .iter()
            .any(|m| m.title == ClauseLibrary::sample().get("validite").unwrap().title_en)
    );

    // Re-pricing with a library that lacks an item lists its quantity for review.
    let text =
        std::fs::read_to_string(common::datasets().join("prices/bibliotheque-exemple-2026.toml"))
            .unwrap();
    let start = text.find("code = \"MAC-010\"").unwrap();
    let item_start = text[..start].rfind("[[item]]").unwrap();
    let item_end = text[start..]
        .find("[[item]]")
        .map_or(text.len(), |i| start + i);
    let smaller = format!("{}{}", &text[..item_start], &text[item_end..]);
    let lib = PriceLibrary::from_toml_str(&smaller, "smaller.toml").unwrap();
    let r = estimate::reprice(
        &e,
        &lib,
        &ClauseLibrary::sample(),
        &FirmProfile::sample(),
        e.settings.clone(),
    )
    .unwrap();
    assert_eq!(qty(&r, "MAC-010"), Decimal::ZERO);
    assert!(
        r.unmatched
            .iter()
            .any(|u| u.name == "MAC-010" && u.reason.contains("not in the price library"))
    );
    assert!(r.total_ht < e.total_ht);
}

#[test]
fn dpgf_and_dqe_exports() {
    let (e, _) = common::house_estimate(common::settings());
    let csv = String::from_utf8(export::to_csv(&e, Table::Dpgf).unwrap()).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "N°;Code;Désignation;U;Quantité;PU HT;Montant HT"
    );
    let first = e.lines().next().unwrap();
    assert!(csv.contains(&format!("{};{}", first.number, first.code)));
    assert!(csv.contains(&e.total_ttc.normalize().to_string().replace('.', ",")));
    let dqe = String::from_utf8(export::to_csv(&e, Table::Dqe).unwrap()).unwrap();
    assert!(dqe.lines().next().unwrap().ends_with("Taux TVA"));

    // Rounded globally with sub-cent line amounts: the rounding row leads from the lots to
    // the total HT, as on the PDF.
    let (g, _) = common::house_estimate(EstimateSettings {
        margin_rate: Decimal::new(12, 2),
        tax_rounding: Some(TaxRounding::Globally),
        ..common::settings()
    });
    assert!(!g.rounding_adjustment.is_zero(), "precondition");
    let csv = String::from_utf8(export::to_csv(&g, Table::Dpgf).unwrap()).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with(";;Arrondi") || l.contains("Arrondi"))
        .expect("a rounding row");
    assert!(
        row.contains(
            &g.rounding_adjustment
                .normalize()
                .to_string()
                .replace('.', ",")
        ),
        "{row}"
    );

    let xlsx = export::to_xlsx(&e, Table::Dpgf).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains("Désignation") && strings.contains("Total TTC"));
    // Amounts are numbers, not text, so the spreadsheet can sum them.
    assert!(
        sheet.contains(&format!("<v>{}</v>", e.total_ttc.normalize())),
        "TTC not a number cell"
    );
}
