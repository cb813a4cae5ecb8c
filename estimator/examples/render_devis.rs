//! Times the devis PDF: renders a 300-line devis 20 times and prints the mean.
//!
//!     cargo run --release -p chantier-estimator --example render_devis [-- out.pdf]
//!
//! The estimate is built by hand (no takeoff), so the timing is the PDF's alone.

use std::collections::BTreeMap;
use std::time::Instant;

use chantier_estimator::clauses::ClauseLibrary;
use chantier_estimator::estimate::{
    Breakdown, Estimate, EstimateSettings, Language, Line, LotSection, Party, PaymentLine,
    VatAmount, VatRegime,
};
use chantier_estimator::library::{Unit, VatCategory};
use chantier_estimator::profile::FirmProfile;
use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

const LINES: usize = 300;
const RUNS: u32 = 20;

fn estimate() -> Estimate {
    let lots_names = [
        "Installation de chantier",
        "Terrassement - VRD",
        "Gros œuvre",
        "Charpente",
        "Couverture - Zinguerie",
        "Menuiseries extérieures",
        "Plâtrerie - Cloisons",
        "Électricité",
        "Plomberie - Sanitaires",
        "Peinture",
    ];
    let designations = [
        "Maçonnerie en blocs béton creux de 20 cm, hourdés au mortier, y compris chaînages et linteaux",
        "Enduit monocouche gratté, teinte claire",
        "Cloison en plaques de plâtre BA13 sur ossature métallique 72/48, isolant laine minérale 45 mm",
        "Carrelage grès cérame 45 × 45, pose collée, plinthes assorties",
        "Peinture acrylique deux couches sur murs et plafonds",
    ];
    let units = [Unit::M2, Unit::M3, Unit::Ml, Unit::U, Unit::Ens];
    let rate = Decimal::new(20, 2);
    let per_lot = LINES / lots_names.len();
    let lots: Vec<LotSection> = lots_names
        .iter()
        .enumerate()
        .map(|(l, name)| {
            let lines: Vec<Line> = (1..=per_lot)
                .map(|n| {
                    let quantity = Decimal::new(1000 + (n as i64 * 137) % 9000, 2);
                    let unit_price = Decimal::new(2500 + (n as i64 * 7919) % 90000, 2);
                    Line {
                        number: format!("{}.{n}", l + 1),
                        code: format!("X{l}{n}"),
                        designation: designations[n % designations.len()].into(),
                        group: if n.is_multiple_of(3) {
                            "R+1".into()
                        } else {
                            String::new()
                        },
                        unit: units[n % units.len()],
                        quantity,
                        unit_price,
                        total: (quantity * unit_price).round_dp(2),
                        vat_rate: rate,
                        vat_category: VatCategory::Standard,
                        cost_unit_price: unit_price,
                        labour_hours: Decimal::ONE,
                        rule: "example".into(),
                        confidence: 1.0,
                        provenance: Vec::new(),
                    }
                })
                .collect();
            LotSection {
                code: format!("L{l}"),
                name: (*name).into(),
                total_ht: lines.iter().map(|x| x.total).sum(),
                lines,
            }
        })
        .collect();
    let total_ht: Decimal = lots.iter().map(|l| l.total_ht).sum();
    let total_vat = (total_ht * rate).round_dp(2);
    let total_ttc = total_ht + total_vat;
    let firm = FirmProfile::sample();
    let clauses = ClauseLibrary::sample();
    let values = BTreeMap::from([
        ("validity_days", "90".to_string()),
        ("date", "12/03/2026".to_string()),
        ("valid_until", "10/06/2026".to_string()),
        ("insurer_name", firm.insurer.name.clone()),
        ("insurer_address", firm.insurer.address.clone()),
        ("insurance_policy", firm.insurer.policy.clone()),
        ("coverage_area", firm.insurer.coverage_area.clone()),
        ("mediator_name", firm.mediator.name.clone()),
        ("mediator_url", firm.mediator.url.clone()),
        ("deposit_rate", "30 %".to_string()),
        ("retenue_rate", "0 %".to_string()),
        ("late_penalty_rate", firm.terms.late_penalty_rate.clone()),
        ("recovery_fee", firm.terms.recovery_fee.clone()),
        ("hourly_rate", "48 €".to_string()),
        ("quote_fee", firm.terms.quote_fee.clone()),
        ("start_date", "01/06/2026".to_string()),
        ("duration_weeks", "16".to_string()),
        ("firm_name", firm.firm.name.clone()),
    ]);
    let render = |id: &str| clauses.render(id, false, &values).expect("sample clause");
    let mentions = [
        "validite",
        "devis_gratuit",
        "assurance_decennale",
        "mediateur",
        "retractation",
        "bon_pour_accord",
    ]
    .into_iter()
    .map(render)
    .collect();
    let conditions = clauses
        .default_conditions()
        .iter()
        .map(|id| render(id))
        .collect();
    let deposit = (total_ttc * Decimal::new(3, 1)).round_dp(2);
    let date = NaiveDate::from_ymd_opt(2026, 3, 12).expect("a date");
    Estimate {
        id: "example".into(),
        reference: "DEV-2026-EXEMPLE1".into(),
        version: 1,
        created_at: Utc.with_ymd_and_hms(2026, 3, 12, 9, 0, 0).unwrap(),
        date,
        valid_until: date + chrono::Duration::days(90),
        language: Language::Fr,
        currency: "EUR".into(),
        title: "Construction d'une maison individuelle R+1, 140 m² habitables".into(),
        client: Party {
            name: "M. et Mme Lefèvre".into(),
            address: vec!["3 impasse des Tilleuls".into(), "69003 Lyon".into()],
            ..Party::default()
        },
        site_address: vec![
            "Lot n° 7, chemin des Vignes".into(),
            "69890 La Tour-de-Salvagny".into(),
        ],
        library: "exemple".into(),
        library_note: String::new(),
        rules: "exemple".into(),
        documents: Vec::new(),
        lots,
        variants: Vec::new(),
        total_ht,
        rounding_adjustment: Decimal::ZERO,
        vat: vec![VatAmount {
            rate,
            base_ht: total_ht,
            amount: total_vat,
        }],
        total_vat,
        total_ttc,
        vat_regime: VatRegime::Standard,
        breakdown: Breakdown::default(),
        retenue_rate: Decimal::ZERO,
        retenue_amount: Decimal::ZERO,
        payments: vec![
            PaymentLine {
                label: "Acompte à la signature".into(),
                rate: Decimal::new(3, 1),
                amount: deposit,
            },
            PaymentLine {
                label: "Solde à la réception des travaux".into(),
                rate: Decimal::new(7, 1),
                amount: total_ttc - deposit,
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
        settings: EstimateSettings::default(),
        opportunity_id: None,
        firm,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let e = estimate();
    // Warm-up: font parsing happens once per process.
    let bytes = chantier_estimator::pdf::render(&e)?;
    let start = Instant::now();
    for _ in 0..RUNS {
        std::hint::black_box(chantier_estimator::pdf::render(std::hint::black_box(&e))?);
    }
    let mean = start.elapsed().as_secs_f64() * 1000.0 / f64::from(RUNS);
    println!(
        "{LINES}-line devis: {} bytes, mean {mean:.1} ms over {RUNS} renders",
        bytes.len()
    );
    if let Some(out) = std::env::args().nth(1) {
        std::fs::write(&out, &bytes)?;
        println!("written to {out}");
    }
    Ok(())
}
