//! Acceptance: every real beacon in `../shared/vectors` verifies, every mutated one is rejected,
//! and every chain hash recomputes — one at a time and in batches.

mod common;

use common::*;
use drand_lite::{Scheme, VerifyError, verify, verify_batch};

#[test]
fn every_chain_hash_recomputes() {
    for file in chain_files() {
        if file.is_pending() {
            continue;
        }
        let info = file.info();
        let served = file.chain["hash"].as_str().unwrap();
        assert_eq!(info.hash().to_hex(), served, "{}", file.name);
        // Pinning by the served hash succeeds, by any other fails.
        drand_lite::ChainInfo::pinned(&file.chain.to_string(), served).unwrap();
        let mut wrong = served.to_owned();
        wrong.replace_range(0..1, if wrong.starts_with('0') { "1" } else { "0" });
        assert!(drand_lite::ChainInfo::pinned(&file.chain.to_string(), &wrong).is_err());
    }
}

#[test]
fn every_valid_beacon_verifies() {
    let mut count = 0;
    for file in chain_files() {
        if file.is_pending() {
            continue;
        }
        let info = file.info();
        for entry in &file.beacons {
            let beacon = beacon(entry);
            let verified = verify(&info, &beacon)
                .unwrap_or_else(|e| panic!("{} round {}: {e}", file.name, beacon.round));
            assert_eq!(
                verified.randomness_hex(),
                entry["randomness"].as_str().unwrap(),
                "{}",
                file.name
            );
            count += 1;
        }
    }
    assert!(count >= 300, "only {count} beacons checked");
}

#[test]
fn every_invalid_beacon_is_rejected() {
    let mut count = 0;
    for file in chain_files() {
        if file.is_pending() {
            continue;
        }
        let info = file.info();
        for entry in &file.invalid {
            let why = entry["why"].as_str().unwrap_or_default();
            // Malformed JSON/hex is a rejection too.
            let outcome =
                drand_lite::Beacon::from_json(&beacon_json(entry)).and_then(|b| verify(&info, &b));
            assert!(
                outcome.is_err(),
                "{}: accepted invalid beacon: {why}",
                file.name
            );
            count += 1;
        }
    }
    assert!(count >= 80, "only {count} invalid beacons checked");
}

#[test]
fn batches_agree_with_single_verification() {
    for file in chain_files() {
        if file.is_pending() {
            continue;
        }
        let info = file.info();
        let good: Vec<_> = file.beacons.iter().map(beacon).collect();
        let verified = verify_batch(&info, &good).unwrap_or_else(|e| panic!("{}: {e}", file.name));
        assert_eq!(verified.len(), good.len());

        // Interleave the parseable invalid beacons: exactly those must be named.
        let mut mixed = good.clone();
        let mut expected_bad = Vec::new();
        for entry in &file.invalid {
            if let Ok(b) = drand_lite::Beacon::from_json(&beacon_json(entry)) {
                let at = (mixed.len() * 7 + 3) % (mixed.len() + 1);
                mixed.insert(at, b);
            }
        }
        for (i, b) in mixed.iter().enumerate() {
            if verify(&info, b).is_err() {
                expected_bad.push(i);
            }
        }
        let err = verify_batch(&info, &mixed).expect_err(&file.name);
        let named: Vec<usize> = err.invalid.iter().map(|i| i.index).collect();
        // A valid beacon may also be blamed for not linking to a corrupted neighbour in the
        // same chained range; everything single verification rejects must be named.
        for i in &expected_bad {
            assert!(named.contains(i), "{}: bad beacon {i} not named", file.name);
        }
        for inv in &err.invalid {
            if !expected_bad.contains(&inv.index) {
                assert!(
                    matches!(inv.error, VerifyError::BrokenChain { .. }),
                    "{}: good beacon {} blamed: {}",
                    file.name,
                    inv.index,
                    inv.error
                );
            }
        }
    }
}

#[test]
fn scheme_only_vectors() {
    let mut count = 0;
    for v in scheme_only() {
        if PENDING_SCHEMES.contains(&v.scheme.as_str()) {
            continue;
        }
        let scheme = Scheme::from_id(&v.scheme).unwrap();
        let info = chain_for(scheme, v.entry["public_key"].as_str().unwrap()).unwrap();
        let outcome = verify(&info, &beacon(&v.entry));
        assert_eq!(
            outcome.is_ok(),
            v.valid,
            "{:?}: {outcome:?}",
            v.entry.get("why")
        );
        count += 1;
    }
    assert!(count >= 10);
}
