//! BLS12-381 suites on `blstrs`: keys on G1 with signatures on G2 (`pedersen-*`), and keys on
//! G2 with signatures on G1 (`bls-unchained-on-g1`, `bls-unchained-g1-rfc9380`). Points use
//! the ZCash compressed encoding, decoded as strictly as the verifier core decodes them.

use blstrs::{Bls12, G1Affine, G1Projective, G2Affine, G2Prepared, G2Projective, Scalar};
use drand_lite::{DecodeError, Field};
use group::prime::PrimeCurveAffine;
use group::{Curve, Group};
use pairing::{MillerLoopResult, MultiMillerLoop};

use super::suite::{Commitments, Suite};

/// Keys on G1 (48 bytes), signatures on G2 (96 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOnG1;

/// Keys on G2 (96 bytes), signatures on G1 (48 bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOnG2;

// Strict decoding is the verifier core's: one set of rules in the project.
use drand_lite::curves::bls12_381::{decode_g1, decode_g2};

/// `k · p` by double-and-add for a small public `k` (an evaluation point, at most 2^16):
/// about 17 doublings instead of a full 255-bit multiplication.
fn mul_small<G: Group>(p: G, k: u64) -> G {
    if k == 0 {
        return G::identity();
    }
    // The top bit sets the accumulator to `p`; the others double (and add).
    let mut acc = p;
    for bit in (0..u64::BITS - 1 - k.leading_zeros()).rev() {
        acc = acc.double();
        if (k >> bit) & 1 == 1 {
            acc += p;
        }
    }
    acc
}

/// Horner's rule in a projective group, adding the affine coefficients with mixed additions.
fn horner<G, A>(coefficients: &[A], x: u64) -> G::AffineRepr
where
    G: Group + Curve + for<'a> core::ops::AddAssign<&'a A>,
{
    let mut acc = G::identity();
    for c in coefficients.iter().rev() {
        acc = mul_small(acc, x);
        acc += c;
    }
    acc.to_affine()
}

/// Below this many points a multi-scalar multiplication is done as separate multiplications:
/// blst hands small inputs to its thread pool one point per worker, which costs more than it
/// saves (a Schnorr check is two points).
const SMALL_MSM: usize = 32;

/// `Σ scalarᵢ · pointᵢ` by separate multiplications, on the calling thread.
fn small_msm<G, A>(points: &[A], scalars: &[Scalar]) -> G::AffineRepr
where
    G: Group<Scalar = Scalar> + Curve + From<A>,
    A: Copy,
{
    points
        .iter()
        .zip(scalars)
        .fold(G::identity(), |acc, (p, s)| acc + G::from(*p) * s)
        .to_affine()
}

/// Whether the product of pairings is one.
fn pairing_product_is_one(terms: &[(&G1Affine, &G2Prepared)]) -> bool {
    bool::from(
        Bls12::multi_miller_loop(terms)
            .final_exponentiation()
            .is_identity(),
    )
}

impl Suite for KeyOnG1 {
    const KEY_LEN: usize = 48;
    type Scalar = Scalar;
    type Key = G1Affine;
    type Sig = G2Affine;

    fn public_key(secret: &Scalar) -> G1Affine {
        (G1Projective::generator() * secret).to_affine()
    }
    fn encode_key(key: &G1Affine) -> Vec<u8> {
        key.to_compressed().to_vec()
    }
    fn decode_key(bytes: &[u8]) -> Result<G1Affine, DecodeError> {
        decode_g1(Field::PublicKey, bytes)
    }
    fn encode_sig(sig: &G2Affine) -> Vec<u8> {
        sig.to_compressed().to_vec()
    }
    fn decode_sig(bytes: &[u8]) -> Result<G2Affine, DecodeError> {
        decode_g2(Field::Signature, bytes)
    }
    fn hash(message: &[u8], dst: &[u8]) -> G2Affine {
        G2Projective::hash_to_curve(message, dst, &[]).to_affine()
    }
    fn sign_hashed(hashed: &G2Affine, secret: &Scalar) -> G2Affine {
        (G2Projective::from(hashed) * secret).to_affine()
    }
    fn combine(points: &[G2Affine], scalars: &[Scalar]) -> G2Affine {
        let projective: Vec<G2Projective> = points.iter().map(G2Projective::from).collect();
        if projective.is_empty() || projective.len() != scalars.len() {
            return G2Affine::identity();
        }
        G2Projective::multi_exp(&projective, scalars).to_affine()
    }
    fn eval(coefficients: &[G1Affine], x: u64) -> G1Affine {
        horner::<G1Projective, G1Affine>(coefficients, x)
    }
    fn verify(key: &G1Affine, hashed: &G2Affine, sig: &G2Affine) -> bool {
        if bool::from(key.is_identity() | hashed.is_identity() | sig.is_identity()) {
            return false;
        }
        // e(G1, sig) == e(key, H(m))  <=>  e(-G1, sig) · e(key, H(m)) == 1
        let neg_g1 = -G1Affine::generator();
        pairing_product_is_one(&[
            (&neg_g1, &G2Prepared::from(*sig)),
            (key, &G2Prepared::from(*hashed)),
        ])
    }
    fn key_generator() -> G1Affine {
        G1Affine::generator()
    }
    fn key_mul(point: &G1Affine, scalar: &Scalar) -> G1Affine {
        (G1Projective::from(point) * scalar).to_affine()
    }
    fn key_sum(points: &[G1Affine]) -> G1Affine {
        points
            .iter()
            .fold(G1Projective::identity(), |acc, p| acc + p)
            .to_affine()
    }
    fn key_msm(points: &[G1Affine], scalars: &[Scalar]) -> G1Affine {
        if points.is_empty() || points.len() != scalars.len() {
            return G1Affine::identity();
        }
        if points.len() < SMALL_MSM {
            return small_msm::<G1Projective, G1Affine>(points, scalars);
        }
        let projective: Vec<G1Projective> = points.iter().map(G1Projective::from).collect();
        G1Projective::multi_exp(&projective, scalars).to_affine()
    }
    fn key_is_identity(key: &G1Affine) -> bool {
        bool::from(key.is_identity())
    }
    fn commitments(points: &Commitments) -> Option<&[G1Affine]> {
        match points {
            Commitments::G1(keys) => Some(keys),
            _ => None,
        }
    }
    fn wrap(keys: Vec<G1Affine>) -> Commitments {
        Commitments::G1(keys)
    }
}

impl Suite for KeyOnG2 {
    const KEY_LEN: usize = 96;
    type Scalar = Scalar;
    type Key = G2Affine;
    type Sig = G1Affine;

    fn public_key(secret: &Scalar) -> G2Affine {
        (G2Projective::generator() * secret).to_affine()
    }
    fn encode_key(key: &G2Affine) -> Vec<u8> {
        key.to_compressed().to_vec()
    }
    fn decode_key(bytes: &[u8]) -> Result<G2Affine, DecodeError> {
        decode_g2(Field::PublicKey, bytes)
    }
    fn encode_sig(sig: &G1Affine) -> Vec<u8> {
        sig.to_compressed().to_vec()
    }
    fn decode_sig(bytes: &[u8]) -> Result<G1Affine, DecodeError> {
        decode_g1(Field::Signature, bytes)
    }
    fn hash(message: &[u8], dst: &[u8]) -> G1Affine {
        G1Projective::hash_to_curve(message, dst, &[]).to_affine()
    }
    fn sign_hashed(hashed: &G1Affine, secret: &Scalar) -> G1Affine {
        (G1Projective::from(hashed) * secret).to_affine()
    }
    fn combine(points: &[G1Affine], scalars: &[Scalar]) -> G1Affine {
        let projective: Vec<G1Projective> = points.iter().map(G1Projective::from).collect();
        if projective.is_empty() || projective.len() != scalars.len() {
            return G1Affine::identity();
        }
        G1Projective::multi_exp(&projective, scalars).to_affine()
    }
    fn eval(coefficients: &[G2Affine], x: u64) -> G2Affine {
        horner::<G2Projective, G2Affine>(coefficients, x)
    }
    fn verify(key: &G2Affine, hashed: &G1Affine, sig: &G1Affine) -> bool {
        if bool::from(key.is_identity() | hashed.is_identity() | sig.is_identity()) {
            return false;
        }
        // e(sig, G2) == e(H(m), key)  <=>  e(sig, -G2) · e(H(m), key) == 1
        let neg_g2 = G2Prepared::from(-G2Affine::generator());
        pairing_product_is_one(&[(sig, &neg_g2), (hashed, &G2Prepared::from(*key))])
    }
    fn key_generator() -> G2Affine {
        G2Affine::generator()
    }
    fn key_mul(point: &G2Affine, scalar: &Scalar) -> G2Affine {
        (G2Projective::from(point) * scalar).to_affine()
    }
    fn key_sum(points: &[G2Affine]) -> G2Affine {
        points
            .iter()
            .fold(G2Projective::identity(), |acc, p| acc + p)
            .to_affine()
    }
    fn key_msm(points: &[G2Affine], scalars: &[Scalar]) -> G2Affine {
        if points.is_empty() || points.len() != scalars.len() {
            return G2Affine::identity();
        }
        if points.len() < SMALL_MSM {
            return small_msm::<G2Projective, G2Affine>(points, scalars);
        }
        let projective: Vec<G2Projective> = points.iter().map(G2Projective::from).collect();
        G2Projective::multi_exp(&projective, scalars).to_affine()
    }
    fn key_is_identity(key: &G2Affine) -> bool {
        bool::from(key.is_identity())
    }
    fn commitments(points: &Commitments) -> Option<&[G2Affine]> {
        match points {
            Commitments::G2(keys) => Some(keys),
            _ => None,
        }
    }
    fn wrap(keys: Vec<G2Affine>) -> Commitments {
        Commitments::G2(keys)
    }
}
