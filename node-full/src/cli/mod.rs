//! The operator CLI: `drand-node generate-keypair|start|stop|status|show|sync|util|devnet|dkg`.
//! Every command's work lives in the library (files, daemon, net); this module parses flags,
//! prints, and maps failures onto exit codes (0 ok, 1 the operation failed, 2 bad usage).

mod control;
mod devnet;
mod devnet_dkg;
mod devnet_setup;
mod dkg;
pub mod dkg_wait;
mod keys;
mod start;
mod sync;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Operate a drand-compatible randomness beacon node.
#[derive(Parser)]
#[command(name = "drand-node", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the node's long-term keypair for one beacon ID (refuses to overwrite one).
    GenerateKeypair(keys::Args),
    /// Run the daemon: every beacon ID with a group and share in the folder.
    Start(start::Args),
    /// Ask a running daemon to stop (over its control port).
    Stop(control::StopArgs),
    /// Show a running daemon's status (over its control port).
    Status(control::StatusArgs),
    /// Show the chain info or the group file of a running daemon.
    #[command(subcommand)]
    Show(control::Show),
    /// Pre-load or follow a chain from other nodes, verifying every beacon.
    Sync(sync::Args),
    /// Utilities.
    #[command(subcommand)]
    Util(util::Util),
    /// Run a local devnet: N node processes on loopback with TLS, the public API and the demo.
    Devnet(devnet::Args),
    /// The DKG ceremony: init, reshare, join, accept, reject, execute, abort, status, nuke,
    /// generate-proposal.
    #[command(subcommand)]
    Dkg(dkg::Dkg),
}

/// How a command failed, mapped onto exit codes.
#[derive(Debug)]
pub enum Failure {
    /// The operation failed (exit 1).
    Failed(String),
    /// Bad usage or unusable input (exit 2).
    Usage(String),
}

impl Failure {
    /// A failed operation, from anything displayable.
    pub fn failed(e: impl std::fmt::Display) -> Failure {
        Failure::Failed(e.to_string())
    }
    /// A usage error, from anything displayable.
    pub fn usage(e: impl std::fmt::Display) -> Failure {
        Failure::Usage(e.to_string())
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenerateKeypair(args) => keys::run(args),
        Command::Start(args) => start::run(args),
        Command::Stop(args) => control::stop(args),
        Command::Status(args) => control::status(args),
        Command::Show(show) => control::show(show),
        Command::Sync(args) => sync::run(args),
        Command::Util(util) => util::run(util),
        Command::Devnet(args) => devnet::run(args),
        Command::Dkg(cmd) => dkg::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Failed(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(2)
        }
    }
}

/// How to dial peers: plaintext only when asked for explicitly (`plaintext_flag` names the
/// flag in messages), otherwise TLS trusting `tls_ca` or the public web roots.
pub(crate) fn transport_mode(
    plaintext: bool,
    plaintext_flag: &str,
    tls_ca: Option<&std::path::Path>,
) -> Result<crate::net::TransportMode, Failure> {
    use crate::net::TransportMode;
    use crate::net::tls::TrustRoots;
    if plaintext {
        if tls_ca.is_some() {
            return Err(Failure::usage(format!(
                "{plaintext_flag} and --tls-ca exclude each other"
            )));
        }
        return Ok(TransportMode::Plaintext);
    }
    let roots = match tls_ca {
        Some(ca) => TrustRoots::ca_file(ca).map_err(Failure::usage)?,
        None => TrustRoots::WebPki,
    };
    TransportMode::tls(&roots).map_err(Failure::usage)
}

/// Chain info from a node's `ChainInfoPacket`, validated by the verifier core.
pub(crate) fn chain_info_from_packet(
    packet: &crate::proto::ChainInfoPacket,
    beacon_id: &str,
) -> Result<drand_lite::ChainInfo, String> {
    let scheme = drand_lite::Scheme::from_id(&packet.scheme_id)
        .ok_or_else(|| format!("the node reports an unknown scheme {:?}", packet.scheme_id))?;
    let seed: [u8; 32] = packet
        .group_hash
        .as_slice()
        .try_into()
        .map_err(|_| "the node reports a genesis seed that is not 32 bytes".to_owned())?;
    let genesis = u64::try_from(packet.genesis_time)
        .map_err(|_| "the node reports a negative genesis time".to_owned())?;
    drand_lite::ChainInfo::new(
        scheme,
        &packet.public_key,
        packet.period,
        genesis,
        seed,
        beacon_id,
    )
    .map_err(|e| e.to_string())
}

/// A multi-threaded tokio runtime for the commands that do network I/O.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))
}
