//! Arbitrary bytes as beacon JSON: parse, then verify against one real chain of each scheme,
//! alone and in small batches mixed with genuine beacons.
//!
//! Beyond "never panics", it checks that:
//! - a parsed beacon survives `to_json` → `from_json` unchanged;
//! - `verify_round` at the beacon's own round agrees with `verify`, and at another round fails
//!   with `RoundMismatch`;
//! - a verified beacon's JSON verifies again to the same result;
//! - `verify_batch` accepts and blames exactly what one-by-one verification does
//!   (`drand_lite_fuzz::check_batch`), on batches of 1 to 9 beacons.
#![no_main]

use drand_lite::{Beacon, VerifyError, verify, verify_round};
use drand_lite_fuzz::{chains, check_batch, input_hash};
use libfuzzer_sys::fuzz_target;

/// A batch size at which `verify_batch` spreads its work over threads (on two cores or more).
const LARGE_BATCH: usize = 9;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let beacon = match Beacon::from_json(text) {
        Ok(beacon) => beacon,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let again = Beacon::from_json(&beacon.to_json());
    assert_eq!(
        again.as_ref(),
        Ok(&beacon),
        "to_json output does not parse back"
    );

    // Batches with genuine beacons cost pairings even when the fuzzed beacon fails early, so
    // they run when the signature has the scheme's size (it may decode) and on a sample (one
    // input in 8); the large, threaded batch runs on that sample only, on one chain.
    let hash = input_hash(data);
    let sampled = hash.is_multiple_of(8);
    let large_batch_chain = (hash >> 3) % chains().len() as u64;
    for (chain, index) in chains().iter().zip(0u64..) {
        let info = &chain.info;
        let single = verify(info, &beacon);
        if let Err(e) = &single {
            let _ = e.to_string();
        }
        assert_eq!(
            verify_round(info, &beacon, beacon.round),
            single,
            "verify_round at the beacon's own round disagrees with verify ({})",
            chain.name
        );
        let other = beacon.round.wrapping_add(1);
        assert!(matches!(
            verify_round(info, &beacon, other),
            Err(VerifyError::RoundMismatch { .. })
        ));
        if let Ok(verified) = &single {
            let reparsed =
                Beacon::from_json(&verified.to_json()).expect("a verified beacon's JSON parses");
            assert_eq!(verify(info, &reparsed).as_ref(), Ok(verified));
        }

        check_batch(
            info,
            std::slice::from_ref(&beacon),
            std::slice::from_ref(&single),
        );

        if beacon.signature.len() == info.scheme().signature_len() || sampled {
            let [(g0, r0), (g1, r1), ..] = chain.beacons.as_slice() else {
                unreachable!("every fixture has three genuine beacons");
            };
            check_batch(
                info,
                &[g0.clone(), beacon.clone(), g1.clone()],
                &[r0.clone(), single.clone(), r1.clone()],
            );
            check_batch(
                info,
                &[beacon.clone(), beacon.clone()],
                &[single.clone(), single.clone()],
            );
        }
        if sampled && index == large_batch_chain {
            // Large enough for verify_batch to prepare beacons on several threads.
            let genuine = chain.beacons.iter().cycle();
            let (mut batch, mut results): (Vec<_>, Vec<_>) =
                genuine.take(LARGE_BATCH).cloned().unzip();
            for i in [1, LARGE_BATCH / 2, LARGE_BATCH - 1] {
                batch[i] = beacon.clone();
                results[i] = single.clone();
            }
            check_batch(info, &batch, &results);
        }
    }
});
