//! From measured quantities to a priced estimate. Re-pricing runs the same code on the
//! quantities kept in the estimate, so a new library or new rates never need the plans again.

use std::collections::BTreeMap;

use chantier_bim::takeoff::Takeoff;
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, RoundingStrategy};

use super::{
    Breakdown, Document, Estimate, EstimateSettings, Installment, Line, LotSection, PaymentLine,
    TaxRounding, Totals, Variant, VatAmount, VatRegime,
};
use crate::clauses::{ClauseLibrary, RenderedClause};
use crate::error::{EstimatorError, Result};
use crate::library::{PriceLibrary, VatCategory};
use crate::profile::FirmProfile;
use crate::rules::{Measured, RuleSet, Unmatched, apply};

/// Everything an estimate is made from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub takeoffs: &'a [Takeoff],
    pub documents: &'a [Document],
    pub library: &'a PriceLibrary,
    pub rules: &'a RuleSet,
    pub clauses: &'a ClauseLibrary,
    pub firm: &'a FirmProfile,
}

fn money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Prices documents into a new estimate.
pub fn build(inputs: Inputs<'_>, settings: EstimateSettings) -> Result<Estimate> {
    settings.check()?;
    inputs.rules.check(inputs.library)?;
    let m = apply(inputs.rules, inputs.takeoffs);
    if m.measured.is_empty() {
        return Err(EstimatorError::Invalid(format!(
            "no rule of {:?} priced anything in these documents ({} element(s) or layer(s) to review); \
             check that the rule set fits them",
            inputs.rules.name,
            m.unmatched.len()
        )));
    }
    let id = uuid::Uuid::new_v4();
    let created_at = Utc::now();
    let date = settings.date.unwrap_or_else(|| created_at.date_naive());
    let mut warnings = m.warnings;
    for t in inputs.takeoffs {
        warnings.extend(t.warnings.iter().map(|w| format!("{}: {w}", t.file)));
    }
    let reference = format!(
        "DEV-{}-{}",
        date.format("%Y"),
        id.simple().to_string()[..8].to_ascii_uppercase()
    );
    price(
        PriceRun {
            id: id.to_string(),
            reference,
            version: 1,
            created_at,
            documents: inputs.documents.to_vec(),
            rules: inputs.rules.name.clone(),
            measured: m.measured,
            unmatched: m.unmatched,
            warnings,
        },
        inputs.library,
        inputs.clauses,
        inputs.firm,
        settings,
    )
}

/// Prices an estimate's kept quantities again, with a new library, clauses or settings.
pub fn reprice(
    previous: &Estimate,
    library: &PriceLibrary,
    clauses: &ClauseLibrary,
    firm: &FirmProfile,
    settings: EstimateSettings,
) -> Result<Estimate> {
    settings.check()?;
    let unmatched = previous
        .unmatched
        .iter()
        .filter(|u| !u.reason.starts_with("item "))
        .cloned()
        .collect();
    let warnings = previous
        .warnings
        .iter()
        .filter(|w| !w.starts_with("re-pricing:"))
        .cloned()
        .collect();
    price(
        PriceRun {
            id: previous.id.clone(),
            reference: previous.reference.clone(),
            version: previous.version + 1,
            created_at: Utc::now(),
            documents: previous.documents.clone(),
            rules: previous.rules.clone(),
            measured: previous.measured.clone(),
            unmatched,
            warnings,
        },
        library,
        clauses,
        firm,
        settings,
    )
}

struct PriceRun {
    id: String,
    reference: String,
    version: u32,
    created_at: chrono::DateTime<Utc>,
    documents: Vec<Document>,
    rules: String,
    measured: Vec<Measured>,
    unmatched: Vec<Unmatched>,
    warnings: Vec<String>,
}

fn vat_rate(regime: VatRegime, category: VatCategory) -> Decimal {
    match (regime, category) {
        (VatRegime::ReverseCharge, _) => Decimal::ZERO,
        (VatRegime::Standard, _) | (VatRegime::Renovation, VatCategory::Standard) => {
            Decimal::new(20, 2)
        }
        (VatRegime::Renovation, VatCategory::Renovation) => Decimal::new(10, 2),
        (VatRegime::Renovation, VatCategory::Energy) => Decimal::new(55, 3),
    }
}

/// Totals as Odoo computes them under `rounding`, so a pushed quotation lands on the same
/// cents (Odoo 17+ `account.tax._round_base_lines_tax_details`):
/// - per line: each line is rounded, each line's VAT is rounded on it, the sums are the
///   totals;
/// - globally: the total HT is the rounded sum of the unrounded lines (`quantity x unit
///   price`), each rate's VAT the rounded rate x its unrounded base.
///
/// Lines and lots keep their rounded amounts either way (that is what a line shows).
fn totals(lots: &[LotSection], rounding: TaxRounding) -> Totals {
    #[derive(Default)]
    struct Rate {
        rounded_base: Decimal,
        raw_base: Decimal,
        line_vat: Decimal,
    }
    let mut by_rate: BTreeMap<Decimal, Rate> = BTreeMap::new();
    let mut raw_ht = Decimal::ZERO;
    for line in lots.iter().flat_map(|l| &l.lines) {
        let raw = line.quantity * line.unit_price;
        raw_ht += raw;
        let r = by_rate.entry(line.vat_rate.normalize()).or_default();
        r.rounded_base += line.total;
        r.raw_base += raw;
        r.line_vat += money(line.total * line.vat_rate);
    }
    let lots_ht: Decimal = lots.iter().map(|l| l.total_ht).sum();
    let total_ht = match rounding {
        TaxRounding::PerLine => lots_ht,
        TaxRounding::Globally => money(raw_ht),
    };
    let vat: Vec<VatAmount> = by_rate
        .into_iter()
        .rev()
        .map(|(rate, r)| match rounding {
            TaxRounding::PerLine => VatAmount {
                rate,
                base_ht: r.rounded_base,
                amount: r.line_vat,
            },
            TaxRounding::Globally => VatAmount {
                rate,
                base_ht: money(r.raw_base),
                amount: money(r.raw_base * rate),
            },
        })
        .collect();
    let total_vat = vat.iter().map(|v| v.amount).sum();
    Totals {
        total_ht,
        total_vat,
        total_ttc: total_ht + total_vat,
        vat,
        rounding_adjustment: total_ht - lots_ht,
    }
}

fn price(
    run: PriceRun,
    library: &PriceLibrary,
    clauses: &ClauseLibrary,
    firm: &FirmProfile,
    settings: EstimateSettings,
) -> Result<Estimate> {
    let english = settings.language == super::Language::En;
    let rounding = settings
        .tax_rounding
        .or(firm.terms.tax_rounding)
        .unwrap_or_default();
    let one = Decimal::ONE;
    let coefficient = (one + settings.overhead_rate)
        * (one + settings.contingency_rate)
        * (one + settings.margin_rate);
    let mut warnings = run.warnings;
    let mut unmatched = run.unmatched;
    // variant ("" = base) -> lot code -> lines
    let mut sections: BTreeMap<String, BTreeMap<String, Vec<Line>>> = BTreeMap::new();
    let mut breakdown = Breakdown::default();
    for m in &run.measured {
        let Some(item) = library.get(&m.item) else {
            unmatched.push(Unmatched {
                file: m
                    .sources
                    .first()
                    .map(|s| s.file.clone())
                    .unwrap_or_default(),
                kind: "line".into(),
                class: m.rule.clone(),
                name: m.item.clone(),
                id: None,
                reason: format!(
                    "item {} is not in the price library {}",
                    m.item, library.info.name
                ),
                quantities: BTreeMap::from([("quantity".into(), m.quantity)]),
            });
            warnings.push(format!(
                "re-pricing: item {} of rule {} is not in the library; its quantity is listed for review",
                m.item, m.rule
            ));
            continue;
        };
        let quantity = Decimal::from_f64(m.quantity)
            .unwrap_or_default()
            .round_dp_with_strategy(
                settings.quantity_decimals,
                RoundingStrategy::MidpointAwayFromZero,
            );
        if quantity.is_zero() {
            warnings.push(format!(
                "rule {}: the quantity rounds to zero ({:.6}); no line",
                m.rule, m.quantity
            ));
            continue;
        }
        // A rule's waste changes the supplies share only; a stated price stays the base.
        let cost_unit_price = match m.waste {
            Some(w) if w != item.waste => {
                (item.unit_price + item.material_cost * (w - item.waste)).round_dp(2)
            }
            _ => item.unit_price,
        };
        let unit_price = money(cost_unit_price * coefficient);
        let total = money(quantity * unit_price);
        let category = m.vat.unwrap_or(item.vat);
        let designation = if english {
            &item.designation_en
        } else {
            &item.designation_fr
        };
        if m.variant.is_none() {
            breakdown.cost_ht += money(quantity * cost_unit_price);
            breakdown.labour_hours += (quantity * item.labour_hours).round_dp(2);
        }
        sections
            .entry(m.variant.clone().unwrap_or_default())
            .or_default()
            .entry(item.lot.clone())
            .or_default()
            .push(Line {
                number: String::new(),
                code: item.code.clone(),
                designation: designation.clone(),
                group: m.group.clone(),
                unit: item.unit,
                quantity,
                unit_price,
                total,
                vat_rate: vat_rate(settings.vat_regime, category),
                vat_category: category,
                cost_unit_price,
                labour_hours: item.labour_hours,
                rule: m.rule.clone(),
                confidence: m.confidence,
                provenance: m.sources.clone(),
            });
    }
    let order_lots = |lots: BTreeMap<String, Vec<Line>>| -> Vec<LotSection> {
        let mut out: Vec<LotSection> = lots
            .into_iter()
            .map(|(code, lines)| {
                let lot = library.lot(&code);
                LotSection {
                    name: lot.map_or_else(
                        || code.clone(),
                        |l| {
                            if english {
                                l.name_en.clone()
                            } else {
                                l.name_fr.clone()
                            }
                        },
                    ),
                    total_ht: lines.iter().map(|l| l.total).sum(),
                    code,
                    lines,
                }
            })
            .collect();
        out.sort_by_key(|s| library.lot(&s.code).map_or(u32::MAX, |l| l.order));
        out
    };
    let mut lots = order_lots(sections.remove("").unwrap_or_default());
    if lots.is_empty() {
        return Err(EstimatorError::Invalid(
            "nothing left to price: every measured quantity rounds to zero or lacks its item"
                .into(),
        ));
    }
    let number = |lots: &mut [LotSection], prefix: &str| {
        for (i, lot) in lots.iter_mut().enumerate() {
            for (j, line) in lot.lines.iter_mut().enumerate() {
                line.number = format!("{prefix}{}.{}", i + 1, j + 1);
            }
        }
    };
    number(&mut lots, "");
    let variants: Vec<Variant> = sections
        .into_iter()
        .enumerate()
        .map(|(k, (name, by_lot))| {
            let mut lots = order_lots(by_lot);
            number(&mut lots, &format!("O{}.", k + 1));
            Variant {
                totals: totals(&lots, rounding),
                name,
                lots,
            }
        })
        .collect();
    let t = totals(&lots, rounding);
    breakdown.coefficient = coefficient.round_dp(4);
    breakdown.overhead = money(breakdown.cost_ht * settings.overhead_rate);
    breakdown.contingency =
        money(breakdown.cost_ht * (one + settings.overhead_rate) * settings.contingency_rate);
    breakdown.margin = t.total_ht - breakdown.cost_ht - breakdown.overhead - breakdown.contingency;

    let date = settings.date.unwrap_or_else(|| run.created_at.date_naive());
    let validity_days = settings.validity_days.unwrap_or(firm.terms.validity_days);
    let valid_until = date + Duration::days(i64::from(validity_days));
    let deposit_rate = settings.deposit_rate.unwrap_or(firm.terms.deposit_rate);
    if !settings.schedule.is_empty() {
        let sum = deposit_rate + settings.schedule.iter().map(|i| i.rate).sum::<Decimal>();
        if sum != Decimal::ONE {
            return Err(EstimatorError::Invalid(format!(
                "the deposit ({deposit_rate}) and the payment schedule add up to {sum}, not 1"
            )));
        }
    }
    let retenue_amount = money(t.total_ttc * settings.retenue_rate);
    let payments = payments(
        &settings,
        deposit_rate,
        t.total_ttc,
        retenue_amount,
        english,
    );
    let free_estimate = settings.free_estimate.unwrap_or(firm.terms.free_estimate);

    let fmt_date = |d: chrono::NaiveDate| {
        if english {
            d.format("%d %B %Y").to_string()
        } else {
            d.format("%d/%m/%Y").to_string()
        }
    };
    let pct = |r: Decimal| format!("{} %", (r * Decimal::ONE_HUNDRED).normalize());
    let values: BTreeMap<&str, String> = BTreeMap::from([
        ("validity_days", validity_days.to_string()),
        ("date", fmt_date(date)),
        ("valid_until", fmt_date(valid_until)),
        ("firm_name", firm.firm.name.clone()),
        ("insurer_name", firm.insurer.name.clone()),
        ("insurer_address", firm.insurer.address.clone()),
        ("insurance_policy", firm.insurer.policy.clone()),
        ("coverage_area", firm.insurer.coverage_area.clone()),
        ("deposit_rate", pct(deposit_rate)),
        ("retenue_rate", pct(settings.retenue_rate)),
        ("late_penalty_rate", firm.terms.late_penalty_rate.clone()),
        ("recovery_fee", firm.terms.recovery_fee.clone()),
        ("mediator_name", firm.mediator.name.clone()),
        ("mediator_url", firm.mediator.url.clone()),
        (
            "hourly_rate",
            format!("{} €", library.info.hourly_rate.normalize()),
        ),
        ("quote_fee", firm.terms.quote_fee.clone()),
        (
            "start_date",
            settings.start_date.map(fmt_date).unwrap_or_else(|| {
                if english {
                    "to be agreed".into()
                } else {
                    "à convenir".into()
                }
            }),
        ),
        (
            "duration_weeks",
            settings
                .duration_weeks
                .map_or_else(|| "?".into(), |w| w.to_string()),
        ),
    ]);
    let reduced = lots
        .iter()
        .chain(variants.iter().flat_map(|v| &v.lots))
        .flat_map(|l| &l.lines)
        .any(|l| l.vat_rate > Decimal::ZERO && l.vat_rate < Decimal::new(20, 2));
    let mut mention_ids = vec![
        "validite",
        if free_estimate {
            "devis_gratuit"
        } else {
            "devis_payant"
        },
        "assurance_decennale",
    ];
    if reduced {
        mention_ids.push("tva_attestation_2025");
    }
    if settings.vat_regime == VatRegime::ReverseCharge {
        mention_ids.push("autoliquidation");
    }
    if !deposit_rate.is_zero() {
        mention_ids.push("acompte");
    }
    // Since 1 July 2021 a building devis estimates its waste and where it goes
    // (code de l'environnement, D541-45-1).
    mention_ids.push("gestion_dechets");
    if !settings.retenue_rate.is_zero() {
        mention_ids.push("retenue_garantie");
    }
    if settings.client.is_company {
        mention_ids.push("penalites_retard");
    } else {
        mention_ids.extend(["mediateur", "retractation"]);
    }
    mention_ids.push("bon_pour_accord");
    let mentions = mention_ids
        .into_iter()
        .map(|id| clauses.render(id, english, &values))
        .collect::<Result<Vec<RenderedClause>>>()?;
    let condition_ids = settings
        .clauses
        .clone()
        .unwrap_or_else(|| clauses.default_conditions());
    let conditions = condition_ids
        .iter()
        .map(|id| clauses.render(id, english, &values))
        .collect::<Result<Vec<_>>>()?;

    if settings.client.name.trim().is_empty() {
        warnings.push("the client's name is missing: the devis is not legally complete".into());
    }
    if settings.site_address.is_empty() {
        warnings.push("the site address is missing: the devis is not legally complete".into());
    }
    if !unmatched.is_empty() {
        warnings.push(format!(
            "{} element(s), layer(s) or block(s) were not priced and are listed for review",
            unmatched.len()
        ));
    }
    Ok(Estimate {
        id: run.id,
        reference: run.reference,
        version: run.version,
        created_at: run.created_at,
        date,
        valid_until,
        language: settings.language,
        currency: library.info.currency.clone(),
        title: settings.title.clone(),
        firm: firm.clone(),
        client: settings.client.clone(),
        site_address: settings.site_address.clone(),
        library: library.info.name.clone(),
        library_note: library.info.note.clone(),
        rules: run.rules,
        documents: run.documents,
        lots,
        variants,
        total_ht: t.total_ht,
        rounding_adjustment: t.rounding_adjustment,
        vat: t.vat,
        total_vat: t.total_vat,
        total_ttc: t.total_ttc,
        vat_regime: settings.vat_regime,
        breakdown,
        retenue_rate: settings.retenue_rate,
        retenue_amount,
        payments,
        free_estimate,
        mentions,
        conditions,
        unmatched,
        warnings,
        library_items: library
            .items
            .iter()
            .filter(|i| run.measured.iter().any(|m| m.item == i.code))
            .cloned()
            .collect(),
        library_lots: library.lots.clone(),
        library_info: Some(library.info.clone()),
        measured: run.measured,
        opportunity_id: settings.opportunity_id,
        // The date is fixed once priced: a later rendering or re-pricing keeps it.
        settings: EstimateSettings {
            date: Some(date),
            tax_rounding: Some(rounding),
            ..settings
        },
    })
}

/// Deposit, installments and balance; amounts add up to the total to the cent, the balance
/// taking the rounding and the retenue de garantie being released last.
fn payments(
    settings: &EstimateSettings,
    deposit_rate: Decimal,
    ttc: Decimal,
    retenue: Decimal,
    english: bool,
) -> Vec<PaymentLine> {
    let label = |i: &Installment| {
        if english {
            i.label_en.clone()
        } else {
            i.label_fr.clone()
        }
    };
    let mut plan: Vec<(String, Decimal)> = Vec::new();
    if !deposit_rate.is_zero() {
        plan.push((
            if english {
                "Deposit on signature"
            } else {
                "Acompte à la signature"
            }
            .into(),
            deposit_rate,
        ));
    }
    if settings.schedule.is_empty() {
        plan.push((
            if english {
                "Balance on acceptance of the works"
            } else {
                "Solde à la réception des travaux"
            }
            .into(),
            Decimal::ONE - deposit_rate,
        ));
    } else {
        plan.extend(settings.schedule.iter().map(|i| (label(i), i.rate)));
    }
    let mut out: Vec<PaymentLine> = plan
        .into_iter()
        .map(|(label, rate)| PaymentLine {
            amount: money(ttc * rate),
            label,
            rate,
        })
        .collect();
    let sum: Decimal = out.iter().map(|p| p.amount).sum();
    if let Some(last) = out.last_mut() {
        last.amount += ttc - sum - retenue;
    }
    if !retenue.is_zero() {
        out.push(PaymentLine {
            label: if english {
                "Retention released one year after acceptance".into()
            } else {
                "Retenue de garantie, libérée un an après la réception".into()
            },
            rate: settings.retenue_rate,
            amount: retenue,
        });
    }
    out
}
