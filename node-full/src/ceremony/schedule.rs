//! The transition time of a reshared group, computed the same on every node.
//!
//! drand takes `TimeOfRound(currentRound(now) + 10)` from each node's clock at completion, so
//! group files could differ between nodes (§1.12). Here it is derived from the kickoff time
//! in the Execute packet, which every node records ([`DkgState::kickoff`](super::DkgState)).

use super::Timestamp;

/// The phases of a DKG after kickoff (deal, response, justification), each at most one
/// phase timeout long.
pub const DKG_PHASES: u64 = 3;

/// When a reshared group takes over: the start time of the first round that begins at least
/// `3 × phase_timeout + period` after `kickoff`.
///
/// Formula, in Unix seconds: `earliest = ceil(kickoff) + ceil(3 × phase_timeout_ms / 1000) +
/// period`; if `earliest <= genesis` the result is `genesis`, otherwise
/// `genesis + ceil((earliest − genesis) / period) × period` (round `r` starts at
/// `genesis + (r − 1) × period`). So the DKG has finished on every node, with one period of
/// margin, before the new group must sign. All arithmetic saturates; a zero period returns
/// `earliest`.
///
/// For epoch 1 use the genesis time instead (drand: `TransitionTime = GenesisTime`); that is
/// the caller's choice, this function is for reshares.
pub fn transition_time(
    genesis_time: u64,
    period_secs: u32,
    kickoff: Timestamp,
    phase_timeout_ms: u64,
) -> u64 {
    let kickoff_secs = u64::try_from(kickoff.ceil_secs()).unwrap_or(0);
    let phases_secs = DKG_PHASES.saturating_mul(phase_timeout_ms).div_ceil(1000);
    let period = u64::from(period_secs);
    let earliest = kickoff_secs
        .saturating_add(phases_secs)
        .saturating_add(period);
    if period == 0 {
        return earliest;
    }
    if earliest <= genesis_time {
        return genesis_time;
    }
    let rounds = (earliest - genesis_time).div_ceil(period);
    genesis_time.saturating_add(rounds.saturating_mul(period))
}
