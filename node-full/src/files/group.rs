//! drand's group file (`groups/drand_group.toml`), its hash (the genesis seed of epoch 1) and
//! the chain info it defines.
//!
//! The TOML is read and written byte-for-byte as drand v2 writes it (§4.3 of the node
//! reference): scalars first, `TransitionTime` only when non-zero, then one `[[Nodes]]` table
//! per member and a `[PublicKey]` table. Older files are accepted: no `SchemeID` means
//! `pedersen-bls-chained`, no `ID` means `default`, `TLS` is ignored, nodes without a
//! signature parse (see [`Group::verify_self_signatures`]).

use std::collections::HashSet;
use std::path::Path;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use drand_lite::{ChainInfo, Scheme};
use serde::Deserialize;

use super::duration::{format_go_duration, parse_go_duration_secs};
use super::encoding::{TomlWriter, decode_hex, decode_hex_exact, hex, parse_toml};
use super::layout::{
    DEFAULT_BEACON_ID, PUBLIC_FILE_MODE, canonical_beacon_id, read_file_limited,
    validate_beacon_id, write_atomic,
};
use super::{FilesError, address::validate_address};
use crate::crypto::{PublicPoly, validate_public_key};

/// The largest group file we read (a 1000-node group is about 500 KB).
pub const MAX_GROUP_FILE_BYTES: u64 = 8 << 20;

/// The scheme of files that predate `SchemeID` (drand's default).
pub const LEGACY_DEFAULT_SCHEME: Scheme = Scheme::PedersenBlsChained;

/// blake2b with a 32-byte output, drand's group and identity hash.
pub type Blake2b256 = Blake2b<U32>;

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupNode {
    /// The `host:port` peers dial.
    pub address: String,
    /// The member's long-term public key (in the scheme's key group).
    pub key: Vec<u8>,
    /// Its self-signature over `schemeName || blake2b256(key)` (empty in v1 files).
    pub signature: Vec<u8>,
    /// Its share index (indices may have gaps).
    pub index: u32,
}

impl GroupNode {
    /// `blake2b256(LE32(index) || key)`, the node's contribution to the group hash.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Blake2b256::new();
        h.update(self.index.to_le_bytes());
        h.update(&self.key);
        h.finalize().into()
    }
}

/// A group of drand nodes and, after a DKG, its distributed public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Signatures needed to make a beacon.
    pub threshold: u32,
    /// Seconds between rounds.
    pub period_secs: u32,
    /// Seconds between rounds while catching up (0 in old files).
    pub catchup_period_secs: u32,
    /// Unix time of round 1.
    pub genesis_time: u64,
    /// Unix time at which this group takes over (0 = not a reshare; epoch 1 = genesis time).
    pub transition_time: u64,
    /// The chain's genesis seed: the hash of the epoch-1 group.
    pub genesis_seed: Vec<u8>,
    /// The beacon scheme.
    pub scheme: Scheme,
    /// The beacon ID (canonical: never empty).
    pub beacon_id: String,
    /// The members, in file order.
    pub nodes: Vec<GroupNode>,
    /// The public polynomial's commitments (`[0]` is the group public key); empty before a DKG.
    pub public_coefficients: Vec<Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupToml {
    #[serde(rename = "Threshold")]
    threshold: Option<i64>,
    #[serde(rename = "Period")]
    period: Option<String>,
    #[serde(rename = "CatchupPeriod")]
    catchup_period: Option<String>,
    #[serde(rename = "GenesisTime")]
    genesis_time: Option<i64>,
    #[serde(rename = "TransitionTime")]
    transition_time: Option<i64>,
    #[serde(rename = "GenesisSeed")]
    genesis_seed: Option<String>,
    #[serde(rename = "SchemeID")]
    scheme_id: Option<String>,
    #[serde(rename = "ID")]
    id: Option<String>,
    #[serde(rename = "Nodes")]
    nodes: Option<Vec<NodeToml>>,
    #[serde(rename = "PublicKey")]
    public_key: Option<DistPublicToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeToml {
    #[serde(rename = "Address")]
    address: Option<String>,
    #[serde(rename = "Key")]
    key: Option<String>,
    #[serde(rename = "TLS")]
    _tls: Option<bool>,
    #[serde(rename = "Signature")]
    signature: Option<String>,
    #[serde(rename = "SchemeName")]
    scheme_name: Option<String>,
    #[serde(rename = "Index")]
    index: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistPublicToml {
    #[serde(rename = "Coefficients")]
    coefficients: Option<Vec<String>>,
}

/// drand's minimum threshold for `n` members: `n/2 + 1`.
pub fn minimum_threshold(n: usize) -> usize {
    n / 2 + 1
}

/// Looks up a scheme name from a file; `""` is the legacy default.
pub(crate) fn scheme_from_file(field: &str, name: &str) -> Result<Scheme, FilesError> {
    if name.is_empty() {
        return Ok(LEGACY_DEFAULT_SCHEME);
    }
    Scheme::from_id(name).ok_or_else(|| FilesError::UnknownScheme {
        path: FilesError::memory(),
        name: format!("{name} (in `{field}`)"),
    })
}

fn non_negative(field: &str, v: i64) -> Result<u64, FilesError> {
    u64::try_from(v).map_err(|_| FilesError::field(field, format!("{v} is negative")))
}

fn to_u32(field: &str, v: i64) -> Result<u32, FilesError> {
    u32::try_from(v).map_err(|_| FilesError::field(field, format!("{v} is not in 0..=4294967295")))
}

impl Group {
    /// Parses and validates a group file's text (see the module docs for what is accepted):
    /// structure, threshold rules and every key and coefficient as a valid point of the
    /// scheme. Self-signatures are checked separately ([`Group::verify_self_signatures`]),
    /// since v1 files have none.
    pub fn from_toml(text: &str) -> Result<Group, FilesError> {
        let raw: GroupToml = parse_toml(text)?;
        let scheme = scheme_from_file("SchemeID", raw.scheme_id.as_deref().unwrap_or(""))?;
        let threshold = to_u32(
            "Threshold",
            raw.threshold
                .ok_or_else(|| FilesError::missing("Threshold"))?,
        )?;
        let period_text = raw.period.ok_or_else(|| FilesError::missing("Period"))?;
        let period_secs = parse_go_duration_secs(&period_text)
            .map_err(|e| FilesError::field("Period", format!("`{period_text}`: {e}")))?;
        let catchup_period_secs = match raw.catchup_period.as_deref() {
            None | Some("") => 0,
            Some(text) => parse_go_duration_secs(text)
                .map_err(|e| FilesError::field("CatchupPeriod", format!("`{text}`: {e}")))?,
        };
        let genesis_time = non_negative(
            "GenesisTime",
            raw.genesis_time
                .ok_or_else(|| FilesError::missing("GenesisTime"))?,
        )?;
        let transition_time = non_negative("TransitionTime", raw.transition_time.unwrap_or(0))?;
        let beacon_id = canonical_beacon_id(raw.id.as_deref().unwrap_or("")).to_owned();

        let mut nodes = Vec::new();
        for (i, node) in raw.nodes.unwrap_or_default().into_iter().enumerate() {
            nodes.push(parse_node(i, node, scheme)?);
        }
        let mut public_coefficients = Vec::new();
        if let Some(public) = raw.public_key {
            for (i, c) in public.coefficients.unwrap_or_default().iter().enumerate() {
                public_coefficients.push(decode_hex_exact(
                    &format!("PublicKey.Coefficients[{i}]"),
                    c,
                    scheme.public_key_len(),
                    &format!("a {} public key", scheme.id()),
                )?);
            }
        }
        let mut group = Group {
            threshold,
            period_secs,
            catchup_period_secs,
            genesis_time,
            transition_time,
            genesis_seed: Vec::new(),
            scheme,
            beacon_id,
            nodes,
            public_coefficients,
        };
        group.genesis_seed = match raw.genesis_seed.as_deref() {
            // drand fills a missing seed with the group's own hash (`GetGenesisSeed`).
            None | Some("") => group.hash().to_vec(),
            Some(seed) => decode_hex_exact("GenesisSeed", seed, 32, "a genesis seed")?,
        };
        group.validate()?;
        Ok(group)
    }

    /// Checks the structure (members, threshold rules, unique indices/keys/addresses, sizes)
    /// and that every key and coefficient is a valid point of the scheme.
    pub fn validate(&self) -> Result<(), FilesError> {
        self.validate_structure()?;
        self.validate_points()
    }

    /// Checks every node key and public coefficient decodes strictly (curve, subgroup, not the
    /// identity) in the scheme's key group.
    pub fn validate_points(&self) -> Result<(), FilesError> {
        let bad = |what: String, e: crate::crypto::CryptoError| FilesError::Crypto {
            path: FilesError::memory(),
            what,
            reason: e.to_string(),
        };
        for (i, node) in self.nodes.iter().enumerate() {
            validate_public_key(self.scheme, &node.key)
                .map_err(|e| bad(format!("Nodes[{i}].Key"), e))?;
        }
        for (i, c) in self.public_coefficients.iter().enumerate() {
            validate_public_key(self.scheme, c)
                .map_err(|e| bad(format!("PublicKey.Coefficients[{i}]"), e))?;
        }
        Ok(())
    }

    /// Checks every member's self-signature (`schemeName || blake2b256(key)`) under the
    /// group's scheme; the first failure names the member.
    pub fn verify_self_signatures(&self) -> Result<(), FilesError> {
        self.nodes
            .iter()
            .try_for_each(|n| n.identity(self.scheme).verify_self_signature())
    }

    /// The public polynomial (`PublicKey.Coefficients`), once a DKG has run.
    pub fn public_poly(&self) -> Result<PublicPoly, FilesError> {
        PublicPoly::from_bytes(self.scheme, &self.public_coefficients).map_err(|e| {
            FilesError::Crypto {
                path: FilesError::memory(),
                what: "PublicKey.Coefficients".into(),
                reason: e.to_string(),
            }
        })
    }

    fn validate_structure(&self) -> Result<(), FilesError> {
        let invalid = |problem: String| FilesError::InvalidGroup {
            path: FilesError::memory(),
            problem,
        };
        let n = self.nodes.len();
        if n == 0 {
            return Err(invalid("the group has no nodes".into()));
        }
        let t = usize::try_from(self.threshold).unwrap_or(usize::MAX);
        if t < minimum_threshold(n) {
            return Err(invalid(format!(
                "threshold {t} is below the minimum {} for {n} nodes",
                minimum_threshold(n)
            )));
        }
        if t > n {
            return Err(invalid(format!(
                "threshold {t} is greater than the number of nodes {n}"
            )));
        }
        if self.period_secs == 0 {
            return Err(FilesError::field("Period", "must be at least 1s"));
        }
        validate_beacon_id(&self.beacon_id).map_err(|e| FilesError::field("ID", e.to_string()))?;
        if i64::try_from(self.genesis_time).is_err() {
            return Err(FilesError::field("GenesisTime", "does not fit in an int64"));
        }
        if i64::try_from(self.transition_time).is_err() {
            return Err(FilesError::field(
                "TransitionTime",
                "does not fit in an int64",
            ));
        }
        if self.genesis_seed.len() != 32 {
            return Err(FilesError::field(
                "GenesisSeed",
                format!(
                    "{} bytes, but a genesis seed is 32 bytes",
                    self.genesis_seed.len()
                ),
            ));
        }
        let (key_len, sig_len) = (self.scheme.public_key_len(), self.scheme.signature_len());
        let mut indices = HashSet::new();
        let mut keys = HashSet::new();
        let mut addresses = HashSet::new();
        for (i, node) in self.nodes.iter().enumerate() {
            validate_address(&node.address)
                .map_err(|e| FilesError::field(format!("Nodes[{i}].Address"), e.to_string()))?;
            if node.key.len() != key_len {
                return Err(FilesError::field(
                    format!("Nodes[{i}].Key"),
                    format!(
                        "{} bytes, but {} keys are {key_len} bytes",
                        node.key.len(),
                        self.scheme.id()
                    ),
                ));
            }
            if !node.signature.is_empty() && node.signature.len() != sig_len {
                return Err(FilesError::field(
                    format!("Nodes[{i}].Signature"),
                    format!(
                        "{} bytes, but {} signatures are {sig_len} bytes",
                        node.signature.len(),
                        self.scheme.id()
                    ),
                ));
            }
            if !indices.insert(node.index) {
                return Err(invalid(format!("index {} is used twice", node.index)));
            }
            if !keys.insert(node.key.as_slice()) {
                return Err(invalid(format!("Nodes[{i}] repeats another node's key")));
            }
            if !addresses.insert(node.address.as_str()) {
                return Err(invalid(format!("address {} is used twice", node.address)));
            }
        }
        if !self.public_coefficients.is_empty() && self.public_coefficients.len() != t {
            return Err(invalid(format!(
                "{} public coefficients, but the threshold is {t}",
                self.public_coefficients.len()
            )));
        }
        if let Some((i, _)) = self
            .public_coefficients
            .iter()
            .enumerate()
            .find(|(_, c)| c.len() != key_len)
        {
            return Err(FilesError::field(
                format!("PublicKey.Coefficients[{i}]"),
                format!("{} keys are {key_len} bytes", self.scheme.id()),
            ));
        }
        Ok(())
    }

    /// drand's group hash (`Group.Hash`, blake2b-256), the genesis seed of an epoch-1 group:
    /// `H( H(LE32(idx)||key) for nodes by index || LE32(t) || LE64(genesis)
    ///    || [LE64(transition) if != 0] || [H(coeffs) if any] || [id if not default] )`.
    pub fn hash(&self) -> [u8; 32] {
        let mut nodes: Vec<&GroupNode> = self.nodes.iter().collect();
        nodes.sort_by_key(|n| n.index);
        let mut h = Blake2b256::new();
        for node in nodes {
            h.update(node.hash());
        }
        h.update(self.threshold.to_le_bytes());
        h.update(self.genesis_time.to_le_bytes());
        if self.transition_time != 0 {
            h.update(self.transition_time.to_le_bytes());
        }
        if !self.public_coefficients.is_empty() {
            let mut coeffs = Blake2b256::new();
            for c in &self.public_coefficients {
                coeffs.update(c);
            }
            h.update(coeffs.finalize());
        }
        if self.beacon_id != DEFAULT_BEACON_ID && !self.beacon_id.is_empty() {
            h.update(self.beacon_id.as_bytes());
        }
        h.finalize().into()
    }

    /// The group public key (coefficient 0), once a DKG has run.
    pub fn public_key(&self) -> Option<&[u8]> {
        self.public_coefficients.first().map(Vec::as_slice)
    }

    /// The chain this group produces, with its recomputed chain hash (§4.1).
    pub fn chain_info(&self) -> Result<ChainInfo, FilesError> {
        let invalid = |problem: String| FilesError::InvalidGroup {
            path: FilesError::memory(),
            problem,
        };
        let key = self
            .public_key()
            .ok_or_else(|| invalid("no public key yet (the DKG has not run)".into()))?;
        let seed: [u8; 32] = self
            .genesis_seed
            .as_slice()
            .try_into()
            .map_err(|_| invalid("the genesis seed is not 32 bytes".into()))?;
        ChainInfo::new(
            self.scheme,
            key,
            self.period_secs,
            self.genesis_time,
            seed,
            &self.beacon_id,
        )
        .map_err(|e| invalid(format!("no valid chain info: {e}")))
    }

    /// The member with this public key.
    pub fn node_by_key(&self, key: &[u8]) -> Option<&GroupNode> {
        self.nodes.iter().find(|n| n.key == key)
    }

    /// The member with this share index.
    pub fn node_by_index(&self, index: u32) -> Option<&GroupNode> {
        self.nodes.iter().find(|n| n.index == index)
    }

    /// The share index of the member at this address.
    pub fn index_of_address(&self, address: &str) -> Option<u32> {
        self.nodes
            .iter()
            .find(|n| n.address == address)
            .map(|n| n.index)
    }

    /// The file text, exactly as drand v2 writes it.
    pub fn to_toml(&self) -> String {
        let mut w = TomlWriter::default();
        w.int("Threshold", self.threshold);
        w.string("Period", &format_go_duration(u64::from(self.period_secs)));
        w.string(
            "CatchupPeriod",
            &format_go_duration(u64::from(self.catchup_period_secs)),
        );
        w.int("GenesisTime", self.genesis_time);
        if self.transition_time != 0 {
            w.int("TransitionTime", self.transition_time);
        }
        w.string("GenesisSeed", &hex(&self.genesis_seed));
        w.string("SchemeID", self.scheme.id());
        w.string("ID", &self.beacon_id);
        for node in &self.nodes {
            w.array_table("Nodes");
            w.string("Address", &node.address);
            w.string("Key", &hex(&node.key));
            w.string("Signature", &hex(&node.signature));
            w.string("SchemeName", self.scheme.id());
            w.int("Index", node.index);
        }
        if !self.public_coefficients.is_empty() {
            w.table("PublicKey");
            let coeffs: Vec<String> = self.public_coefficients.iter().map(|c| hex(c)).collect();
            w.strings("Coefficients", &coeffs);
        }
        w.finish()
    }

    /// Reads and validates a group file (size-capped, never through a symbolic link).
    pub fn read(path: &Path) -> Result<Group, FilesError> {
        let text = read_file_limited(path, MAX_GROUP_FILE_BYTES)?;
        Group::from_toml(&text).map_err(|e| e.with_path(path))
    }

    /// Validates and writes the group file atomically (mode 0644, like drand).
    pub fn write(&self, path: &Path) -> Result<(), FilesError> {
        self.validate().map_err(|e| e.with_path(path))?;
        write_atomic(path, self.to_toml().as_bytes(), PUBLIC_FILE_MODE)
    }
}

fn parse_node(i: usize, node: NodeToml, scheme: Scheme) -> Result<GroupNode, FilesError> {
    let field = |name: &str| format!("Nodes[{i}].{name}");
    if let Some(name) = node.scheme_name.as_deref().filter(|n| !n.is_empty()) {
        let node_scheme = scheme_from_file(&field("SchemeName"), name)?;
        if node_scheme != scheme {
            return Err(FilesError::SchemeMismatch {
                path: FilesError::memory(),
                found: format!("{} for {}", node_scheme.id(), field("SchemeName")),
                expected: scheme.id().to_owned(),
                context: "in the group's SchemeID",
            });
        }
    }
    let address = node
        .address
        .ok_or_else(|| FilesError::missing(field("Address")))?;
    let key_hex = node.key.ok_or_else(|| FilesError::missing(field("Key")))?;
    let key = decode_hex_exact(
        &field("Key"),
        &key_hex,
        scheme.public_key_len(),
        &format!("a {} public key", scheme.id()),
    )?;
    let signature = decode_hex(
        &field("Signature"),
        node.signature.as_deref().unwrap_or(""),
        scheme.signature_len(),
    )?;
    let index = to_u32(
        &field("Index"),
        node.index
            .ok_or_else(|| FilesError::missing(field("Index")))?,
    )?;
    Ok(GroupNode {
        address,
        key,
        signature,
        index,
    })
}
