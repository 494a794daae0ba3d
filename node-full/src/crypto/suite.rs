//! One curve setting per drand layout behind the [`Suite`] trait, and the dispatch from a
//! [`Scheme`] to its suite. The threshold logic (`keys`, `poly`, `partial`, `dealer`) is
//! written once, generically, and every public entry point dispatches through [`with_suite!`].

use drand_lite::{DecodeError, Scheme, scheme::Layout};

use super::error::CryptoError;
use super::scalar::ScalarField;

/// A curve setting: scalar field, key group, signature group, encodings, hashing and the
/// pairing check.
pub(crate) trait Suite {
    /// The scalar field (secret keys, shares, Lagrange coefficients).
    type Scalar: ScalarField;
    /// A key-group point, affine.
    type Key: Copy + PartialEq;
    /// A signature-group point, affine (signatures and hashed messages).
    type Sig: Copy + PartialEq;

    /// Length of an encoded key-group point.
    const KEY_LEN: usize;

    /// `secret · G` in the key group.
    fn public_key(secret: &Self::Scalar) -> Self::Key;
    /// The scheme's encoding of a key-group point (drand's bytes).
    fn encode_key(key: &Self::Key) -> Vec<u8>;
    /// Strict decoding of a key-group point: length, canonical, on the curve, in the
    /// subgroup, not the identity.
    fn decode_key(bytes: &[u8]) -> Result<Self::Key, DecodeError>;
    /// The scheme's encoding of a signature-group point.
    fn encode_sig(sig: &Self::Sig) -> Vec<u8>;
    /// Strict decoding of a signature-group point (same rules as keys).
    fn decode_sig(bytes: &[u8]) -> Result<Self::Sig, DecodeError>;
    /// Hashes a message into the signature group with `dst`.
    fn hash(message: &[u8], dst: &[u8]) -> Self::Sig;
    /// `scalar · point` in the signature group.
    fn sign_hashed(hashed: &Self::Sig, secret: &Self::Scalar) -> Self::Sig;
    /// `Σ scalarᵢ · pointᵢ` in the signature group (the slices have equal, nonzero length).
    fn combine(points: &[Self::Sig], scalars: &[Self::Scalar]) -> Self::Sig;
    /// `Σ cⱼ · xʲ` in the key group, by Horner's rule with a small public `x`.
    fn eval(coefficients: &[Self::Key], x: u64) -> Self::Key;
    /// The BLS equation `e(sig, G) == e(H(m), key)` (oriented for the layout); false for
    /// identity inputs.
    fn verify(key: &Self::Key, hashed: &Self::Sig, sig: &Self::Sig) -> bool;
    /// The key group's generator `G`.
    fn key_generator() -> Self::Key;
    /// `scalar · point` in the key group (full-size scalar, e.g. an ECIES Diffie-Hellman).
    fn key_mul(point: &Self::Key, scalar: &Self::Scalar) -> Self::Key;
    /// `Σ pointᵢ` in the key group (the identity for no points).
    fn key_sum(points: &[Self::Key]) -> Self::Key;
    /// `Σ scalarᵢ · pointᵢ` in the key group by multi-scalar multiplication (the identity for
    /// empty or unequal-length slices).
    fn key_msm(points: &[Self::Key], scalars: &[Self::Scalar]) -> Self::Key;
    /// Whether `key` is the identity.
    fn key_is_identity(key: &Self::Key) -> bool;
    /// The commitments of a polynomial, if it was built for this suite.
    fn commitments(points: &Commitments) -> Option<&[Self::Key]>;
    /// Wraps this suite's commitments.
    fn wrap(keys: Vec<Self::Key>) -> Commitments;
}

/// Decoded polynomial commitments, one variant per suite.
#[derive(Clone)]
pub(crate) enum Commitments {
    /// BLS12-381 G1 keys (`pedersen-*`).
    G1(Vec<blstrs::G1Affine>),
    /// BLS12-381 G2 keys (`bls-unchained-*g1*`).
    G2(Vec<blstrs::G2Affine>),
    /// BN254 G2 keys (evmnet).
    Bn254(Vec<ark_bn254::G2Affine>),
}

/// The suite behind a scheme, as a plain tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// BLS12-381, keys on G1.
    KeyOnG1,
    /// BLS12-381, keys on G2.
    KeyOnG2,
    /// BN254, keys on G2.
    Bn254,
}

impl Kind {
    /// The suite for `scheme`, or an error for a layout this module does not implement.
    pub(crate) fn of(scheme: Scheme) -> Result<Kind, CryptoError> {
        match scheme.layout() {
            Layout::KeyOnG1 => Ok(Kind::KeyOnG1),
            Layout::KeyOnG2 => Ok(Kind::KeyOnG2),
            Layout::Bn254KeyOnG2 => Ok(Kind::Bn254),
            _ => Err(CryptoError::UnsupportedScheme {
                scheme: scheme.id(),
            }),
        }
    }
}

/// Runs `$body` with `$S` bound to the suite type of `$kind` (a [`Kind`]).
macro_rules! with_suite {
    ($kind:expr, $S:ident => $body:expr) => {
        match $kind {
            $crate::crypto::suite::Kind::KeyOnG1 => {
                type $S = $crate::crypto::bls12_381::KeyOnG1;
                $body
            }
            $crate::crypto::suite::Kind::KeyOnG2 => {
                type $S = $crate::crypto::bls12_381::KeyOnG2;
                $body
            }
            $crate::crypto::suite::Kind::Bn254 => {
                type $S = $crate::crypto::bn254::Bn254KeyOnG2;
                $body
            }
        }
    };
}
pub(crate) use with_suite;
