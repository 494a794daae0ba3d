//! Why a DKG could not be set up or did not produce a key.

use thiserror::Error;

use crate::crypto::CryptoError;

/// Errors of the DKG: bad configuration, a failed run, or a failed Schnorr/ECIES operation.
/// Misbehaving peers never cause an error by themselves: they are excluded and reported as
/// [`DkgOutput::Rejected`](super::DkgOutput::Rejected); an error means this node has no result.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DkgError {
    /// The configuration cannot work (the caller's fault).
    #[error("invalid DKG configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// A key, share or polynomial of the configuration was unusable.
    #[error("DKG crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// The other participants' messages evict this node (as a dealer or a share holder).
    #[error("this node was evicted from the DKG: {reason}")]
    Evicted {
        /// Why (e.g. too many complaints against our deal).
        reason: String,
    },
    /// Too few dealers qualified (absent or misbehaving peers).
    #[error("only {have} qualified dealers, {need} needed")]
    NotEnoughDealers {
        /// Dealers whose deals were valid for everyone (or justified).
        have: usize,
        /// The threshold (the old threshold for a reshare).
        need: usize,
    },
    /// Too few share holders qualified (absent or misbehaving peers).
    #[error("only {have} qualified share holders, {need} needed")]
    NotEnoughHolders {
        /// New nodes that took part correctly.
        have: usize,
        /// The new threshold.
        need: usize,
    },
    /// The reshared public polynomial does not keep the previous group key (dealers' shares
    /// were inconsistent with the previous group).
    #[error("the reshared group key differs from the previous group key")]
    GroupKeyChanged,
    /// This node's resulting share does not match the resulting public polynomial.
    #[error("our resulting share does not match the resulting public polynomial")]
    ShareMismatch,
    /// A qualified dealer's deal is missing from our records (a bug, never a peer's doing).
    #[error("internal error: no deal recorded for qualified dealer {dealer}")]
    MissingDeal {
        /// The dealer's index.
        dealer: u32,
    },
    /// A coefficient of the resulting polynomial is the identity (unusable group key).
    #[error("the resulting public polynomial has an identity coefficient")]
    DegenerateKey,
    /// A Schnorr signature was malformed or did not verify.
    #[error("invalid Schnorr signature: {reason}")]
    BadSignature {
        /// What was wrong (length, point, scalar, equation).
        reason: String,
    },
    /// An ECIES ciphertext could not be decrypted.
    #[error("ECIES decryption failed: {reason}")]
    Decryption {
        /// What was wrong (length, ephemeral point, authentication tag).
        reason: String,
    },
    /// The scheme has no key-group suite (a newer `drand-lite` scheme).
    #[error("scheme {scheme} is not supported by the DKG")]
    UnsupportedScheme {
        /// The scheme ID.
        scheme: &'static str,
    },
}
