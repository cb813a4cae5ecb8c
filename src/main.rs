//! chantier: construction documents to priced quotes, and site safety vision, over gRPC.
//!
//! One binary: `chantier serve` runs the gRPC service, the other subcommands run the same
//! engines offline.

mod cli;
mod config;
mod server;
mod vision;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chantier",
    version,
    about = "Construction takeoff, estimates and site safety over gRPC"
)]
struct Cli {
    /// Configuration file (TOML). Defaults to $CHANTIER_CONFIG, else ./chantier.toml if present.
    #[arg(long, global = true)]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gRPC service.
    Serve(config::ServeArgs),
    /// Quantity takeoff of IFC, IFCZIP and DXF files, offline.
    Takeoff(cli::takeoff::TakeoffArgs),
    /// A priced devis (PDF, DPGF/DQE, JSON) from plans, offline.
    Estimate(cli::estimate::EstimateArgs),
    /// PPE detection on pictures, folders or an RTSP camera, offline.
    Detect(cli::detect::DetectArgs),
}

/// Makes every takeoff entry point read PDF and picture plans with OCR.
fn with_plan_reader(c: config::Config) -> config::Config {
    chantier_bim::plan::read::register_reader(chantier_vision::plan::bim_reader(c.plans.clone()));
    c
}

fn main() -> ExitCode {
    // Tesseract's OpenMP threads would fight the OCR workers for the cores; the runtime
    // reads this once, at its start, so it is set before any thread exists.
    if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
        // SAFETY: no other thread runs yet.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("OMP_THREAD_LIMIT", "1")
        };
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => config::Config::load(cli.config.as_deref(), &args)
            .map(with_plan_reader)
            .and_then(server::run),
        Command::Takeoff(args) => {
            config::Config::load(cli.config.as_deref(), &config::ServeArgs::default())
                .map(with_plan_reader)
                .and_then(|c| cli::takeoff::run(&args, &c))
        }
        Command::Estimate(args) => {
            config::Config::load(cli.config.as_deref(), &config::ServeArgs::default())
                .map(with_plan_reader)
                .and_then(|c| cli::estimate::run(&args, &c))
        }
        Command::Detect(args) => {
            config::Config::load(cli.config.as_deref(), &config::ServeArgs::default())
                .and_then(|c| cli::detect::run(&args, &c))
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
