//! Fixtures and oracles of the full-node targets (`grpc_messages`, `http_routes`,
//! `node_files`): small dealt groups with a genuine chain each, the beacon engine of one member,
//! the store rules and the HTTP API over real chains.
//!
//! Everything is deterministic: groups are dealt from a seeded ChaCha RNG and BLS signatures are
//! unique, so a recovered beacon must equal the fixture's beacon of that round bit for bit.

use std::sync::{Arc, OnceLock};

use drand_lite::{ChainInfo, Scheme, round_time};
use drand_node::crypto::{Dealing, deal};
use drand_node::engine::{
    Engine, EngineConfig, Event, Output, PartialPacket, RejectReason, ShareCrypto, ThresholdCrypto,
};
use drand_node::store::{BeaconStore, MemStore, PutOutcome, StoreError, StoredBeacon};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Members of every fixture group.
pub const GROUP_SIZE: u32 = 3;
/// Partials needed to recover a beacon.
pub const THRESHOLD: u32 = 2;
/// The share index of the engine under test (the fuzzed partials come from the others).
pub const OWN_INDEX: u32 = 0;
/// Rounds of genuine chain each fixture holds beyond the genesis seed (rounds 1..=CHAIN_LEN).
pub const CHAIN_LEN: u64 = 4;
/// The last round stored when a target starts: the engine continues from it and the store
/// holds rounds `0..=STORED`.
pub const STORED: u64 = 2;
/// Genesis time of every fixture chain (Unix seconds).
pub const GENESIS_SECS: u64 = 1_700_000_000;
/// Round period of every fixture chain.
pub const PERIOD_SECS: u32 = 3;

/// A dealt `THRESHOLD`-of-`GROUP_SIZE` group of one scheme and the first rounds of its chain.
pub struct DealtGroup {
    /// The chain.
    pub info: ChainInfo,
    /// The shares and the public polynomial.
    pub dealing: Dealing,
    /// Each member's threshold operations, by share index.
    pub members: Vec<Arc<ShareCrypto>>,
    /// Rounds `0..=CHAIN_LEN`: the genesis seed, then genuine recovered beacons.
    pub chain: Vec<StoredBeacon>,
}

impl DealtGroup {
    /// Deals the group for `scheme` from `seed` and produces its first rounds.
    pub fn new(scheme: Scheme, seed: u64) -> DealtGroup {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let dealing = deal(scheme, GROUP_SIZE, THRESHOLD, &mut rng).expect("dealing");
        let mut genesis_seed = [0u8; 32];
        rng.fill_bytes(&mut genesis_seed);
        let info = ChainInfo::new(
            scheme,
            &dealing.public.public_key(),
            PERIOD_SECS,
            GENESIS_SECS,
            genesis_seed,
            "default",
        )
        .expect("fixture chain info");
        let members: Vec<Arc<ShareCrypto>> = dealing
            .shares
            .iter()
            .map(|s| Arc::new(ShareCrypto::new(s.clone(), dealing.public.clone()).expect("share")))
            .collect();
        let mut chain = vec![StoredBeacon {
            round: 0,
            signature: genesis_seed.to_vec(),
            previous_signature: None,
        }];
        for round in 1..=CHAIN_LEN {
            let prev = chain.last().expect("genesis").signature.clone();
            let digest = scheme.digest(round, Some(&prev));
            let partials: Vec<Vec<u8>> = members.iter().map(|m| m.sign_partial(&digest)).collect();
            let signature = members[0]
                .recover(&digest, &partials, THRESHOLD as usize)
                .expect("recovery");
            let beacon = StoredBeacon {
                round,
                signature,
                previous_signature: scheme.is_chained().then_some(prev),
            };
            let check = drand_lite::Beacon {
                round,
                signature: beacon.signature.clone(),
                previous_signature: beacon.previous_signature.clone(),
                randomness: None,
            };
            drand_lite::verify(&info, &check).expect("fixture beacon verifies");
            chain.push(beacon);
        }
        DealtGroup {
            info,
            dealing,
            members,
            chain,
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.info.scheme()
    }

    /// The genuine partial of member `index` for `round` over the stored previous signature.
    pub fn partial(&self, index: u32, round: u64) -> PartialPacket {
        let prev = self.chain[(round - 1) as usize].signature.clone();
        let digest = self.scheme().digest(round, Some(&prev));
        PartialPacket {
            round,
            previous_signature: prev,
            partial_sig: self.members[index as usize].sign_partial(&digest),
        }
    }

    /// The engine of member [`OWN_INDEX`], continuing from round [`STORED`].
    pub fn engine(&self) -> Engine {
        let config = EngineConfig::new(
            self.info.clone(),
            OWN_INDEX,
            THRESHOLD as usize,
            (0..GROUP_SIZE).collect(),
        );
        Engine::new(
            config,
            self.members[OWN_INDEX as usize].clone(),
            self.chain[STORED as usize].clone(),
        )
        .expect("fixture engine config")
    }

    /// Unix milliseconds at which the engine runs: just into round `STORED + 1`, so that
    /// round is due (and signed on a tick) and `STORED + 2` is the next round accepted.
    pub fn now_ms(&self) -> u64 {
        round_time(&self.info, STORED + 1).expect("round time") * 1000 + 500
    }

    /// A fresh in-memory store holding rounds `0..=STORED`.
    pub fn store(&self) -> MemStore {
        let store = MemStore::new(self.scheme().is_chained(), &self.chain[0].signature);
        store
            .put_many(&self.chain[1..=STORED as usize])
            .expect("fixture rounds append");
        store
    }
}

/// One dealt group per scheme, in [`Scheme::ALL`] order, dealt once.
pub fn groups() -> &'static [DealtGroup] {
    static GROUPS: OnceLock<Vec<DealtGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        Scheme::ALL
            .iter()
            .zip(1u64..)
            .map(|(&scheme, seed)| DealtGroup::new(scheme, 0xf022_0000 + seed))
            .collect()
    })
}

/// Feeds `packet` from a peer to a fresh engine of `group`; if the engine keeps it, ticks so
/// that the engine signs its own partial and aggregates. Checks what comes out:
/// - a rejection is for the packet's round and never blames the wrong thing: a genuine partial
///   of another member for a round in the window is never rejected as invalid;
/// - a beacon is stored only as the round after the last one and equals the genuine beacon of
///   that round (signatures are unique), and it appends to a store holding the same chain;
/// - no alert: partials that verified must recover a valid beacon;
/// - the cache stays within its bound.
pub fn check_engine(group: &DealtGroup, packet: PartialPacket) {
    let mut engine = group.engine();
    let now = group.now_ms();
    let round = packet.round;
    let mut outputs = engine.handle(
        now,
        Event::Partial {
            from: "fuzz:4444".into(),
            packet: packet.clone(),
        },
    );
    let accepted = !outputs.iter().any(|o| matches!(o, Output::Rejected { .. }));
    for output in &outputs {
        if let Output::Rejected {
            round: r, reason, ..
        } = output
        {
            assert_eq!(*r, round, "rejection names another round");
            let _ = reason.is_benign();
            if let RejectReason::InvalidSignature { index, .. } = reason {
                let genuine = (*index < GROUP_SIZE)
                    && (1..=CHAIN_LEN).contains(&round)
                    && group.partial(*index, round) == packet;
                assert!(!genuine, "a genuine partial was rejected: {reason:?}");
            }
        }
    }
    if accepted {
        outputs.extend(engine.handle(now, Event::Tick));
    }
    let store = group.store();
    for output in &outputs {
        match output {
            Output::Store(beacon) => {
                let expected = group.chain.get(beacon.round as usize);
                assert_eq!(beacon.round, STORED + 1, "stored a round out of order");
                assert_eq!(Some(beacon), expected, "recovered a non-genuine beacon");
                assert_eq!(store.put(beacon).ok(), Some(PutOutcome::Appended));
            }
            Output::Alert(alert) => panic!("alert from verified partials: {alert:?}"),
            Output::Sync {
                from_round,
                to_round,
            } => assert!(from_round <= to_round, "empty sync request"),
            Output::Broadcast(_) | Output::Rejected { .. } => {}
        }
    }
    assert!(engine.cached_partials() <= (GROUP_SIZE as usize) * 100);
    assert!(engine.last().round >= STORED);
}

/// A received beacon as the sync path stores it: unchained schemes drop the previous
/// signature; an empty one means none.
pub fn stored_from_wire(
    chained: bool,
    round: u64,
    signature: Vec<u8>,
    previous: Vec<u8>,
) -> StoredBeacon {
    StoredBeacon {
        round,
        signature,
        previous_signature: (chained && !previous.is_empty()).then_some(previous),
    }
}

/// Offers `beacon` to a store holding rounds `0..=STORED` of `group` and checks the append
/// rules: appended only as the next round (linked, for chained schemes), identical stored
/// rounds are no-ops, different ones conflicts, and no stored beacon is ever lost or changed.
pub fn check_store_put(group: &DealtGroup, beacon: &StoredBeacon) {
    let chained = group.scheme().is_chained();
    let store = group.store();
    let stored = |r: u64| group.chain[r as usize].signature.clone();
    let outcome = store.put(beacon);
    let next = STORED + 1;
    match &outcome {
        Ok(PutOutcome::Appended) => {
            assert_eq!(beacon.round, next);
            if chained {
                assert_eq!(beacon.previous_signature, Some(stored(STORED)));
            }
            let back = store.get(next).expect("get").expect("appended round");
            assert_eq!(back.signature, beacon.signature);
            assert_eq!(
                back.previous_signature,
                chained.then(|| stored(STORED)),
                "read-back previous signature"
            );
            assert_eq!(store.last().expect("last").round, next);
        }
        Ok(PutOutcome::AlreadyStored) => {
            assert!(beacon.round <= STORED);
            assert_eq!(beacon.signature, stored(beacon.round));
        }
        Err(StoreError::Conflict { round }) => {
            assert_eq!(*round, beacon.round);
            assert!(beacon.round <= STORED);
            assert_ne!(beacon.signature, stored(beacon.round));
        }
        Err(StoreError::NotNext { round, last }) => {
            assert_eq!((*round, *last), (beacon.round, STORED));
            assert!(beacon.round > next);
        }
        Err(StoreError::BrokenLink { round }) => {
            assert!(chained, "unchained stores ignore the previous signature");
            assert_eq!(*round, beacon.round);
        }
        Err(e) => panic!("in-memory store failed: {e}"),
    }
    if let Err(e) = &outcome {
        let _ = e.to_string();
        assert_eq!(store.last().expect("last").round, STORED);
    }
    for r in 0..=STORED {
        let back = store.get(r).expect("get").expect("stored round lost");
        assert_eq!(back.signature, stored(r), "stored round {r} changed");
    }
}

/// Reads `limit` rounds from `from` and round `round` of a store holding `0..=STORED`, as the
/// `SyncChain` and `PublicRand` handlers do with the requested numbers.
pub fn check_store_reads(group: &DealtGroup, from: u64, round: u64) {
    let store = group.store();
    let limit = 16;
    let got = store.range(from, limit).expect("range");
    assert!(got.len() <= limit);
    for (b, r) in got.iter().zip(from..) {
        assert_eq!(b.round, r, "range is not consecutive from {from}");
        assert_eq!(b.signature, group.chain[r as usize].signature);
    }
    if from <= STORED {
        assert_eq!(got.len() as u64, STORED - from + 1);
    } else {
        assert!(got.is_empty());
    }
    let one = store.get(round).expect("get");
    assert_eq!(one.is_some(), round <= STORED);
}
