//! `chantier estimate FILES...`: a priced devis from plans, offline — the PDF, the DPGF/DQE
//! spreadsheets and the JSON, with the sample library and rules unless others are given.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chantier_estimator::estimate::{
    self, Document, EstimateSettings, Inputs, Language, Party, VatRegime,
};
use chantier_estimator::export::{self, Table};
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::rules::RuleSet;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vat {
    Standard,
    Renovation,
    ReverseCharge,
}

#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    /// Plans to price (.ifc, .ifczip, .dxf).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Price library (.toml, .csv or .bc3); the configured one, else the bundled sample.
    #[arg(long)]
    pub library: Option<PathBuf>,
    /// Mapping rules (.toml); the configured ones, else the bundled sample.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Estimate settings (TOML: client, site_address, rates, schedule, clauses...).
    #[arg(long)]
    pub settings: Option<PathBuf>,
    /// Write the devis PDF here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the DPGF as XLSX here.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Write the DQE as XLSX here.
    #[arg(long)]
    pub dqe_xlsx: Option<PathBuf>,
    /// Write the DPGF as CSV here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Print the estimate as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// fr (default) or en.
    #[arg(long)]
    pub lang: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub client: Option<String>,
    /// Client address line (repeat for several lines).
    #[arg(long = "client-address")]
    pub client_address: Vec<String>,
    /// Site address line (repeat for several lines).
    #[arg(long)]
    pub site: Vec<String>,
    #[arg(long, value_enum)]
    pub vat: Option<Vat>,
    /// Overheads on cost, e.g. 0.15.
    #[arg(long)]
    pub overhead: Option<Decimal>,
    #[arg(long)]
    pub margin: Option<Decimal>,
    #[arg(long)]
    pub contingency: Option<Decimal>,
    /// Retenue de garantie, at most 0.05.
    #[arg(long)]
    pub retenue: Option<Decimal>,
    #[arg(long)]
    pub deposit: Option<Decimal>,
}

fn settings(args: &EstimateArgs) -> Result<EstimateSettings> {
    let mut s = match &args.settings {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", p.display()))?
        }
        None => EstimateSettings::default(),
    };
    if let Some(l) = &args.lang {
        s.language = Language::parse(l).with_context(|| format!("--lang {l:?}: use fr or en"))?;
    }
    if let Some(t) = &args.title {
        s.title = t.clone();
    }
    if let Some(c) = &args.client {
        s.client = Party {
            name: c.clone(),
            ..s.client
        };
    }
    if !args.client_address.is_empty() {
        s.client.address = args.client_address.clone();
    }
    if !args.site.is_empty() {
        s.site_address = args.site.clone();
    }
    if let Some(v) = args.vat {
        s.vat_regime = match v {
            Vat::Standard => VatRegime::Standard,
            Vat::Renovation => VatRegime::Renovation,
            Vat::ReverseCharge => VatRegime::ReverseCharge,
        };
    }
    for (flag, slot) in [
        (args.overhead, &mut s.overhead_rate),
        (args.margin, &mut s.margin_rate),
        (args.contingency, &mut s.contingency_rate),
        (args.retenue, &mut s.retenue_rate),
    ] {
        if let Some(v) = flag {
            *slot = v;
        }
    }
    if args.deposit.is_some() {
        s.deposit_rate = args.deposit;
    }
    if s.title.is_empty() {
        s.title = if s.language == Language::En {
            "Building works".into()
        } else {
            "Travaux de construction".into()
        };
    }
    Ok(s)
}

pub fn run(args: &EstimateArgs, config: &Config) -> Result<ExitCode> {
    let mut defaults = config.defaults()?;
    if let Some(p) = &args.library {
        defaults.library = std::sync::Arc::new(PriceLibrary::from_path(p)?);
    }
    if let Some(p) = &args.rules {
        defaults.rules = std::sync::Arc::new(RuleSet::from_path(p)?);
    }
    let settings = settings(args)?;
    let limits = config.limits();
    let mut takeoffs = Vec::new();
    let mut documents = Vec::new();
    for f in &args.files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let doc = Document {
            file: f.display().to_string(),
            format: String::new(),
            bytes: bytes.len() as u64,
            sha256: format!("{:x}", Sha256::digest(&bytes)),
        };
        let t = chantier_bim::takeoff_bytes(&doc.file, bytes, None, &limits)
            .with_context(|| format!("measuring {}", f.display()))?;
        documents.push(Document {
            format: t.format.clone(),
            ..doc
        });
        takeoffs.push(t);
    }
    let e = estimate::build(
        Inputs {
            takeoffs: &takeoffs,
            documents: &documents,
            library: &defaults.library,
            rules: &defaults.rules,
            clauses: &defaults.clauses,
            firm: &defaults.firm,
        },
        settings,
    )?;
    let write = |path: &PathBuf, bytes: Vec<u8>| -> Result<()> {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    if let Some(p) = &args.out {
        write(p, chantier_estimator::pdf::render(&e)?)?;
    }
    if let Some(p) = &args.xlsx {
        write(p, export::to_xlsx(&e, Table::Dpgf)?)?;
    }
    if let Some(p) = &args.dqe_xlsx {
        write(p, export::to_xlsx(&e, Table::Dqe)?)?;
    }
    if let Some(p) = &args.csv {
        write(p, export::to_csv(&e, Table::Dpgf)?)?;
    }
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &e)?;
        writeln!(out)?;
    }
    if !args.json
        && args.out.is_none()
        && args.xlsx.is_none()
        && args.dqe_xlsx.is_none()
        && args.csv.is_none()
    {
        bail!("nothing to write: give --out devis.pdf, --xlsx, --dqe-xlsx, --csv or --json");
    }
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{} v{}: {} lines in {} lots, total HT {} €, TVA {} €, TTC {} €",
        e.reference,
        e.version,
        e.lines().count(),
        e.lots.len(),
        e.total_ht,
        e.total_vat,
        e.total_ttc
    )?;
    for w in &e.warnings {
        writeln!(err, "warning: {w}")?;
    }
    Ok(ExitCode::SUCCESS)
}
