//! The stored form of a [`DkgState`]: strict TOML that round-trips every field.
//!
//! Layout: scalars (`BeaconID`, `Epoch`, `State` by name, `Threshold`, times as
//! `[unix seconds, nanoseconds]`, hex byte strings, `FinalGroup` / `KeyShare` as the exact
//! text of the group file and of `dist_key.private`), then the participant tables
//! (`Leader`, `Remaining`, `Joining`, `Leaving`, `Acceptors`, `Rejectors`, `Joined`). Unknown
//! fields are refused. The text holds the secret key share: store it like
//! `dist_key.private` (mode 0600). It is ours, not drand's `DBStateTOML` (whose bbolt file
//! is not portable anyway).

use drand_lite::Scheme;
use serde::{Deserialize, Serialize};

use crate::files::{Group, KeyShare};

use super::{CeremonyError, DkgState, Participant, Status, Timestamp};

/// The largest stored state we parse (a 1000-node group file is about 500 KB).
pub const MAX_STATE_BYTES: usize = 32 << 20;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateToml {
    #[serde(rename = "BeaconID")]
    beacon_id: String,
    #[serde(rename = "Epoch")]
    epoch: u32,
    #[serde(rename = "State")]
    state: String,
    #[serde(rename = "Threshold")]
    threshold: u32,
    #[serde(rename = "Timeout")]
    timeout: (i64, u32),
    #[serde(rename = "SchemeID")]
    scheme_id: String,
    #[serde(rename = "GenesisTime")]
    genesis_time: (i64, u32),
    #[serde(rename = "GenesisSeed")]
    genesis_seed: String,
    #[serde(rename = "CatchupPeriod")]
    catchup_period: u32,
    #[serde(rename = "BeaconPeriod")]
    beacon_period: u32,
    #[serde(rename = "ProposalDigest", skip_serializing_if = "Option::is_none")]
    proposal_digest: Option<String>,
    #[serde(rename = "Kickoff", skip_serializing_if = "Option::is_none")]
    kickoff: Option<(i64, u32)>,
    #[serde(rename = "FinalGroup", skip_serializing_if = "Option::is_none")]
    final_group: Option<String>,
    #[serde(rename = "KeyShare", skip_serializing_if = "Option::is_none")]
    key_share: Option<String>,
    #[serde(rename = "Leader", skip_serializing_if = "Option::is_none")]
    leader: Option<ParticipantToml>,
    #[serde(rename = "Remaining")]
    remaining: Vec<ParticipantToml>,
    #[serde(rename = "Joining")]
    joining: Vec<ParticipantToml>,
    #[serde(rename = "Leaving")]
    leaving: Vec<ParticipantToml>,
    #[serde(rename = "Acceptors")]
    acceptors: Vec<ParticipantToml>,
    #[serde(rename = "Rejectors")]
    rejectors: Vec<ParticipantToml>,
    #[serde(rename = "Joined")]
    joined: Vec<ParticipantToml>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantToml {
    #[serde(rename = "Address")]
    address: String,
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Signature")]
    signature: String,
}

fn hex(b: &[u8]) -> String {
    drand_lite::hex::encode(b)
}

fn unhex(field: &str, text: &str) -> Result<Vec<u8>, CeremonyError> {
    if !text.len().is_multiple_of(2) {
        return Err(CeremonyError::stored(field, "odd number of hex digits"));
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => match (digit(*hi), digit(*lo)) {
                (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
                _ => Err(CeremonyError::stored(field, "not lowercase hex")),
            },
            _ => Err(CeremonyError::stored(field, "odd number of hex digits")),
        })
        .collect()
}

fn time_to(t: Timestamp) -> (i64, u32) {
    (t.secs, t.nanos)
}

fn time_from(field: &str, (secs, nanos): (i64, u32)) -> Result<Timestamp, CeremonyError> {
    Timestamp::new(secs, nanos).map_err(|e| CeremonyError::stored(field, e.to_string()))
}

fn participant_to(p: &Participant) -> ParticipantToml {
    ParticipantToml {
        address: p.address.clone(),
        key: hex(&p.key),
        signature: hex(&p.signature),
    }
}

fn participant_from(field: &str, p: ParticipantToml) -> Result<Participant, CeremonyError> {
    Ok(Participant {
        key: unhex(&format!("{field}.Key"), &p.key)?,
        signature: unhex(&format!("{field}.Signature"), &p.signature)?,
        address: p.address,
    })
}

fn list_from(field: &str, list: Vec<ParticipantToml>) -> Result<Vec<Participant>, CeremonyError> {
    list.into_iter()
        .enumerate()
        .map(|(i, p)| participant_from(&format!("{field}[{i}]"), p))
        .collect()
}

impl DkgState {
    /// The stored text of this state (see the module docs for the layout). It contains the
    /// secret key share when there is one.
    pub fn to_toml(&self) -> String {
        let list = |l: &[Participant]| l.iter().map(participant_to).collect::<Vec<_>>();
        let raw = StateToml {
            beacon_id: self.beacon_id.clone(),
            epoch: self.epoch,
            state: self.status.name().to_owned(),
            threshold: self.threshold,
            timeout: time_to(self.timeout),
            scheme_id: self.scheme_id.clone(),
            genesis_time: time_to(self.genesis_time),
            genesis_seed: hex(&self.genesis_seed),
            catchup_period: self.catchup_period_secs,
            beacon_period: self.beacon_period_secs,
            proposal_digest: self.proposal_digest.map(|d| hex(&d)),
            kickoff: self.kickoff.map(time_to),
            final_group: self.final_group.as_ref().map(Group::to_toml),
            key_share: self
                .key_share
                .as_ref()
                .map(|s| s.to_toml().as_str().to_owned()),
            leader: self.leader.as_ref().map(participant_to),
            remaining: list(&self.remaining),
            joining: list(&self.joining),
            leaving: list(&self.leaving),
            acceptors: list(&self.acceptors),
            rejectors: list(&self.rejectors),
            joined: list(&self.joined),
        };
        // Every field is a string, an integer, a pair of integers or a table of strings:
        // serialisation cannot fail.
        toml::to_string(&raw).unwrap_or_default()
    }

    /// Parses the stored text strictly: every field present and well-formed, nothing
    /// unknown, the group file and share valid (and the share's scheme the state's).
    pub fn from_toml(text: &str) -> Result<DkgState, CeremonyError> {
        if text.len() > MAX_STATE_BYTES {
            return Err(CeremonyError::stored(
                "TOML",
                format!(
                    "{} bytes, larger than the {MAX_STATE_BYTES}-byte limit",
                    text.len()
                ),
            ));
        }
        let raw: StateToml =
            toml::from_str(text).map_err(|e| CeremonyError::stored("TOML", e.to_string()))?;
        let status = Status::from_name(&raw.state).ok_or_else(|| {
            CeremonyError::stored("State", format!("`{}` is not a DKG state", raw.state))
        })?;
        let final_group = raw
            .final_group
            .as_deref()
            .map(Group::from_toml)
            .transpose()
            .map_err(|e| CeremonyError::stored("FinalGroup", e.to_string()))?;
        let share_scheme = final_group
            .as_ref()
            .map(|g| g.scheme)
            .or_else(|| Scheme::from_id(&raw.scheme_id));
        let key_share = match raw.key_share.as_deref() {
            None => None,
            Some(text) => {
                let scheme = share_scheme.ok_or_else(|| {
                    CeremonyError::stored("KeyShare", "no known scheme to read it with")
                })?;
                Some(
                    KeyShare::from_toml(text, Some(scheme))
                        .map_err(|e| CeremonyError::stored("KeyShare", e.to_string()))?,
                )
            }
        };
        let proposal_digest = raw
            .proposal_digest
            .as_deref()
            .map(|d| {
                let bytes = unhex("ProposalDigest", d)?;
                <[u8; 32]>::try_from(bytes.as_slice())
                    .map_err(|_| CeremonyError::stored("ProposalDigest", "not 32 bytes"))
            })
            .transpose()?;
        Ok(DkgState {
            beacon_id: raw.beacon_id,
            epoch: raw.epoch,
            status,
            threshold: raw.threshold,
            timeout: time_from("Timeout", raw.timeout)?,
            scheme_id: raw.scheme_id,
            genesis_time: time_from("GenesisTime", raw.genesis_time)?,
            genesis_seed: unhex("GenesisSeed", &raw.genesis_seed)?,
            catchup_period_secs: raw.catchup_period,
            beacon_period_secs: raw.beacon_period,
            leader: raw
                .leader
                .map(|p| participant_from("Leader", p))
                .transpose()?,
            remaining: list_from("Remaining", raw.remaining)?,
            joining: list_from("Joining", raw.joining)?,
            leaving: list_from("Leaving", raw.leaving)?,
            acceptors: list_from("Acceptors", raw.acceptors)?,
            rejectors: list_from("Rejectors", raw.rejectors)?,
            final_group,
            key_share,
            joined: list_from("Joined", raw.joined)?,
            proposal_digest,
            kickoff: raw.kickoff.map(|k| time_from("Kickoff", k)).transpose()?,
        })
    }
}
