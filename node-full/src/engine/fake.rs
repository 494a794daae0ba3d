//! Test-only threshold crypto: partials are keyed hashes (cheap, checkable), and recovery
//! signs with the group secret key directly, so the engine's final verification with the
//! verifier core sees a real BLS signature. BLS12-381 schemes only.

use blstrs::{G1Affine, G1Projective, G2Affine, G2Projective, Scalar};
use drand_lite::scheme::Layout;
use drand_lite::{ChainInfo, Scheme};
use group::Group;
use sha2::{Digest, Sha256};

use super::threshold::{ThresholdCrypto, ThresholdError};

/// The fake crypto of one node.
pub struct FakeCrypto {
    pub index: u16,
    pub secret: u64,
    pub scheme: Scheme,
}

fn tag(index: u16, digest: &[u8], len: usize) -> Vec<u8> {
    let mut out = index.to_be_bytes().to_vec();
    let mut counter = 0u8;
    while out.len() < len + 2 {
        let block = Sha256::new()
            .chain_update(b"fake-partial")
            .chain_update(index.to_be_bytes())
            .chain_update([counter])
            .chain_update(digest)
            .finalize();
        out.extend_from_slice(&block);
        counter += 1;
    }
    out.truncate(len + 2);
    out
}

/// Chain info whose group key is `secret`·G for `scheme`.
pub fn chain_info(scheme: Scheme, secret: u64, period: u32, genesis: u64) -> ChainInfo {
    let sk = Scalar::from(secret);
    let pk = match scheme.layout() {
        Layout::KeyOnG1 => G1Affine::from(G1Projective::generator() * sk)
            .to_compressed()
            .to_vec(),
        _ => G2Affine::from(G2Projective::generator() * sk)
            .to_compressed()
            .to_vec(),
    };
    ChainInfo::new(scheme, &pk, period, genesis, [7u8; 32], "test").unwrap()
}

impl ThresholdCrypto for FakeCrypto {
    fn sign_partial(&self, digest: &[u8]) -> Vec<u8> {
        tag(self.index, digest, self.scheme.signature_len())
    }

    fn verify_partial(&self, digest: &[u8], partial: &[u8]) -> Result<u16, ThresholdError> {
        let index = match partial {
            [hi, lo, ..] => u16::from_be_bytes([*hi, *lo]),
            _ => return Err(ThresholdError::InvalidPartial("too short".into())),
        };
        if tag(index, digest, self.scheme.signature_len()) == partial {
            Ok(index)
        } else {
            Err(ThresholdError::InvalidPartial("bad tag".into()))
        }
    }

    fn combine(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, ThresholdError> {
        // Like the real one: whatever the first `threshold` are, the result must verify.
        let first: Vec<Vec<u8>> = partials.iter().take(threshold).cloned().collect();
        if first.len() < threshold
            || first
                .iter()
                .any(|p| self.verify_partial(digest, p).is_err())
        {
            return Err(ThresholdError::Recover(
                "the combination does not verify".into(),
            ));
        }
        self.recover(digest, &first, threshold)
    }

    fn recover(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, ThresholdError> {
        let valid = partials
            .iter()
            .filter(|p| self.verify_partial(digest, p).is_ok())
            .count();
        if valid < threshold {
            return Err(ThresholdError::Recover(format!("{valid} valid partials")));
        }
        let sk = Scalar::from(self.secret);
        let dst = self.scheme.dst();
        Ok(match self.scheme.layout() {
            Layout::KeyOnG1 => G2Affine::from(G2Projective::hash_to_curve(digest, dst, &[]) * sk)
                .to_compressed()
                .to_vec(),
            _ => G1Affine::from(G1Projective::hash_to_curve(digest, dst, &[]) * sk)
                .to_compressed()
                .to_vec(),
        })
    }
}
