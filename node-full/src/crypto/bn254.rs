//! The BN254 suite for evmnet (`bls-bn254-unchained-on-g1`) on arkworks: keys on G2 in
//! kyber's uncompressed encoding (`x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`, 128 bytes), signatures on G1
//! (`x ‖ y`, 64 bytes), messages hashed with the verifier core's Keccak-256/SVDW hash-to-G1.

use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, PrimeField, Zero};
use drand_lite::curves::bn254::{decode_g1, decode_g2, hash_to_g1};
use drand_lite::{DecodeError, Field};

use super::suite::{Commitments, Suite};

/// Keys on BN254 G2 (128 bytes), signatures on BN254 G1 (64 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bn254KeyOnG2;

/// Size of one base-field coordinate.
const FP_BYTES: usize = 32;

/// Appends a coordinate as 32 big-endian bytes.
fn push_fq(out: &mut Vec<u8>, value: &Fq) {
    let bytes = value.into_bigint().to_bytes_be();
    out.extend(core::iter::repeat_n(
        0,
        FP_BYTES.saturating_sub(bytes.len()),
    ));
    out.extend_from_slice(&bytes);
}

/// `k · p` by double-and-add for a small public `k`.
fn mul_small(p: G2Projective, k: u64) -> G2Projective {
    if k == 0 {
        return G2Projective::zero();
    }
    let mut acc = p;
    for bit in (0..u64::BITS - 1 - k.leading_zeros()).rev() {
        acc.double_in_place();
        if (k >> bit) & 1 == 1 {
            acc += p;
        }
    }
    acc
}

impl Suite for Bn254KeyOnG2 {
    const KEY_LEN: usize = 4 * FP_BYTES;
    type Scalar = Fr;
    type Key = G2Affine;
    type Sig = G1Affine;

    fn public_key(secret: &Fr) -> G2Affine {
        (G2Affine::generator() * secret).into_affine()
    }
    fn encode_key(key: &G2Affine) -> Vec<u8> {
        // kyber encodes the identity as all zeros; so do arkworks' zero coordinates.
        let mut out = Vec::with_capacity(4 * FP_BYTES);
        let (x, y) = key.xy().unwrap_or_default();
        push_fq(&mut out, &x.c1);
        push_fq(&mut out, &x.c0);
        push_fq(&mut out, &y.c1);
        push_fq(&mut out, &y.c0);
        out
    }
    fn decode_key(bytes: &[u8]) -> Result<G2Affine, DecodeError> {
        decode_g2(Field::PublicKey, bytes)
    }
    fn encode_sig(sig: &G1Affine) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * FP_BYTES);
        let (x, y) = sig.xy().unwrap_or_default();
        push_fq(&mut out, &x);
        push_fq(&mut out, &y);
        out
    }
    fn decode_sig(bytes: &[u8]) -> Result<G1Affine, DecodeError> {
        decode_g1(Field::Signature, bytes)
    }
    fn hash(message: &[u8], dst: &[u8]) -> G1Affine {
        hash_to_g1(message, dst)
    }
    fn sign_hashed(hashed: &G1Affine, secret: &Fr) -> G1Affine {
        (*hashed * secret).into_affine()
    }
    fn combine(points: &[G1Affine], scalars: &[Fr]) -> G1Affine {
        G1Projective::msm(points, scalars)
            .map(|sum| sum.into_affine())
            .unwrap_or_else(|_| G1Affine::zero())
    }
    fn eval(coefficients: &[G2Affine], x: u64) -> G2Affine {
        let mut acc = G2Projective::zero();
        for c in coefficients.iter().rev() {
            acc = mul_small(acc, x) + c;
        }
        acc.into_affine()
    }
    fn verify(key: &G2Affine, hashed: &G1Affine, sig: &G1Affine) -> bool {
        if key.is_zero() || hashed.is_zero() || sig.is_zero() {
            return false;
        }
        // e(sig, G2) == e(H(m), key)  <=>  e(sig, -G2) · e(H(m), key) == 1
        let neg_g2 = -G2Affine::generator();
        let out = Bn254::multi_miller_loop([*sig, *hashed], [neg_g2, *key]);
        Bn254::final_exponentiation(out).is_some_and(|gt| gt.is_zero())
    }
    fn key_generator() -> G2Affine {
        G2Affine::generator()
    }
    fn key_mul(point: &G2Affine, scalar: &Fr) -> G2Affine {
        (*point * scalar).into_affine()
    }
    fn key_sum(points: &[G2Affine]) -> G2Affine {
        points
            .iter()
            .fold(G2Projective::zero(), |acc, p| acc + p)
            .into_affine()
    }
    fn key_msm(points: &[G2Affine], scalars: &[Fr]) -> G2Affine {
        G2Projective::msm(points, scalars)
            .map(|sum| sum.into_affine())
            .unwrap_or_else(|_| G2Affine::zero())
    }
    fn key_is_identity(key: &G2Affine) -> bool {
        key.is_zero()
    }
    fn commitments(points: &Commitments) -> Option<&[G2Affine]> {
        match points {
            Commitments::Bn254(keys) => Some(keys),
            _ => None,
        }
    }
    fn wrap(keys: Vec<G2Affine>) -> Commitments {
        Commitments::Bn254(keys)
    }
}
