//! The proposal file of `dkg init` / `dkg reshare` (written by `dkg generate-proposal`).
//!
//! drand's part: `[[Joining]]`, `[[Remaining]]` and `[[Leaving]]` tables, each entry with
//! `Address`, `Key` (hex) and `Signature` (hex), so a file written by drand's
//! `generate-proposal` is read as it is, and ours is read by drand.
//!
//! Our optional top-level fields (absolute values, so a proposal means the same whenever it
//! is submitted; CLI flags override them):
//!
//! ```toml
//! Threshold = 3
//! Period = "3s"                # Go duration
//! CatchupPeriod = "1s"         # Go duration
//! GenesisTime = 1700000000     # unix seconds
//! Timeout = 1700086400         # unix seconds: the proposal's absolute deadline
//! Scheme = "bls-unchained-g1-rfc9380"
//! BeaconID = "default"
//! ```
//!
//! Parsing is strict: unknown fields, bad hex, bad addresses, duplicate addresses and
//! out-of-range values are errors naming the file and the field (e.g. `Joining[2].Key`).

use std::collections::HashSet;
use std::path::Path;

use drand_lite::Scheme;
use serde::Deserialize;

use super::FilesError;
use super::address::validate_address;
use super::duration::{format_go_duration, parse_go_duration_secs};
use super::encoding::{TomlWriter, decode_hex, hex, parse_toml};
use super::layout::{PUBLIC_FILE_MODE, read_file_limited, validate_beacon_id, write_atomic};

/// The largest proposal file read (a 1000-node proposal is about 300 KB).
pub const MAX_PROPOSAL_FILE_BYTES: u64 = 8 << 20;
/// The largest key or signature accepted (G2 points are 96 bytes).
const MAX_POINT_BYTES: usize = 512;

/// One node in a proposal: where it listens and its long-term identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalParticipant {
    /// `host:port`.
    pub address: String,
    /// Long-term public key (in the scheme's key group).
    pub key: Vec<u8>,
    /// Self-signature over the key (may be empty for remainers/leavers of v1 groups).
    pub signature: Vec<u8>,
}

/// A proposal file: who joins, remains and leaves, and optional absolute terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalFile {
    /// New nodes.
    pub joining: Vec<ProposalParticipant>,
    /// Members of the last group that stay.
    pub remaining: Vec<ProposalParticipant>,
    /// Members of the last group that leave.
    pub leaving: Vec<ProposalParticipant>,
    /// Signatures needed per beacon.
    pub threshold: Option<u32>,
    /// Seconds between rounds (first epoch only).
    pub period_secs: Option<u32>,
    /// Seconds between rounds while catching up.
    pub catchup_period_secs: Option<u32>,
    /// Unix time of round 1 (first epoch only).
    pub genesis_time: Option<u64>,
    /// Unix time after which the proposal expires.
    pub timeout: Option<u64>,
    /// The beacon scheme (first epoch only).
    pub scheme: Option<Scheme>,
    /// The beacon ID the proposal is for.
    pub beacon_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalToml {
    #[serde(rename = "Threshold")]
    threshold: Option<i64>,
    #[serde(rename = "Period")]
    period: Option<String>,
    #[serde(rename = "CatchupPeriod")]
    catchup_period: Option<String>,
    #[serde(rename = "GenesisTime")]
    genesis_time: Option<i64>,
    #[serde(rename = "Timeout")]
    timeout: Option<i64>,
    #[serde(rename = "Scheme")]
    scheme: Option<String>,
    #[serde(rename = "BeaconID")]
    beacon_id: Option<String>,
    #[serde(rename = "Joining")]
    joining: Option<Vec<ParticipantToml>>,
    #[serde(rename = "Remaining")]
    remaining: Option<Vec<ParticipantToml>>,
    #[serde(rename = "Leaving")]
    leaving: Option<Vec<ParticipantToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantToml {
    #[serde(rename = "Address")]
    address: Option<String>,
    #[serde(rename = "Key")]
    key: Option<String>,
    #[serde(rename = "Signature")]
    signature: Option<String>,
}

fn participant(
    list: &str,
    i: usize,
    raw: ParticipantToml,
) -> Result<ProposalParticipant, FilesError> {
    let field = |name: &str| format!("{list}[{i}].{name}");
    let address = raw
        .address
        .ok_or_else(|| FilesError::missing(field("Address")))?;
    validate_address(&address).map_err(|e| FilesError::field(field("Address"), e.to_string()))?;
    let key_text = raw.key.ok_or_else(|| FilesError::missing(field("Key")))?;
    let key = decode_hex(&field("Key"), &key_text, MAX_POINT_BYTES)?;
    if key.is_empty() {
        return Err(FilesError::field(field("Key"), "empty key"));
    }
    let signature = decode_hex(
        &field("Signature"),
        raw.signature.as_deref().unwrap_or(""),
        MAX_POINT_BYTES,
    )?;
    Ok(ProposalParticipant {
        address,
        key,
        signature,
    })
}

fn positive_u32(field: &str, v: i64) -> Result<u32, FilesError> {
    match u32::try_from(v) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(FilesError::field(
            field,
            format!("{v} is not in 1..=4294967295"),
        )),
    }
}

fn unix(field: &str, v: i64) -> Result<u64, FilesError> {
    match u64::try_from(v) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(FilesError::field(
            field,
            format!("{v} is not a positive unix time in seconds"),
        )),
    }
}

fn duration(field: &str, text: &str) -> Result<u32, FilesError> {
    match parse_go_duration_secs(text) {
        Ok(0) => Err(FilesError::field(field, format!("`{text}` is zero"))),
        Ok(secs) => Ok(secs),
        Err(e) => Err(FilesError::field(field, format!("`{text}`: {e}"))),
    }
}

impl ProposalFile {
    /// Parses and checks a proposal file's text (errors name the field; the path is
    /// `<in-memory TOML>` until [`FilesError::with_path`]).
    pub fn from_toml(text: &str) -> Result<ProposalFile, FilesError> {
        let raw: ProposalToml = parse_toml(text)?;
        let mut out = ProposalFile {
            threshold: raw
                .threshold
                .map(|v| positive_u32("Threshold", v))
                .transpose()?,
            period_secs: raw
                .period
                .as_deref()
                .map(|t| duration("Period", t))
                .transpose()?,
            catchup_period_secs: raw
                .catchup_period
                .as_deref()
                .map(|t| duration("CatchupPeriod", t))
                .transpose()?,
            genesis_time: raw
                .genesis_time
                .map(|v| unix("GenesisTime", v))
                .transpose()?,
            timeout: raw.timeout.map(|v| unix("Timeout", v)).transpose()?,
            scheme: raw
                .scheme
                .as_deref()
                .map(|name| {
                    Scheme::from_id(name).ok_or_else(|| FilesError::UnknownScheme {
                        path: FilesError::memory(),
                        name: format!("{name} (in `Scheme`)"),
                    })
                })
                .transpose()?,
            beacon_id: raw
                .beacon_id
                .map(|id| {
                    validate_beacon_id(&id)
                        .map_err(|e| FilesError::field("BeaconID", e.to_string()))?;
                    Ok::<_, FilesError>(id)
                })
                .transpose()?,
            ..ProposalFile::default()
        };
        let mut seen = HashSet::new();
        for (list, entries, dest) in [
            ("Joining", raw.joining, &mut out.joining),
            ("Remaining", raw.remaining, &mut out.remaining),
            ("Leaving", raw.leaving, &mut out.leaving),
        ] {
            for (i, entry) in entries.unwrap_or_default().into_iter().enumerate() {
                let p = participant(list, i, entry)?;
                if !seen.insert(p.address.clone()) {
                    return Err(FilesError::field(
                        format!("{list}[{i}].Address"),
                        format!("{} appears more than once in the proposal", p.address),
                    ));
                }
                dest.push(p);
            }
        }
        if out.joining.is_empty() && out.remaining.is_empty() {
            return Err(FilesError::field(
                "Joining",
                "the proposal has no joining and no remaining node",
            ));
        }
        Ok(out)
    }

    /// Reads and checks the proposal file at `path`.
    pub fn load(path: &Path) -> Result<ProposalFile, FilesError> {
        let text = read_file_limited(path, MAX_PROPOSAL_FILE_BYTES)?;
        ProposalFile::from_toml(&text).map_err(|e| e.with_path(path))
    }

    /// The file's text: top-level fields that are set, then `[[Joining]]`, `[[Remaining]]`,
    /// `[[Leaving]]`.
    pub fn to_toml(&self) -> String {
        let mut w = TomlWriter::default();
        if let Some(t) = self.threshold {
            w.int("Threshold", t);
        }
        if let Some(p) = self.period_secs {
            w.string("Period", &format_go_duration(p.into()));
        }
        if let Some(p) = self.catchup_period_secs {
            w.string("CatchupPeriod", &format_go_duration(p.into()));
        }
        if let Some(g) = self.genesis_time {
            w.int("GenesisTime", g);
        }
        if let Some(t) = self.timeout {
            w.int("Timeout", t);
        }
        if let Some(s) = self.scheme {
            w.string("Scheme", s.id());
        }
        if let Some(id) = &self.beacon_id {
            w.string("BeaconID", id);
        }
        for (name, list) in [
            ("Joining", &self.joining),
            ("Remaining", &self.remaining),
            ("Leaving", &self.leaving),
        ] {
            for p in list {
                w.array_table(name);
                w.string("Address", &p.address);
                w.string("Key", &hex(&p.key));
                w.string("Signature", &hex(&p.signature));
            }
        }
        w.finish()
    }

    /// Writes the file atomically (mode 0644).
    pub fn write(&self, path: &Path) -> Result<(), FilesError> {
        write_atomic(path, self.to_toml().as_bytes(), PUBLIC_FILE_MODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_drands_format() {
        let text = "\n[[Joining]]\n  Address = \"a.example:443\"\n  Key = \"ab01\"\n  \
                    Signature = \"cd02\"\n\n[[Leaving]]\n  Address = \"b.example:443\"\n  \
                    Key = \"ef\"\n  Signature = \"\"\n";
        let p = ProposalFile::from_toml(text).unwrap();
        assert_eq!(p.joining[0].key, vec![0xab, 0x01]);
        assert_eq!(p.leaving[0].address, "b.example:443");
        assert!(p.leaving[0].signature.is_empty());
        assert_eq!(p.threshold, None);
    }

    fn who(n: u8) -> ProposalParticipant {
        ProposalParticipant {
            address: format!("node{n}.example:443"),
            key: vec![n; 48],
            signature: vec![n ^ 0xff; 96],
        }
    }

    #[test]
    fn round_trips_every_field() {
        let p = ProposalFile {
            joining: vec![who(1)],
            remaining: vec![who(2), who(3)],
            leaving: vec![who(4)],
            threshold: Some(2),
            period_secs: Some(3),
            catchup_period_secs: Some(90),
            genesis_time: Some(1_700_000_000),
            timeout: Some(1_700_086_400),
            scheme: Some(Scheme::BlsUnchainedG1Rfc9380),
            beacon_id: Some("quicknet".into()),
        };
        let text = p.to_toml();
        assert!(
            text.starts_with("Threshold = 2\nPeriod = \"3s\"\nCatchupPeriod = \"1m30s\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\n[[Joining]]\n  Address = \"node1.example:443\"\n"),
            "{text}"
        );
        assert_eq!(ProposalFile::from_toml(&text).unwrap(), p);
        let bare = ProposalFile {
            joining: vec![who(1), who(2)],
            ..ProposalFile::default()
        };
        assert_eq!(ProposalFile::from_toml(&bare.to_toml()).unwrap(), bare);
        assert!(!bare.to_toml().contains("Threshold"));
    }

    #[test]
    fn bad_files_name_the_field() {
        let ok = "[[Joining]]\nAddress = \"a.example:443\"\nKey = \"ab\"\nSignature = \"cd\"\n";
        let cases: &[(&str, &str)] = &[
            ("", "no joining and no remaining"),
            ("Treshold = 3\n", "Treshold"),
            ("Threshold = 0\n", "Threshold"),
            ("Threshold = -1\n", "Threshold"),
            ("Period = \"500ms\"\n", "Period"),
            ("Period = \"0s\"\n", "Period"),
            ("CatchupPeriod = \"soon\"\n", "CatchupPeriod"),
            ("GenesisTime = -5\n", "GenesisTime"),
            ("Timeout = \"24h\"\n", "Timeout"),
            ("Scheme = \"bls-nope\"\n", "bls-nope"),
            ("BeaconID = \"../x\"\n", "BeaconID"),
        ];
        for (prefix, want) in cases {
            let text = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}{ok}")
            };
            let err = ProposalFile::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(want), "{prefix:?}: {err}");
        }
        let entries: &[(&str, &str)] = &[
            (
                "Address = \"a.example:443\"\nKey = \"zz\"\n",
                "Joining[0].Key",
            ),
            (
                "Address = \"a.example:443\"\nKey = \"abc\"\n",
                "Joining[0].Key",
            ),
            (
                "Address = \"a.example:443\"\nKey = \"\"\n",
                "Joining[0].Key",
            ),
            ("Address = \"a.example:443\"\n", "Joining[0].Key"),
            ("Key = \"ab\"\n", "Joining[0].Address"),
            (
                "Address = \"no-port\"\nKey = \"ab\"\n",
                "Joining[0].Address",
            ),
            (
                "Address = \"a.example:443\"\nKey = \"ab\"\nSignature = \"x\"\n",
                "Joining[0].Signature",
            ),
            (
                "Address = \"a.example:443\"\nKey = \"ab\"\nTLS = true\n",
                "TLS",
            ),
        ];
        for (body, want) in entries {
            let err = ProposalFile::from_toml(&format!("[[Joining]]\n{body}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{body:?}: {err}");
        }
        let dup = format!("{ok}\n[[Remaining]]\nAddress = \"a.example:443\"\nKey = \"ab\"\n");
        let err = ProposalFile::from_toml(&dup).unwrap_err().to_string();
        assert!(
            err.contains("Remaining[0].Address") && err.contains("more than once"),
            "{err}"
        );
        assert!(ProposalFile::from_toml("not toml [").is_err());
    }

    #[test]
    fn load_and_write_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proposal.toml");
        let p = ProposalFile {
            remaining: vec![who(7)],
            ..ProposalFile::default()
        };
        p.write(&path).unwrap();
        assert_eq!(ProposalFile::load(&path).unwrap(), p);
        std::fs::write(&path, "[[Remaining]]\nAddress = \"x:1\"\nKey = \"q\"\n").unwrap();
        let err = ProposalFile::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("proposal.toml") && err.contains("Remaining[0].Key"),
            "{err}"
        );
        let err = ProposalFile::load(&dir.path().join("missing.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing.toml") && err.contains("does not exist"),
            "{err}"
        );
    }
}
