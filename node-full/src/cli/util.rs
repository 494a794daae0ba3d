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
    /// Issue a TLS certificate for a node from a private test CA (made in --ca on first use):
    /// for local test networks and the README's worked example, not for production (use a
    /// real CA or a TLS-terminating proxy there).
    TlsCert(TlsCertArgs),
}

/// Flags of `drand-node util tls-cert`.
#[derive(clap::Args)]
pub struct TlsCertArgs {
    /// Directory of the test CA (`ca.pem`, `ca.key`; created when missing).
    #[arg(long)]
    ca: PathBuf,
    /// Directory for the node's `node.pem` and `node.key`.
    #[arg(long)]
    out: PathBuf,
    /// Host names or IPs the certificate is for.
    #[arg(long = "host", required = true)]
    hosts: Vec<String>,
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
        Util::TlsCert(args) => tls_cert(args),
    }
}

fn tls_cert(args: TlsCertArgs) -> Result<(), Failure> {
    use crate::net::tls::DevnetCa;
    let read = |name: &str| std::fs::read_to_string(args.ca.join(name));
    let ca = match (read("ca.pem"), read("ca.key")) {
        (Ok(cert), Ok(key)) => DevnetCa::from_pem(&cert, &key).map_err(Failure::usage)?,
        (Err(e), Err(_)) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&args.ca).map_err(|e| {
                Failure::failed(format!("cannot create {}: {e}", args.ca.display()))
            })?;
            let ca = DevnetCa::generate().map_err(Failure::failed)?;
            ca.write(&args.ca).map_err(Failure::failed)?;
            println!("created test CA {}", args.ca.join("ca.pem").display());
            ca
        }
        _ => {
            return Err(Failure::usage(format!(
                "{} must hold both ca.pem and ca.key (or neither, to create them)",
                args.ca.display()
            )));
        }
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", args.out.display())))?;
    let hosts: Vec<&str> = args.hosts.iter().map(String::as_str).collect();
    let (cert, key) = ca
        .issue_node_cert(&hosts)
        .and_then(|c| c.write(&args.out, "node"))
        .map_err(Failure::failed)?;
    println!("wrote {} and {}", cert.display(), key.display());
    Ok(())
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
