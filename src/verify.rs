//! Single-beacon verification. [`VerifiedBeacon`] has no public constructor: holding one means
//! its signature was checked against the chain's key and its randomness was recomputed.

use sha2::{Digest, Sha256};

use crate::backend::PairingSetting;
use crate::backend::bls12_381::{KeyOnG1, KeyOnG2};
use crate::backend::bn254::Bn254KeyOnG2;
use crate::beacon::Beacon;
use crate::chain::{ChainInfo, ChainKey, GENESIS_SEED_BYTES};
use crate::error::{DecodeError, Field, VerifyError};
use crate::hex;

/// A beacon whose signature verified under its chain. Only verification creates one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBeacon {
    round: u64,
    signature: Vec<u8>,
    previous_signature: Option<Vec<u8>>,
    randomness: [u8; 32],
}

impl VerifiedBeacon {
    /// The round.
    pub fn round(&self) -> u64 {
        self.round
    }
    /// The canonical signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The previous signature (chained schemes).
    pub fn previous_signature(&self) -> Option<&[u8]> {
        self.previous_signature.as_deref()
    }
    /// `sha256(signature)`, recomputed.
    pub fn randomness(&self) -> &[u8; 32] {
        &self.randomness
    }
    /// The randomness as lowercase hex.
    pub fn randomness_hex(&self) -> String {
        hex::encode(&self.randomness)
    }
    /// The beacon as drand's v1 JSON, with the recomputed randomness.
    pub fn to_json(&self) -> String {
        Beacon {
            round: self.round,
            signature: self.signature.clone(),
            previous_signature: self.previous_signature.clone(),
            randomness: Some(self.randomness),
        }
        .to_json()
    }
}

/// Verifies one beacon against a chain.
pub fn verify(info: &ChainInfo, beacon: &Beacon) -> Result<VerifiedBeacon, VerifyError> {
    match info.key() {
        ChainKey::G1(pk) => verify_with::<KeyOnG1>(info, pk, beacon),
        ChainKey::G2(pk) => verify_with::<KeyOnG2>(info, pk, beacon),
        ChainKey::Bn254(pk) => verify_with::<Bn254KeyOnG2>(info, pk, beacon),
    }
}

/// Verifies a beacon that was requested for `expected_round`: a relay answering with another
/// round (even a valid one) is an error.
pub fn verify_round(
    info: &ChainInfo,
    beacon: &Beacon,
    expected_round: u64,
) -> Result<VerifiedBeacon, VerifyError> {
    if beacon.round != expected_round {
        return Err(VerifyError::RoundMismatch {
            expected: expected_round,
            actual: beacon.round,
        });
    }
    verify(info, beacon)
}

fn verify_with<B: PairingSetting>(
    info: &ChainInfo,
    pk: &B::PublicKey,
    beacon: &Beacon,
) -> Result<VerifiedBeacon, VerifyError> {
    let prepared = prepare::<B>(info, beacon)?;
    if B::verify(pk, &prepared.signature, &prepared.hashed) {
        Ok(prepared.verified)
    } else {
        Err(invalid_signature(info, beacon.round))
    }
}

pub(crate) fn invalid_signature(info: &ChainInfo, round: u64) -> VerifyError {
    VerifyError::InvalidSignature {
        round,
        scheme: info.scheme().id(),
    }
}

/// A beacon that passed every check but the pairing, with its message already hashed.
pub(crate) struct Prepared<B: PairingSetting> {
    pub(crate) signature: B::Signature,
    pub(crate) hashed: B::Hashed,
    /// What the beacon becomes once the pairing check passes.
    pub(crate) verified: VerifiedBeacon,
}

/// Every check but the pairing, cheapest first: round, previous-signature rules, randomness,
/// strict signature decoding; then the message is hashed to the curve.
pub(crate) fn prepare<B: PairingSetting>(
    info: &ChainInfo,
    beacon: &Beacon,
) -> Result<Prepared<B>, VerifyError> {
    let scheme = info.scheme();
    let round = beacon.round;
    if round == 0 {
        return Err(VerifyError::RoundZero);
    }
    let previous = beacon.previous_signature.as_deref();
    if scheme.is_chained() {
        let prev = previous.ok_or(VerifyError::MissingPreviousSignature {
            round,
            scheme: scheme.id(),
        })?;
        if round == 1 {
            if prev != info.genesis_seed().as_slice() {
                return Err(VerifyError::GenesisSeedMismatch);
            }
        } else if prev.len() != scheme.signature_len() && prev.len() != GENESIS_SEED_BYTES {
            return Err(DecodeError::Length {
                field: Field::PreviousSignature,
                expected: scheme.signature_len(),
                actual: prev.len(),
            }
            .into());
        }
    } else if previous.is_some() {
        return Err(VerifyError::UnexpectedPreviousSignature {
            round,
            scheme: scheme.id(),
        });
    }
    if beacon.signature.len() != scheme.signature_len() {
        return Err(DecodeError::Length {
            field: Field::Signature,
            expected: scheme.signature_len(),
            actual: beacon.signature.len(),
        }
        .into());
    }
    let randomness: [u8; 32] = Sha256::digest(&beacon.signature).into();
    if let Some(given) = &beacon.randomness
        && given != &randomness
    {
        return Err(VerifyError::RandomnessMismatch {
            round,
            given: hex::encode(given),
            computed: hex::encode(&randomness),
        });
    }
    let signature = B::decode_signature(&beacon.signature)?;
    let hashed = B::hash(&scheme.digest(round, previous), scheme.dst());
    Ok(Prepared {
        signature,
        hashed,
        verified: VerifiedBeacon {
            round,
            signature: beacon.signature.clone(),
            previous_signature: beacon.previous_signature.clone(),
            randomness,
        },
    })
}
