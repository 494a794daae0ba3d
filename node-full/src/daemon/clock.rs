//! The wall clock, in the engine's unit (milliseconds since the Unix epoch), and the mapping from
//! an engine wake-up time to a tokio deadline.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Wake-ups further away than this are capped (the caller re-checks when it wakes).
const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);

/// The tokio instant at which the wall clock reads `at_ms` (now, if that has passed; at most a
/// day ahead, so no far-future time can overflow the clock).
pub fn instant_at(at_ms: u64) -> tokio::time::Instant {
    let now = unix_ms();
    let wait = Duration::from_millis(at_ms.saturating_sub(now)).min(MAX_SLEEP);
    tokio::time::Instant::now() + wait
}
