//! The ceremony record of one beacon (drand's `DBState`, §1.1, plus our fields).

use crate::files::{Group, KeyShare};

use super::{Participant, ProposalTerms, Status, Timestamp};

/// One beacon's ceremony state. The daemon keeps two: the *current* one and the *last
/// complete* one (§1.1, §1.5). Every transition returns a new value; see
/// [`transitions`](super::transitions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkgState {
    /// The beacon this record is for.
    pub beacon_id: String,
    /// The epoch of the proposal (or of the completed DKG); 0 when fresh.
    pub epoch: u32,
    /// The stored state (read it through [`DkgState::effective_status`]).
    pub status: Status,
    /// The proposal's threshold.
    pub threshold: u32,
    /// When the proposal expires (Unix epoch when fresh).
    pub timeout: Timestamp,
    /// The scheme ID.
    pub scheme_id: String,
    /// Time of round 1.
    pub genesis_time: Timestamp,
    /// The genesis seed (empty until the first DKG completed).
    pub genesis_seed: Vec<u8>,
    /// Catch-up period in seconds.
    pub catchup_period_secs: u32,
    /// Beacon period in seconds.
    pub beacon_period_secs: u32,
    /// The proposal's leader (`None` when fresh).
    pub leader: Option<Participant>,
    /// The proposal's remainers.
    pub remaining: Vec<Participant>,
    /// The proposal's joiners.
    pub joining: Vec<Participant>,
    /// The proposal's leavers.
    pub leaving: Vec<Participant>,
    /// Remainers that accepted (this node included once it accepted).
    pub acceptors: Vec<Participant>,
    /// Remainers that rejected (this node included once it rejected).
    pub rejectors: Vec<Participant>,
    /// The group file: the result when Complete; the previous group a joiner supplied when
    /// Joined.
    pub final_group: Option<Group>,
    /// This node's share when Complete.
    pub key_share: Option<KeyShare>,
    /// Ours: joiners whose signed "joined" notice was seen (so the leader sees readiness).
    pub joined: Vec<Participant>,
    /// Ours: [`proposal_digest`](super::proposal_digest) of the terms this state came from.
    pub proposal_digest: Option<[u8; 32]>,
    /// Ours: when execution starts, from the Execute packet (the same on every node).
    pub kickoff: Option<Timestamp>,
}

impl DkgState {
    /// The state of a beacon that never ran a DKG (drand's `NewFreshState`: epoch 0, timeout
    /// at the Unix epoch, nothing else).
    pub fn fresh(beacon_id: &str) -> DkgState {
        DkgState {
            beacon_id: beacon_id.to_owned(),
            epoch: 0,
            status: Status::Fresh,
            threshold: 0,
            timeout: Timestamp::UNIX_EPOCH,
            scheme_id: String::new(),
            genesis_time: Timestamp::UNIX_EPOCH,
            genesis_seed: Vec::new(),
            catchup_period_secs: 0,
            beacon_period_secs: 0,
            leader: None,
            remaining: Vec::new(),
            joining: Vec::new(),
            leaving: Vec::new(),
            acceptors: Vec::new(),
            rejectors: Vec::new(),
            final_group: None,
            key_share: None,
            joined: Vec::new(),
            proposal_digest: None,
            kickoff: None,
        }
    }

    /// drand's `hasTimedOut`: the timeout is at or before `now`.
    pub fn has_timed_out(&self, now: Timestamp) -> bool {
        self.timeout <= now
    }

    /// The status with TimedOut derived lazily: a proposal whose timeout has passed
    /// (`timeout <= now`) while Proposing, Proposed, Accepted, Rejected or Joined reads as
    /// TimedOut. (drand never sets TimedOut, so stale proposals blocked the next one.)
    pub fn effective_status(&self, now: Timestamp) -> Status {
        if self.status.is_proposal_phase() && self.has_timed_out(now) {
            Status::TimedOut
        } else {
            self.status
        }
    }

    /// The terms this state holds (drand's `termsFromState`), against which packets are
    /// verified; `None` when there is no proposal (no leader: fresh or migrated).
    pub fn terms(&self) -> Option<ProposalTerms> {
        let leader = self.leader.clone()?;
        Some(ProposalTerms {
            beacon_id: self.beacon_id.clone(),
            epoch: self.epoch,
            leader,
            threshold: self.threshold,
            timeout: self.timeout,
            catchup_period_secs: self.catchup_period_secs,
            beacon_period_secs: self.beacon_period_secs,
            scheme_id: self.scheme_id.clone(),
            genesis_time: self.genesis_time,
            genesis_seed: self.genesis_seed.clone(),
            joining: self.joining.clone(),
            remaining: self.remaining.clone(),
            leaving: self.leaving.clone(),
        })
    }

    /// A state for these terms with `status` (what Proposing and Proposed build; the result
    /// fields and the response lists start empty).
    pub(crate) fn from_terms(terms: ProposalTerms, status: Status) -> DkgState {
        let digest = super::proposal_digest(&terms);
        DkgState {
            beacon_id: terms.beacon_id,
            epoch: terms.epoch,
            status,
            threshold: terms.threshold,
            timeout: terms.timeout,
            scheme_id: terms.scheme_id,
            genesis_time: terms.genesis_time,
            genesis_seed: terms.genesis_seed,
            catchup_period_secs: terms.catchup_period_secs,
            beacon_period_secs: terms.beacon_period_secs,
            leader: Some(terms.leader),
            remaining: terms.remaining,
            joining: terms.joining,
            leaving: terms.leaving,
            acceptors: Vec::new(),
            rejectors: Vec::new(),
            final_group: None,
            key_share: None,
            joined: Vec::new(),
            proposal_digest: Some(digest),
            kickoff: None,
        }
    }
}
