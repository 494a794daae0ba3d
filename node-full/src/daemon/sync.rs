//! Catching up from peers: streams beacons with `SyncChain`, verifies them in batches with the
//! verifier core, appends each batch in one store transaction and tells the engine. One sync runs
//! at a time per chain; a request while one runs only raises its target, unless the running one
//! stalled for two periods (then a new one starts, as drand's sync manager does).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use drand_lite::{Beacon, ChainInfo};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::{mpsc, watch};

use super::beacon::Input;
use super::clock::unix_ms;
use super::metrics::BeaconMetrics;
use crate::engine::Event;
use crate::store::{BeaconStore, StoredBeacon};

/// Beacons verified and stored per store transaction.
pub const SYNC_BATCH: usize = 512;

/// A stream of beacons from one peer.
pub type BeaconStream = BoxStream<'static, Result<StoredBeacon, String>>;

/// Where sync gets beacons: the peers' `SyncChain` (or a fake in tests).
#[tonic::async_trait]
pub trait SyncSource: Send + Sync + 'static {
    /// The addresses to try, in order of preference.
    fn peers(&self) -> Vec<String>;
    /// Opens a stream of beacons from `from_round` on from `peer`.
    async fn stream_from(&self, peer: &str, from_round: u64) -> Result<BeaconStream, String>;
}

#[derive(Debug, Default)]
struct State {
    running: bool,
    target: u64,
    last_progress_ms: u64,
    generation: u64,
}

/// The sync manager of one chain.
pub struct SyncManager {
    info: ChainInfo,
    beacon_id: String,
    store: Arc<dyn BeaconStore>,
    source: Arc<dyn SyncSource>,
    engine: mpsc::Sender<Input>,
    latest: watch::Sender<u64>,
    metrics: Arc<BeaconMetrics>,
    state: Mutex<State>,
}

impl SyncManager {
    /// A sync manager; nothing runs until [`SyncManager::request`].
    pub fn new(
        info: ChainInfo,
        beacon_id: String,
        store: Arc<dyn BeaconStore>,
        source: Arc<dyn SyncSource>,
        engine: mpsc::Sender<Input>,
        latest: watch::Sender<u64>,
        metrics: Arc<BeaconMetrics>,
    ) -> Arc<SyncManager> {
        Arc::new(SyncManager {
            info,
            beacon_id,
            store,
            source,
            engine,
            latest,
            metrics,
            state: Mutex::new(State::default()),
        })
    }

    /// Asks for rounds up to `to_round` (from `from_round`, informational: a sync always starts
    /// after the last stored round).
    pub fn request(self: &Arc<Self>, from_round: u64, to_round: u64) {
        let now = unix_ms();
        let stall_ms = 2 * u64::from(self.info.period()) * 1000;
        let generation = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            state.target = state.target.max(to_round);
            if state.running && now.saturating_sub(state.last_progress_ms) < stall_ms {
                return;
            }
            state.running = true;
            state.last_progress_ms = now;
            state.generation += 1;
            state.generation
        };
        tracing::info!(beacon_id = %self.beacon_id, from_round, to_round, "sync started");
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let outcome = this.run(generation).await;
            if let Ok(mut state) = this.state.lock()
                && state.generation == generation
            {
                state.running = false;
            }
            match outcome {
                Ok(last) => tracing::info!(beacon_id = %this.beacon_id, last, "sync done"),
                Err(e) => tracing::warn!(beacon_id = %this.beacon_id, error = %e, "sync failed"),
            }
        });
    }

    fn target(&self) -> u64 {
        self.state.lock().map(|s| s.target).unwrap_or(0)
    }

    fn superseded(&self, generation: u64) -> bool {
        self.state
            .lock()
            .map(|s| s.generation != generation)
            .unwrap_or(true)
    }

    /// Tries the peers in turn until the target is reached; returns the last stored round.
    async fn run(&self, generation: u64) -> Result<u64, String> {
        let mut errors = Vec::new();
        for peer in self.source.peers() {
            let last = self.store.last().map_err(|e| e.to_string())?.round;
            if last >= self.target() || self.superseded(generation) {
                return Ok(last);
            }
            match self.sync_with(&peer, last + 1, generation).await {
                Ok(last) if last >= self.target() => return Ok(last),
                Ok(last) => errors.push(format!("{peer}: stopped at round {last}")),
                Err(e) => errors.push(format!("{peer}: {e}")),
            }
        }
        let last = self.store.last().map_err(|e| e.to_string())?.round;
        if last >= self.target() {
            return Ok(last);
        }
        Err(format!("every peer failed: {}", errors.join("; ")))
    }

    async fn sync_with(&self, peer: &str, from: u64, generation: u64) -> Result<u64, String> {
        let mut stream = self.source.stream_from(peer, from).await?;
        // A peer that has nothing new for two periods is done (its stream follows its head).
        let idle = Duration::from_secs(2 * u64::from(self.info.period()));
        let mut batch = Vec::with_capacity(SYNC_BATCH);
        let mut last = from.saturating_sub(1);
        loop {
            let next = if batch.is_empty() {
                tokio::time::timeout(idle, stream.next()).await
            } else {
                // Flush a partial batch as soon as the peer pauses.
                tokio::time::timeout(Duration::from_millis(20), stream.next()).await
            };
            match next {
                Ok(Some(Ok(beacon))) => {
                    if beacon.round != last + 1 + batch.len() as u64 {
                        return Err(format!(
                            "sent round {} where {} was expected",
                            beacon.round,
                            last + 1 + batch.len() as u64
                        ));
                    }
                    let reached = beacon.round >= self.target();
                    batch.push(beacon);
                    if batch.len() >= SYNC_BATCH || reached {
                        last = self.append(std::mem::take(&mut batch)).await?;
                    }
                }
                Ok(Some(Err(e))) => {
                    if !batch.is_empty() {
                        last = self.append(std::mem::take(&mut batch)).await?;
                    }
                    return Err(format!("stream failed after round {last}: {e}"));
                }
                Ok(None) | Err(_) => {
                    if batch.is_empty() {
                        return Ok(last);
                    }
                    last = self.append(std::mem::take(&mut batch)).await?;
                }
            }
            if last >= self.target() || self.superseded(generation) {
                return Ok(last);
            }
        }
    }

    /// Verifies and appends a batch, then tells the engine and the followers.
    async fn append(&self, batch: Vec<StoredBeacon>) -> Result<u64, String> {
        let batch = verify_and_append(&self.info, Arc::clone(&self.store), batch).await?;
        let Some(last) = batch.last().cloned() else {
            return Err("empty batch".to_owned());
        };
        self.metrics
            .beacons_synced
            .fetch_add(batch.len() as u64, std::sync::atomic::Ordering::Relaxed);
        self.metrics
            .last_beacon_round
            .store(last.round, std::sync::atomic::Ordering::Relaxed);
        self.latest.send_replace(last.round);
        if let Ok(mut state) = self.state.lock() {
            state.last_progress_ms = unix_ms();
        }
        let round = last.round;
        let _ = self
            .engine
            .send(Input::Event(Event::StoreAdvanced { last }))
            .await;
        Ok(round)
    }
}

/// Verifies a batch of consecutive beacons with the verifier core (one batch verification) and
/// appends it to `store` in one transaction, on a blocking thread: a batch is hundreds of
/// pairings' worth of work. Returns the batch as stored.
pub async fn verify_and_append(
    info: &ChainInfo,
    store: Arc<dyn BeaconStore>,
    batch: Vec<StoredBeacon>,
) -> Result<Vec<StoredBeacon>, String> {
    let info = info.clone();
    tokio::task::spawn_blocking(move || -> Result<Vec<StoredBeacon>, String> {
        let beacons: Vec<Beacon> = batch
            .iter()
            .map(|b| Beacon {
                round: b.round,
                signature: b.signature.clone(),
                previous_signature: b.previous_signature.clone(),
                randomness: None,
            })
            .collect();
        drand_lite::verify_batch(&info, &beacons)
            .map_err(|e| format!("invalid beacons (rounds {:?}): {e}", e.invalid_rounds()))?;
        store.put_many(&batch).map_err(|e| e.to_string())?;
        Ok(batch)
    })
    .await
    .map_err(|e| format!("verification task failed: {e}"))?
}
