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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => {
            config::Config::load(cli.config.as_deref(), &args).and_then(server::run)
        }
        Command::Takeoff(args) => {
            config::Config::load(cli.config.as_deref(), &config::ServeArgs::default())
                .and_then(|c| cli::takeoff::run(&args, &c))
        }
        Command::Estimate(args) => {
            config::Config::load(cli.config.as_deref(), &config::ServeArgs::default())
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
