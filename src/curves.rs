//! Curve operations the verifier already has and the node needs for signing: the strict point
//! decoders (BLS12-381 compressed, BN254 kyber's uncompressed) and evmnet's hash-to-G1, so there
//! is one copy of each in the project. BLS12-381 hashing and encoding come from `blstrs`.

/// BLS12-381 helpers over `blstrs` types.
pub mod bls12_381 {
    use crate::error::{DecodeError, Field};

    /// Strictly decodes a compressed G1 point (48 bytes): canonical flags and coordinates, on
    /// the curve, in the subgroup, not the identity.
    pub fn decode_g1(field: Field, bytes: &[u8]) -> Result<blstrs::G1Affine, DecodeError> {
        crate::backend::bls12_381::decode_g1(field, bytes)
    }

    /// Strictly decodes a compressed G2 point (96 bytes), with the same rules as G1.
    pub fn decode_g2(field: Field, bytes: &[u8]) -> Result<blstrs::G2Affine, DecodeError> {
        crate::backend::bls12_381::decode_g2(field, bytes)
    }
}

/// BN254 (evmnet) helpers over arkworks types.
pub mod bn254 {
    use crate::error::{DecodeError, Field};

    /// Hashes `message` to BN254 G1 with Keccak-256 `expand_message_xmd` and the SVDW map
    /// (RFC 9380), as drand's `bls-bn254-unchained-on-g1` does.
    pub fn hash_to_g1(message: &[u8], dst: &[u8]) -> ark_bn254::G1Affine {
        crate::backend::bn254::hash_to_g1(message, dst)
    }

    /// Strictly decodes a G1 point (`x ‖ y`, 64 bytes): coordinates below p, on the curve.
    pub fn decode_g1(field: Field, bytes: &[u8]) -> Result<ark_bn254::G1Affine, DecodeError> {
        crate::backend::bn254::decode_g1(field, bytes)
    }

    /// Strictly decodes a G2 point (`x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`, 128 bytes): coordinates
    /// below p, on the curve, in the prime-order subgroup.
    pub fn decode_g2(field: Field, bytes: &[u8]) -> Result<ark_bn254::G2Affine, DecodeError> {
        crate::backend::bn254::decode_g2(field, bytes)
    }
}
