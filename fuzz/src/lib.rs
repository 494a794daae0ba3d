//! Support for the fuzz targets: real chains to verify against, the oracles the targets share,
//! the full node's fixtures ([`node`], [`http`]), and the seed corpus generator.
//!
//! Every oracle here panics on disagreement, so that libFuzzer records the input as a crash. A
//! panic in a target is therefore either a panic inside drand-lite or drand-node, or a broken
//! invariant that the panic message names.

use std::sync::OnceLock;

use drand_lite::{
    Beacon, ChainInfo, InvalidBeacon, VerifiedBeacon, VerifyError, verify, verify_batch,
};

pub mod dkg;
pub mod fixtures;
pub mod http;
pub mod node;
mod node_seeds;
pub mod seeds;

/// A real chain, parsed and pinned, with genuine beacons and their verification results.
pub struct Chain {
    /// The fixture's name (its vector file).
    pub name: &'static str,
    /// The pinned chain info.
    pub info: ChainInfo,
    /// Genuine beacons (in increasing round order) and what verifying each one gives.
    pub beacons: Vec<(Beacon, Result<VerifiedBeacon, VerifyError>)>,
}

/// The four fixture chains, one per scheme, parsed once. Panics if a fixture does not pin or a
/// genuine beacon does not verify: that would be a drand-lite bug (or a corrupted fixture).
pub fn chains() -> &'static [Chain] {
    static CHAINS: OnceLock<Vec<Chain>> = OnceLock::new();
    CHAINS.get_or_init(|| {
        fixtures::ALL
            .iter()
            .map(|fixture| {
                let info = ChainInfo::pinned(fixture.chain_json, fixture.chain_hash)
                    .unwrap_or_else(|e| panic!("fixture {}: chain rejected: {e}", fixture.name));
                let beacons = fixture
                    .beacons
                    .iter()
                    .map(|json| {
                        let beacon = Beacon::from_json(json).unwrap_or_else(|e| {
                            panic!("fixture {}: beacon rejected: {e}", fixture.name)
                        });
                        let verified = verify(&info, &beacon);
                        assert!(
                            verified.is_ok(),
                            "fixture {}: genuine round {} fails: {verified:?}",
                            fixture.name,
                            beacon.round
                        );
                        (beacon, verified)
                    })
                    .collect();
                Chain {
                    name: fixture.name,
                    info,
                    beacons,
                }
            })
            .collect()
    })
}

/// Verifies `batch` with [`verify_batch`] and checks the outcome against one-by-one
/// verification: `single[i]` must be `verify(info, &batch[i])` (callers pass it in so that
/// genuine beacons are not re-verified on every run).
///
/// The expected outcome is exactly the single results, except that on a chained scheme a
/// beacon that verified, directly follows a verified predecessor by round and does not link to
/// its signature becomes `BrokenChain` (checked left to right, as `verify_batch` documents).
/// Valid beacons must come back equal and in order, and invalid ones with their index, round
/// and the very error single verification gives.
pub fn check_batch(
    info: &ChainInfo,
    batch: &[Beacon],
    single: &[Result<VerifiedBeacon, VerifyError>],
) {
    assert_eq!(
        batch.len(),
        single.len(),
        "check_batch: one result per beacon"
    );
    let mut expected = single.to_vec();
    if info.scheme().is_chained() {
        for i in 1..batch.len() {
            let follows = batch[i - 1].round.checked_add(1) == Some(batch[i].round);
            let links = batch[i].previous_signature.as_deref() == Some(&batch[i - 1].signature[..]);
            if expected[i - 1].is_ok() && expected[i].is_ok() && follows && !links {
                expected[i] = Err(VerifyError::BrokenChain {
                    round: batch[i].round,
                });
            }
        }
    }
    let want_valid: Vec<VerifiedBeacon> = expected.iter().filter_map(|r| r.clone().ok()).collect();
    let want_invalid: Vec<InvalidBeacon> = expected
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            r.clone().err().map(|error| InvalidBeacon {
                index,
                round: batch[index].round,
                error,
            })
        })
        .collect();

    let (valid, invalid) = match verify_batch(info, batch) {
        Ok(valid) => (valid, Vec::new()),
        Err(e) => {
            assert!(
                !e.invalid.is_empty(),
                "verify_batch failed with no invalid beacon"
            );
            // Formatting must not panic either.
            let _ = e.to_string();
            assert_eq!(e.invalid_rounds().len(), e.invalid.len());
            (e.valid, e.invalid)
        }
    };
    assert_eq!(
        invalid,
        want_invalid,
        "verify_batch blames other beacons than single verification ({}, {} beacons)",
        info.scheme(),
        batch.len()
    );
    assert_eq!(
        valid,
        want_valid,
        "verify_batch accepts other beacons than single verification ({}, {} beacons)",
        info.scheme(),
        batch.len()
    );
}

/// Whether blst's own validating decoder accepts `bytes` as a compressed G1 point (48 bytes)
/// that is on the curve, in the prime-order subgroup and not the identity.
pub fn blst_accepts_g1(bytes: &[u8]) -> bool {
    blst::min_pk::PublicKey::uncompress(bytes).is_ok_and(|p| p.validate().is_ok())
}

/// Like [`blst_accepts_g1`], for compressed G2 points (96 bytes).
pub fn blst_accepts_g2(bytes: &[u8]) -> bool {
    blst::min_sig::PublicKey::uncompress(bytes).is_ok_and(|p| p.validate().is_ok())
}

/// A cheap, stable hash of a fuzz input (FNV-1a), used to sample the expensive checks.
pub fn input_hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
