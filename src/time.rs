//! Round ↔ time arithmetic, one formula everywhere: round 1 is emitted at genesis and round `r`
//! at `genesis + (r − 1) · period`. All arithmetic is checked; nothing wraps.

use crate::chain::ChainInfo;
use crate::error::TimeError;

/// The latest round that should exist at Unix time `unix_secs`:
/// `floor((t − genesis) / period) + 1`. Before genesis there is no round, which is an error.
pub fn round_at(info: &ChainInfo, unix_secs: u64) -> Result<u64, TimeError> {
    let genesis = info.genesis_time();
    let elapsed = unix_secs
        .checked_sub(genesis)
        .ok_or(TimeError::BeforeGenesis {
            time: unix_secs,
            genesis,
        })?;
    // period >= 1 is guaranteed by ChainInfo; elapsed / period < u64::MAX so +1 cannot overflow.
    Ok(elapsed / u64::from(info.period()).max(1) + 1)
}

/// The Unix time (seconds) at which `round` is due. Round 0 has no time.
pub fn round_time(info: &ChainInfo, round: u64) -> Result<u64, TimeError> {
    let steps = round.checked_sub(1).ok_or(TimeError::RoundZero)?;
    steps
        .checked_mul(u64::from(info.period()))
        .and_then(|offset| offset.checked_add(info.genesis_time()))
        .ok_or(TimeError::Overflow { round })
}
