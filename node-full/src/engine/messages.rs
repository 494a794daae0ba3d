//! What goes into the engine ([`Event`]) and what comes out ([`Output`]).

use crate::store::StoredBeacon;

/// A partial beacon as gossiped between group members (drand's `PartialBeaconPacket`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartialPacket {
    /// The round signed.
    pub round: u64,
    /// The sender's last stored signature when it signed `round` (sent for unchained schemes
    /// too, as Go nodes do; only chained schemes sign over it).
    pub previous_signature: Vec<u8>,
    /// `BE16(share index) || signature`.
    pub partial_sig: Vec<u8>,
}

/// Something the shell tells the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The time asked for by [`super::Engine::next_wakeup`] has come (early ticks are harmless).
    Tick,
    /// A partial arrived from a peer.
    Partial {
        /// The peer's address, to attribute rejections.
        from: String,
        /// The packet as received.
        packet: PartialPacket,
    },
    /// The shell stored beacons obtained by sync (already verified); `last` is the new head.
    StoreAdvanced {
        /// The last stored beacon.
        last: StoredBeacon,
    },
}

/// Something the engine asks the shell to do or report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send this partial to every other group member.
    Broadcast(PartialPacket),
    /// Append this verified beacon (round = last stored + 1) to the store.
    Store(StoredBeacon),
    /// The chain is ahead of this node: fetch rounds `from_round..=to_round` (as far as peers
    /// have them) from peers, verify and store them, then report [`Event::StoreAdvanced`].
    Sync {
        /// First missing round.
        from_round: u64,
        /// Last round wanted.
        to_round: u64,
    },
    /// A received partial was not used; `from` is the peer that sent it.
    Rejected {
        /// The sender's address.
        from: String,
        /// The round of the packet.
        round: u64,
        /// Why.
        reason: RejectReason,
    },
    /// A local fault worth an operator's attention (the group's or this node's configuration).
    Alert(Alert),
}

/// Why a partial was not used. [`RejectReason::is_benign`] tells normal gossip redundancy
/// from misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The round is beyond the next round of this node's clock (one round of skew is allowed).
    FutureRound {
        /// The highest round accepted now.
        next_round: u64,
    },
    /// The round is already stored here (benign: late or re-broadcast partials).
    Stale {
        /// The last stored round.
        last: u64,
    },
    /// The round is too far ahead of the last stored round to be cached (this node is
    /// behind; sync fetches the beacons).
    BeyondWindow {
        /// The last stored round.
        last: u64,
    },
    /// The partial signature does not have `2 + signature length` bytes.
    BadLength {
        /// Expected length.
        expected: usize,
        /// Received length.
        actual: usize,
    },
    /// The previous signature has an impossible length, or for the next round of a chained
    /// scheme is not the stored last signature.
    BadPreviousSignature,
    /// The index prefix names no group member.
    UnknownIndex(u32),
    /// The round is outside the rounds this node's group signs (before its transition round
    /// after a reshare, or after this node left); benign around a reshare, the chain comes by
    /// sync.
    OutsideGroupTerm {
        /// The first round the group signs.
        active_from: u64,
        /// The last round the group signs.
        active_until: u64,
    },
    /// The index prefix is this node's own index.
    OwnIndex,
    /// The identical partial is already cached (benign: re-broadcast, or a replay).
    Duplicate(u32),
    /// A different partial from the same index for the same round is already cached.
    DuplicateIndex(u32),
    /// The signature does not verify under the index's public share.
    InvalidSignature {
        /// The claimed index.
        index: u32,
        /// The verifier's message.
        error: String,
    },
}

impl RejectReason {
    /// Whether this happens in a healthy group (late, repeated or early partials), as opposed
    /// to a misbehaving or misconfigured peer.
    pub fn is_benign(&self) -> bool {
        matches!(
            self,
            RejectReason::Stale { .. }
                | RejectReason::Duplicate(_)
                | RejectReason::BeyondWindow { .. }
                | RejectReason::OutsideGroupTerm { .. }
        )
    }
}

/// A local fault: the engine cannot produce a beacon from partials that each verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// Interpolating verified partials failed.
    RecoverFailed {
        /// The round.
        round: u64,
        /// The crypto error.
        error: String,
    },
    /// The recovered signature does not verify under the chain's public key: the public
    /// polynomial and the chain info disagree.
    RecoveredInvalid {
        /// The round.
        round: u64,
        /// The verifier's error.
        error: String,
    },
}
