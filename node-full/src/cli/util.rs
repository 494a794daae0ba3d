//! `drand-node util ...`: operator utilities.

use std::path::PathBuf;

use super::Failure;
use crate::net::{BeaconTarget, check_addresses};

/// `drand-node util ...`.
#[derive(clap::Subcommand)]
pub enum Util {
    /// Dial each address through the real client path (TLS unless --plaintext) and report its
    /// identity, TLS and version, or what is wrong in words (a plaintext, TLS or HTTP/1.1 peer
    /// where the other was expected; never a fallback).
    Check(CheckArgs),
}

/// Flags of `drand-node util check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// Addresses to check (HOST:PORT).
    #[arg(required = true)]
    addresses: Vec<String>,
    /// Beacon ID to ask about.
    #[arg(long, default_value = "default")]
    id: String,
    /// Trust this CA (PEM) instead of the public web roots.
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Dial in plaintext (for plaintext local groups only).
    #[arg(long)]
    plaintext: bool,
}

/// Runs a utility.
pub fn run(util: Util) -> Result<(), Failure> {
    match util {
        Util::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> Result<(), Failure> {
    let mode = super::transport_mode(args.plaintext, "--plaintext", args.tls_ca.as_deref())?;
    let target = BeaconTarget::id(&args.id);
    let reports = super::runtime()?.block_on(check_addresses(&args.addresses, &mode, &target));
    let mut failed = 0;
    for report in &reports {
        println!("{report}");
        if !report.is_ok() {
            failed += 1;
        }
    }
    if failed > 0 {
        return Err(Failure::Failed(format!(
            "{failed} of {} addresses failed the check",
            reports.len()
        )));
    }
    Ok(())
}
