//! Chain information: parsing drand's v1 and v2 `/info` JSON, the chain hash, and pinning.
//!
//! The chain hash is `sha256(BE32(period) ‖ BE64(genesis_time) ‖ public_key ‖ genesis_seed ‖
//! beacon_id)`, where the beacon ID is appended only when it is neither empty nor `default`.
//! It is always recomputed here: a served `hash`/`chain_hash` is only compared against it. The
//! scheme ID is not covered by the hash, so a light client pins the scheme alongside it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::backend::PairingSetting;
use crate::backend::bls12_381::{KeyOnG1, KeyOnG2};
use crate::backend::bn254::Bn254KeyOnG2;
use crate::error::{ChainInfoError, DecodeError, Field};
use crate::hex;
use crate::scheme::{Layout, Scheme};

/// Largest chain info document accepted (real ones are under 1 KiB).
pub const MAX_CHAIN_INFO_BYTES: usize = 16 * 1024;
/// Largest beacon ID accepted.
pub const MAX_BEACON_ID_BYTES: usize = 256;
/// Size of the genesis seed (a SHA-256 group hash).
pub const GENESIS_SEED_BYTES: usize = 32;

/// A chain hash: the SHA-256 identity of a drand chain.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// Parses a chain hash typed by a person (64 hex digits, either case).
    pub fn parse(text: &str) -> Result<ChainHash, DecodeError> {
        let bytes = hex::decode_user(Field::ChainHash, text.trim(), 32)?;
        let array = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| DecodeError::Length {
            field: Field::ChainHash,
            expected: 32,
            actual: bytes.len(),
        })?;
        Ok(ChainHash(array))
    }

    /// The hash as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }
}

impl core::fmt::Display for ChainHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl core::fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ChainHash({})", self.to_hex())
    }
}

impl core::str::FromStr for ChainHash {
    type Err = DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChainHash::parse(s)
    }
}

/// A chain's public key, validated once and ready for verification.
#[derive(Clone, Debug)]
pub(crate) enum ChainKey {
    /// Key on G1 (`pedersen-*` schemes).
    G1(<KeyOnG1 as PairingSetting>::PublicKey),
    /// Key on G2 (`bls-unchained-*g1*` schemes).
    G2(<KeyOnG2 as PairingSetting>::PublicKey),
    /// BN254 key on G2 (`bls-bn254-unchained-on-g1`).
    Bn254(<Bn254KeyOnG2 as PairingSetting>::PublicKey),
}

/// Everything needed to verify a chain's beacons, with its recomputed chain hash.
#[derive(Clone, Debug)]
pub struct ChainInfo {
    scheme: Scheme,
    public_key: Vec<u8>,
    key: ChainKey,
    period: u32,
    genesis_time: u64,
    genesis_seed: [u8; GENESIS_SEED_BYTES],
    beacon_id: String,
    hash: ChainHash,
}

/// The union of v1 and v2 `/info` fields.
#[derive(Deserialize)]
struct RawChainInfo {
    public_key: Option<String>,
    period: Option<u64>,
    genesis_time: Option<i64>,
    // v1
    hash: Option<String>,
    #[serde(rename = "groupHash")]
    group_hash: Option<String>,
    #[serde(rename = "schemeID")]
    scheme_id: Option<String>,
    metadata: Option<RawMetadata>,
    // v2
    chain_hash: Option<String>,
    genesis_seed: Option<String>,
    scheme: Option<String>,
    beacon_id: Option<String>,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(rename = "beaconID")]
    beacon_id: Option<String>,
}

/// The fields of v1 and v2 chain info, before validation: what a JSON parser (or a JS object,
/// in WebAssembly) supplies to [`ChainInfo::from_fields`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainInfoFields {
    /// `public_key` (hex).
    pub public_key: Option<String>,
    /// `period` (seconds).
    pub period: Option<u64>,
    /// `genesis_time` (Unix seconds).
    pub genesis_time: Option<i64>,
    /// v1 `hash` (hex).
    pub hash: Option<String>,
    /// v1 `groupHash` (hex).
    pub group_hash: Option<String>,
    /// v1 `schemeID`.
    pub scheme_id: Option<String>,
    /// v1 `metadata.beaconID`.
    pub metadata_beacon_id: Option<String>,
    /// v2 `chain_hash` (hex).
    pub chain_hash: Option<String>,
    /// v2 `genesis_seed` (hex).
    pub genesis_seed: Option<String>,
    /// v2 `scheme`.
    pub scheme: Option<String>,
    /// v2 `beacon_id`.
    pub beacon_id: Option<String>,
}

impl From<RawChainInfo> for ChainInfoFields {
    fn from(raw: RawChainInfo) -> ChainInfoFields {
        ChainInfoFields {
            public_key: raw.public_key,
            period: raw.period,
            genesis_time: raw.genesis_time,
            hash: raw.hash,
            group_hash: raw.group_hash,
            scheme_id: raw.scheme_id,
            metadata_beacon_id: raw.metadata.and_then(|m| m.beacon_id),
            chain_hash: raw.chain_hash,
            genesis_seed: raw.genesis_seed,
            scheme: raw.scheme,
            beacon_id: raw.beacon_id,
        }
    }
}

/// Takes a field that v1 and v2 spell differently; if both spellings are present they must agree.
fn either(
    v1: Option<String>,
    v2: Option<String>,
    name: &'static str,
) -> Result<Option<String>, ChainInfoError> {
    match (v1, v2) {
        (Some(a), Some(b)) if a != b => Err(ChainInfoError::Json(format!(
            "`{name}` is given twice with different values"
        ))),
        (a, b) => Ok(a.or(b)),
    }
}

impl ChainInfo {
    /// Builds chain info from its parts, validating the key for the scheme.
    pub fn new(
        scheme: Scheme,
        public_key: &[u8],
        period: u32,
        genesis_time: u64,
        genesis_seed: [u8; GENESIS_SEED_BYTES],
        beacon_id: &str,
    ) -> Result<ChainInfo, ChainInfoError> {
        if period == 0 {
            return Err(ChainInfoError::ZeroPeriod);
        }
        let genesis_signed = i64::try_from(genesis_time).map_err(|_| {
            ChainInfoError::Json(format!("genesis_time {genesis_time} does not fit in i64"))
        })?;
        if beacon_id.len() > MAX_BEACON_ID_BYTES {
            return Err(ChainInfoError::Json(format!(
                "beacon ID is longer than {MAX_BEACON_ID_BYTES} bytes"
            )));
        }
        let key = match scheme.layout() {
            Layout::KeyOnG1 => ChainKey::G1(KeyOnG1::decode_public_key(public_key)?),
            Layout::KeyOnG2 => ChainKey::G2(KeyOnG2::decode_public_key(public_key)?),
            Layout::Bn254KeyOnG2 => ChainKey::Bn254(Bn254KeyOnG2::decode_public_key(public_key)?),
        };
        let hash = compute_chain_hash(period, genesis_signed, public_key, &genesis_seed, beacon_id);
        Ok(ChainInfo {
            scheme,
            public_key: public_key.to_vec(),
            key,
            period,
            genesis_time,
            genesis_seed,
            beacon_id: beacon_id.to_owned(),
            hash,
        })
    }

    /// Parses v1 or v2 chain info JSON. If the document states a chain hash, it must equal the
    /// recomputed one.
    pub fn from_json(json: &str) -> Result<ChainInfo, ChainInfoError> {
        if json.len() > MAX_CHAIN_INFO_BYTES {
            return Err(ChainInfoError::TooLarge {
                limit: MAX_CHAIN_INFO_BYTES,
                actual: json.len(),
            });
        }
        let raw: RawChainInfo =
            serde_json::from_str(json).map_err(|e| ChainInfoError::Json(e.to_string()))?;
        ChainInfo::from_fields(raw.into())
    }

    /// Validates v1/v2 chain info fields (see [`ChainInfo::from_json`]).
    pub fn from_fields(raw: ChainInfoFields) -> Result<ChainInfo, ChainInfoError> {
        let scheme_id = either(raw.scheme_id, raw.scheme, "schemeID/scheme")?
            .ok_or(ChainInfoError::MissingField("schemeID"))?;
        let scheme = Scheme::from_id(&scheme_id)
            .ok_or_else(|| ChainInfoError::UnknownScheme(scheme_id.clone()))?;
        let public_key_hex = raw
            .public_key
            .ok_or(ChainInfoError::MissingField("public_key"))?;
        let public_key = hex::decode(Field::PublicKey, &public_key_hex, scheme.public_key_len())?;
        let period = raw.period.ok_or(ChainInfoError::MissingField("period"))?;
        let period = u32::try_from(period)
            .map_err(|_| ChainInfoError::Json(format!("period {period} does not fit in u32")))?;
        let genesis = raw
            .genesis_time
            .ok_or(ChainInfoError::MissingField("genesis_time"))?;
        let genesis_time =
            u64::try_from(genesis).map_err(|_| ChainInfoError::NegativeGenesis(genesis))?;
        let seed_hex = either(raw.group_hash, raw.genesis_seed, "groupHash/genesis_seed")?
            .ok_or(ChainInfoError::MissingField("groupHash"))?;
        let genesis_seed = hex::decode_array::<GENESIS_SEED_BYTES>(Field::GenesisSeed, &seed_hex)?;
        let beacon_id = either(
            raw.metadata_beacon_id,
            raw.beacon_id,
            "metadata.beaconID/beacon_id",
        )?
        .unwrap_or_default();

        let info = ChainInfo::new(
            scheme,
            &public_key,
            period,
            genesis_time,
            genesis_seed,
            &beacon_id,
        )?;
        if let Some(served) = either(raw.hash, raw.chain_hash, "hash/chain_hash")? {
            let served = ChainHash(hex::decode_array::<32>(Field::ChainHash, &served)?);
            if served != info.hash {
                return Err(ChainInfoError::ServedHashMismatch {
                    served: served.to_hex(),
                    computed: info.hash.to_hex(),
                });
            }
        }
        Ok(info)
    }

    /// Parses chain info and requires its recomputed hash to equal `expected_hash` (hex).
    pub fn pinned(json: &str, expected_hash: &str) -> Result<ChainInfo, ChainInfoError> {
        let expected = ChainHash::parse(expected_hash)?;
        let info = ChainInfo::from_json(json)?;
        info.check_pin(&expected)?;
        Ok(info)
    }

    /// Fails unless this chain's recomputed hash equals `expected`.
    pub fn check_pin(&self, expected: &ChainHash) -> Result<(), ChainInfoError> {
        if &self.hash == expected {
            Ok(())
        } else {
            Err(ChainInfoError::PinnedHashMismatch {
                pinned: expected.to_hex(),
                computed: self.hash.to_hex(),
            })
        }
    }

    /// The chain's scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// The group public key bytes.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }
    pub(crate) fn key(&self) -> &ChainKey {
        &self.key
    }
    /// Seconds between rounds.
    pub fn period(&self) -> u32 {
        self.period
    }
    /// Unix time (seconds) of round 1.
    pub fn genesis_time(&self) -> u64 {
        self.genesis_time
    }
    /// The genesis seed (v1 `groupHash`), which round 1 of a chained chain links to.
    pub fn genesis_seed(&self) -> &[u8; GENESIS_SEED_BYTES] {
        &self.genesis_seed
    }
    /// The beacon ID (`""` for legacy chains).
    pub fn beacon_id(&self) -> &str {
        &self.beacon_id
    }
    /// The recomputed chain hash.
    pub fn hash(&self) -> ChainHash {
        self.hash
    }

    /// Serializes as drand's v1 `/info` JSON, in drand's field order.
    pub fn to_v1_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Metadata<'a> {
            #[serde(rename = "beaconID")]
            beacon_id: &'a str,
        }
        #[derive(serde::Serialize)]
        struct V1<'a> {
            public_key: String,
            period: u32,
            genesis_time: u64,
            hash: String,
            #[serde(rename = "groupHash")]
            group_hash: String,
            #[serde(rename = "schemeID")]
            scheme_id: &'a str,
            metadata: Metadata<'a>,
        }
        serde_json::to_string(&V1 {
            public_key: hex::encode(&self.public_key),
            period: self.period,
            genesis_time: self.genesis_time,
            hash: self.hash.to_hex(),
            group_hash: hex::encode(&self.genesis_seed),
            scheme_id: self.scheme.id(),
            metadata: Metadata {
                beacon_id: &self.beacon_id,
            },
        })
        .unwrap_or_default()
    }

    /// Serializes as the v2 `/info` JSON, in the relay's field order.
    pub fn to_v2_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct V2<'a> {
            public_key: String,
            period: u32,
            genesis_time: u64,
            genesis_seed: String,
            chain_hash: String,
            scheme: &'a str,
            beacon_id: &'a str,
        }
        serde_json::to_string(&V2 {
            public_key: hex::encode(&self.public_key),
            period: self.period,
            genesis_time: self.genesis_time,
            genesis_seed: hex::encode(&self.genesis_seed),
            chain_hash: self.hash.to_hex(),
            scheme: self.scheme.id(),
            beacon_id: &self.beacon_id,
        })
        .unwrap_or_default()
    }
}

/// The chain hash layout (drand `common/chain/info.go`).
pub fn compute_chain_hash(
    period: u32,
    genesis_time: i64,
    public_key: &[u8],
    genesis_seed: &[u8],
    beacon_id: &str,
) -> ChainHash {
    let mut h = Sha256::new();
    h.update(period.to_be_bytes());
    h.update(genesis_time.to_be_bytes());
    h.update(public_key);
    h.update(genesis_seed);
    if !beacon_id.is_empty() && beacon_id != "default" {
        h.update(beacon_id.as_bytes());
    }
    ChainHash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICKNET_V1: &str = r#"{"public_key":"83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a","period":3,"genesis_time":1692803367,"hash":"52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971","groupHash":"f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e","schemeID":"bls-unchained-g1-rfc9380","metadata":{"beaconID":"quicknet"}}"#;

    #[test]
    fn v1_and_v2_round_trip_to_the_same_chain() {
        let v1 = ChainInfo::from_json(QUICKNET_V1).unwrap();
        assert_eq!(v1.to_v1_json(), QUICKNET_V1);
        let v2 = ChainInfo::from_json(&v1.to_v2_json()).unwrap();
        assert_eq!(v2.hash(), v1.hash());
        assert_eq!(v2.to_v1_json(), QUICKNET_V1);
    }

    #[test]
    fn conflicting_v1_and_v2_fields_are_rejected() {
        let both = QUICKNET_V1.replacen('{', r#"{"scheme":"bls-unchained-on-g1","#, 1);
        assert!(matches!(
            ChainInfo::from_json(&both),
            Err(ChainInfoError::Json(_))
        ));
        let agreeing = QUICKNET_V1.replacen('{', r#"{"scheme":"bls-unchained-g1-rfc9380","#, 1);
        assert!(ChainInfo::from_json(&agreeing).is_ok());
    }

    #[test]
    fn missing_and_unknown_scheme_are_errors_not_defaults() {
        let missing = QUICKNET_V1.replace(r#""schemeID":"bls-unchained-g1-rfc9380","#, "");
        assert_eq!(
            ChainInfo::from_json(&missing).unwrap_err(),
            ChainInfoError::MissingField("schemeID")
        );
        let unknown = QUICKNET_V1.replace("bls-unchained-g1-rfc9380", "bls-unchained-g1");
        assert!(matches!(
            ChainInfo::from_json(&unknown),
            Err(ChainInfoError::UnknownScheme(_))
        ));
    }

    #[test]
    fn beacon_id_default_and_empty_are_not_hashed() {
        let a = compute_chain_hash(30, 1, b"pk", b"seed", "");
        assert_eq!(a, compute_chain_hash(30, 1, b"pk", b"seed", "default"));
        assert_ne!(a, compute_chain_hash(30, 1, b"pk", b"seed", "quicknet"));
    }
}
