//! The threshold-signature operations the engine needs, behind a trait: the engine stays free
//! of curve code, table tests can use a fake, and the node uses its share and the group's
//! public polynomial ([`super::ShareCrypto`]).

use thiserror::Error;

use crate::crypto::CryptoError;

/// Why a threshold operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ThresholdError {
    /// A partial signature is malformed or does not verify under its signer's public share
    /// (the sender's fault).
    #[error("invalid partial signature: {0}")]
    InvalidPartial(String),
    /// Too few valid partials, or interpolation failed (a local or configuration fault when the
    /// partials were verified beforehand).
    #[error("threshold recovery failed: {0}")]
    Recover(String),
    /// The node's threshold BLS layer refused the operation (see the inner error).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// Threshold BLS as drand's tbls does it: a partial is `BE16(index) || signature`.
pub trait ThresholdCrypto: Send + Sync {
    /// Signs `digest` with this node's share; the result carries the share's index.
    fn sign_partial(&self, digest: &[u8]) -> Vec<u8>;
    /// Verifies `partial` over `digest` against the signer's public share; returns the index.
    fn verify_partial(&self, digest: &[u8], partial: &[u8]) -> Result<u16, ThresholdError>;
    /// Interpolates the first `threshold` partials (distinct indices) without verifying any of
    /// them or the result: the engine verifies the result with the verifier core (one pairing
    /// check for the whole round) and verifies each partial only if that fails.
    fn combine(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, ThresholdError>;
    /// Recovers the group signature over `digest` from at least `threshold` partials (each
    /// re-verified, the first `threshold` valid ones interpolated).
    fn recover(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, ThresholdError>;
}
