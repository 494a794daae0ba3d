//! The beacon round engine of one node (reference §3.3–3.5), sans-IO: the shell feeds it
//! [`Event`]s with the current time and carries out its [`Output`]s.
//!
//! Guarantees:
//! - a beacon for round `r` is output only when `now ≥ time(r)`, recovered from `threshold`
//!   verified partials and verified with the verifier core against the chain info;
//! - below threshold nothing is output; every tick re-signs the next round, so production
//!   resumes as soon as enough partials meet;
//! - memory is bounded by the group size and the configured cache limits.

use std::collections::BTreeSet;
use std::sync::Arc;

use drand_lite::Beacon;
use drand_lite::chain::GENESIS_SEED_BYTES;

use super::cache::{BucketKey, PartialCache};
use super::clock::RoundClock;
use super::config::{ConfigError, EngineConfig};
use super::messages::{Alert, Event, Output, PartialPacket, RejectReason};
use super::threshold::ThresholdCrypto;
use crate::store::StoredBeacon;

/// The beacon engine of one node for one beacon ID.
pub struct Engine {
    config: EngineConfig,
    members: BTreeSet<u32>,
    crypto: Arc<dyn ThresholdCrypto>,
    clock: RoundClock,
    last: StoredBeacon,
    cache: PartialCache,
    /// When the next round tick is due (0: at the first event).
    next_tick_ms: u64,
    /// A catch-up broadcast waiting for its time.
    catchup_at_ms: Option<u64>,
    /// A reshare's new group, taken over once the round before its transition is stored.
    pending: Option<Transition>,
    /// Partials for rounds of the pending group, replayed when it takes over.
    held: Vec<(String, PartialPacket)>,
}

/// The group a reshare hands over to, from `round` on.
struct Transition {
    round: u64,
    config: EngineConfig,
    crypto: Arc<dyn ThresholdCrypto>,
}

/// Partials held for a pending group (a few rounds of a large group at most; more are
/// dropped and come again with the next round's re-broadcast).
const MAX_HELD_PARTIALS: usize = 4096;

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("own_index", &self.config.own_index)
            .field("last_round", &self.last.round)
            .field("cached_partials", &self.cache.len())
            .field("next_tick_ms", &self.next_tick_ms)
            .field("catchup_at_ms", &self.catchup_at_ms)
            .finish_non_exhaustive()
    }
}

/// A partial that passed the checks, to be cached.
struct Admitted {
    key: BucketKey,
    index: u32,
    /// Verified individually (only when it displaced a different partial of its index).
    verified: bool,
    /// The sender of the cached partial it displaces (proven invalid).
    displaced: Option<String>,
}

impl Engine {
    /// An engine continuing from `last`, the last stored beacon (round 0 holds the genesis
    /// seed). Its first tick is due immediately: it signs the next round if its time has come
    /// and asks for a sync if the chain is behind the clock.
    pub fn new(
        config: EngineConfig,
        crypto: Arc<dyn ThresholdCrypto>,
        last: StoredBeacon,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Engine {
            members: config.nodes.iter().copied().collect(),
            clock: RoundClock::new(&config.info),
            cache: PartialCache::new(config.max_partials_per_node),
            config,
            crypto,
            last,
            next_tick_ms: 0,
            catchup_at_ms: None,
            pending: None,
            held: Vec::new(),
        })
    }

    /// Hands the chain to a reshared group from `round` on (drand's transition): this node
    /// keeps signing with its current share up to `round - 1`, and with `next` (its new
    /// share, index and group) from `round` on, switching as soon as round `round - 1` is
    /// stored so no round is skipped. With `next = None` this node left the group and stops
    /// signing at `round - 1`.
    pub fn schedule_transition(
        &mut self,
        round: u64,
        next: Option<(EngineConfig, Arc<dyn ThresholdCrypto>)>,
    ) -> Result<(), ConfigError> {
        if round <= self.last.round {
            return Err(ConfigError::TransitionInPast {
                round,
                last: self.last.round,
            });
        }
        match next {
            None => {
                self.config.active_until = round.saturating_sub(1);
                self.pending = None;
                self.held.clear();
            }
            Some((mut config, crypto)) => {
                config.validate()?;
                if config.info.hash() != self.config.info.hash() {
                    return Err(ConfigError::OtherChain(config.info.hash().to_hex()));
                }
                config.active_from = config.active_from.max(round);
                self.config.active_until = round.saturating_sub(1);
                self.pending = Some(Transition {
                    round,
                    config,
                    crypto,
                });
            }
        }
        Ok(())
    }

    /// Continues from `last` (what the store really holds after a write the engine expected
    /// failed), keeping the group, the share and any scheduled transition; cached partials
    /// are dropped.
    pub fn restart_from(&mut self, last: StoredBeacon) {
        self.cache = PartialCache::new(self.config.max_partials_per_node);
        self.last = last;
        self.next_tick_ms = 0;
        self.catchup_at_ms = None;
    }

    /// The round a scheduled transition takes effect, while it is pending.
    pub fn pending_transition(&self) -> Option<u64> {
        self.pending.as_ref().map(|t| t.round)
    }

    /// Takes over the pending group once the round before its transition is stored, and
    /// replays the partials held for it.
    fn maybe_switch(&mut self, now: u64, out: &mut Vec<Output>) {
        let due = self
            .pending
            .as_ref()
            .is_some_and(|t| self.last.round.saturating_add(1) >= t.round);
        if !due {
            return;
        }
        let Some(next) = self.pending.take() else {
            return;
        };
        self.members = next.config.nodes.iter().copied().collect();
        self.cache = PartialCache::new(next.config.max_partials_per_node);
        self.config = next.config;
        self.crypto = next.crypto;
        // Sign the first round of the new group now if its time has come.
        self.next_tick_ms = 0;
        for (from, packet) in std::mem::take(&mut self.held) {
            self.on_partial(now, from, packet, out);
        }
    }

    /// Processes one event at `now_ms` (milliseconds since the Unix epoch).
    pub fn handle(&mut self, now_ms: u64, event: Event) -> Vec<Output> {
        let mut out = Vec::new();
        self.maybe_switch(now_ms, &mut out);
        match event {
            Event::Tick => self.on_tick(now_ms, &mut out),
            Event::Partial { from, packet } => self.on_partial(now_ms, from, packet, &mut out),
            Event::StoreAdvanced { last } => self.on_store_advanced(now_ms, last, &mut out),
        }
        self.maybe_switch(now_ms, &mut out);
        out
    }

    /// When the shell should deliver the next [`Event::Tick`].
    pub fn next_wakeup(&self) -> Option<u64> {
        Some(match self.catchup_at_ms {
            Some(at) => at.min(self.next_tick_ms),
            None => self.next_tick_ms,
        })
    }

    /// The last stored beacon the engine knows of.
    pub fn last(&self) -> &StoredBeacon {
        &self.last
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The number of cached partials (bounded by group size × `max_partials_per_node`).
    pub fn cached_partials(&self) -> usize {
        self.cache.len()
    }

    /// The round clock of the chain.
    pub fn clock(&self) -> &RoundClock {
        &self.clock
    }

    fn on_tick(&mut self, now: u64, out: &mut Vec<Output>) {
        let current = self.clock.current_round(now);
        if now >= self.next_tick_ms {
            self.next_tick_ms = self.clock.round_start_ms(current.saturating_add(1));
            // The round tick signs the next round itself; a pending catch-up is covered.
            self.catchup_at_ms = None;
            if current == 0 {
                return;
            }
            self.sign_next(now, out);
            // Behind the clock, or a joiner waiting for the rounds of the previous group.
            let before_term = self.last.round.saturating_add(1) < self.config.active_from
                && self.last.round < current;
            if self.last.round.saturating_add(1) < current || before_term {
                out.push(Output::Sync {
                    from_round: self.last.round.saturating_add(1),
                    to_round: current,
                });
            }
        } else if let Some(at) = self.catchup_at_ms
            && now >= at
        {
            self.catchup_at_ms = None;
            self.sign_next(now, out);
        }
        self.try_aggregate(now, out);
    }

    /// Signs the round after the last stored one if its time has come, or re-signs the current
    /// round if it is already stored (drand's `broadcastNextPartial`), and caches the own
    /// partial.
    fn sign_next(&mut self, now: u64, out: &mut Vec<Output>) {
        let current = self.clock.current_round(now);
        let (round, previous) = if self.last.round < current {
            (
                self.last.round.saturating_add(1),
                self.last.signature.clone(),
            )
        } else if self.last.round == current && current > 0 {
            // Re-broadcast for peers that missed it; Go sends the stored previous signature
            // (none for unchained schemes).
            (
                current,
                self.last.previous_signature.clone().unwrap_or_default(),
            )
        } else {
            // The chain is ahead of this node's clock: never sign a round before its time.
            return;
        };
        let scheme = self.config.info.scheme();
        if (scheme.is_chained() && previous.is_empty()) || !self.config.signs(round) {
            return;
        }
        let digest = scheme.digest(round, Some(&previous));
        let partial = self.crypto.sign_partial(&digest);
        if round > self.last.round {
            let key = self.bucket_key(round, &previous);
            if self.cache.get(&key, self.config.own_index).is_none() {
                let own = self.config.own_index;
                self.cache
                    .insert(key, own, partial.clone(), String::new(), true);
            }
        }
        out.push(Output::Broadcast(PartialPacket {
            round,
            previous_signature: previous,
            partial_sig: partial,
        }));
    }

    fn bucket_key(&self, round: u64, previous: &[u8]) -> BucketKey {
        BucketKey {
            round,
            previous: self
                .config
                .info
                .scheme()
                .is_chained()
                .then(|| previous.to_vec()),
        }
    }

    fn on_partial(&mut self, now: u64, from: String, packet: PartialPacket, out: &mut Vec<Output>) {
        let round = packet.round;
        if let Some(pending) = &self.pending
            && round >= pending.round
        {
            // Signed by the reshared group: kept until it takes over.
            if self.held.len() < MAX_HELD_PARTIALS {
                self.held.push((from, packet));
            }
            return;
        }
        match self.check_partial(now, &packet) {
            Ok(Admitted {
                key,
                index,
                verified,
                displaced,
            }) => {
                if let Some(liar) = displaced {
                    self.cache.remove(&key, index);
                    // Two different partials for one index: the verified newcomer proves the
                    // cached one (deterministic BLS) invalid.
                    out.push(Output::Rejected {
                        from: liar,
                        round,
                        reason: RejectReason::InvalidSignature {
                            index,
                            error: "displaced by the valid partial of its index".into(),
                        },
                    });
                }
                self.cache
                    .insert(key.clone(), index, packet.partial_sig, from, verified);
                self.request_sync_if_ahead(&key, out);
                self.try_aggregate(now, out);
            }
            Err(reason) => out.push(Output::Rejected {
                from,
                round,
                reason,
            }),
        }
    }

    /// drand's `ProcessPartialBeacon` checks, cheapest first. The signature itself is not
    /// verified here: a round's partials are combined and only the result is checked (one
    /// pairing check instead of one per partial), and partials are verified one by one only
    /// when that fails ([`Engine::try_aggregate`]) or when two differ for one index.
    fn check_partial(&self, now: u64, packet: &PartialPacket) -> Result<Admitted, RejectReason> {
        let round = packet.round;
        let next_round = self.clock.current_round(now).saturating_add(1);
        if round > next_round {
            return Err(RejectReason::FutureRound { next_round });
        }
        let last = self.last.round;
        if round <= last {
            return Err(RejectReason::Stale { last });
        }
        if !self.config.signs(round) {
            return Err(RejectReason::OutsideGroupTerm {
                active_from: self.config.active_from,
                active_until: self.config.active_until,
            });
        }
        let window_end = last
            .saturating_add(self.config.partial_window)
            .saturating_add(1);
        if round > window_end {
            return Err(RejectReason::BeyondWindow { last });
        }
        let scheme = self.config.info.scheme();
        let expected = scheme.signature_len().saturating_add(2);
        let partial = packet.partial_sig.as_slice();
        if partial.len() != expected {
            return Err(RejectReason::BadLength {
                expected,
                actual: partial.len(),
            });
        }
        let previous = packet.previous_signature.as_slice();
        if scheme.is_chained() {
            let plausible = previous.len() == scheme.signature_len()
                || (round == 1 && previous.len() == GENESIS_SEED_BYTES);
            // The next round can only be signed over the (unique, verified) last signature.
            if !plausible || (round == last.saturating_add(1) && previous != self.last.signature) {
                return Err(RejectReason::BadPreviousSignature);
            }
        } else if previous.len() > drand_lite::beacon::MAX_SIGNATURE_BYTES {
            return Err(RejectReason::BadPreviousSignature);
        }
        let index = match partial {
            [hi, lo, ..] => u32::from(u16::from_be_bytes([*hi, *lo])),
            _ => 0,
        };
        if index == self.config.own_index {
            return Err(RejectReason::OwnIndex);
        }
        if !self.members.contains(&index) {
            return Err(RejectReason::UnknownIndex(index));
        }
        let key = self.bucket_key(round, previous);
        let Some(cached) = self.cache.get(&key, index) else {
            return Ok(Admitted {
                key,
                index,
                verified: false,
                displaced: None,
            });
        };
        if cached == partial {
            return Err(RejectReason::Duplicate(index));
        }
        let already_verified = self
            .cache
            .bucket(&key)
            .is_some_and(|b| b.verified.contains(&index));
        if already_verified {
            return Err(RejectReason::DuplicateIndex(index));
        }
        // A different partial for an index whose cached one is unverified: whichever verifies
        // is the real one (only one can), so a forged partial cannot lock out its signer.
        let digest = scheme.digest(round, Some(previous));
        match self.crypto.verify_partial(&digest, partial) {
            Ok(signer) if u32::from(signer) == index => Ok(Admitted {
                displaced: self
                    .cache
                    .bucket(&key)
                    .and_then(|b| b.senders.get(&index).cloned()),
                key,
                index,
                verified: true,
            }),
            Ok(signer) => Err(RejectReason::InvalidSignature {
                index,
                error: format!("verified as index {signer}"),
            }),
            Err(e) => Err(RejectReason::InvalidSignature {
                index,
                error: e.to_string(),
            }),
        }
    }

    /// A threshold of verified partials for a round two or more ahead means the group is
    /// ahead of this node: ask for a sync (once per bucket).
    fn request_sync_if_ahead(&mut self, key: &BucketKey, out: &mut Vec<Output>) {
        let from_round = self.last.round.saturating_add(1);
        if key.round <= from_round {
            return;
        }
        let threshold = self.config.threshold;
        if let Some(bucket) = self.cache.bucket_mut(key)
            && bucket.partials.len() >= threshold
            && !bucket.sync_requested
        {
            bucket.sync_requested = true;
            out.push(Output::Sync {
                from_round,
                to_round: key.round.saturating_sub(1),
            });
        }
    }

    /// Recovers and stores the next round while a threshold of partials for it is cached and
    /// its time has come.
    fn try_aggregate(&mut self, now: u64, out: &mut Vec<Output>) {
        loop {
            let round = self.last.round.saturating_add(1);
            if self.clock.round_start_ms(round) > now
                || self.last.round == u64::MAX
                || !self.config.signs(round)
            {
                return;
            }
            let key = self.bucket_key(round, &self.last.signature);
            let Some(bucket) = self.cache.bucket(&key) else {
                return;
            };
            let have = bucket.partials.len();
            if have < self.config.threshold || have <= bucket.tried_len {
                return;
            }
            // Verified partials first, so a combination after a check pass uses only them.
            let (mut partials, unverified): (Vec<_>, Vec<_>) = bucket
                .partials
                .iter()
                .partition(|(index, _)| bucket.verified.contains(index));
            let unverified: Vec<(u32, Vec<u8>)> = unverified
                .into_iter()
                .map(|(i, p)| (*i, p.clone()))
                .collect();
            partials.extend(unverified.iter().map(|(i, p)| (i, p)));
            let partials: Vec<Vec<u8>> = partials.into_iter().map(|(_, p)| p.clone()).collect();
            let scheme = self.config.info.scheme();
            let digest = scheme.digest(round, Some(&self.last.signature));
            // The verifier core checks the combination: the only pairing check of a round.
            let combined = self
                .crypto
                .combine(&digest, &partials, self.config.threshold)
                .map_err(|e| e.to_string())
                .and_then(|signature| {
                    let beacon = Beacon {
                        round,
                        signature,
                        previous_signature: scheme
                            .is_chained()
                            .then(|| self.last.signature.clone()),
                        randomness: None,
                    };
                    match drand_lite::verify(&self.config.info, &beacon) {
                        Ok(_) => Ok(beacon),
                        Err(e) => Err(e.to_string()),
                    }
                });
            let alert = match combined {
                Ok(beacon) => {
                    self.append(now, beacon, out);
                    continue;
                }
                Err(error) if unverified.is_empty() => Alert::RecoveredInvalid { round, error },
                Err(_) => {
                    // Some partial was invalid: verify each unchecked one, drop and attribute
                    // the invalid ones, and retry with what verified (or wait for more).
                    for (index, partial) in unverified {
                        match self.crypto.verify_partial(&digest, &partial) {
                            Ok(signer) if u32::from(signer) == index => {
                                if let Some(bucket) = self.cache.bucket_mut(&key) {
                                    bucket.verified.insert(index);
                                }
                            }
                            outcome => {
                                let error = match outcome {
                                    Ok(signer) => format!("verified as index {signer}"),
                                    Err(e) => e.to_string(),
                                };
                                if let Some(from) = self.cache.remove(&key, index) {
                                    out.push(Output::Rejected {
                                        from,
                                        round,
                                        reason: RejectReason::InvalidSignature { index, error },
                                    });
                                }
                            }
                        }
                    }
                    continue;
                }
            };
            if let Some(bucket) = self.cache.bucket_mut(&key) {
                bucket.tried_len = have;
            }
            out.push(Output::Alert(alert));
            return;
        }
    }

    fn append(&mut self, now: u64, beacon: Beacon, out: &mut Vec<Output>) {
        let stored = StoredBeacon {
            round: beacon.round,
            signature: beacon.signature,
            previous_signature: beacon.previous_signature,
        };
        self.adopt(stored.clone());
        out.push(Output::Store(stored));
        // Catch-up: the chain is behind the clock, sign the next round after a pause.
        if self.last.round < self.clock.current_round(now) {
            self.schedule_catchup(now);
        }
    }

    fn adopt(&mut self, last: StoredBeacon) {
        self.cache.prune_through(last.round);
        self.last = last;
    }

    fn schedule_catchup(&mut self, now: u64) {
        let at = now.saturating_add(self.config.catchup_period_ms);
        self.catchup_at_ms = Some(self.catchup_at_ms.map_or(at, |pending| pending.min(at)));
    }

    fn on_store_advanced(&mut self, now: u64, last: StoredBeacon, out: &mut Vec<Output>) {
        if last.round <= self.last.round {
            return;
        }
        self.adopt(last);
        if self.last.round < self.clock.current_round(now) {
            self.schedule_catchup(now);
        }
        self.try_aggregate(now, out);
    }
}
