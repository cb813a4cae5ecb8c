//! Shared by the estimator's integration tests: a real estimate of the project's sample house.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chantier_estimator::clauses::ClauseLibrary;
use chantier_estimator::estimate::{self, Estimate, EstimateSettings, Inputs, Party};
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::profile::FirmProfile;
use chantier_estimator::rules::RuleSet;

pub fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets")
}

pub fn house_takeoffs() -> Vec<chantier_bim::takeoff::Takeoff> {
    ["sample_house/maison.ifc", "sample_house/maison-rdc.dxf"]
        .iter()
        .map(|f| {
            chantier_bim::takeoff_path(&datasets().join(f), None, &chantier_bim::Limits::default())
                .unwrap()
        })
        .collect()
}

pub fn settings() -> EstimateSettings {
    EstimateSettings {
        title: "Construction d'une maison individuelle".into(),
        client: Party {
            name: "SCI Les Tilleuls".into(),
            address: vec!["3 allée des Tilleuls".into(), "69130 Écully".into()],
            email: "contact@tilleuls.example".into(),
            is_company: true,
            ..Party::default()
        },
        site_address: vec!["12 chemin des Vignes".into(), "69130 Écully".into()],
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
        ..EstimateSettings::default()
    }
}

pub fn house_estimate(
    settings: EstimateSettings,
) -> (Estimate, Vec<chantier_bim::takeoff::Takeoff>) {
    let takeoffs = house_takeoffs();
    let e = estimate::build(
        Inputs {
            takeoffs: &takeoffs,
            documents: &[],
            library: &PriceLibrary::sample(),
            rules: &RuleSet::sample(),
            clauses: &ClauseLibrary::sample(),
            firm: &FirmProfile::sample(),
        },
        settings,
    )
    .unwrap();
    (e, takeoffs)
}
