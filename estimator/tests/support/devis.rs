//! Estimates to push: the project's sample house priced with the sample library, for a
//! client and an opportunity chosen by the test, and a re-priced version of it.

use std::path::Path;
use std::sync::OnceLock;

use chantier_bim::takeoff::Takeoff;
use chantier_estimator::clauses::ClauseLibrary;
use chantier_estimator::estimate::{
    self, Estimate, EstimateSettings, Inputs, Line, Party, TaxRounding, VatRegime,
};
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::profile::FirmProfile;
use chantier_estimator::rules::RuleSet;
use rust_decimal::Decimal;
use serde_json::Value;

/// The takeoff of the sample house, measured once per test binary.
fn takeoff() -> &'static Takeoff {
    static TAKEOFF: OnceLock<Takeoff> = OnceLock::new();
    TAKEOFF.get_or_init(|| {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../datasets/sample_house/maison.ifc"
        ));
        chantier_bim::takeoff_path(path, None, &chantier_bim::Limits::default())
            .unwrap_or_else(|e| panic!("takeoff of {}: {e}", path.display()))
    })
}

/// Settings for a client named `client` (also used as the devis title, so every test's
/// estimate is told apart in Odoo), answering the opportunity `lead`.
pub fn settings(client: &str, lead: Option<i64>) -> EstimateSettings {
    EstimateSettings {
        title: format!("Maison individuelle R+1 — {client}"),
        client: Party {
            name: client.into(),
            address: vec!["12 rue X".into(), "69003 Lyon".into()],
            ..Party::default()
        },
        site_address: vec![
            "Lot 4, allée des Cèdres".into(),
            "69370 Saint-Didier".into(),
        ],
        opportunity_id: lead,
        ..EstimateSettings::default()
    }
}

/// The sample house priced for `client`, version 1, with a fresh reference, its totals
/// rounded globally (a fresh French Odoo's method).
pub fn house(client: &str, lead: Option<i64>) -> Estimate {
    house_rounded(client, lead, TaxRounding::Globally)
}

/// The sample house priced for `client` with totals rounded as `rounding` says.
pub fn house_rounded(client: &str, lead: Option<i64>, rounding: TaxRounding) -> Estimate {
    estimate::build(
        Inputs {
            takeoffs: std::slice::from_ref(takeoff()),
            documents: &[],
            library: &PriceLibrary::sample(),
            rules: &RuleSet::sample(),
            clauses: &ClauseLibrary::sample(),
            firm: &FirmProfile::sample(),
        },
        EstimateSettings {
            tax_rounding: Some(rounding),
            ..settings(client, lead)
        },
    )
    .expect("the sample house prices")
}

/// The sample house as a renovation (10 % and 5.5 % lines) with a 5 % retenue de garantie.
pub fn renovation(client: &str, lead: Option<i64>, rounding: TaxRounding) -> Estimate {
    let e = house_rounded(client, lead, rounding);
    let settings = EstimateSettings {
        vat_regime: VatRegime::Renovation,
        retenue_rate: Decimal::new(5, 2),
        ..e.settings.clone()
    };
    let mut r = estimate::reprice(
        &e,
        &PriceLibrary::sample(),
        &ClauseLibrary::sample(),
        &FirmProfile::sample(),
        settings,
    )
    .expect("the sample house prices as a renovation");
    r.version = 1;
    r
}

/// The same estimate priced again with a higher margin and the renovation VAT regime
/// (10 % and 5.5 % lines): same reference, next version, other prices and taxes.
pub fn repriced(previous: &Estimate) -> Estimate {
    let settings = EstimateSettings {
        margin_rate: Decimal::new(12, 2),
        vat_regime: VatRegime::Renovation,
        ..previous.settings.clone()
    };
    estimate::reprice(
        previous,
        &PriceLibrary::sample(),
        &ClauseLibrary::sample(),
        &FirmProfile::sample(),
        settings,
    )
    .expect("the sample house re-prices")
}

/// A small valid PDF naming the estimate, enough for the connector (which only base64-encodes
/// it); distinct per reference and version so a wrong attachment is caught.
pub fn pdf(e: &Estimate) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
         2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n\
         % {} v{}\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        e.reference, e.version
    )
    .into_bytes()
}

/// Checks a quotation's lines, read in sequence order, against the devis: per lot a section
/// named after it, then the lot's lines as `[code] designation (group)`, in print order; then
/// per option lot a section naming the option and the lot, then one line per option line
/// naming its code (a note or a priced line). Sequences must increase. Returns the priced base
/// lines with the devis lines they stand for.
pub fn check_lines<'a>(lines: &'a [Value], e: &'a Estimate) -> Vec<(&'a Value, &'a Line)> {
    let text = |l: &Value, k: &str| l[k].as_str().unwrap_or_default().to_string();
    let sequences: Vec<i64> = lines
        .iter()
        .filter_map(|l| l["sequence"].as_i64())
        .collect();
    assert_eq!(sequences.len(), lines.len(), "every line has a sequence");
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "sequences increase: {sequences:?}"
    );
    let mut it = lines.iter();
    let mut priced = Vec::new();
    for lot in &e.lots {
        let section = it
            .next()
            .unwrap_or_else(|| panic!("no section for lot {}", lot.name));
        assert_eq!(
            (text(section, "display_type"), text(section, "name")),
            ("line_section".to_string(), lot.name.clone()),
            "section of lot {}",
            lot.code
        );
        for l in &lot.lines {
            let line = it
                .next()
                .unwrap_or_else(|| panic!("no line for {}", l.code));
            let name = format!("[{}] {}", l.code, l.designation);
            let name = if l.group.is_empty() {
                name
            } else {
                format!("{name} ({})", l.group)
            };
            assert_eq!(
                line["display_type"],
                Value::Bool(false),
                "{} is a priced line",
                l.code
            );
            assert_eq!(text(line, "name"), name);
            priced.push((line, l));
        }
    }
    for v in &e.variants {
        for lot in &v.lots {
            let section = it
                .next()
                .unwrap_or_else(|| panic!("no section for option {}", v.name));
            let title = text(section, "name");
            assert_eq!(
                text(section, "display_type"),
                "line_section",
                "option {}",
                v.name
            );
            assert!(
                title.contains(&v.name) && title.contains(&lot.name),
                "option section {title:?} names {} and {}",
                v.name,
                lot.name
            );
            for l in &lot.lines {
                let line = it
                    .next()
                    .unwrap_or_else(|| panic!("no line for option {}", l.code));
                assert!(
                    text(line, "name").contains(&format!("[{}]", l.code)),
                    "option line {:?} names {}",
                    text(line, "name"),
                    l.code
                );
            }
        }
    }
    let rest: Vec<&Value> = it.collect();
    assert!(
        rest.is_empty(),
        "unexpected lines after the options: {rest:#?}"
    );
    priced
}
