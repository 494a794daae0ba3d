//! §1.5: which stored state a command or packet applies to (the post-mortem fix,
//! drand#1318), with TimedOut derived lazily.

use super::{DkgState, Timestamp};

/// The state the next command or packet is applied to: `current`, unless its status (with
/// TimedOut derived lazily, [`DkgState::effective_status`]) is Aborted, TimedOut or Failed;
/// then the last complete state (`finished`), or a fresh state when no DKG ever completed.
///
/// So a retry after an abort, an expired proposal or a failed execution is validated
/// against the last *complete* epoch, never against the interim attempt: the participants
/// may change and no `dkg nuke` is needed.
pub fn state_to_apply_to(
    current: &DkgState,
    finished: Option<&DkgState>,
    now: Timestamp,
) -> DkgState {
    if current.effective_status(now).is_terminal() {
        finished
            .cloned()
            .unwrap_or_else(|| DkgState::fresh(&current.beacon_id))
    } else {
        current.clone()
    }
}
