//! Why a key, share, partial signature or threshold operation was rejected.

use drand_lite::DecodeError;
use thiserror::Error;

/// Errors of the threshold BLS layer. Every variant says what was wrong with which input;
/// none of them is a panic in disguise, whatever bytes a peer or a file supplied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// The scheme has no curve suite here (a newer `drand-lite` scheme this node does not know).
    #[error("scheme {scheme} is not supported by the node's threshold crypto")]
    UnsupportedScheme {
        /// The scheme ID.
        scheme: &'static str,
    },
    /// A secret scalar was not 32 canonical big-endian bytes of a nonzero field element.
    #[error("invalid secret scalar: {reason}")]
    BadScalar {
        /// What was wrong (length, not below the group order, zero).
        reason: String,
    },
    /// A point (public key, commitment, signature or partial signature) failed strict decoding.
    #[error("invalid {what}: {source}")]
    BadPoint {
        /// Which input ("public key", "partial signature", "commitment 2", ...).
        what: String,
        /// The decoder's reason (length, flags, field element, curve, subgroup, identity).
        source: DecodeError,
    },
    /// A partial signature does not have the exact `2 + signature length` bytes.
    #[error("partial signature is {got} bytes, expected {expected} (2-byte index + signature)")]
    BadPartialLength {
        /// The length the scheme requires.
        expected: usize,
        /// The length received.
        got: usize,
    },
    /// A partial names a signer index that cannot belong to the group.
    #[error("partial signature from unknown signer index {0}")]
    UnknownIndex(u16),
    /// Two different partials claim the same signer index.
    #[error("two different partial signatures for signer index {0}")]
    DuplicateIndex(u16),
    /// A well-formed partial does not verify under the signer's public key share.
    #[error("partial signature of signer {index} does not verify under its key share")]
    InvalidPartial {
        /// The signer index the partial claims.
        index: u16,
    },
    /// Not enough usable partials to reach the threshold.
    #[error("only {have} valid partial signatures, {need} needed")]
    NotEnoughPartials {
        /// Valid, distinct partials available.
        have: usize,
        /// The threshold.
        need: usize,
    },
    /// The interpolated group signature does not verify under the group public key (a partial
    /// was bad although it was said to be verified, or the threshold is wrong).
    #[error("recovered group signature does not verify under the group public key")]
    InvalidRecovered,
    /// A plain BLS signature does not verify.
    #[error("signature does not verify under the public key")]
    InvalidSignature,
    /// A threshold that cannot work for this group or polynomial.
    #[error("invalid threshold {threshold}: {reason}")]
    BadThreshold {
        /// The threshold given.
        threshold: u64,
        /// Why it is unusable.
        reason: String,
    },
    /// A public polynomial with no coefficients.
    #[error("public polynomial has no coefficients")]
    EmptyPolynomial,
    /// Keys, shares or polynomials of different schemes were mixed.
    #[error("scheme mismatch: expected {expected}, got {got}")]
    SchemeMismatch {
        /// The scheme required.
        expected: &'static str,
        /// The scheme supplied.
        got: &'static str,
    },
}

impl CryptoError {
    /// Wraps a strict-decoding failure of the input named `what`.
    pub(crate) fn point(what: impl Into<String>, source: DecodeError) -> CryptoError {
        CryptoError::BadPoint {
            what: what.into(),
            source,
        }
    }
}
