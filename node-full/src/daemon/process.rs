//! A beacon process: everything the daemon holds for one beacon ID (chain, group, identity,
//! store, engine inputs, peers, sync, metrics), built from the node's folder.

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use drand_lite::ChainInfo;
use tokio::sync::{mpsc, watch};

use super::DaemonError;
use super::beacon::{Input, LoopContext};
use super::inbox::PartialInbox;
use super::metrics::BeaconMetrics;
use super::peers::Peers;
use super::sync::SyncManager;
use crate::engine::{Engine, EngineConfig, ShareCrypto, ThresholdCrypto};
use crate::files::Identity;
use crate::files::group::Group;
use crate::files::keys;
use crate::files::layout::BeaconPaths;
use crate::files::share::KeyShare;
use crate::net::PeerPool;
use crate::store::{BeaconStore, RedbStore};

/// The loop's control inputs queued per beacon process (transitions, sync results, stop); peers'
/// partials wait in the [`PartialInbox`] instead, so no peer can crowd these out.
const CONTROL_QUEUE: usize = 256;

/// One beacon ID served by the daemon.
pub struct BeaconProcess {
    /// The beacon ID.
    pub beacon_id: String,
    /// The chain.
    pub info: ChainInfo,
    /// The group file (replaced at a reshare's transition).
    group: Arc<RwLock<Group>>,
    /// This node's identity in the group.
    pub identity: Identity,
    /// The chain store.
    pub store: Arc<dyn BeaconStore>,
    /// The last stored round, for long-polls and followers.
    pub latest: watch::Sender<u64>,
    /// The engine loop's control inputs.
    pub inputs: mpsc::Sender<Input>,
    /// Peers' partials for the engine, queued fairly per sender.
    pub partials: Arc<PartialInbox>,
    /// Gauges.
    pub metrics: Arc<BeaconMetrics>,
    /// The other members.
    pub peers: Arc<Peers>,
    /// The sync manager.
    pub sync: Arc<SyncManager>,
}

/// The other members' addresses.
pub fn peer_addresses(group: &Group, own_index: u32) -> Vec<String> {
    group
        .nodes
        .iter()
        .filter(|n| n.index != own_index)
        .map(|n| n.address.clone())
        .collect()
}

/// The engine configuration and threshold crypto of this node in `group` with `key_share`:
/// checks that the node's key is in the group, the share's index is the node's, and the
/// share's commitments are the group's key.
pub fn engine_inputs(
    paths: &BeaconPaths,
    group: &Group,
    key_share: KeyShare,
    identity: &Identity,
) -> Result<(EngineConfig, Arc<dyn ThresholdCrypto>), String> {
    let node = group.node_by_key(&identity.key).ok_or(
        "this node's public key is not in the group: was the group file replaced by hand?",
    )?;
    let own_index = node.index;
    key_share
        .check_group(group)
        .map_err(|e| e.with_path(&paths.share_file()).to_string())?;
    let KeyShare {
        share,
        commits: poly,
    } = key_share;
    if share.index() != own_index {
        return Err(format!(
            "share file {}: share index {} but the group lists this node at {own_index}",
            paths.share_file().display(),
            share.index()
        ));
    }
    let info = group.chain_info().map_err(|e| e.to_string())?;
    if poly.public_key() != info.public_key() {
        return Err(format!(
            "share file {}: its commitments are not the group's public key",
            paths.share_file().display()
        ));
    }
    let mut config = EngineConfig::new(
        info,
        own_index,
        group.threshold as usize,
        group.nodes.iter().map(|n| n.index).collect(),
    );
    config.catchup_period_ms = u64::from(group.catchup_period_secs) * 1000;
    let crypto: Arc<dyn ThresholdCrypto> = Arc::new(
        ShareCrypto::new(share, poly)
            .map_err(|e| format!("share file {}: {e}", paths.share_file().display()))?,
    );
    Ok((config, crypto))
}

impl BeaconProcess {
    /// Loads beacon `beacon_id` from `folder` (key, group, share, store) and returns it with
    /// its engine, ready to run.
    pub fn load(
        paths: &BeaconPaths,
        pool: Arc<PeerPool>,
    ) -> Result<(Arc<BeaconProcess>, Engine, mpsc::Receiver<Input>), DaemonError> {
        let beacon_id = paths.beacon_id().to_owned();
        let fail = |what: &str, e: &dyn std::fmt::Display| DaemonError::Beacon {
            beacon_id: beacon_id.clone(),
            reason: format!("{what}: {e}"),
        };
        let group = Group::read(&paths.group_file()).map_err(|e| fail("group file", &e))?;
        group
            .verify_self_signatures()
            .map_err(|e| fail("group file", &e.with_path(&paths.group_file())))?;
        let loaded = keys::load_keypair(paths.folder(), &beacon_id, Some(group.scheme))
            .map_err(|e| fail("keypair", &e))?;
        if let Some(migration) = &loaded.migration {
            tracing::warn!(beacon_id = %beacon_id, ?migration, "key files lack their scheme name; using the group's (run `drand-node generate-keypair` only if this is wrong)");
        }
        let key_share = KeyShare::read(&paths.share_file(), Some(group.scheme))
            .map_err(|e| fail("share file", &e))?;
        // A group whose transition is in the future was written by a reshare this node joined:
        // the previous group signs until then.
        let active_from = if group.transition_time > group.genesis_time {
            drand_lite::round_at(
                &group.chain_info().map_err(|e| fail("group file", &e))?,
                group.transition_time,
            )
            .unwrap_or(0)
        } else {
            0
        };
        Self::build(paths, pool, group, key_share, loaded.identity, active_from)
    }

    /// A beacon process for `group` with this node's `key_share` (checked against each other
    /// and against `identity`), signing from round `active_from` on (0: from genesis).
    pub fn build(
        paths: &BeaconPaths,
        pool: Arc<PeerPool>,
        group: Group,
        key_share: KeyShare,
        identity: Identity,
        active_from: u64,
    ) -> Result<(Arc<BeaconProcess>, Engine, mpsc::Receiver<Input>), DaemonError> {
        let beacon_id = paths.beacon_id().to_owned();
        let fail = |what: &str, e: &dyn std::fmt::Display| DaemonError::Beacon {
            beacon_id: beacon_id.clone(),
            reason: format!("{what}: {e}"),
        };
        let group_file = format!("group file {}", paths.group_file().display());
        let (config, crypto) = engine_inputs(paths, &group, key_share, &identity)
            .map_err(|e| fail(&group_file, &e))?;
        let mut config = config;
        config.active_from = active_from;
        let info = config.info.clone();
        let own_index = config.own_index;
        let db = paths.db_dir();
        std::fs::create_dir_all(&db)
            .map_err(|e| fail(&format!("cannot create {}", db.display()), &e))?;
        let store: Arc<dyn BeaconStore> = Arc::new(
            RedbStore::open(
                &db.join("drand.redb"),
                info.scheme().is_chained(),
                info.genesis_seed(),
            )
            .map_err(|e| fail("beacon store", &e))?,
        );
        let last = store.last().map_err(|e| fail("beacon store", &e))?;
        let metrics = Arc::new(BeaconMetrics::default());
        metrics
            .last_beacon_round
            .store(last.round, Ordering::Relaxed);
        metrics.set_group(&group);
        let (latest, _) = watch::channel(last.round);
        let (inputs, receiver) = mpsc::channel(CONTROL_QUEUE);
        let peers = Arc::new(Peers::new(
            &beacon_id,
            info.hash().0.to_vec(),
            peer_addresses(&group, own_index),
            pool,
            info.scheme().is_chained(),
        ));
        let sync = SyncManager::new(
            info.clone(),
            beacon_id.clone(),
            Arc::clone(&store),
            peers.clone(),
            inputs.clone(),
            latest.clone(),
            Arc::clone(&metrics),
        );
        let engine = Engine::new(config, crypto, last).map_err(|e| fail("engine", &e))?;
        let process = Arc::new(BeaconProcess {
            beacon_id,
            info,
            group: Arc::new(RwLock::new(group)),
            identity,
            store,
            latest,
            inputs,
            partials: Arc::default(),
            metrics,
            peers,
            sync,
        });
        Ok((process, engine, receiver))
    }

    /// The current group (it changes at a reshare's transition).
    pub fn group(&self) -> Group {
        self.group
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// What the engine loop needs; the loop ends when `stop` turns true.
    pub fn loop_context(&self, stop: watch::Receiver<bool>) -> LoopContext {
        LoopContext {
            info: self.info.clone(),
            beacon_id: self.beacon_id.clone(),
            store: Arc::clone(&self.store),
            latest: self.latest.clone(),
            metrics: Arc::clone(&self.metrics),
            peers: Arc::clone(&self.peers),
            sync: Arc::clone(&self.sync),
            group: Arc::clone(&self.group),
            partials: Arc::clone(&self.partials),
            stop,
        }
    }
}
