//! [`ThresholdCrypto`] with this node's share and the group's public polynomial.

use super::threshold::{ThresholdCrypto, ThresholdError};
use crate::crypto::{CryptoError, PublicPoly, Share};

/// Threshold operations of a group member: signs with its share, verifies partials against the
/// public polynomial, recovers group signatures.
#[derive(Debug, Clone)]
pub struct ShareCrypto {
    share: Share,
    poly: PublicPoly,
}

impl ShareCrypto {
    /// Pairs `share` with the group's `poly`, refusing a share that does not belong to it (a
    /// node signing with a wrong share would only ever send invalid partials).
    pub fn new(share: Share, poly: PublicPoly) -> Result<Self, CryptoError> {
        poly.check_share(&share)?;
        Ok(ShareCrypto { share, poly })
    }

    /// The group's public polynomial.
    pub fn poly(&self) -> &PublicPoly {
        &self.poly
    }

    /// This node's share index.
    pub fn index(&self) -> u32 {
        self.share.index()
    }
}

impl ThresholdCrypto for ShareCrypto {
    fn sign_partial(&self, digest: &[u8]) -> Vec<u8> {
        self.share.partial_sign(digest)
    }

    fn verify_partial(&self, digest: &[u8], partial: &[u8]) -> Result<u16, ThresholdError> {
        Ok(self.poly.verify_partial(digest, partial)?)
    }

    fn combine(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, ThresholdError> {
        // The engine verifies the result with the verifier core: no second check here.
        let _ = digest;
        Ok(self.poly.interpolate_unchecked(partials, threshold)?)
    }

    fn recover(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, ThresholdError> {
        // Optimistic inside: the first `threshold` are combined and checked once; only if that
        // fails is each partial verified.
        Ok(self.poly.recover(digest, partials, threshold)?)
    }
}
