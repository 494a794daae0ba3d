//! One beacon process: the sans-IO engine driven by the wall clock, partials from the network
//! and sync results; its outputs go to the peers (partials), the store (beacons) and the sync
//! manager. This loop is the only place where the engine meets I/O.

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use drand_lite::ChainInfo;
use tokio::sync::{mpsc, watch};

use super::clock::{instant_at, unix_ms};
use super::inbox::PartialInbox;
use super::metrics::BeaconMetrics;
use super::peers::Peers;
use super::sync::SyncManager;
use crate::engine::{Engine, EngineConfig, Event, Output, ThresholdCrypto};
use crate::files::Group;
use crate::store::{BeaconStore, PutOutcome, StoreError, StoredBeacon};

/// Inputs that reach the engine loop from other tasks.
pub enum Input {
    /// An engine event from this node's own tasks (beacons stored by sync); peers' partials
    /// come through the [`PartialInbox`].
    Event(Event),
    /// A reshare completed: hand the chain to the new group at `round` (`next = None`: this
    /// node left the group and stops signing then).
    Transition(Box<Transition>),
    /// Stop the loop.
    Stop,
}

/// A reshare's hand-over, for the engine loop.
pub struct Transition {
    /// The first round of the new group.
    pub round: u64,
    /// This node's engine configuration and share in the new group (`None`: it left).
    pub next: Option<(EngineConfig, Arc<dyn ThresholdCrypto>)>,
    /// The new group (served by the control API once it takes over).
    pub group: Group,
    /// The new group's other members.
    pub peers: Vec<String>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Event(e) => f.debug_tuple("Event").field(e).finish(),
            Input::Transition(t) => f
                .debug_struct("Transition")
                .field("round", &t.round)
                .finish(),
            Input::Stop => f.write_str("Stop"),
        }
    }
}

/// A transition waiting for the engine to switch: then the peers and the group change too.
struct PendingGroup {
    group: Group,
    peers: Vec<String>,
}

/// What the engine loop needs besides the engine.
pub struct LoopContext {
    /// The chain (for time discrepancy in logs).
    pub info: ChainInfo,
    /// The beacon ID (for logs and metrics).
    pub beacon_id: String,
    /// The beacon store.
    pub store: Arc<dyn BeaconStore>,
    /// Publishes the last stored round (HTTP long-polls, SyncChain followers).
    pub latest: watch::Sender<u64>,
    /// Gauges.
    pub metrics: Arc<BeaconMetrics>,
    /// The other group members.
    pub peers: Arc<Peers>,
    /// Fetches missing rounds from peers.
    pub sync: Arc<SyncManager>,
    /// The group, replaced when a reshare's group takes over.
    pub group: Arc<RwLock<Group>>,
    /// Peers' partials, served fairly per sender after the control inputs and the clock.
    pub partials: Arc<PartialInbox>,
    /// Becomes true when the daemon stops: the loop ends at once, ahead of queued partials.
    pub stop: watch::Receiver<bool>,
}

/// Runs the engine until [`Input::Stop`], until `ctx.stop` turns true or until every sender is
/// gone.
pub async fn run(mut engine: Engine, mut inputs: mpsc::Receiver<Input>, ctx: LoopContext) {
    let mut stop = ctx.stop.clone();
    let mut pending: Option<PendingGroup> = None;
    loop {
        if *stop.borrow_and_update() {
            break;
        }
        let wake = engine.next_wakeup();
        let event = tokio::select! {
            // A flood of queued partials must not delay a shutdown.
            biased;
            changed = stop.changed() => match changed {
                Ok(()) => continue,
                Err(_) => break,
            },
            input = inputs.recv() => match input {
                Some(Input::Event(event)) => event,
                Some(Input::Transition(t)) => {
                    let Transition { round, next, group, peers } = *t;
                    let leaving = next.is_none();
                    match engine.schedule_transition(round, next) {
                        Ok(()) if leaving => tracing::info!(beacon_id = %ctx.beacon_id, round, "this node left the group: it stops signing at the transition"),
                        Ok(()) => {
                            tracing::info!(beacon_id = %ctx.beacon_id, round, "reshare: the new group takes over at this round");
                            pending = Some(PendingGroup { group, peers });
                        }
                        Err(e) => tracing::error!(beacon_id = %ctx.beacon_id, round, error = %e, "reshare transition refused"),
                    }
                    continue;
                }
                Some(Input::Stop) | None => break,
            },
            () = sleep_until(wake) => Event::Tick,
            event = ctx.partials.next() => event,
        };
        // Each partial costs a pairing check: keep it off the async reactor's other tasks.
        let outputs = tokio::task::block_in_place(|| engine.handle(unix_ms(), event));
        let mut diverged = false;
        for output in outputs {
            diverged |= dispatch(output, &ctx);
        }
        if diverged {
            // The engine advanced its head for a beacon the store did not take: continue from
            // what is really stored.
            match ctx.store.last() {
                Ok(last) => engine.restart_from(last),
                Err(e) => {
                    tracing::error!(beacon_id = %ctx.beacon_id, error = %e, "cannot read the last stored beacon")
                }
            }
        }
        if engine.pending_transition().is_none()
            && let Some(next) = pending.take()
        {
            ctx.peers.set_addresses(next.peers);
            ctx.metrics.set_group(&next.group);
            match ctx.group.write() {
                Ok(mut g) => *g = next.group,
                Err(poisoned) => *poisoned.into_inner() = next.group,
            }
            tracing::info!(beacon_id = %ctx.beacon_id, own_index = engine.config().own_index, "reshare transition done: signing with the new share");
        }
    }
    tracing::info!(beacon_id = %ctx.beacon_id, "beacon loop stopped");
}

async fn sleep_until(wake: Option<u64>) {
    match wake {
        Some(at) => tokio::time::sleep_until(instant_at(at)).await,
        None => std::future::pending().await,
    }
}

/// Carries out one output; true when the engine's view of the store is no longer true.
fn dispatch(output: Output, ctx: &LoopContext) -> bool {
    match output {
        Output::Broadcast(packet) => ctx.peers.broadcast_partial(packet, &ctx.metrics),
        Output::Store(beacon) => return !store_beacon(&beacon, ctx),
        Output::Sync {
            from_round,
            to_round,
        } => ctx.sync.request(from_round, to_round),
        Output::Rejected {
            from,
            round,
            reason,
        } => {
            if reason.is_benign() {
                tracing::debug!(beacon_id = %ctx.beacon_id, peer = %from, round, reason = ?reason, "partial not used");
            } else {
                ctx.metrics
                    .partials_rejected
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(beacon_id = %ctx.beacon_id, peer = %from, round, reason = ?reason, "partial rejected");
            }
        }
        Output::Alert(alert) => {
            tracing::error!(beacon_id = %ctx.beacon_id, alert = ?alert, "beacon engine alert: partials verified but the beacon could not be produced");
        }
    }
    false
}

/// Appends an aggregated beacon; logs `NEW_BEACON_STORED` with the time discrepancy operators
/// watch, and loudly refuses a conflicting signature. Returns whether the beacon is stored.
fn store_beacon(beacon: &StoredBeacon, ctx: &LoopContext) -> bool {
    match ctx.store.put(beacon) {
        Ok(PutOutcome::Appended) => {
            let now = unix_ms();
            let due = drand_lite::round_time(&ctx.info, beacon.round)
                .map(|secs| secs.saturating_mul(1000))
                .unwrap_or(now);
            let discrepancy = i128::from(now) - i128::from(due);
            ctx.metrics
                .last_beacon_round
                .fetch_max(beacon.round, Ordering::Relaxed);
            ctx.metrics.beacon_discrepancy_latency.store(
                u64::try_from(discrepancy.max(0)).unwrap_or(0),
                Ordering::Relaxed,
            );
            super::sync::publish_latest(&ctx.latest, beacon.round);
            tracing::info!(
                beacon_id = %ctx.beacon_id,
                round = beacon.round,
                time_discrepancy_ms = i64::try_from(discrepancy).unwrap_or(i64::MAX),
                "NEW_BEACON_STORED"
            );
            true
        }
        Ok(PutOutcome::AlreadyStored) => true,
        Err(StoreError::Conflict { round }) => {
            tracing::error!(
                beacon_id = %ctx.beacon_id,
                round,
                "CONFLICTING BEACON: a different valid signature is already stored for this round; \
                 the stored one is kept. Two valid beacons for one round must never happen: check \
                 the group's keys and shares"
            );
            false
        }
        Err(e @ StoreError::NotNext { .. }) => {
            tracing::warn!(beacon_id = %ctx.beacon_id, error = %e, "beacon not stored; syncing");
            if let Ok(last) = ctx.store.last() {
                ctx.sync.request(last.round.saturating_add(1), beacon.round);
            }
            false
        }
        Err(e) => {
            tracing::error!(beacon_id = %ctx.beacon_id, round = beacon.round, error = %e, "cannot store beacon");
            false
        }
    }
}
