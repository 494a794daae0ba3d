//! The devnet's set-up (CA, certificates, keypairs, the dealt group) and its supervision (wait
//! for verified beacons, write `devnet.json`, wait for Ctrl-C).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use drand_lite::{Beacon, ChainInfo, Scheme};
use rand_core::OsRng;

use super::Failure;
use super::devnet::{NodeSpec, start_args, unix_now};
use crate::crypto;
use crate::files::group::{Group, GroupNode};
use crate::files::keys;
use crate::files::layout::BeaconPaths;
use crate::files::share::KeyShare;
use crate::net::tls;

/// What the set-up made.
pub(crate) struct Setup {
    pub(crate) ca_pem: PathBuf,
    /// The chain: known at set-up with the trusted dealer, after the ceremony otherwise.
    pub(crate) info: Option<ChainInfo>,
    pub(crate) period: u32,
    /// Each node's identity, in node order.
    pub(crate) identities: Vec<crate::files::Identity>,
}

/// Makes the CA, each node's certificate and keypair and, only with `trusted_dealer` (tests
/// that are not about the DKG), deals the group; otherwise the nodes run a real DKG.
#[allow(clippy::too_many_arguments)]
pub(crate) fn setup(
    dir: &Path,
    specs: &[NodeSpec],
    scheme: Scheme,
    beacon_id: &str,
    threshold: u32,
    period: u32,
    genesis: u64,
    trusted_dealer: bool,
) -> Result<Setup, Failure> {
    let ca_dir = dir.join("ca");
    create_dir(&ca_dir)?;
    let ca = tls::generate_devnet_ca().map_err(Failure::failed)?;
    let (ca_pem, _) = ca.write(&ca_dir).map_err(Failure::failed)?;
    let mut identities = Vec::new();
    for spec in specs {
        let tls_dir = spec.folder.join("tls");
        create_dir(&tls_dir)?;
        ca.issue_node_cert(&["127.0.0.1", "localhost"])
            .and_then(|cert| cert.write(&tls_dir, "node"))
            .map_err(Failure::failed)?;
        let generated = keys::generate_keypair(
            &spec.folder,
            beacon_id,
            scheme,
            &spec.private.to_string(),
            keys::ForceConfirm::None,
            &mut OsRng,
            unix_now()?,
        )
        .map_err(Failure::failed)?;
        identities.push((spec, generated.identity));
    }
    let in_order: Vec<crate::files::Identity> = identities
        .iter()
        .map(|(_, identity)| identity.clone())
        .collect();
    if !trusted_dealer {
        return Ok(Setup {
            ca_pem,
            info: None,
            period,
            identities: in_order,
        });
    }
    // Indices are positions in the key-sorted list, as the DKG assigns them.
    identities.sort_by(|a, b| a.1.key.cmp(&b.1.key));
    let n = u32::try_from(identities.len()).map_err(Failure::usage)?;
    let dealing = crypto::deal(scheme, n, threshold, &mut OsRng).map_err(Failure::failed)?;
    let nodes = identities
        .iter()
        .zip(0u32..)
        .map(|((_, identity), index)| GroupNode {
            address: identity.address.clone(),
            key: identity.key.clone(),
            signature: identity.signature.clone(),
            index,
        })
        .collect();
    let mut group = Group {
        threshold,
        period_secs: period,
        catchup_period_secs: period.div_ceil(2),
        genesis_time: genesis,
        transition_time: genesis,
        genesis_seed: Vec::new(),
        scheme,
        beacon_id: beacon_id.to_owned(),
        nodes,
        public_coefficients: dealing.public.to_bytes(),
    };
    group.genesis_seed = group.hash().to_vec();
    let info = group.chain_info().map_err(Failure::failed)?;
    for ((spec, _), share) in identities.iter().zip(dealing.shares.iter()) {
        let paths = BeaconPaths::new(&spec.folder, beacon_id).map_err(Failure::failed)?;
        paths.ensure_dirs().map_err(Failure::failed)?;
        group.write(&paths.group_file()).map_err(Failure::failed)?;
        KeyShare::new(share.clone(), dealing.public.clone())
            .and_then(|key_share| key_share.write(&paths.share_file()))
            .map_err(Failure::failed)?;
    }
    Ok(Setup {
        ca_pem,
        info: Some(info),
        period,
        identities: in_order,
    })
}

fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", dir.display())))
}

/// Waits for verified beacons, writes `devnet.json`, then waits for Ctrl-C (or for every node
/// to die).
pub(crate) async fn supervise(
    dir: &Path,
    specs: &[NodeSpec],
    children: &mut [Child],
    setup: &Setup,
    info: &ChainInfo,
    http: SocketAddr,
    has_www: bool,
) -> Result<(), Failure> {
    // Listen for Ctrl-C and SIGTERM from the start, so that stopping the devnet while it waits
    // for its first beacon still stops the nodes (the caller stops them when this returns).
    let mut signals = Signals::new()?;
    let base = format!("http://{http}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(Failure::failed)?;
    let genesis = info.genesis_time();
    let deadline = genesis + 10 * u64::from(setup.period) + 30;
    println!(
        "devnet: {} nodes, chain {}, genesis in {} s",
        specs.len(),
        info.hash().to_hex(),
        genesis.saturating_sub(unix_now()?)
    );
    let first = loop {
        check_alive(specs, children)?;
        if let Some(round) = latest_verified(&client, &base, info).await {
            break round;
        }
        if unix_now()? > deadline {
            return Err(Failure::failed(format!(
                "no verified beacon from {base} by {} s after genesis; see the node.log files in {}",
                deadline - genesis,
                dir.display()
            )));
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
            () = signals.recv() => {
                println!("devnet: stopping {} nodes", specs.len());
                return Ok(());
            }
        }
    };
    let nodes: Vec<serde_json::Value> = specs
        .iter()
        .zip(children.iter())
        .map(|(spec, child)| {
            serde_json::json!({
                "pid": child.id(),
                "address": spec.private.to_string(),
                "folder": spec.folder.display().to_string(),
                "control": spec.control.to_string(),
                "public": format!("http://{}", spec.public),
                "metrics": format!("http://{}", spec.metrics),
                "start": start_args(spec, &setup.ca_pem, None),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "chain_hash": info.hash().to_hex(),
        "http": base,
        "scheme": info.scheme().id(),
        "period": setup.period,
        "genesis_time": info.genesis_time(),
        "nodes": nodes,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(Failure::failed)?;
    let path = dir.join("devnet.json");
    let tmp = dir.join("devnet.json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))?;
    println!("devnet: round {first} verified; wrote {}", path.display());
    println!("devnet: public API {base}/info, {base}/public/latest, {base}/v2/chains");
    if has_www {
        println!("devnet: demo page {base}/ (verifies every beacon in the browser)");
    } else {
        println!("devnet: demo page unavailable (www/ and pkg/ not found; pass --www)");
    }
    println!("devnet: Ctrl-C stops every node");
    wait_for_stop(specs, children, &mut signals).await
}

/// SIGINT (Ctrl-C) and SIGTERM, registered once.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals, Failure> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).map_err(Failure::failed)?,
            terminate: signal(SignalKind::terminate()).map_err(Failure::failed)?,
        })
    }

    /// Resolves at the next SIGINT or SIGTERM.
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

async fn wait_for_stop(
    specs: &[NodeSpec],
    children: &mut [Child],
    signals: &mut Signals,
) -> Result<(), Failure> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            () = signals.recv() => break,
            _ = tick.tick() => {
                let mut alive = 0;
                for child in children.iter_mut() {
                    if matches!(child.try_wait(), Ok(None)) {
                        alive += 1;
                    }
                }
                if alive == 0 {
                    return Err(Failure::failed(format!(
                        "every node of the devnet has exited; see the node.log files under {}",
                        specs.first().map(|s| s.folder.display().to_string()).unwrap_or_default()
                    )));
                }
            }
        }
    }
    println!("devnet: stopping {} nodes", specs.len());
    Ok(())
}

/// Fails when a node exited during start-up, quoting the end of its log.
pub(crate) fn check_alive(specs: &[NodeSpec], children: &mut [Child]) -> Result<(), Failure> {
    for (i, (spec, child)) in specs.iter().zip(children.iter_mut()).enumerate() {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(spec.folder.join("node.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(Failure::failed(format!(
                "node {i} exited ({status}); the end of its log:\n{}",
                tail.join("\n")
            )));
        }
    }
    Ok(())
}

/// The latest beacon from the public API, if it verifies.
async fn latest_verified(client: &reqwest::Client, base: &str, info: &ChainInfo) -> Option<u64> {
    let response = client
        .get(format!("{base}/public/latest"))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let text = response.text().await.ok()?;
    let beacon = Beacon::from_json(&text).ok()?;
    drand_lite::verify(info, &beacon).ok().map(|v| v.round())
}
