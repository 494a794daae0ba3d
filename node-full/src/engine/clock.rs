//! Round arithmetic in milliseconds (drand's `common/time.go`): round 1 starts at genesis,
//! round `r` at `genesis + (r − 1)·period`; the current round at `t ≥ genesis` is
//! `floor((t − genesis) / period) + 1`, and 0 before genesis. Nothing wraps: a time that
//! overflows is "never".

use drand_lite::ChainInfo;

/// Genesis and period of a chain, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundClock {
    genesis_ms: u64,
    period_ms: u64,
}

impl RoundClock {
    /// The clock of `info`'s chain.
    pub fn new(info: &ChainInfo) -> Self {
        RoundClock {
            genesis_ms: info.genesis_time().saturating_mul(1000),
            period_ms: u64::from(info.period()).saturating_mul(1000).max(1),
        }
    }

    /// The round in progress at `now_ms` (0 before genesis).
    pub fn current_round(&self, now_ms: u64) -> u64 {
        match now_ms.checked_sub(self.genesis_ms) {
            None => 0,
            Some(elapsed) => (elapsed / self.period_ms).saturating_add(1),
        }
    }

    /// When `round` starts (round 0 and 1 at genesis); `u64::MAX` if it overflows.
    pub fn round_start_ms(&self, round: u64) -> u64 {
        round
            .saturating_sub(1)
            .checked_mul(self.period_ms)
            .and_then(|offset| offset.checked_add(self.genesis_ms))
            .unwrap_or(u64::MAX)
    }

    /// The round period in milliseconds.
    pub fn period_ms(&self) -> u64 {
        self.period_ms
    }
}
