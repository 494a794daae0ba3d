//! The drand signature schemes: their IDs, which group holds keys and signatures, the
//! hash-to-curve domain separation tag, and the message each round signs.
//!
//! The scheme is always chosen from its ID, never guessed from byte lengths: `fastnet` and
//! `quicknet` have the same sizes and differ only in their DST.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// RFC 9380 DST for hashing to G2 (BLS12-381, SHA-256, SSWU, random oracle).
pub const DST_G2: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";
/// RFC 9380 DST for hashing to G1 (BLS12-381, SHA-256, SSWU, random oracle).
pub const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
/// RFC 9380-style DST for hashing to BN254 G1 (Keccak-256, SVDW, random oracle): evmnet.
pub const DST_BN254_G1: &[u8] = b"BLS_SIG_BN254G1_XMD:KECCAK-256_SVDW_RO_NUL_";

/// Where a scheme keeps its keys and signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// BLS12-381, public key on G1 (48 bytes), signature on G2 (96 bytes).
    KeyOnG1,
    /// BLS12-381, public key on G2 (96 bytes), signature on G1 (48 bytes).
    KeyOnG2,
    /// BN254, public key on G2 (128 bytes uncompressed), signature on G1 (64 bytes).
    Bn254KeyOnG2,
}

impl Layout {
    /// Size of an encoded public key (compressed on BLS12-381, uncompressed on BN254).
    pub const fn public_key_len(self) -> usize {
        match self {
            Layout::KeyOnG1 => 48,
            Layout::KeyOnG2 => 96,
            Layout::Bn254KeyOnG2 => 128,
        }
    }

    /// Size of an encoded signature (compressed on BLS12-381, uncompressed on BN254).
    pub const fn signature_len(self) -> usize {
        match self {
            Layout::KeyOnG1 => 96,
            Layout::KeyOnG2 => 48,
            Layout::Bn254KeyOnG2 => 64,
        }
    }
}

/// A drand beacon scheme, identified by its exact `schemeID` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `pedersen-bls-chained`: mainnet `default`; each round signs the previous signature.
    PedersenBlsChained,
    /// `pedersen-bls-unchained`: key on G1, signature on G2, rounds signed independently.
    PedersenBlsUnchained,
    /// `bls-unchained-on-g1`: signatures on G1 hashed with the *G2* DST (deprecated, `fastnet`).
    BlsUnchainedOnG1,
    /// `bls-unchained-g1-rfc9380`: signatures on G1 with the proper G1 DST (`quicknet`).
    BlsUnchainedG1Rfc9380,
    /// `bls-bn254-unchained-on-g1`: BN254, key on G2, signatures on G1, Keccak-256 messages
    /// (`evmnet`).
    BlsBn254UnchainedOnG1,
}

impl Scheme {
    /// Every scheme this verifier supports.
    pub const ALL: [Scheme; 5] = [
        Scheme::PedersenBlsChained,
        Scheme::PedersenBlsUnchained,
        Scheme::BlsUnchainedOnG1,
        Scheme::BlsUnchainedG1Rfc9380,
        Scheme::BlsBn254UnchainedOnG1,
    ];

    /// Looks a scheme up by its exact ID; unknown IDs are `None`, never a default.
    pub fn from_id(id: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The exact scheme ID drand uses.
    pub const fn id(self) -> &'static str {
        match self {
            Scheme::PedersenBlsChained => "pedersen-bls-chained",
            Scheme::PedersenBlsUnchained => "pedersen-bls-unchained",
            Scheme::BlsUnchainedOnG1 => "bls-unchained-on-g1",
            Scheme::BlsUnchainedG1Rfc9380 => "bls-unchained-g1-rfc9380",
            Scheme::BlsBn254UnchainedOnG1 => "bls-bn254-unchained-on-g1",
        }
    }

    /// Whether each round's message includes the previous round's signature.
    pub const fn is_chained(self) -> bool {
        matches!(self, Scheme::PedersenBlsChained)
    }

    /// Which groups hold the key and the signature.
    pub const fn layout(self) -> Layout {
        match self {
            Scheme::PedersenBlsChained | Scheme::PedersenBlsUnchained => Layout::KeyOnG1,
            Scheme::BlsUnchainedOnG1 | Scheme::BlsUnchainedG1Rfc9380 => Layout::KeyOnG2,
            Scheme::BlsBn254UnchainedOnG1 => Layout::Bn254KeyOnG2,
        }
    }

    /// The hash-to-curve DST used to map a round's message into the signature group.
    pub const fn dst(self) -> &'static [u8] {
        match self {
            // The deprecated G1 scheme keeps drand's original mistake: G2's DST on G1.
            Scheme::PedersenBlsChained
            | Scheme::PedersenBlsUnchained
            | Scheme::BlsUnchainedOnG1 => DST_G2,
            Scheme::BlsUnchainedG1Rfc9380 => DST_G1,
            Scheme::BlsBn254UnchainedOnG1 => DST_BN254_G1,
        }
    }

    /// Size of a public key in bytes.
    pub const fn public_key_len(self) -> usize {
        self.layout().public_key_len()
    }

    /// Size of a signature in bytes.
    pub const fn signature_len(self) -> usize {
        self.layout().signature_len()
    }

    /// The 32-byte message signed for `round`: `sha256(previous_signature ‖ BE64(round))` for
    /// chained schemes, `keccak256(BE64(round))` (legacy Keccak, not SHA-3) for BN254, and
    /// `sha256(BE64(round))` otherwise.
    pub fn digest(self, round: u64, previous_signature: Option<&[u8]>) -> [u8; 32] {
        if self == Scheme::BlsBn254UnchainedOnG1 {
            return Keccak256::digest(round.to_be_bytes()).into();
        }
        let mut h = Sha256::new();
        if self.is_chained()
            && let Some(prev) = previous_signature
        {
            h.update(prev);
        }
        h.update(round.to_be_bytes());
        h.finalize().into()
    }
}

impl core::fmt::Display for Scheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_fail() {
        for s in Scheme::ALL {
            assert_eq!(Scheme::from_id(s.id()), Some(s));
        }
        for bad in [
            "",
            "bn254-unchained-on-g1",
            "pedersen-bls-chained ",
            "PEDERSEN-BLS-CHAINED",
            "bls-unchained-g1",
        ] {
            assert_eq!(Scheme::from_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dst_follows_the_scheme_not_the_group() {
        assert_eq!(Scheme::BlsUnchainedOnG1.dst(), DST_G2);
        assert_eq!(Scheme::BlsUnchainedG1Rfc9380.dst(), DST_G1);
        assert_eq!(
            Scheme::BlsUnchainedOnG1.layout(),
            Scheme::BlsUnchainedG1Rfc9380.layout()
        );
    }

    #[test]
    fn bn254_uses_keccak_and_its_own_sizes() {
        let s = Scheme::BlsBn254UnchainedOnG1;
        assert_eq!(s.id(), "bls-bn254-unchained-on-g1");
        assert_eq!((s.public_key_len(), s.signature_len()), (128, 64));
        assert_eq!(s.dst(), DST_BN254_G1);
        assert!(!s.is_chained());
        // keccak256 of the empty string tells legacy Keccak from SHA3-256.
        assert_eq!(
            crate::hex::encode(&Keccak256::digest([])),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        // hash-to-curve.json: evmnet round 9337227.
        assert_eq!(
            crate::hex::encode(&s.digest(9_337_227, None)),
            "baf09720c37cb921fd8362b1d907232ac0b813ffba768c714aeaace987e7fd6b"
        );
        assert_eq!(s.digest(7, Some(&[1, 2, 3])), s.digest(7, None));
    }

    #[test]
    fn unchained_digest_ignores_previous_signature() {
        let s = Scheme::PedersenBlsUnchained;
        assert_eq!(s.digest(7, Some(&[1, 2, 3])), s.digest(7, None));
        let c = Scheme::PedersenBlsChained;
        assert_ne!(c.digest(7, Some(&[1, 2, 3])), c.digest(7, None));
    }
}
