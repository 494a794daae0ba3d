//! Table tests of the engine with the fake threshold crypto (real group signatures).

use std::sync::Arc;

use drand_lite::{Beacon, Scheme};

use super::fake::{FakeCrypto, chain_info};
use super::*;
use crate::store::StoredBeacon;

const GENESIS: u64 = 1_000_000;
const PERIOD: u32 = 3;
const SECRET: u64 = 0x5eed;
const SCHEMES: [Scheme; 4] = [
    Scheme::PedersenBlsChained,
    Scheme::PedersenBlsUnchained,
    Scheme::BlsUnchainedOnG1,
    Scheme::BlsUnchainedG1Rfc9380,
];

/// Start of `round` in ms.
fn at(round: u64) -> u64 {
    (GENESIS + (round - 1) * u64::from(PERIOD)) * 1000
}

struct Fixture {
    engine: Engine,
    scheme: Scheme,
}

fn genesis(_scheme: Scheme) -> StoredBeacon {
    StoredBeacon {
        round: 0,
        signature: vec![7u8; 32],
        previous_signature: None,
    }
}

fn fixture_with(scheme: Scheme, n: u32, t: usize, last: StoredBeacon, secret: u64) -> Fixture {
    let info = chain_info(scheme, SECRET, PERIOD, GENESIS);
    let config = EngineConfig::new(info, 1, t, (1..=n).collect());
    let crypto = Arc::new(FakeCrypto {
        index: 1,
        secret,
        scheme,
    });
    Fixture {
        engine: Engine::new(config, crypto, last).unwrap(),
        scheme,
    }
}

fn fixture(scheme: Scheme, n: u32, t: usize) -> Fixture {
    fixture_with(scheme, n, t, genesis(scheme), SECRET)
}

impl Fixture {
    fn packet(&self, index: u16, round: u64, previous: &[u8]) -> PartialPacket {
        let peer = FakeCrypto {
            index,
            secret: SECRET,
            scheme: self.scheme,
        };
        PartialPacket {
            round,
            previous_signature: previous.to_vec(),
            partial_sig: peer.sign_partial(&self.scheme.digest(round, Some(previous))),
        }
    }

    fn deliver(&mut self, now: u64, packet: PartialPacket) -> Vec<Output> {
        self.engine.handle(
            now,
            Event::Partial {
                from: "peer".into(),
                packet,
            },
        )
    }

    fn last_sig(&self) -> Vec<u8> {
        self.engine.last().signature.clone()
    }
}

fn stored(out: &[Output]) -> Vec<&StoredBeacon> {
    out.iter()
        .filter_map(|o| match o {
            Output::Store(b) => Some(b),
            _ => None,
        })
        .collect()
}

fn broadcasts(out: &[Output]) -> Vec<&PartialPacket> {
    out.iter()
        .filter_map(|o| match o {
            Output::Broadcast(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn rejection(out: &[Output]) -> Option<&RejectReason> {
    out.iter().find_map(|o| match o {
        Output::Rejected { reason, .. } => Some(reason),
        _ => None,
    })
}

#[test]
fn round_clock_matches_drand_time() {
    let info = chain_info(Scheme::PedersenBlsChained, SECRET, PERIOD, GENESIS);
    let clock = RoundClock::new(&info);
    assert_eq!(clock.current_round(0), 0);
    assert_eq!(clock.current_round(at(1) - 1), 0);
    assert_eq!(clock.current_round(at(1)), 1);
    assert_eq!(clock.current_round(at(2) - 1), 1);
    assert_eq!(clock.current_round(at(2)), 2);
    assert_eq!(clock.round_start_ms(0), at(1));
    assert_eq!(clock.round_start_ms(7), at(7));
    assert_eq!(clock.round_start_ms(u64::MAX), u64::MAX);
    assert_eq!(clock.current_round(u64::MAX), (u64::MAX - at(1)) / 3000 + 1);
}

#[test]
fn config_is_validated() {
    let info = chain_info(Scheme::PedersenBlsChained, SECRET, PERIOD, GENESIS);
    let cases: [(u32, usize, Vec<u32>, ConfigError); 5] = [
        (
            1,
            0,
            vec![1, 2],
            ConfigError::BadThreshold {
                threshold: 0,
                nodes: 2,
            },
        ),
        (
            1,
            3,
            vec![1, 2],
            ConfigError::BadThreshold {
                threshold: 3,
                nodes: 2,
            },
        ),
        (9, 1, vec![1, 2], ConfigError::OwnIndexMissing(9)),
        (1, 1, vec![1, 2, 1], ConfigError::DuplicateIndex(1)),
        (1, 1, vec![1, 70_000], ConfigError::IndexTooLarge(70_000)),
    ];
    for (own, t, nodes, err) in cases {
        let config = EngineConfig::new(info.clone(), own, t, nodes);
        assert_eq!(config.validate(), Err(err));
    }
    let mut config = EngineConfig::new(info, 1, 1, vec![1]);
    assert_eq!(config.partial_window, 3);
    assert_eq!(config.max_partials_per_node, 100);
    assert_eq!(config.catchup_period_ms, 1500);
    config.max_partials_per_node = 0;
    assert_eq!(config.validate(), Err(ConfigError::ZeroPartialLimit));
}

#[test]
fn nothing_before_genesis_then_signs_round_one_over_the_seed() {
    for scheme in SCHEMES {
        let mut f = fixture(scheme, 3, 2);
        assert_eq!(f.engine.next_wakeup(), Some(0));
        let out = f.engine.handle(at(1) - 500, Event::Tick);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(f.engine.next_wakeup(), Some(at(1)));
        let out = f.engine.handle(at(1), Event::Tick);
        let sent = broadcasts(&out);
        assert_eq!(sent.len(), 1, "{scheme}: {out:?}");
        assert_eq!(sent[0].round, 1);
        // The previous signature is the seed, for unchained schemes too (as Go sends it).
        assert_eq!(sent[0].previous_signature, vec![7u8; 32]);
        assert_eq!(&sent[0].partial_sig[..2], &[0, 1]);
        assert_eq!(sent[0].partial_sig.len(), scheme.signature_len() + 2);
        assert_eq!(f.engine.next_wakeup(), Some(at(2)));
        assert_eq!(f.engine.cached_partials(), 1);
    }
}

#[test]
fn aggregates_at_threshold_and_verifies_for_every_scheme() {
    for scheme in SCHEMES {
        let mut f = fixture(scheme, 3, 2);
        f.engine.handle(at(1), Event::Tick);
        let seed = f.last_sig();
        let out = f.deliver(at(1) + 10, f.packet(2, 1, &seed));
        let beacons = stored(&out);
        assert_eq!(beacons.len(), 1, "{scheme}: {out:?}");
        let b = beacons[0];
        assert_eq!(b.round, 1);
        let expected_prev = scheme.is_chained().then(|| seed.clone());
        assert_eq!(b.previous_signature, expected_prev);
        let info = chain_info(scheme, SECRET, PERIOD, GENESIS);
        let beacon = Beacon {
            round: 1,
            signature: b.signature.clone(),
            previous_signature: b.previous_signature.clone(),
            randomness: None,
        };
        drand_lite::verify(&info, &beacon).unwrap();
        assert_eq!(f.engine.last().round, 1);
        assert_eq!(f.engine.cached_partials(), 0, "stored rounds are pruned");
        // Round 2 chains on round 1.
        let out = f.engine.handle(at(2), Event::Tick);
        let sent = broadcasts(&out);
        assert_eq!(sent[0].round, 2);
        assert_eq!(sent[0].previous_signature, b.signature);
        let out = f.deliver(at(2) + 1, f.packet(3, 2, &b.signature));
        assert_eq!(stored(&out)[0].round, 2);
    }
}

#[test]
fn never_outputs_a_round_before_its_time() {
    let mut f = fixture(Scheme::BlsUnchainedG1Rfc9380, 3, 2);
    f.engine.handle(at(1), Event::Tick);
    let seed = f.last_sig();
    f.deliver(at(1) + 1, f.packet(2, 1, &seed));
    assert_eq!(f.engine.last().round, 1);
    let sig1 = f.last_sig();
    // Two fast peers send round 2 during round 1: accepted (one round of skew) but held.
    for index in [2, 3] {
        let out = f.deliver(at(2) - 100, f.packet(index, 2, &sig1));
        assert!(stored(&out).is_empty(), "{out:?}");
        assert!(rejection(&out).is_none(), "{out:?}");
    }
    let out = f.engine.handle(at(2) - 1, Event::Tick);
    assert!(stored(&out).is_empty());
    let out = f.engine.handle(at(2), Event::Tick);
    assert_eq!(stored(&out).len(), 1);
    assert_eq!(stored(&out)[0].round, 2);
}

#[test]
fn rejections_are_typed_and_attributed() {
    let scheme = Scheme::PedersenBlsChained;
    let mut f = fixture(scheme, 4, 3);
    f.engine.handle(at(5), Event::Tick);
    let seed = f.last_sig();
    // Bring the engine to last = 1 by sync, at a time in round 2.
    let sig1 = vec![1u8; 96];
    f.engine.handle(
        at(2),
        Event::StoreAdvanced {
            last: StoredBeacon {
                round: 1,
                signature: sig1.clone(),
                previous_signature: Some(seed.clone()),
            },
        },
    );
    let now = at(2) + 5;
    let good = f.packet(2, 2, &sig1);
    let mut short = good.clone();
    short.partial_sig.pop();
    let mut forged = good.clone();
    *forged.partial_sig.last_mut().unwrap() ^= 1;
    let mut unknown = good.clone();
    unknown.partial_sig[..2].copy_from_slice(&9u16.to_be_bytes());
    let mut own = good.clone();
    own.partial_sig[..2].copy_from_slice(&1u16.to_be_bytes());
    let cases: Vec<(PartialPacket, Option<RejectReason>)> = vec![
        (
            f.packet(2, 4, &[3u8; 96]),
            Some(RejectReason::FutureRound { next_round: 3 }),
        ),
        (f.packet(2, 1, &seed), Some(RejectReason::Stale { last: 1 })),
        (
            short,
            Some(RejectReason::BadLength {
                expected: 98,
                actual: 97,
            }),
        ),
        (
            f.packet(2, 2, &[9u8; 96]),
            Some(RejectReason::BadPreviousSignature),
        ),
        (
            f.packet(2, 3, &[9u8; 10]),
            Some(RejectReason::BadPreviousSignature),
        ),
        (unknown, Some(RejectReason::UnknownIndex(9))),
        (own, Some(RejectReason::OwnIndex)),
        (good.clone(), None),
        (good.clone(), Some(RejectReason::Duplicate(2))),
    ];
    for (packet, want) in cases {
        let round = packet.round;
        let out = f.engine.handle(
            now,
            Event::Partial {
                from: "10.0.0.2:4444".into(),
                packet,
            },
        );
        match want {
            None => assert!(out.is_empty(), "{out:?}"),
            Some(reason) => assert_eq!(
                out,
                vec![Output::Rejected {
                    from: "10.0.0.2:4444".into(),
                    round,
                    reason
                }]
            ),
        }
    }
    // A different partial for a cached (not yet verified) index is checked at once: the
    // forged one fails, so it cannot displace the real one.
    let out = f.deliver(now, forged);
    assert!(matches!(
        rejection(&out),
        Some(RejectReason::InvalidSignature { index: 2, .. })
    ));
    // An invalid signature from a fresh index.
    let mut bad = f.packet(3, 2, &sig1);
    bad.partial_sig[5] ^= 0xff;
    let out = f.deliver(now, bad);
    // Partials are combined unchecked; only when a threshold of them fails to combine is each
    // one verified, and the invalid one is dropped and attributed.
    assert!(rejection(&out).is_none(), "{out:?}");
    let out = f.deliver(now, f.packet(4, 2, &sig1));
    assert!(stored(&out).is_empty(), "{out:?}");
    assert!(matches!(
        rejection(&out),
        Some(RejectReason::InvalidSignature { index: 3, .. })
    ));
    assert!(!rejection(&out).unwrap().is_benign());
    assert!(RejectReason::Duplicate(2).is_benign());
}

#[test]
fn partials_beyond_the_window_are_not_cached() {
    let scheme = Scheme::PedersenBlsUnchained;
    let mut f = fixture(scheme, 3, 2);
    // Far behind: last = 0 at round 10.
    f.engine.handle(at(10), Event::Tick);
    let out = f.deliver(at(10), f.packet(2, 5, &[1u8; 96]));
    assert_eq!(
        rejection(&out),
        Some(&RejectReason::BeyondWindow { last: 0 })
    );
    let out = f.deliver(at(10), f.packet(2, 4, &[1u8; 96]));
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn below_threshold_it_halts_and_resumes() {
    let scheme = Scheme::PedersenBlsChained;
    let mut f = fixture(scheme, 5, 3);
    let seed = f.last_sig();
    f.engine.handle(at(1), Event::Tick);
    f.deliver(at(1) + 1, f.packet(2, 1, &seed));
    let mut packets = Vec::new();
    for round in 2..6 {
        let out = f.engine.handle(at(round), Event::Tick);
        assert!(stored(&out).is_empty());
        let sent = broadcasts(&out);
        // It keeps re-signing round 1, identically.
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].round, 1);
        packets.push(sent[0].clone());
        assert!(out.contains(&Output::Sync {
            from_round: 1,
            to_round: round
        }));
        // A re-broadcast by peer 2 is a benign duplicate.
        let out = f.deliver(at(round) + 1, f.packet(2, 1, &seed));
        assert_eq!(rejection(&out), Some(&RejectReason::Duplicate(2)));
    }
    assert!(packets.windows(2).all(|w| w[0] == w[1]));
    // Peer 3 comes back: round 1 is produced, then catch-up continues one round per period.
    let now = at(5) + 100;
    let out = f.deliver(now, f.packet(3, 1, &seed));
    assert_eq!(stored(&out)[0].round, 1);
    assert_eq!(f.engine.next_wakeup(), Some(now + 1500));
    let out = f.engine.handle(now + 1499, Event::Tick);
    assert!(out.is_empty(), "{out:?}");
    let out = f.engine.handle(now + 1500, Event::Tick);
    let sent = broadcasts(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].round, 2);
    assert_eq!(sent[0].previous_signature, f.last_sig());
}

#[test]
fn catch_up_never_signs_past_the_clock_and_rebroadcasts_the_current_round() {
    let scheme = Scheme::BlsUnchainedOnG1;
    let mut f = fixture(scheme, 3, 2);
    f.engine.handle(at(2), Event::Tick);
    let mut now = at(2) + 10;
    for round in 1..=2 {
        let prev = f.last_sig();
        let out = f.deliver(now, f.packet(2, round, &prev));
        assert_eq!(stored(&out)[0].round, round);
        if round < 2 {
            now = f.engine.next_wakeup().unwrap();
            assert_eq!(now, at(2) + 10 + 1500);
            let out = f.engine.handle(now, Event::Tick);
            assert_eq!(broadcasts(&out)[0].round, round + 1);
        }
    }
    // Caught up: no catch-up pending, the next wake-up is round 3's tick.
    assert_eq!(f.engine.next_wakeup(), Some(at(3)));
    let b2 = f.engine.last().clone();
    // A restart in round 2 with round 2 stored re-broadcasts round 2 (no previous signature
    // for unchained schemes, as Go).
    let mut g = fixture_with(scheme, 3, 2, b2, SECRET);
    let out = g.engine.handle(at(2) + 2000, Event::Tick);
    let sent = broadcasts(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].round, 2);
    assert!(sent[0].previous_signature.is_empty());
    assert!(stored(&out).is_empty());
}

#[test]
fn a_chain_ahead_of_the_clock_is_not_extended() {
    let scheme = Scheme::PedersenBlsUnchained;
    let last = StoredBeacon {
        round: 5,
        signature: vec![1; 96],
        previous_signature: None,
    };
    let mut f = fixture_with(scheme, 3, 2, last, SECRET);
    let out = f.engine.handle(at(3), Event::Tick);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn store_advanced_adopts_only_newer_heads_and_schedules_catch_up() {
    let scheme = Scheme::BlsUnchainedG1Rfc9380;
    let mut f = fixture(scheme, 3, 2);
    f.engine.handle(at(6), Event::Tick);
    let head = |round| StoredBeacon {
        round,
        signature: vec![round as u8; 48],
        previous_signature: None,
    };
    let now = at(6) + 10;
    assert!(
        f.engine
            .handle(now, Event::StoreAdvanced { last: head(3) })
            .is_empty()
    );
    assert_eq!(f.engine.last().round, 3);
    assert_eq!(f.engine.next_wakeup(), Some(now + 1500));
    f.engine.handle(now, Event::StoreAdvanced { last: head(2) });
    assert_eq!(f.engine.last().round, 3);
    let out = f.engine.handle(now + 1500, Event::Tick);
    assert_eq!(broadcasts(&out)[0].round, 4);
}

#[test]
fn a_threshold_for_a_later_round_requests_sync_once() {
    let scheme = Scheme::BlsUnchainedG1Rfc9380;
    let mut f = fixture(scheme, 4, 2);
    let now = at(3) + 10;
    f.deliver(now, f.packet(2, 3, &[1; 48]));
    let out = f.deliver(now, f.packet(3, 3, &[1; 48]));
    assert_eq!(
        out,
        vec![Output::Sync {
            from_round: 1,
            to_round: 2
        }]
    );
    let out = f.deliver(now, f.packet(4, 3, &[1; 48]));
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn a_flooding_peer_cannot_grow_the_cache() {
    let scheme = Scheme::PedersenBlsChained;
    let mut f = fixture(scheme, 4, 3);
    let now = at(2) + 10;
    // Valid partials (the fake accepts its own tags) over 1000 made-up previous signatures
    // for round 2: each is a distinct bucket.
    for i in 0..1000u32 {
        let mut prev = vec![0u8; 96];
        prev[..4].copy_from_slice(&i.to_be_bytes());
        let out = f.deliver(now, f.packet(2, 2, &prev));
        assert!(out.is_empty(), "{out:?}");
    }
    assert_eq!(f.engine.cached_partials(), 100);
    assert!(f.engine.cached_partials() <= 4 * 100);
}

#[test]
fn an_unverifiable_recovery_is_an_alert_not_a_beacon() {
    let scheme = Scheme::PedersenBlsUnchained;
    let mut f = fixture_with(scheme, 3, 2, genesis(scheme), SECRET + 1);
    f.engine.handle(at(1), Event::Tick);
    let seed = f.last_sig();
    let out = f.deliver(at(1) + 1, f.packet(2, 1, &seed));
    assert!(stored(&out).is_empty());
    assert!(matches!(
        out.as_slice(),
        [Output::Alert(Alert::RecoveredInvalid { round: 1, .. })]
    ));
    // Not retried until more partials arrive.
    let out = f.engine.handle(at(1) + 2, Event::Tick);
    assert!(out.is_empty(), "{out:?}");
    let out = f.deliver(at(1) + 3, f.packet(3, 1, &seed));
    assert!(matches!(out.as_slice(), [Output::Alert(_)]));
    assert_eq!(f.engine.last().round, 0);
}

#[test]
fn share_crypto_produces_verified_beacons_for_every_scheme() {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use crate::crypto::deal;

    for scheme in Scheme::ALL {
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        let dealing = deal(scheme, 3, 2, &mut rng).unwrap();
        let info = drand_lite::ChainInfo::new(
            scheme,
            &dealing.public.public_key(),
            PERIOD,
            GENESIS,
            [7u8; 32],
            "test",
        )
        .unwrap();
        let crypto = |i: usize| {
            Arc::new(ShareCrypto::new(dealing.shares[i].clone(), dealing.public.clone()).unwrap())
        };
        let config = EngineConfig::new(info.clone(), 0, 2, vec![0, 1, 2]);
        let mut engine = Engine::new(config, crypto(0), genesis(scheme)).unwrap();
        engine.handle(at(1), Event::Tick);
        let peer = crypto(2);
        let digest = scheme.digest(1, Some(&[7u8; 32]));
        let mut bad = peer.sign_partial(&scheme.digest(2, Some(&[7u8; 32])));
        bad[..2].copy_from_slice(&[0, 2]);
        let out = engine.handle(
            at(1) + 1,
            Event::Partial {
                from: "p".into(),
                packet: PartialPacket {
                    round: 1,
                    previous_signature: vec![7u8; 32],
                    partial_sig: bad,
                },
            },
        );
        assert!(
            matches!(
                rejection(&out),
                Some(RejectReason::InvalidSignature { index: 2, .. })
            ),
            "{scheme}: {out:?}"
        );
        let out = engine.handle(
            at(1) + 2,
            Event::Partial {
                from: "p".into(),
                packet: PartialPacket {
                    round: 1,
                    previous_signature: vec![7u8; 32],
                    partial_sig: peer.sign_partial(&digest),
                },
            },
        );
        let b = stored(&out)[0];
        let beacon = Beacon {
            round: 1,
            signature: b.signature.clone(),
            previous_signature: b.previous_signature.clone(),
            randomness: None,
        };
        drand_lite::verify(&info, &beacon).unwrap();
    }
}

/// A remainer of a reshare: signs with its old share up to the transition, holds partials of
/// the new group that arrive early, switches when the round before the transition is stored
/// and produces the transition round with the new share — no round is skipped.
#[test]
fn a_reshare_switches_share_at_the_transition_round_without_a_gap() {
    let scheme = Scheme::PedersenBlsChained;
    let mut f = fixture(scheme, 4, 3);
    for round in 1..=2 {
        f.engine.handle(at(round), Event::Tick);
        let previous = f.last_sig();
        f.deliver(at(round) + 1, f.packet(2, round, &previous));
        f.deliver(at(round) + 2, f.packet(3, round, &previous));
        assert_eq!(f.engine.last().round, round);
    }
    // The new group: five nodes, threshold 4, this node now at index 3.
    let info = chain_info(scheme, SECRET, PERIOD, GENESIS);
    let next = EngineConfig::new(info, 3, 4, (1..=5).collect());
    let crypto = Arc::new(FakeCrypto {
        index: 3,
        secret: SECRET,
        scheme,
    });
    assert!(matches!(
        f.engine
            .schedule_transition(2, Some((next.clone(), crypto.clone()))),
        Err(ConfigError::TransitionInPast { .. })
    ));
    f.engine
        .schedule_transition(4, Some((next, crypto)))
        .unwrap();
    assert_eq!(f.engine.pending_transition(), Some(4));
    // Round 3: the old group signs (own index 1).
    let out = f.engine.handle(at(3), Event::Tick);
    assert_eq!(broadcasts(&out)[0].partial_sig[..2], [0, 1]);
    let previous3 = f.last_sig();
    f.deliver(at(3) + 1, f.packet(2, 3, &previous3));
    // An early partial of the new group for round 4 is held, not rejected.
    let early = |f: &Fixture| {
        let round3 = f.engine.last().signature.clone();
        f.packet(5, 4, &round3)
    };
    let out = f.deliver(at(3) + 2, f.packet(3, 3, &previous3));
    assert_eq!(stored(&out).len(), 1, "round 3 by the old group");
    // The switch happened with round 3 stored.
    assert_eq!(f.engine.pending_transition(), None);
    assert_eq!(f.engine.config().own_index, 3);
    assert_eq!(f.engine.config().threshold, 4);
    let packet5 = early(&f);
    let out = f.deliver(at(3) + 3, packet5);
    assert!(rejection(&out).is_none(), "{out:?}");
    // Round 4: the new group signs with the new index.
    let out = f.engine.handle(at(4), Event::Tick);
    assert_eq!(broadcasts(&out)[0].partial_sig[..2], [0, 3]);
    let previous4 = f.last_sig();
    f.deliver(at(4) + 1, f.packet(1, 4, &previous4));
    let out = f.deliver(at(4) + 2, f.packet(2, 4, &previous4));
    assert_eq!(stored(&out).len(), 1, "round 4 by the new group: {out:?}");
    assert_eq!(f.engine.last().round, 4);
}

/// Partials of the new group that arrive before this node stored the round before the
/// transition are replayed when it switches.
#[test]
fn partials_held_for_the_new_group_are_replayed_at_the_switch() {
    let scheme = Scheme::BlsUnchainedG1Rfc9380;
    let mut f = fixture(scheme, 4, 3);
    let info = chain_info(scheme, SECRET, PERIOD, GENESIS);
    let next = EngineConfig::new(info, 2, 3, vec![1, 2, 3]);
    let crypto = Arc::new(FakeCrypto {
        index: 2,
        secret: SECRET,
        scheme,
    });
    f.engine
        .schedule_transition(2, Some((next, crypto)))
        .unwrap();
    f.engine.handle(at(1), Event::Tick);
    // Round 2 partials of the new group arrive before round 1 is done.
    let held = f.deliver(at(1) + 1, f.packet(1, 2, &[]));
    assert!(held.is_empty(), "{held:?}");
    let held = f.deliver(at(1) + 2, f.packet(3, 2, &[]));
    assert!(held.is_empty(), "{held:?}");
    f.deliver(at(1) + 3, f.packet(2, 1, &[7u8; 32]));
    let out = f.deliver(at(1) + 4, f.packet(3, 1, &[7u8; 32]));
    assert_eq!(stored(&out).len(), 1);
    // Switched; round 2 needs only this node's own partial now.
    let out = f.engine.handle(at(2), Event::Tick);
    assert_eq!(
        stored(&out).iter().map(|b| b.round).collect::<Vec<_>>(),
        vec![2],
        "{out:?}"
    );
}

/// A joiner's engine starts before its transition round: it never signs the previous
/// group's rounds, asks for them by sync, and refuses their partials as benign.
#[test]
fn a_joiner_syncs_the_previous_groups_rounds_and_signs_from_its_transition() {
    let scheme = Scheme::PedersenBlsUnchained;
    let info = chain_info(scheme, SECRET, PERIOD, GENESIS);
    let mut config = EngineConfig::new(info, 1, 3, (1..=4).collect());
    config.active_from = 5;
    let crypto = Arc::new(FakeCrypto {
        index: 1,
        secret: SECRET,
        scheme,
    });
    let mut engine = Engine::new(config, crypto, genesis(scheme)).unwrap();
    let out = engine.handle(at(2), Event::Tick);
    assert!(broadcasts(&out).is_empty(), "{out:?}");
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Sync { from_round: 1, .. })),
        "{out:?}"
    );
    let f = Fixture { engine, scheme };
    let mut f = f;
    let out = f.deliver(at(2) + 1, f.packet(2, 1, &[]));
    let reason = rejection(&out).unwrap();
    assert!(matches!(
        reason,
        RejectReason::OutsideGroupTerm { active_from: 5, .. }
    ));
    assert!(reason.is_benign());
    // Sync brings rounds up to 4; round 5 is this group's.
    f.engine.handle(
        at(5),
        Event::StoreAdvanced {
            last: StoredBeacon {
                round: 4,
                signature: vec![1u8; 48],
                previous_signature: None,
            },
        },
    );
    let out = f.engine.handle(at(5) + 1, Event::Tick);
    assert_eq!(broadcasts(&out)[0].round, 5, "{out:?}");
}

/// A leaver signs up to the round before the transition and nothing after.
#[test]
fn a_leaver_stops_signing_at_the_transition() {
    let scheme = Scheme::BlsUnchainedOnG1;
    let mut f = fixture(scheme, 4, 3);
    f.engine.schedule_transition(2, None).unwrap();
    let out = f.engine.handle(at(1), Event::Tick);
    assert_eq!(broadcasts(&out).len(), 1);
    f.deliver(at(1) + 1, f.packet(2, 1, &[7u8; 32]));
    f.deliver(at(1) + 2, f.packet(3, 1, &[7u8; 32]));
    assert_eq!(f.engine.last().round, 1);
    let out = f.engine.handle(at(2), Event::Tick);
    assert!(broadcasts(&out).is_empty(), "{out:?}");
    let out = f.deliver(at(2) + 1, f.packet(2, 2, &[]));
    assert!(matches!(
        rejection(&out),
        Some(RejectReason::OutsideGroupTerm {
            active_until: 1,
            ..
        })
    ));
}
