//! BN254 for evmnet (`bls-bn254-unchained-on-g1`), on arkworks: public key on G2 (128 bytes),
//! signatures on G1 (64 bytes), messages hashed to G1 with Keccak-256 and the SVDW map.
//!
//! Encodings are kyber's (drand's) uncompressed ones, with no flag bits: G1 is `x ‖ y`, G2 is
//! `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`, every coordinate a 32-byte big-endian integer, and the identity
//! is all zeros. Decoding is strict: right length, not the identity, every coordinate `< p`, on
//! the curve, in the prime-order subgroup (G1's cofactor is 1; G2's is not and is checked). Each
//! point has one encoding, so re-encoding reproduces every accepted input.

pub(crate) mod h2c;
pub(crate) mod svdw;
pub(crate) mod xmd;

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInt, PrimeField, Zero};
use sha3::Keccak256;

use super::{Coefficient, PairingSetting};
use crate::error::{DecodeError, Field};

/// Size of one BN254 base-field element.
pub(crate) const FP_BYTES: usize = 32;

/// Public key on BN254 G2 (128 bytes), signatures on BN254 G1 (64 bytes): evmnet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bn254KeyOnG2;

type G2Prepared = <Bn254 as Pairing>::G2Prepared;

/// A G2 public key with its Miller-loop lines precomputed once per chain.
#[derive(Clone)]
pub(crate) struct G2Key {
    prepared: G2Prepared,
    neg_generator: G2Prepared,
}

impl core::fmt::Debug for G2Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Bn254G2Key")
    }
}

/// Checks the length and the all-zero identity encoding, then splits into 32-byte coordinates.
fn coordinates<const N: usize>(
    field: Field,
    bytes: &[u8],
) -> Result<[[u8; FP_BYTES]; N], DecodeError> {
    let expected = N * FP_BYTES;
    if bytes.len() != expected {
        return Err(DecodeError::Length {
            field,
            expected,
            actual: bytes.len(),
        });
    }
    if bytes.iter().all(|&b| b == 0) {
        return Err(DecodeError::Identity { field });
    }
    let mut out = [[0u8; FP_BYTES]; N];
    for (slot, chunk) in out.iter_mut().zip(bytes.chunks_exact(FP_BYTES)) {
        slot.copy_from_slice(chunk);
    }
    Ok(out)
}

/// A big-endian coordinate, which must be below `p`.
fn fq(field: Field, bytes: &[u8; FP_BYTES]) -> Result<Fq, DecodeError> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().rev().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(word);
    }
    Fq::from_bigint(BigInt::new(limbs)).ok_or(DecodeError::NonCanonicalField { field })
}

/// Strictly decodes a G1 point (`x ‖ y`).
pub(crate) fn decode_g1(field: Field, bytes: &[u8]) -> Result<G1Affine, DecodeError> {
    let [x, y] = coordinates::<2>(field, bytes)?;
    let point = G1Affine::new_unchecked(fq(field, &x)?, fq(field, &y)?);
    if !point.is_on_curve() {
        return Err(DecodeError::NotOnCurve { field });
    }
    // Cofactor 1: every curve point is in the subgroup; the check costs nothing.
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(DecodeError::NotInSubgroup { field });
    }
    Ok(point)
}

/// Strictly decodes a G2 point (`x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`).
pub(crate) fn decode_g2(field: Field, bytes: &[u8]) -> Result<G2Affine, DecodeError> {
    let [x1, x0, y1, y0] = coordinates::<4>(field, bytes)?;
    let x = Fq2::new(fq(field, &x0)?, fq(field, &x1)?);
    let y = Fq2::new(fq(field, &y0)?, fq(field, &y1)?);
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(DecodeError::NotOnCurve { field });
    }
    if !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(DecodeError::NotInSubgroup { field });
    }
    Ok(point)
}

/// Hashes a message to G1 with evmnet's suite (Keccak-256 `expand_message_xmd`, SVDW).
pub(crate) fn hash_to_g1(message: &[u8], dst: &[u8]) -> G1Affine {
    // The RFC's aborts cannot happen for 96 output bytes; should one, the identity makes every
    // verification fail (no signature decodes to the identity).
    h2c::hash_to_curve::<Keccak256>(message, dst).unwrap_or_else(G1Affine::zero)
}

/// Sums `Σ cᵢ·Pᵢ` with 128-bit little-endian coefficients.
fn msm_g1(points: &[G1Affine], coefficients: &[Coefficient]) -> G1Affine {
    let scalars: Vec<_> = coefficients
        .iter()
        .map(|c| {
            let mut lo = [0u8; 8];
            let mut hi = [0u8; 8];
            lo.copy_from_slice(&c[..8]);
            hi.copy_from_slice(&c[8..]);
            BigInt::new([u64::from_le_bytes(lo), u64::from_le_bytes(hi), 0, 0])
        })
        .collect();
    let n = points.len().min(scalars.len());
    G1Projective::msm_bigint(&points[..n], &scalars[..n]).into_affine()
}

impl PairingSetting for Bn254KeyOnG2 {
    type PublicKey = G2Key;
    type Signature = G1Affine;
    type Hashed = G1Affine;

    fn decode_public_key(bytes: &[u8]) -> Result<G2Key, DecodeError> {
        let point = decode_g2(Field::PublicKey, bytes)?;
        Ok(G2Key {
            prepared: G2Prepared::from(point),
            neg_generator: G2Prepared::from(-G2Affine::generator()),
        })
    }

    fn decode_signature(bytes: &[u8]) -> Result<G1Affine, DecodeError> {
        decode_g1(Field::Signature, bytes)
    }

    fn hash(message: &[u8], dst: &[u8]) -> G1Affine {
        hash_to_g1(message, dst)
    }

    fn verify(pk: &G2Key, sig: &G1Affine, hashed: &G1Affine) -> bool {
        // A hash that failed (see `hash_to_g1`) never verifies anything, whatever the signature.
        if hashed.is_zero() {
            return false;
        }
        // e(sig, g2) == e(H(m), pk)  <=>  e(sig, -g2) · e(H(m), pk) == 1
        let loop_out = Bn254::multi_miller_loop(
            [*sig, *hashed],
            [pk.neg_generator.clone(), pk.prepared.clone()],
        );
        Bn254::final_exponentiation(loop_out).is_some_and(|gt| gt.is_zero())
    }

    fn verify_combined(
        pk: &G2Key,
        items: &[(G1Affine, G1Affine)],
        coefficients: &[Coefficient],
    ) -> bool {
        let signatures: Vec<_> = items.iter().map(|(s, _)| *s).collect();
        let hashed: Vec<_> = items.iter().map(|(_, h)| *h).collect();
        let sig = msm_g1(&signatures, coefficients);
        let hashed = msm_g1(&hashed, coefficients);
        Self::verify(pk, &sig, &hashed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generators_round_trip_through_strict_decoding() {
        let g1 = G1Affine::generator();
        let mut bytes = [0u8; 64];
        bytes[31] = 1;
        bytes[63] = 2;
        assert_eq!(decode_g1(Field::Signature, &bytes), Ok(g1));
        assert_eq!(
            decode_g1(Field::Signature, &[0u8; 64]),
            Err(DecodeError::Identity {
                field: Field::Signature
            })
        );
        assert!(matches!(
            decode_g1(Field::Signature, &bytes[..63]),
            Err(DecodeError::Length { .. })
        ));
    }

    #[test]
    fn svdw_z_is_what_the_rfc_procedure_finds() {
        // The reference doc states Z = 1 for A = 0, B = 3; the procedure must agree.
        assert_eq!(
            svdw::find_z_svdw(svdw::Z_SEARCH_LIMIT),
            Some(Fq::from(1u64))
        );
        assert_eq!(svdw::constants().map(|c| c.z), Some(Fq::from(1u64)));
    }
}
