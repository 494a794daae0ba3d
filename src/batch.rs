//! Batch verification: one multi-pairing for a whole batch, and exact blame when it fails.
//!
//! For beacons under one key the check is `e(Σ cᵢ·σᵢ, g) == e(Σ cᵢ·H(mᵢ), pk)` (sides swapped
//! for keys on G1), with 128-bit coefficients `cᵢ`. The coefficients are derived by hashing the
//! chain hash and every beacon of the batch, so they are fixed only after every signature is:
//! a forger who wants two bad signatures to cancel must predict the hash of his own forgery,
//! a chance of 2⁻¹²⁸ per attempt, and the verifier needs no random number generator (which keeps
//! the core free of I/O and identical in WebAssembly).
//!
//! When the combined check fails, the batch is bisected: each half is checked the same way down
//! to single beacons, so exactly the bad beacons are named. Because every half uses the same
//! coefficients, a parent's equation is the product of its halves', so bisection cannot lose a
//! bad beacon.

use sha2::{Digest, Sha256};

use crate::backend::bls12_381::{KeyOnG1, KeyOnG2};
use crate::backend::bn254::Bn254KeyOnG2;
use crate::backend::{Coefficient, PairingSetting};
use crate::beacon::Beacon;
use crate::chain::{ChainInfo, ChainKey};
use crate::error::VerifyError;
use crate::verify::{Prepared, VerifiedBeacon, invalid_signature, prepare};

/// One beacon of a batch that failed, with its position in the input and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBeacon {
    /// Index in the input slice.
    pub index: usize,
    /// The beacon's round.
    pub round: u64,
    /// Why it was rejected.
    pub error: VerifyError,
}

/// A batch with at least one invalid beacon. The valid ones are kept: they are verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} of {} beacons are invalid: {}", invalid.len(), invalid.len() + valid.len(), describe(invalid))]
pub struct BatchError {
    /// Every invalid beacon, in input order.
    pub invalid: Vec<InvalidBeacon>,
    /// Every valid beacon, in input order.
    pub valid: Vec<VerifiedBeacon>,
}

impl BatchError {
    /// The rounds of the invalid beacons, in input order.
    pub fn invalid_rounds(&self) -> Vec<u64> {
        self.invalid.iter().map(|i| i.round).collect()
    }
}

fn describe(invalid: &[InvalidBeacon]) -> String {
    invalid
        .iter()
        .map(|i| format!("[{}] {}", i.index, i.error))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Verifies many beacons of one chain with a single multi-pairing (plus bisection on failure).
/// For chained schemes, a beacon whose round follows its predecessor's in the slice must link
/// to it: `previous_signature(r) == signature(r − 1)`.
pub fn verify_batch(
    info: &ChainInfo,
    beacons: &[Beacon],
) -> Result<Vec<VerifiedBeacon>, BatchError> {
    let mut outcome = match info.key() {
        ChainKey::G1(pk) => batch_with::<KeyOnG1>(info, pk, beacons),
        ChainKey::G2(pk) => batch_with::<KeyOnG2>(info, pk, beacons),
        ChainKey::Bn254(pk) => batch_with::<Bn254KeyOnG2>(info, pk, beacons),
    };
    if info.scheme().is_chained() {
        check_links(beacons, &mut outcome);
    }
    let mut valid = Vec::with_capacity(beacons.len());
    let mut invalid = Vec::new();
    for (index, (beacon, result)) in beacons.iter().zip(outcome).enumerate() {
        match result {
            Ok(v) => valid.push(v),
            Err(error) => invalid.push(InvalidBeacon {
                index,
                round: beacon.round,
                error,
            }),
        }
    }
    if invalid.is_empty() {
        Ok(valid)
    } else {
        Err(BatchError { invalid, valid })
    }
}

type Outcome = Vec<Result<VerifiedBeacon, VerifyError>>;

fn batch_with<B: PairingSetting>(
    info: &ChainInfo,
    pk: &B::PublicKey,
    beacons: &[Beacon],
) -> Outcome {
    let mut outcome: Outcome = Vec::with_capacity(beacons.len());
    let mut positions = Vec::new();
    let mut items = Vec::new();
    let mut pending = Vec::new();
    for (index, (beacon, prepared)) in beacons
        .iter()
        .zip(prepare_all::<B>(info, beacons))
        .enumerate()
    {
        match prepared {
            Ok(Prepared {
                signature,
                hashed,
                verified,
            }) => {
                positions.push(index);
                items.push((signature, hashed));
                pending.push(verified);
                // Provisional; replaced below if the pairing check blames this beacon.
                outcome.push(Err(invalid_signature(info, beacon.round)));
            }
            Err(e) => outcome.push(Err(e)),
        }
    }
    let coefficients = coefficients(info, beacons, &positions);
    let mut bad = Vec::new();
    find_bad::<B>(pk, &items, &coefficients, 0, &mut bad);
    let mut bad = bad.into_iter().peekable();
    for (k, (index, verified)) in positions.into_iter().zip(pending).enumerate() {
        if bad.peek() == Some(&k) {
            bad.next();
        } else if let Some(slot) = outcome.get_mut(index) {
            *slot = Ok(verified);
        }
    }
    outcome
}

/// Runs [`prepare`] (strict decoding and hashing to the curve, the bulk of a batch's cost) over
/// every beacon, on all cores natively and in order on WebAssembly.
fn prepare_all<B: PairingSetting>(
    info: &ChainInfo,
    beacons: &[Beacon],
) -> Vec<Result<Prepared<B>, VerifyError>> {
    #[cfg(not(target_family = "wasm"))]
    {
        /// Below this many beacons a thread costs more than it saves.
        const MIN_PER_THREAD: usize = 4;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(beacons.len() / MIN_PER_THREAD);
        if threads > 1 {
            let chunk = beacons.len().div_ceil(threads);
            return std::thread::scope(|scope| {
                let workers: Vec<_> = beacons
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || {
                            part.iter()
                                .map(|b| prepare::<B>(info, b))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
        }
    }
    beacons.iter().map(|b| prepare::<B>(info, b)).collect()
}

/// Appends to `bad` (in increasing order) the positions, offset by `offset`, whose beacons fail.
fn find_bad<B: PairingSetting>(
    pk: &B::PublicKey,
    items: &[(B::Signature, B::Hashed)],
    coefficients: &[Coefficient],
    offset: usize,
    bad: &mut Vec<usize>,
) {
    match items {
        [] => {}
        [(signature, hashed)] => {
            if !B::verify(pk, signature, hashed) {
                bad.push(offset);
            }
        }
        // One coefficient per beacon, always; should that ever break, a combined check could
        // leave beacons out of the sum, so every beacon is checked on its own instead.
        _ if items.len() != coefficients.len() => {
            for (i, (signature, hashed)) in items.iter().enumerate() {
                if !B::verify(pk, signature, hashed) {
                    bad.push(offset + i);
                }
            }
        }
        _ => {
            if B::verify_combined(pk, items, coefficients) {
                return;
            }
            let mid = items.len() / 2;
            let (left, right) = items.split_at(mid);
            let (c_left, c_right) = coefficients.split_at(mid);
            find_bad::<B>(pk, left, c_left, offset, bad);
            find_bad::<B>(pk, right, c_right, offset + mid, bad);
        }
    }
}

/// Derives one 128-bit coefficient per checked beacon from a hash of the whole batch.
fn coefficients(info: &ChainInfo, beacons: &[Beacon], positions: &[usize]) -> Vec<Coefficient> {
    let mut transcript = Sha256::new();
    transcript.update(b"drand-lite/batch-coefficients/v1");
    transcript.update(info.hash().0);
    transcript.update((positions.len() as u64).to_be_bytes());
    for beacon in positions.iter().filter_map(|&i| beacons.get(i)) {
        transcript.update(beacon.round.to_be_bytes());
        transcript.update((beacon.signature.len() as u64).to_be_bytes());
        transcript.update(&beacon.signature);
        let prev = beacon.previous_signature.as_deref().unwrap_or_default();
        transcript.update((prev.len() as u64).to_be_bytes());
        transcript.update(prev);
    }
    let seed = transcript.finalize();
    (0..positions.len() as u64)
        .map(|i| {
            let digest = Sha256::new()
                .chain_update(seed)
                .chain_update(i.to_be_bytes())
                .finalize();
            let mut c = [0u8; 16];
            c.copy_from_slice(&digest[..16]);
            if c == [0u8; 16] {
                c[0] = 1;
            }
            c
        })
        .collect()
}

/// Marks a verified beacon invalid when it directly follows its predecessor in the slice by
/// round but does not link to the predecessor's signature.
fn check_links(beacons: &[Beacon], outcome: &mut Outcome) {
    for i in 1..beacons.len() {
        let (Some(prev), Some(cur)) = (beacons.get(i - 1), beacons.get(i)) else {
            continue;
        };
        let both_valid = matches!(
            (outcome.get(i - 1), outcome.get(i)),
            (Some(Ok(_)), Some(Ok(_)))
        );
        if both_valid
            && prev.round.checked_add(1) == Some(cur.round)
            && cur.previous_signature.as_deref() != Some(prev.signature.as_slice())
            && let Some(slot) = outcome.get_mut(i)
        {
            *slot = Err(VerifyError::BrokenChain { round: cur.round });
        }
    }
}
