//! `hash_to_curve` for BN254 G1 (RFC 9380 §3, random-oracle variant): `hash_to_field` with
//! `expand_message_xmd` and `L = 48` (`k = 128`, `m = 1`, two elements), the SVDW map on each,
//! and their sum; G1's cofactor is 1, so clearing it is the identity.
//!
//! Generic over the expander's hash so that the same code runs evmnet's Keccak-256 suite and the
//! SHA-256 suite that published BN254 test vectors use.

use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::PrimeField;
use sha3::digest::Digest;
use sha3::digest::core_api::BlockSizeUser;

use super::svdw::map_to_curve;
use super::xmd::expand_message_xmd;

/// `L = ceil((ceil(log2(p)) + k) / 8)` with `log2(p) ≈ 254` and `k = 128`.
pub(crate) const L: usize = 48;

/// `hash_to_field(msg, 2)` with `expand_message_xmd` over `D`.
pub(crate) fn hash_to_field<D: Digest + BlockSizeUser>(msg: &[u8], dst: &[u8]) -> Option<[Fq; 2]> {
    let uniform = expand_message_xmd::<D>(msg, dst, 2 * L)?;
    let (first, second) = uniform.split_at(L);
    Some([
        Fq::from_be_bytes_mod_order(first),
        Fq::from_be_bytes_mod_order(second),
    ])
}

/// `hash_to_curve(msg)`: `map_to_curve(u0) + map_to_curve(u1)`. `None` only where the RFC
/// aborts (which fixed DSTs and 96 output bytes never do).
pub(crate) fn hash_to_curve<D: Digest + BlockSizeUser>(msg: &[u8], dst: &[u8]) -> Option<G1Affine> {
    let [u0, u1] = hash_to_field::<D>(msg, dst)?;
    let q0 = map_to_curve(u0)?;
    let q1 = map_to_curve(u1)?;
    Some((G1Projective::from(q0) + q1).into_affine())
}
