//! Seeded simulations of fresh DKGs for every curve setting, large groups and absent
//! dealers. Each test prints its seed; set `DKG_SEED` to replay one.

mod dkg_sim;

use dkg_sim::{SETTINGS, Sim, check_group, default_threshold, fresh, fresh_configs, keys};
use drand_lite::Scheme;

#[test]
fn fresh_dkg_small_groups_every_curve_setting() {
    let seed = dkg_sim::seed("fresh_small", 1);
    for scheme in SETTINGS {
        for n in [4usize, 7, 16] {
            let t = default_threshold(n);
            let keys = keys(scheme, n, seed + n as u64);
            let (sim, results) = fresh(scheme, &keys, t, seed + n as u64);
            let all: Vec<u32> = (0..n as u32).collect();
            check_group(&results, t, Some(&all));
            // The fast path: everything done right after the responses, no timeout used.
            assert_eq!(sim.now, 0, "{scheme} n={n}: a timeout was needed");
            assert!(sim.rejected.iter().all(Vec::is_empty), "{:?}", sim.rejected);
        }
    }
}

#[test]
fn fresh_dkg_with_echo_broadcast_relays() {
    let seed = dkg_sim::seed("fresh_relay", 2);
    let scheme = Scheme::PedersenBlsChained;
    let keys = keys(scheme, 5, seed);
    let configs = fresh_configs(scheme, &keys, 3, seed);
    let mut sim = Sim::start(configs.into_iter().map(Some).collect(), seed, true, None);
    sim.run();
    let results = sim.ok(&[0, 1, 2, 3, 4]);
    check_group(&results, 3, Some(&[0, 1, 2, 3, 4]));
    assert!(sim.relays > 0);
}

#[test]
fn fresh_dkg_with_absent_dealers_uses_the_timeouts() {
    let seed = dkg_sim::seed("absent", 3);
    for scheme in [Scheme::PedersenBlsUnchained, Scheme::BlsUnchainedOnG1] {
        let n = 7;
        let t = 4;
        let keys = keys(scheme, n, seed);
        let mut configs: Vec<_> = fresh_configs(scheme, &keys, t, seed)
            .into_iter()
            .map(Some)
            .collect();
        configs[2] = None;
        configs[5] = None;
        let mut sim = Sim::start(configs, seed, true, None);
        sim.run();
        let present = [0, 1, 3, 4, 6];
        let results = sim.ok(&present);
        check_group(&results, t, Some(&[0, 1, 3, 4, 6]));
        assert!(
            sim.now >= dkg_sim::PHASE_MS,
            "{scheme}: no timeout was used"
        );
    }
}

#[test]
fn too_many_absent_dealers_is_a_clear_error() {
    let seed = dkg_sim::seed("too_many_absent", 4);
    let scheme = Scheme::PedersenBlsUnchained;
    let keys = keys(scheme, 7, seed);
    let mut configs: Vec<_> = fresh_configs(scheme, &keys, 4, seed)
        .into_iter()
        .map(Some)
        .collect();
    for i in [0, 2, 4, 6] {
        configs[i] = None;
    }
    let mut sim = Sim::start(configs, seed, true, None);
    sim.run();
    for i in [1, 3, 5] {
        let r = sim.results[i].as_ref().unwrap();
        assert!(r.is_err(), "node {i}: {r:?}");
    }
}

#[test]
fn fresh_dkg_64_nodes() {
    let seed = dkg_sim::seed("fresh_64", 5);
    let scheme = Scheme::PedersenBlsUnchained;
    let n = 64;
    let t = default_threshold(n);
    let keys = keys(scheme, n, seed);
    let (_, results) = fresh(scheme, &keys, t, seed);
    check_group(&results, t, None);
    assert_eq!(results[0].qual.len(), n);
}

/// 128 nodes in one process (drand's DKG fails around 64): ~30 s here, since the workspace
/// builds drand-node optimized even in the dev profile (`bench_dkg_sim` times it in release).
#[test]
fn fresh_dkg_128_nodes() {
    let seed = dkg_sim::seed("fresh_128", 6);
    let scheme = Scheme::PedersenBlsUnchained;
    let n = 128;
    let t = default_threshold(n);
    let keys = keys(scheme, n, seed);
    let (_, results) = fresh(scheme, &keys, t, seed);
    check_group(&results, t, None);
    assert_eq!(results[0].qual.len(), n);
}
