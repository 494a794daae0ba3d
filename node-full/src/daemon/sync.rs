//! Catching up from peers: streams beacons with `SyncChain`, verifies them in batches with the
//! verifier core, appends each batch in one store transaction and tells the engine. One sync runs
//! at a time per chain; a request while one runs only raises its target, unless the running one
//! stalled for two periods (then a new one starts, as drand's sync manager does).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use drand_lite::{Beacon, ChainInfo, Scheme};
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

/// Checks what a peer sent before it is held in memory: a signature of the scheme's length and a
/// previous signature no longer than a signature (or the 32-byte genesis seed). Without this a
/// peer could fill a batch of [`SYNC_BATCH`] beacons with megabyte-sized byte strings.
pub fn check_beacon_shape(scheme: Scheme, beacon: &StoredBeacon) -> Result<(), String> {
    let expected = scheme.signature_len();
    if beacon.signature.len() != expected {
        return Err(format!(
            "sent round {} with a {}-byte signature; scheme {} signatures are {expected} bytes",
            beacon.round,
            beacon.signature.len(),
            scheme.id()
        ));
    }
    let prev_len = beacon.previous_signature.as_ref().map_or(0, Vec::len);
    if prev_len > expected.max(32) {
        return Err(format!(
            "sent round {} with a {prev_len}-byte previous signature; scheme {} signatures are \
             {expected} bytes",
            beacon.round,
            scheme.id()
        ));
    }
    Ok(())
}

/// Publishes `round` as the last stored round unless a higher one is already published: sync and
/// the engine loop both store beacons, and the one that stored the lower round may publish last.
pub fn publish_latest(latest: &watch::Sender<u64>, round: u64) {
    latest.send_if_modified(|current| {
        if round > *current {
            *current = round;
            true
        } else {
            false
        }
    });
}

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
                    let expected = last.saturating_add(1).saturating_add(batch.len() as u64);
                    if beacon.round != expected {
                        return Err(format!(
                            "sent round {} where {expected} was expected",
                            beacon.round
                        ));
                    }
                    check_beacon_shape(self.info.scheme(), &beacon)?;
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
                // The peer closed its stream: store what came and stop (a closed stream is not
                // polled again).
                Ok(None) => {
                    if !batch.is_empty() {
                        last = self.append(std::mem::take(&mut batch)).await?;
                    }
                    return Ok(last);
                }
                Err(_) => {
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
            .fetch_max(last.round, std::sync::atomic::Ordering::Relaxed);
        publish_latest(&self.latest, last.round);
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
        let beacons: Vec<Beacon> = batch.iter().map(StoredBeacon::to_beacon).collect();
        drand_lite::verify_batch(&info, &beacons)
            .map_err(|e| format!("invalid beacons (rounds {:?}): {e}", e.invalid_rounds()))?;
        store.put_many(&batch).map_err(|e| e.to_string())?;
        Ok(batch)
    })
    .await
    .map_err(|e| format!("verification task failed: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemStore;

    const SIGS: [&str; 3] = [
        "b55e7cb2d5c613ee0b2e28d6750aabbb78c39dcc96bd9d38c2c2e12198df95571de8e8e402a0cc48871c7089a2b3af4b",
        "b6b6a585449b66eb12e875b64fcbab3799861a00e4dbf092d99e969a5eac57dd3f798acf61e705fe4f093db926626807",
        "b3fab6df720b68cc47175f2c777e86d84187caab5770906f515ff1099cb01e4deaa027075d860823e49477b93c72bd64",
    ];

    fn quicknet() -> ChainInfo {
        let pk = drand_lite::hex::decode(
            drand_lite::Field::PublicKey,
            "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
            96,
        )
        .unwrap();
        let seed: [u8; 32] = drand_lite::hex::decode_array(
            drand_lite::Field::GenesisSeed,
            "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
        )
        .unwrap();
        ChainInfo::new(
            Scheme::BlsUnchainedG1Rfc9380,
            &pk,
            3,
            1692803367,
            seed,
            "quicknet",
        )
        .unwrap()
    }

    fn beacon(round: u64) -> StoredBeacon {
        let hex = SIGS[usize::try_from(round - 1).unwrap()];
        StoredBeacon {
            round,
            signature: drand_lite::hex::decode(drand_lite::Field::Signature, hex, 48).unwrap(),
            previous_signature: None,
        }
    }

    /// A peer that sends a fixed list of items and then closes its stream.
    struct Fixed(Vec<Result<StoredBeacon, String>>);

    #[tonic::async_trait]
    impl SyncSource for Fixed {
        fn peers(&self) -> Vec<String> {
            vec!["peer:1".to_owned()]
        }
        async fn stream_from(&self, _: &str, _: u64) -> Result<BeaconStream, String> {
            Ok(futures_util::stream::iter(self.0.clone()).boxed())
        }
    }

    fn manager(
        items: Vec<Result<StoredBeacon, String>>,
    ) -> (Arc<SyncManager>, Arc<MemStore>, mpsc::Receiver<Input>) {
        let info = quicknet();
        let store = Arc::new(MemStore::new(false, info.genesis_seed()));
        let (engine, inputs) = mpsc::channel(8);
        let (latest, _) = watch::channel(0);
        let manager = SyncManager::new(
            info,
            "quicknet".to_owned(),
            store.clone(),
            Arc::new(Fixed(items)),
            engine,
            latest,
            Arc::new(BeaconMetrics::default()),
        );
        manager.state.lock().unwrap().target = 3;
        (manager, store, inputs)
    }

    #[test]
    fn latest_never_moves_backwards() {
        let (latest, rx) = watch::channel(5);
        publish_latest(&latest, 4);
        assert_eq!(*rx.borrow(), 5);
        publish_latest(&latest, 7);
        assert_eq!(*rx.borrow(), 7);
    }

    #[test]
    fn oversized_fields_are_refused_before_batching() {
        let scheme = Scheme::BlsUnchainedG1Rfc9380;
        assert!(check_beacon_shape(scheme, &beacon(1)).is_ok());
        let mut big = beacon(1);
        big.signature = vec![0; 1 << 20];
        let err = check_beacon_shape(scheme, &big).unwrap_err();
        assert!(err.contains("1048576-byte signature"), "{err}");
        let mut big_prev = beacon(1);
        big_prev.previous_signature = Some(vec![0; 1 << 20]);
        assert!(check_beacon_shape(scheme, &big_prev).is_err());
        let mut seed_prev = beacon(1);
        seed_prev.previous_signature = Some(vec![0; 32]);
        assert!(check_beacon_shape(scheme, &seed_prev).is_ok());
    }

    #[tokio::test]
    async fn a_closed_stream_stores_its_partial_batch_and_ends() {
        let (manager, store, mut inputs) = manager(vec![Ok(beacon(1)), Ok(beacon(2))]);
        assert_eq!(manager.sync_with("peer:1", 1, 0).await, Ok(2));
        assert_eq!(store.last().unwrap().round, 2);
        assert!(matches!(
            inputs.try_recv(),
            Ok(Input::Event(Event::StoreAdvanced { .. }))
        ));
    }

    #[tokio::test]
    async fn a_peer_sending_a_huge_signature_is_dropped() {
        let mut big = beacon(2);
        big.signature = vec![0; 1 << 20];
        let (manager, store, _inputs) = manager(vec![Ok(beacon(1)), Ok(big), Ok(beacon(3))]);
        let err = manager.sync_with("peer:1", 1, 0).await.unwrap_err();
        assert!(err.contains("signature"), "{err}");
        assert_eq!(store.last().unwrap().round, 0);
    }

    #[tokio::test]
    async fn a_replayed_or_skipped_round_is_refused() {
        let (manager, store, _inputs) = manager(vec![Ok(beacon(1)), Ok(beacon(1))]);
        let err = manager.sync_with("peer:1", 1, 0).await.unwrap_err();
        assert!(err.contains("expected"), "{err}");
        assert_eq!(store.last().unwrap().round, 0);
    }

    #[tokio::test]
    async fn sync_reaches_the_target_and_stops() {
        let (manager, store, _inputs) = manager(vec![Ok(beacon(1)), Ok(beacon(2)), Ok(beacon(3))]);
        assert_eq!(manager.run(0).await, Ok(3));
        assert_eq!(store.last().unwrap().round, 3);
    }
}
