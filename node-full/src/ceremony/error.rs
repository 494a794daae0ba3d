//! Why a ceremony command or packet was refused, in words an operator can act on.
//!
//! The comment on each variant names drand's error it corresponds to, so logs and tests can
//! be compared with drand's.

use thiserror::Error;

use super::{Status, Timestamp};

/// A refused transition, proposal, packet or stored record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// The §1.4 table does not allow this step (drand's `InvalidStateChange`).
    #[error("the ceremony cannot go from {from} to {to}")]
    InvalidTransition {
        /// The current state.
        from: Status,
        /// The state the command or packet would lead to.
        to: Status,
    },
    /// The proposal's timeout has passed (`ErrTimeoutReached`).
    #[error("the proposal timed out at {timeout} (now {now}); a new proposal is needed")]
    TimeoutReached {
        /// The proposal's timeout.
        timeout: Timestamp,
        /// The local time of the check.
        now: Timestamp,
    },
    /// The proposal is for another beacon (`ErrInvalidBeaconID`).
    #[error("the proposal is for beacon `{proposed}`, but this state is for beacon `{ours}`")]
    BeaconIdMismatch {
        /// Our beacon ID.
        ours: String,
        /// The proposal's.
        proposed: String,
    },
    /// The proposal names a scheme that does not exist (`ErrInvalidScheme`).
    #[error("the proposal's scheme `{scheme}` does not exist")]
    UnknownScheme {
        /// The scheme ID given.
        scheme: String,
    },
    /// A joiner's key does not decode in the scheme or its self-signature is wrong
    /// (`key.ErrInvalidKeyScheme`).
    #[error("joiner {address} has an invalid key or self-signature for scheme {scheme}: {reason}")]
    InvalidJoiner {
        /// The joiner's address.
        address: String,
        /// The proposal's scheme.
        scheme: String,
        /// What failed.
        reason: String,
    },
    /// The proposal's timeout is already in the past when it arrives (`ErrTimeoutReached`).
    #[error("the proposal's timeout {timeout} is already in the past (now {now})")]
    ProposalExpired {
        /// The proposal's timeout.
        timeout: Timestamp,
        /// The local time.
        now: Timestamp,
    },
    /// More signatures required than members (`ErrThresholdHigherThanNodeCount`).
    #[error("threshold {threshold} is higher than the {nodes} nodes of the new group")]
    ThresholdAboveNodeCount {
        /// The proposed threshold.
        threshold: u32,
        /// Joiners plus remainers (joiners only at epoch 1).
        nodes: usize,
    },
    /// A threshold below n/2+1 would let a minority recover the secret (`ErrThresholdTooLow`).
    #[error("threshold {threshold} is below the minimum {minimum} for {nodes} nodes")]
    ThresholdTooLow {
        /// The proposed threshold.
        threshold: u32,
        /// n/2 + 1.
        minimum: usize,
        /// Joiners plus remainers.
        nodes: usize,
    },
    /// The proposed epoch is below the current one (`ErrInvalidEpoch`).
    #[error("proposal epoch {proposed} is lower than the current epoch {current}")]
    EpochBehind {
        /// The proposal's epoch.
        proposed: u32,
        /// The state's epoch.
        current: u32,
    },
    /// The proposed epoch is the current one and the current attempt did not end
    /// (`ErrInvalidEpoch`).
    #[error(
        "proposal epoch {proposed} is the epoch already in progress or completed ({status}); \
         only an aborted, timed-out or failed epoch can be retried"
    )]
    EpochInUse {
        /// The proposal's epoch.
        proposed: u32,
        /// The state's status.
        status: Status,
    },
    /// The proposed epoch skips epochs (`ErrInvalidEpoch`).
    #[error("proposal epoch {proposed} is more than one past the last complete epoch {current}")]
    EpochGap {
        /// The proposal's epoch.
        proposed: u32,
        /// The state's epoch.
        current: u32,
    },
    /// A node without a completed DKG tried to lead a reshare (`ErrInvalidEpoch`).
    #[error(
        "this node has no completed DKG, so it cannot lead epoch {proposed}; only a member of \
         the current group can propose a reshare"
    )]
    ReshareFromFresh {
        /// The proposal's epoch.
        proposed: u32,
    },
    /// Epoch 1 with a genesis seed (`ErrNoGenesisSeedForFirstEpoch`).
    #[error(
        "the genesis seed is the hash of the epoch-1 group, so an epoch-1 proposal cannot carry one"
    )]
    GenesisSeedAtFirstEpoch,
    /// Epoch 1 with remainers or leavers (`ErrOnlyJoinersAllowedForFirstEpoch`).
    #[error("at epoch 1 every participant is a joiner: the proposal lists remainers or leavers")]
    FirstEpochOnlyJoiners,
    /// Epoch 1 whose leader is not a joiner (`ErrLeaderNotJoining`).
    #[error("the leader {leader} must be one of the joiners at epoch 1")]
    LeaderNotJoining {
        /// The leader's address.
        leader: String,
    },
    /// A reshare without remainers (`ErrNoNodesRemaining`).
    #[error("a reshare needs remainers from the current group; the proposal has none")]
    NoRemainers,
    /// A reshare whose leader is a joiner (`ErrLeaderCantJoinAfterFirstEpoch`).
    #[error("the leader {leader} cannot be a joiner after epoch 1")]
    LeaderJoiningReshare {
        /// The leader's address.
        leader: String,
    },
    /// A reshare whose leader leaves or is not a remainer (`ErrLeaderNotRemaining`).
    #[error("the leader {leader} must be a remainer (and not a leaver) of a reshare")]
    LeaderNotRemaining {
        /// The leader's address.
        leader: String,
    },
    /// Fewer remainers than the current threshold: the old secret could not be reshared
    /// (`ErrNodeCountTooLow`).
    #[error("{remaining} remainers cannot reshare a group whose threshold is {threshold}")]
    TooFewRemainers {
        /// Remainers in the proposal.
        remaining: usize,
        /// The current group's threshold.
        threshold: u32,
    },
    /// A reshare changes the genesis time (`ErrGenesisTimeNotEqual`).
    #[error(
        "the genesis time cannot change after epoch 1: proposed {proposed}, chain has {current}"
    )]
    GenesisTimeChanged {
        /// Proposed genesis (Unix seconds).
        proposed: i64,
        /// The chain's (Unix seconds).
        current: i64,
    },
    /// A reshare changes the genesis seed (`ErrGenesisSeedCannotChange`).
    #[error("the genesis seed cannot change after epoch 1")]
    GenesisSeedChanged,
    /// A remainer or leaver is not in the last group file
    /// (`ErrRemainingAndLeavingNodesMustExistInCurrentEpoch`).
    #[error(
        "{address} is listed as remaining or leaving but is not in the current group; add it as a joiner"
    )]
    NotInCurrentGroup {
        /// The address.
        address: String,
    },
    /// A member of the last group is neither remaining nor leaving
    /// (`ErrMissingNodesInProposal`).
    #[error(
        "{address} is in the current group but the proposal lists it neither as remaining nor as leaving"
    )]
    MissingFromProposal {
        /// The address.
        address: String,
    },
    /// Ours (§1.11): a remainer's key differs from its key in the last group file.
    #[error(
        "remainer {address} has a different key in the proposal than in the current group file"
    )]
    RemainerKeyChanged {
        /// The address.
        address: String,
    },
    /// Ours: a remainer's key is not a key of the scheme.
    #[error("remainer {address} has an invalid key for scheme {scheme}: {reason}")]
    InvalidRemainerKey {
        /// The address.
        address: String,
        /// The scheme.
        scheme: String,
        /// What failed.
        reason: String,
    },
    /// Ours: the same address or key appears twice among the participants.
    #[error("{what} {value} appears more than once among the proposal's participants")]
    DuplicateParticipant {
        /// "address" or "key".
        what: &'static str,
        /// The repeated address (or the key in hex).
        value: String,
    },
    /// Ours: a participant without address or key.
    #[error("a participant of the proposal has an empty {what}")]
    EmptyParticipant {
        /// "address" or "key".
        what: &'static str,
    },
    /// A proposal by someone who is not its leader (`ErrCannotProposeAsNonLeader`).
    #[error("{who} is not the proposal's leader ({leader}); only the leader can propose")]
    NotLeader {
        /// Who proposed (this node, or the packet's sender).
        who: String,
        /// The leader in the terms.
        leader: String,
    },
    /// The proposal does not name this node (`ErrSelfMissingFromProposal`).
    #[error("this node ({me}) is neither joining, remaining nor leaving in the proposal")]
    SelfMissingFromProposal {
        /// Our address.
        me: String,
    },
    /// `join` by a node that is not a joiner (`ErrCannotJoinIfNotInJoining`).
    #[error("this node ({me}) is not a joiner of the proposal, so it cannot join")]
    NotAJoiner {
        /// Our address.
        me: String,
    },
    /// A joiner after epoch 1 without the previous group file
    /// (`ErrJoiningAfterFirstEpochNeedsGroupFile`).
    #[error("joining epoch {epoch} requires the previous group file (dkg join --group)")]
    GroupFileRequired {
        /// The proposal's epoch.
        epoch: u32,
    },
    /// The previous group file's genesis time differs from the proposal's
    /// (`ErrGenesisTimeNotConsistentWithProposal`).
    #[error("the group file's genesis time {group} does not match the proposal's {proposal}")]
    GroupGenesisTimeMismatch {
        /// The group file's.
        group: u64,
        /// The proposal's (Unix seconds).
        proposal: i64,
    },
    /// The previous group file's genesis seed differs from the proposal's
    /// (`ErrGenesisSeedCannotChange`).
    #[error("the group file's genesis seed does not match the proposal's")]
    GroupGenesisSeedMismatch,
    /// Accept or reject by a leaver (`ErrCannotAcceptProposalWhereLeaving`,
    /// `ErrCannotRejectProposalWhereLeaving`).
    #[error("this node is leaving, so it cannot {action} the proposal")]
    LeaverCannotRespond {
        /// "accept" or "reject".
        action: &'static str,
    },
    /// Accept or reject by a joiner (`ErrCannotAcceptProposalWhereJoining`,
    /// `ErrCannotRejectProposalWhereJoining`).
    #[error("this node is joining, so it cannot {action} the proposal (run `dkg join` instead)")]
    JoinerCannotRespond {
        /// "accept" or "reject".
        action: &'static str,
    },
    /// `left` by a node that is neither leaving nor joining (`ErrCannotLeaveIfNotALeaver`).
    #[error("this node ({me}) is not leaving in the proposal")]
    NotALeaver {
        /// Our address.
        me: String,
    },
    /// An Execute by someone else than the leader, or `execute` run by a non-leader
    /// (`ErrOnlyLeaderCanTriggerExecute`).
    #[error("only the leader ({leader}) can start execution, not {who}")]
    OnlyLeaderCanExecute {
        /// Who tried.
        who: String,
        /// The leader.
        leader: String,
    },
    /// An Abort from someone else than the leader (`ErrOnlyLeaderCanRemoteAbort`).
    #[error("only the leader ({leader}) can abort remotely, not {who}")]
    OnlyLeaderCanAbort {
        /// The packet's sender.
        who: String,
        /// The leader.
        leader: String,
    },
    /// Execute for a node that is neither remaining nor joining
    /// (`ErrCannotExecuteIfNotJoinerOrRemainer`).
    #[error("this node ({me}) is neither a remainer nor a joiner, so it cannot execute")]
    NotJoinerOrRemainer {
        /// Our address.
        me: String,
    },
    /// An accept/reject/joined notice outside the proposal phase (`ErrReceivedAcceptance`,
    /// `ErrReceivedRejection`).
    #[error("received {notice} from {from} while {status}, outside the proposal phase")]
    NotInProposalPhase {
        /// "an acceptance", "a rejection", "a joined notice".
        notice: &'static str,
        /// Who sent it.
        from: String,
        /// Our state.
        status: Status,
    },
    /// An acceptance or rejection from someone who is not a remainer (`ErrUnknownAcceptor`,
    /// `ErrUnknownRejector`).
    #[error("{address} sent {notice} but is not a remainer of the proposal")]
    NotARemainer {
        /// "an acceptance" or "a rejection".
        notice: &'static str,
        /// Who.
        address: String,
    },
    /// Ours: a joined notice from someone who is not a joiner of the proposal.
    #[error("{address} sent a joined notice but is not a joiner of the proposal")]
    JoinedNoticeFromNonJoiner {
        /// Who.
        address: String,
    },
    /// A second acceptance (`ErrDuplicateAcceptance`).
    #[error("{address} already accepted the proposal")]
    DuplicateAcceptance {
        /// Who.
        address: String,
    },
    /// A second rejection (`ErrDuplicateRejection`).
    #[error("{address} already rejected the proposal")]
    DuplicateRejection {
        /// Who.
        address: String,
    },
    /// A notice about `claimed` sent by `sender` (`ErrInvalidAcceptor`, `ErrInvalidRejector`).
    #[error("{sender} sent a notice on behalf of {claimed}; a node can only speak for itself")]
    SenderMismatch {
        /// The participant the notice is about.
        claimed: String,
        /// The packet's sender.
        sender: String,
    },
    /// Completion without a key share (`ErrKeyShareCannotBeEmpty`).
    #[error("a DKG cannot complete without a key share for this node")]
    KeyShareMissing,
    /// A packet's sender is not a remainer or joiner of the terms (signature lookup).
    #[error(
        "{sender} is not a remainer or joiner of the proposal, so its packet cannot be verified"
    )]
    UnknownSigner {
        /// The alleged sender.
        sender: String,
    },
    /// A packet's signature does not verify; `message` is the hex of the signed bytes.
    #[error(
        "the {packet} packet from {sender} has an invalid signature ({reason}); signed bytes: {message}"
    )]
    BadPacketSignature {
        /// The packet type.
        packet: &'static str,
        /// The alleged sender.
        sender: String,
        /// Why verification failed.
        reason: String,
        /// hex of the message the signature should cover.
        message: String,
    },
    /// A timestamp outside the protobuf range or with too many nanoseconds.
    #[error(
        "invalid timestamp: {secs} s and {nanos} ns (need years 1-9999 and nanoseconds below 10^9)"
    )]
    InvalidTimestamp {
        /// Seconds given.
        secs: i64,
        /// Nanoseconds given.
        nanos: i64,
    },
    /// A malformed Go binary time.
    #[error("invalid Go binary time: {problem}")]
    BadGoTime {
        /// What is wrong.
        problem: String,
    },
    /// `reshare` without a complete DKG to reshare.
    #[error("there is no completed DKG to reshare (the state is {status}); run `dkg init` first")]
    NoCompleteDkg {
        /// The state that was passed.
        status: Status,
    },
    /// The epoch counter would overflow.
    #[error("the epoch counter is at its maximum")]
    EpochOverflow,
    /// The stored DKG state text is malformed.
    #[error("stored DKG state: field `{field}`: {problem}")]
    StoredState {
        /// The field (or "TOML" for a syntax error).
        field: String,
        /// What is wrong.
        problem: String,
    },
}

impl CeremonyError {
    /// Whether this is one of drand's `ErrInvalidEpoch` cases.
    pub fn is_invalid_epoch(&self) -> bool {
        matches!(
            self,
            CeremonyError::EpochBehind { .. }
                | CeremonyError::EpochInUse { .. }
                | CeremonyError::EpochGap { .. }
                | CeremonyError::ReshareFromFresh { .. }
        )
    }

    pub(crate) fn stored(field: impl Into<String>, problem: impl Into<String>) -> CeremonyError {
        CeremonyError::StoredState {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
