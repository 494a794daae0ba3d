//! Commands that talk to a running daemon over its control port: `stop`, `status`, `show`.

use std::net::SocketAddr;
use std::time::Duration;

use super::Failure;
use crate::net::{BeaconTarget, ControlClient};

/// Flags of `drand-node stop`.
#[derive(clap::Args)]
pub struct StopArgs {
    /// The daemon's control address.
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Stop only this beacon ID's chain; the daemon and its other beacons go on.
    #[arg(long)]
    id: Option<String>,
}

/// Flags of `drand-node status`.
#[derive(clap::Args)]
pub struct StatusArgs {
    /// The daemon's control address.
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Beacon ID.
    #[arg(long, default_value = "default")]
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `drand-node show ...`.
#[derive(clap::Subcommand)]
pub enum Show {
    /// The chain info (v2 JSON; `--v1` for drand's v1 shape).
    ChainInfo(ShowArgs),
    /// The group file (drand's TOML).
    Group(ShowArgs),
}

/// Flags of `drand-node show`.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// The daemon's control address.
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Beacon ID.
    #[arg(long, default_value = "default")]
    id: String,
    /// Print the chain hash only (chain-info) or the group hash only (group).
    #[arg(long)]
    hash: bool,
}

fn client(control: SocketAddr) -> Result<ControlClient, Failure> {
    ControlClient::connect(&control.to_string()).map_err(Failure::failed)
}

/// Stops the daemon, or one beacon of it.
pub fn stop(args: StopArgs) -> Result<(), Failure> {
    super::runtime()?.block_on(async {
        client(args.control)?
            .shutdown(args.id.as_deref())
            .await
            .map_err(Failure::failed)
    })?;
    match &args.id {
        Some(id) => println!(
            "beacon {id:?} of drand-node at {} is stopping; the daemon goes on",
            args.control
        ),
        None => println!("drand-node at {} is stopping", args.control),
    }
    Ok(())
}

/// Best-effort shutdown request, for the devnet's clean stop.
pub(crate) fn request_shutdown(control: SocketAddr) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        if let Ok(client) = ControlClient::connect(&control.to_string()) {
            let _ = tokio::time::timeout(Duration::from_secs(2), client.shutdown(None)).await;
        }
    });
}

/// Prints the daemon's status.
pub fn status(args: StatusArgs) -> Result<(), Failure> {
    let status = super::runtime()?.block_on(async {
        client(args.control)?
            .status(&BeaconTarget::id(&args.id))
            .await
            .map_err(Failure::failed)
    })?;
    let store = status.chain_store.unwrap_or_default();
    if args.json {
        let doc = serde_json::json!({
            "beacon_id": args.id,
            "epoch": status.epoch,
            "last_stored": store.last_stored,
            "expected_last": store.expected_last,
            "running": status.beacon.map(|b| b.is_running).unwrap_or(false),
        });
        println!("{doc}");
    } else {
        println!(
            "beacon {}: last stored round {} (expected {})",
            args.id, store.last_stored, store.expected_last
        );
    }
    Ok(())
}

/// Prints the chain info or the group file.
pub fn show(show: Show) -> Result<(), Failure> {
    let rt = super::runtime()?;
    match show {
        Show::ChainInfo(args) => {
            let packet = rt.block_on(async {
                client(args.control)?
                    .chain_info(&BeaconTarget::id(&args.id))
                    .await
                    .map_err(Failure::failed)
            })?;
            if args.hash {
                println!("{}", drand_lite::hex::encode(&packet.hash));
                return Ok(());
            }
            let info = super::chain_info_from_packet(&packet, &args.id).map_err(Failure::failed)?;
            println!("{}", info.to_v2_json());
        }
        Show::Group(args) => {
            let packet = rt.block_on(async {
                client(args.control)?
                    .group_file(&BeaconTarget::id(&args.id))
                    .await
                    .map_err(Failure::failed)
            })?;
            let group = group_from_packet(&packet)?;
            if args.hash {
                println!("{}", drand_lite::hex::encode(&group.hash()));
            } else {
                print!("{}", group.to_toml());
            }
        }
    }
    Ok(())
}

/// The group file a daemon reports, as drand's TOML model.
fn group_from_packet(packet: &crate::proto::GroupPacket) -> Result<crate::files::Group, Failure> {
    let scheme = drand_lite::Scheme::from_id(&packet.scheme_id).ok_or_else(|| {
        Failure::failed(format!(
            "daemon reports unknown scheme {:?}",
            packet.scheme_id
        ))
    })?;
    let nodes = packet
        .nodes
        .iter()
        .map(|n| {
            let identity = n.public.clone().unwrap_or_default();
            crate::files::GroupNode {
                address: identity.address,
                key: identity.key,
                signature: identity.signature,
                index: n.index,
            }
        })
        .collect();
    Ok(crate::files::Group {
        threshold: packet.threshold,
        period_secs: packet.period,
        catchup_period_secs: packet.catchup_period,
        genesis_time: packet.genesis_time,
        transition_time: packet.transition_time,
        genesis_seed: packet.genesis_seed.clone(),
        scheme,
        beacon_id: packet
            .metadata
            .as_ref()
            .map(|m| m.beacon_id.clone())
            .unwrap_or_default(),
        nodes,
        public_coefficients: packet.dist_key.clone(),
    })
}
