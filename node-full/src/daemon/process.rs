//! A beacon process: everything the daemon holds for one beacon ID (chain, group, identity,
//! store, engine inputs, peers, sync, metrics), built from the node's folder.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use drand_lite::ChainInfo;
use tokio::sync::{mpsc, watch};

use super::DaemonError;
use super::beacon::{Input, LoopContext};
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

/// Engine inputs queued per beacon process; a full queue drops partials (peers re-send them).
const INPUT_QUEUE: usize = 4096;

/// One beacon ID served by the daemon.
pub struct BeaconProcess {
    /// The beacon ID.
    pub beacon_id: String,
    /// The chain.
    pub info: ChainInfo,
    /// The group file.
    pub group: Group,
    /// This node's identity in the group.
    pub identity: Identity,
    /// The chain store.
    pub store: Arc<dyn BeaconStore>,
    /// The last stored round, for long-polls and followers.
    pub latest: watch::Sender<u64>,
    /// The engine's input queue.
    pub inputs: mpsc::Sender<Input>,
    /// Gauges.
    pub metrics: Arc<BeaconMetrics>,
    /// The other members.
    pub peers: Arc<Peers>,
    /// The sync manager.
    pub sync: Arc<SyncManager>,
    /// The node's threshold crypto (share and public polynomial).
    pub crypto: Arc<dyn ThresholdCrypto>,
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
        // Named with their path where the error itself does not carry it.
        let group_file = format!("group file {}", paths.group_file().display());
        let share_file = format!("share file {}", paths.share_file().display());
        let group = Group::read(&paths.group_file()).map_err(|e| fail("group file", &e))?;
        group
            .verify_self_signatures()
            .map_err(|e| fail("group file", &e.with_path(&paths.group_file())))?;
        let loaded = keys::load_keypair(paths.folder(), &beacon_id, Some(group.scheme))
            .map_err(|e| fail("keypair", &e))?;
        if let Some(migration) = &loaded.migration {
            tracing::warn!(beacon_id = %beacon_id, ?migration, "key files lack their scheme name; using the group's (run `drand-node generate-keypair` only if this is wrong)");
        }
        let identity = loaded.identity;
        let node = group.node_by_key(&identity.key).ok_or_else(|| {
            fail(
                &group_file,
                &"this node's public key is not in the group: was the group file replaced by hand?",
            )
        })?;
        let own_index = node.index;
        let key_share = KeyShare::read(&paths.share_file(), Some(group.scheme))
            .map_err(|e| fail("share file", &e))?;
        key_share
            .check_group(&group)
            .map_err(|e| fail("share file", &e.with_path(&paths.share_file())))?;
        let KeyShare {
            share,
            commits: poly,
        } = key_share;
        if share.index() != own_index {
            return Err(fail(
                &share_file,
                &format!(
                    "share index {} but the group lists this node at {own_index}",
                    share.index()
                ),
            ));
        }
        let info = group.chain_info().map_err(|e| fail(&group_file, &e))?;
        if poly.public_key() != info.public_key() {
            return Err(fail(
                &share_file,
                &"its commitments are not the group's public key",
            ));
        }
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
        metrics
            .group_size
            .store(group.nodes.len() as u64, Ordering::Relaxed);
        metrics
            .group_threshold
            .store(u64::from(group.threshold), Ordering::Relaxed);
        let (latest, _) = watch::channel(last.round);
        let (inputs, receiver) = mpsc::channel(INPUT_QUEUE);
        let addresses = group
            .nodes
            .iter()
            .filter(|n| n.index != own_index)
            .map(|n| n.address.clone())
            .collect();
        let peers = Arc::new(Peers::new(
            &beacon_id,
            info.hash().0.to_vec(),
            addresses,
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
        let mut config = EngineConfig::new(
            info.clone(),
            own_index,
            group.threshold as usize,
            group.nodes.iter().map(|n| n.index).collect(),
        );
        config.catchup_period_ms = u64::from(group.catchup_period_secs) * 1000;
        let crypto: Arc<dyn ThresholdCrypto> =
            Arc::new(ShareCrypto::new(share, poly).map_err(|e| fail(&share_file, &e))?);
        let engine =
            Engine::new(config, Arc::clone(&crypto), last).map_err(|e| fail("engine", &e))?;
        let process = Arc::new(BeaconProcess {
            beacon_id,
            info,
            group,
            identity,
            store,
            latest,
            inputs,
            metrics,
            peers,
            sync,
            crypto,
        });
        Ok((process, engine, receiver))
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
            crypto: Arc::clone(&self.crypto),
            stop,
        }
    }
}
