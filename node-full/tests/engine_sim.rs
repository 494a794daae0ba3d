//! Seeded simulations of a drand group running the beacon engine: crashes, partitions,
//! message loss, clock skew and byzantine members, with agreement, validity, no early beacon,
//! chain continuity and liveness checked at every round. Each test prints its seed; set
//! `SIM_SEED` to replay one.

mod sim;

use drand_lite::Scheme;
use sim::{Expect, SimConfig, World};

fn all(n: usize) -> Vec<usize> {
    (0..n).collect()
}

#[test]
fn every_scheme_produces_a_verified_chain() {
    let seed = sim::seed("every_scheme", 1);
    for scheme in [
        Scheme::PedersenBlsChained,
        Scheme::PedersenBlsUnchained,
        Scheme::BlsUnchainedOnG1,
        Scheme::BlsUnchainedG1Rfc9380,
    ] {
        let mut w = World::new(SimConfig::new(scheme, 4, 3, seed));
        w.expect = Expect::Live {
            max_lag: 0,
            nodes: all(4),
        };
        w.run_to_round(5, 2000);
        assert!(w.head() >= 5, "{scheme}: head {}", w.head());
        assert_eq!(w.stored_by_sync, 0, "{scheme}: nobody fell behind");
    }
}

/// Non-benign rejections, as (receiving node, sender address, reason name).
fn misbehaviour(w: &World) -> Vec<(usize, String, String)> {
    w.rejections
        .iter()
        .filter(|r| !r.reason.is_benign())
        .map(|r| {
            let name = format!("{:?}", r.reason);
            let name = name.split([' ', '(', '{']).next().unwrap().to_string();
            (r.at_node, r.from.clone(), name)
        })
        .collect()
}

#[test]
fn crash_of_n_minus_t_nodes_does_not_stop_the_chain() {
    let seed = sim::seed("crash_f", 2);
    let (n, t) = (16, 9);
    let mut w = World::new(SimConfig::new(Scheme::BlsUnchainedG1Rfc9380, n, t, seed));
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(2, 2000);
    let mut victims = all(n);
    sim::rng::shuffle(w.rng(), &mut victims);
    victims.truncate(n - t);
    for &v in &victims {
        w.crash(v);
    }
    w.run_to_round(5, 2000);
    assert!(w.head() >= 5);
    assert_eq!(w.running().len(), t);
}

#[test]
fn crash_of_one_more_halts_without_output_and_resumes_with_catch_up() {
    let seed = sim::seed("crash_f_plus_1", 3);
    let (n, t) = (7, 4);
    let mut w = World::new(SimConfig::new(Scheme::PedersenBlsChained, n, t, seed));
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(3, 2000);
    assert_eq!(w.head(), 3);
    for v in t - 1..n {
        w.crash(v);
    }
    w.expect = Expect::Halted { max_round: 3 };
    w.run_to_round(8, 200);
    assert_eq!(w.head(), 3, "nothing is produced below threshold");
    // One node comes back: the group resumes at round 4 and catches up one round per
    // catch-up period, never ahead of the clock (checked on every store).
    w.restart(t - 1);
    w.expect = Expect::Free;
    w.run_to_round(11, 1500);
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(13, 1500);
    assert!(w.head() >= 13);
    let resumed = w.first_stored_at[&4];
    let caught_up = w.first_stored_at[&8];
    assert!(resumed >= w.round_start(8) + 200);
    let spacing = (caught_up - resumed) / 4;
    assert!(
        (800..=1300).contains(&spacing),
        "seed {seed}: catch-up at one round per {spacing} ms"
    );
    // The others restart and sync from the group.
    for v in t..n {
        w.restart(v);
    }
    w.run_to_round(16, 1500);
    assert!(w.stored_by_sync > 0);
    assert!(misbehaviour(&w).is_empty(), "{:?}", misbehaviour(&w));
}

#[test]
fn partitions_halt_the_minority_and_heal() {
    let seed = sim::seed("partition", 4);
    let (n, t) = (7, 4);
    let mut w = World::new(SimConfig::new(Scheme::PedersenBlsUnchained, n, t, seed));
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(2, 2000);
    // A majority side keeps going; the minority side stalls.
    w.net.partition(n, &[&[0, 1, 2, 3], &[4, 5, 6]]);
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: vec![0, 1, 2, 3],
    };
    w.run_to_round(6, 2000);
    assert!(w.nodes[4..].iter().all(|node| node.last_round() <= 2));
    w.net.heal();
    w.run_to_round(8, 0);
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(10, 2000);
    // No side has a threshold: everything stops, then resumes after the heal.
    w.net.partition(n, &[&[0, 1, 2], &[3, 4], &[5, 6]]);
    let head = w.head();
    w.expect = Expect::Halted { max_round: head };
    w.run_to_round(14, 0);
    w.net.heal();
    w.expect = Expect::Free;
    w.run_to_round(18, 0);
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(20, 2000);
    assert!(misbehaviour(&w).is_empty(), "{:?}", misbehaviour(&w));
}

#[test]
fn half_the_messages_lost() {
    let seed = sim::seed("loss", 5);
    let (n, t) = (7, 4);
    let mut w = World::new(SimConfig::new(Scheme::BlsUnchainedOnG1, n, t, seed));
    w.net.loss = 0.5;
    w.expect = Expect::Live {
        max_lag: 2,
        nodes: all(n),
    };
    w.run_to_round(14, 2000);
    assert!(w.head() >= 13, "head {}", w.head());
    println!(
        "loss: head {}, by aggregation {}, by sync {}",
        w.head(),
        w.stored_by_aggregation,
        w.stored_by_sync
    );
    assert!(misbehaviour(&w).is_empty(), "{:?}", misbehaviour(&w));
}

#[test]
fn clock_skew_within_one_round() {
    let seed = sim::seed("skew_within", 6);
    let (n, t) = (7, 4);
    let mut w = World::new(SimConfig::new(Scheme::PedersenBlsChained, n, t, seed));
    for (i, skew) in [1000, 700, 300, 0, -400, -800, -1000]
        .into_iter()
        .enumerate()
    {
        w.set_skew(i, skew);
    }
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(8, 2000);
    assert!(misbehaviour(&w).is_empty(), "{:?}", misbehaviour(&w));
}

#[test]
fn clock_skew_beyond_one_round() {
    let seed = sim::seed("skew_beyond", 7);
    let (n, t) = (7, 4);
    let mut w = World::new(SimConfig::new(Scheme::BlsUnchainedG1Rfc9380, n, t, seed));
    w.set_skew(0, 4500);
    w.set_skew(1, -4500);
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: (2..n).collect(),
    };
    w.run_to_round(4, 2000);
    w.expect = Expect::Live {
        max_lag: 3,
        nodes: all(n),
    };
    w.run_to_round(10, 2000);
    // The fast node never signs past the chain it can see, so correct clocks see no
    // misbehaviour; the slow node refuses the group's partials as future rounds (from its
    // clock's point of view) and follows by sync.
    let bad = misbehaviour(&w);
    assert!(bad.iter().all(|(at, _, _)| *at == 1), "{bad:?}");
    assert!(bad.iter().any(|(_, _, reason)| reason == "FutureRound"));
    assert!(w.nodes[0].last_round() >= 9, "the fast node keeps up");
    assert!(
        w.nodes[1].last_round() >= 7,
        "the slow node follows by sync"
    );
}

#[test]
fn byzantine_members_are_rejected_and_attributed() {
    use sim::Attack::*;
    let seed = sim::seed("byzantine", 8);
    let (n, t) = (7, 4);
    for scheme in [Scheme::PedersenBlsChained, Scheme::BlsUnchainedG1Rfc9380] {
        let mut cfg = SimConfig::new(scheme, n, t, seed);
        // A small per-signer limit, so the flood exercises eviction.
        cfg.max_partials_per_node = 8;
        let mut w = World::new(cfg);
        let attacks = vec![
            InvalidPartial,
            FutureRound,
            WrongIndex,
            UnknownIndex,
            Replay,
            Flood(20),
        ];
        w.make_byzantine(5, attacks.clone());
        w.make_byzantine(6, attacks);
        w.expect = Expect::Live {
            max_lag: 0,
            nodes: (0..5).collect(),
        };
        w.run_to_round(7, 2000);
        let bad = misbehaviour(&w);
        let byz = [w.addr(5), w.addr(6)];
        for (_, from, reason) in &bad {
            assert!(byz.contains(from), "{scheme}: {reason} from honest {from}");
        }
        for addr in &byz {
            for kind in ["InvalidSignature", "FutureRound", "UnknownIndex"] {
                assert!(
                    bad.iter().any(|(_, f, r)| f == addr && r == kind),
                    "{scheme}: no {kind} attributed to {addr}"
                );
            }
            assert!(
                w.rejections
                    .iter()
                    .any(|r| &r.from == addr && r.reason.is_benign()),
                "{scheme}: replays from {addr} were not seen"
            );
        }
        assert!(w.max_cached <= n * 8);
        println!("{scheme}: max cached partials {}", w.max_cached);
    }
}

#[test]
fn evmnet_small_group() {
    let seed = sim::seed("evmnet", 9);
    let (n, t) = (4, 3);
    let mut w = World::new(SimConfig::new(Scheme::BlsBn254UnchainedOnG1, n, t, seed));
    w.expect = Expect::Live {
        max_lag: 0,
        nodes: all(n),
    };
    w.run_to_round(2, 2000);
    w.crash(3);
    w.run_to_round(3, 2000);
    assert!(w.head() >= 3);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let seed = sim::seed("determinism", 10);
    let run = |seed: u64| {
        let mut w = World::new(SimConfig::new(Scheme::PedersenBlsChained, 5, 3, seed));
        w.net.loss = 0.3;
        w.set_skew(1, 900);
        w.run_to_round(3, 2000);
        w.crash(2);
        w.run_to_round(5, 2000);
        w.restart(2);
        w.run_to_round(7, 2000);
        (w.trace_hash(), w.head())
    };
    let (a, head) = run(seed);
    let (b, _) = run(seed);
    println!("determinism: trace {a}, head {head}");
    assert_eq!(a, b);
    assert!(head >= 6);
    assert_ne!(run(seed + 1).0, a, "another seed gives another run");
}
