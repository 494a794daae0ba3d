//! The twelve ceremony states, with drand's numbers (they go on the wire in
//! `DKGEntry.state` and in the `dkg_state` metric) and names.

use core::fmt;

/// Where a node stands in a beacon's DKG ceremony (§1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum Status {
    /// No DKG yet, or not participating.
    Fresh = 0,
    /// A proposal was received.
    Proposed = 1,
    /// This node (the leader) proposed.
    Proposing = 2,
    /// This node (a remainer) accepted the proposal.
    Accepted = 3,
    /// This node (a remainer) rejected the proposal.
    Rejected = 4,
    /// The leader aborted, or the operator aborted locally.
    Aborted = 5,
    /// The DKG protocol is running.
    Executing = 6,
    /// The DKG succeeded: a group file and a share exist.
    Complete = 7,
    /// The proposal's timeout passed before execution (derived lazily, see
    /// [`DkgState::effective_status`](super::DkgState::effective_status)).
    TimedOut = 8,
    /// This node (a joiner) ran `dkg join`.
    Joined = 9,
    /// This node is a leaver and execution started.
    Left = 10,
    /// Execution ran but did not complete for this node.
    Failed = 11,
}

impl Status {
    /// Every state, in numeric order.
    pub const ALL: [Status; 12] = [
        Status::Fresh,
        Status::Proposed,
        Status::Proposing,
        Status::Accepted,
        Status::Rejected,
        Status::Aborted,
        Status::Executing,
        Status::Complete,
        Status::TimedOut,
        Status::Joined,
        Status::Left,
        Status::Failed,
    ];

    /// drand's name of the state (`"Complete"`), as printed by `dkg status`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Fresh => "Fresh",
            Status::Proposed => "Proposed",
            Status::Proposing => "Proposing",
            Status::Accepted => "Accepted",
            Status::Rejected => "Rejected",
            Status::Aborted => "Aborted",
            Status::Executing => "Executing",
            Status::Complete => "Complete",
            Status::TimedOut => "TimedOut",
            Status::Joined => "Joined",
            Status::Left => "Left",
            Status::Failed => "Failed",
        }
    }

    /// The state with drand's number `value`; `None` for numbers drand does not define.
    pub fn from_u32(value: u32) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_u32() == value)
    }

    /// The state called `name` (exact drand spelling).
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }

    /// drand's number of the state.
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// Aborted, TimedOut or Failed: an attempt that ended without a result; the next command
    /// applies to the last complete state instead (§1.5).
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Aborted | Status::TimedOut | Status::Failed)
    }

    /// The states in which accept/reject/joined notices are taken and in which an expired
    /// timeout reads as TimedOut: Proposing, Proposed, Accepted, Rejected, Joined.
    pub fn is_proposal_phase(self) -> bool {
        matches!(
            self,
            Status::Proposing
                | Status::Proposed
                | Status::Accepted
                | Status::Rejected
                | Status::Joined
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
