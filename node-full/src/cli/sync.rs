//! `drand-node sync`: pre-load a chain from other nodes before joining, verifying every beacon
//! in batches with the verifier core and appending to this node's store. With `--follow` it
//! keeps following the chain until interrupted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use super::Failure;
use crate::files::layout::BeaconPaths;
use crate::net::{BeaconTarget, PeerClient, TransportMode};
use crate::store::{BeaconStore, RedbStore, StoredBeacon};

/// Flags of `drand-node sync`.
#[derive(clap::Args)]
pub struct Args {
    /// The node's folder (the chain is stored under multibeacon/<id>/db).
    #[arg(long, env = "DRAND_FOLDER", default_value = ".drand")]
    folder: PathBuf,
    /// Beacon ID.
    #[arg(long, default_value = "default")]
    id: String,
    /// Nodes to sync from (HOST:PORT), tried in order.
    #[arg(long, value_delimiter = ',', required = true)]
    sync_nodes: Vec<String>,
    /// The chain hash the nodes must serve (the chain is pinned by it).
    #[arg(long)]
    chain_hash: String,
    /// Stop at this round.
    #[arg(long)]
    up_to: Option<u64>,
    /// Keep following the chain after catching up.
    #[arg(long)]
    follow: bool,
    /// Trust this CA (PEM) instead of the public web roots.
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Dial in plaintext (plaintext local groups only).
    #[arg(long)]
    plaintext: bool,
}

/// Runs the sync.
pub fn run(args: Args) -> Result<(), Failure> {
    let expected = drand_lite::ChainHash::parse(&args.chain_hash.to_ascii_lowercase())
        .map_err(|e| Failure::usage(format!("--chain-hash: {e}")))?;
    let mode = super::transport_mode(args.plaintext, "--plaintext", args.tls_ca.as_deref())?;
    let paths = BeaconPaths::new(&args.folder, &args.id).map_err(Failure::usage)?;
    super::runtime()?.block_on(async move {
        let target = BeaconTarget::id(&args.id).with_chain_hash(expected.0.to_vec());
        let mut errors = Vec::new();
        for address in &args.sync_nodes {
            match sync_from(
                address,
                &mode,
                &target,
                &expected,
                &paths,
                args.up_to,
                args.follow,
            )
            .await
            {
                Ok(last) => {
                    println!("synced up to round {last} from {address}");
                    return Ok(());
                }
                Err(e) => {
                    eprintln!("{address}: {e}");
                    errors.push(format!("{address}: {e}"));
                }
            }
        }
        Err(Failure::Failed(format!(
            "every sync node failed: {}",
            errors.join("; ")
        )))
    })
}

async fn sync_from(
    address: &str,
    mode: &TransportMode,
    target: &BeaconTarget,
    expected: &drand_lite::ChainHash,
    paths: &BeaconPaths,
    up_to: Option<u64>,
    follow: bool,
) -> Result<u64, String> {
    let client = PeerClient::connect(address, mode).map_err(|e| e.to_string())?;
    let packet = client.chain_info(target).await.map_err(|e| e.to_string())?;
    let info = super::chain_info_from_packet(&packet, &target.beacon_id)?;
    let scheme = info.scheme();
    info.check_pin(expected).map_err(|e| e.to_string())?;
    let db = paths.db_dir();
    std::fs::create_dir_all(&db).map_err(|e| format!("cannot create {}: {e}", db.display()))?;
    let store: Arc<dyn BeaconStore> = Arc::new(
        RedbStore::open(
            &db.join("drand.redb"),
            scheme.is_chained(),
            info.genesis_seed(),
        )
        .map_err(|e| e.to_string())?,
    );
    let mut last = store.last().map_err(|e| e.to_string())?.round;
    let from = last.saturating_add(1);
    let mut stream = client
        .sync_chain(target, from)
        .await
        .map_err(|e| e.to_string())?;
    let mut batch: Vec<StoredBeacon> = Vec::new();
    let started = std::time::Instant::now();
    let idle = Duration::from_secs(2 * u64::from(info.period()));
    loop {
        let wait = if batch.is_empty() {
            idle
        } else {
            Duration::from_millis(20)
        };
        let next = tokio::time::timeout(wait, stream.next()).await;
        let done = match next {
            Ok(Some(Ok(p))) => {
                let beacon = StoredBeacon {
                    round: p.round,
                    signature: p.signature,
                    previous_signature: (scheme.is_chained() && !p.previous_signature.is_empty())
                        .then_some(p.previous_signature),
                };
                // Only the rounds asked for, in order (a replayed old round would move `last`
                // backwards).
                let expected = last.saturating_add(1).saturating_add(batch.len() as u64);
                if beacon.round != expected {
                    return Err(format!(
                        "the node sent round {} where {expected} was expected",
                        beacon.round
                    ));
                }
                crate::daemon::sync::check_beacon_shape(scheme, &beacon)?;
                batch.push(beacon);
                let reached = up_to.is_some_and(|u| p.round >= u);
                if batch.len() < crate::daemon::sync::SYNC_BATCH && !reached {
                    continue;
                }
                reached
            }
            Ok(Some(Err(e))) => return Err(format!("stream failed after round {last}: {e}")),
            Ok(None) => true,
            Err(_) => !follow && batch.is_empty(),
        };
        if !batch.is_empty() {
            last = append(&info, &store, std::mem::take(&mut batch)).await?;
            let rate = last.saturating_add(1).saturating_sub(from) as f64
                / started.elapsed().as_secs_f64().max(1e-3);
            eprintln!("round {last} ({rate:.0} beacons/s)");
        }
        if done {
            return Ok(last);
        }
    }
}

async fn append(
    info: &drand_lite::ChainInfo,
    store: &Arc<dyn BeaconStore>,
    batch: Vec<StoredBeacon>,
) -> Result<u64, String> {
    let stored = crate::daemon::sync::verify_and_append(info, Arc::clone(store), batch).await?;
    Ok(stored.last().map_or(0, |b| b.round))
}
