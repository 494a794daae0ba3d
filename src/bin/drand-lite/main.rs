//! `drand-lite`: verify drand beacons and inspect chains from the command line.
//!
//! Exit codes are a contract other tools rely on: 0 valid, 1 invalid beacon or chain info,
//! 2 usage error or unreadable file.

mod fetch;
mod info;
mod input;
mod vectors;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Verify drand randomness beacons.
#[derive(Parser)]
#[command(name = "drand-lite", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify one beacon (or a JSON-lines batch) against a chain's info.
    Verify(verify::Args),
    /// Show a chain's parameters, recomputed hash and current round.
    Info(info::Args),
    /// Check drand test-vector files: every `beacons[]` entry must verify, every `invalid[]`
    /// entry must be rejected.
    Vectors(vectors::Args),
    #[command(flatten)]
    Fetch(fetch::Fetch),
}

/// How a command ended, mapped onto the exit-code contract.
pub enum Failure {
    /// The beacon or chain info is invalid (exit 1).
    Invalid(String),
    /// Bad usage or an unreadable file (exit 2).
    Usage(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Info(args) => info::run(args),
        Command::Vectors(args) => vectors::run(args),
        Command::Fetch(command) => fetch::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(reason)) => {
            eprintln!("invalid: {reason}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(2)
        }
    }
}
