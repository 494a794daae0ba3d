//! `expand_message_xmd` (RFC 9380 §5.3.1), generic over a Merkle–Damgård-style hash.
//!
//! evmnet instantiates it with legacy Keccak-256 (`b_in_bytes = 32`, `s_in_bytes = 136`, the
//! Keccak-256 rate); the tests also run it with SHA-256 against RFC 9380's known answers.
//!
//! This file depends on nothing in the crate, so the integration tests can include it directly.

use sha3::digest::Digest;
use sha3::digest::core_api::BlockSizeUser;

/// Prefix for hashing a DST longer than 255 bytes (RFC 9380 §5.3.3).
const OVERSIZE_DST_PREFIX: &[u8] = b"H2C-OVERSIZE-DST-";

/// `expand_message_xmd(msg, DST, len_in_bytes)` with hash `D`. `None` where the RFC aborts:
/// more than 255 output blocks or more than 65535 bytes.
pub(crate) fn expand_message_xmd<D: Digest + BlockSizeUser>(
    msg: &[u8],
    dst: &[u8],
    len_in_bytes: usize,
) -> Option<Vec<u8>> {
    let b_in_bytes = <D as Digest>::output_size();
    let s_in_bytes = <D as BlockSizeUser>::block_size();
    let ell = len_in_bytes.div_ceil(b_in_bytes);
    let len_bytes = u16::try_from(len_in_bytes).ok()?;
    if ell > 255 || b_in_bytes == 0 {
        return None;
    }
    // DST_prime = DST ‖ I2OSP(len(DST), 1), hashing an oversize DST first.
    let hashed_dst;
    let dst = if dst.len() > 255 {
        hashed_dst = D::new()
            .chain_update(OVERSIZE_DST_PREFIX)
            .chain_update(dst)
            .finalize();
        hashed_dst.as_slice()
    } else {
        dst
    };
    let dst_len = u8::try_from(dst.len()).ok()?;

    // b_0 = H(Z_pad ‖ msg ‖ I2OSP(len_in_bytes, 2) ‖ I2OSP(0, 1) ‖ DST_prime)
    let b_0 = D::new()
        .chain_update(vec![0u8; s_in_bytes])
        .chain_update(msg)
        .chain_update(len_bytes.to_be_bytes())
        .chain_update([0u8])
        .chain_update(dst)
        .chain_update([dst_len])
        .finalize();

    let mut out = Vec::with_capacity(ell * b_in_bytes);
    // b_1 = H(b_0 ‖ I2OSP(1, 1) ‖ DST_prime); b_i = H((b_0 XOR b_(i-1)) ‖ I2OSP(i, 1) ‖ DST_prime)
    let mut previous = b_0.clone();
    for i in 1..=ell {
        let mut input = b_0.clone();
        if i > 1 {
            for (a, b) in input.iter_mut().zip(previous.iter()) {
                *a ^= b;
            }
        }
        let index = u8::try_from(i).ok()?;
        let b_i = D::new()
            .chain_update(&input)
            .chain_update([index])
            .chain_update(dst)
            .chain_update([dst_len])
            .finalize();
        out.extend_from_slice(&b_i);
        previous = b_i;
    }
    out.truncate(len_in_bytes);
    Some(out)
}
