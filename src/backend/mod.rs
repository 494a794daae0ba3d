//! The pairing arithmetic behind one small trait, so each curve setting (BLS12-381 with keys on
//! G1, with keys on G2, and BN254 for evmnet) plugs into the same verification and batch code.
//!
//! BLS12-381 runs on `blst` (through `blstrs`' safe API): it is the fastest backend measured
//! here, natively and in WebAssembly (see the README). BN254 runs on arkworks, with the SVDW
//! hash-to-curve written here (`bn254`).

pub(crate) mod bls12_381;
pub(crate) mod bn254;

use crate::error::DecodeError;

/// A batch coefficient: a 128-bit little-endian scalar.
pub(crate) type Coefficient = [u8; 16];

/// One curve setting: how keys and signatures decode, how messages hash into the signature
/// group, and the pairing checks.
pub(crate) trait PairingSetting {
    /// A validated public key, with whatever precomputation verification reuses.
    type PublicKey: Clone + core::fmt::Debug + Send + Sync;
    /// A validated signature.
    type Signature: Clone + core::fmt::Debug + Send + Sync;
    /// A message mapped into the signature group.
    type Hashed: Clone + core::fmt::Debug + Send + Sync;

    /// Strictly decodes a public key (canonical, on the curve, in the subgroup, not identity).
    fn decode_public_key(bytes: &[u8]) -> Result<Self::PublicKey, DecodeError>;
    /// Strictly decodes a signature (canonical, on the curve, in the subgroup, not identity).
    fn decode_signature(bytes: &[u8]) -> Result<Self::Signature, DecodeError>;
    /// Hashes a message into the signature group with the given DST.
    fn hash(message: &[u8], dst: &[u8]) -> Self::Hashed;
    /// The BLS check for one signature.
    fn verify(pk: &Self::PublicKey, sig: &Self::Signature, hashed: &Self::Hashed) -> bool;
    /// The random-linear-combination check of many signatures under one key:
    /// `e(Σ cᵢ·sigᵢ, ·) == e(Σ cᵢ·H(mᵢ), pk)` with one multi-pairing.
    fn verify_combined(
        pk: &Self::PublicKey,
        items: &[(Self::Signature, Self::Hashed)],
        coefficients: &[Coefficient],
    ) -> bool;
}
