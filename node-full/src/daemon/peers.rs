//! The other members of a group as the beacon process reaches them: partials fanned out to each
//! (one task per peer, 5 s budget, failures counted per peer) and `SyncChain` streams for the
//! sync manager. The transport (TLS or an explicitly plaintext group) is fixed by the pool.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use futures_util::StreamExt;

use super::metrics::BeaconMetrics;
use super::sync::{BeaconStream, SyncSource};
use crate::engine::PartialPacket;
use crate::net::{BeaconTarget, PeerPool};
use crate::proto::PartialBeaconPacket;
use crate::store::StoredBeacon;

/// The group members other than this node.
pub struct Peers {
    beacon_id: String,
    target: BeaconTarget,
    addresses: RwLock<Vec<String>>,
    pool: Arc<PeerPool>,
    chained: bool,
    rotation: AtomicU64,
}

impl Peers {
    /// The peers at `addresses` (this node's own address excluded by the caller).
    pub fn new(
        beacon_id: &str,
        chain_hash: Vec<u8>,
        addresses: Vec<String>,
        pool: Arc<PeerPool>,
        chained: bool,
    ) -> Peers {
        Peers {
            beacon_id: beacon_id.to_owned(),
            target: BeaconTarget::id(beacon_id).with_chain_hash(chain_hash),
            addresses: RwLock::new(addresses),
            pool,
            chained,
            rotation: AtomicU64::new(0),
        }
    }

    /// The peers' addresses.
    pub fn addresses(&self) -> Vec<String> {
        self.addresses
            .read()
            .map(|a| a.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Replaces the peers (a reshare's new group takes over).
    pub fn set_addresses(&self, addresses: Vec<String>) {
        match self.addresses.write() {
            Ok(mut a) => *a = addresses,
            Err(poisoned) => *poisoned.into_inner() = addresses,
        }
    }

    /// Sends `packet` to every peer, each in its own task (a slow peer delays nobody).
    pub fn broadcast_partial(&self, packet: PartialPacket, metrics: &Arc<BeaconMetrics>) {
        for address in &self.addresses() {
            let message = PartialBeaconPacket {
                round: packet.round,
                previous_signature: packet.previous_signature.clone(),
                partial_sig: packet.partial_sig.clone(),
                metadata: None,
            };
            let client = match self.pool.get(address) {
                Ok(client) => client,
                Err(e) => {
                    tracing::warn!(beacon_id = %self.beacon_id, peer = %address, error = %e, "cannot reach peer");
                    metrics.set_send_error(address, true);
                    continue;
                }
            };
            let target = self.target.clone();
            let metrics = Arc::clone(metrics);
            let address = address.clone();
            let beacon_id = self.beacon_id.clone();
            tokio::spawn(async move {
                let result = client.partial_beacon(&target, message).await;
                let was_failing = metrics.send_error(&address);
                metrics.set_send_error(&address, result.is_err());
                match result {
                    // The first failure of an episode is a warning in words (a transport
                    // mismatch or a rejected certificate must show at the default level);
                    // repeats every round stay at debug until a send succeeds again.
                    Err(e) if !was_failing => {
                        tracing::warn!(beacon_id = %beacon_id, peer = %address, round = packet.round, error = %e, "partial not delivered (repeats are logged at debug level until it succeeds)")
                    }
                    Err(e) => {
                        tracing::debug!(beacon_id = %beacon_id, peer = %address, round = packet.round, error = %e, "partial not delivered")
                    }
                    Ok(_) if was_failing => {
                        tracing::info!(beacon_id = %beacon_id, peer = %address, "partials reach the peer again")
                    }
                    Ok(_) => {}
                }
            });
        }
    }
}

#[tonic::async_trait]
impl SyncSource for Peers {
    /// Every peer, starting at a different one on each sync so no peer carries all catch-ups.
    fn peers(&self) -> Vec<String> {
        let mut peers = self.addresses();
        if !peers.is_empty() {
            let shift = self.rotation.fetch_add(1, Ordering::Relaxed) as usize % peers.len();
            peers.rotate_left(shift);
        }
        peers
    }

    async fn stream_from(&self, peer: &str, from_round: u64) -> Result<BeaconStream, String> {
        let client = self.pool.get(peer).map_err(|e| e.to_string())?;
        let stream = client
            .sync_chain(&self.target, from_round)
            .await
            .map_err(|e| e.to_string())?;
        let chained = self.chained;
        Ok(stream
            .map(move |item| {
                item.map(|packet| StoredBeacon {
                    round: packet.round,
                    signature: packet.signature,
                    previous_signature: (chained && !packet.previous_signature.is_empty())
                        .then_some(packet.previous_signature),
                })
                .map_err(|e| e.to_string())
            })
            .boxed())
    }
}
