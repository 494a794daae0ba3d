//! BLS12-381 through `blstrs` (safe wrappers over `blst`).

use blst::MultiPoint;
use blstrs::{Bls12, G1Affine, G1Projective, G2Affine, G2Prepared, G2Projective, Gt};
use group::prime::PrimeCurveAffine;
use group::{Curve, Group};
use pairing::{MillerLoopResult, MultiMillerLoop};

use super::{Coefficient, PairingSetting};
use crate::encoding::{G1_COMPRESSED, G2_COMPRESSED, check_compressed};
use crate::error::{DecodeError, Field};

/// Public key on G1 (48 bytes), signatures on G2 (96 bytes): the `pedersen-*` schemes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOnG1;

/// Public key on G2 (96 bytes), signatures on G1 (48 bytes): `bls-unchained-*-g1*` schemes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOnG2;

/// A G2 public key with its Miller-loop lines precomputed once per chain.
#[derive(Clone)]
pub(crate) struct G2Key {
    prepared: G2Prepared,
    neg_generator: G2Prepared,
}

impl core::fmt::Debug for G2Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("G2Key")
    }
}

/// Strict decoders for G1 and G2 (the same steps, different types): structure first
/// ([`check_compressed`]), then decompression, curve, subgroup, identity, and a canonical
/// re-encoding check.
macro_rules! strict_decoder {
    ($name:ident, $point:ty, $size:expr) => {
        pub(crate) fn $name(field: Field, bytes: &[u8]) -> Result<$point, DecodeError> {
            check_compressed(field, bytes, $size)?;
            let mut fixed = [0u8; $size];
            fixed.copy_from_slice(bytes);
            let point: $point = Option::from(<$point>::from_compressed_unchecked(&fixed))
                .ok_or(DecodeError::NotOnCurve { field })?;
            if !bool::from(point.is_on_curve()) {
                return Err(DecodeError::NotOnCurve { field });
            }
            if !bool::from(point.is_torsion_free()) {
                return Err(DecodeError::NotInSubgroup { field });
            }
            if bool::from(point.is_identity()) {
                return Err(DecodeError::Identity { field });
            }
            if point.to_compressed() != fixed {
                return Err(DecodeError::NonCanonicalPoint { field });
            }
            Ok(point)
        }
    };
}

strict_decoder!(decode_g1, G1Affine, G1_COMPRESSED);
strict_decoder!(decode_g2, G2Affine, G2_COMPRESSED);

/// Splits `(point, coefficient)` pairs into blst's point array and packed scalar bytes; the two
/// always have matching lengths, which blst's multi-scalar multiplication requires.
fn unzip_terms<P, R>(
    terms: impl Iterator<Item = (P, Coefficient)>,
    raw: impl Fn(P) -> R,
) -> (Vec<R>, Vec<u8>) {
    let mut points = Vec::new();
    let mut scalars = Vec::new();
    for (point, coefficient) in terms {
        points.push(raw(point));
        scalars.extend_from_slice(&coefficient);
    }
    (points, scalars)
}

fn msm_g1(terms: impl Iterator<Item = (G1Affine, Coefficient)>) -> G1Affine {
    let (raw, scalars) = unzip_terms(terms, |p: G1Affine| *p.as_ref());
    if raw.is_empty() {
        return G1Affine::identity();
    }
    let sum = raw.as_slice().mult(&scalars, 128);
    let mut out = G1Projective::identity();
    *out.as_mut() = sum;
    out.to_affine()
}

fn msm_g2(terms: impl Iterator<Item = (G2Affine, Coefficient)>) -> G2Affine {
    let (raw, scalars) = unzip_terms(terms, |p: G2Affine| *p.as_ref());
    if raw.is_empty() {
        return G2Affine::identity();
    }
    let sum = raw.as_slice().mult(&scalars, 128);
    let mut out = G2Projective::identity();
    *out.as_mut() = sum;
    out.to_affine()
}

fn product_is_one(terms: &[(&G1Affine, &G2Prepared)]) -> bool {
    let gt: Gt = Bls12::multi_miller_loop(terms).final_exponentiation();
    bool::from(gt.is_identity())
}

impl PairingSetting for KeyOnG1 {
    type PublicKey = G1Affine;
    type Signature = G2Affine;
    type Hashed = G2Affine;

    fn decode_public_key(bytes: &[u8]) -> Result<G1Affine, DecodeError> {
        decode_g1(Field::PublicKey, bytes)
    }

    fn decode_signature(bytes: &[u8]) -> Result<G2Affine, DecodeError> {
        decode_g2(Field::Signature, bytes)
    }

    fn hash(message: &[u8], dst: &[u8]) -> G2Affine {
        G2Projective::hash_to_curve(message, dst, &[]).to_affine()
    }

    fn verify(pk: &G1Affine, sig: &G2Affine, hashed: &G2Affine) -> bool {
        // e(g1, sig) == e(pk, H(m))  <=>  e(-g1, sig) · e(pk, H(m)) == 1. Both G2 points are new
        // each time, so blst's direct Miller loop (lines computed on the fly, the two loops on
        // separate cores natively) beats precomputing their lines.
        let neg_g1 = -G1Affine::generator();
        let mut g2 = Vec::with_capacity(2);
        let mut g1 = Vec::with_capacity(2);
        for (p, q) in [(&neg_g1, sig), (pk, hashed)] {
            // A pairing with the identity is 1: leave it out of the product.
            if !bool::from(p.is_identity() | q.is_identity()) {
                g1.push(*p.as_ref());
                g2.push(*q.as_ref());
            }
        }
        if g2.is_empty() {
            return true;
        }
        blst::blst_fp12::miller_loop_n(&g2, &g1).final_exp() == blst::blst_fp12::default()
    }

    fn verify_combined(
        pk: &G1Affine,
        items: &[(G2Affine, G2Affine)],
        coefficients: &[Coefficient],
    ) -> bool {
        let sig = msm_g2(items.iter().zip(coefficients).map(|((s, _), c)| (*s, *c)));
        let hashed = msm_g2(items.iter().zip(coefficients).map(|((_, h), c)| (*h, *c)));
        Self::verify(pk, &sig, &hashed)
    }
}

impl PairingSetting for KeyOnG2 {
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
        G1Projective::hash_to_curve(message, dst, &[]).to_affine()
    }

    fn verify(pk: &G2Key, sig: &G1Affine, hashed: &G1Affine) -> bool {
        // e(sig, g2) == e(H(m), pk)  <=>  e(sig, -g2) · e(H(m), pk) == 1
        product_is_one(&[(sig, &pk.neg_generator), (hashed, &pk.prepared)])
    }

    fn verify_combined(
        pk: &G2Key,
        items: &[(G1Affine, G1Affine)],
        coefficients: &[Coefficient],
    ) -> bool {
        let sig = msm_g1(items.iter().zip(coefficients).map(|((s, _), c)| (*s, *c)));
        let hashed = msm_g1(items.iter().zip(coefficients).map(|((_, h), c)| (*h, *c)));
        Self::verify(pk, &sig, &hashed)
    }
}
