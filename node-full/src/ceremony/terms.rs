//! Proposal terms (drand's `dkg.ProposalTerms`) and how the `init` / `reshare` commands
//! build them, so the daemon does not compute epochs or copy chain parameters itself.

use drand_lite::Scheme;

use super::{CeremonyError, DkgState, Participant, Status, Timestamp};

/// What a leader proposes: who takes part in the next epoch and with which parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProposalTerms {
    /// The beacon this ceremony is for.
    pub beacon_id: String,
    /// The epoch being proposed (1 = initial DKG).
    pub epoch: u32,
    /// The proposer; only its Proposal, Execute and Abort packets are honoured.
    pub leader: Participant,
    /// Signatures needed per beacon in the new group.
    pub threshold: u32,
    /// When the proposal expires if it has not been executed.
    pub timeout: Timestamp,
    /// Seconds between rounds while catching up.
    pub catchup_period_secs: u32,
    /// Seconds between rounds (fixed for the chain's life).
    pub beacon_period_secs: u32,
    /// The beacon scheme's ID.
    pub scheme_id: String,
    /// Time of round 1 (fixed for the chain's life).
    pub genesis_time: Timestamp,
    /// The chain's genesis seed: empty at epoch 1, the epoch-1 group hash afterwards.
    pub genesis_seed: Vec<u8>,
    /// New members.
    pub joining: Vec<Participant>,
    /// Members of the last group that stay.
    pub remaining: Vec<Participant>,
    /// Members of the last group that leave.
    pub leaving: Vec<Participant>,
}

/// The inputs of `dkg init` (epoch 1), with absolute times resolved by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstProposal {
    /// The beacon ID.
    pub beacon_id: String,
    /// This node, the leader (it must also be listed in `joining`).
    pub leader: Participant,
    /// The threshold of the new group.
    pub threshold: u32,
    /// When the proposal expires.
    pub timeout: Timestamp,
    /// Catch-up period in seconds.
    pub catchup_period_secs: u32,
    /// Beacon period in seconds.
    pub beacon_period_secs: u32,
    /// The beacon scheme.
    pub scheme: Scheme,
    /// Time of round 1.
    pub genesis_time: Timestamp,
    /// Every member of the new group, the leader included.
    pub joining: Vec<Participant>,
}

/// The inputs of `dkg reshare`; everything else comes from the last complete state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reshare {
    /// This node, the leader (it must be listed in `remaining`).
    pub leader: Participant,
    /// The threshold of the new group.
    pub threshold: u32,
    /// When the proposal expires.
    pub timeout: Timestamp,
    /// Catch-up period in seconds; `None` keeps the current one.
    pub catchup_period_secs: Option<u32>,
    /// New members.
    pub joining: Vec<Participant>,
    /// Members of the last group that stay.
    pub remaining: Vec<Participant>,
    /// Members of the last group that leave.
    pub leaving: Vec<Participant>,
}

/// The terms of an initial DKG (epoch 1, no genesis seed, only joiners). They are validated
/// when applied ([`DkgState::proposing`]).
pub fn first_proposal_terms(options: FirstProposal) -> ProposalTerms {
    ProposalTerms {
        beacon_id: options.beacon_id,
        epoch: 1,
        leader: options.leader,
        threshold: options.threshold,
        timeout: options.timeout,
        catchup_period_secs: options.catchup_period_secs,
        beacon_period_secs: options.beacon_period_secs,
        scheme_id: options.scheme.id().to_owned(),
        genesis_time: options.genesis_time,
        genesis_seed: Vec::new(),
        joining: options.joining,
        remaining: Vec::new(),
        leaving: Vec::new(),
    }
}

/// The terms of a reshare after `last_complete` (the last *complete* state, never an interim
/// one, §1.5): epoch = its epoch + 1 (so a retry after an abort, time-out or failure re-uses
/// the failed attempt's epoch); beacon ID, period, scheme, genesis time and seed copied.
pub fn reshare_terms(
    last_complete: &DkgState,
    options: Reshare,
) -> Result<ProposalTerms, CeremonyError> {
    if last_complete.status != Status::Complete {
        return Err(CeremonyError::NoCompleteDkg {
            status: last_complete.status,
        });
    }
    let epoch = last_complete
        .epoch
        .checked_add(1)
        .ok_or(CeremonyError::EpochOverflow)?;
    Ok(ProposalTerms {
        beacon_id: last_complete.beacon_id.clone(),
        epoch,
        leader: options.leader,
        threshold: options.threshold,
        timeout: options.timeout,
        catchup_period_secs: options
            .catchup_period_secs
            .unwrap_or(last_complete.catchup_period_secs),
        beacon_period_secs: last_complete.beacon_period_secs,
        scheme_id: last_complete.scheme_id.clone(),
        genesis_time: last_complete.genesis_time,
        genesis_seed: last_complete.genesis_seed.clone(),
        joining: options.joining,
        remaining: options.remaining,
        leaving: options.leaving,
    })
}
