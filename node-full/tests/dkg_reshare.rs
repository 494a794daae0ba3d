//! Seeded reshare simulations: remainers, joiners and leavers with a threshold change keep
//! the group key; an absent old node is tolerated; 20 reshares back to back. Each test prints
//! its seed; set `DKG_SEED` to replay one.

mod dkg_sim;

use dkg_sim::{SETTINGS, Sim, check_group, fresh, keys, reshare_configs};
use drand_lite::Scheme;
use drand_node::crypto::SecretKey;
use drand_node::dkg::{DkgError, DkgResult};

/// Runs one reshare from `old` (keys and results) to `new_keys`; returns the sim and, per
/// participant, its position in the new group.
fn reshare(
    scheme: Scheme,
    old_keys: &[SecretKey],
    old_results: &[Option<DkgResult>],
    new_keys: &[SecretKey],
    threshold: u32,
    seed: u64,
    offline: &[usize],
) -> (Sim, Vec<Option<usize>>) {
    let plan = reshare_configs(scheme, old_keys, old_results, new_keys, threshold, seed);
    let configs = plan
        .configs
        .into_iter()
        .enumerate()
        .map(|(i, c)| (!offline.contains(&i)).then_some(c))
        .collect();
    let mut sim = Sim::start(configs, seed, true, None);
    sim.run();
    (sim, plan.new_pos)
}

/// The new group's results in new-index order (participants that hold a share).
fn new_group(sim: &Sim, new_pos: &[Option<usize>], n_new: usize) -> Vec<Option<DkgResult>> {
    let mut out = vec![None; n_new];
    for (p, pos) in new_pos.iter().enumerate() {
        if let (Some(pos), Some(Ok(r))) = (pos, &sim.results[p]) {
            out[*pos] = Some(r.clone());
        }
    }
    out
}

#[test]
fn reshare_with_joiners_leavers_and_a_threshold_change_keeps_the_key() {
    let seed = dkg_sim::seed("reshare_mixed", 11);
    for scheme in SETTINGS {
        let old_keys = keys(scheme, 5, seed);
        let (_, old) = fresh(scheme, &old_keys, 3, seed);
        let group_key = old[0].public.public_key();
        // Old nodes 0 and 1 leave, three join; 3-of-5 becomes 4-of-6.
        let mut new_keys: Vec<SecretKey> = old_keys[2..].to_vec();
        new_keys.extend(keys(scheme, 3, seed + 100));
        new_keys.sort_by_cached_key(SecretKey::public_key);
        let old_results: Vec<Option<DkgResult>> = old.into_iter().map(Some).collect();
        let (sim, new_pos) = reshare(scheme, &old_keys, &old_results, &new_keys, 4, seed + 1, &[]);
        let all: Vec<usize> = (0..new_pos.len()).collect();
        let results = sim.ok(&all);
        // Leavers finish with the public result and no share.
        for (p, pos) in new_pos.iter().enumerate() {
            assert_eq!(
                results[p].share.is_some(),
                pos.is_some(),
                "{scheme} participant {p}"
            );
        }
        let holders: Vec<DkgResult> = results
            .iter()
            .filter(|r| r.share.is_some())
            .cloned()
            .collect();
        check_group(&holders, 4, Some(&[0, 1, 2, 3, 4, 5]));
        assert_eq!(
            holders[0].public.public_key(),
            group_key,
            "{scheme}: the group key changed"
        );
        assert_eq!(results[0].public, holders[0].public, "a leaver disagrees");
    }
}

#[test]
fn reshare_tolerates_an_absent_old_node_and_rejects_too_many() {
    let seed = dkg_sim::seed("reshare_absent", 12);
    let scheme = Scheme::PedersenBlsChained;
    let old_keys = keys(scheme, 5, seed);
    let (_, old) = fresh(scheme, &old_keys, 3, seed);
    let old_results: Vec<Option<DkgResult>> = old.iter().cloned().map(Some).collect();
    let new_keys = old_keys.clone();
    // Old node 4 (a remainer) is offline: four dealers, old threshold 3.
    let (sim, new_pos) = reshare(
        scheme,
        &old_keys,
        &old_results,
        &new_keys,
        3,
        seed + 1,
        &[4],
    );
    let results = sim.ok(&[0, 1, 2, 3]);
    check_group(&results, 3, Some(&[0, 1, 2, 3]));
    assert_eq!(results[0].public.public_key(), old[0].public.public_key());
    assert_eq!(new_pos.len(), 5);
    // Three old nodes offline: two dealers cannot reach the old threshold of 3.
    let (sim, _) = reshare(
        scheme,
        &old_keys,
        &old_results,
        &new_keys,
        3,
        seed + 2,
        &[2, 3, 4],
    );
    // (Each online dealer also gets a complaint from every silent holder, so it may be
    // evicted first; either way the run ends in a clear error.)
    for i in [0, 1] {
        match sim.results[i].as_ref().unwrap() {
            Err(DkgError::NotEnoughDealers { .. })
            | Err(DkgError::NotEnoughHolders { .. })
            | Err(DkgError::Evicted { .. }) => {}
            other => panic!("node {i}: {other:?}"),
        }
    }
}

#[test]
fn twenty_reshares_back_to_back_keep_the_group_key() {
    let seed = dkg_sim::seed("reshare_chain", 13);
    let scheme = Scheme::PedersenBlsUnchained;
    let mut group_keys = keys(scheme, 4, seed);
    let (_, first) = fresh(scheme, &group_keys, 3, seed);
    let key = first[0].public.public_key();
    let mut results: Vec<Option<DkgResult>> = first.into_iter().map(Some).collect();
    let mut threshold = 3;
    for epoch in 0..20u64 {
        // Rotate: the first member leaves, one joins; the group size moves between 4 and 6.
        let mut new_keys: Vec<SecretKey> = group_keys.clone();
        if epoch % 3 == 0 {
            new_keys.remove(0);
        }
        new_keys.extend(keys(scheme, 1 + (epoch % 2) as usize, seed + 1000 + epoch));
        if new_keys.len() > 6 {
            new_keys.truncate(6);
        }
        new_keys.sort_by_cached_key(SecretKey::public_key);
        let new_threshold = (new_keys.len() / 2 + 1) as u32;
        let (sim, new_pos) = reshare(
            scheme,
            &group_keys,
            &results,
            &new_keys,
            new_threshold,
            seed + 2000 + epoch,
            &[],
        );
        let next = new_group(&sim, &new_pos, new_keys.len());
        let holders: Vec<DkgResult> = next.iter().flatten().cloned().collect();
        assert_eq!(holders.len(), new_keys.len(), "epoch {epoch}");
        check_group(&holders, new_threshold, None);
        assert_eq!(
            holders[0].public.public_key(),
            key,
            "epoch {epoch}: key changed"
        );
        let _ = threshold;
        threshold = new_threshold;
        group_keys = new_keys;
        results = next;
    }
    assert!(threshold >= 3);
}
