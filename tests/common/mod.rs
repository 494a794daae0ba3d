//! Loading the real drand vectors from `../shared/vectors` (or `$DRAND_VECTORS`).
#![allow(dead_code)]

use std::path::PathBuf;

use drand_lite::{Beacon, ChainInfo, Scheme};
use serde_json::Value;

/// Where the shared vectors live.
pub fn vectors_dir() -> PathBuf {
    std::env::var_os("DRAND_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
}

/// Schemes whose support lands in a later issue; their vectors are counted, not run. None now:
/// evmnet (`bls-bn254-unchained-on-g1`) is supported.
pub const PENDING_SCHEMES: &[&str] = &[];

/// A vector file with a chain.
pub struct ChainFile {
    pub name: String,
    pub chain: Value,
    pub beacons: Vec<Value>,
    pub invalid: Vec<Value>,
}

impl ChainFile {
    pub fn scheme_id(&self) -> &str {
        self.chain["schemeID"].as_str().unwrap_or_default()
    }
    pub fn is_pending(&self) -> bool {
        PENDING_SCHEMES.contains(&self.scheme_id())
    }
    pub fn info(&self) -> ChainInfo {
        ChainInfo::from_json(&self.chain.to_string())
            .unwrap_or_else(|e| panic!("{}: chain info rejected: {e}", self.name))
    }
}

/// Every `*.json` vector file that has a `chain`.
pub fn chain_files() -> Vec<ChainFile> {
    let dir = vectors_dir();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read vectors at {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        if let Some(chain) = doc.get("chain") {
            out.push(ChainFile {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                chain: chain.clone(),
                beacons: doc["beacons"].as_array().cloned().unwrap_or_default(),
                invalid: doc["invalid"].as_array().cloned().unwrap_or_default(),
            });
        }
    }
    assert!(
        out.len() >= 10,
        "expected the shared vector files, found {}",
        out.len()
    );
    out
}

/// The beacon fields of a vector entry as JSON text (extra keys such as `why` dropped).
pub fn beacon_json(entry: &Value) -> String {
    let mut map = serde_json::Map::new();
    for key in ["round", "randomness", "signature", "previous_signature"] {
        if let Some(v) = entry.get(key) {
            map.insert(key.into(), v.clone());
        }
    }
    Value::Object(map).to_string()
}

pub fn beacon(entry: &Value) -> Beacon {
    Beacon::from_json(&beacon_json(entry)).unwrap()
}

/// A scheme-only vector (`scheme-only.json`): the chain is built from its key and scheme.
pub struct SchemeOnly {
    pub entry: Value,
    pub scheme: String,
    pub valid: bool,
}

pub fn scheme_only() -> Vec<SchemeOnly> {
    let text = std::fs::read_to_string(vectors_dir().join("scheme-only.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (key, valid) in [("vectors", true), ("invalid", false)] {
        for entry in doc[key].as_array().cloned().unwrap_or_default() {
            out.push(SchemeOnly {
                scheme: entry["scheme"].as_str().unwrap().to_owned(),
                entry,
                valid,
            });
        }
    }
    out
}

/// A chain with the vector's scheme and key (period, genesis and seed are placeholders).
pub fn chain_for(
    scheme: Scheme,
    public_key_hex: &str,
) -> Result<ChainInfo, drand_lite::ChainInfoError> {
    let pk = drand_lite::hex::decode(drand_lite::Field::PublicKey, public_key_hex, 256).unwrap();
    ChainInfo::new(scheme, &pk, 3, 1_600_000_000, [7u8; 32], "scheme-only")
}

// Written out here rather than taken from the library, so a wrong library constant fails tests.
/// The RFC 9380 BLS12-381 G1 DST.
pub const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
/// The RFC 9380 BLS12-381 G2 DST.
pub const DST_G2: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// sha256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}
