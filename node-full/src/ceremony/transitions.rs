//! The allowed-transition table of §1.4 and the transition methods of §1.6.
//!
//! Every method checks exactly what drand's `state_machine.go` checks, in the same order, and
//! returns the next state without changing `self`. Our additions are marked "Ours".

use crate::files::{Group, KeyShare};

use super::participant::contains;
use super::validation::{check_membership, validate_proposal};
use super::{CeremonyError, DkgState, Participant, ProposalTerms, Status, Timestamp};

/// drand's `isValidStateChange` (§1.4): whether a ceremony may go from `from` to `to`.
pub fn is_valid_transition(from: Status, to: Status) -> bool {
    use Status::*;
    match from {
        Fresh => matches!(to, Proposing | Proposed),
        Proposing => matches!(to, Executing | Aborted | TimedOut),
        Proposed => matches!(to, Accepted | Rejected | Joined | Left | Aborted | TimedOut),
        Accepted => matches!(to, Executing | Aborted | TimedOut),
        Rejected => matches!(to, Aborted | TimedOut),
        Joined => matches!(to, Executing | Aborted | TimedOut | Left),
        Executing => matches!(to, Complete | TimedOut | Failed),
        Complete => matches!(to, Proposing | Proposed),
        Aborted => matches!(to, Proposing | Proposed),
        TimedOut => matches!(to, Proposing | Proposed | Aborted),
        Left => matches!(to, Proposed | Joined | Aborted),
        Failed => matches!(to, Proposing | Proposed | Aborted | Left),
    }
}

fn check_transition(from: Status, to: Status) -> Result<(), CeremonyError> {
    if is_valid_transition(from, to) {
        Ok(())
    } else {
        Err(CeremonyError::InvalidTransition { from, to })
    }
}

fn leader_address(state: &DkgState) -> String {
    state
        .leader
        .as_ref()
        .map_or_else(|| "nobody".to_owned(), |l| l.address.clone())
}

impl DkgState {
    fn check_not_timed_out(&self, now: Timestamp) -> Result<(), CeremonyError> {
        if self.has_timed_out(now) {
            Err(CeremonyError::TimeoutReached {
                timeout: self.timeout,
                now,
            })
        } else {
            Ok(())
        }
    }

    fn with_status(&self, status: Status) -> DkgState {
        DkgState {
            status,
            ..self.clone()
        }
    }

    /// The leader's `dkg init` / `dkg reshare`: valid transition (from the lazily derived
    /// status, so an expired proposal can be replaced); `terms.leader == me`; the proposal
    /// is valid ([`validate_proposal`]); a fresh node cannot lead a reshare.
    pub fn proposing(
        &self,
        me: &Participant,
        terms: ProposalTerms,
        now: Timestamp,
    ) -> Result<DkgState, CeremonyError> {
        let from = self.effective_status(now);
        check_transition(from, Status::Proposing)?;
        if terms.leader != *me {
            return Err(CeremonyError::NotLeader {
                who: me.address.clone(),
                leader: terms.leader.address.clone(),
            });
        }
        validate_proposal(self, &terms, now)?;
        if from == Status::Fresh && terms.epoch > 1 {
            return Err(CeremonyError::ReshareFromFresh {
                proposed: terms.epoch,
            });
        }
        Ok(DkgState::from_terms(terms, Status::Proposing))
    }

    /// A Proposal packet from `sender`: valid transition (lazy status, as for
    /// [`DkgState::proposing`]); the sender is the terms' leader; the proposal is valid;
    /// this node is joining, remaining or leaving. The new state takes every field from the
    /// terms (a joiner takes the genesis seed at face value).
    pub fn proposed(
        &self,
        me: &Participant,
        terms: ProposalTerms,
        sender: &str,
        now: Timestamp,
    ) -> Result<DkgState, CeremonyError> {
        check_transition(self.effective_status(now), Status::Proposed)?;
        if terms.leader.address != sender {
            return Err(CeremonyError::NotLeader {
                who: sender.to_owned(),
                leader: terms.leader.address.clone(),
            });
        }
        validate_proposal(self, &terms, now)?;
        if !contains(&terms.joining, me)
            && !contains(&terms.remaining, me)
            && !contains(&terms.leaving, me)
        {
            return Err(CeremonyError::SelfMissingFromProposal {
                me: me.address.clone(),
            });
        }
        Ok(DkgState::from_terms(terms, Status::Proposed))
    }

    /// A joiner's `dkg join`: valid transition; not timed out; this node is a joiner; after
    /// epoch 1 the previous group file is required and must have the proposal's genesis time
    /// and seed; ours: the proposal's remainers and leavers must be exactly that group's
    /// members, remainers with the same keys. The previous group is kept as `final_group`
    /// (the reshare's old group).
    pub fn joined(
        &self,
        me: &Participant,
        previous_group: Option<Group>,
        now: Timestamp,
    ) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Joined)?;
        self.check_not_timed_out(now)?;
        if !contains(&self.joining, me) {
            return Err(CeremonyError::NotAJoiner {
                me: me.address.clone(),
            });
        }
        match &previous_group {
            None if self.epoch == 1 => {}
            None => return Err(CeremonyError::GroupFileRequired { epoch: self.epoch }),
            Some(group) => {
                if i64::try_from(group.genesis_time).ok() != Some(self.genesis_time.secs) {
                    return Err(CeremonyError::GroupGenesisTimeMismatch {
                        group: group.genesis_time,
                        proposal: self.genesis_time.secs,
                    });
                }
                if group.genesis_seed != self.genesis_seed {
                    return Err(CeremonyError::GroupGenesisSeedMismatch);
                }
                // Ours (§1.11): the proposal's remainers and leavers must be the members of
                // the group the joiner was given, with the same keys.
                check_membership(group, &self.remaining, &self.leaving)?;
            }
        }
        let mut next = self.with_status(Status::Joined);
        next.final_group = previous_group;
        Ok(next)
    }

    /// A remainer's `dkg accept`: valid transition; not timed out; not leaving; not joining.
    /// This node is recorded as an acceptor (and removed from the rejectors), drand#1337.
    pub fn accepted(&self, me: &Participant, now: Timestamp) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Accepted)?;
        self.check_not_timed_out(now)?;
        if contains(&self.leaving, me) {
            return Err(CeremonyError::LeaverCannotRespond { action: "accept" });
        }
        if contains(&self.joining, me) {
            return Err(CeremonyError::JoinerCannotRespond { action: "accept" });
        }
        let mut next = self.with_status(Status::Accepted);
        if !contains(&next.acceptors, me) {
            next.acceptors.push(me.clone());
        }
        next.rejectors.retain(|p| p != me);
        Ok(next)
    }

    /// A remainer's `dkg reject`: valid transition; not timed out; not joining; not leaving.
    /// This node is recorded as a rejector (and removed from the acceptors).
    pub fn rejected(&self, me: &Participant, now: Timestamp) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Rejected)?;
        self.check_not_timed_out(now)?;
        if contains(&self.joining, me) {
            return Err(CeremonyError::JoinerCannotRespond { action: "reject" });
        }
        if contains(&self.leaving, me) {
            return Err(CeremonyError::LeaverCannotRespond { action: "reject" });
        }
        let mut next = self.with_status(Status::Rejected);
        if !contains(&next.rejectors, me) {
            next.rejectors.push(me.clone());
        }
        next.acceptors.retain(|p| p != me);
        Ok(next)
    }

    fn check_notice(&self, notice: &'static str, them: &Participant) -> Result<(), CeremonyError> {
        if self.status.is_proposal_phase() {
            Ok(())
        } else {
            Err(CeremonyError::NotInProposalPhase {
                notice,
                from: them.address.clone(),
                status: self.status,
            })
        }
    }

    /// An Accept packet: proposal phase; `them` is a remainer; not a duplicate; sent by
    /// `them`. The status does not change; `them` moves to the acceptors.
    pub fn received_acceptance(
        &self,
        them: &Participant,
        sender: &str,
    ) -> Result<DkgState, CeremonyError> {
        self.check_notice("an acceptance", them)?;
        if !contains(&self.remaining, them) {
            return Err(CeremonyError::NotARemainer {
                notice: "an acceptance",
                address: them.address.clone(),
            });
        }
        if contains(&self.acceptors, them) {
            return Err(CeremonyError::DuplicateAcceptance {
                address: them.address.clone(),
            });
        }
        if sender != them.address {
            return Err(CeremonyError::SenderMismatch {
                claimed: them.address.clone(),
                sender: sender.to_owned(),
            });
        }
        let mut next = self.clone();
        next.acceptors.push(them.clone());
        next.rejectors.retain(|p| p != them);
        Ok(next)
    }

    /// A Reject packet: proposal phase; `them` is a remainer; not a duplicate; sent by
    /// `them`. The status does not change; `them` moves to the rejectors.
    pub fn received_rejection(
        &self,
        them: &Participant,
        sender: &str,
    ) -> Result<DkgState, CeremonyError> {
        self.check_notice("a rejection", them)?;
        if !contains(&self.remaining, them) {
            return Err(CeremonyError::NotARemainer {
                notice: "a rejection",
                address: them.address.clone(),
            });
        }
        if contains(&self.rejectors, them) {
            return Err(CeremonyError::DuplicateRejection {
                address: them.address.clone(),
            });
        }
        if sender != them.address {
            return Err(CeremonyError::SenderMismatch {
                claimed: them.address.clone(),
                sender: sender.to_owned(),
            });
        }
        let mut next = self.clone();
        next.acceptors.retain(|p| p != them);
        next.rejectors.push(them.clone());
        Ok(next)
    }

    /// Ours: a joiner's signed "joined" notice: proposal phase; `them` is a joiner; sent by
    /// `them`. A repeated notice is ignored (the state is returned unchanged). The status
    /// does not change; `them` is added to `joined`.
    pub fn received_joined(
        &self,
        them: &Participant,
        sender: &str,
    ) -> Result<DkgState, CeremonyError> {
        self.check_notice("a joined notice", them)?;
        if !contains(&self.joining, them) {
            return Err(CeremonyError::JoinedNoticeFromNonJoiner {
                address: them.address.clone(),
            });
        }
        if sender != them.address {
            return Err(CeremonyError::SenderMismatch {
                claimed: them.address.clone(),
                sender: sender.to_owned(),
            });
        }
        let mut next = self.clone();
        if !contains(&next.joined, them) {
            next.joined.push(them.clone());
        }
        Ok(next)
    }

    /// The leader's `dkg execute` with the agreed `kickoff` time: not timed out; a leaver
    /// goes to Left instead; valid transition; this node is the leader. The acceptor count
    /// is not checked (drand does not either). The kickoff time is recorded.
    pub fn start_executing(
        &self,
        me: &Participant,
        kickoff: Timestamp,
        now: Timestamp,
    ) -> Result<DkgState, CeremonyError> {
        self.check_not_timed_out(now)?;
        if contains(&self.leaving, me) {
            let mut next = self.left(me, now)?;
            next.kickoff = Some(kickoff);
            return Ok(next);
        }
        check_transition(self.status, Status::Executing)?;
        if self.leader.as_ref() != Some(me) {
            return Err(CeremonyError::OnlyLeaderCanExecute {
                who: me.address.clone(),
                leader: leader_address(self),
            });
        }
        let mut next = self.with_status(Status::Executing);
        next.kickoff = Some(kickoff);
        Ok(next)
    }

    /// An Execute packet from `sender` with its `kickoff` time: not timed out; a leaver goes
    /// to Left (when allowed); valid transition (so Proposed and Rejected nodes cannot
    /// execute); this node is a remainer or joiner; the sender is the leader. The kickoff
    /// time is recorded.
    pub fn executing(
        &self,
        me: &Participant,
        sender: &str,
        kickoff: Timestamp,
        now: Timestamp,
    ) -> Result<DkgState, CeremonyError> {
        self.check_not_timed_out(now)?;
        if contains(&self.leaving, me) && is_valid_transition(self.status, Status::Left) {
            let mut next = self.left(me, now)?;
            next.kickoff = Some(kickoff);
            return Ok(next);
        }
        check_transition(self.status, Status::Executing)?;
        if !contains(&self.remaining, me) && !contains(&self.joining, me) {
            return Err(CeremonyError::NotJoinerOrRemainer {
                me: me.address.clone(),
            });
        }
        if self.leader.as_ref().map(|l| l.address.as_str()) != Some(sender) {
            return Err(CeremonyError::OnlyLeaderCanExecute {
                who: sender.to_owned(),
                leader: leader_address(self),
            });
        }
        let mut next = self.with_status(Status::Executing);
        next.kickoff = Some(kickoff);
        Ok(next)
    }

    /// A local `dkg abort`: valid transition only (anyone may abort locally).
    pub fn start_abort(&self) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Aborted)?;
        Ok(self.with_status(Status::Aborted))
    }

    /// An Abort packet from `sender`: valid transition; the sender is the leader.
    pub fn aborted(&self, sender: &str) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Aborted)?;
        if self.leader.as_ref().map(|l| l.address.as_str()) != Some(sender) {
            return Err(CeremonyError::OnlyLeaderCanAbort {
                who: sender.to_owned(),
                leader: leader_address(self),
            });
        }
        Ok(self.with_status(Status::Aborted))
    }

    /// Leaving (on Execute, for a leaver): valid transition; not timed out; this node is
    /// leaving (or joining: a joiner may give up).
    pub fn left(&self, me: &Participant, now: Timestamp) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Left)?;
        self.check_not_timed_out(now)?;
        if !contains(&self.leaving, me) && !contains(&self.joining, me) {
            return Err(CeremonyError::NotALeaver {
                me: me.address.clone(),
            });
        }
        Ok(self.with_status(Status::Left))
    }

    /// The DKG finished with this node in the group: valid transition; not timed out; a share
    /// is required. Stores the group and share; the genesis seed becomes the group's (at
    /// epoch 1, when the group carries no seed yet, its hash, which is also written into the
    /// stored group).
    pub fn complete(
        &self,
        group: Group,
        share: Option<KeyShare>,
        now: Timestamp,
    ) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Complete)?;
        self.check_not_timed_out(now)?;
        let share = share.ok_or(CeremonyError::KeyShareMissing)?;
        let mut group = group;
        if group.genesis_seed.is_empty() {
            // drand's `GetGenesisSeed`: the epoch-1 group's own hash (which does not cover
            // the seed, so filling it in changes nothing else).
            group.genesis_seed = group.hash().to_vec();
        }
        let mut next = self.with_status(Status::Complete);
        next.genesis_seed = group.genesis_seed.clone();
        next.final_group = Some(group);
        next.key_share = Some(share);
        Ok(next)
    }

    /// The DKG ran but did not finish for this node: valid transition only.
    pub fn failed(&self) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::Failed)?;
        Ok(self.with_status(Status::Failed))
    }

    /// Marks the proposal TimedOut explicitly: valid transition only. (The daemon need not
    /// call this: [`DkgState::effective_status`] derives TimedOut lazily.)
    pub fn timed_out(&self) -> Result<DkgState, CeremonyError> {
        check_transition(self.status, Status::TimedOut)?;
        Ok(self.with_status(Status::TimedOut))
    }
}
